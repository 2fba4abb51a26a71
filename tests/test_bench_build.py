"""bench/build.py writes the same articles for sitegen, Hugo and Pelican: sitegen and Pelican must read them whole."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.build import BIN, SITEGEN, articles_of_size, write_sites  # noqa: E402

ROWS = [
    {"id": "leap-1", "title": "Ministers of Ruritania and Freedonia meet in Vienna", "date": "2024-02-29",
     "source": "Example Wire", "url": "https://example.org/a", "stance": "center",
     "text": "The foreign ministers of Ruritania and Freedonia met in Vienna on Thursday to discuss a border treaty.\n\n"
             "Both sides said the talks were constructive and agreed to meet again next month."},
    {"id": "undated-2", "title": "Freedonia opens an embassy", "date": None, "source": "Example Daily", "url": None,
     "text": "Freedonia opened an embassy in the capital of Ruritania, its foreign ministry said."},
]


def test_sizes_past_the_corpus_repeat_rows_with_dates_moved_by_whole_years():
    articles = articles_of_size(ROWS, 5)
    assert [a["id"] for a in articles] == ["leap-1", "undated-2", "leap-1-y1", "undated-2-y1", "leap-1-y2"]
    assert [a["date"] for a in articles] == ["2024-02-29", None, "2025-02-28", None, "2026-02-28"]
    assert {a["text"] for a in articles} == {row["text"] for row in ROWS}
    assert [a["id"] for a in articles_of_size(ROWS, 1)] == ["leap-1"]


def test_sitegen_and_pelican_read_every_written_article_without_a_warning(tmp_path):
    sites = write_sites(tmp_path / "sites", ROWS)
    build = subprocess.run([SITEGEN, "build", "--strict", "-q"], cwd=sites.sitegen, capture_output=True, text=True)
    assert build.returncode == 0, build.stdout + build.stderr
    assert "2 articles" in build.stdout + build.stderr
    pages = "".join(p.read_text(encoding="utf-8") for p in (sites.sitegen / "site").rglob("*.html"))
    assert "Ministers of Ruritania and Freedonia meet in Vienna" in pages
    assert "Freedonia opens an embassy" in pages

    pelican = subprocess.run([BIN / "pelican", "content", "-o", "output", "-s", "pelicanconf.py"],
                             cwd=sites.pelican, capture_output=True, text=True)
    assert pelican.returncode == 0, pelican.stdout + pelican.stderr
    assert "Processed 2 articles" in pelican.stdout
    leap = (sites.pelican / "output/leap-1.html").read_text(encoding="utf-8")
    assert "Ministers of Ruritania and Freedonia meet in Vienna" in leap and "2024" in leap
