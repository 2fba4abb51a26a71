"""Who is a person: the evidence of the mentions as a whole (titles, votes of the NER, pronouns, lower-case
words), the full names of the digest, and the one person a lone surname refers to."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from functools import cached_property
from typing import Protocol

from rapidfuzz import fuzz

from ...nlp.models import Mention, ParsedArticle, Token
from ...pipeline.fingerprint import fingerprint
from ..geo import Gazetteer, Place
from ..models import Entity
from .constructors import person_entity
from .models import ArticleEvidence, Person
from .names import (HONORIFICS, PARTICLES, POSSESSIVE, capitalised, clean_name, fold, given_names, is_acronym,
                    name_words, office_titles, person_name, read_title, same_given_name)

PROMINENCE = 4  # a lone surname goes to the one of several namesakes named in at least this many times the articles
FULL_NAME_MATCH = 92  # rapidfuzz token_sort_ratio above which two full names are spelling variants
SURNAME_MATCH = 90  # rapidfuzz ratio from which a lone name spells a surname otherwise ("Lukashenka")


def collect_people(by_article: Mapping[str, Sequence[Mention]], article_countries: Mapping[str, list[str]],
                   evidence: PersonEvidence, gazetteer: Gazetteer) -> list[Person]:
    """Full names (two or more words labelled PERSON, or an organisation's words ending in a person's name),
    without a title in front, spelling variants merged, with where they appear."""
    people: list[Person] = []
    found: dict[tuple[str, ...], Person] = {}  # the list only grows at its end, so a name's first match stays first
    for article_id in sorted(by_article):
        for mention in by_article[article_id]:
            name = evidence.bare_name(mention.text)
            parts = tuple(fold(name).split())
            if len(parts) < 2 or not evidence.is_person(name) or untitled_place(name, evidence, gazetteer) or not (
                    mention.label == "PERSON" or (mention.label == "ORG" and evidence.ends_in_name(name))):
                continue
            person = found.get(parts) or next((p for p in people if same_full_name(p.tokens, parts)), None)
            if person is None:
                person = Person(name=name, tokens=parts)
                people.append(person)
            found[parts] = person
            person.articles.add(article_id)
            person.countries.update(article_countries[article_id][:3])
    return people


class AskedPeople(Protocol):
    """What resolving one article asks of the digest's people: `People`, or a record of the asking."""

    def full_name(self, parts: tuple[str, ...]) -> Person | None: ...

    def owner(self, parts: tuple[str, ...], article_id: str, countries: Sequence[str],
              spelled_otherwise: bool = False) -> Person | None: ...

    def named_in(self, article_id: str) -> list[Person]: ...


class People:
    """The digest's full names, collected, with what resolving each mention asks of them indexed (by either end
    of a name, an inner word, a surname's initial, an article naming them), each index in the list's order:
    the mentions of a thousand articles would otherwise each go through the whole list."""

    def __init__(self, people: Sequence[Person]) -> None:
        self.all = tuple(people)
        self.by_end: dict[tuple[str, ...], list[Person]] = defaultdict(list)
        self.by_inner_word: dict[str, list[Person]] = defaultdict(list)
        self.by_initial: dict[str, list[Person]] = defaultdict(list)  # of the surname, of names of two words or more
        self.of_article: dict[str, list[Person]] = defaultdict(list)
        for person in self.all:
            tokens = person.tokens
            for size in range(1, len(tokens)):
                for end in dict.fromkeys((tokens[:size], tokens[-size:])):
                    self.by_end[end].append(person)
            for word in dict.fromkeys(tokens[1:-1]):
                self.by_inner_word[word].append(person)
            if len(tokens) > 1:
                self.by_initial[tokens[-1][:1]].append(person)
            for article_id in person.articles:
                self.of_article[article_id].append(person)
        self._full_names: dict[tuple[str, ...], Person | None] = {}

    def full_name(self, parts: tuple[str, ...]) -> Person | None:
        """The first person whose full name these folded parts spell (`same_full_name`)."""
        if parts not in self._full_names:
            self._full_names[parts] = next((p for p in self.all if same_full_name(p.tokens, parts)), None)
        return self._full_names[parts]

    def owner(self, parts: tuple[str, ...], article_id: str, countries: Sequence[str],
              spelled_otherwise: bool = False) -> Person | None:
        """The one person a part of a full name refers to (`name_owner`)."""
        return name_owner(parts, article_id, self, countries, spelled_otherwise)

    def named_in(self, article_id: str) -> list[Person]:
        """The people an article names in full."""
        return self.of_article.get(article_id, [])


