"""Score extraction against a hand annotation: entities, relations and quote attribution.

A gold file (JSON, see tests/gold/demo.json) lists what the articles say: the entities with their kind,
canonical name, other names, country and containing place; the meetings with participants, place and
month; the direct quotes with speaker and words. Items marked `optional` are facts an annotator may
reasonably leave out (scare quotes, a planned visit): extracting them is not an error, missing them is not
a miss. Everything here is a pure function of the gold and the pipeline's output, except `evaluate`, the
edge that runs the pipeline over a content folder.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, computed_field

from .analysis.models import Entity, EntityKind
from .analysis.resolve.names import fold

if TYPE_CHECKING:
    from .analysis.statements.models import Quote, Relation
    from .config import Settings

QUOTE_OVERLAP = 0.5  # Dice overlap of the quoted words above which an extracted quote is the gold one
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _as_tuple(value: object) -> object:
    return (value,) if isinstance(value, str) else value


Names = Annotated[tuple[str, ...], BeforeValidator(_as_tuple)]


class _Gold(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GoldEntity(_Gold):
    name: str = Field(min_length=1)
    kind: EntityKind
    aliases: tuple[str, ...] = ()  # other names it may be published under ("Horyuji" for "Horyuji temple")
    country: str | None = None  # checked when given: the extracted entity's country must be this one
    located_in: str | None = None  # checked when given, like country
    optional: bool = False
    note: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


class GoldRelation(_Gold):
    kind: str = "meeting"  # informative: relations are matched on participants, place and month
    participants: tuple[str, ...] = Field(min_length=1)  # gold entity names
    place: Names  # every place name the articles give for it ("Beijing", "China")
    month: str = Field(pattern=_MONTH.pattern)  # "2026-01"
    optional: bool = False
    note: str = ""


class GoldQuote(_Gold):
    article: str  # article id
    speaker: str | None  # gold entity name; None for an unnamed source
    text: str = Field(min_length=1)  # the quoted words, without the quote marks
    optional: bool = False
    note: str = ""


class Gold(_Gold):
    description: str = ""
    articles: tuple[str, ...] = ()  # the article ids annotated; others are left out of the scores
    entities: tuple[GoldEntity, ...] = ()
    relations: tuple[GoldRelation, ...] = ()
    quotes: tuple[GoldQuote, ...] = ()


class Score(BaseModel):
    """Counts and the measures they give; `missed` and `spurious` say which items, for the reader."""

    model_config = ConfigDict(frozen=True)

    tp: int
    fp: int
    fn: int
    missed: tuple[str, ...] = ()
    spurious: tuple[str, ...] = ()

    @computed_field
    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @computed_field
    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @computed_field
    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


class ScoreReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    entities: Score
    relations: Score
    quotes: Score


def load_gold(path: Path) -> Gold:
    """The gold annotation in a JSON file; pydantic says which field is wrong when it is malformed."""
    return Gold.model_validate_json(path.read_text(encoding="utf-8"))


class _GoldIndex:
    """Looks up a gold entity by any of its names and kind, and an extracted entity's gold counterpart."""

    def __init__(self, gold: Gold) -> None:
        self.by_name: dict[tuple[str, str], GoldEntity] = {}
        for entity in gold.entities:
            for name in entity.names:
                self.by_name.setdefault((fold(name), entity.kind.value), entity)
        self.any_kind: dict[str, GoldEntity] = {}
        for entity in gold.entities:
            for name in entity.names:
                self.any_kind.setdefault(fold(name), entity)

    def named(self, name: str, kind: EntityKind | None = None) -> GoldEntity | None:
        if kind is None:
            return self.any_kind.get(fold(name))
        return self.by_name.get((fold(name), kind.value))

    def of(self, entity_id: str | None, entities: Mapping[str, Entity]) -> GoldEntity | None:
        """The gold entity an extracted entity is (same kind, one of its names), ignoring its facts."""
        entity = entities.get(entity_id) if entity_id else None
        if entity is None:
            return None
        return next((g for name in (entity.name, *entity.aliases) if (g := self.named(name, entity.kind))), None)

    def canonical(self, name: str) -> str:
        """A gold name as the gold entity's canonical name (an alias given for a relation's place)."""
        entity = self.named(name)
        return entity.name if entity else name


def _same_place(expected: str | None, entity_id: str | None, index: _GoldIndex,
                entities: Mapping[str, Entity]) -> bool:
    if expected is None:
        return True
    found = index.of(entity_id, entities)
    return found is not None and found.name == index.canonical(expected)


def score_entities(gold: Gold, entities: Mapping[str, Entity], scored: Collection[str] | None = None) -> Score:
    """Each extracted entity (of `scored`, default all) counts once: right when it is a gold entity by name and
    kind and, where the gold says so, in the right country and place; a second entity for the same gold one
    is a duplicate page."""
    index = _GoldIndex(gold)
    matched: set[str] = set()
    spurious: list[str] = []
    for entity in sorted(entities.values(), key=lambda e: e.id):
        if scored is not None and entity.id not in scored:
            continue
        target = index.of(entity.id, entities)
        right = (target is not None and target.name not in matched
                 and _same_place(target.country, entity.country, index, entities)
                 and _same_place(target.located_in, entity.located_in, index, entities))
        if right:
            matched.add(target.name)
        elif not (target is not None and target.optional and target.name not in matched):
            spurious.append(_describe_entity(entity, entities))
    missed = [f"{g.kind.value} {g.name}" for g in gold.entities if not g.optional and g.name not in matched]
    return Score(tp=len(matched - {g.name for g in gold.entities if g.optional}), fp=len(spurious), fn=len(missed),
                 missed=tuple(missed), spurious=tuple(spurious))


