"""Turn NER mentions into entities: one person, country, place or organisation however the text names it.

The statistical NER labels the same surname ORG in one sentence and GPE in the next; a mention's kind is
therefore decided from the evidence as a whole: a surname of a full name seen as PERSON is that person,
whatever label a single mention got; a name the gazetteer knows as a country is a country.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from nicknames import NickNamer
from rapidfuzz import fuzz

from ..content.cards import CuratedCard
from ..content.models import Article
from ..content.slugs import slugify
from ..nlp.models import Mention, ParsedArticle, Token
from ..resources import data_text
from .geo import LARGE_CITY, Gazetteer, Place
from .models import Entity, EntityKind, EntityMention, Role

NAME_LABELS = {"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "PRODUCT", "WORK_OF_ART", "EVENT"}
PLACE_LABELS = {"GPE", "LOC", "FAC"}
# Courtesy words written before a surname: closed-class English words, not names.
HONORIFICS = {"mr", "mrs", "ms", "miss", "mx", "dr", "sir", "dame", "lord", "lady", "madam", "madame", "monsieur"}
PROMINENCE = 4  # a lone surname goes to the one of several namesakes named in at least this many times the articles
FULL_NAME_MATCH = 92  # rapidfuzz token_sort_ratio above which two full names are spelling variants
SURNAME_MATCH = 90  # rapidfuzz ratio from which a lone name spells a surname otherwise ("Lukashenka")
_PARTICLES = {"al", "el", "de", "da", "di", "du", "van", "von", "bin", "ibn", "le", "la"}  # "al-Sisi", "de Blasio"
_FUNCTION_WORDS = {"of", "for", "and", "the", "on", "in", "to", "de", "del", "des", "du", "la", "le", "&"}
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")
_EDGE_PUNCT = re.compile(r"^[\s\-–—\"“”'‘’(]+|[\s\-–—\"“”'‘’),.;:]+$")


def clean_name(text: str) -> str:
    """The name a mention spells, without a leading article, possessive or stray punctuation."""
    text = _EDGE_PUNCT.sub("", " ".join(text.split()))
    text = _POSSESSIVE.sub("", text)
    if text.lower().startswith("the "):
        text = text[4:]
    text = re.sub(r"^(?:a|an)\s+(?=[A-Z])", "", text)  # "a George W. Bush appointee": the article is not the name
    return _EDGE_PUNCT.sub("", text)


def fold(text: str) -> str:
    """Comparison key: case, accents, hyphens and dots do not distinguish names."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[-.‐]", " ", text).lower().split())


@cache
def name_words() -> dict[str, str]:
    """Word -> its kind ("disease", "organization", "place", ...), from data/name_words.tsv: words that show
    a name is not a person's."""
    rows = (line.split("\t") for line in data_text("name_words.tsv").splitlines()
            if line.strip() and not line.startswith("#"))
    return {word.strip(): kind.strip() for word, kind in rows}


@cache
def _nick_namer() -> NickNamer:
    return NickNamer()


@cache
def given_names() -> frozenset[str]:
    """English given names and their short forms (the `nicknames` package's hand-curated table), folded."""
    namer = _nick_namer()
    return frozenset(namer.nickname_lookup) | frozenset(namer.canonical_lookup)


def same_given_name(one: str, other: str) -> bool:
    """ "Chuck" and "Charles", "Bill" and "William" (folded): one given name is a short form of the other."""
    namer = _nick_namer()
    return one == other or other in namer.nicknames_of(one) or one in namer.nicknames_of(other)


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
    by_article: dict[str, list[EntityMention]] = field(init=False)  # in reading order; stages ask per article

    def __post_init__(self) -> None:
        by_article: dict[str, list[EntityMention]] = defaultdict(list)
        for mention in sorted(self.mentions, key=lambda m: (m.article_id, m.start, m.end)):
            by_article[mention.article_id].append(mention)
        object.__setattr__(self, "by_article", dict(by_article))


@dataclass(frozen=True)
class _Context:
    """What the resolution of one mention may look at beyond the mention itself."""

    people: Sequence[_Person]
    evidence: _PersonEvidence
    countries: Sequence[str]  # ISO codes the article names, most named first
    capitals: Mapping[str, str]  # folded capital -> ISO code of its country
    gazetteer: Gazetteer
    parsed: ParsedArticle
    sport: bool  # the article reports on sport: a country's or city's name may stand for its team