def same_full_name(one: Sequence[str], other: Sequence[str]) -> bool:
    """Two folded full names of one person: spelling variants ("Lukashenko"/"Lukashenka"), or the same
    family name after a given name and its short form ("Chuck"/"Charles Schumer")."""
    if fuzz.token_sort_ratio(" ".join(one), " ".join(other)) >= FULL_NAME_MATCH:
        return True
    return (len(one) == len(other) == 2 and one[-1] == other[-1] and one[0] != other[0]
            and same_given_name(one[0], other[0]))


@dataclass(frozen=True)
class PersonEvidence:
    """Names shown to be people's (or not) by the mentions as a whole, whatever label one mention got."""

    titled: frozenset[str]  # folded names written after an honorific or title ("Ms Rowling", "President X")
    voted: frozenset[str]  # folded names labelled PERSON more often than anything else
    outvoted: frozenset[str]  # folded names labelled something else more often than PERSON ("House", "Capitol")
    common: frozenset[str]  # folded words written in lower case more often than capitalised inside a sentence
    pronouned: frozenset[str]  # folded lone names labelled PERSON that a "he" or "she" follows (coreference)
    neuter: frozenset[str]  # folded lone names labelled PERSON that "it" or "its" follows twice and "he" never

    @cached_property
    def digest(self) -> str:
        """A fingerprint of the evidence, for the keys of what reads it."""
        return fingerprint([sorted(getattr(self, f.name)) for f in fields(self)])

    def holds(self, name: str) -> bool:
        return fold(name) in self.titled or fold(name) in self.voted

    def ends_in_name(self, name: str) -> bool:
        """ "JK Rowling" labelled ORG: capitalised words whose last one is a person's name."""
        words = name.split()
        return len(words) >= 2 and all(w[:1].isupper() for w in words) and self.holds(words[-1])

    def bare_name(self, text: str) -> str:
        """A person's name without the words written in front that are not part of it: a title ("House
        Speaker"), a common noun capitalised at the start of a sentence ("Drugmaker", "Billionaire"), the name
        of an institution ("House"), an acronym before a full name ("DJ"), a stray "s" of a cut possessive, an
        owner ("Fox's"). A given name is always part of the name."""
        words = re.split(r"\s+[-–—]+\s+", person_name(text))[0].split()  # "X — America": a dash ends a name
        while len(words) >= 2:
            first = fold(words[0])
            if first not in given_names() and (
                    first == "s" or POSSESSIVE.search(words[0]) or first in self.common
                    or (first in self.outvoted and first not in self.titled)
                    or (is_acronym(words[0]) and len(words) >= 3)):
                words = person_name(" ".join(words[1:])).split()
            else:
                break
        return " ".join(words)

    def names_a_thing(self, name: str) -> bool:
        """Whether the name's shape or words show that it is not a person's: digits ("COVID-19"), a disease
        or holiday word, an organisation's, a thing's or an area's head noun ("Girl Scouts Council",
        "Imperial Valley", but "Michael Bay"), an office ("Caucus Chairman"), or a lone "May" or "Jr"."""
        words = fold(name).split()
        if not words:
            return False
        head = name_words().get(words[-1])
        return (any(c.isdigit() for c in name) or any(name_words().get(w) in {"disease", "holiday"} for w in words)
                or (len(words) == 1 and head is not None) or head in {"organization", "thing"}
                or ((head == "place" or words[-1] in office_titles()) and words[0] not in given_names()))

    def is_person(self, name: str) -> bool:
        """Whether a name may be published as a person's: written as a name, not a thing's name, and a lone
        word only as a given name ("Emily") or with a title or a "he"/"she" that goes with it somewhere."""
        words = fold(name).split()
        return (bool(words) and (name[:1].isupper() or words[0] in PARTICLES) and capitalised(name)
                and not self.names_a_thing(name) and not is_acronym(name)
                and (len(words) >= 2 or words[0] in given_names() or fold(name) in self.titled
                     or fold(name) in self.pronouned))


