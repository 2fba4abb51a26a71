"""Turn NER mentions into entities: one person, country, place or organisation however the text names it.

The statistical NER labels the same surname ORG in one sentence and GPE in the next; a mention's kind is
therefore decided from the evidence as a whole: a surname of a full name seen as PERSON is that person,
whatever label a single mention got; a name the gazetteer knows as a country is a country.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from .geo import Gazetteer
from .models import Article, Entity, EntityKind, EntityMention, Mention, ParsedArticle
from .slugs import slugify

NAME_LABELS = {"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "PRODUCT", "WORK_OF_ART", "EVENT"}
PLACE_LABELS = {"GPE", "LOC", "FAC"}
FULL_NAME_MATCH = 92  # rapidfuzz token_sort_ratio above which two full names are spelling variants
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")
_EDGE_PUNCT = re.compile(r"^[\s\-–—\"“”'‘’(]+|[\s\-–—\"“”'‘’),.;:]+$")


def clean_name(text: str) -> str:
    """The name a mention spells, without a leading article, possessive or stray punctuation."""
    text = _EDGE_PUNCT.sub("", " ".join(text.split()))
    text = _POSSESSIVE.sub("", text)
    if text.lower().startswith("the "):
        text = text[4:]
    return _EDGE_PUNCT.sub("", text)


def fold(text: str) -> str:
    """Comparison key: case, accents, hyphens and dots do not distinguish names."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[-.‐]", " ", text).lower().split())


@dataclass
class _Person:
    name: str
    tokens: tuple[str, ...]  # folded name parts
    articles: set[str] = field(default_factory=set)
    countries: Counter = field(default_factory=Counter)


@dataclass(frozen=True)
class Resolution:
    entities: dict[str, Entity]
    mentions: tuple[EntityMention, ...]


def resolve_entities(
    articles: Sequence[Article],
    parsed: Mapping[str, ParsedArticle],
    gazetteer: Gazetteer,
) -> Resolution:
    """Resolve every mention of every article to an entity (or to nothing, for dates and noise)."""
    authors = {fold(name) for article in articles for name in article.authors}
    by_article = {a.id: [m for m in parsed[a.id].mentions if m.label in NAME_LABELS and fold(clean_name(m.text))
                         not in authors] for a in articles}
    article_countries = {aid: _countries_in(ms, gazetteer) for aid, ms in by_article.items()}
    people = _collect_people(by_article, article_countries)

    entities: dict[str, Entity] = {}
    resolved: list[EntityMention] = []
    for article in articles:
        for mention in by_article[article.id]:
            entity = _resolve_mention(mention, people, article_countries[article.id], gazetteer, parsed[article.id])
            if entity is None:
                continue
            entities[entity.id] = _merge(entities.get(entity.id), entity)
            resolved.append(EntityMention(entity_id=entity.id, article_id=article.id, sentence=mention.sentence,
                                          start=mention.start, end=mention.end, text=mention.text))
    _attach_landmarks(entities, resolved, parsed)
    return Resolution(entities=dict(sorted(entities.items())), mentions=tuple(resolved))


