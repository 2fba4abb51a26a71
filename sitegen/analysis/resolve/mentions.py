"""One mention, one candidate entity: a person, a country (or its team, its government), a place, an
organisation, or nothing (a thing's name, a web address, a common word)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from ...nlp.models import Mention, ParsedArticle, Token
from ...resources import data_text
from ..geo import LARGE_CITY, Gazetteer, Place
from ..models import Entity
from .constructors import (country_entity, country_id_by_code, named_place_entity, organization_entity, person_entity,
                           place_entity)
from .models import Person
from .names import capitalised, clean_name, fold, given_names, is_acronym, name_words, office_titles
from .people import AskedPeople, PersonEvidence, untitled_place

NAME_LABELS = {"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "PRODUCT", "WORK_OF_ART", "EVENT"}
PLACE_LABELS = {"GPE", "LOC", "FAC"}


@dataclass(frozen=True)
class MentionContext:
    """What the resolution of one mention may look at beyond the mention itself."""

    people: AskedPeople
    evidence: PersonEvidence
    countries: Sequence[str]  # ISO codes the article names, most named first
    capitals: Mapping[str, str]  # folded capital -> ISO code of its country
    gazetteer: Gazetteer
    parsed: ParsedArticle
    sport: bool  # the article reports on sport: a country's or city's name may stand for its team


def list_items(mention: Mention, parsed: ParsedArticle, gazetteer: Gazetteer) -> list[Mention]:
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


def countries_in(mentions: Iterable[Mention], gazetteer: Gazetteer) -> list[str]:
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


def resolve_mention(mention: Mention, context: MentionContext) -> Entity | None:
    name = context.evidence.bare_name(mention.text) if mention.label == "PERSON" else clean_name(mention.text)
    if not name or not any(c.isalpha() for c in name):
        return None
    gazetteer = context.gazetteer
    folded = fold(name)
    parts = tuple(folded.split())
    label = mention.label
    country = gazetteer.country(name)

    if label == "PERSON" and is_acronym(name) and not _is_shouted(mention, context.parsed):
        return organization_entity(name)  # "JDRF": the small model reads unknown acronyms as people
    if label == "PERSON" and len(parts) >= 2:
        person = context.people.full_name(parts)
        if person is not None:
            return person_entity(person)
    if label not in PLACE_LABELS and _opens_with_common_noun(mention, context.parsed):
        return None  # "Veterans laid wreaths ...": capitalised because it opens the sentence, not a name
    if _next_word(mention, context.parsed) in _THING_WORDS:
        return None  # "the Delta variant", "the Pfizer vaccine": the name of a kind of thing, not of an entity
    if (label in PLACE_LABELS | {"ORG"} and (label == "GPE" or country is not None or gazetteer.places(name))
            and _plays(mention, context)):
        return organization_entity(name)  # "England beat Samoa": the country's team
    # "Virginia" labelled a place in most of its mentions is the state, not Virginia Smith's given name
    outvoted = (label != "PERSON" and folded in context.evidence.outvoted and folded not in context.evidence.titled
                and bool(gazetteer.places(name)))
    if (capitalised(name) and country is None and label != "NORP" and not outvoted
            and gazetteer.country_by_demonym(name) is None):
        owner = context.people.owner(parts, mention.article_id, context.countries,
                                     spelled_otherwise=label == "PERSON")
        if owner is not None:
            return person_entity(owner)
        if label != "PERSON" and _is_person_name(bare := context.evidence.bare_name(mention.text), label, context):
            return person_entity(Person(name=bare, tokens=tuple(fold(bare).split())))

    if label == "NORP":
        demonym = gazetteer.country_by_demonym(name)
        return country_entity(demonym) if demonym else None
    if label in PLACE_LABELS:
        if country is not None and (state := _state_named_like(country, name, context)) is not None:
            return place_entity(state, gazetteer, "region")
        if country is not None:
            return country_entity(country)
        if (code := context.capitals.get(folded)) and _acts(mention, context.parsed):
            return country_entity(gazetteer.country_by_code(code))  # "Beijing pressures Tokyo": the government
        region = gazetteer.region(name)
        if region is not None:
            return place_entity(region, gazetteer, "region")
        if label == "FAC":
            return named_place_entity(name, "landmark")
        place = gazetteer.place(name, context.countries)
        if place is not None:
            return place_entity(place, gazetteer)
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
            return country_entity(known)
        return organization_entity(_acronym_of_modifier(mention, context.parsed) or name)
    if label == "PERSON" and name[:1].isupper():
        if (place := untitled_place(name, context.evidence, gazetteer, context.countries)) is not None:
            return place_entity(place, gazetteer)
        if not context.evidence.is_person(name):
            named_body = name_words().get(parts[-1]) == "organization" or folded in context.evidence.neuter
            known = country is not None or gazetteer.places(name) or folded in context.evidence.common
            return organization_entity(name) if named_body and not known else None
        if len(parts) == 1 and parts[0] not in context.evidence.titled and _listed_with_place(mention, context):
            place = gazetteer.place(name, context.countries)  # "Osaka, Kyoto and Kobe": a city read as a person
            if place is not None:
                return place_entity(place, gazetteer)
        return person_entity(Person(name=name, tokens=parts))
    return None


_SHARE_BUTTON = re.compile(r"\b(?:(?:Post|Share|Send|Add|Submit)\s+(?:to|on)"
                           r"|(?:Digg|Email|E-mail|Print|Tweet|Save|Bookmark)\s+this)\b")


def in_share_buttons(mention: Mention, text: str) -> bool:
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


def reports_sport(parsed: ParsedArticle) -> bool:
    """Whether an article is a sports report: it uses two different words of sport ("tournament", "cup")."""
    return len({t.lemma.lower() for t in parsed.tokens} & sport_words()["sport"]) >= 2


def _plays(mention: Mention, context: MentionContext) -> bool:
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


def _opens_with_common_noun(mention: Mention, parsed: ParsedArticle) -> bool:
    """A one-word mention that opens its sentence and that the tagger reads as a common noun (NN, NNS): its
    capital is the sentence's, and the NER took it for a name. (Places are left to the gazetteer: "Billings,
    Montana" opens a sentence as a plural.)"""
    if mention.last_token - mention.first_token != 1:
        return False
    token = parsed.tokens[mention.first_token]
    opens = token.i == 0 or parsed.tokens[token.i - 1].sentence != token.sentence
    return opens and token.tag in {"NN", "NNS"}


