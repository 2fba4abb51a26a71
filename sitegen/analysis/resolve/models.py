"""What the resolve stage hands on: every entity, and every mention resolved to one."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import cached_property

from pydantic import BaseModel, Field, field_serializer

from ...contract import Frozen
from ...nlp.models import Mention
from ...pipeline.fingerprint import model_texts
from ..models import Entity, EntityKind, EntityMention

RoleStatement = tuple[str, str, str | None, bool]  # (person id, title, country id, former)
Succession = tuple[str, str, str]  # (holder id, other id, "predecessor" | "successor")


class Resolution(Frozen):
    entities: dict[str, Entity]
    mentions: tuple[EntityMention, ...]

    @cached_property
    def by_article(self) -> dict[str, list[EntityMention]]:
        """Article id -> its mentions in reading order: the stages after this one ask per article."""
        by_article: dict[str, list[EntityMention]] = defaultdict(list)
        for mention in sorted(self.mentions, key=lambda m: (m.article_id, m.start, m.end)):
            by_article[mention.article_id].append(mention)
        return dict(by_article)

    @cached_property
    def entity_texts(self) -> dict[str, str]:
        """Entity id -> its text (`model_texts`) for the keys of the stages that read it: each written once a
        build, where every event and article naming it wrote it again."""
        return dict(zip(self.entities, model_texts(*self.entities.values()), strict=True))

    @cached_property
    def mention_texts(self) -> dict[str, str]:
        """Article id -> the texts (`model_texts`) of its mentions in reading order, one a line, for keys: the
        statements and the events read them, and wrote them each."""
        return {article_id: "\n".join(model_texts(*mentions)) for article_id, mentions in self.by_article.items()}


class Person(BaseModel):
    """A full name of the digest, with the articles that name it and the countries those articles name most."""

    name: str
    tokens: tuple[str, ...]  # folded name parts
    articles: set[str] = Field(default_factory=set)
    countries: Counter[str] = Field(default_factory=Counter)

    @field_serializer("articles")
    def _in_order(self, articles: set[str]) -> list[str]:
        """Sorted, so a store entry's bytes do not follow the set's order, which changes with the process's hash seed."""
        return sorted(articles)


class Collected(Frozen):
    """The full names of the digest (`people.collect_people`), as the store keeps them."""

    people: tuple[Person, ...]


class ArticleEvidence(Frozen):
    """What one article's mentions show of who is a person (`people.article_evidence`)."""

    labels: tuple[tuple[str, bool], ...]  # each mention's folded name, and whether it was labelled PERSON
    titled: tuple[str, ...]  # folded names, and their last words, written after an honorific or title
    pronouns: tuple[tuple[str, str], ...]  # ("he" or "it", a folded lone name a pronoun follows)


class NameMentions(Frozen):
    """One article's mentions that may name an entity, and their evidence; its authors' among them (who is
    an author depends on every article, so they are left out later)."""

    mentions: tuple[Mention, ...]
    evidence: ArticleEvidence
    names: tuple[str, ...]  # each mention's folded name: what is compared with the authors'
    countries: tuple[str, ...]  # `mentions.countries_in` of all the mentions: the article's while no author is


class ArticleResolution(Frozen):
    """What one article's mentions resolve to, and what the steps over all articles read of its words."""

    entities: dict[str, Entity]  # the entities its mentions name, by id, in the order first named
    mentions: tuple[EntityMention, ...]  # in reading order, a city and its area as one ("Denver, Colorado")
    absorbed: tuple[str, ...]  # entities of the areas so joined
    landmarks: tuple[tuple[str, str], ...]  # (place, place its sentence puts it in): `places.landmark_links`
    appositions: tuple[tuple[str, str], ...]  # (place, larger place after a comma): `places.apposition_links`
    roles: tuple[RoleStatement, ...]  # titles written with people's names, in reading order
    successions: tuple[Succession, ...]


class ContextReads(Frozen):
    """What one article's resolution asked of the context of all articles, each read with its answer
    (`context.Recorder`)."""

    words: dict[str, dict[str, bool]]  # set (of the evidence, or the authors) -> folded word -> whether it holds it
    full_names: tuple[tuple[tuple[str, ...], str | None], ...]  # folded parts -> the person they spell in full
    owners: tuple[tuple[tuple[str, ...], bool, str | None], ...]  # (parts, spelled otherwise) -> whose they are
    named_in: tuple[str, ...] | None  # the people the article names in full, when asked
    cards: dict[str, tuple[EntityKind, str] | None]  # folded name -> its card's kind and name
    words_digest: str  # `context.ResolutionContext.digests` of the context read: while the same, the reads hold
    people_digest: str


class ResolvedArticle(Frozen):
    """One article's resolution, with what it read of the context: as the store keeps it."""

    resolution: ArticleResolution
    reads: ContextReads


def mentions_by_sentence(mentions: Iterable[EntityMention]) -> dict[tuple[str, int], list[EntityMention]]:
    """(article, sentence) -> its mentions in reading order, sentences in order too."""
    groups: dict[tuple[str, int], list[EntityMention]] = defaultdict(list)
    for mention in mentions:
        groups[(mention.article_id, mention.sentence)].append(mention)
    return {key: sorted(group, key=lambda m: (m.start, m.end)) for key, group in sorted(groups.items())}