def resolve_entities(
    articles: Sequence[Article],
    parsed: Mapping[str, ParsedArticle],
    gazetteer: Gazetteer,
    cards: Sequence[CuratedCard] = (),
) -> Resolution:
    """Resolve every mention of every article to an entity (or to nothing, for dates and noise).

    Curated cards come first: a mention spelling a card's name or alias is that card's entity, a card's
    person lends its surname to lone mentions, and every fact a card states replaces the extracted one.
    A resolved mention's offsets cover the name alone, without a leading "the" or a possessive.
    """
    authors = {fold(name) for article in articles for name in article.authors}
    by_article = {a.id: [m for listed in parsed[a.id].mentions
                         if listed.label in NAME_LABELS and not _in_share_buttons(listed, a.text)
                         for m in _list_items(listed, parsed[a.id], gazetteer)
                         if fold(clean_name(m.text)) not in authors] for a in articles}
    article_countries = {aid: _countries_in(ms, gazetteer) for aid, ms in by_article.items()}
    evidence = _person_evidence(by_article, parsed)
    people = _collect_people(by_article, article_countries, evidence, gazetteer)
    people += [_Person(name=c.name, tokens=tuple(fold(c.name).split())) for c in cards
               if c.kind == EntityKind.PERSON and not any(p.name == c.name for p in people)]
    capitals = {fold(c.capital): c.code for c in gazetteer.countries() if c.capital}
    card_names = {}
    for card in cards:
        for name in card.names:
            card_names.setdefault(fold(clean_name(name)), card)

    entities: dict[str, Entity] = {}
    resolved: list[EntityMention] = []
    for article in articles:
        context = _Context(people=people, evidence=evidence, countries=article_countries[article.id],
                           capitals=capitals, gazetteer=gazetteer, parsed=parsed[article.id],
                           sport=_reports_sport(parsed[article.id]))
        found: list[tuple[Mention, Entity]] = []
        for mention in by_article[article.id]:
            card = card_names.get(fold(clean_name(mention.text)))
            entity = _card_entity(card) if card is not None else _resolve_mention(mention, context)
            if entity is not None:
                found.append((mention, entity))
        found += _missed_surnames(article.id, parsed[article.id], people, authors)
        for mention, entity in sorted(found, key=lambda pair: pair[0].start):
            entities[entity.id] = _merge(entities.get(entity.id), entity)
            start, end = _name_offsets(mention, evidence if entity.kind == EntityKind.PERSON else None)
            resolved.append(EntityMention(entity_id=entity.id, article_id=article.id, sentence=mention.sentence,
                                          start=start, end=end, text=article.text[start:end]))
    resolved = _merge_organization_names(entities, resolved, gazetteer)
    _attach_landmarks(entities, resolved, parsed)
    _attach_appositions(entities, resolved, parsed, gazetteer)
    _attach_roles(entities, resolved, parsed, {a.id: a.date for a in articles})
    for card in cards:
        _apply_card(card, entities, gazetteer, card_names)
    _add_referenced_countries(entities, gazetteer)
    resolved = _join_city_areas(entities, resolved, {a.id: a.text for a in articles}, gazetteer)
    return Resolution(entities=dict(sorted(entities.items())), mentions=tuple(resolved))


def acronym(name: str) -> str:
    """ "Centers for Disease Control" -> "CDC": the initials of a name's words, function words left out."""
    return "".join(w[0] for w in re.split(r"[\s\-]+", name) if w and w.lower() not in _FUNCTION_WORDS).upper()


def _long_forms(name: str) -> set[str]:
    """The acronyms a long name goes by: of all its words, and of the words before a late "and"
    ("Centers for Disease Control and Prevention" is the CDC)."""
    forms = {acronym(name)}
    head, _, _ = name.partition(" and ")
    if head != name:
        forms.add(acronym(head))
    return {form for form in forms if len(form) >= 2}


def _merge_organization_names(entities: dict[str, Entity], mentions: list[EntityMention],
                              gazetteer: Gazetteer) -> list[EntityMention]:
    """One organisation, one entity: an acronym joins the one long form whose initials it is ("EU" and
    "European Union"), and a name with its country in front joins the name without it ("U.S. Centers for
    Disease Control" and "Centers for Disease Control"). The long form names the page; the others become
    aliases."""
    organizations = {e.id: e for e in entities.values() if e.kind == EntityKind.ORGANIZATION}
    by_acronym: dict[str, set[str]] = defaultdict(set)
    for entity in organizations.values():
        if not _is_acronym(entity.name):
            for form in _long_forms(entity.name):
                by_acronym[form].add(entity.id)
    by_name = {fold(e.name): e.id for e in organizations.values()}
    target: dict[str, str] = {}
    for entity in organizations.values():
        words = entity.name.split()
        if _is_acronym(entity.name) and (long := _base_name(by_acronym.get(entity.name.replace(".", ""), set()),
                                                            organizations)):
            target[entity.id] = long
        elif len(words) >= 3 and gazetteer.country(words[0]) is not None and fold(" ".join(words[1:])) in by_name:
            target[entity.id] = by_name[fold(" ".join(words[1:]))]
    merged: dict[str, str] = {}
    for source in sorted(target):
        into, seen = target[source], {source}
        while into in target and into not in seen:  # "U.S. CDC" -> "CDC" -> "Centers for Disease Control"
            seen.add(into)
            into = target[into]
        if into in seen:
            continue
        kept = entities[into]
        aliases = sorted(set(kept.aliases) | {organizations[source].name} | set(organizations[source].aliases))
        entities[into] = kept.model_copy(update={"aliases": tuple(aliases)})
        merged[source] = into
    for source in merged:
        del entities[source]
    return [m.model_copy(update={"entity_id": merged[m.entity_id]}) if m.entity_id in merged else m for m in mentions]


def _base_name(candidates: set[str], organizations: Mapping[str, Entity]) -> str | None:
    """The one long form among candidates that all others only extend ("X" of "X" and "X's Y"), if any."""
    names = sorted((fold(organizations[c].name), c) for c in candidates)
    if names and all(name.startswith(names[0][0]) for name, _ in names):
        return names[0][1]
    return None


def _text_or_none(value: object) -> str | None:
    return str(value) if value is not None else None


def _add_referenced_countries(entities: dict[str, Entity], gazetteer: Gazetteer) -> None:
    """A place or role may lie in a country the articles never name: it still gets its entity (and page)."""
    by_id = {f"country/{slugify(c.name)}": c for c in gazetteer.countries()}
    referenced = {ref for e in list(entities.values())
                  for ref in (e.country, *(r.country for r in e.roles)) if ref and ref not in entities}
    for ref in sorted(referenced):
        if ref in by_id:
            entities[ref] = _country_entity(by_id[ref])


