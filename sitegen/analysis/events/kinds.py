"""What kind of event a cluster of articles reports: consult (with its mode), agree, statement, policy, ...

Each kind has a hand-written list of trigger lemmas (`data/kind_triggers.tsv`, from the CAMEO/PLOVER event
classes). An event's features say how strongly each list is present where news puts the news: the headline,
the lead sentence, the predicates of its main clause and their arguments, and the whole text. A multinomial
logistic regression fitted on hand-labelled events (`data/kinds_model.json`, built by
`bench/train_kinds.py`) weighs them. A consult is only called one when an article reports, in its headline
or opening sentences, a meeting or call that took place (not one announced or planned): calling something a
meeting that never happened is the worse mistake.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from ...content.models import Article
from ...nlp.models import ParsedArticle, Token
from ...resources import data_text
from ..models import ConsultMode, EventKind

CONSULT_MIN_PROBABILITY = 0.6
UNTRAINED_SHARE = 0.3  # how much of a kind the model never saw must lead the articles (see _told_up_front)
POSITIONS = ("headline", "lead", "predicate", "body")
OPENING_SENTENCES = 3  # where a consult that took place must be reported
PREDICATE_SENTENCES = 2  # whose main-clause predicates count
# How a main-clause predicate attaches to the root, and which of its arguments name the happening too.
PREDICATE_DEPS = {"ROOT", "conj", "xcomp", "ccomp"}
ARGUMENT_DEPS = {"dobj", "nsubj", "nsubjpass", "attr", "pobj", "prep", "compound", "acomp"}
# Words that put a happening in the future: "will meet", "plans to visit", "is set to hold talks".
FUTURE_AUXILIARIES = {"will", "'ll", "shall", "would", "to"}
PLAN_LEMMAS = {"plan", "schedule", "set", "expect", "prepare", "intend", "hope", "want", "seek", "aim", "invite",
               "agree", "propose", "offer", "announce", "upcoming", "next", "future", "possible", "potential"}
# Verbs of a consult that took place, and nouns for one when held, attended or had. "Call" is a consult only
# as a noun ("in a call", "a phone call"): the verb mostly asks ("called for", "called on") or names.
CONSULT_VERBS = {"meet", "visit", "host", "talk", "phone", "telephone", "confer", "negotiate", "greet", "huddle",
                 "consult"}
CONSULT_NOUNS = {"meeting", "summit", "talk", "talks", "call", "visit", "trip", "negotiation", "discussion",
                 "conversation", "sit-down"}
CALL_NOUN_BEFORE = {"phone", "video", "telephone", "a", "in", "during", "after"}
HOLDING_VERBS = {"hold", "have", "attend", "host", "make", "conclude", "end", "wrap", "begin", "open", "start"}
WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")
IRREGULAR = {
    "met": "meet", "held": "hold", "spoke": "speak", "spoken": "speak", "shot": "shoot", "struck": "strike",
    "won": "win", "lost": "lose", "fought": "fight", "sought": "seek", "told": "tell", "said": "say",
    "made": "make", "took": "take", "came": "come", "left": "leave", "led": "lead", "fell": "fall",
    "began": "begin", "gave": "give", "brought": "bring", "sent": "send", "swore": "swear", "sworn": "swear",
    "slain": "slay", "froze": "freeze", "frozen": "freeze", "rose": "rise", "stood": "stand", "went": "go",
    "chose": "choose", "broke": "break", "sold": "sell", "paid": "pay", "flew": "fly", "ran": "run",
    "kept": "keep", "bore": "bear", "drew": "draw", "children": "child", "men": "man", "women": "woman",
}
KIND_TEXT = {
    EventKind.CONSULT: "Meeting or talks", EventKind.AGREE: "Agreement", EventKind.STATEMENT: "Statement",
    EventKind.POLICY: "Policy", EventKind.LEGISLATION: "Legislation", EventKind.LEGAL: "Legal",
    EventKind.ELECTION: "Election", EventKind.VIOLENCE: "Violence", EventKind.SANCTION: "Sanction",
    EventKind.PROTEST: "Protest", EventKind.DISASTER: "Disaster", EventKind.ECONOMY: "Economy",
    EventKind.OTHER: "Other",
}
MODE_TEXT = {ConsultMode.IN_PERSON: "in person", ConsultMode.PHONE: "by phone or video",
             ConsultMode.NEGOTIATION: "negotiations"}


def kind_text(kind: EventKind, mode: ConsultMode | None = None) -> str:
    """What a reader sees: "Meeting or talks (in person)", "Legislation"."""
    return f"{KIND_TEXT[kind]} ({MODE_TEXT[mode]})" if mode else KIND_TEXT[kind]


Phrase = tuple[str, ...]


@functools.cache
def triggers() -> dict[str, tuple[tuple[str, Phrase], ...]]:
    """Trigger phrases (runs of lemmas) of each kind and of each consult mode ("consult:phone"), by first word,
    each with the kind or mode it is a trigger of: one look-up of a word finds them all."""
    text = data_text("kind_triggers.tsv")
    lists: dict[str, list[Phrase]] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, words = line.split("\t")
        lists.setdefault(name, []).extend(tuple(w.split()) for w in (w.strip().lower() for w in words.split(",")) if w)
    known = {k.value for k in EventKind} | {f"consult:{m.value}" for m in ConsultMode}
    if unknown := set(lists) - known:
        raise ValueError(f"kind_triggers.tsv: unknown kind {sorted(unknown)}")
    by_first: dict[str, list[tuple[str, Phrase]]] = {}
    for name, phrases in lists.items():
        for phrase in dict.fromkeys(phrases):
            by_first.setdefault(phrase[0], []).append((name, phrase))
    return {first: tuple(group) for first, group in by_first.items()}


@functools.cache
def model() -> dict:
    return json.loads(data_text("kinds_model.json"))


def headline_lemmas(word: str) -> frozenset[str]:
    """What lemma an unparsed headline word may be ("talks" -> talk, "met" -> meet): the regular English
    inflections undone, and a short list of irregular forms. Over-generating is harmless: only lemmas that
    are triggers are ever looked up."""
    w = word.lower().replace("’", "'").removesuffix("'s").removesuffix("'")
    found = {w, IRREGULAR.get(w, w)}
    if w.endswith("s") and not w.endswith("ss"):
        found |= {w[:-1], w[:-2] if w.endswith("es") else w, w[:-3] + "y" if w.endswith("ies") else w}
    for suffix in ("ed", "ing"):
        if w.endswith(suffix) and len(w) > len(suffix) + 2:
            stem = w[: -len(suffix)]
            found |= {stem, stem + "e", stem[:-1] if stem[-1] == stem[-2] else stem,
                      stem[:-1] + "y" if stem.endswith("i") else stem}
    return frozenset(found)


def count_hits(words: Sequence[frozenset[str]], phrases: Mapping[str, Sequence[tuple[str, Phrase]]]) -> Counter:
    """How many trigger phrases of each kind or mode (`triggers`) occur in a run of words, each word given as
    the lemmas it may be."""
    hits: Counter = Counter()
    for i, options in enumerate(words):
        for first in options:
            for name, phrase in phrases.get(first, ()):
                n = len(phrase)
                if i + n <= len(words) and all(phrase[j] in words[i + j] for j in range(1, n)):
                    hits[name] += 1
    return hits


def has_headline(article: Article) -> bool:
    """Markdown articles carry an editor's headline; wire copy is titled with its own first sentence."""
    return not article.text.lstrip().startswith(article.title.rstrip("…").strip())


