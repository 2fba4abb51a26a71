"""Turn NER mentions into entities: one person, country, place or organisation however the text names it.

The statistical NER labels the same surname ORG in one sentence and GPE in the next; a mention's kind is
therefore decided from the evidence as a whole: a surname of a full name seen as PERSON is that person,
whatever label a single mention got; a name the gazetteer knows as a country is a country.

The work is split by what it reads, so that a build's store keeps each part (`resolve_entities`): per article,
the mentions that may name an entity (`name_mentions`); from those of all articles, the context of who is a
person (`resolution_context`); per article, what its mentions resolve to in that context (`resolve_article`);
and the steps over all articles that join what the articles said (`assemble`).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence

from ...content.cards import CuratedCard
from ...content.models import Article
from ...nlp.models import Mention, ParsedArticle
from ...pipeline.executor import Executor, ForkingExecutor
from ...pipeline.fingerprint import code_version, fingerprint
from ...pipeline.store import StageStore, cache_key, stored, stored_together
from ..geo import Gazetteer
from ..models import Entity, EntityKind, EntityMention
from .cards import apply_card
from .context import Recorder, ResolutionContext, resolution_context, without_authors
from .constructors import card_entity
from .mentions import (NAME_LABELS, MentionContext, countries_in, in_share_buttons, list_items, reports_sport,
                       resolve_mention)
from .models import (ArticleResolution, Collected, NameMentions, Person, Resolution, ResolvedArticle,
                     mentions_by_sentence)
from .names import acronym, clean_name, fold, is_acronym, person_name
from .people import PersonEvidence, article_evidence, collect_people, missed_surnames
from .places import (add_referenced_countries, apposition_links, attach_appositions, attach_landmarks, drop_absorbed,
                     join_city_areas, landmark_links)
from .roles import attach_roles, role_statements

NAMES = "resolve-names"  # the store's namespaces: each article's name mentions,
PEOPLE = "resolve-people"  # the full names of all articles,
RESOLVED = "resolve-articles"  # and what each article's mentions resolve to


def resolve_entities(
    articles: Sequence[Article],
    parsed: Mapping[str, ParsedArticle],
    gazetteer: Gazetteer,
    cards: Sequence[CuratedCard] = (),
    store: StageStore | None = None,
    executor: Executor | None = None,
) -> Resolution:
    """Resolve every mention of every article to an entity (or to nothing, for dates and noise).

    Curated cards come first: a mention spelling a card's name or alias is that card's entity, a card's
    person lends its surname to lone mentions, and every fact a card states replaces the extracted one.
    A resolved mention's offsets cover the name alone, without a leading "the" or a possessive.

    With `store` (and a gazetteer of known data), each part is taken from it when the same code read the same
    inputs: an article's name mentions by its parse; the full names by the evidence and the mentions' words;
    an article's resolution by its parse while what it read of the context still holds (`context`), so an edit
    resolves again only the edited article and those that asked about what changed. The steps over all
    articles (`assemble`) read only the articles' resolutions, and take less time than keeping their result.
    The articles' resolutions not kept run as tasks on `executor` (by default forked onto the machine's cores).
    """
    executor = executor or ForkingExecutor(ARTICLES_PER_PROCESS)
    cache = store.cache if store is not None and gazetteer.version is not None else None
    version = code_version(__name__)
    common = fingerprint(version, gazetteer.version)
    keys = ([cache_key(common, a.id, store.parses[a.id]) for a in articles] if store is not None and cache is not None
            else [""] * len(articles))

    def collect(mentions: Mapping[str, Sequence[Mention]], countries: Mapping[str, list[str]],
                evidence: PersonEvidence, gazetteer: Gazetteer) -> list[Person]:
        """`collect_people`, keyed by what it reads: the evidence, and each article's mentions (their words
        and labels) and first three countries."""
        key = fingerprint(version, gazetteer.version, evidence.digest, [
            (aid, json.dumps([(m.text, m.label) for m in mentions[aid]]), countries[aid][:3])
            for aid in sorted(mentions)]) if cache is not None else ""
        return list(stored(cache, PEOPLE, key, Collected, lambda: Collected(
            people=tuple(collect_people(mentions, countries, evidence, gazetteer)))).people)

    named = stored_together(cache, NAMES, keys, NameMentions, lambda missing: (
        name_mentions(articles[i], parsed[articles[i].id], gazetteer) for i in missing))
    context = resolution_context(articles, parsed, named, gazetteer, cards, collect)
    records = [r.resolution for r in stored_together(
        cache, RESOLVED, keys, ResolvedArticle,
        lambda missing: _resolved(executor, missing, articles, parsed, gazetteer, named, context),
        lambda i, held: context.still_holds(articles[i].id, held.reads))]
    return assemble(articles, records, cards, context.card_names, gazetteer)


def name_mentions(article: Article, parsed: ParsedArticle, gazetteer: Gazetteer) -> NameMentions:
    """An article's mentions that may name an entity: those of a name's label, not in a row of share buttons,
    a list of names split into one mention each (`list_items`); with what they show of who is a person."""
    mentions = tuple(m for listed in parsed.mentions
                     if listed.label in NAME_LABELS and not in_share_buttons(listed, article.text)
                     for m in list_items(listed, parsed, gazetteer))
    return NameMentions(mentions=mentions, evidence=article_evidence(mentions, parsed),
                        names=tuple(fold(clean_name(m.text)) for m in mentions),
                        countries=tuple(countries_in(mentions, gazetteer)))


ARTICLES_PER_PROCESS = 150  # articles (2-3 ms each to resolve) that repay a forked process of their own


def _resolved(executor: Executor, positions: Sequence[int], articles: Sequence[Article],
              parsed: Mapping[str, ParsedArticle], gazetteer: Gazetteer, named: Sequence[NameMentions],
              context: ResolutionContext) -> Iterator[ResolvedArticle]:
    """`resolve_article` of the articles at these positions on `executor`, sent back in their store form
    (decoding it costs less than unpickling the models); the place tables loaded first, for forked workers to
    share. (An article's name mentions take too little time to repay a fork of their own: 0.4 s of 1,000.)"""
    if positions:
        gazetteer.load_place_tables()
    return (ResolvedArticle.model_validate_json(entry) for entry in executor.map(
        _resolved_json, positions, articles, parsed, gazetteer, named, context))


def _resolved_json(positions: Sequence[int], articles: Sequence[Article], parsed: Mapping[str, ParsedArticle],
                   gazetteer: Gazetteer, named: Sequence[NameMentions], context: ResolutionContext) -> Iterator[str]:
    """The executor's task: `resolve_article` of the articles at these positions, in their store form."""
    for i in positions:
        yield resolve_article(articles[i], parsed[articles[i].id], named[i].mentions, context,
                              gazetteer).model_dump_json()


def resolve_article(article: Article, parsed: ParsedArticle, named: Sequence[Mention], context: ResolutionContext,
                    gazetteer: Gazetteer) -> ResolvedArticle:
    """What one article's name mentions (`name_mentions`) resolve to in the context of all articles, with
    what `assemble` reads of its words (where places lie, people's titles, the areas written after cities)
    and what it read of the context."""
    recorder = Recorder(context)
    mentions = without_authors(named, recorder.authors)  # the countries it names follow from these
    asked = MentionContext(people=recorder.people, evidence=recorder.evidence,
                           countries=context.countries[article.id], capitals=context.capitals,
                           gazetteer=gazetteer, parsed=parsed, sport=reports_sport(parsed))
    found: list[tuple[Mention, Entity]] = []
    for mention in mentions:
        card = recorder.card_names.get(fold(clean_name(mention.text)))
        entity = card_entity(card) if card is not None else resolve_mention(mention, asked)
        if entity is not None:
            found.append((mention, entity))
    found += missed_surnames(article.id, parsed, recorder.people, recorder.authors)
    found.sort(key=lambda pair: pair[0].start)
    entities: dict[str, Entity] = {}
    _gather(entities, (entity for _, entity in found))
    resolved = []
    for mention, entity in found:
        start, end = _name_offsets(mention, recorder.evidence if entity.kind == EntityKind.PERSON else None)
        resolved.append(EntityMention(entity_id=entity.id, article_id=article.id, sentence=mention.sentence,
                                      start=start, end=end, text=article.text[start:end]))
    joined, absorbed = join_city_areas(resolved, entities, article.text, gazetteer)
    sentences = list(mentions_by_sentence(resolved).values())
    roles, successions = role_statements(sentences, entities, parsed)
    return ResolvedArticle(reads=recorder.reads(), resolution=ArticleResolution(
        entities=entities, mentions=tuple(joined), absorbed=tuple(absorbed),
        landmarks=tuple(landmark_links(sentences, entities, parsed)),
        appositions=tuple(apposition_links(sentences, entities, parsed)), roles=tuple(roles),
        successions=tuple(successions)))


def assemble(articles: Sequence[Article], records: Sequence[ArticleResolution], cards: Sequence[CuratedCard],
             card_names: Mapping[str, CuratedCard], gazetteer: Gazetteer) -> Resolution:
    """The resolution of all articles from each one's (`resolve_article`, in the order of `articles`): one
    entity per id, organisations merged, places located, roles dated, cards applied."""
    entities: dict[str, Entity] = {}
    for record in records:
        _gather(entities, record.entities.values())
    merged = merge_organization_names(entities, gazetteer)  # the links below name no organisation: no merged id
    ordered = sorted(zip(articles, records, strict=True), key=lambda pair: pair[0].id)
    attach_landmarks(entities, [link for _, record in ordered for link in record.landmarks])
    attach_appositions(entities, [link for _, record in ordered for link in record.appositions], gazetteer)
    attach_roles(entities, [(statement, article.date) for article, record in ordered for statement in record.roles],
                 [succession for _, record in ordered for succession in record.successions])
    for card in cards:
        apply_card(card, entities, gazetteer, card_names)
    add_referenced_countries(entities, gazetteer)
    mentions = [m.model_copy(update={"entity_id": merged[m.entity_id]}) if m.entity_id in merged else m
                for _, record in ordered for m in record.mentions]
    drop_absorbed(entities, mentions, (merged.get(e, e) for _, record in ordered for e in record.absorbed))
    return Resolution(entities=dict(sorted(entities.items())), mentions=tuple(mentions))


def _gather(entities: dict[str, Entity], found: Iterable[Entity]) -> None:
    """One entity per id, as first found, with the country and place kind later finds add."""
    for entity in found:
        entities[entity.id] = _merge(entities.get(entity.id), entity)


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


def merge_organization_names(entities: dict[str, Entity], gazetteer: Gazetteer) -> dict[str, str]:
    """One organisation, one entity: an acronym joins the one long form whose initials it is ("EU" and
    "European Union"), and a name with its country in front joins the name without it ("U.S. Centers for
    Disease Control" and "Centers for Disease Control"). The long form names the page; the others become
    aliases. The ids merged, and the id each went into."""
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
    return merged


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