_LEADING_JUNK = re.compile(r"^(?:[\s\-–—\"“'‘(]+|(?:the|a|an)\s+)+")
_TRAILING_JUNK = re.compile(r"(?:[\s\"”,;:]+|['’]s?)+$")


def _name_offsets(mention: Mention, evidence: _PersonEvidence | None = None) -> tuple[int, int]:
    """Character offsets of the name a mention spells: "the United States" and "South Korea's" give the
    offsets of "United States" and "South Korea" (a capitalised "The" may be part of a name and stays), and a
    person's "Drugmaker Jane Roe" those of "Jane Roe"."""
    text = mention.text
    if evidence is not None and (bare := evidence.bare_name(text)) != person_name(text) and bare in text:
        start = mention.start + text.rindex(bare)
        return start, start + len(bare)
    lead = _LEADING_JUNK.match(text)
    start = lead.end() if lead else 0
    trail = _TRAILING_JUNK.search(text, start)
    end = trail.start() if trail and trail.start() > start else len(text)
    if start >= end:
        return mention.start, mention.end
    return mention.start + start, mention.start + end


def _list_items(mention: Mention, parsed: ParsedArticle, gazetteer: Gazetteer) -> list[Mention]:
    """ "Orange, Riverside": one span the NER ran over a list of names is a mention of each, a place where
    the gazetteer knows the name as one."""
    tokens = parsed.tokens[mention.first_token:mention.last_token]
    if mention.label == "PERSON" or not any(t.text == "," for t in tokens[1:-1]):
        return [mention]
    items, start = [], mention.first_token
    for token in [*tokens, None]:
        if token is None or token.text == ",":
            end = token.i if token is not None else mention.last_token
            if end > start:
                first, last = parsed.tokens[start], parsed.tokens[end - 1]
                begin, finish = first.idx, last.idx + len(last.text)
                text = mention.text[begin - mention.start:finish - mention.start]
                label = "GPE" if mention.label not in PLACE_LABELS and gazetteer.places(text) else mention.label
                items.append(mention.model_copy(update={
                    "text": text, "label": label, "start": begin, "end": finish, "first_token": start,
                    "last_token": end}))
            start = end + 1
    return items


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


def _collect_people(by_article: Mapping[str, list[Mention]], article_countries: Mapping[str, list[str]],
                    evidence: _PersonEvidence, gazetteer: Gazetteer) -> list[_Person]:
    """Full names (two or more words labelled PERSON, or an organisation's words ending in a person's name),
    without a title in front, spelling variants merged, with where they appear."""
    people: list[_Person] = []
    for article_id in sorted(by_article):
        for mention in by_article[article_id]:
            name = evidence.bare_name(mention.text)
            parts = tuple(fold(name).split())
            if len(parts) < 2 or not evidence.is_person(name) or _untitled_place(name, evidence, gazetteer) or not (
                    mention.label == "PERSON" or (mention.label == "ORG" and evidence.ends_in_name(name))):
                continue
            person = next((p for p in people if _same_full_name(p.tokens, parts)), None)
            if person is None:
                person = _Person(name=name, tokens=parts)
                people.append(person)
            person.articles.add(article_id)
            person.countries.update(article_countries[article_id][:3])
    return people


def _same_full_name(one: Sequence[str], other: Sequence[str]) -> bool:
    """Two folded full names of one person: spelling variants ("Lukashenko"/"Lukashenka"), or the same
    family name after a given name and its short form ("Chuck"/"Charles Schumer")."""
    if fuzz.token_sort_ratio(" ".join(one), " ".join(other)) >= FULL_NAME_MATCH:
        return True
    return (len(one) == len(other) == 2 and one[-1] == other[-1] and one[0] != other[0]
            and same_given_name(one[0], other[0]))


@dataclass(frozen=True)
class _PersonEvidence:
    """Names shown to be people's (or not) by the mentions as a whole, whatever label one mention got."""

    titled: frozenset[str]  # folded names written after an honorific or title ("Ms Rowling", "President X")
    voted: frozenset[str]  # folded names labelled PERSON more often than anything else
    outvoted: frozenset[str]  # folded names labelled something else more often than PERSON ("House", "Capitol")
    common: frozenset[str]  # folded words written in lower case more often than capitalised inside a sentence
    pronouned: frozenset[str]  # folded lone names labelled PERSON that a "he" or "she" follows (coreference)
    neuter: frozenset[str]  # folded lone names labelled PERSON that "it" or "its" follows twice and "he" never

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
                    first == "s" or _POSSESSIVE.search(words[0]) or first in self.common
                    or (first in self.outvoted and first not in self.titled)
                    or (_is_acronym(words[0]) and len(words) >= 3)):
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
        return (bool(words) and (name[:1].isupper() or words[0] in _PARTICLES) and _capitalised(name)
                and not self.names_a_thing(name) and not _is_acronym(name)
                and (len(words) >= 2 or words[0] in given_names() or fold(name) in self.titled | self.pronouned))


