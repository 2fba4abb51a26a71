"""Run the stages in order and gather everything before a single file is written."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from ..analysis.events.assemble import assemble_events
from ..analysis.events.coverage import sentences_added
from ..analysis.geo import load_gazetteer
from ..analysis.models import EntityKind
from ..analysis.resolve.entities import resolve_entities
from ..analysis.resolve.names import clean_name, fold
from ..analysis.statements.extract import StatementReader, extract_statements
from ..analysis.statements.meetings import match_meetings, merge_relations
from ..analysis.stories import read_story_overrides, storylines
from ..config import Settings
from ..content.articles import read_articles
from ..content.cards import CuratedCard, read_cards, ruler_patterns
from ..content.overrides import read_event_overrides
from ..contract import Diagnostic
from ..nlp.models import ParsedArticle
from ..nlp.parse import parse_articles, parse_keys, parse_texts
from ..output.feeds import publication_files
from ..output.reads import Changed, PageRecord, Versions, pages_to_draw
from ..output.render import PAGE_HELPERS, render_pages
from ..output.write import SiteFill, fill_update, staged, update_site
from ..serve.changes import Layout, Needs, needs_for, static_sources
from ..site.digest import Digest
from ..site.pages import Page, plan_pages
from ..theme import PACKAGE_DIR, bundle, static_folders
from .executor import MIN_ITEMS_PER_PROCESS, Executor, LocalExecutor, open_executor
from .state import (CODE, CONFIG, CONTENT, Invocation, Saved, changes, nothing_changed, pickled, refresh, save,
                    short_hash, snapshot, state_files, strict_failure)
from .store import Cache, StageStore


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
    done: str = ""  # what the build did, for the closing line

    @property
    def counts(self) -> tuple[int, int, int, int]:
        return self.articles, self.events, self.entities, self.pages


Progress = Callable[[str, int], Callable[[int], None]]  # (stage description, total) -> advance(n)


def _no_progress(description: str, total: int) -> Callable[[int], None]:
    return lambda n: None


def _stop_if_strict(strict: bool, report: BuildReport) -> None:
    if strict and report.diagnostics:
        raise BuildFailed(strict_failure(len(report.diagnostics)), report.diagnostics)


ParsedMemo = Mapping[str, ParsedArticle]  # parses kept in memory between rebuilds, by their NLP cache key


class CardsRead(NamedTuple):
    """The curated cards an analysis used, and the problems reading them gave."""

    cards: tuple[CuratedCard, ...]
    problems: tuple[Diagnostic, ...]


def analyse_content(settings: Settings, report: BuildReport, strict: bool = False,
                    progress: Progress = _no_progress) -> Digest:
    """Everything the site shows, from the content folder: the stages up to (not including) rendering."""
    return _analyse(settings, report, strict, progress, {})[0]


def _analyse(settings: Settings, report: BuildReport, strict: bool, progress: Progress,
             known: ParsedMemo, executor: Executor = LocalExecutor()
             ) -> tuple[Digest, dict[str, ParsedArticle], CardsRead]:
    """`analyse_content`, taking parses from `known` before the disk cache; also the parses it used and the
    cards it read. The stages' store writes behind while they run and is all on disk when this returns."""
    with Cache(settings.cache_dir) as cache:
        return _analyse_with(cache, settings, report, strict, progress, known, executor)


