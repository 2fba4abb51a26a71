"""The spaCy side of the parse stage, imported only when some article must be parsed: loading the pipeline
with its curated names and construction rules, and copying what later stages need out of each Doc.

The statistical NER misses constructions that name places plainly ("the Horyuji temple", "the town of
Ikaruga", "X, a UNESCO World Heritage site"); a small Matcher component after the NER labels them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

import spacy
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from .models import Mention, ParsedArticle, Sentence, Token
from .parse import PHRASE_ATTR, ModelNotFound, encode

KEPT_LABELS = {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "EVENT", "DATE"}

LANDMARK_WORDS = ["temple", "shrine", "palace", "castle", "cathedral", "mosque", "monastery", "abbey",
                  "pagoda", "basilica", "fortress", "stadium", "memorial", "museum"]
SETTLEMENT_WORDS = ["town", "city", "village", "port", "island", "province", "prefecture", "region", "capital"]


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
BATCH_SIZE = 32  # texts per spaCy batch; a text's parse does not depend on the texts batched with it


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
    return with_rules(load_model(model), patterns)


def load_model(model: str) -> Language:
    """The installed pipeline as it ships (the slow part: importing spaCy and reading the model)."""
    try:
        nlp = spacy.load(model)
    except OSError as exc:
        raise ModelNotFound(f"cannot load spaCy pipeline {model!r}: {exc}") from exc
    if "ner" not in nlp.pipe_names or "parser" not in nlp.pipe_names:
        raise ModelNotFound(f"spaCy pipeline {model!r} needs a parser and an NER component")
    return nlp


def with_rules(nlp: Language, patterns: Sequence[dict[str, str]]) -> Language:
    """`nlp` (changed in place) with the curated names ahead of its NER and the construction rules after it."""
    if patterns:
        ruler = nlp.add_pipe("entity_ruler", before="ner",
                             config={"overwrite_ents": True, "phrase_matcher_attr": PHRASE_ATTR})
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


def pipeline(model: str, patterns: Sequence[dict[str, str]] = (), loaded: Language | None = None) -> Language:
    """This process's pipeline for the model and curated names, loaded once: a long-running `serve` keeps it
    while the names stay the same, and processes forked after the load share it. `loaded` is the model as
    `load_model` gave it, when it is (a warm start's), so as not to read it twice."""
    key = (model, json.dumps(list(patterns), sort_keys=True, ensure_ascii=False))
    if key not in _PIPELINES:
        _PIPELINES.clear()
        _PIPELINES[key] = with_rules(loaded, patterns) if loaded is not None else load_pipeline(model, patterns)
    return _PIPELINES[key]


def encoded_parses(texts: Sequence[tuple[str, str]], model: str, patterns: Sequence[dict[str, str]],
                   model_id: str) -> Iterator[bytes]:
    """The cache entries of (article id, text) pairs parsed in order: copied out of each Doc and encoded where
    the parse ran, so only compact entries travel back from a worker."""
    docs = pipeline(model, patterns).pipe((text for _, text in texts), batch_size=BATCH_SIZE)
    for (article_id, _), doc in zip(texts, docs):
        yield encode(to_parsed(doc, article_id, model_id))
