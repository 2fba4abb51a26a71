"""Exact rebuilds: what a changed path needs, what a page records while drawn, and that a rebuild's output is
byte-identical to a full build of the same input."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

import pytest

import sitegen.nlp.engine
import sitegen.pipeline.build
from sitegen.analysis.models import Entity, EntityKind, Event
from sitegen.config import load_settings
from sitegen.output.reads import (PAGE_ONLY, Changed, PageRecord, ReadLog, Ref, Versions, fingerprint, pages_to_draw,
                                  read_again, shallow)
from sitegen.output.render import PAGE_HELPERS, render_pages
from sitegen.pipeline.build import build_site, build_state, rebuild
from sitegen.serve.changes import Layout, Needs, needs_for
from sitegen.site.digest import Digest
from sitegen.site.pages import Page

P = Path("/p")
LAYOUT = Layout(config_file=P / "sitegen.toml", content_dir=P / "content", templates_dir=P / "templates",
                static_dir=P / "static", overrides_dir=P / "overrides",
                generated=(P / "site", P / ".sitegen/cache", P / ".sitegen/cards"))


@pytest.mark.parametrize("path, needs", [
    ("sitegen.toml", Needs(full=True)),
    ("templates/person.html", Needs(templates=frozenset({"person.html"}))),
    ("templates/partials/macros.html", Needs(templates=frozenset({"partials/macros.html"}))),
    ("templates/partials", Needs(templates=frozenset({"partials"}))),  # a folder renamed or deleted
    ("overrides/templates/base.html", Needs(templates=frozenset({"base.html"}))),
    ("static/style.css", Needs(static=frozenset({"style.css"}))),
    ("overrides/static/img/logo.svg", Needs(static=frozenset({"img/logo.svg"}))),
    ("content/articles/a.txt", Needs(content=True, content_paths=frozenset({"articles/a.txt"}))),
    ("content/entities/people/sanae-takaichi.md",
     Needs(content=True, content_paths=frozenset({"entities/people/sanae-takaichi.md"}))),
    ("content/events/x.md", Needs(content=True, content_paths=frozenset({"events/x.md"}))),
    # nothing: editor swap, backup and temp files, hidden folders, the build's own output, unrelated files
    ("content/entities/people/.sanae-takaichi.md.swp", Needs()),
    ("content/articles/a.txt~", Needs()),
    ("templates/#person.html#", Needs()),
    ("templates/person.html.tmp", Needs()),
    ("content/.git/index", Needs()),
    ("site/index.html", Needs()),
    (".sitegen/cache/nlp/ab/abcdef", Needs()),
    ("README.md", Needs()),
    ("sitegen.toml.bak", Needs()),
])
def test_what_a_changed_path_needs(path, needs):
    assert needs_for([P / path], LAYOUT) == needs


def test_a_burst_of_changes_needs_their_union():
    paths = [P / "templates/event.html", P / "static/search.js", P / "content/articles/b.md", P / ".x.swp"]
    assert needs_for(paths, LAYOUT) == Needs(content=True, content_paths=frozenset({"articles/b.md"}),
                                             templates=frozenset({"event.html"}), static=frozenset({"search.js"}))
    assert not needs_for([], LAYOUT).anything


@pytest.mark.parametrize("paths, cards_only", [
    (["content/entities/people/a.md"], True),
    (["content/entities/people/a.md", "content/entities/places/b.md"], True),
    (["content/entities/people/a.md", "content/articles/a.md"], False),
    (["content/entities"], False),  # the folder itself went: cards may have come or gone with others
    (["content/events/x.md"], False),
])
def test_card_only_changes_are_told_apart(paths, cards_only):
    assert needs_for([P / p for p in paths], LAYOUT).cards_only is cards_only


def test_a_change_of_unknown_content_is_never_taken_for_a_card_change():
    card = needs_for([P / "content/entities/people/a.md"], LAYOUT)
    assert (card | needs_for([P / "templates/x.html"], LAYOUT)).cards_only
    assert not (card | Needs(content=True)).cards_only
    assert not (Needs(content=True) | card).cards_only


def entity(ident: str, name: str, description: str = "") -> Entity:
    return Entity(id=ident, kind=EntityKind.PERSON, name=name, description=description)


def tiny_digest(description: str = "", extra_person: bool = False) -> Digest:
    people = {"person/a": entity("person/a", "Ann", description), "person/b": entity("person/b", "Bo")}
    if extra_person:
        people["person/c"] = entity("person/c", "Cy")
    event = Event(id="e1", title="Ann meets Bo", date=None, articles=(), participants=("person/a", "person/b"),
                  entities=("person/a", "person/b"))
    return Digest(title="T", description="D", base_url="/", articles={}, events=[event], entities=people, mentions=[])


def test_fingerprints_count_tracked_things_by_id_only():
    one, two = tiny_digest("first"), tiny_digest("second")
    assert shallow(one.entities["person/a"]) == Ref("entity", "person/a")
    assert fingerprint(list(one.entities.values())) == fingerprint(list(two.entities.values()))
    assert fingerprint(one.entities["person/a"].description) != fingerprint(two.entities["person/a"].description)


@pytest.fixture
def tiny_templates(tmp_path) -> Path:
    (tmp_path / "person.html").write_text("{% set p = digest.entities[page.subject] %}<h1>{{ p.name }}</h1>"
                                          "<p>{{ p.description }}</p>{% include 'nav.html' %}")
    (tmp_path / "event.html").write_text("{% set e = digest.event_by_id[page.subject] %}{{ e.title }}:"
                                         "{% for p in e.participants %} {{ digest.entities[p].name }}{% endfor %}"
                                         "{% include 'nav.html' %}")
    (tmp_path / "nav.html").write_text("{% if digest.events %}<nav>{{ digest.events | length }} events</nav>"
                                       "{% endif %}")
    return tmp_path


def tiny_pages() -> list[Page]:
    return [Page(path="people/a/", template="person.html", title="Ann", subject="person/a"),
            Page(path="people/b/", template="person.html", title="Bo", subject="person/b"),
            Page(path="events/e1/", template="event.html", title="Ann meets Bo", subject="e1")]


def test_a_page_records_the_templates_it_loaded_and_the_fields_it_read(tiny_templates):
    records: dict[str, PageRecord] = {}
    render_pages(tiny_digest(), tiny_pages(), tiny_templates, records=records)
    ann = records["people/a/"]
    assert ann.templates == {"person.html", "nav.html"}
    assert ("field", "entity", "person/a", "description") in ann.reads
    assert ("field", "entity", "person/b", "description") not in records["events/e1/"].reads
    assert ("digest", ("attr", "events"), ("len",)) in ann.reads  # `| length` reads the count, not the events


def test_only_pages_whose_reads_changed_are_drawn_again(tiny_templates):
    records: dict[str, PageRecord] = {}
    pages = tiny_pages()
    render_pages(tiny_digest("first"), pages, tiny_templates, records=records)
    helpers = PAGE_HELPERS
    # Ann's description is read by her page only; the event page shows her name, which did not change.
    assert [p.path for p in pages_to_draw(records, pages, tiny_digest("second"), (), helpers)] == ["people/a/"]
    assert pages_to_draw(records, pages, tiny_digest("first"), (), helpers) == []
    assert [p.path for p in pages_to_draw(records, pages, None, {"event.html"}, helpers)] == ["events/e1/"]
    assert len(pages_to_draw(records, pages, None, {"nav.html"}, helpers)) == 3
    new_page = Page(path="people/c/", template="person.html", title="Cy", subject="person/c")
    drawn = pages_to_draw(records, [*pages, new_page], tiny_digest("first", extra_person=True), (), helpers)
    assert [p.path for p in drawn] == ["people/c/"]  # another person changes no page that did not list people


def test_a_rebuild_reads_again_only_what_the_new_digest_may_answer_differently(tiny_templates):
    records: dict[str, PageRecord] = {}
    pages = tiny_pages()
    first = tiny_digest("first")
    render_pages(first, pages, tiny_templates, records=records)
    before = Versions.of(first)

    def drawn(digest: Digest) -> tuple[Changed | None, list[str]]:
        changed = Changed.between(before, Versions.of(digest))
        paths = [p.path for p in pages_to_draw(records, pages, digest, (), PAGE_HELPERS, changed)]
        assert paths == [p.path for p in pages_to_draw(records, pages, digest, (), PAGE_HELPERS)]  # as reading all
        return changed, paths

    # Ann's card text: her page alone shows it, and no index or method of the digest reads it.
    changed, paths = drawn(tiny_digest("second"))
    assert (changed.objects, changed.rest, paths) == ({("entity", "person/a")}, False, ["people/a/"])
    changed, paths = drawn(tiny_digest("first"))
    assert (changed.objects, changed.rest, paths) == (set(), False, [])
    # Bo's name: his page and the event page show it (Ann's page reads no field of Bo).
    renamed = replace(first, entities={**first.entities, "person/b": entity("person/b", "Bob")})
    changed, paths = drawn(renamed)
    assert (changed.objects, changed.rest, paths) == ({("entity", "person/b")}, True, ["people/b/", "events/e1/"])
    # Another event moves `digest.events | length`, which every page's navigation reads.
    later = Event(id="e2", title="Bo calls Ann", date=None, articles=(), participants=("person/b", "person/a"))
    assert drawn(replace(first, events=[*first.events, later]))[1] == ["people/a/", "people/b/", "events/e1/"]
    # The same entities in another order are another digest: its lists of entities may be ordered otherwise.
    assert drawn(replace(first, entities=dict(reversed(first.entities.items()))))[0].rest


def test_a_field_of_a_thing_the_digests_indexes_do_not_hold_is_always_read_again():
    versions = Versions.of(tiny_digest())
    changed = Changed.between(versions, versions)
    assert not changed.may_change(("field", "entity", "person/a", "name"))
    assert changed.may_change(("field", "event", "e9", "title"))  # reached through some other value


def test_a_digest_holding_a_value_not_of_its_declared_type_has_no_versions_and_rebuilds_read_all(tiny_templates):
    records: dict[str, PageRecord] = {}
    pages = tiny_pages()
    first = tiny_digest()
    render_pages(first, pages, tiny_templates, records=records)
    odd = first.entities["person/b"].model_copy(update={"description": 7})  # model_copy does not validate
    digest = replace(first, entities={**first.entities, "person/b": odd})
    assert Versions.of(digest) is None and Changed.between(Versions.of(first), None) is None
    assert [p.path for p in pages_to_draw(records, pages, digest, (), PAGE_HELPERS, None)] == ["people/b/"]


def test_no_digest_index_method_or_helper_reads_a_page_only_field(project):
    """What `Versions.rest` leaves out must be what only templates read: with every page-only field of the demo
    digest changed, each digest-level read and helper of every page gives what it gave."""
    _, state = build_state(load_settings(project))
    digest = state.digest
    assert set(PAGE_ONLY) == {"article", "entity"}

    def changed(kind: str, things: dict) -> dict:
        return {key: thing.model_copy(update={name: f"{getattr(thing, name)} (changed)" for name in PAGE_ONLY[kind]})
                for key, thing in things.items()}

    other = replace(digest, articles=changed("article", digest.articles), entities=changed("entity", digest.entities))
    versions = Versions.of(other)
    assert versions.rest == state.versions.rest and versions.objects != state.versions.objects
    pages = {page.path: page for page in state.pages}
    reads = [(path, key, seen) for path, record in state.records.items() for key, seen in record.reads.items()
             if key[0] != "field"]
    assert {key[0] for _, key, _ in reads} == {"digest", "helper"}
    for path, key, seen in reads:
        record = state.records[path]
        assert fingerprint(read_again(key, record.args.get(key, ()), other, pages[path], PAGE_HELPERS)) == seen, key


def test_the_read_log_fingerprints_each_read_once_per_build():
    memo: dict = {}
    one, two = ReadLog(memo), ReadLog(memo)
    one.saw(("digest", ("attr", "title"), ("value",)), "T")
    two.saw(("digest", ("attr", "title"), ("value",)), "T")
    assert len(memo) == 1 and one.reads == two.reads


# --- whole rebuilds against full builds ------------------------------------------------------------------


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def spacy_runs(monkeypatch) -> list[int]:
    """How many texts spaCy parsed since the test started."""
    runs: list[int] = []
    real = sitegen.nlp.engine.load_pipeline

    def counting(model, patterns=()):
        nlp = real(model, patterns)
        pipe = nlp.pipe

        def counted(texts, **kwargs):
            for text in texts:
                runs.append(1)
                yield from pipe([text], **kwargs)

        nlp.pipe = counted
        return nlp

    monkeypatch.setattr(sitegen.nlp.engine, "load_pipeline", counting)
    return runs


@pytest.fixture
def analyses(monkeypatch) -> list[int]:
    """How many times the content was analysed (entities resolved) since the test started."""
    runs: list[int] = []
    real = sitegen.pipeline.build.resolve_entities

    def counting(*args, **kwargs):
        runs.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(sitegen.pipeline.build, "resolve_entities", counting)
    return runs


def test_rebuilds_are_byte_identical_to_full_builds_and_redo_no_more_than_needed(project, spacy_runs, analyses):
    served = load_settings(project)
    full = load_settings(project, output_dir=project / "full", cards_dir=project / "full-cards")
    layout = Layout(config_file=project / "sitegen.toml", content_dir=served.content_dir,
                    templates_dir=served.templates_dir, static_dir=served.static_dir,
                    overrides_dir=served.overrides_dir, generated=(served.output_dir, served.cache_dir, served.cards_dir))
    _, state = build_state(served)
    person_pages = sum(1 for p in state.pages if p.template == "person.html")
    open_page = next(p for p in state.pages if p.subject == "person/sanae-takaichi")  # shown in a browser
    card = project / "content/entities/people/sanae-takaichi.md"
    card.parent.mkdir(parents=True, exist_ok=True)
    article = sorted((project / "content/articles").iterdir())[0]
    extra = project / "content/articles/zz-extra.md"
    edits = [  # (what the editor does, the path saved, check of the rebuild report)
        ("new curated card", lambda: card.write_text("---\nname: Sanae Takaichi\nkind: person\n---\nA curated note.\n"),
         card, lambda r: r.drawn >= 1),  # a new name teaches the NER: the articles naming her are parsed again
        ("card text", lambda: card.write_text("---\nname: Sanae Takaichi\nkind: person\n---\nAnother note.\n"),
         card, lambda r: r.drawn == 1 and r.changed == 2 and r.parsed == 0),  # her page and its Markdown card
        ("card alias", lambda: card.write_text("---\nname: Sanae Takaichi\nkind: person\naliases: [Takaichi]\n---\n"
                                               "Another note.\n"),
         card, lambda r: r.parsed == 0),  # a one-word alias is left to resolution: no parse, but an analysis
        ("template", lambda: _mark_first_block(project / "templates/person.html"),
         project / "templates/person.html", lambda r: r.drawn == person_pages == r.changed and r.parsed == 0),
        ("static file", lambda: _edit(project / "static/style.css", "", "/* edited */\n"),
         project / "static/style.css", lambda r: r.drawn == 0 and r.static == 1),
        ("override template", lambda: _write(project / "overrides/templates/about.html",
                                             "{% extends 'base.html' %}{% block main %}<h1>Ours</h1>{% endblock %}"),
         project / "overrides/templates/about.html", lambda r: r.drawn == 1),
        ("article edit", lambda: _edit(article, "\n", "\nAn editor's added line.\n"),
         article, lambda r: r.parsed == 1 and r.drawn < len(state.pages)),
        ("article added", lambda: extra.write_text("---\ntitle: A call\ndate: 2026-02-02\n---\nPrime Minister "
                                                   "Sanae Takaichi spoke with President Lee Jae-myung by phone.\n"),
         extra, lambda r: r.parsed == 1),
        ("article removed", lambda: extra.unlink(), extra, lambda r: r.parsed == 0),
        ("card removed", lambda: card.unlink(), card, lambda r: r.drawn >= 1),
        ("config", lambda: _edit(project / "sitegen.toml", 'title = "Diplomacy Digest"', 'title = "Digest"'),
         project / "sitegen.toml", lambda r: r.full),
    ]
    analysed_edits = {"new curated card", "card alias", "article edit", "article added", "article removed",
                      "card removed", "config"}
    open_files = {open_page.file, open_page.path + "index.md"}
    for name, edit, path, check in edits:
        shown = files_of(served.output_dir)
        edit()
        if name == "config":
            served = load_settings(project)
            full = load_settings(project, output_dir=project / "full", cards_dir=project / "full-cards")
        before, analysed = len(spacy_runs), len(analyses)
        ahead: list[tuple[dict[str, bytes], dict[str, bytes]]] = []  # (files drawn first, the site on disk then)
        report, state = rebuild(state, needs_for([path], layout), served, first={open_page.path},
                                on_first=lambda files: ahead.append((dict(files), files_of(served.output_dir))))
        assert report.parsed == len(spacy_runs) - before, name
        assert (len(analyses) > analysed) == (name in analysed_edits), name
        assert check(report), (name, report)
        site = files_of(served.output_dir)
        # The open page, when the edit changed it, is handed over before the rest is drawn and the old site
        # replaced; what was handed over is what the whole rebuild wrote.
        changed = {path for path in open_files if site.get(path) != shown.get(path)}
        assert len(ahead) == (bool(changed) and not report.full), name
        for files, on_disk in ahead:
            assert set(files) == changed and on_disk == shown, name
            assert all(site[path] == data for path, data in files.items()), name
        assert ahead or name not in {"card text", "card alias", "template"}, name
        build_site(full)
        assert site == files_of(full.output_dir), name
        assert files_of(served.cards_dir) == files_of(full.cards_dir), name


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(old, new, 1) if old else new + text, encoding="utf-8")


def _mark_first_block(template: Path) -> None:
    """A visible change: an HTML comment at the start of the template's first block."""
    text = template.read_text(encoding="utf-8")
    template.write_text(re.sub(r"(\{% block \w+ %\})", r"\1<!-- edited -->", text, count=1), encoding="utf-8")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_a_new_problem_fails_the_rebuild_and_leaves_the_site(project):
    settings = load_settings(project)
    _, state = build_state(settings)
    before = files_of(settings.output_dir)
    card = project / "content/entities/people/x.md"
    card.parent.mkdir(parents=True)
    card.write_text("---\nname: [Sanae\nkind: person\n---\nText\n")
    from sitegen.pipeline.build import BuildFailed

    with pytest.raises(BuildFailed) as failed:
        rebuild(state, Needs(content=True))
    assert [d.path for d in failed.value.diagnostics] == ["content/entities/people/x.md"]
    assert files_of(settings.output_dir) == before


def test_a_kept_template_is_compiled_again_when_its_text_changes_even_with_the_same_time(tmp_path):
    template = tmp_path / "person.html"
    pages = [Page(path="people/a/", template="person.html", title="Ann", subject="person/a")]
    template.write_text("<p>first {{ page.title }}</p>")
    assert render_pages(tiny_digest(), pages, tmp_path)["people/a/index.html"] == b"<p>first Ann</p>"
    stamp = template.stat().st_mtime_ns
    template.write_text("<p>again {{ page.title }}</p>")  # same size, and (as two saves in one tick) same time
    os.utime(template, ns=(stamp, stamp))
    assert render_pages(tiny_digest(), pages, tmp_path)["people/a/index.html"] == b"<p>again Ann</p>"
    (tmp_path / "overrides/templates").mkdir(parents=True)
    (tmp_path / "overrides/templates/person.html").write_text("<p>ours</p>")  # an override appears
    assert render_pages(tiny_digest(), pages, tmp_path, overrides_dir=tmp_path / "overrides")[
        "people/a/index.html"] == b"<p>ours</p>"
