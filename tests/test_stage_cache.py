"""An article file, each article's resolution and its statements are cached by what they read: computed again
only for the article that changed. A damaged entry of any stage's store (those, the other parts of resolution,
an event's description, the articles' words) is a miss, computed again with the site unchanged, never a crash."""

from __future__ import annotations

import pytest
from test_deps import files_of

import sitegen.analysis.events.assemble as assemble
import sitegen.analysis.resolve.entities as entities
import sitegen.analysis.statements.extract as extract
import sitegen.content.articles as articles
from sitegen.config import load_settings
from sitegen.pipeline.build import build_site

ADDED = "The two leaders also talked about fisheries and {}.\n"  # a text no other test's cache holds
STAGES = [(articles, "read_article", articles.READ, lambda call: call[1]),  # (module, function, namespace, which)
          (entities, "resolve_article", entities.RESOLVED, lambda call: call[0].id),
          (extract, "article_statements", extract.STATEMENTS, lambda call: call[0].article_id)]
DAMAGED = [*STAGES, (assemble, "describe_event", assemble.DESCRIBED, lambda call: call[0][0].id),
           (assemble, "item_words", assemble.WORDS, lambda call: call[0]),
           (entities, "name_mentions", entities.NAMES, lambda call: call[0].id),
           (entities, "collect_people", entities.PEOPLE, lambda call: "")]


def counting(monkeypatch, module, name, which) -> list[str]:
    """The calls of `module.name` from now on, each as `which` names it."""
    calls: list[str] = []
    real = getattr(module, name)

    def count(*args, **kwargs):
        calls.append(which(args))
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, count)
    return calls


@pytest.mark.parametrize(("module", "name", "namespace", "which"), STAGES)
def test_only_the_edited_article_is_computed_again(project, monkeypatch, module, name, namespace, which):
    settings = load_settings(project)
    build_site(settings)
    calls = counting(monkeypatch, module, name, which)
    build_site(settings)
    assert calls == []
    article = sorted((project / "content/articles").glob("0*"))[0]
    article.write_text(article.read_text(encoding="utf-8") + ADDED.format(name), encoding="utf-8")
    build_site(settings)
    assert article.stem in "".join(calls) and len(calls) < len(list(article.parent.iterdir()))


@pytest.mark.parametrize(("module", "name", "namespace", "which"), DAMAGED)
def test_a_damaged_entry_is_computed_again(project, monkeypatch, tmp_path, module, name, namespace, which):
    settings = load_settings(project, cache_dir=tmp_path / "cache")  # its own store, to damage on disk
    build_site(settings)
    clean = files_of(settings.output_dir)
    entries = sorted(path for path in (settings.cache_dir / namespace).rglob("*") if path.is_file())
    assert entries
    for entry in entries:
        data = bytearray(entry.read_bytes())
        data[-2] ^= 1  # one bit of the body: the entry's checksum no longer fits
        entry.write_bytes(bytes(data))
    calls = counting(monkeypatch, module, name, which)
    build_site(settings)
    assert calls and files_of(settings.output_dir) == clean
    for entry in entries:
        entry.write_bytes(entry.read_bytes()[:len(entry.read_bytes()) // 2])  # cut short
    build_site(settings)
    assert files_of(settings.output_dir) == clean
