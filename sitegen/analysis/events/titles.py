"""An event's title: what its sources report happened, and nothing they do not.

A title says that people met, talked or called only when the event's own articles tell that encounter on the
event's date between those people (`reported_encounter`); background meetings, planned trips and "will meet
next week" never qualify, because the relation reader dates them elsewhere or not at all. Otherwise the title
is the most representative of the sources' own headlines, cleaned of outlet furniture, or, for wire copy
that has no headline, the main clause of its lead sentence read off the dependency parse.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from ...content.articles import lead_title
from ...content.models import Article
from ...nlp.models import ParsedArticle, Token
from ..models import Entity, EntityKind, EntityMention
from ..resolve.names import fold
from ..statements.coreference import children_of
from ..statements.models import Relation
from ..statements.quotes import SPEECH_CUES
from ..statements.relations import INFERRED_DAYS_BEFORE, NOUN_KINDS, VERB_KINDS
from .tfidf import english_stop_words

ENCOUNTER_KINDS = {"meeting", "talks", "visit", "call"}
IN_PERSON_KINDS = {"meeting", "visit"}
MAX_NAMES = 3  # "A, B and C meet"; more people are "A, B and others"
MIN_HEADLINE_WORDS = 3
QUESTION_WORDS = {"why", "how", "what", "who", "whom", "whose", "when", "where", "which", "should", "could", "can",
                  "will", "would", "is", "are", "does", "do", "did"}
MAX_CLAUSE_WORDS = 14

# Outlet furniture around a headline: a spaced separator before a short all-capitalised tail ("- Reuters",
# "| CNN Politics"), a genre or all-caps kicker before a colon or dash ("Opinion:", "BREAKING -"), a bracketed
# media note ("(VIDEO)").
_SEPARATOR = re.compile(r"\s+[|–—-]\s+|\s*[|｜]\s*")
_GENRE = (r"opinion|analysis|editorial|commentary|column|exclusive|breaking(?: news)?|watch|live(?: updates)?|"
          r"updated?|video|photos?|explainer|fact[- ]check|perspective|podcast|first on \w+")
_CAPS_KICKER = re.compile(r"^[A-Z][A-Z'’&.]+(?:\s+[A-Z][A-Z'’&.]+){1,3}\s*[:|–—-]\s+")  # "BREAKING NEWS:"
_ABBREVIATION_END = re.compile(r"(?:\b[A-Z][a-z]{0,2}|\w\.\w)\.$")  # "Fla.", "Jr.", "U.S." keep their point
_GENRE_KICKER = re.compile(rf"^(?:{_GENRE})\s*[:|–—-]\s+", re.IGNORECASE)
_MEDIA_NOTE = re.compile(rf"\s*[\[(](?:{_GENRE}|audio|graphic)[\])]\s*$|^\s*[\[(](?:{_GENRE})[\])]\s*",
                         re.IGNORECASE)
_BRACKETED_TAIL = re.compile(r"\s*[(\[]([^()\[\]]+)[)\]]$")
_TAIL_WORD = re.compile(r"^(?:[A-Z0-9][\w.'’&]*|&|of|the|and|on|for)$")
MAX_TAIL_WORDS = 4

# Word forms that claim an encounter in a headline the parse never saw: the relation reader's own lexicon,
# inflected, plus the irregular forms.
_IRREGULAR = {"meet": ("met",), "speak": ("spoke", "spoken")}
_PLANNED = re.compile(r"\b(?:to|will|would|plans?|planned|set to|ahead of|before|expected to|may|could)\s+(?:\w+\s+)?$",
                      re.IGNORECASE)

# Clause parts a title leaves out: side clauses, asides, framing and time.
_DROP_DEPS = {"advcl", "parataxis", "relcl", "appos", "mark", "punct", "npadvmod", "dep", "meta", "intj",
              "discourse", "preconj"}
_SHORTENING_DEPS = ("prep", "advmod", "acl", "xcomp", "ccomp", "conj", "dative", "oprd")


def _forms(lemma: str) -> set[str]:
    stem = lemma[:-1] if lemma.endswith("e") else lemma
    return {lemma, lemma + "s", stem + "ed", stem + "ing", *_IRREGULAR.get(lemma, ())}


ENCOUNTER_WORDS = {form for lemma, kind in {**VERB_KINDS, **NOUN_KINDS}.items() if kind in ENCOUNTER_KINDS
                   for form in _forms(lemma)}
_ENCOUNTER_WORD = re.compile(r"\b(?:" + "|".join(sorted(ENCOUNTER_WORDS, key=len, reverse=True)) + r")\b",
                             re.IGNORECASE)


def has_headline(article: Article) -> bool:
    """Whether an article came with a headline of its own (wire copy gets its lead sentence as title)."""
    return bool(article.title.strip()) and article.title != lead_title(article.text)


def clean_headline(headline: str, source: str | None = None) -> str:
    """A headline without outlet tags, genre kickers and media notes ("Opinion: X | Outlet" -> "X").

    A short capitalised tail after a spaced dash or bar is the outlet's tag when it shares a word with the
    article's source, or has that shape when the source is unknown (a tail in brackets only when it shares a
    word with the source); otherwise it may say who said it
    ("... - CDC") and stays. A single acronym before a colon says who speaks ("CDC: ...") and stays too.
    """
    text = " ".join(headline.split())
    if re.search(r"(?:\.\.\.|…)$", text):  # cut by the outlet: no dangling "and" or "of"
        words = text.rstrip(".… ").split()
        while words and words[-1].lower() in english_stop_words():
            words.pop()
        text = " ".join(words)
    if not _ABBREVIATION_END.search(text):
        text = text.rstrip(" .")
    text = _MEDIA_NOTE.sub("", text)
    source_words = {w.lower() for w in re.findall(r"\w{3,}", source or "")}
    bracketed = _BRACKETED_TAIL.search(text)
    if bracketed and source_words & {w.lower() for w in bracketed[1].split()}:  # "... (Example Times)"
        text = text[:bracketed.start()]
    while True:
        parts = _SEPARATOR.split(text)
        tail = parts[-1].split()
        if (len(parts) > 1 and len(tail) <= MAX_TAIL_WORDS and all(_TAIL_WORD.match(w) for w in tail)
                and (not source_words or source_words & {w.lower() for w in tail})):
            text = text[:len(text) - len(parts[-1])].rstrip(" |｜–—-")
            continue
        stripped = _GENRE_KICKER.sub("", text, count=1)
        if stripped == text and not text.isupper():
            stripped = _CAPS_KICKER.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    text = text.strip(" |｜–—-:")
    return text[:1].upper() + text[1:]


def claims_encounter(title: str) -> bool:
    """Whether a headline says people met, talked, visited or called ("to meet", "will visit" do not)."""
    return any(not _PLANNED.search(title[:m.start()]) for m in _ENCOUNTER_WORD.finditer(title))


def asks(headline: str) -> bool:
    """A question ("Could X happen? Here's what we know", "Why X matters") reports nothing."""
    return "?" in headline or headline.split()[0].lower() in QUESTION_WORDS


# --- the encounter the sources report ------------------------------------------------------------------


def on_the_day(relation: Relation, date: dt.date) -> bool:
    """Whether a telling dates its encounter to the event's date (an undated "met" to the article's date
    or the few days before it)."""
    if relation.date is None:
        return False
    start = relation.date.start - dt.timedelta(days=INFERRED_DAYS_BEFORE if relation.date_inferred else 0)
    return start <= date <= relation.date.end


def reported_encounter(members: Sequence[Article], told: Mapping[str, Sequence[Relation]], date: dt.date | None,
                       entities: Mapping[str, Entity]) -> list[Relation] | None:
    """The tellings of the encounter the event is: two or more people meeting, talking or calling on the
    event's date, told by at least half of its articles, and more than once or in a lead sentence (one
    sentence deep in one story is an aside, not the news)."""
    if date is None:
        return None
    by_people: dict[tuple[str, ...], list[Relation]] = defaultdict(list)
    for article in members:
        for relation in told.get(article.id, ()):
            if (relation.kind in ENCOUNTER_KINDS and on_the_day(relation, date) and len(relation.participants) >= 2
                    and all(entities[p].kind == EntityKind.PERSON for p in relation.participants)):
                by_people[relation.participants].append(relation)
    candidates = []
    for people, tellings in by_people.items():
        articles = {r.article_id for r in tellings}
        sentences = {(r.article_id, r.sentence) for r in tellings}
        if 2 * len(articles) >= len(members) and (len(sentences) >= 2 or any(r.sentence == 0 for r in tellings)):
            candidates.append(((len(articles), len(sentences)), people, tellings))
    if not candidates:
        return None
    return max(candidates)[2]


def encounter_title(tellings: Sequence[Relation], place: str | None, mentions: Sequence[EntityMention],
                    entities: Mapping[str, Entity]) -> str:
    """ "Lee and Takaichi meet in Nara", "Biden and Netanyahu speak by phone", "A, B and C hold talks"."""
    names = sorted(short_name(entities[p], mentions) for p in tellings[0].participants)
    if len(set(names)) < len(names):  # two Cuomos are named in full
        names = sorted(entities[p].name for p in tellings[0].participants)
    if len(names) > MAX_NAMES:
        names = [*names[:MAX_NAMES - 1], "others"]
    people = ", ".join(names[:-1]) + " and " + names[-1]
    kinds = {r.kind for r in tellings}
    if "call" in kinds:
        return f"{people} speak by phone"
    verb = "meet" if kinds & IN_PERSON_KINDS else "hold talks"
    return f"{people} {verb}" + (f" in {entities[place].name}" if place else "")


def short_name(person: Entity, mentions: Sequence[EntityMention]) -> str:
    """The part of a person's name the articles use on its own ("Lee", "Takaichi"), else the full name."""
    parts = {fold(p): p for p in person.name.split()}
    used = Counter(fold(m.text.rstrip("'’s")) for m in mentions if m.entity_id == person.id)
    alone = [(n, w) for w, n in used.items() if w in parts]
    if not alone:
        return person.name
    return parts[max(alone)[1]]


