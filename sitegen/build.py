"""Run the stages in order and gather everything before a single file is written."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .cache import Cache
from .cards import read_cards, ruler_patterns
from .config import Settings
from .events import assemble_events
from .geo import load_gazetteer
from .ingest import read_articles
from .models import Diagnostic, EntityKind
from .resolve import clean_name, fold
from .nlp import parse_articles
from .overrides import read_event_overrides
from .publish import publication_files
from .relations import extract_quotes, extract_relations, merge_relations
from .render import render_pages, write_site
from .resolve import resolve_entities
from .site import Digest, plan_pages


class BuildFailed(Exception):
    """The build stopped before writing anything; the last good site is untouched."""

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics or []


@dataclass
class BuildReport:
    articles: int = 0
    events: int = 0
    entities: int = 0
    pages: int = 0
    parsed: int = 0  # articles that went through spaCy in this build (the rest came from the cache)
    seconds: float = 0.0
    diagnostics: list[Diagnostic] = field(default_factory=list)


Progress = Callable[[str, int], Callable[[int], None]]  # (stage description, total) -> advance(n)


def _no_progress(description: str, total: int) -> Callable[[int], None]:
    return lambda n: None


def _stop_if_strict(strict: bool, report: BuildReport) -> None:
    if strict and report.diagnostics:
        raise BuildFailed(f"{len(report.diagnostics)} problem(s) in the content and --strict is set",
                          report.diagnostics)


def analyse_content(settings: Settings, report: BuildReport, strict: bool = False,
                    progress: Progress = _no_progress) -> Digest:
    """Everything the site shows, from the content folder: the stages up to (not including) rendering."""
    articles, diagnostics = read_articles(settings.content_dir)
    cards, card_problems = read_cards(settings.content_dir)
    overrides, override_problems = read_event_overrides(settings.content_dir)
    report.diagnostics.extend(diagnostics + card_problems + override_problems)
    _stop_if_strict(strict, report)
    if not articles:
        raise BuildFailed(f"no readable articles under {settings.content_dir / 'articles'}", report.diagnostics)

    parsed, report.parsed = parse_articles(articles, settings.model, Cache(settings.cache_dir), ruler_patterns(cards),
                                           on_parsed=progress("Analysing articles", len(articles)))
    resolution = resolve_entities(articles, parsed, load_gazetteer(), cards)
    events, articles, override_problems = assemble_events(articles, parsed, resolution, settings.summary_words,
                                                         overrides)
    report.diagnostics.extend(override_problems)
    _stop_if_strict(strict, report)
    events = [e for e in events if not e.hidden]
    relations = merge_relations(extract_relations(parsed, resolution, {a.id: a.date for a in articles}),
                                resolution.entities)
    return Digest(title=settings.title, description=settings.description, base_url=settings.base_url,
                  articles={a.id: a for a in articles}, events=events, entities=resolution.entities,
                  mentions=resolution.mentions, relations=relations, quotes=extract_quotes(parsed, resolution))


def build_site(settings: Settings, strict: bool = False, progress: Progress = _no_progress) -> BuildReport:
    """Build the site described by `settings` into `settings.output_dir`; raises BuildFailed on failure."""
    started = time.perf_counter()
    report = BuildReport()
    digest = analyse_content(settings, report, strict, progress)
    pages = plan_pages(digest)
    files = render_pages(digest, pages, settings.templates_dir, search=settings.search,
                         on_page=progress("Rendering pages", len(pages)), overrides_dir=settings.overrides_dir)
    cards = {path.removesuffix("/index.md") + ".md": data for path, data in files.items() if path.endswith("/index.md")}
    files.update(publication_files(digest, pages))
    write_site(files, [settings.static_dir, settings.overrides_dir / "static"], settings.output_dir,
               index_search=settings.search)
    write_site(cards, [], settings.cards_dir)

    report.articles, report.events = len(digest.articles), len(digest.events)
    report.entities, report.pages = len(digest.entities), len(pages)
    report.seconds = time.perf_counter() - started
    return report


def known_facts(settings: Settings, name: str, kind: EntityKind) -> tuple[str, dict | None]:
    """What the content says about an entity of that name and kind, for a new curated card."""
    digest = analyse_content(settings, BuildReport())
    wanted = fold(clean_name(name))
    candidates = digest.of_kind(kind)
    entity = next((e for e in candidates if wanted in {fold(n) for n in (e.name, *e.aliases)}), None)
    if entity is None:  # a lone surname: only when exactly one entity has it
        by_part = [e for e in candidates if wanted in (fold(e.name).split()[0], fold(e.name).split()[-1])]
        entity = by_part[0] if len(by_part) == 1 else None
    if entity is None:
        return name, None
    names = lambda ids: [digest.entities[i].name for i in ids if i]  # noqa: E731
    surface = sorted({clean_name(m.text) for m in digest.mentions if m.entity_id == entity.id} - {entity.name})
    facts = {
        "aliases": sorted(set(entity.aliases) | set(surface)),
        "country": next(iter(names([entity.country])), None),
        "located_in": next(iter(names([entity.located_in])), None),
        "place_kind": entity.place_kind,
        "roles": [{"title": r.title, **({"country": digest.entities[r.country].name} if r.country else {}),
                   **({"former": True} if r.former else {})} for r in entity.roles],
    }
    return entity.name, facts