def _person_evidence(by_article: Mapping[str, list[Mention]], parsed: Mapping[str, ParsedArticle]) -> _PersonEvidence:
    labels: dict[str, Counter] = defaultdict(Counter)
    titled: set[str] = set()
    pronouns: dict[str, Counter] = {"he": Counter(), "it": Counter()}
    for article_id in sorted(by_article):
        tokens = parsed[article_id].tokens
        people = [m for m in by_article[article_id] if m.label == "PERSON"]
        for mention in by_article[article_id]:
            name = fold(person_name(mention.text))
            if not name:
                continue
            labels[name][mention.label == "PERSON"] += 1
            if (mention.label == "PERSON" and len(name.split()) == 1
                    and (pronoun := _pronoun_after(mention, people, tokens))):
                pronouns[pronoun][name] += 1
            if _titled(tokens, mention.first_token) or person_name(mention.text) != clean_name(mention.text):
                titled.update({name, name.split()[-1]})
    voted = {name for name, count in sorted(labels.items()) if count[True] > count[False]}
    outvoted = {name for name, count in sorted(labels.items()) if count[False] > count[True]}
    return _PersonEvidence(titled=frozenset(titled), voted=frozenset(voted), outvoted=frozenset(outvoted),
                           common=frozenset(_common_words(parsed[a] for a in sorted(by_article))),
                           pronouned=frozenset(pronouns["he"]),
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
    ("drugmaker"), whatever a headline or the start of a sentence does to them."""
    lower: Counter = Counter()
    capital: Counter = Counter()
    for parsed in articles:
        starts = {s.first_token for s in parsed.sentences}
        for token in parsed.tokens:
            if not token.text.isalpha() or token.i in starts:
                continue
            if token.text.islower():
                lower[token.text] += 1
            elif token.text[0].isupper() and not token.text.isupper():
                capital[token.text.lower()] += 1
    return {word for word, count in lower.items() if count > capital[word]}


def person_name(text: str) -> str:
    """A person's name without the honorific or office title written in front ("Ms Rowling" -> "Rowling",
    "Treasurer Joe Hockey" stays whole: only titles sitegen knows are dropped)."""
    name = clean_name(text)
    words = name.split()
    for cut in range(len(words) - 1, 0, -1):
        head = " ".join(words[:cut])
        if head.rstrip(".").lower() in HONORIFICS or (head[:1].isupper() and read_title(head) is not None):
            return " ".join(words[cut:])
    return name


def _titled(tokens: Sequence[Token], first: int) -> bool:
    """Whether an honorific ("Mr", "Ms.") or an office title ("President") comes right before a token."""
    if first == 0:
        return False
    before = tokens[first - 1]
    if before.text.rstrip(".").lower() in HONORIFICS and before.text[:1].isupper():
        return True
    words = [t.text for t in tokens[max(0, first - 3):first] if t.sentence == tokens[first].sentence]
    return any(words[cut][:1].isupper() and read_title(" ".join(words[cut:])) is not None for cut in range(len(words)))


def _capitalised(name: str) -> bool:
    """Whether a name is written as one: its last word capitalised ("el-Sissi", "Lee", not "the president")."""
    words = re.split(r"[\s\-‐]+", name.strip())
    return bool(words) and words[-1][:1].isupper()


def _is_acronym(name: str) -> bool:
    """ "JDRF", "G4S": capitals (and digits) only, as organisations are abbreviated and people are not."""
    compact = name.replace(".", "").replace("&", "")
    return 2 <= len(compact) <= 6 and compact.isalnum() and compact.isupper() and any(c.isalpha() for c in compact)


def _name_owner(parts: tuple[str, ...], article_id: str, people: Sequence[_Person],
                countries: Sequence[str], spelled_otherwise: bool = False) -> _Person | None:
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
    """
    size = len(parts)
    candidates = [p for p in people if len(p.tokens) > size and parts in (p.tokens[:size], p.tokens[-size:])]
    if not candidates and spelled_otherwise and size == 1 and len(parts[0]) >= 6:
        variants = [p for p in people if len(p.tokens) > 1 and p.tokens[-1][:1] == parts[0][:1]
                    and fuzz.ratio(parts[0], p.tokens[-1]) >= SURNAME_MATCH]
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