def _analyse_with(cache: Cache, settings: Settings, report: BuildReport, strict: bool, progress: Progress,
                  known: ParsedMemo, executor: Executor) -> tuple[Digest, dict[str, ParsedArticle], CardsRead]:
    gazetteer = load_gazetteer(str(settings.cache_dir))  # first: a cold store's place tables are built meanwhile
    articles, diagnostics = read_articles(settings.content_dir, settings.max_article_chars, cache)
    cards, card_problems = read_cards(settings.content_dir)
    overrides, override_problems = read_event_overrides(settings.content_dir)
    story_overrides, story_problems = read_story_overrides(settings.content_dir)
    report.diagnostics.extend(diagnostics + card_problems + override_problems + story_problems)
    _stop_if_strict(strict, report)
    if not articles:
        raise BuildFailed(f"no readable articles under {settings.content_dir / 'articles'}", report.diagnostics)

    used = dict(known)
    patterns = ruler_patterns(cards)
    store = StageStore(cache, parse_keys(articles, settings.model, patterns))
    parsed, report.parsed = parse_articles(articles, settings.model, store.cache, patterns,
                                           progress("Analysing articles", len(articles)), memo=used,
                                           parse=functools.partial(executor.map, parse_texts), keys=store.parses)
    resolution = resolve_entities(articles, parsed, gazetteer, cards, store)
    statements = StatementReader(parsed, resolution, store, executor)
    events, articles, override_problems = assemble_events(articles, parsed, resolution, settings.summary_words,
                                                         overrides, store, statements)
    report.diagnostics.extend(override_problems)
    _stop_if_strict(strict, report)
    events = [e for e in events if not e.hidden]
    relations, quotes = extract_statements(statements, {a.id: a.date for a in articles})
    meetings = match_meetings(merge_relations(relations, resolution.entities), events, resolution.entities)
    stories, story_problems = storylines(events, {a.id: a for a in articles}, story_overrides)
    report.diagnostics.extend(story_problems)
    return Digest(title=settings.title, description=settings.description, base_url=settings.base_url,
                  articles={a.id: a for a in articles}, events=events, entities=resolution.entities,
                  mentions=resolution.mentions, meetings=meetings, quotes=quotes, stories=stories,
                  added=sentences_added(events, parsed)), used, CardsRead(tuple(cards), tuple(card_problems))


def build_site(settings: Settings, strict: bool = False, progress: Progress = _no_progress) -> BuildReport:
    """Build the site described by `settings` into `settings.output_dir`; raises BuildFailed on failure."""
    return _full_build(settings, strict, progress, record=False)[0]


@dataclass(frozen=True)
class SiteState:
    """What the last good build made and read: all a rebuild needs to redo only what changed."""

    settings: Settings
    digest: Digest | None  # None only when read back from disk for a rebuild that analyses the content again
    pages: tuple[Page, ...]
    records: Mapping[str, PageRecord]  # by page path
    outputs: Mapping[str, str]  # hash of every generated file (not static, not search) by its path in the site
    parsed: ParsedMemo
    diagnostics: tuple[Diagnostic, ...]
    cards: CardsRead | None = None  # what the digest was made from (None: unknown, the next content change analyses)
    versions: Versions | None = None  # of the digest the records were read from (None: a content change reads all)


@dataclass
class RebuildReport:
    drawn: int = 0  # pages drawn again
    changed: int = 0  # generated files (pages, cards, feeds, sitemap) whose bytes changed, removed included
    static: int = 0  # static paths copied or removed
    parsed: int = 0  # articles that went through spaCy
    full: bool = False
    seconds: float = 0.0
    diagnostics: list[Diagnostic] = field(default_factory=list)


Alongside = Callable[[SiteState], None]  # work on a build's new state while Pagefind indexes its site


def _nothing(state: SiteState) -> None:
    pass


def build_state(settings: Settings, progress: Progress = _no_progress, known: ParsedMemo | None = None,
                lock: AbstractContextManager | None = None, strict: bool = False,
                alongside: Alongside = _nothing) -> tuple[BuildReport, SiteState]:
    """A full build that also keeps what each page read, for `rebuild`; `alongside` is given the new state
    before the site is swapped in (an error in it leaves the last good site)."""
    report, state = _full_build(settings, strict, progress, record=True, known=known or {}, lock=lock,
                                alongside=alongside)
    assert state is not None
    return report, state