# --- what happened, in the sources' words ---------------------------------------------------------------


def _content_words(text: str) -> set[str]:
    stop_words = english_stop_words()
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in stop_words and len(w) > 1}


def representative(candidates: Sequence[tuple[str, str]], members: Sequence[Article]) -> str:
    """Of (article id, title) candidates, the one whose words the other articles share most (as a cosine of
    word sets does: shared words over the root of how many it has, so neither a long title nor a three-word
    one wins by its length); ties go to the first (the oldest article)."""
    if len(candidates) == 1:  # nothing to compare: each article's own title is asked for (`own_event_id`)
        return candidates[0][1]
    others = {a.id: _content_words(f"{a.title} {a.text}") for a in members}

    def share(candidate: tuple[str, str]) -> float:
        words = _content_words(candidate[1])
        if not words:
            return 0.0
        return sum(len(words & others[a]) for a in others if a != candidate[0]) / math.sqrt(len(words))

    best = max(range(len(candidates)), key=lambda i: (share(candidates[i]), -i))
    return candidates[best][1]


def reported_title(members: Sequence[Article], parsed: Mapping[str, ParsedArticle]) -> str:
    """The most representative headline, else the main clause of a lead sentence. It is asked for when the
    articles report no encounter of the day, so a headline that claims one is used only if all do, and a
    question only if all are questions."""
    headlines = [(a.id, clean_headline(a.title, a.source)) for a in members if has_headline(a)]
    headlines = [(i, h) for i, h in headlines if len(h.split()) >= MIN_HEADLINE_WORDS]
    plain = [h for h in headlines if not claims_encounter(h[1])] or headlines
    headlines = [h for h in plain if not asks(h[1])] or plain
    if headlines:
        return representative(headlines, members)
    clauses = [(a.id, lead_clause(parsed[a.id]) or a.title) for a in members]
    return representative(clauses, members)