def _resolve_mention(mention: Mention, context: _Context) -> Entity | None:
    name = context.evidence.bare_name(mention.text) if mention.label == "PERSON" else clean_name(mention.text)
    if not name or not any(c.isalpha() for c in name):
        return None
    gazetteer = context.gazetteer
    folded = fold(name)
    parts = tuple(folded.split())
    label = mention.label
    country = gazetteer.country(name)

    if label == "PERSON" and _is_acronym(name) and not _is_shouted(mention, context.parsed):
        return _organization(name)  # "JDRF": the small model reads unknown acronyms as people
    if label == "PERSON" and len(parts) >= 2:
        person = next((p for p in context.people if _same_full_name(p.tokens, parts)), None)
        if person is not None:
            return _person_entity(person)
    if _next_word(mention, context.parsed) in _THING_WORDS:
        return None  # "the Delta variant", "the Pfizer vaccine": the name of a kind of thing, not of an entity
    if (label in PLACE_LABELS | {"ORG"} and (label == "GPE" or country is not None or gazetteer.places(name))
            and _plays(mention, context)):
        return _organization(name)  # "England beat Samoa": the country's team
    # "Virginia" labelled a place in most of its mentions is the state, not Virginia Smith's given name
    outvoted = (label != "PERSON" and folded in context.evidence.outvoted and folded not in context.evidence.titled
                and bool(gazetteer.places(name)))
    if (_capitalised(name) and country is None and label != "NORP" and not outvoted
            and gazetteer.country_by_demonym(name) is None):
        owner = _name_owner(parts, mention.article_id, context.people, context.countries,
                            spelled_otherwise=label == "PERSON")
        if owner is not None:
            return _person_entity(owner)
        if label != "PERSON" and _is_person_name(bare := context.evidence.bare_name(mention.text), label, context):
            return _person_entity(_Person(name=bare, tokens=tuple(fold(bare).split())))

    if label == "NORP":
        demonym = gazetteer.country_by_demonym(name)
        return _country_entity(demonym) if demonym else None
    if label in PLACE_LABELS:
        if country is not None and (state := _state_named_like(country, name, context)) is not None:
            return Entity(id=f"place/{slugify(state.name)}", kind=EntityKind.PLACE, name=state.name,
                          place_kind="region", country=_country_id(gazetteer, state.country_code))
        if country is not None:
            return _country_entity(country)
        if (code := context.capitals.get(folded)) and _acts(mention, context.parsed):
            return _country_entity(gazetteer.country_by_code(code))  # "Beijing pressures Tokyo": the government
        region = gazetteer.region(name)
        if region is not None:
            return Entity(id=f"place/{slugify(region.name)}", kind=EntityKind.PLACE, name=region.name,
                          place_kind="region", country=_country_id(gazetteer, region.country_code))
        if label == "FAC":
            return Entity(id=f"place/{slugify(name)}", kind=EntityKind.PLACE, name=name, place_kind="landmark")
        place = gazetteer.place(name, context.countries)
        if place is not None:
            return Entity(id=f"place/{slugify(place.name)}", kind=EntityKind.PLACE, name=place.name,
                          place_kind=place.kind, country=_country_id(gazetteer, place.country_code))
        return _area(name, context)  # else a name the gazetteer does not know is not published as a place
    if label in {"ORG", "PERSON"} and (area := _area(name, context)) is not None:
        return area
    if label == "ORG" and (_WEB_ADDRESS.fullmatch(name) or (len(parts) == 1 and (
            folded in context.evidence.common or folded in office_titles()))):
        return None  # "example.co.uk", "Royal", "Duchess": an address, a common word or a title names no body
    if label == "ORG":
        # "Washington said", "Britons": a country, its capital or its people named as an actor is the country.
        known = country or gazetteer.country_by_demonym(name)
        if known is None and (code := context.capitals.get(folded)):
            known = gazetteer.country_by_code(code)
        if known is not None:
            return _country_entity(known)
        return _organization(_acronym_of_modifier(mention, context.parsed) or name)
    if label == "PERSON" and name[:1].isupper():
        if (place := _untitled_place(name, context.evidence, gazetteer, context.countries)) is not None:
            return Entity(id=f"place/{slugify(place.name)}", kind=EntityKind.PLACE, name=place.name,
                          place_kind=place.kind, country=_country_id(gazetteer, place.country_code))
        if not context.evidence.is_person(name):
            named_body = name_words().get(parts[-1]) == "organization" or folded in context.evidence.neuter
            known = country is not None or gazetteer.places(name) or folded in context.evidence.common
            return _organization(name) if named_body and not known else None
        if len(parts) == 1 and not context.evidence.titled.intersection(parts) and _listed_with_place(mention, context):
            place = gazetteer.place(name, context.countries)  # "Osaka, Kyoto and Kobe": a city read as a person
            if place is not None:
                return Entity(id=f"place/{slugify(place.name)}", kind=EntityKind.PLACE, name=place.name,
                              place_kind=place.kind, country=_country_id(gazetteer, place.country_code))
        return _person_entity(_Person(name=name, tokens=parts))
    return None


_SHARE_BUTTON = re.compile(r"\b(?:(?:Post|Share|Send|Add|Submit)\s+(?:to|on)"
                           r"|(?:Digg|Email|E-mail|Print|Tweet|Save|Bookmark)\s+this)\b")


def _in_share_buttons(mention: Mention, text: str) -> bool:
    """Whether a mention sits in a line of the web page's share buttons ("Post to X Post to Y Digg this"):
    the sites named there are not what the article reports on."""
    line = text[text.rfind("\n", 0, mention.start) + 1:(text.find("\n", mention.end) + 1 or len(text) + 1) - 1]
    return len(_SHARE_BUTTON.findall(line)) >= 2


@cache
def sport_words() -> dict[str, frozenset[str]]:
    """Kind ("sport", "contest", "result", "versus", "role") -> its lemmas, from data/sport_words.tsv."""
    kinds: dict[str, set[str]] = defaultdict(set)
    for line in data_text("sport_words.tsv").splitlines():
        if line.strip() and not line.startswith("#"):
            word, kind = line.split("\t")
            kinds[kind.strip()].add(word.strip())
    return {kind: frozenset(words) for kind, words in kinds.items()}


def _reports_sport(parsed: ParsedArticle) -> bool:
    """Whether an article is a sports report: it uses two different words of sport ("tournament", "cup")."""
    return len({t.lemma.lower() for t in parsed.tokens} & sport_words()["sport"]) >= 2