def _full_build(settings: Settings, strict: bool, progress: Progress, record: bool, known: ParsedMemo = {},
                lock: AbstractContextManager | None = None, alongside: Alongside = _nothing
                ) -> tuple[BuildReport, SiteState | None]:
    started = time.perf_counter()
    report = BuildReport()
    records: dict[str, PageRecord] | None = {} if record else None
    state: SiteState | None = None

    def meanwhile() -> None:
        if state is not None:
            alongside(state)

    with open_executor(settings) as executor:
        digest, parsed, cards = _analyse(settings, report, strict, progress, known, executor)
        pages = plan_pages(digest)
        published = publication_files(digest, pages)
        paths = [path for page in pages for path in page.files] + list(published)
        # The cards are swapped in after the site, as it succeeded; both are written while the pages are drawn.
        with (staged(settings.cards_dir, False, None) as staged_cards,
              staged(settings.output_dir, settings.search, lock, meanwhile) as staging):
            site = SiteFill(staging, settings.output_dir, paths, static_folders(settings.static_dir,
                                                                               settings.overrides_dir))
            card_fill = SiteFill(staged_cards, settings.cards_dir, list(card_paths(paths).values()), [])

            def write(page_files: Mapping[str, bytes]) -> None:
                site.write(page_files)
                card_fill.write(card_files(page_files))

            files = render_pages(digest, pages, settings.templates_dir, search=settings.search,
                                 on_page=progress("Rendering pages", len(pages)),
                                 overrides_dir=settings.overrides_dir, records=records,
                                 executor=executor.on_cores(MIN_ITEMS_PER_PROCESS),
                                 on_files=write)
            write(published)
            files.update(published)
            state = None if records is None else SiteState(
                settings=settings, digest=digest, pages=tuple(pages), records=records,
                outputs={path: short_hash(data) for path, data in files.items()}, parsed=parsed,
                diagnostics=tuple(report.diagnostics), cards=cards, versions=Versions.of(digest))

    report.articles, report.events = len(digest.articles), len(digest.events)
    report.entities, report.pages = len(digest.entities), len(pages)
    report.seconds = time.perf_counter() - started
    return report, state


def card_paths(paths: Iterable[str]) -> dict[str, str]:
    """The Markdown cards among the site's paths: each one's path in the cards folder, by its path in the site."""
    return {path: path.removesuffix("/index.md") + ".md" for path in paths if path.endswith("/index.md")}