def _countries_in(mentions: Iterable[Mention], gazetteer: Gazetteer) -> list[str]:
    """ISO codes of the countries an article names (by name or demonym), most mentioned first."""
    counts: Counter = Counter()
    for mention in mentions:
        name = clean_name(mention.text)
        country = gazetteer.country(name) if mention.label in PLACE_LABELS else None
        if country is None and mention.label == "NORP":
            country = gazetteer.country_by_demonym(name)
        if country is not None:
            counts[country.code] += 1
    return [code for code, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _collect_people(by_article: Mapping[str, list[Mention]],
                    article_countries: Mapping[str, list[str]]) -> list[_Person]:
    """Full names (two or more words labelled PERSON), spelling variants merged, with where they appear."""
    people: list[_Person] = []
    for article_id in sorted(by_article):
        for mention in by_article[article_id]:
            name = clean_name(mention.text)
            parts = tuple(fold(name).split())
            if mention.label != "PERSON" or len(parts) < 2:
                continue
            person = next((p for p in people if fuzz.token_sort_ratio(" ".join(p.tokens), " ".join(parts))
                           >= FULL_NAME_MATCH), None)
            if person is None:
                person = _Person(name=name, tokens=parts)
                people.append(person)
            person.articles.add(article_id)
            person.countries.update(article_countries[article_id][:3])
    return people


def _surname_owner(word: str, article_id: str, people: Sequence[_Person],
                   countries: Sequence[str]) -> _Person | None:
    """The one person a lone name part refers to: someone in the same article first, else by shared context.

    Family names come first in some languages ("Lee" of Lee Jae Myung) and last in others ("Takaichi" of
    Sanae Takaichi), so both ends of a full name count. Two people sharing the name stay apart: the one
    named in this article wins; across articles the one whose countries this article shares; a tie resolves
    to nobody rather than to the wrong person.
    """
    candidates = [p for p in people if word in (p.tokens[0], p.tokens[-1])]
    if not candidates:
        return None
    local = [p for p in candidates if article_id in p.articles]
    if len(local) == 1:
        return local[0]
    if len(local) > 1:
        return None
    scored = sorted(((sum(p.countries[c] for c in countries[:3]), p.name) for p in candidates), reverse=True)
    if scored[0][0] == 0 or (len(scored) > 1 and scored[0][0] == scored[1][0]):
        return None
    return next(p for p in candidates if p.name == scored[0][1])


def _resolve_mention(mention: Mention, people: Sequence[_Person], countries: Sequence[str],
                     gazetteer: Gazetteer, parsed: ParsedArticle) -> Entity | None:
    name = clean_name(mention.text)
    if not name or not any(c.isalpha() for c in name):
        return None
    folded = fold(name)
    parts = folded.split()
    label = mention.label

    if label == "PERSON" and len(parts) >= 2:
        person = next(p for p in people if fuzz.token_sort_ratio(" ".join(p.tokens), folded) >= FULL_NAME_MATCH)
        return _person_entity(person)
    if len(parts) == 1 and name[:1].isupper():
        owner = _surname_owner(parts[0], mention.article_id, people, countries)
        if owner is not None and gazetteer.country(name) is None:
            return _person_entity(owner)

    if label == "NORP":
        country = gazetteer.country_by_demonym(name)
        return _country_entity(country) if country else None
    if label in PLACE_LABELS:
        country = gazetteer.country(name)
        if country is not None:
            return _country_entity(country)
        region = gazetteer.region(name)
        if region is not None:
            return Entity(id=f"place/{slugify(region.name)}", kind=EntityKind.PLACE, name=region.name,
                          place_kind="region", country=_country_id(gazetteer, region.country_code))
        if label == "FAC":
            return Entity(id=f"place/{slugify(name)}", kind=EntityKind.PLACE, name=name, place_kind="landmark")
        place = gazetteer.place(name, countries)
        if place is not None:
            return Entity(id=f"place/{slugify(place.name)}", kind=EntityKind.PLACE, name=place.name,
                          place_kind=place.kind, country=_country_id(gazetteer, place.country_code))
        return None  # a name the gazetteer does not know and no rule vouches for is not published as a place
    if label == "ORG":
        if gazetteer.country(name) is not None:
            return None  # "Washington" as a government: the country is already counted where it is named
        return Entity(id=f"organization/{slugify(name)}", kind=EntityKind.ORGANIZATION, name=name)
    if label == "PERSON" and len(parts) == 1 and name[:1].isupper():
        return Entity(id=f"person/{slugify(name)}", kind=EntityKind.PERSON, name=name)
    return None


def _person_entity(person: _Person) -> Entity:
    return Entity(id=f"person/{slugify(person.name)}", kind=EntityKind.PERSON, name=person.name)


def _country_entity(country) -> Entity:
    return Entity(id=f"country/{slugify(country.name)}", kind=EntityKind.COUNTRY, name=country.name,
                  aliases=tuple(country.aliases))


def _country_id(gazetteer: Gazetteer, code: str | None) -> str | None:
    country = gazetteer.country_by_code(code) if code else None
    return f"country/{slugify(country.name)}" if country else None


def _merge(old: Entity | None, new: Entity) -> Entity:
    if old is None:
        return new
    update = {}
    if old.country is None and new.country is not None:
        update["country"] = new.country
    if old.place_kind is None and new.place_kind is not None:
        update["place_kind"] = new.place_kind
    return old.model_copy(update=update) if update else old


def _attach_landmarks(entities: dict[str, Entity], mentions: Sequence[EntityMention],
                      parsed: Mapping[str, ParsedArticle]) -> None:
    """A landmark lies in the place its sentence names right after it ("the X temple in the town of Y")."""
    by_sentence: dict[tuple[str, int], list[EntityMention]] = defaultdict(list)
    for mention in mentions:
        by_sentence[(mention.article_id, mention.sentence)].append(mention)
    for group in by_sentence.values():
        group.sort(key=lambda m: m.start)
        for here, there in zip(group, group[1:]):
            landmark, container = entities[here.entity_id], entities[there.entity_id]
            between = parsed[here.article_id]
            if (landmark.place_kind != "landmark" or landmark.located_in or container.kind != EntityKind.PLACE
                    or container.place_kind == "landmark"):
                continue
            gap = _text_between(between, here.end, there.start)
            if re.fullmatch(r"\s*(?:in|at|near|outside)\b.*", gap) and len(gap.split()) <= 5:
                entities[landmark.id] = landmark.model_copy(
                    update={"located_in": container.id, "country": landmark.country or container.country})


def _text_between(parsed: ParsedArticle, start: int, end: int) -> str:
    return " ".join(t.text for t in parsed.tokens if start <= t.idx < end)
