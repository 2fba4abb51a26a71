"""The cross-article step: the tellings of one happening merged into one relation, the merged meetings
that are the digest's events, and the pairs of people and of countries that met."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

from ..models import Entity, EntityKind, Event, id_slug
from .models import Bilateral, Meetings, PairMeeting, Relation, RelationKind
from .relations import INFERRED_DAYS_BEFORE

KIND_ORDER: tuple[RelationKind, ...] = ("meeting", "talks", "visit", "call", "agreement")
# Kinds that tell the same happening when the same people are in the same place at the same time.
FAMILY = {"meeting": "encounter", "talks": "encounter", "visit": "encounter", "call": "call",
          "agreement": "agreement"}


def merge_relations(relations: Iterable[Relation], entities: Mapping[str, Entity] | None = None) -> list[Relation]:
    """One relation per happening: the same meeting told by several sentences or articles becomes one, with
    every telling sentence kept in `evidence`. Tellings agree when they are of the same family (meeting,
    talks and visit are one), name the same participants, and their places and dates do not conflict (a
    city is within its country; a date the article's date stood in for is only an approximate one).
    `entities` lets a place be matched with the place that contains it."""
    entities = entities or {}
    ordered = sorted(relations, key=lambda r: (r.date is None, r.date_inferred, r.article_id, r.sentence, r.kind))
    dated: list[list[Relation]] = []
    undated: list[list[Relation]] = []
    for relation in ordered:
        fitting = [c for c in dated if all(_agree(relation, other, entities) for other in c)]
        if relation.date is not None:  # the first fitting happening: tellings are sorted stated dates first
            fitting[0].append(relation) if fitting else dated.append([relation])
        elif len(fitting) == 1:  # an undated telling joins a happening only when it can mean no other
            fitting[0].append(relation)
        else:
            loose = [c for c in undated if all(_agree(relation, other, entities) for other in c)]
            loose[0].append(relation) if loose else undated.append([relation])
    merged = [_combine(c, entities) for c in dated + undated]
    return sorted(merged, key=lambda r: (r.date.start if r.date else dt.date.max, r.kind, r.participants,
                                         r.place or "", r.article_id, r.sentence))


def _agree(one: Relation, other: Relation, entities: Mapping[str, Entity]) -> bool:
    return (FAMILY[one.kind] == FAMILY[other.kind] and one.participants == other.participants
            and _places_agree(one.place, other.place, entities) and _dates_agree(one, other))


def place_containers(place: str, entities: Mapping[str, Entity]) -> list[str]:
    """A place and the places and country that contain it, innermost first."""
    out, current = [], place
    while current and current not in out:
        out.append(current)
        entity = entities.get(current)
        current = entity.located_in or entity.country if entity else None
    return out


def _places_agree(one: str | None, other: str | None, entities: Mapping[str, Entity]) -> bool:
    if one is None or other is None:
        return True
    return one in place_containers(other, entities) or other in place_containers(one, entities)


def _window(relation: Relation) -> tuple[dt.date, dt.date] | None:
    if relation.date is None:
        return None
    if relation.date_inferred:
        return relation.date.start - dt.timedelta(days=INFERRED_DAYS_BEFORE), relation.date.end
    return relation.date.start, relation.date.end


def _dates_agree(one: Relation, other: Relation) -> bool:
    a, b = _window(one), _window(other)
    return a is None or b is None or (a[0] <= b[1] and b[0] <= a[1])


def _combine(cluster: Sequence[Relation], entities: Mapping[str, Entity]) -> Relation:
    """The tellings of one happening as one relation: its most specific place and date, its commonest kind."""
    kinds = Counter(r.kind for r in cluster)
    kind = min(kinds, key=lambda k: (-kinds[k], KIND_ORDER.index(k)))
    places = sorted({r.place for r in cluster if r.place})
    # the innermost place, then the most told; max() keeps the first (alphabetical) of equals
    place = max(places, key=lambda p: (len(place_containers(p, entities)), sum(r.place == p for r in cluster)),
                default=None)
    stated = [r.date for r in cluster if r.date is not None and not r.date_inferred]
    inferred = [r.date for r in cluster if r.date is not None and r.date_inferred]
    if stated:
        date = min(stated, key=lambda d: ((d.end - d.start).days, d.start, d.text))
    else:
        date = min(inferred, key=lambda d: d.start) if inferred else None
    evidence = tuple(sorted({e for r in cluster for e in r.evidence}, key=lambda e: (e.article_id, e.sentence)))
    lead = min(cluster, key=lambda r: (r.date is None or r.date_inferred, r.place is None, r.article_id, r.sentence))
    return lead.model_copy(update={"kind": kind, "place": place, "date": date, "date_inferred": not stated and bool(
        inferred), "evidence": evidence})


def relation_order(relation: Relation) -> tuple:
    """Oldest first, undated before all; by participants among the same day's."""
    return (relation.date.start if relation.date else dt.date.min, relation.participants)


def bilateral_id(one: str, two: str) -> str:
    """The id (and page slug) of a pair: "japan--south-korea", the members' slugs in name order."""
    return f"{id_slug(one)}--{id_slug(two)}"


def match_meetings(relations: Sequence[Relation], events: Sequence[Event], entities: Mapping[str, Entity]) -> Meetings:
    """The merged relations with, for each event, those that are the event itself, and the pairs that met."""
    of_event = _meetings_of_events(relations, events, entities)
    return Meetings(relations=tuple(relations), of_event=of_event,
                    bilaterals=_bilaterals(relations, events, entities, of_event))


def is_the_event(relation: Relation, event: Event, where: set[str | None]) -> bool:
    """A meeting is the event itself when it happened then, among the event's participants only, and where the
    event was (`where`: the event's place, all that contains it and all it contains, and its country) or
    somewhere the articles do not say."""
    if event.date is None or relation.date is None:
        return False
    if not relation.date.start <= event.date <= relation.date.end:
        return False
    people = set(relation.participants)
    if not people & set(event.participants) or not people <= set(event.participants):
        return False
    return relation.place is None or relation.place in where


def _around(place_id: str | None, entities: Mapping[str, Entity], inside: Mapping[str, set[str]]) -> set[str]:
    """A place with everything that contains it and everything `inside` says it contains."""
    if place_id is None:
        return set()
    found, todo = {place_id}, [place_id]
    while todo:
        here = entities[todo.pop()]
        for other in filter(None, (here.located_in, here.country)):
            if other not in found:
                found.add(other)
                todo.append(other)
    return found | inside.get(place_id, set())


def _meetings_of_events(relations: Sequence[Relation], events: Sequence[Event],
                        entities: Mapping[str, Entity]) -> dict[str, tuple[int, ...]]:
    """Event id -> positions of the relations that are the event itself (those naming one of its people)."""
    inside: dict[str, set[str]] = defaultdict(set)  # country or place id -> the places directly in it
    for entity in entities.values():
        if entity.kind == EntityKind.PLACE:
            for container in filter(None, {entity.country, entity.located_in}):
                inside[container].add(entity.id)
    naming: dict[str, set[int]] = defaultdict(set)
    for position, relation in enumerate(relations):
        for person in relation.participants:
            naming[person].add(position)
    found = {}
    for event in events:
        if event.date is None:
            continue
        where = _around(event.place, entities, inside) | {event.country}
        candidates = sorted(set().union(*(naming.get(p, set()) for p in event.participants)))
        if own := tuple(p for p in candidates if is_the_event(relations[p], event, where)):
            found[event.id] = own
    return found


def _bilaterals(relations: Sequence[Relation], events: Sequence[Event], entities: Mapping[str, Entity],
                of_event: Mapping[str, tuple[int, ...]]) -> dict[str, Bilateral]:
    """Pairs derived from meetings: people who met, and the countries of people who met; most meetings first,
    then by title."""
    pairs: dict[tuple[str, str], list[int]] = defaultdict(list)
    for position, relation in enumerate(relations):
        people = [p for p in relation.participants if entities[p].kind == EntityKind.PERSON]
        countries = {entities[p].country for p in people if entities[p].country}
        if relation.kind == "visit" and relation.place:  # a leader's visit abroad relates the two countries
            place = entities[relation.place]
            countries.add(place.id if place.kind == EntityKind.COUNTRY else place.country)
        for one, two in itertools.combinations(sorted(set(people)), 2):
            pairs[(one, two)].append(position)
        for one, two in itertools.combinations(sorted(c for c in countries if c), 2):
            pairs[(one, two)].append(position)
    is_event: dict[int, set[str]] = defaultdict(set)  # position -> ids of the events it is
    for event_id, positions in of_event.items():
        for position in positions:
            is_event[position].add(event_id)
    result = []
    for key, positions in pairs.items():
        one, two = sorted(key, key=lambda e: entities[e].name)
        meetings = tuple(_pair_meeting([relations[p] for p in group], set().union(*(is_event[p] for p in group)),
                                       events, entities)
                         for group in _fold_undated_repeats(relations, positions, entities))
        meetings = tuple(sorted(meetings, key=lambda m: _timeline_order(m.relation)))
        met = {e for m in meetings for e in m.events}
        took_part = Counter(p for m in meetings for p in m.relation.participants
                            if entities[p].kind == EntityKind.PERSON)
        slug = bilateral_id(one, two)
        result.append(Bilateral(id=slug, kind="countries" if entities[one].kind == EntityKind.COUNTRY else "people",
                                members=(one, two), title=f"{entities[one].name} – {entities[two].name}",
                                people=tuple(sorted(took_part, key=lambda p: (-took_part[p], entities[p].name, p))),
                                meetings=meetings, events=tuple(e for e in events if e.id in met)))
    return {b.id: b for b in sorted(result, key=lambda b: (-len(b.meetings), b.title, b.id))}


def _fold_undated_repeats(relations: Sequence[Relation], positions: Sequence[int],
                          entities: Mapping[str, Entity]) -> list[list[int]]:
    """The pair's happenings as groups of positions: an undated mention joins the one dated happening of the
    same people, kind and place ("the two had met in Geneva" and their Geneva summit of 16 June 2021); with
    no place, or with several such dated happenings, it stays on its own, since it may be another one."""
    dated = [p for p in positions if relations[p].date is not None]
    groups = {p: [p] for p in dated}
    for position in positions:
        if relations[position].date is None:
            covering = [p for p in dated if _repeats(relations[position], relations[p], entities)]
            groups[covering[0]].append(position) if len(covering) == 1 else groups.setdefault(position, [position])
    return list(groups.values())


def _repeats(undated: Relation, dated: Relation, entities: Mapping[str, Entity]) -> bool:
    """Whether an undated mention tells the same people doing the same kind of thing at the dated one's place."""
    return (FAMILY[undated.kind] == FAMILY[dated.kind] and undated.participants == dated.participants
            and undated.place is not None and dated.place is not None
            and _places_agree(undated.place, dated.place, entities))


def _pair_meeting(tellings: Sequence[Relation], event_ids: set[str], events: Sequence[Event],
                  entities: Mapping[str, Entity]) -> PairMeeting:
    """One happening of a pair with the events that are it (and whose articles tell it), the others that tell
    it, in the digest's order, and its sources as those events list them, its own event's first."""
    relation = _combine(tellings, entities)
    told = {e.article_id for e in relation.evidence}
    telling = [e for e in events if told.intersection(e.articles)]
    itself = [e for e in telling if e.id in event_ids]
    others = [e for e in telling if e.id not in event_ids]
    in_events = [a for e in itself + others for a in e.articles if a in told]
    return PairMeeting(relation=relation, events=tuple(e.id for e in itself), told_in=tuple(e.id for e in others),
                       sources=tuple(dict.fromkeys(in_events + sorted(told))))


def _timeline_order(relation: Relation) -> tuple:
    """Oldest first, undated last; the same day's by kind, people and place."""
    date = relation.date
    return (date is None, date.start if date else dt.date.max, date.end if date else dt.date.max,
            KIND_ORDER.index(relation.kind), relation.participants, relation.place or "", relation.article_id,
            relation.sentence)