def lead_clause(parsed: ParsedArticle) -> str | None:
    """The main clause of the first sentence without asides, side clauses, dates or a closing "police said":
    "Japanese Prime Minister Sanae Takaichi called on South Korean President Lee Jae Myung to help ensure
    regional stability"."""
    if not parsed.sentences:
        return None
    sentence = parsed.sentences[0]
    tokens = parsed.tokens[sentence.first_token:sentence.last_token]
    root = next((t for t in tokens if t.head == t.i), None)
    if root is None or root.pos not in ("VERB", "AUX"):
        return None
    reported = [t for t in tokens if t.head == root.i and t.dep == "ccomp" and t.i < root.i]
    if root.lemma.lower() in SPEECH_CUES and reported:  # "X happened, police said": the news is X
        root = reported[0]
    dated = {i for m in parsed.mentions if m.sentence == sentence.index and m.label in ("DATE", "TIME")
             for i in range(m.first_token, m.last_token)}
    children = children_of(tokens)

    def dropped(token: Token) -> bool:
        if token.dep == "cc":  # "shot and killed": kept with the word it joins
            return not any(k.dep == "conj" and not dropped(k) for k in children[token.head])
        if token.dep == "conj" and token.pos in ("VERB", "AUX"):  # a second clause with its own subject goes
            return any(k.dep in ("nsubj", "nsubjpass") for k in children[token.i])
        if token.dep in _DROP_DEPS or token.i in dated:
            return True
        return token.dep == "prep" and any(k.i in dated for k in children[token.i] if k.dep == "pobj")

    kept: dict[int, list[Token]] = {t.i: [k for k in children[t.i] if not dropped(k)] for t in tokens}

    def subtree(i: int) -> list[int]:
        return [i] + [j for k in kept[i] for j in subtree(k.i)]

    words = subtree(root.i)
    while len(words) > MAX_CLAUSE_WORDS:  # shorten from the right: the last modifier first
        removable = [k for i in words for k in kept[i] if k.dep in _SHORTENING_DEPS and k.i > root.i]
        if not removable:
            return None
        last = max(removable, key=lambda k: k.i)
        kept[last.head].remove(last)
        words = subtree(root.i)
    if not any(parsed.tokens[i].dep in ("nsubj", "nsubjpass") for i in words):
        return None
    words.sort()
    text = ""
    for previous, i in zip([None, *words], words):
        token = parsed.tokens[i]
        joined = previous is not None and parsed.tokens[previous].idx + len(parsed.tokens[previous].text) == token.idx
        text += ("" if joined or not text else " ") + token.text
    text = text.strip(" ,;:-–—\"“”'")
    return text[:1].upper() + text[1:] if len(text.split()) >= MIN_HEADLINE_WORDS else None
