"""The context of all articles that resolving one article reads, and the record of what it read.

An article's resolution reads a few words of the evidence, the authors and the people of the whole digest
(is "drugmaker" a common noun? whose surname is "Lee"?). Recorded with their answers, those reads let a later
build keep the resolution while every one of them gets the same answer (Salsa's verification of a memoised
query), however the rest of the context changed: a new word or name elsewhere resolves no article again but
those that asked about it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from functools import cached_property

from ...content.cards import CuratedCard
from ...content.models import Article
from ...nlp.models import Mention, ParsedArticle
from ...pipeline.fingerprint import fingerprint
from ..geo import Gazetteer
from ..models import EntityKind
from .mentions import countries_in
from .models import ContextReads, NameMentions, Person
from .names import clean_name, fold
from .people import People, PersonEvidence, article_evidence, person_evidence

AUTHORS = "authors"  # the name of the authors' set among the evidence's in `ContextReads.words`

Collect = Callable[[Mapping[str, Sequence[Mention]], Mapping[str, list[str]], PersonEvidence, Gazetteer], list[Person]]


@dataclass(frozen=True)
class ResolutionContext:
    """What the articles' resolutions read of all articles: the evidence of who is a person, the authors, the
    people named in full, the curated names and the capitals; with the countries each article names."""

    countries: Mapping[str, list[str]]  # article id -> ISO codes of the countries it names, most named first
    evidence: PersonEvidence
    authors: Collection[str]  # folded
    people: People
    card_names: Mapping[str, CuratedCard]  # folded name or alias -> its card
    capitals: Mapping[str, str]  # folded capital -> ISO code of its country

    @cached_property
    def digests(self) -> tuple[str, str]:
        """Fingerprints of the sets of words (the evidence's, the authors') and of the people: reads made of
        the same need not be asked again."""
        people = [(p.name, p.tokens, sorted(p.articles), sorted(p.countries.items())) for p in self.people.all]
        return fingerprint(self.evidence.digest, sorted(self.authors)), fingerprint(people)

    def still_holds(self, article_id: str, reads: ContextReads) -> bool:
        """Whether every read of an article's resolution gets the same answer here."""
        words, people = self.digests
        return ((reads.words_digest == words or self._same_words(reads))
                and all(_card(self.card_names.get(name)) == card for name, card in reads.cards.items())
                and (reads.people_digest == people or self._same_people(article_id, reads)))

    def _same_words(self, reads: ContextReads) -> bool:
        sets = {**{f.name: getattr(self.evidence, f.name) for f in fields(self.evidence)}, AUTHORS: self.authors}
        return all((word in sets[name]) == held for name, asked in reads.words.items() for word, held in asked.items())

    def _same_people(self, article_id: str, reads: ContextReads) -> bool:
        countries = self.countries[article_id]
        return (all(_name(self.people.full_name(parts)) == name for parts, name in reads.full_names)
                and all(_name(self.people.owner(parts, article_id, countries, spelled)) == name
                        for parts, spelled, name in reads.owners)
                and (reads.named_in is None
                     or tuple(p.name for p in self.people.named_in(article_id)) == reads.named_in))


def resolution_context(articles: Sequence[Article], parsed: Mapping[str, ParsedArticle],
                       named: Sequence[NameMentions], gazetteer: Gazetteer, cards: Sequence[CuratedCard],
                       collect: Collect) -> ResolutionContext:
    """The context of all articles, from their name mentions (`entities.name_mentions`, in the order of
    `articles`); `collect` gives their full names as `people.collect_people` does (from a store)."""
    authors = {fold(name) for article in articles for name in article.authors}
    by_article = {a.id: n.mentions if authors.isdisjoint(n.names)  # as most are: what it holds of them stands
                  else [m for m, name in zip(n.mentions, n.names, strict=True) if name not in authors]
                  for a, n in zip(articles, named, strict=True)}
    countries = {a.id: list(n.countries) if by_article[a.id] is n.mentions
                 else countries_in(by_article[a.id], gazetteer) for a, n in zip(articles, named)}
    evidence = person_evidence([n.evidence if by_article[a.id] is n.mentions
                                else article_evidence(by_article[a.id], parsed[a.id])
                                for a, n in zip(articles, named)], (parsed[a.id] for a in articles))
    collected = collect(by_article, countries, evidence, gazetteer)
    people = People(collected + [Person(name=c.name, tokens=tuple(fold(c.name).split())) for c in cards
                                 if c.kind == EntityKind.PERSON and not any(p.name == c.name for p in collected)])
    card_names: dict[str, CuratedCard] = {}
    for card in cards:
        for name in card.names:
            card_names.setdefault(fold(clean_name(name)), card)
    return ResolutionContext(countries=countries, evidence=evidence, authors=authors, people=people,
                             card_names=card_names,
                             capitals={fold(c.capital): c.code for c in gazetteer.countries() if c.capital})