def _describe_entity(entity: Entity, entities: Mapping[str, Entity]) -> str:
    where = [entities[i].name if i in entities else i for i in (entity.located_in, entity.country) if i]
    return f"{entity.kind.value} {entity.name}" + (f" ({', '.join(where)})" if where else "")


def _month(relation: Relation) -> str | None:
    """The month a relation happened in, when its date says one month (or a day within it)."""
    date = relation.date
    if date is None or (date.start.year, date.start.month) != (date.end.year, date.end.month):
        return None
    return f"{date.start.year:04d}-{date.start.month:02d}"


def score_relations(gold: Gold, relations: Sequence[Relation], entities: Mapping[str, Entity]) -> Score:
    """A gold relation is found when an extracted one has the same participants, one of its places and its
    month. Extracted relations that tell an already found one again are not counted twice; the rest that
    match no gold relation (non-optional or optional) are false positives."""
    index = _GoldIndex(gold)
    found: set[int] = set()
    spurious: set[str] = set()
    for relation in relations:
        people = tuple(sorted(g.name if (g := index.of(p, entities)) else p for p in relation.participants))
        place = index.of(relation.place, entities)
        month = _month(relation)
        hits = [i for i, g in enumerate(gold.relations)
                if tuple(sorted(index.canonical(p) for p in g.participants)) == people and month == g.month
                and place is not None and place.name in {index.canonical(p) for p in g.place}]
        if hits:
            found.update(hits)
        else:
            where = entities[relation.place].name if relation.place in entities else relation.place
            spurious.add(f"{' + '.join(people)} in {where or '?'} ({month or '?'}): {relation.text}")
    missed = [f"{' + '.join(g.participants)} in {g.place[0]} ({g.month})" for i, g in enumerate(gold.relations)
              if not g.optional and i not in found]
    tp = sum(1 for i in found if not gold.relations[i].optional)
    return Score(tp=tp, fp=len(spurious), fn=len(missed), missed=tuple(missed), spurious=tuple(sorted(spurious)))


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", fold(text))


def quote_overlap(one: str, other: str) -> float:
    """Dice coefficient of the two texts' word multisets: 1 for the same words, 0 for none shared."""
    a, b = _words(one), _words(other)
    if not a or not b:
        return 0.0
    rest = list(b)
    common = 0
    for word in a:
        if word in rest:
            rest.remove(word)
            common += 1
    return 2 * common / (len(a) + len(b))


def score_quotes(gold: Gold, quotes: Sequence[Quote], entities: Mapping[str, Entity]) -> Score:
    """Quote attribution: an extracted quote is right when it is a gold quote of the same article (by the
    overlap of its words) and names the gold speaker, or no speaker where the gold has none. Each gold quote
    pairs with at most one extracted quote, the best overlapping first."""
    index = _GoldIndex(gold)
    scope = set(gold.articles)
    pairs = sorted(((quote_overlap(q.text, g.text), qi, gi) for qi, q in enumerate(quotes)
                    for gi, g in enumerate(gold.quotes) if q.article_id == g.article),
                   key=lambda t: (-t[0], t[1], t[2]))
    paired: dict[int, int] = {}
    used: set[int] = set()
    for overlap, qi, gi in pairs:
        if overlap >= QUOTE_OVERLAP and qi not in paired and gi not in used:
            paired[qi] = gi
            used.add(gi)
    right: set[int] = set()
    spurious: list[str] = []
    for qi, quote in enumerate(quotes):
        if scope and quote.article_id not in scope:
            continue
        speaker = index.of(quote.speaker, entities)
        said_by = speaker.name if speaker else (entities[quote.speaker].name if quote.speaker in entities
                                                else quote.speaker)
        target = gold.quotes[paired[qi]] if qi in paired else None
        if target is not None and (target.speaker and index.canonical(target.speaker)) == said_by:
            right.add(paired[qi])
        elif target is None or not target.optional:
            spurious.append(f"{said_by or 'unattributed'}: “{quote.text}” ({quote.article_id})")
    missed = [f"{g.speaker or 'unattributed'}: “{g.text}” ({g.article})" for i, g in enumerate(gold.quotes)
              if not g.optional and i not in right]
    tp = sum(1 for i in right if not gold.quotes[i].optional)
    return Score(tp=tp, fp=len(spurious), fn=len(missed), missed=tuple(missed), spurious=tuple(spurious))


def evaluate(gold: Gold, settings: Settings) -> ScoreReport:
    """Run the build's analysis (cached parse, resolution, event dates, relations, quotes) over the content
    folder and score what the site would show. When the gold names its articles, only what those articles
    say is scored: entities they mention, relations and quotes they tell."""
    from .pipeline.build import BuildReport, analyse_content

    digest = analyse_content(settings, BuildReport())
    scope = set(gold.articles) or set(digest.articles)
    mentioned = {m.entity_id for m in digest.mentions if m.article_id in scope}
    relations = [r for r in digest.relations
                 if r.article_id in scope or any(e.article_id in scope for e in r.evidence)]
    quotes = [q for q in digest.quotes if q.article_id in scope]
    return ScoreReport(entities=score_entities(gold, digest.entities, mentioned),
                       relations=score_relations(gold, relations, digest.entities),
                       quotes=score_quotes(gold, quotes, digest.entities))