def article_evidence(mentions: Sequence[Mention], parsed: ParsedArticle) -> ArticleEvidence:
    """What one article's mentions show of who is a person: each name with whether it was labelled PERSON,
    the names (and surnames) a title goes with, the lone names a pronoun follows."""
    people = [m for m in mentions if m.label == "PERSON"]
    labels: list[tuple[str, bool]] = []
    titled: dict[str, None] = {}
    pronouns: list[tuple[str, str]] = []
    for mention in mentions:
        name = fold(person_name(mention.text))
        if not name:
            continue
        labels.append((name, mention.label == "PERSON"))
        if (mention.label == "PERSON" and len(name.split()) == 1
                and (pronoun := _pronoun_after(mention, people, parsed.tokens))):
            pronouns.append((pronoun, name))
        if _titled(parsed.tokens, mention.first_token) or person_name(mention.text) != clean_name(mention.text):
            titled.update(dict.fromkeys((name, name.split()[-1])))
    return ArticleEvidence(labels=tuple(labels), titled=tuple(titled), pronouns=tuple(pronouns))


def person_evidence(articles: Iterable[ArticleEvidence], parsed: Iterable[ParsedArticle]) -> PersonEvidence:
    """The evidence of all articles, from each one's (`article_evidence`) and its parse."""
    labels: dict[str, Counter] = defaultdict(Counter)
    titled: set[str] = set()
    pronouns: dict[str, Counter] = {"he": Counter(), "it": Counter()}
    for article in articles:
        for name, person in article.labels:
            labels[name][person] += 1
        titled.update(article.titled)
        for pronoun, name in article.pronouns:
            pronouns[pronoun][name] += 1
    voted = {name for name, count in sorted(labels.items()) if count[True] > count[False]}
    outvoted = {name for name, count in sorted(labels.items()) if count[False] > count[True]}
    return PersonEvidence(titled=frozenset(titled), voted=frozenset(voted), outvoted=frozenset(outvoted),
                          common=frozenset(_common_words(parsed)), pronouned=frozenset(pronouns["he"]),
                          neuter=frozenset(name for name, count in pronouns["it"].items()
                                           if count >= 2 and name not in pronouns["he"]))


_PRONOUNS = {"he": "he", "she": "he", "it": "it", "its": "it"}  # subjects: "removed him" points anywhere


def _pronoun_after(mention: Mention, people: Sequence[Mention], tokens: Sequence[Token]) -> str | None:
    """ "he" when "he" or "she" is the first such pronoun after a name, in its sentence or the next, before
    anyone else is named: the name is a person's ("Trump said he ..."); "it" for "it"/"its" ("Acme said it")."""
    if any(m.sentence == mention.sentence and m.first_token < mention.first_token for m in people):
        return None  # "Greenwald took to Twitter ... he": the pronoun may be the earlier person's
    stop = next((m.first_token for m in people if m.first_token >= mention.last_token), len(tokens))
    for token in tokens[mention.last_token:stop]:
        if token.sentence > mention.sentence + 1:
            return None
        if (pronoun := _PRONOUNS.get(token.text.lower())) is not None:
            return pronoun
    return None


def _common_words(articles: Iterable[ParsedArticle]) -> set[str]:
    """Words the articles write in lower case more often than with a capital inside a sentence: common nouns
    ("drugmaker"), whatever a headline or the start of a sentence does to them. Each spelling is counted
    first (in C), then its case read once."""
    counts: Counter = Counter()
    for parsed in articles:
        counts.update([token.text for token in parsed.tokens])
        counts.subtract([parsed.tokens[start].text for start in {s.first_token for s in parsed.sentences}
                         if start < len(parsed.tokens)])
    lower: Counter = Counter()
    capital: Counter = Counter()
    for word, count in counts.items():
        if count <= 0 or not word.isalpha():
            continue
        if word.islower():
            lower[word] += count
        elif word[0].isupper() and not word.isupper():
            capital[word.lower()] += count
    return {word for word, count in lower.items() if count > capital[word]}


def _titled(tokens: Sequence[Token], first: int) -> bool:
    """Whether an honorific ("Mr", "Ms.") or an office title ("President") comes right before a token."""
    if first == 0:
        return False
    before = tokens[first - 1]
    if before.text.rstrip(".").lower() in HONORIFICS and before.text[:1].isupper():
        return True
    words = [t.text for t in tokens[max(0, first - 3):first] if t.sentence == tokens[first].sentence]
    return any(words[cut][:1].isupper() and read_title(" ".join(words[cut:])) is not None for cut in range(len(words)))


