"""Quotes as a reader sees them: said by the one who spoke, statements only, each once, linked to the
speaker and to the story they were read in."""

from __future__ import annotations

import re
from pathlib import Path

from sitegen.config import load_settings
from sitegen.pipeline.build import build_site

SHOOTING = (
    "Police Chief Dana Whitfield said on Friday that officers were searching for the driver who shot "
    "Marcus Bell, 17, outside a school in Dayton. "
    '"We will not rest until we find the person who did this," Whitfield told reporters. '
    '"Did Marcus Bell deserve to die on his way home from school?" he added.'
)


def _article(name: str, url: str, body: str) -> str:
    return (f"---\ntitle: Driver sought after Dayton teen is shot ({name})\ndate: 2026-02-06\nsource: {name}\n"
            f"url: {url}\n---\n{body}\n")


def test_the_event_page_shows_statements_once_linked_to_speaker_and_source(project: Path):
    articles = project / "content" / "articles"
    for old in articles.iterdir():
        old.unlink()
    first = SHOOTING + ' Whitfield said the school response had been "good".'
    second = ("Police in Dayton are searching for the driver who shot Marcus Bell, 17, outside a school on Friday. "
              '"We will not rest until we find the person who did this," Police Chief Dana Whitfield told reporters.')
    (articles / "first.md").write_text(_article("Dayton Ledger", "https://ledger.example/teen-shot", first))
    (articles / "second.md").write_text(_article("Ohio Wire", "https://wire.example/dayton", second))
    settings = load_settings(project)
    build_site(settings)
    [page] = list((settings.output_dir / "events").glob("*/index.html"))
    section = page.read_text(encoding="utf-8").split("<h2>Quotes</h2>")[1].split("<h2>")[0]
    speakers = re.findall(r"<h3>(.*?)</h3>", section, re.S)  # quotes are grouped under their speaker
    assert len(speakers) == 1 and 'href="../../people/dana-whitfield/"' in speakers[0]
    quotes = re.findall(r"<blockquote>(.*?)</blockquote>", section, re.S)
    said = [re.sub(r"<[^>]+>", "", q.split("—")[0]) for q in quotes]
    assert sum("We will not rest" in q for q in said) == 1  # told by two outlets, shown once
    assert not any("good" in q and len(q.split()) < 6 for q in said)  # a quoted word is no statement
    assert any("Did Marcus Bell deserve" in q for q in said)
    for quote in quotes:
        links = re.findall(r'href="([^"]+)"', quote.split("—")[1])
        assert links[0] in ("https://ledger.example/teen-shot", "https://wire.example/dayton")
        assert not any(link.startswith(("./", "#")) or link == "" for link in links)  # not the page itself