def card_files(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The Markdown cards among the site's files, by their path in the cards folder."""
    return {card: files[path] for path, card in card_paths(files).items()}


FirstDrawn = Callable[[Mapping[str, bytes]], None]  # the changed files of the pages drawn ahead of the rest


def rebuild(state: SiteState, needs: Needs, settings: Settings | None = None,
            lock: AbstractContextManager | None = None, first: Collection[str] = (),
            on_first: FirstDrawn | None = None, strict: bool = False,
            new_problems_fail: bool = True, alongside: Alongside = _nothing) -> tuple[RebuildReport, SiteState]:
    """Redo what `needs` asks and no more, from the last good `state`; raises like `build_site` and then
    leaves the site as it was.

    A template change draws the pages that loaded it; a static change copies those files; a content change
    analyses the content again (spaCy only for texts it has not parsed with these curated names) and draws
    the pages whose reads now give something else, except when only the text of curated cards changed
    (see `_card_text_change`). A content problem that the last good build did not have fails the rebuild
    (unless not `new_problems_fail`), so a half-edited card never replaces the page it curates; with
    `strict`, any problem does.

    The pages among `first` (paths of the pages open in a browser) that need drawing are drawn before the
    rest and their files handed to `on_first`; the site on disk is still replaced only when all is drawn.
    `alongside` is given the new state as `build_state`'s is.
    """
    started = time.perf_counter()
    settings = settings or state.settings
    if needs.full or settings != state.settings:
        full, new_state = build_state(settings, known=state.parsed, lock=lock, strict=strict, alongside=alongside)
        return RebuildReport(drawn=full.pages, changed=len(new_state.outputs), full=True, parsed=full.parsed,
                             seconds=time.perf_counter() - started, diagnostics=full.diagnostics), new_state
    report = RebuildReport()
    digest, pages, parsed, cards, versions = state.digest, list(state.pages), state.parsed, state.cards, state.versions
    text_change = _card_text_change(state, needs, settings) if needs.content else None
    if text_change is not None:
        digest, cards, described = text_change
        versions = versions and versions.refreshed(digest, {(key[1], key[2]) for key in described})
        report.diagnostics = list(state.diagnostics)
        if strict and report.diagnostics:
            raise BuildFailed(strict_failure(len(report.diagnostics)), report.diagnostics)
        redraw = {p.path for p in pages_to_draw(state.records, pages, None, needs.templates, PAGE_HELPERS)}
        todo = [page for page in pages if page.path in redraw or _reads_any(state.records.get(page.path), described)]
    else:
        if needs.content:
            analysis = BuildReport()
            digest, parsed, cards = _analyse(settings, analysis, strict, _no_progress, state.parsed)
            old = {(d.path, d.message) for d in state.diagnostics}
            new = [d for d in analysis.diagnostics if (d.path, d.message) not in old]
            if new and new_problems_fail:
                raise BuildFailed(f"{len(new)} new problem(s) in the content", new)
            report.parsed, report.diagnostics = analysis.parsed, analysis.diagnostics
            pages = plan_pages(digest)
        elif strict and state.diagnostics:
            raise BuildFailed(strict_failure(len(state.diagnostics)), list(state.diagnostics))
        assert digest is not None, "a rebuild of templates or static files needs the last digest"
        if needs.content:
            versions = Versions.of(digest)
        todo = pages_to_draw(state.records, pages, digest if needs.content else None, needs.templates, PAGE_HELPERS,
                             Changed.between(state.versions, versions))
    records = {page.path: state.records[page.path] for page in pages if page.path in state.records}
    files = _draw_first(digest, todo, settings, records, first, on_first, state.outputs)
    if needs.content:
        files.update(publication_files(digest, pages))
    outputs = dict(state.outputs)
    kept = {path for page in pages for path in page.files}
    drawn_before = {page.file for page in state.pages}  # a page's file and card are its own: gone with it
    removes = sorted(path for path in outputs if path not in kept and (
        needs.content and path not in files or path in drawn_before or path.endswith("/index.md")))
    for path in removes:
        del outputs[path]
    writes = {path: data for path, data in files.items() if outputs.get(path) != short_hash(data)}
    outputs.update({path: short_hash(data) for path, data in writes.items()})
    static_dirs = static_folders(settings.static_dir, settings.overrides_dir)
    static = {rel: static_sources(rel, static_dirs) for rel in needs.static}
    new_state = SiteState(settings=settings, digest=digest, pages=tuple(pages), records=records, outputs=outputs,
                          parsed=parsed, diagnostics=tuple(report.diagnostics) if needs.content else state.diagnostics,
                          cards=cards, versions=versions)
    card_writes, card_removes = card_files(writes), list(card_paths(removes).values())
    with staged(settings.cards_dir, False, None) if card_writes or card_removes else nullcontext() as staged_cards:
        def meanwhile() -> None:
            if staged_cards is not None:
                fill_update(staged_cards, settings.cards_dir, card_writes, sorted(card_removes), {})
            alongside(new_state)

        if writes or removes or static:
            update_site(settings.output_dir, writes, removes, static, index_search=settings.search, lock=lock,
                        meanwhile=meanwhile)
        else:
            meanwhile()
    report.drawn, report.changed, report.static = len(todo), len(writes) + len(removes), len(static)
    report.seconds = time.perf_counter() - started
    return report, new_state


def _card_text_change(state: SiteState, needs: Needs, settings: Settings) -> tuple[Digest, CardsRead, set] | None:
    """When a content change touched curated cards alone and only their text (which no stage reads: it becomes
    the entity's description, shown as is), the last digest with the new descriptions, the cards read, and the
    page reads that changed; None when the content must be analysed again."""
    if state.cards is None or state.digest is None or not needs.cards_only:
        return None
    cards, problems = read_cards(settings.content_dir)
    if tuple(problems) != state.cards.problems or len(cards) != len(state.cards.cards):
        return None
    entities = dict(state.digest.entities)
    described: set = set()
    for before, after in zip(state.cards.cards, cards):
        if after == before:
            continue
        if after.model_copy(update={"text": before.text}) != before:
            return None  # a name, alias or fact changed: the analysis reads those
        shown = [e for e in entities.values() if e.curated and e.kind == before.kind and e.name == before.name]
        if len(shown) != 1 or shown[0].description != before.text:
            return None
        entities[shown[0].id] = shown[0].model_copy(update={"description": after.text})
        described.add(("field", "entity", shown[0].id, "description"))
    return replace(state.digest, entities=entities), CardsRead(tuple(cards), tuple(problems)), described


def _draw_first(digest: Digest, todo: list[Page], settings: Settings, records: dict[str, PageRecord],
                first: Collection[str], on_first: FirstDrawn | None, outputs: Mapping[str, str]) -> dict[str, bytes]:
    """The files of the pages in `todo`; those in `first` are drawn before the others, and the ones whose bytes
    differ from `outputs` (hashes of the last build's files) are handed to `on_first`."""
    def draw(pages: list[Page]) -> dict[str, bytes]:
        return render_pages(digest, pages, settings.templates_dir, search=settings.search,
                            overrides_dir=settings.overrides_dir, records=records)

    ahead = [page for page in todo if page.path in first] if on_first is not None else []
    if not ahead:
        return draw(todo)
    files = draw(ahead)
    if changed := {path: data for path, data in files.items() if outputs.get(path) != short_hash(data)}:
        on_first(changed)
    files.update(draw([page for page in todo if page.path not in first]))
    return files


def _reads_any(record: PageRecord | None, reads: set) -> bool:
    """Whether a page read any of `reads` when it was drawn (a page never drawn counts as reading all)."""
    return record is None or any(key in record.reads for key in reads)  # a few keys against many reads


def build_project(settings: Settings, called: Invocation, progress: Progress = _no_progress) -> BuildReport:
    """`sitegen build` with its state kept between runs (`sitegen.pipeline.state`): nothing written when
    nothing changed; after an edit, the last good build's records redo only what the changed files need (as
    `serve` does); a full build when there is no usable state, or the code, the installed packages, the
    settings or the output folders are not what it says. Raises BuildFailed like `build_site`."""
    if not isinstance(settings.cache_dir, Path):  # the state's files and links live beside a local cache only
        return build_site(settings, called.strict, progress)
    started = time.perf_counter()
    path = state_files(settings.cache_dir, called)
    saved = Saved.read(path)
    inputs = snapshot(input_roots(settings, called.config_file), saved.manifest["inputs"] if saved else None)
    needs = _needs_since(saved, settings, called, inputs)
    if saved is not None and needs is not None and not needs.anything:
        diagnostics = [Diagnostic.model_validate(d) for _, d in saved.manifest["diagnostics"]]
        if called.strict and diagnostics:
            raise BuildFailed(strict_failure(len(diagnostics)), diagnostics)
        refresh(saved, inputs)
        report = BuildReport(diagnostics=diagnostics, done=nothing_changed(len(diagnostics)))
        report.articles, report.events, report.entities, report.pages = saved.manifest["counts"]
        report.seconds = time.perf_counter() - started
        return report
    site = _saved_site(saved, needs) if saved is not None and needs is not None else None
    outputs = None  # what the output folders hold, when this build knows it without reading them
    blobs: dict[str, bytes] = {}
    kept: dict[str, str] = {}  # the last state's record files left as they are, by their hashes
    last_records = site.records if site is not None else None  # a saved site comes with its state

    def keep(new: SiteState) -> None:  # while Pagefind indexes: saved once the site is swapped in
        parts = {"site": replace(new, digest=None, parsed={}, records={}), "digest": new.digest,
                 "records": new.records}
        if saved is not None and last_records is not None and _same_records(new.records, last_records):
            kept["records"] = saved.manifest["blobs"]["records"]  # no page drawn: 6 MB not pickled again
            del parts["records"]
        blobs.update(pickled(parts))

    if site is not None and needs is not None:
        result, site = rebuild(site, needs, settings, strict=called.strict, new_problems_fail=False, alongside=keep)
        if saved is not None and not result.changed + result.static:
            outputs = saved.manifest["outputs"]  # found as the state left them (`reusable`), and nothing written
        report = BuildReport(parsed=result.parsed, diagnostics=list(site.diagnostics),
                             done=f"redrew {result.drawn} page(s), {result.changed + result.static} file(s) changed; "
                                  f"spaCy ran on {result.parsed} article(s); {len(site.diagnostics)} warning(s)")
        assert site.digest is not None
        report.articles, report.events = len(site.digest.articles), len(site.digest.events)
        report.entities, report.pages = len(site.digest.entities), len(site.pages)
    else:
        report, site = build_state(settings, progress, strict=called.strict, alongside=keep)
        report.done = f"spaCy ran on {report.parsed} article(s); {len(report.diagnostics)} warning(s)"
    save(path, called, settings.model_dump_json(), inputs, (settings.output_dir, settings.cards_dir),
         report.counts, ((str(d), d.model_dump(mode="json")) for d in report.diagnostics), blobs, outputs, kept)
    report.seconds = time.perf_counter() - started
    return report


def _saved_site(saved: Saved, needs: Needs) -> SiteState | None:
    """The last build's records read back; with its digest too when `needs` will not make a new one."""
    site, records = saved.blob("site"), saved.blob("records")
    if site is None or records is None:
        return None
    site = replace(site, records=records)
    if needs.content and not needs.cards_only:
        return site
    digest = saved.blob("digest")
    return replace(site, digest=digest) if digest is not None else None


def _same_records(new: Mapping[str, PageRecord], last: Mapping[str, PageRecord]) -> bool:
    """Whether a rebuild kept the last build's page records as they were (it drew no page and dropped none):
    the very objects it was given, so no comparison of their contents is needed."""
    return new.keys() == last.keys() and all(new[path] is last[path] for path in new)


def input_roots(settings: Settings, config_file: Path) -> dict[str, str]:
    """Every folder and file a build reads, with what a change to it asks for: the content folders are
    told apart by `needs_for`; a change to sitegen's code or theme or a spaCy model folder asks for
    everything; the config file asks what its settings say."""
    roots = dict.fromkeys(map(str, (PACKAGE_DIR, bundle().templates, bundle().static)), CODE)
    if Path(settings.model).is_dir():
        roots[str(Path(settings.model).resolve())] = CODE
    roots.update(dict.fromkeys(map(str, (settings.content_dir, settings.templates_dir, settings.static_dir,
                                         settings.overrides_dir)), CONTENT))
    roots[str(config_file)] = CONFIG
    return roots


def _needs_since(saved: Saved | None, settings: Settings, called: Invocation, inputs: dict) -> Needs | None:
    """What the changes since the saved state need redone, or None when only a full build will do."""
    if saved is None or saved.manifest["settings"] != settings.model_dump_json() or not saved.reusable(called):
        return None
    changed = changes(saved.manifest["inputs"], inputs)
    if changed.get(CODE):
        return None
    layout = Layout(config_file=None, content_dir=settings.content_dir, templates_dir=settings.templates_dir,
                    static_dir=settings.static_dir, overrides_dir=settings.overrides_dir,
                    generated=(settings.output_dir, settings.cache_dir, settings.cards_dir))
    return needs_for(changed.get(CONTENT, []), layout)


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
    def name_of(entity_id: str | None) -> str | None:
        return digest.entities[entity_id].name if entity_id else None

    surface = sorted({clean_name(m.text) for m in digest.mentions if m.entity_id == entity.id} - {entity.name})
    facts = {
        "aliases": sorted(set(entity.aliases) | set(surface)),
        "country": name_of(entity.country),
        "located_in": name_of(entity.located_in),
        "place_kind": entity.place_kind,
        "roles": [{"title": r.title, **({"country": name_of(r.country)} if r.country else {}),
                   **({"former": True} if r.former else {})} for r in entity.roles],
    }
    return entity.name, facts