def _lemmas(tokens: Iterable[Token]) -> list[frozenset[str]]:
    return [frozenset({t.lemma.lower(), t.text.lower()}) for t in tokens if t.pos != "PUNCT"]


def _sentence_tokens(parsed: ParsedArticle, index: int) -> tuple[Token, ...]:
    if index >= len(parsed.sentences):
        return ()
    sentence = parsed.sentences[index]
    return parsed.tokens[sentence.first_token:sentence.last_token]


def _predicates(parsed: ParsedArticle) -> list[frozenset[str]]:
    """The main-clause predicates of the opening sentences and the words they take as arguments."""
    tokens = parsed.tokens
    chosen: set[int] = set()
    for index in range(PREDICATE_SENTENCES):
        sentence = _sentence_tokens(parsed, index)
        roots = {t.i for t in sentence if t.dep == "ROOT"}
        heads = {t.i for t in sentence if t.i in roots or (t.dep in PREDICATE_DEPS and t.head in roots)}
        chosen |= heads
        arguments = {t.i for t in sentence if t.head in heads and t.dep in ARGUMENT_DEPS}
        chosen |= arguments | {t.i for t in sentence if t.head in arguments and t.dep in {"pobj", "compound"}}
    return _lemmas(tokens[i] for i in sorted(chosen))