def without_authors(mentions: Iterable[Mention], authors: Container[str]) -> list[Mention]:
    """The mentions that name no author of the digest (folded): a byline names no one the article reports on."""
    return [m for m in mentions if fold(clean_name(m.text)) not in authors]


class Recorder:
    """The context as one article's resolution sees it, noting each read: the evidence and the authors as sets
    of words, the people and the curated names."""

    def __init__(self, context: ResolutionContext) -> None:
        self._digests = context.digests
        self._words = {f.name: _AskedWords(getattr(context.evidence, f.name)) for f in fields(context.evidence)}
        self.evidence = replace(context.evidence, **self._words)
        self.authors = self._words[AUTHORS] = _AskedWords(context.authors)
        self.people = _AskedPeople(context.people)
        self.card_names = _AskedCards(context.card_names)

    def reads(self) -> ContextReads:
        words, people = self._digests
        return ContextReads(words={name: words.asked for name, words in self._words.items() if words.asked},
                            cards=self.card_names.asked, full_names=tuple(self.people.full_names.items()),
                            owners=tuple((parts, spelled, name)
                                         for (parts, spelled), name in self.people.owners.items()),
                            named_in=self.people.named, words_digest=words, people_digest=people)


class _AskedWords:
    """A set of words that notes each word asked of it: `in` is all it answers."""

    def __init__(self, words: Collection[str]) -> None:
        self._words = words
        self.asked: dict[str, bool] = {}

    def __contains__(self, word: str) -> bool:
        self.asked[word] = word in self._words
        return self.asked[word]


class _AskedPeople:
    """The digest's people, noting what is asked of them (`people.AskedPeople`); of a person found, its name
    is what the asker reads."""

    def __init__(self, people: People) -> None:
        self._people = people
        self.full_names: dict[tuple[str, ...], str | None] = {}
        self.owners: dict[tuple[tuple[str, ...], bool], str | None] = {}
        self.named: tuple[str, ...] | None = None

    def full_name(self, parts: tuple[str, ...]) -> Person | None:
        person = self._people.full_name(parts)
        self.full_names[parts] = _name(person)
        return person

    def owner(self, parts: tuple[str, ...], article_id: str, countries: Sequence[str],
              spelled_otherwise: bool = False) -> Person | None:
        person = self._people.owner(parts, article_id, countries, spelled_otherwise)
        self.owners[(parts, spelled_otherwise)] = _name(person)
        return person

    def named_in(self, article_id: str) -> list[Person]:
        people = self._people.named_in(article_id)
        self.named = tuple(p.name for p in people)
        return people


class _AskedCards:
    """The curated cards by folded name, noting each name asked; of a card found, its kind and name are what
    the asker reads (`constructors.card_entity`)."""

    def __init__(self, cards: Mapping[str, CuratedCard]) -> None:
        self._cards = cards
        self.asked: dict[str, tuple[EntityKind, str] | None] = {}

    def get(self, name: str) -> CuratedCard | None:
        card = self._cards.get(name)
        self.asked[name] = _card(card)
        return card


def _name(person: Person | None) -> str | None:
    return person.name if person is not None else None


def _card(card: CuratedCard | None) -> tuple[EntityKind, str] | None:
    return (card.kind, card.name) if card is not None else None