def name_owner(parts: tuple[str, ...], article_id: str, people: People,
               countries: Sequence[str], spelled_otherwise: bool = False) -> Person | None:
    """The one person a part of a full name refers to: someone in the same article first, else by shared
    context.

    Family names come first in some languages ("Lee" of Lee Jae Myung) and last in others ("Takaichi" of
    Sanae Takaichi), so both ends of a full name count, and a part may have several words ("el-Sissi" of
    Abdel-Fattah el-Sissi). Two people sharing the name stay apart: the one named in this article wins;
    across articles the only one of the digest with that name (unless this article's countries and theirs
    have nothing in common), else the one whose countries this article shares; a tie resolves to nobody
    rather than to the wrong person. With `spelled_otherwise`, a lone name that is no one's surname as
    written is the one person whose surname it spells another way ("Lukashenka" of Alexander Lukashenko):
    same initial, at least six letters, a rapidfuzz ratio of SURNAME_MATCH, and no second such person.
    Some people go by a middle part of their full name ("Lula" of Luiz Inacio Lula da Silva): a lone name
    that is neither end of anyone's name is the one person of this article with it inside their name.
    """
    size = len(parts)
    candidates = people.by_end.get(parts, [])
    if not candidates and size == 1:
        inside = [p for p in people.by_inner_word.get(parts[0], []) if article_id in p.articles]
        if len(inside) == 1:
            return inside[0]
    if not candidates and spelled_otherwise and size == 1 and len(parts[0]) >= 6:
        variants = [p for p in people.by_initial.get(parts[0][:1], [])
                    if fuzz.ratio(parts[0], p.tokens[-1]) >= SURNAME_MATCH]
        return variants[0] if len(variants) == 1 else None
    if not candidates:
        return None
    local = [p for p in candidates if article_id in p.articles]
    if len(local) == 1:
        return local[0]
    if len(local) > 1:
        return None
    if len(candidates) == 1:
        only = candidates[0]
        return only if not (only.countries and countries) or set(only.countries) & set(countries) else None
    by_reach = sorted(candidates, key=lambda p: (-len(p.articles), p.name))
    if len(by_reach[0].articles) >= PROMINENCE * len(by_reach[1].articles):
        return by_reach[0]  # "Biden" is Joe Biden when he is named in full far more often than Jill Biden
    scored = sorted(((sum(p.countries[c] for c in countries[:3]), p.name) for p in candidates), reverse=True)
    if scored[0][0] == 0 or (len(scored) > 1 and scored[0][0] == scored[1][0]):
        return None
    return next(p for p in candidates if p.name == scored[0][1])


def untitled_place(name: str, evidence: PersonEvidence, gazetteer: Gazetteer,
                   countries: Sequence[str] = ()) -> Place | None:
    """A city of several words read as a person ("Chula Vista"), unless a title says it is someone."""
    if len(name.split()) < 2 or fold(name) in evidence.titled:
        return None
    return gazetteer.place(name, countries)


def missed_surnames(article_id: str, parsed: ParsedArticle, people: AskedPeople,
                    authors: Container[str]) -> list[tuple[Mention, Entity]]:
    """Lone surnames the NER left unlabelled ("... attack on Turnbull"): a capitalised proper noun, alone,
    that ends the full name of exactly one person named in the same article."""
    local: dict[str, list[Person]] = defaultdict(list)
    for person in people.named_in(article_id):
        if fold(person.name) not in authors:
            local[person.tokens[-1]].append(person)
    if not local:
        return []
    covered = {i for m in parsed.mentions for i in range(m.first_token, m.last_token)}
    tokens = parsed.tokens
    found = []
    for token in tokens:
        owners = local.get(fold(token.text))
        if (not owners or len(owners) > 1 or token.i in covered or token.pos != "PROPN"
                or not token.text[:1].isupper() or token.text.isupper()):
            continue
        neighbours = [tokens[j] for j in (token.i - 1, token.i + 1) if 0 <= j < len(tokens)]
        if any(n.pos == "PROPN" and n.text[:1].isupper() and n.sentence == token.sentence for n in neighbours):
            continue  # part of a longer name the NER missed: someone else
        mention = Mention(article_id=article_id, text=token.text, label="PERSON", start=token.idx,
                          end=token.idx + len(token.text), sentence=token.sentence, first_token=token.i,
                          last_token=token.i + 1)
        found.append((mention, person_entity(owners[0])))
    return found