def _plays(mention: Mention, context: _Context) -> bool:
    """Whether a place name in a sports report stands for its team: a side of a contest verb ("England beat
    Samoa", "England and Tonga have met"), a side going to a result ("England easing to a victory"), one of
    two sides joined by "versus", or the team a player is described by ("Scotland great Gavin Hastings")."""
    if not context.sport:
        return False
    words = sport_words()
    tokens = context.parsed.tokens
    first, last = mention.first_token, mention.last_token
    root = next((t for t in tokens[first:last] if not first <= t.head < last or t.head == t.i), None)
    if root is None:
        return False
    side = tokens[root.head] if root.dep == "conj" else root  # "England and Tonga": Tonga is a side too
    verb = tokens[side.head]
    if side.dep in {"nsubj", "nsubjpass", "dobj"} and verb.pos == "VERB":
        if verb.lemma.lower() in words["contest"]:
            return True
        below = [t for t in tokens if t.head == verb.i and t.i != verb.i]
        below += [t for b in below if b.dep == "prep" for t in tokens if t.head == b.i and t.i != b.i]
        if side.dep == "nsubj" and any(t.lemma.lower() in words["result"] for t in below):
            return True
    near = [tokens[i] for i in (first - 1, last) if 0 <= i < len(tokens) and tokens[i].sentence == mention.sentence]
    if any(t.text.lower().rstrip(".") in words["versus"] for t in near):
        return True
    after = tokens[last:last + 2]
    return (len(after) == 2 and after[0].lemma.lower() in words["role"] and after[0].sentence == mention.sentence
            and after[1].pos == "PROPN")


_WEB_ADDRESS = re.compile(r"(?:www\.)?[a-z][\w-]*(?:\.[a-z]{2,})+")  # written in lower case: "example.co.uk"
_THING_WORDS = {word for word, kind in name_words().items() if kind in {"thing", "disease"}}


def _next_word(mention: Mention, parsed: ParsedArticle) -> str:
    """The folded word right after a mention in its sentence ("" at the end)."""
    tokens = parsed.tokens
    after = mention.last_token
    return fold(tokens[after].text) if after < len(tokens) and tokens[after].sentence == mention.sentence else ""


_COMPASS = {"northern", "southern", "eastern", "western", "central", "north", "south", "east", "west"}


def _area(name: str, context: _Context) -> Entity | None:
    """An area the gazetteer does not list but whose name says what it is: the part of a known place
    ("Southern California", in its country) or a name with a geographic head noun ("Imperial Valley")."""
    words = name.split()
    if len(words) < 2 or not all(w[:1].isupper() for w in words) or fold(words[0]) in given_names():
        return None  # "Michael Bay" is someone
    country = None
    if fold(words[0]) in _COMPASS:
        rest = " ".join(words[1:])
        known = (context.gazetteer.country(rest) or next(iter(context.gazetteer.subdivisions(rest)), None)
                 or context.gazetteer.region(rest))
        if known is None:
            return None
        country = _country_id(context.gazetteer, getattr(known, "code", None) or known.country_code)
    elif name_words().get(fold(words[-1])) != "place":
        return None
    return Entity(id=f"place/{slugify(name)}", kind=EntityKind.PLACE, name=name, place_kind="region",
                  country=country)


def _state_named_like(country, name: str, context: _Context) -> Place | None:
    """ "Georgia" in an article about the United States is the US state: a subdivision of another country
    that the article names, or whose other states or large cities it names ("Florida", "Atlanta"), where the
    country of that name is named by nothing else (its capital, its people)."""
    states = [s for s in context.gazetteer.subdivisions(name) if s.country_code != country.code]
    if not states:
        return None
    words = {fold(t.text) for t in context.parsed.tokens}
    if {fold(w) for w in (country.capital or "", *country.demonyms) if w} & words:
        return None
    named = set(context.countries) - {country.code}
    if not named & {s.country_code for s in states}:
        named |= _countries_of_places(context.parsed, context.gazetteer, exclude=name)
    return next((s for s in states if s.country_code in named), None)


def _countries_of_places(parsed: ParsedArticle, gazetteer: Gazetteer, exclude: str) -> set[str]:
    """Countries an article points to through its places: a state only one country has, a large city."""
    codes = set()
    for mention in parsed.mentions:
        name = clean_name(mention.text)
        if mention.label not in {"GPE", "LOC"} or fold(name) == fold(exclude) or gazetteer.country(name):
            continue
        states = gazetteer.subdivisions(name)
        if len(states) == 1:
            codes.add(states[0].country_code)
        elif (place := gazetteer.place(name)) is not None and place.population >= LARGE_CITY:
            codes.add(place.country_code)
    return codes


def _untitled_place(name: str, evidence: _PersonEvidence, gazetteer: Gazetteer,
                    countries: Sequence[str] = ()) -> Place | None:
    """A city of several words read as a person ("Chula Vista"), unless a title says it is someone."""
    if len(name.split()) < 2 or fold(name) in evidence.titled:
        return None
    return gazetteer.place(name, countries)


def _listed_with_place(mention: Mention, context: _Context) -> bool:
    """Whether a mention is coordinated with a place the NER did label ("Osaka, Kyoto and Kobe")."""
    tokens = context.parsed.tokens
    places = {i for m in context.parsed.mentions if m.label in {"GPE", "LOC"}
              for i in range(m.first_token, m.last_token)}
    own = range(mention.first_token, mention.last_token)
    return any((tokens[i].dep == "conj" and tokens[i].head in places)
               or any(t.dep == "conj" and t.head == i and t.i in places for t in tokens[max(0, i - 8):i + 8])
               for i in own)


def _is_person_name(name: str, label: str, context: _Context) -> bool:
    """Whether a name the NER labelled otherwise is a person's by the evidence as a whole. A name that the
    gazetteer knows as a place is a person only after an honorific or a title somewhere ("Mr Lincoln")."""
    evidence = context.evidence
    if not evidence.is_person(name):
        return False
    if label == "ORG" and evidence.ends_in_name(name):
        return True
    if not evidence.holds(name):
        return False
    return (label not in PLACE_LABELS or fold(name) in evidence.titled
            or context.gazetteer.place(name, context.countries) is None)


