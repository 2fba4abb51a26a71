"""Where places lie: a landmark in the place named after it, a place in the larger place after a comma,
"Denver, Colorado" as one mention of the city, and the countries that places and roles point to."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence

from ...nlp.models import ParsedArticle
from ..geo import Gazetteer
from ..models import Entity, EntityKind, EntityMention, entity_id
from .constructors import country_entity


def add_referenced_countries(entities: dict[str, Entity], gazetteer: Gazetteer) -> None:
    """A place or role may lie in a country the articles never name: it still gets its entity (and page)."""
    by_id = {entity_id(EntityKind.COUNTRY, c.name): c for c in gazetteer.countries()}
    referenced = {ref for e in list(entities.values())
                  for ref in (e.country, *(r.country for r in e.roles)) if ref and ref not in entities}
    for ref in sorted(referenced):
        if ref in by_id:
            entities[ref] = country_entity(by_id[ref])


def landmark_links(sentences: Iterable[Sequence[EntityMention]], entities: Mapping[str, Entity],
                   parsed: ParsedArticle) -> list[tuple[str, str]]:
    """(landmark, place) entity ids where one article's words (its mentions by sentence, in reading order) put a
    place in the place its sentence names right after it ("the X temple in the town of Y"); `attach_landmarks`
    keeps those where the first is a landmark. A landmark is a place, so only places count (an organisation may
    yet merge into another)."""
    links = []
    for group in sentences:
        for here, there in zip(group, group[1:]):
            if entities[here.entity_id].kind != EntityKind.PLACE or entities[there.entity_id].kind != EntityKind.PLACE:
                continue
            gap = parsed.tokens_text(here.end, there.start)
            if re.fullmatch(r"\s*(?:in|at|near|outside)\b.*", gap) and len(gap.split()) <= 5:
                links.append((here.entity_id, there.entity_id))
    return links


def attach_landmarks(entities: dict[str, Entity], links: Iterable[tuple[str, str]]) -> None:
    """A landmark lies in the place its sentence names right after it (`landmark_links`)."""
    for here, there in links:
        landmark, container = entities[here], entities[there]
        if (landmark.place_kind != "landmark" or landmark.located_in or container.kind != EntityKind.PLACE
                or container.place_kind == "landmark"):
            continue
        entities[landmark.id] = landmark.model_copy(
            update={"located_in": container.id, "country": landmark.country or container.country})


def apposition_links(sentences: Iterable[Sequence[EntityMention]], entities: Mapping[str, Entity],
                     parsed: ParsedArticle) -> list[tuple[str, str]]:
    """(place, larger place) entity ids of one article's "the town of Ikaruga, Nara", "Gyeongju, South Korea"
    (its mentions by sentence): a place followed by a comma and another place or a country. Lists ("Orange,
    Riverside, Imperial Valley") say nothing of the kind: the pair must not continue with another comma or
    "and"."""
    links = []
    for group in sentences:
        places = [m for m in group if entities[m.entity_id].kind in (EntityKind.PLACE, EntityKind.COUNTRY)]

        def listed(one: EntityMention, other: EntityMention) -> bool:
            return parsed.tokens_text(one.end, other.start).strip() in {",", "and", ", and", "or", ", or"}

        for at, (here, there) in enumerate(zip(places, places[1:])):
            if (entities[here.entity_id].kind != EntityKind.PLACE
                    or parsed.tokens_text(here.end, there.start).strip() != ","
                    or (at > 0 and listed(places[at - 1], here))
                    or (at + 2 < len(places) and listed(there, places[at + 2]))):
                continue
            links.append((here.entity_id, there.entity_id))
    return links


def attach_appositions(entities: dict[str, Entity], links: Iterable[tuple[str, str]], gazetteer: Gazetteer) -> None:
    """A place written before a larger place of the same country and a comma (`apposition_links`) lies in it;
    a city only in a more populous one."""
    for here, there in links:
        inner, outer = entities[here], entities[there]
        if inner.id == outer.id or inner.located_in:
            continue
        if outer.kind == EntityKind.COUNTRY and inner.country in (None, outer.id):
            entities[inner.id] = inner.model_copy(update={"country": outer.id})
        elif (outer.kind == EntityKind.PLACE and outer.place_kind != "landmark"
              and inner.country in (None, outer.country) and _smaller(inner, outer, gazetteer)):
            entities[inner.id] = inner.model_copy(update={"located_in": outer.id,
                                                          "country": inner.country or outer.country})


_AREA_AFTER = re.compile(r",[ \t]*([A-Z][A-Za-z]*\.(?:[A-Z][a-z]?\.)*|[A-Z]{2}\b)")  # ", Calif." ", N.Y." ", TX"


def join_city_areas(mentions: Sequence[EntityMention], entities: Mapping[str, Entity], text: str,
                    gazetteer: Gazetteer) -> tuple[list[EntityMention], list[str]]:
    """ "Denver, Colorado", "Houston, TX", "Manhattan Beach, Calif.": a city and the state or country it lies
    in, written after it with a comma, are one mention of the city (the gazetteer must place a city of that
    name there). One article's mentions so joined, in reading order, and the entities of the areas' own
    mentions, which are absorbed (see `drop_absorbed`)."""
    ordered = sorted(mentions, key=lambda m: (m.start, m.end))
    absorbed: set[int] = set()
    joined: list[EntityMention] = []
    for at, mention in enumerate(ordered):
        if at in absorbed:
            continue
        following = ordered[at + 1] if at + 1 < len(ordered) else None
        area = None
        if following is not None and re.fullmatch(r",[ \t]*", text[mention.end:following.start]):
            area = following
        elif (match := _AREA_AFTER.match(text, mention.end)) is not None:
            end = match.end(1)
            area = EntityMention(entity_id="", article_id=mention.article_id, sentence=mention.sentence,
                                 start=match.start(1), end=end, text=text[match.start(1):end])
        if (area is None or entities[mention.entity_id].kind != EntityKind.PLACE
                or gazetteer.city_in(mention.text, area.text) is None):
            joined.append(mention)
            continue
        if area is following:
            absorbed.add(at + 1)
        joined.append(mention.model_copy(update={"end": area.end, "text": text[mention.start:area.end]}))
    return joined, [ordered[at].entity_id for at in sorted(absorbed)]


def drop_absorbed(entities: dict[str, Entity], mentions: Sequence[EntityMention], absorbed: Iterable[str]) -> None:
    """An area's entity whose mention a city absorbed (`join_city_areas`) keeps its other mentions, and goes
    when it has none left, nothing refers to it and no card states it ("TX" read as an organisation)."""
    kept = {m.entity_id for m in mentions} | {ref for e in entities.values()
                                              for ref in (e.country, e.located_in, *(r.country for r in e.roles))}
    for area in absorbed:
        if area not in kept and area in entities and not entities[area].curated:
            del entities[area]


def _smaller(inner: Entity, outer: Entity, gazetteer: Gazetteer) -> bool:
    """Whether a place can lie within another: a landmark in anything, a city in a region or a more
    populous city."""
    if inner.place_kind == "landmark" or outer.place_kind == "region":
        return True
    if inner.place_kind == "region":
        return False
    codes = [c for c in (inner.country, outer.country) if c]
    context = [code for ident, code in _country_ids(gazetteer) if ident in codes]
    small, large = gazetteer.place(inner.name, context), gazetteer.place(outer.name, context)
    return small is not None and large is not None and small.population < large.population


@functools.lru_cache(maxsize=4)
def _country_ids(gazetteer: Gazetteer) -> tuple[tuple[str, str], ...]:
    """The entity id and ISO code of every country, in the gazetteer's order: slugified once, not per place."""
    return tuple((entity_id(EntityKind.COUNTRY, c.name), c.code) for c in gazetteer.countries())
