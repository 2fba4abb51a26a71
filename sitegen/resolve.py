"""Turn NER mentions into entities: one person, country, place or organisation however the text names it.

The statistical NER labels the same surname ORG in one sentence and GPE in the next; a mention's kind is
therefore decided from the evidence as a whole: a surname of a full name seen as PERSON is that person,
whatever label a single mention got; a name the gazetteer knows as a country is a country.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from .cards import CuratedCard
from .geo import Gazetteer
from .models import Article, Entity, EntityKind, EntityMention, Mention, ParsedArticle, Role
from .slugs import slugify

DATA = Path(__file__).parent / "data"

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
    cards: Sequence[CuratedCard] = (),
) -> Resolution:
    """Resolve every mention of every article to an entity (or to nothing, for dates and noise).

    Curated cards come first: a mention spelling a card's name or alias is that card's entity, a card's
    person lends its surname to lone mentions, and every fact a card states replaces the extracted one.
    """
    authors = {fold(name) for article in articles for name in article.authors}
    by_article = {a.id: [m for m in parsed[a.id].mentions if m.label in NAME_LABELS and fold(clean_name(m.text))
                         not in authors] for a in articles}
    article_countries = {aid: _countries_in(ms, gazetteer) for aid, ms in by_article.items()}
    people = _collect_people(by_article, article_countries)
    people += [_Person(name=c.name, tokens=tuple(fold(c.name).split())) for c in cards
               if c.kind == EntityKind.PERSON and not any(p.name == c.name for p in people)]
    card_names = {}
    for card in cards:
        for name in card.names:
            card_names.setdefault(fold(clean_name(name)), card)

    entities: dict[str, Entity] = {}
    resolved: list[EntityMention] = []
    for article in articles:
        for mention in by_article[article.id]:
            card = card_names.get(fold(clean_name(mention.text)))
            entity = (_card_entity(card) if card is not None else
                      _resolve_mention(mention, people, article_countries[article.id], gazetteer, parsed[article.id]))
            if entity is None:
                continue
            entities[entity.id] = _merge(entities.get(entity.id), entity)
            resolved.append(EntityMention(entity_id=entity.id, article_id=article.id, sentence=mention.sentence,
                                          start=mention.start, end=mention.end, text=mention.text))
    _attach_landmarks(entities, resolved, parsed)
    _attach_roles(entities, resolved, parsed)
    for card in cards:
        _apply_card(card, entities, gazetteer, card_names)
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
        name = _acronym_of_modifier(mention, parsed) or name
        return Entity(id=f"organization/{slugify(name)}", kind=EntityKind.ORGANIZATION, name=name)
    if label == "PERSON" and len(parts) == 1 and name[:1].isupper():
        return Entity(id=f"person/{slugify(name)}", kind=EntityKind.PERSON, name=name)
    return None


def _card_entity(card: CuratedCard) -> Entity:
    return Entity(id=f"{card.kind.value}/{slugify(card.name)}", kind=card.kind, name=card.name)


def _apply_card(card: CuratedCard, entities: dict[str, Entity], gazetteer: Gazetteer,
                card_names: Mapping[str, CuratedCard]) -> None:
    """Every fact the card states wins; what it leaves out keeps the extracted value."""
    entity = entities.get(_card_entity(card).id) or _card_entity(card)

    def country_id(name: str | None) -> str | None:
        country = gazetteer.country(name) if name else None
        if country is None:
            return None
        entities.setdefault(f"country/{slugify(country.name)}", _country_entity(country))
        return f"country/{slugify(country.name)}"

    def place_id(name: str) -> str | None:
        if (other := card_names.get(fold(clean_name(name)))) is not None:
            return _card_entity(other).id
        known = next((e.id for e in entities.values() if e.kind == EntityKind.PLACE and fold(e.name) == fold(name)),
                     None)
        return known or country_id(name)

    update: dict[str, object] = {"name": card.name, "curated": True, "description": card.text,
                                 "aliases": tuple(sorted(set(entity.aliases) | set(card.aliases)))}
    if card.country:
        update["country"] = country_id(card.country)
    if card.located_in:
        update["located_in"] = place_id(card.located_in)
    if card.place_kind:
        update["place_kind"] = card.place_kind
    if card.roles:
        update["roles"] = tuple(Role(title=r.title, country=country_id(r.country), former=r.former or bool(r.until))
                                for r in card.roles)
        if not card.country:
            update["country"] = next((r.country for r in update["roles"] if r.country), entity.country)
    entities[entity.id] = entity.model_copy(update=update)


def _acronym_of_modifier(mention: Mention, parsed: ParsedArticle) -> str | None:
    """ "a UNESCO World Heritage site": an organisation span that only modifies a common noun and starts
    with an acronym names the acronym's organisation; the words after it name a programme of it."""
    tokens = parsed.tokens[mention.first_token:mention.last_token]
    if len(tokens) < 2 or not (tokens[0].text.isupper() and tokens[0].text.isalpha() and len(tokens[0].text) >= 3):
        return None
    last = tokens[-1]
    head = parsed.tokens[last.head]
    if last.dep == "compound" and head.i >= mention.last_token and head.pos == "NOUN" and head.text.islower():
        return tokens[0].text
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
            gap = between.tokens_text(here.end, there.start)
            if re.fullmatch(r"\s*(?:in|at|near|outside)\b.*", gap) and len(gap.split()) <= 5:
                entities[landmark.id] = landmark.model_copy(
                    update={"located_in": container.id, "country": landmark.country or container.country})