def _is_shouted(mention: Mention, parsed: ParsedArticle) -> bool:
    """Whether the mention sits in an all-capitals line (a headline), where capitals say nothing."""
    sentence = parsed.sentences[mention.sentence].text
    letters = [c for c in sentence if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) > 0.8 * len(letters)


_ACTOR_DEPS = {"nsubj", "nsubjpass", "agent"}


def _acts(mention: Mention, parsed: ParsedArticle) -> bool:
    """Whether a place name is the subject of a verb ("Beijing pressures Tokyo", "Washington warned"): then a
    capital stands for its government."""
    return _acts_in(parsed.tokens, mention.first_token, mention.last_token)


def _acts_in(tokens: Sequence[Token], first: int, last: int) -> bool:
    """Whether the words from first to last (exclusive) are the subject of a verb."""
    root = next((t for t in tokens[first:last] if not first <= t.head < last or t.head == t.i), None)
    return root is not None and root.dep in _ACTOR_DEPS and tokens[root.head].pos in {"VERB", "AUX"}


def _missed_surnames(article_id: str, parsed: ParsedArticle, people: Sequence[_Person],
                     authors: set[str]) -> list[tuple[Mention, Entity]]:
    """Lone surnames the NER left unlabelled ("... attack on Turnbull"): a capitalised proper noun, alone,
    that ends the full name of exactly one person named in the same article."""
    local: dict[str, list[_Person]] = defaultdict(list)
    for person in people:
        if article_id in person.articles and fold(person.name) not in authors:
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
        found.append((mention, _person_entity(owners[0])))
    return found


