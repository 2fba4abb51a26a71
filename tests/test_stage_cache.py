"""An article file and each article's statements are cached by what they read: computed again only for the
article that changed. A damaged entry of any stage's store (those two, an event's description) is a miss,
computed again with the site unchanged, never a crash."""

from __future__ import annotations

import pytest
from test_deps import files_of

import sitegen.analysis.events.assemble as assemble
import sitegen.analysis.statements.extract as extract
import sitegen.content.articles as articles
from sitegen.config import load_settings
from sitegen.pipeline.build import build_site
from sitegen.pipeline.store import Cache

ADDED = "The two leaders also talked about fisheries and {}.\n"  # a text no other test's cache holds
STAGES = [(articles, "read_article", articles.READ, lambda call: call[1]),  # (module, function, namespace, which)
          (extract, "article_statements", extract.STATEMENTS, lambda call: call[0].article_id)]
DESCRIBED = (assemble, "describe_event", assemble.DESCRIBED, lambda call: call[0][0].id)


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


@pytest.mark.parametrize(("module", "name", "namespace", "which"), [*STAGES, DESCRIBED])
def test_a_damaged_entry_is_computed_again(project, monkeypatch, module, name, namespace, which):
    settings = load_settings(project)
    build_site(settings)
    clean = files_of(settings.output_dir)
    real_get = Cache.get

    def damaged(self, space, key):
        entry = real_get(self, space, key)
        return entry.replace(b"e", b"a", 1) if space == namespace and entry else entry  # the checksum no longer fits

    monkeypatch.setattr(Cache, "get", damaged)
    calls = counting(monkeypatch, module, name, which)
    build_site(settings)
    assert calls and files_of(settings.output_dir) == clean
    monkeypatch.setattr(Cache, "get", lambda self, space, key: b"0\n{" if space == namespace
                        else real_get(self, space, key))  # cut short
    build_site(settings)
    assert files_of(settings.output_dir) == clean
