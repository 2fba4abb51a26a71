"""Extractive multi-source summary of one event.

Sentences from all outlets covering the event are scored by closeness to the event's TF-IDF centroid
(what most outlets say), TextRank centrality and a lead-position prior; then picked greedily with
maximal marginal relevance so that two outlets repeating one fact give one sentence; then put back in
reading order. Every sentence keeps its article id so the page can cite it. Sentences that are mostly
a direct quote, fragments and boilerplate are never picked; datelines are trimmed. A sentence the parser
split in two is joined again; one that leans on the sentence before ("He", "But", "The move") is picked
only together with it; quoted words are never picked without the speech verb that attributes them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ...content.articles import DATELINE
from .tfidf import text_vectors, unit_rows


class SourceSentence(BaseModel):
    model_config = ConfigDict(frozen=True)

    article_id: str
    index: int  # position of the sentence in its article (0 = lead)
    text: str


class SummarySentence(BaseModel):
    model_config = ConfigDict(frozen=True)

    article_id: str
    index: int
    text: str


class SummarySettings(BaseModel):
    """Scoring mix and redundancy control; the defaults were chosen on AllSides DEV roundups."""

    model_config = ConfigDict(frozen=True)

    centroid_weight: float = Field(1.0, ge=0)  # cosine to the event centroid
    textrank_weight: float = Field(0.5, ge=0)  # PageRank over the sentence similarity graph
    position_weight: float = Field(0.25, ge=0)  # 1 / (1 + index): news leads carry the facts
    redundancy_penalty: float = Field(0.3, ge=0)  # MMR: subtracted x max cosine to chosen sentences
    max_redundancy: float = Field(0.5, ge=0, le=1)  # never pick a sentence this close to a chosen one
    min_words: int = Field(6, ge=1)  # shorter sentences are fragments
    max_quoted_share: float = Field(0.5, ge=0, le=1)  # share of characters inside quotation marks


_BOILERPLATE = re.compile(
    r"\b(?:read more|click here|sign up|subscribe|newsletter|all rights reserved|copyright|"
    r"follow (?:us|him|her)|photo:|getty images|ap photo|contributed to this report|"
    r"(?:this|the) (?:story|article) (?:has been|was) updated)\b",
    re.IGNORECASE,
)
_TRUNCATED = re.compile(r"(?:\.\.\.|…)\s*[\"'”’)]?\s*$")
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")
# A sentence that reports speech names its speaker with one of these verbs; quoted words without one are
# the writer's quotation, not the digest's statement.
_SPEECH_VERBS = ("say", "tell", "add", "ask", "write", "call", "describe", "state", "announce", "declare", "tweet",
                 "argue", "warn", "insist", "note", "explain", "claim", "urge", "stress", "predict", "vow", "promise",
                 "acknowledge", "admit", "recall", "remark", "respond", "quote", "cite", "label", "dub", "praise",
                 "criticize", "accuse", "deny", "confirm", "reply", "testify")
_IRREGULAR = ("said", "told", "wrote", "written", "replied", "replies", "testified", "testifies", "denied", "denies",
              "dubbed", "dubbing")


def _speech_cue() -> re.Pattern[str]:
    """Every regular form of the speech verbs, and the sentence-initial "Saying ...", "According to"."""
    forms = set(_IRREGULAR)
    for verb in _SPEECH_VERBS:
        stem = verb[:-1] if verb.endswith("e") else verb
        forms |= {verb, verb + ("es" if verb.endswith("s") else "s"), stem + "ed", stem + "ing"}
    opening = {f.capitalize() for f in forms if f.endswith("ing")} | {"According to", "according to"}
    return re.compile(r"\b(?:" + "|".join(sorted(forms | opening, key=lambda f: (-len(f), f))) + r")\b")


_SPEECH_CUE = _speech_cue()
# Openers that lean on the sentence before: a pronoun, a connective, or a noun phrase pointing back.
_DEPENDENT_OPENER = re.compile(
    r"^(?:he|she|it|they|his|her|its|their|him|them|this|that|these|those|such|"
    r"but|and|or|so|yet|also|however|still|meanwhile|instead|moreover|furthermore|nonetheless|nevertheless|"
    r"therefore|thus|then|otherwise|besides|likewise|similarly|again|later|afterward|afterwards|"
    r"the (?:move|decision|measure|announcement|statement|comments?|remarks?|step|incident|same|latter|former))\b",
    re.IGNORECASE,
)
_QUOTE_MARKS = re.compile(r"[\"“”]")
_TEXTRANK_DAMPING = 0.85


def _clean(text: str) -> str:
    """Whitespace collapsed and a leading wire dateline ("WASHINGTON (AP) — ") removed."""
    text = " ".join(text.split())
    return DATELINE.sub("", text, count=1)


def _is_usable(text: str, settings: SummarySettings) -> bool:
    """False for fragments, truncated teasers, boilerplate, sentences that are mostly a quote and sentences
    that quote words without saying who said them (the digest would state them in its own voice)."""
    if len(text.split()) < settings.min_words or _TRUNCATED.search(text) or _BOILERPLATE.search(text):
        return False
    if text[-1] not in ".!?\"'”’)":
        return False  # headline or cut-off fragment
    quotes = _QUOTED.findall(text)
    if quotes and text.startswith(quotes[0]):
        return False  # '"...," the minister said.': the quote is the sentence
    if _QUOTE_MARKS.search(text):
        outside = _QUOTED.sub("", text)
        if _QUOTE_MARKS.search(outside) or not _SPEECH_CUE.search(outside):
            return False  # part of a quote split over sentences, or quoted words with no one said to say them
    return sum(len(quote) for quote in quotes) <= settings.max_quoted_share * len(text)


def _continues(previous: str, text: str) -> bool:
    """Whether spaCy split one sentence in two: the second part starts in lower case ("Sen. Shelley Moore
    Capito (R-W.Va.)" | "came to an end Tuesday.") or the first stops on a comma, colon or dash."""
    return text[:1].islower() or previous.rstrip()[-1:] in (",", ";", ":", "-", "—", "–")


def _in_open_quote(sentences: Sequence[SourceSentence]) -> set[int]:
    """Indexes of sentences that begin inside a quote opened in an earlier sentence."""
    inside, open_quote = set(), False
    for sentence in sentences:
        if open_quote and not _QUOTE_MARKS.match(_clean(sentence.text)):
            inside.add(sentence.index)
        for mark in _QUOTE_MARKS.findall(sentence.text):
            open_quote = mark == "“" or (mark == '"' and not open_quote)
    return inside


def _units(sentences: Sequence[SourceSentence], settings: SummarySettings) -> list[list[SourceSentence]]:
    """One article's sentences as the units a summary may pick: a sentence split in two by the parser is
    joined again; a sentence that leans on the one before (a pronoun, "But", "The move") comes only
    together with it; a sentence inside a quote that began earlier is never a unit."""
    quoted = _in_open_quote(sentences)
    whole: list[list[SourceSentence]] = []
    for sentence in sentences:
        if whole and whole[-1][-1].index == sentence.index - 1 and _continues(whole[-1][-1].text, sentence.text):
            whole[-1].append(sentence)
        else:
            whole.append([sentence])
    units = []
    for k, unit in enumerate(whole):
        if unit[0].index in quoted:
            continue
        if _DEPENDENT_OPENER.match(_clean(unit[0].text)):
            before = whole[k - 1] if k else None
            if before and before[-1].index == unit[0].index - 1 and before[0].index not in quoted and not \
                    _DEPENDENT_OPENER.match(_clean(before[0].text)) and _is_usable(_text(before), settings):
                units.append(before + unit)
            continue
        units.append(unit)
    return units


def _textrank(similarity: np.ndarray, iterations: int = 50) -> np.ndarray:
    """PageRank scores of the weighted sentence graph (self-loops removed), scaled to max 1."""
    graph = similarity.copy()
    np.fill_diagonal(graph, 0.0)
    out_weight = graph.sum(axis=1, keepdims=True)
    transition = np.divide(graph, out_weight, out=np.zeros_like(graph), where=out_weight > 0)
    size = len(graph)
    rank = np.full(size, 1.0 / size)
    for _ in range(iterations):
        rank = (1 - _TEXTRANK_DAMPING) / size + _TEXTRANK_DAMPING * transition.T @ rank
    return rank / rank.max()


def _scores(vectors: np.ndarray, indexes: Sequence[int], settings: SummarySettings) -> np.ndarray:
    centroid = vectors.mean(axis=0)
    norm = np.linalg.norm(centroid)
    centrality = vectors @ (centroid / norm) if norm > 0 else np.zeros(len(vectors))
    score = settings.centroid_weight * centrality
    if settings.textrank_weight:
        score = score + settings.textrank_weight * _textrank(vectors @ vectors.T)
    position = 1.0 / (1.0 + np.asarray(indexes, dtype=np.float64))
    return score + settings.position_weight * position


def summarize_event(
    sentences: Sequence[SourceSentence], max_words: int = 120, settings: SummarySettings = SummarySettings()
) -> list[SummarySentence]:
    """At most `max_words` words of the event's most central, non-redundant sentences, in reading order.

    Reading order is the order in which articles first appear in `sentences`, then sentence position.
    """
    article_rank: dict[str, int] = {}
    for sentence in sentences:
        article_rank.setdefault(sentence.article_id, len(article_rank))
    ordered = sorted(
        {(s.article_id, s.index): s for s in sentences}.values(),
        key=lambda s: (article_rank[s.article_id], s.index),
    )
    units = [unit for _, group in itertools.groupby(ordered, key=lambda s: s.article_id)
             for unit in _units(list(group), settings)]
    cleaned = [(unit, _text(unit)) for unit in units]
    cleaned = [(unit, text) for unit, text in cleaned if _is_usable(text, settings)]
    if not cleaned:
        return []
    # Scaled to unit length a second time, as the summariser always has: a no-op but for the last bit, and that
    # bit decides exact ties (two units that share a sentence can score alike), so the summaries stay as they were.
    vectors = unit_rows(text_vectors([text for _, text in cleaned])).toarray()
    relevance = _scores(vectors, [unit[0].index for unit, _ in cleaned], settings)
    similarity = vectors @ vectors.T
    chosen: list[int] = []
    used: set[tuple[str, int]] = set()  # sentences already in a chosen unit
    words_left = max_words
    remaining = list(range(len(cleaned)))
    while remaining:
        redundancy = similarity[np.ix_(remaining, chosen)].max(axis=1) if chosen else np.zeros(len(remaining))
        marginal = relevance[remaining] - settings.redundancy_penalty * redundancy
        best = max(range(len(remaining)), key=lambda k: (marginal[k], -remaining[k]))
        pick = remaining.pop(best)
        length = len(cleaned[pick][1].split())
        if redundancy[best] < settings.max_redundancy and length <= words_left and not used & _keys(cleaned[pick][0]):
            chosen.append(pick)
            used |= _keys(cleaned[pick][0])
            words_left -= length
    return [
        SummarySentence(article_id=cleaned[k][0][0].article_id, index=cleaned[k][0][0].index, text=cleaned[k][1])
        for k in sorted(chosen)
    ]


def _text(unit: Sequence[SourceSentence]) -> str:
    return _clean(" ".join(s.text for s in unit))


def _keys(unit: Sequence[SourceSentence]) -> set[tuple[str, int]]:
    return {(s.article_id, s.index) for s in unit}