def _organization(name: str) -> Entity:
    return Entity(id=f"organization/{slugify(name)}", kind=EntityKind.ORGANIZATION, name=name)


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
        update["roles"] = tuple(Role(title=r.title, country=country_id(r.country), former=r.former or bool(r.until),
                                     since=_text_or_none(r.since), until=_text_or_none(r.until))
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


def mentions_by_sentence(mentions: Iterable[EntityMention]) -> dict[tuple[str, int], list[EntityMention]]:
    """(article, sentence) -> its mentions in reading order, sentences in order too."""
    groups: dict[tuple[str, int], list[EntityMention]] = defaultdict(list)
    for mention in mentions:
        groups[(mention.article_id, mention.sentence)].append(mention)
    return {key: sorted(group, key=lambda m: (m.start, m.end)) for key, group in sorted(groups.items())}


def _attach_landmarks(entities: dict[str, Entity], mentions: Sequence[EntityMention],
                      parsed: Mapping[str, ParsedArticle]) -> None:
    """A landmark lies in the place its sentence names right after it ("the X temple in the town of Y")."""
    for group in mentions_by_sentence(mentions).values():
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



def _attach_appositions(entities: dict[str, Entity], mentions: Sequence[EntityMention],
                        parsed: Mapping[str, ParsedArticle], gazetteer: Gazetteer) -> None:
    """ "the town of Ikaruga, Nara", "Gyeongju, South Korea": a place followed by a comma and a larger place
    of the same country lies in it. Lists ("Orange, Riverside, Imperial Valley") say nothing of the kind:
    the pair must not continue with another comma or "and", and a city only lies in a more populous one."""
    by_sentence = mentions_by_sentence(mentions)
    for (article_id, _), group in by_sentence.items():
        text = parsed[article_id]
        places = [m for m in group if entities[m.entity_id].kind in (EntityKind.PLACE, EntityKind.COUNTRY)]

        def listed(one: EntityMention, other: EntityMention) -> bool:
            return text.tokens_text(one.end, other.start).strip() in {",", "and", ", and", "or", ", or"}

        for at, (here, there) in enumerate(zip(places, places[1:])):
            inner, outer = entities[here.entity_id], entities[there.entity_id]
            if (inner.kind != EntityKind.PLACE or inner.id == outer.id or inner.located_in
                    or text.tokens_text(here.end, there.start).strip() != ","
                    or (at > 0 and listed(places[at - 1], here))
                    or (at + 2 < len(places) and listed(there, places[at + 2]))):
                continue
            if outer.kind == EntityKind.COUNTRY and inner.country in (None, outer.id):
                entities[inner.id] = inner.model_copy(update={"country": outer.id})
            elif (outer.kind == EntityKind.PLACE and outer.place_kind != "landmark"
                  and inner.country in (None, outer.country) and _smaller(inner, outer, gazetteer)):
                entities[inner.id] = inner.model_copy(update={"located_in": outer.id,
                                                              "country": inner.country or outer.country})


_AREA_AFTER = re.compile(r",[ \t]*([A-Z][A-Za-z]*\.(?:[A-Z][a-z]?\.)*|[A-Z]{2}\b)")  # ", Calif." ", N.Y." ", TX"


def _join_city_areas(entities: dict[str, Entity], mentions: Sequence[EntityMention], texts: Mapping[str, str],
                     gazetteer: Gazetteer) -> list[EntityMention]:
    """ "Denver, Colorado", "Houston, TX", "Manhattan Beach, Calif.": a city and the state or country it lies
    in, written after it with a comma, are one mention of the city (the gazetteer must place a city of that
    name there). The area's own mention is absorbed; its entity keeps its other mentions, and goes when it
    has none left, nothing refers to it and no card states it ("TX" read as an organisation)."""
    ordered = sorted(mentions, key=lambda m: (m.article_id, m.start, m.end))
    absorbed: set[int] = set()
    joined: list[EntityMention] = []
    for at, mention in enumerate(ordered):
        if at in absorbed:
            continue
        text = texts[mention.article_id]
        following = ordered[at + 1] if at + 1 < len(ordered) else None
        following = following if following is not None and following.article_id == mention.article_id else None
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
    kept = {m.entity_id for m in joined} | {ref for e in entities.values()
                                            for ref in (e.country, e.located_in, *(r.country for r in e.roles))}
    for at in absorbed:
        entity_id = ordered[at].entity_id
        if entity_id not in kept and entity_id in entities and not entities[entity_id].curated:
            del entities[entity_id]
    return joined


def _smaller(inner: Entity, outer: Entity, gazetteer: Gazetteer) -> bool:
    """Whether a place can lie within another: a landmark in anything, a city in a region or a more
    populous city."""
    if inner.place_kind == "landmark" or outer.place_kind == "region":
        return True
    if inner.place_kind == "region":
        return False
    codes = [c for c in (inner.country, outer.country) if c]
    context = [c.code for c in gazetteer.countries() if f"country/{slugify(c.name)}" in codes]
    small, large = gazetteer.place(inner.name, context), gazetteer.place(outer.name, context)
    return small is not None and large is not None and small.population < large.population




@cache
def office_titles() -> dict[str, bool]:
    """Title -> whether its holder leads a country, from data/titles.tsv."""
    titles = {}
    for line in data_text("titles.tsv").splitlines():
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
        return " ".join(w if w.isupper() or w in _FUNCTION_WORDS else w.capitalize() for w in words.split()), former
    return None


def _attach_roles(entities: dict[str, Entity], mentions: Sequence[EntityMention],
                  parsed: Mapping[str, ParsedArticle], dates: Mapping[str, dt.date | None]) -> None:
    """Titles in apposition become roles: "Japanese Prime Minister Sanae Takaichi", "then-President X",
    "X, South Korea's president". The country comes from the demonym or country named with the title, the
    time from the articles that state it."""
    statements: dict[str, list[tuple[str, str | None, bool, dt.date]]] = defaultdict(list)
    by_sentence = mentions_by_sentence(mentions)
    for (article_id, _), group in by_sentence.items():
        text = parsed[article_id]
        for index, mention in enumerate(group):
            if entities[mention.entity_id].kind != EntityKind.PERSON:
                continue
            before = group[index - 1] if index else None
            role = _title_before(text, mention, before, entities)
            if role is None and index + 1 < len(group):
                role = _title_after(text, mention, group[index + 1], entities)
            if role is not None:
                statements[mention.entity_id].append((*role, dates.get(article_id) or dt.date.min))
    successions = _successions(entities, by_sentence, parsed)
    for person_id, stated in statements.items():
        role_list = _roles_at_latest(stated)
        country = next((r.country for r in role_list if r.country), entities[person_id].country)
        entities[person_id] = entities[person_id].model_copy(update={"roles": role_list, "country": country})
    for holder_id, other_id, word in successions:  # "Takaichi's predecessor Shigeru Ishiba"
        inherited = tuple(Role(title=r.title, country=r.country, former=word == "predecessor", as_of=r.as_of)
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


def _roles_at_latest(stated: Sequence[tuple[str, str | None, bool, dt.date]]) -> tuple[Role, ...]:
    """A person's roles from every (title, country, former, date) statement: "President X" without a country
    holds the office of the one country another statement gives that title; whether the office is held is
    judged at the latest date a source states it ("former President X" in a later article outdates
    "President X" in an earlier one; on the same day "former" wins)."""
    countries: dict[str, set[str]] = defaultdict(set)
    for title, country, _, _ in stated:
        if country:
            countries[title].add(country)
    latest: dict[tuple[str, str | None], tuple[dt.date, bool]] = {}
    for title, country, former, day in stated:
        if country is None and len(countries[title]) == 1:
            country = next(iter(countries[title]))
        latest[(title, country)] = max(latest.get((title, country), (day, former)), (day, former))
    ordered = sorted(latest.items(), key=lambda kv: (kv[1][1], kv[0][1] is None, kv[0][0]))
    return tuple(Role(title=title, country=country, former=former, as_of=None if day == dt.date.min else day)
                 for (title, country), (day, former) in ordered)


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
    for (article_id, _), group in by_sentence.items():
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
    person_before = before is not None and entities[before.entity_id].kind == EntityKind.PERSON
    start = before.end if person_before else text.sentences[person.sentence].start  # never into a name
    words = text.tokens_text(start, person.start).split()[-5:]
    for cut in range(len(words)):
        if (role := read_title(" ".join(words[cut:]))) is None:
            continue
        # "Borough President Eric Adams", "CIA Director X": a capitalised word the title does not include makes
        # it another office, which is the role the text gives; a bare "leader" says which country only with one
        # ("Chinese leader").
        sentence = text.sentences[person.sentence]
        pos = {t.text: t.pos for t in text.tokens[sentence.first_token:sentence.last_token] if t.idx < person.start}
        qualifier = []
        for word in reversed(words[max(0, cut - 3):cut]):
            if not word[:1].isupper() or _FORMER.match(word) or pos.get(word) not in {"PROPN", "NOUN"}:
                break
            qualifier.insert(0, word)
        if qualifier:
            return " ".join([*qualifier, role[0]]), None, role[1]
        if role[0] == "Leader":
            return None
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