def _future(tokens: Sequence[Token], token: Token) -> bool:
    """Whether a word tells of something to come ("will meet", "plans to visit", "an upcoming summit")."""
    children = [t for t in tokens if t.head == token.i and t.i != token.i]
    if any(t.lemma.lower() in FUTURE_AUXILIARIES and t.dep in {"aux", "auxpass"} for t in children):
        return True
    if any(t.lemma.lower() in PLAN_LEMMAS for t in children if t.dep in {"amod", "advmod", "npadvmod"}):
        return True
    head = tokens[token.head]
    return head.i != token.i and head.lemma.lower() in PLAN_LEMMAS and token.dep in {"xcomp", "dobj", "ccomp"}


def _consult_reports(parsed: ParsedArticle) -> tuple[int, int]:
    """(consults reported as having taken place, consults to come) in the opening sentences."""
    tokens = parsed.tokens
    done = planned = 0
    for index in range(OPENING_SENTENCES):
        for token in _sentence_tokens(parsed, index):
            lemma = token.lemma.lower()
            if token.pos == "VERB" and lemma in CONSULT_VERBS:
                happening = token
            elif token.pos in {"NOUN", "PROPN"} and lemma in CONSULT_NOUNS and token.dep in {"dobj", "nsubj", "pobj"}:
                holder = tokens[token.head]
                happening = holder if holder.lemma.lower() in HOLDING_VERBS | {"during", "at", "after"} else token
            else:
                continue
            if _future(tokens, happening) or _future(tokens, token):
                planned += 1
            elif happening.tag in {"VBD", "VBZ", "VBN", "VBG", "VBP", "IN"} or happening is not token:
                done += 1
    return done, planned


def _headline_consult(words: Sequence[str]) -> tuple[int, int]:
    """(consults told as news, consults to come) in a headline: "Biden, Putin meet" vs "Biden to meet Putin"."""
    lemmas = [headline_lemmas(w) for w in words]
    done = planned = 0
    for i, options in enumerate(lemmas):
        if options & (CONSULT_VERBS | CONSULT_NOUNS - {"call"}) or (
                "call" in options and i > 0 and words[i - 1].lower() in CALL_NOUN_BEFORE):
            before = {w.lower() for w in words[max(0, i - 3):i]}
            if before & FUTURE_AUXILIARIES or any(options & PLAN_LEMMAS for options in lemmas[max(0, i - 3):i]):
                planned += 1
            else:
                done += 1
    return done, planned