@cache
def office_titles() -> dict[str, bool]:
    """Title -> whether its holder leads a country, from data/titles.tsv."""
    titles = {}
    for line in (DATA / "titles.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            title, leader = line.split("\t")
            titles[title.strip()] = leader.strip() == "yes"
    return titles


_FORMER = re.compile(r"^(?:then|former|ex|late)\s*-?\s*", re.IGNORECASE)


def read_title(words: str) -> tuple[str, bool] | None:
    """("Prime Minister", former?) when `words` is an office title, possibly "then-" or "former"."""
    words = " ".join(words.replace("-", " - ").split()).replace(" - ", "-")
    former = bool(_FORMER.match(words))
    words = _FORMER.sub("", words).strip()
    if words.lower() in office_titles():
        return " ".join(w if w.isupper() else w.capitalize() for w in words.split()), former
    return None


def _attach_roles(entities: dict[str, Entity], mentions: Sequence[EntityMention],
                  parsed: Mapping[str, ParsedArticle]) -> None:
    """Titles in apposition become roles: "Japanese Prime Minister Sanae Takaichi", "then-President X",
    "X, South Korea's president". The country comes from the demonym or country named with the title."""
    found: dict[str, dict[tuple[str, str | None], bool]] = defaultdict(dict)
    by_sentence: dict[tuple[str, int], list[EntityMention]] = defaultdict(list)
    for mention in mentions:
        by_sentence[(mention.article_id, mention.sentence)].append(mention)
    for (article_id, _), group in sorted(by_sentence.items()):
        group.sort(key=lambda m: m.start)
        text = parsed[article_id]
        for index, mention in enumerate(group):
            if entities[mention.entity_id].kind != EntityKind.PERSON:
                continue
            before = group[index - 1] if index else None
            role = _title_before(text, mention, before, entities)
            if role is None and index + 1 < len(group):
                role = _title_after(text, mention, group[index + 1], entities)
            if role is not None:
                title, country, former = role
                key = (title, country)
                found[mention.entity_id][key] = found[mention.entity_id].get(key, True) and former
    successions = _successions(entities, by_sentence, parsed)
    for person_id, roles in found.items():
        ordered = sorted(roles.items(), key=lambda kv: (kv[1], kv[0][1] is None, kv[0][0]))
        role_list = tuple(Role(title=title, country=country, former=former) for (title, country), former in ordered)
        country = next((r.country for r in role_list if r.country), entities[person_id].country)
        entities[person_id] = entities[person_id].model_copy(update={"roles": role_list, "country": country})
    for holder_id, other_id, word in successions:  # "Takaichi's predecessor Shigeru Ishiba"
        inherited = tuple(Role(title=r.title, country=r.country, former=word == "predecessor")
                          for r in entities[holder_id].roles if not r.former and office_titles().get(r.title.lower()))
        other = entities[other_id]
        known = {(r.title, r.country) for r in other.roles}
        new = tuple(r for r in inherited if (r.title, r.country) not in known)
        if new:
            country = other.country or next((r.country for r in new if r.country), None)
            entities[other_id] = other.model_copy(update={"roles": other.roles + new, "country": country})
    for person_id, entity in entities.items():
        if entity.kind == EntityKind.PERSON and entity.roles:
            entities[person_id] = entity.model_copy(update={"roles": _tidy_roles(entity.roles)})


def _tidy_roles(roles: tuple[Role, ...]) -> tuple[Role, ...]:
    """Drop what a more specific role already says: a title without country beside the same title with
    one, and "Leader" beside a specific leading office of the same country ("President")."""
    with_country = {(r.title, r.former) for r in roles if r.country}
    specific = {(r.country, r.former) for r in roles if r.title != "Leader" and office_titles().get(r.title.lower())}
    return tuple(r for r in roles
                 if (r.country or (r.title, r.former) not in with_country)
                 and (r.title != "Leader" or (r.country, r.former) not in specific))


def _successions(entities: Mapping[str, Entity], by_sentence: Mapping[tuple[str, int], list[EntityMention]],
                 parsed: Mapping[str, ParsedArticle]) -> list[tuple[str, str, str]]:
    """(holder, other, "predecessor"|"successor") from "<holder>'s predecessor <other>"."""
    found = []
    for (article_id, _), group in sorted(by_sentence.items()):
        for first, second in zip(group, group[1:]):
            if entities[first.entity_id].kind != EntityKind.PERSON or entities[second.entity_id].kind != EntityKind.PERSON:
                continue
            gap = parsed[article_id].tokens_text(first.start, second.start).split()[1:]
            if gap[:1] in (["'s"], ["’s"]) and len(gap) == 2 and gap[1].lower() in {"predecessor", "successor"}:
                found.append((first.entity_id, second.entity_id, gap[1].lower()))
    return sorted(set(found))


def _title_before(text: ParsedArticle, person: EntityMention, before: EntityMention | None,
                  entities: Mapping[str, Entity]) -> tuple[str, str | None, bool] | None:
    """A title right before the name, after a country or demonym ("Chinese leader Xi Jinping") or alone
    ("then-Prime Minister Shigeru Ishiba")."""
    if before is not None and entities[before.entity_id].kind == EntityKind.COUNTRY:
        gap = re.sub(r"^(?:'s|’s)\s+", "", text.tokens_text(before.end, person.start))  # "Singapore's"
        if (role := read_title(gap)) is not None:
            return role[0], before.entity_id, role[1]
    words = text.tokens_text(text.sentences[person.sentence].start, person.start).split()[-5:]
    for cut in range(len(words)):
        if (role := read_title(" ".join(words[cut:]))) is not None:
            return role[0], None, role[1]
    return None


def _title_after(text: ParsedArticle, person: EntityMention, after: EntityMention,
                 entities: Mapping[str, Entity]) -> tuple[str, str | None, bool] | None:
    """ "Lee Jae Myung, South Korea's president" / "X, the Japanese prime minister"."""
    if entities[after.entity_id].kind != EntityKind.COUNTRY:
        return None
    gap = text.tokens_text(person.end, after.start).strip()
    if gap not in {",", ", the"}:
        return None
    tail = text.tokens_text(after.end, text.sentences[person.sentence].end).split()
    for size in (3, 2, 1):
        if (role := read_title(" ".join(tail[:size]).strip(",."))) is not None:
            return role[0], after.entity_id, role[1]
    return None