def _next_word(mention: Mention, parsed: ParsedArticle) -> str:
    """The folded word right after a mention in its sentence ("" at the end)."""
    tokens = parsed.tokens
    after = mention.last_token
    return fold(tokens[after].text) if after < len(tokens) and tokens[after].sentence == mention.sentence else ""


_COMPASS = {"northern", "southern", "eastern", "western", "central", "north", "south", "east", "west"}


def _area(name: str, context: MentionContext) -> Entity | None:
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
        country = country_id_by_code(context.gazetteer, getattr(known, "code", None) or known.country_code)
    elif name_words().get(fold(words[-1])) != "place":
        return None
    return named_place_entity(name, "region", country)


def _state_named_like(country, name: str, context: MentionContext) -> Place | None:
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


def _listed_with_place(mention: Mention, context: MentionContext) -> bool:
    """Whether a mention is coordinated with a place the NER did label ("Osaka, Kyoto and Kobe")."""
    tokens = context.parsed.tokens
    places = {i for m in context.parsed.mentions if m.label in {"GPE", "LOC"}
              for i in range(m.first_token, m.last_token)}
    own = range(mention.first_token, mention.last_token)
    return any((tokens[i].dep == "conj" and tokens[i].head in places)
               or any(t.dep == "conj" and t.head == i and t.i in places for t in tokens[max(0, i - 8):i + 8])
               for i in own)


def _is_person_name(name: str, label: str, context: MentionContext) -> bool:
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
