"""Turn NER mentions into entities: one person, country, place or organisation however the text names it.

The statistical NER labels the same surname ORG in one sentence and GPE in the next; a mention's kind is
therefore decided from the evidence as a whole: a surname of a full name seen as PERSON is that person,
whatever label a single mention got; a name the gazetteer knows as a country is a country.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence

from ...content.cards import CuratedCard
from ...content.models import Article
from ...nlp.models import Mention, ParsedArticle
from ..geo import Gazetteer
from ..models import Entity, EntityKind, EntityMention
from .cards import apply_card
from .constructors import card_entity
from .mentions import (NAME_LABELS, MentionContext, countries_in, in_share_buttons, list_items, reports_sport,
                       resolve_mention)
from .models import Resolution
from .names import acronym, clean_name, fold, is_acronym, person_name
from .people import People, Person, PersonEvidence, collect_people, missed_surnames, person_evidence
from .places import add_referenced_countries, attach_appositions, attach_landmarks, join_city_areas
from .roles import attach_roles


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
                         if listed.label in NAME_LABELS and not in_share_buttons(listed, a.text)
                         for m in list_items(listed, parsed[a.id], gazetteer)
                         if fold(clean_name(m.text)) not in authors] for a in articles}
    article_countries = {aid: countries_in(ms, gazetteer) for aid, ms in by_article.items()}
    evidence = person_evidence(by_article, parsed)
    collected = collect_people(by_article, article_countries, evidence, gazetteer)
    people = People(collected + [Person(name=c.name, tokens=tuple(fold(c.name).split())) for c in cards
                                 if c.kind == EntityKind.PERSON and not any(p.name == c.name for p in collected)])
    capitals = {fold(c.capital): c.code for c in gazetteer.countries() if c.capital}
    card_names = {}
    for card in cards:
        for name in card.names:
            card_names.setdefault(fold(clean_name(name)), card)

    entities: dict[str, Entity] = {}
    resolved: list[EntityMention] = []
    for article in articles:
        context = MentionContext(people=people, evidence=evidence, countries=article_countries[article.id],
                                 capitals=capitals, gazetteer=gazetteer, parsed=parsed[article.id],
                                 sport=reports_sport(parsed[article.id]))
        found: list[tuple[Mention, Entity]] = []
        for mention in by_article[article.id]:
            card = card_names.get(fold(clean_name(mention.text)))
            entity = card_entity(card) if card is not None else resolve_mention(mention, context)
            if entity is not None:
                found.append((mention, entity))
        found += missed_surnames(article.id, parsed[article.id], people, authors)
        for mention, entity in sorted(found, key=lambda pair: pair[0].start):
            entities[entity.id] = _merge(entities.get(entity.id), entity)
            start, end = _name_offsets(mention, evidence if entity.kind == EntityKind.PERSON else None)
            resolved.append(EntityMention(entity_id=entity.id, article_id=article.id, sentence=mention.sentence,
                                          start=start, end=end, text=article.text[start:end]))
    resolved = merge_organization_names(entities, resolved, gazetteer)
    attach_landmarks(entities, resolved, parsed)
    attach_appositions(entities, resolved, parsed, gazetteer)
    attach_roles(entities, resolved, parsed, {a.id: a.date for a in articles})
    for card in cards:
        apply_card(card, entities, gazetteer, card_names)
    add_referenced_countries(entities, gazetteer)
    resolved = join_city_areas(entities, resolved, {a.id: a.text for a in articles}, gazetteer)
    return Resolution(entities=dict(sorted(entities.items())), mentions=tuple(resolved))


def _merge(old: Entity | None, new: Entity) -> Entity:
    if old is None:
        return new
    update = {}
    if old.country is None and new.country is not None:
        update["country"] = new.country
    if old.place_kind is None and new.place_kind is not None:
        update["place_kind"] = new.place_kind
    return old.model_copy(update=update) if update else old


def _long_forms(name: str) -> set[str]:
    """The acronyms a long name goes by: of all its words, and of the words before a late "and"
    ("Centers for Disease Control and Prevention" is the CDC)."""
    forms = {acronym(name)}
    head, _, _ = name.partition(" and ")
    if head != name:
        forms.add(acronym(head))
    return {form for form in forms if len(form) >= 2}


def merge_organization_names(entities: dict[str, Entity], mentions: list[EntityMention],
                             gazetteer: Gazetteer) -> list[EntityMention]:
    """One organisation, one entity: an acronym joins the one long form whose initials it is ("EU" and
    "European Union"), and a name with its country in front joins the name without it ("U.S. Centers for
    Disease Control" and "Centers for Disease Control"). The long form names the page; the others become
    aliases."""
    organizations = {e.id: e for e in entities.values() if e.kind == EntityKind.ORGANIZATION}
    by_acronym: dict[str, set[str]] = defaultdict(set)
    for entity in organizations.values():
        if not is_acronym(entity.name):
            for form in _long_forms(entity.name):
                by_acronym[form].add(entity.id)
    by_name = {fold(e.name): e.id for e in organizations.values()}
    target: dict[str, str] = {}
    for entity in organizations.values():
        words = entity.name.split()
        if is_acronym(entity.name) and (long := _base_name(by_acronym.get(entity.name.replace(".", ""), set()),
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


_LEADING_JUNK = re.compile(r"^(?:[\s\-–—\"“'‘(]+|(?:the|a|an)\s+)+")
_TRAILING_JUNK = re.compile(r"(?:[\s\"”,;:]+|['’]s?)+$")


def _name_offsets(mention: Mention, evidence: PersonEvidence | None = None) -> tuple[int, int]:
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