def event_features(members: Sequence[Article], parsed: Mapping[str, ParsedArticle]) -> dict[str, float]:
    """Per kind and position, the share of articles that use a trigger there (the whole text: triggers per
    hundred words); and how often a consult is told as having taken place or as still to come."""
    kinds = [k.value for k in EventKind]
    lists = triggers()
    features = dict.fromkeys([f"{p}:{k}" for k in kinds for p in POSITIONS]
                             + ["consult:done", "consult:planned", "consult:headline_done",
                                "consult:headline_planned"], 0.0)
    for article in members:
        doc = parsed[article.id]
        lead = _lemmas(_sentence_tokens(doc, 0))
        title_words = WORD.findall(article.title) if has_headline(article) else []
        headline = [headline_lemmas(w) for w in title_words] if title_words else lead
        body = _lemmas(doc.tokens)
        positions = {"headline": headline, "lead": lead, "predicate": _predicates(doc)}
        hits = {position: count_hits(words, lists) for position, words in positions.items()}
        body_hits = count_hits(body, lists)
        for kind in kinds:
            for position in positions:
                features[f"{position}:{kind}"] += min(hits[position][kind], 2) / 2
            features[f"body:{kind}"] += 100 * body_hits[kind] / max(len(body), 20)
        done, planned = _consult_reports(doc)
        features["consult:done"] += min(done, 2) / 2
        features["consult:planned"] += min(planned, 2) / 2
        if title_words:
            done, planned = _headline_consult(title_words)
            features["consult:headline_done"] += min(done, 1)
            features["consult:headline_planned"] += min(planned, 1)
    count = max(len(members), 1)
    return {name: value / count for name, value in features.items()}


def kind_probabilities(features: Mapping[str, float], weights: Mapping | None = None) -> dict[EventKind, float]:
    """The fitted model's probability of each kind (a softmax over linear scores of standardised features)."""
    weights = weights or model()
    x = [(features.get(name, 0.0) - mean) / scale
         for name, mean, scale in zip(weights["features"], weights["mean"], weights["scale"])]
    scores = [intercept + sum(c * v for c, v in zip(row, x))
              for row, intercept in zip(weights["coef"], weights["intercept"])]
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return {EventKind(k): e / total for k, e in zip(weights["classes"], exps)}


def decide_kind(features: Mapping[str, float], weights: Mapping | None = None) -> EventKind:
    """The most probable kind; consult only when an article tells of a consult that took place and the model
    is fairly sure (the fit weighs kinds as if equally common, which favours the rare consult)."""
    weights = weights or model()
    for kind in EventKind:
        if kind.value not in weights["classes"] and _told_up_front(features, kind):
            return kind
    probabilities = kind_probabilities(features, weights)
    reported = (features["consult:done"] + features["consult:headline_done"] > 0
                and probabilities.get(EventKind.CONSULT, 0.0) >= CONSULT_MIN_PROBABILITY)
    ranked = sorted(probabilities, key=lambda k: (-probabilities[k], k.value))
    return next(k for k in ranked if k != EventKind.CONSULT or reported)


def _told_up_front(features: Mapping[str, float], kind: EventKind) -> bool:
    """For a kind the model was fitted without examples of: its words are in the headlines and the opening of
    a good share of the articles."""
    return (features[f"headline:{kind.value}"] >= UNTRAINED_SHARE
            and max(features[f"lead:{kind.value}"], features[f"predicate:{kind.value}"]) >= UNTRAINED_SHARE)


def consult_mode(members: Sequence[Article], parsed: Mapping[str, ParsedArticle]) -> ConsultMode:
    """How a consult took place: the mode whose words are most used in the first place that has any of them
    (the headlines, else the lead sentences, else the texts); a tie goes to in person, then phone."""
    lists = triggers()
    places = [[[headline_lemmas(w) for w in WORD.findall(a.title)] for a in members if has_headline(a)],
              [_lemmas(_sentence_tokens(parsed[a.id], 0)) for a in members],
              [_lemmas(parsed[a.id].tokens) for a in members]]
    for texts in places:
        hits = [count_hits(words, lists) for words in texts]
        scores = {mode: sum(found[f"consult:{mode.value}"] for found in hits) for mode in ConsultMode}
        if any(scores.values()):
            return max(ConsultMode, key=lambda m: (scores[m], -list(ConsultMode).index(m)))
    return ConsultMode.IN_PERSON


def classify_event(members: Sequence[Article],
                   parsed: Mapping[str, ParsedArticle]) -> tuple[EventKind, ConsultMode | None]:
    """The kind of event these articles report, and for a consult how it took place."""
    if not members:
        return EventKind.OTHER, None
    kind = decide_kind(event_features(members, parsed))
    return kind, consult_mode(members, parsed) if kind == EventKind.CONSULT else None
