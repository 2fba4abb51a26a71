"""Who met whom, where and when, and who said what: read from spaCy's dependency parse of each article.

A relation is anchored on a word of meeting ("met", "talks", "visited", "held talks with", "hosting",
"phone call", "agreed", "signed"); its participants are the people its subject, object and "with"/"between"
phrases name, its place the place an "in"/"at" phrase below it names, its date the DATE phrase attached to
its clause, resolved against the article's date in the clause's tense.

News names people once and then says "he", "the two leaders" or "the South Korean president", so a light
coreference pass runs first: every noun phrase gets the people it refers to, from names, surnames the NER
missed, pronouns (the most recent compatible person, genders learnt from "Mr."/"Ms." and from earlier
pronouns), plural references (the pair of people most recently named together) and titles ("the Japanese
prime minister" -> the one person of the article holding that office).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ...nlp.models import ParsedArticle, Token
from ..dates import DateRef, resolve_date
from ..models import Entity, EntityKind, EntityMention
from ..resolve.models import Resolution
from ..resolve.names import fold, read_title

RelationKind = Literal["meeting", "visit", "talks", "call", "agreement"]
KIND_ORDER: tuple[RelationKind, ...] = ("meeting", "talks", "visit", "call", "agreement")
# Kinds that tell the same happening when the same people are in the same place at the same time.
FAMILY = {"meeting": "encounter", "talks": "encounter", "visit": "encounter", "call": "call",
          "agreement": "agreement"}

VERB_KINDS: dict[str, RelationKind] = {
    "meet": "meeting", "host": "meeting", "welcome": "meeting", "greet": "meeting",
    "visit": "visit", "talk": "talks", "speak": "talks", "discuss": "talks", "negotiate": "talks", "confer": "talks",
    "call": "call", "phone": "call", "telephone": "call", "agree": "agreement", "sign": "agreement",
}
NOUN_KINDS: dict[str, RelationKind] = {
    "meeting": "meeting", "summit": "meeting", "encounter": "meeting", "talks": "talks", "discussion": "talks",
    "negotiation": "talks", "visit": "visit", "trip": "visit", "call": "call", "conversation": "call",
}
AGREEMENT_NOUNS = {"agreement", "deal", "accord", "pact", "treaty", "memorandum", "declaration"}
# Verbs that only carry a happening named by their object ("held talks", "had a meeting", "reached a deal").
LIGHT_VERBS = {"hold", "have", "conduct", "host", "attend", "begin", "start", "open", "wrap", "conclude", "end",
               "reach", "strike", "sign", "seal", "make", "pay", "take", "schedule", "plan", "arrange"}
# Verbs that must have a person as object to mean a meeting ("received a letter" is none).
PERSON_OBJECT_VERBS = {"host", "welcome", "greet", "call", "phone", "telephone"}
# Nouns that only name a call when said to be one ("phone call"), not "a call for calm".
CALL_MARKERS = {"phone", "telephone", "video", "tele", "virtual"}
PLACE_PREPOSITIONS = {"in", "at", "on", "during", "inside", "outside", "near"}
PLACE_PATH_PREPOSITIONS = {"in", "at", "of", "near", "outside", "inside"}
PARTICIPANT_PREPOSITIONS = {"with", "between", "among", "by"}
SITUATION_PREPOSITIONS = {"at", "during", "in", "on"}  # "At Tuesday's meeting with X, Lee noted ..."
SCENE_PARTS = {"beginning", "start", "outset", "end", "close", "conclusion", "sideline", "sidelines", "margin",
               "margins", "opening", "course"}
HYPOTHETICAL = {"could", "might", "may", "should", "must"}
FUTURE_GOVERNORS = {"schedule", "expect", "plan", "set", "due", "slate", "intend", "prepare"}
BACKGROUND_MARKS = {"after", "before", "since", "when", "until", "once", "while", "if", "unless", "whether"}
PREVIOUSLY = {"last", "previously", "earlier", "first", "once", "ago", "already"}  # "last met", "first met"
PREVIOUS = {"previous", "last", "earlier", "prior", "past"}  # "their previous meeting"
# A date below these is not the happening's own: "his second visit since August".
NOT_THE_DATE = {"since", "after", "before", "until", "till", "by", "from", "through", "ahead"}
INFERRED_DAYS_BEFORE = 3  # an undated "met" may have happened up to this many days before the article date

SPEECH_CUES = {
    "say", "tell", "add", "note", "stress", "state", "explain", "insist", "argue", "claim", "warn", "emphasize",
    "emphasise", "write", "tweet", "post", "declare", "announce", "acknowledge", "admit", "remark", "reply",
    "respond", "ask", "urge", "suggest", "predict", "conclude", "observe", "continue", "recall", "comment",
    "assert", "contend", "caution", "complain", "joke", "quip", "vow", "pledge", "promise", "concede", "boast",
    "quote", "testify", "shout", "yell", "scream", "whisper", "agree", "counter", "lament", "point", "call",
    "describe", "reiterate", "confirm", "deny", "maintain", "recount", "recommend", "demand",
    # verbs of judging and naming in speech (VerbNet's judgement and dub classes): "X called Y a "con artist""
    "label", "dub", "brand", "liken", "hail", "praise", "criticize", "criticise", "blast", "slam", "denounce",
    "condemn", "decry", "accuse", "dismiss", "mock", "proclaim", "tout", "characterize", "characterise", "cite",
    "allege", "charge", "report", "read", "chant", "wonder",
}
MIN_QUOTE_WORDS = 3  # shorter quotes ("outrageous", "big plans") count only when a cue verb governs them
SHOWN_QUOTE_WORDS = 4  # pages show quotes of this many words or more; shorter ones are words, not statements
# Links a quote's words climb through to the verb that reports them ('said that cooperation "is ..."').
QUOTE_PATH_DEPS = {"ccomp", "xcomp", "dobj", "attr", "acomp", "oprd", "prep", "pobj", "conj", "parataxis"}
CONTEXT_SENTENCES = 3  # how far back a pronoun or "the two leaders" looks for its people
ATTRIBUTION_WORDS = 8  # a sentence of at most this many words with a speech verb only says who spoke

SINGULAR_PRONOUNS = {"he": "m", "him": "m", "his": "m", "himself": "m",
                     "she": "f", "her": "f", "hers": "f", "herself": "f"}
PLURAL_PRONOUNS = {"they", "them", "their", "theirs", "themselves"}
GROUP_NOUNS = {"leader", "man", "woman", "president", "premier", "minister", "official", "counterpart",
               "head", "side", "pair"}
HONORIFICS = {"mr": "m", "mr.": "m", "ms": "f", "ms.": "f", "mrs": "f", "mrs.": "f", "miss": "f"}
SUBJECT_DEPS = {"nsubj", "nsubjpass", "csubj"}
RELATIVE_PRONOUNS = {"who", "that", "which"}
# Things written or broadcast: the subject of "the ad says "..."" quotes someone else, it is no speaker.
DOCUMENT_NOUNS = {"ad", "advertisement", "spot", "commercial", "clip", "video", "letter", "memo", "email", "e-mail",
                  "document", "report", "statement", "release", "brief", "filing", "comment", "remark", "tweet",
                  "post", "message", "note", "book", "article", "story", "column", "editorial", "headline",
                  "page", "website", "site", "poster", "sign", "banner", "caption", "transcript", "ruling"}
TIME_OF_DAY = re.compile(r"\b\d{1,2}(?::\d{2})?\s*[ap]\.?m\b", re.IGNORECASE)  # "5:45 p.m." heads no clause
# Links a cue hangs below a quote's verb by when the parse makes the quote the main clause.
REPORTING_DEPS = {"conj", "parataxis", "ccomp", "advcl", "dep"}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Evidence(_Frozen):
    """A sentence that tells of a relation."""

    article_id: str
    sentence: int
    text: str


class Relation(_Frozen):
    kind: RelationKind
    participants: tuple[str, ...]  # person (or country) entity ids, sorted
    place: str | None = None  # place or country entity id
    date: DateRef | None = None
    date_inferred: bool = False  # True when no date was stated and the article's date stands in
    article_id: str
    sentence: int
    text: str  # the sentence that says so
    evidence: tuple[Evidence, ...] = ()  # every sentence that tells it (several once merged), sorted


class Quote(_Frozen):
    text: str  # the quoted words, without the quote marks
    speaker: str | None  # person entity id; None for unnamed sources ("sources said")
    article_id: str
    sentence: int
    cue: str  # "said", "told", "according to", ...; "" when the speaker comes from the sentences before
    start: int  # character offsets of `text` in Article.text
    end: int
    source_span: tuple[int, int] | None = None  # the words naming the speaker where the cue names one


# --- reading one article ---------------------------------------------------------------------------------


@dataclass
class _Article:
    """One parsed article with its entities placed on tokens and its references resolved."""

    parsed: ParsedArticle
    entities: Mapping[str, Entity]
    entity_at: dict[int, str]  # token -> entity id, for tokens inside a resolved mention
    mention_root: dict[int, tuple[int, int]]  # token -> (first, last) of the mention it belongs to
    dates_at: dict[int, tuple[int, int]]  # root token of a DATE mention -> its character span
    children: dict[int, list[Token]]
    text: str  # rebuilt from the tokens (`_full_text`)
    quote_spans: list[tuple[int, int]]  # character spans between quotation marks
    quoted: frozenset[int]  # tokens between quotation marks: the speaker's words, not the writer's
    refers: dict[int, tuple[str, ...]] = field(default_factory=dict)  # NP head token -> people (or entity)
    gender: dict[str, str] = field(default_factory=dict)  # person -> "m"/"f", where the article shows it

    @property
    def tokens(self) -> tuple[Token, ...]:
        return self.parsed.tokens

    def kids(self, i: int, *deps: str) -> list[Token]:
        return [t for t in self.children.get(i, ()) if not deps or t.dep in deps]

    def subtree(self, i: int) -> list[int]:
        out, todo = [], [i]
        while todo:
            j = todo.pop()
            out.append(j)
            todo.extend(t.i for t in self.children.get(j, ()))
        return sorted(out)

    def mention_span(self, i: int) -> tuple[int, int]:
        """Character span of the resolved mention that token i is part of."""
        first, last = self.mention_root[i]
        return self.tokens[first].idx, self.tokens[last - 1].idx + len(self.tokens[last - 1].text)

    def span_of(self, i: int) -> tuple[int, int]:
        """Character span of the noun phrase headed at token i (without relative clauses)."""
        keep = [i] + [j for t in self.kids(i, "compound", "amod", "det", "poss", "nummod", "case", "nmod",
                                            "flat", "appos") for j in self.subtree(t.i)]
        first, last = self.tokens[min(keep)], self.tokens[max(keep)]
        return first.idx, last.idx + len(last.text)


def _read_articles(parsed: Mapping[str, ParsedArticle], resolution: Resolution) -> list[_Article]:
    """Every article read, in id order."""
    return [_read_article(parsed[article_id], resolution.by_article.get(article_id, []), resolution.entities)
            for article_id in sorted(parsed)]


def _read_article(parsed: ParsedArticle, mentions: Sequence[EntityMention], entities: Mapping[str, Entity]
                  ) -> _Article:
    tokens = parsed.tokens
    children: dict[int, list[Token]] = defaultdict(list)
    for token in tokens:
        if token.head != token.i:
            children[token.head].append(token)
    entity_at: dict[int, str] = {}
    mention_root: dict[int, tuple[int, int]] = {}
    for mention in mentions:
        covered = list(parsed.token_range(mention.start, mention.end))
        if not covered:
            continue
        for i in covered:
            entity_at[i] = mention.entity_id
            mention_root[i] = (covered[0], covered[-1] + 1)
    dates_at: dict[int, tuple[int, int]] = {}
    for mention in parsed.mentions:
        if mention.label == "DATE":
            span = range(mention.first_token, mention.last_token)
            root = next((i for i in span if tokens[i].head not in span or tokens[i].head == i), span[0])
            dates_at[root] = (mention.start, mention.end)
    text = _full_text(parsed)
    spans = quote_spans(text)
    quoted = frozenset(i for start, end in spans for i in parsed.token_range(start, end))
    article = _Article(parsed=parsed, entities=entities, entity_at=entity_at, mention_root=mention_root,
                       dates_at=dates_at, children=children, text=text, quote_spans=spans, quoted=quoted)
    _Coreference(article).run()
    return article


class _Coreference:
    """Give every noun phrase head the people it refers to, reading the article front to back."""

    def __init__(self, article: _Article) -> None:
        self.a = article
        self.gender: dict[str, str] = {}
        self.people_here = self._people_of_article()
        self.surnames = self._surname_index()
        # Per sentence: (token, person, is_subject) in text order; and groups named together.
        self.named: dict[int, list[tuple[int, str, bool]]] = defaultdict(list)
        self.groups: dict[int, list[tuple[int, tuple[str, ...]]]] = defaultdict(list)

    def _people_of_article(self) -> list[str]:
        return sorted({e for e in self.a.entity_at.values() if self.a.entities[e].kind == EntityKind.PERSON})

    def _surname_index(self) -> dict[str, str]:
        """First or last name part -> the one person of the article it can mean (NER misses lone surnames)."""
        owners: dict[str, set[str]] = defaultdict(set)
        for person in self.people_here:
            parts = fold(self.a.entities[person].name).split()
            if len(parts) > 1:
                owners[parts[0]].add(person)
                owners[parts[-1]].add(person)
        return {part: next(iter(ps)) for part, ps in owners.items() if len(ps) == 1}

    def run(self) -> None:
        for sentence in self.a.parsed.sentences:
            for token in self.a.tokens[sentence.first_token:sentence.last_token]:
                people = self._refer(token)
                if people:
                    self.a.refers[token.i] = people
                    self._remember(token, people)
            self._remember_pairs(sentence.index, sentence.first_token, sentence.last_token)
        self.a.gender.update(self.gender)

    def _remember(self, token: Token, people: tuple[str, ...]) -> None:
        """Note who a phrase means, for later pronouns; a pronoun inside quotes speaks from the speaker's
        point of view ("his hands" in a woman's quote), so it teaches no gender and is no antecedent."""
        if token.pos == "PRON" and token.i in self.a.quoted:
            return
        persons = tuple(p for p in people if self.a.entities[p].kind == EntityKind.PERSON)
        if len(persons) == 1:
            self.named[token.sentence].append((token.i, persons[0], token.dep in SUBJECT_DEPS))
            pronoun = SINGULAR_PRONOUNS.get(token.text.lower())
            if pronoun and token.pos == "PRON":
                self.gender.setdefault(persons[0], pronoun)
        elif len(persons) > 1:
            self.groups[token.sentence].append((token.i, persons))

    def _remember_pairs(self, sentence: int, first: int, last: int) -> None:
        """ "Lee and Takaichi": people joined by "and" are a group later "they" can mean."""
        for token in self.a.tokens[first:last]:
            mine = self._person(token.i)
            if mine is None:
                continue
            joined = [self._person(t.i) for t in self.a.kids(token.i, "conj")]
            group = tuple(sorted({mine, *(p for p in joined if p)}))
            if len(group) > 1:
                self.groups[sentence].append((token.i, group))

    def _person(self, i: int) -> str | None:
        people = self.a.refers.get(i, ())
        return people[0] if len(people) == 1 and self.a.entities[people[0]].kind == EntityKind.PERSON else None

    def _refer(self, token: Token) -> tuple[str, ...]:
        a = self.a
        if token.i in a.entity_at:
            first, last = a.mention_root[token.i]
            root = next((i for i in range(first, last) if not first <= a.tokens[i].head < last
                         or a.tokens[i].head == i), last - 1)
            if token.i != root:
                return ()
            entity = a.entity_at[token.i]
            self._learn_honorific(first, entity)
            return (entity,)
        lower = token.text.lower()
        if token.pos == "PROPN" and fold(token.text) in self.surnames:
            person = self.surnames[fold(token.text)]
            self._learn_honorific(token.i, person)
            return (person,)
        if token.pos == "PRON" and lower in SINGULAR_PRONOUNS:
            found = self._antecedent(token, SINGULAR_PRONOUNS[lower])
            return (found,) if found else ()
        if token.pos == "PRON" and lower in PLURAL_PRONOUNS:
            return self._group(token)
        if token.pos in ("NOUN", "NUM") and self._is_group_noun(token):
            pair = {t.text.lower() for t in self.a.kids(token.i, "nummod", "det")} & {"two", "both"}
            return self._group(token, size=2 if pair or token.pos == "NUM" else None)
        if token.pos in ("NOUN", "PROPN") and token.tag in ("NN", "NNP"):
            found = self._office_holder(token)
            return (found,) if found else ()
        return ()

    def _learn_honorific(self, first: int, person: str) -> None:
        if first > 0 and (gender := HONORIFICS.get(self.a.tokens[first - 1].text.lower())):
            self.gender.setdefault(person, gender)

    def _antecedent(self, token: Token, gender: str) -> str | None:
        """The person a he/she/his/her means: a possessive before the clause's own subject ("At his meeting
        with X, Lee said") is that subject; otherwise the most recent compatible person, subjects first."""
        a = self.a
        co_arguments = self._co_arguments(token)
        if token.tag == "PRP$":
            clause = self._clause_of(token)
            for subject in a.kids(clause, *SUBJECT_DEPS):
                person = self._named_person(subject.i)
                if person and subject.i > token.i and self.gender.get(person, gender) == gender:
                    return person
        for sentence in range(token.sentence, max(-1, token.sentence - CONTEXT_SENTENCES - 1), -1):
            candidates = [(i, p, subject) for i, p, subject in self.named[sentence] if i < token.i]
            candidates.sort(key=lambda c: (not c[2], -c[0]))
            for _, person, _ in candidates:
                if self.gender.get(person, gender) == gender and person not in co_arguments:
                    return person
        return None

    def _named_person(self, i: int) -> str | None:
        a = self.a
        entity = a.entity_at.get(i)
        if entity is None and a.tokens[i].pos == "PROPN":
            entity = self.surnames.get(fold(a.tokens[i].text))
        return entity if entity and a.entities[entity].kind == EntityKind.PERSON else None

    def _clause_of(self, token: Token) -> int:
        """The nearest verb above a token."""
        i = token.i
        while self.a.tokens[i].pos not in ("VERB", "AUX") and self.a.tokens[i].head != i:
            i = self.a.tokens[i].head
        return i

    def _co_arguments(self, token: Token) -> set[str]:
        """People named as other arguments of the pronoun's own verb: "he met Ishiba" is not Ishiba
        (a possessive may be: "he recalled his visit")."""
        if token.tag == "PRP$":
            return set()
        clause = self._clause_of(token)
        found = set()
        for kid in self.a.kids(clause, "dobj", "nsubj", "nsubjpass", "dative", "attr"):
            if kid.i != token.i and (person := self._person(kid.i)):
                found.add(person)
        return found

    def _is_group_noun(self, token: Token) -> bool:
        """ "the two leaders", "the leaders", "both leaders", "the two"."""
        kids = {t.text.lower() for t in self.a.kids(token.i, "det", "nummod", "predet")}
        if token.pos == "NUM":
            return token.text.lower() == "two" and "the" in kids and token.dep in SUBJECT_DEPS | {"dobj", "pobj"}
        return (token.tag == "NNS" and token.lemma.lower() in GROUP_NOUNS
                and ("two" in kids or "both" in kids or ("the" in kids and not self._has_modifier_entity(token))))

    def _has_modifier_entity(self, token: Token) -> bool:
        """ "the Japanese leaders", "the leaders of the G20" name other people than the pair."""
        return (any(t.i in self.a.entity_at for t in self.a.kids(token.i, "amod", "compound"))
                or any(t.text.lower() == "of" for t in self.a.kids(token.i, "prep")))

    def _group(self, token: Token, size: int | None = None) -> tuple[str, ...]:
        """The people a plural refers to: the latest group named together, else a sentence naming two
        ("the two", "both leaders" want a group of two)."""
        for sentence in range(token.sentence, max(-1, token.sentence - CONTEXT_SENTENCES - 1), -1):
            groups = [g for i, g in self.groups[sentence] if i < token.i and (size is None or len(g) == size)]
            if groups:
                return groups[-1]
            people = sorted({p for i, p, _ in self.named[sentence] if i < token.i})
            if len(people) == 2:
                return tuple(people)
        return ()

    def _office_holder(self, token: Token) -> str | None:
        """ "the South Korean president" -> the one person of the article holding that office there."""
        a = self.a
        kids = a.kids(token.i, "det", "amod", "compound")
        if not any(t.text.lower() == "the" for t in kids):
            return None
        words = [t for t in kids if t.dep != "det"] + [token]
        words.sort(key=lambda t: t.i)
        country = next((a.entity_at[t.i] for t in words if t.i in a.entity_at
                        and a.entities[a.entity_at[t.i]].kind == EntityKind.COUNTRY), None)
        title_words = [t.text for t in words if t.i not in a.entity_at and t.pos != "PROPN" or t.i == token.i]
        for cut in range(len(title_words)):
            found = read_title(" ".join(title_words[cut:]))
            if found is None:
                continue
            holders = [p for p in self.people_here
                       if any(r.title == found[0] and not r.former and (country is None or r.country == country)
                              for r in a.entities[p].roles)]
            return holders[0] if len(holders) == 1 else None
        return None


# --- relations -------------------------------------------------------------------------------------------


def extract_statements(parsed: Mapping[str, ParsedArticle], resolution: Resolution,
                       dates: Mapping[str, dt.date | None]) -> tuple[list[Relation], list[Quote]]:
    """Relations and quotes together: each article's coreference is read once for both."""
    relations: list[Relation] = []
    quotes: list[Quote] = []
    for article in _read_articles(parsed, resolution):
        relations.extend(_RelationReader(article, dates.get(article.parsed.article_id)).relations())
        quotes.extend(_QuoteReader(article).quotes())
    return relations, quotes


def extract_relations(parsed: Mapping[str, ParsedArticle], resolution: Resolution,
                      dates: Mapping[str, dt.date | None]) -> list[Relation]:
    """Every meeting, visit, talks, call and agreement the articles state, one per telling sentence."""
    return [r for article in _read_articles(parsed, resolution)
            for r in _RelationReader(article, dates.get(article.parsed.article_id)).relations()]


@dataclass
class _Trigger:
    token: Token
    kind: RelationKind
    is_noun: bool


class _RelationReader:
    def __init__(self, article: _Article, anchor: dt.date | None) -> None:
        self.a = article
        self.anchor = anchor

    def relations(self) -> list[Relation]:
        out: list[Relation] = []
        places: dict[int, str] = {}  # trigger token -> place, for clauses below a visit that name none
        triggers = [t for t in (self._trigger(token) for token in self.a.tokens) if t is not None]
        for trigger in triggers:  # places first: a clause may take its place from the visit it hangs under
            place = self._place(trigger)
            if place:
                places[trigger.token.i] = place
        for trigger in triggers:
            relation = self._relation(trigger, places)
            if relation is not None:
                out.append(relation)
        return out

    def _trigger(self, token: Token) -> _Trigger | None:
        lemma, lower = token.lemma.lower(), token.text.lower()
        a = self.a
        if token.pos == "VERB" and lemma in VERB_KINDS:
            if lemma == "call" and (a.kids(token.i, "oprd", "ccomp", "prt") or not a.kids(token.i, "dobj")):
                return None  # "called on X to", "called for", "called it a mistake": only "called X" rings
            if lemma in ("talk", "speak"):  # "spoke with X", "talked to X by phone"; not "spoke at a rally"
                preps = {t.text.lower() for t in a.kids(token.i, "prep")}
                if not preps & {"with", "to"}:
                    return None
                by_phone = any(o.text.lower() in CALL_MARKERS for p in a.kids(token.i, "prep") for o in a.kids(p.i))
                return _Trigger(token, "call" if by_phone else "talks", False)
            if lemma == "agree" and not (a.kids(token.i, "xcomp") or any(
                    t.text.lower() in ("on", "upon") for t in a.kids(token.i, "prep"))):
                return None  # "agreed with X about the winner" shares an opinion; "agreed to", "agreed on" act
            return _Trigger(token, VERB_KINDS[lemma], False)
        if token.pos != "NOUN":
            return None
        key = "talks" if lower == "talks" else lemma
        if key == "talk" or key not in NOUN_KINDS and key not in AGREEMENT_NOUNS:
            return None
        if key in AGREEMENT_NOUNS:
            head = a.tokens[token.head]
            if not (token.dep == "dobj" and head.lemma.lower() in ("reach", "strike", "conclude", "sign", "seal")):
                return None
            return _Trigger(token, "agreement", True)
        if key in ("call", "conversation") and not ({t.text.lower() for t in a.kids(token.i, "compound", "amod")}
                                                     & CALL_MARKERS):
            if key == "conversation" or not any(t.text.lower() == "with" for t in a.kids(token.i, "prep")):
                return None
        if token.tag == "NNS" and key != "talks" and not self._definite(token):
            return None  # "regular meetings", "mutual visits": a habit, not a happening
        return _Trigger(token, NOUN_KINDS[key], True)

    def _definite(self, token: Token) -> bool:
        return any(t.dep == "poss" or t.text.lower() in ("the", "these", "those", "both") for t in
                   self.a.kids(token.i, "det", "poss"))

    # participants ------------------------------------------------------------------------------------

    def _np_people(self, i: int) -> list[str]:
        """The people (or countries) a noun phrase names, conjuncts included: "Lee and Takaichi"."""
        out = list(self.a.refers.get(i, ()))
        for conj in self.a.kids(i, "conj", "appos"):
            out.extend(self._np_people(conj.i))
        for modifier in self.a.kids(i, "nmod", "compound"):  # "X and Kenyan President Y" parsed as a modifier
            if self.a.kids(modifier.i, "cc"):
                out.extend(self._np_people(modifier.i))
        return out

    def _subjects(self, verb: Token) -> list[str]:
        """A verb's subjects, taken from the verb it is joined to or governed by when it has none of its
        own ("visited China and held talks", "are scheduled to visit", "aims to ... by hosting him")."""
        a = self.a
        current, steps = verb, 0
        while steps < 6:
            subjects = a.kids(current.i, "nsubj", "nsubjpass")
            if subjects:
                return [p for s in subjects for p in self._np_people(s.i)]
            if current.dep in ("conj", "xcomp", "pcomp", "advcl") or (current.dep == "pobj"):
                current = a.tokens[current.head]
                if current.pos == "ADP":
                    current = a.tokens[current.head]
                steps += 1
                continue
            return []
        return []

    def _participants(self, trigger: _Trigger) -> list[str]:
        a, token = self.a, trigger.token
        people: list[str] = []
        if not trigger.is_noun:
            people += self._subjects(token)
            for obj in a.kids(token.i, "dobj", "dative"):
                people += [p for p in self._np_people(obj.i) if self._is_person(p)
                           or trigger.kind != "visit"]
        else:
            for kid in a.kids(token.i, "poss", "compound", "nmod"):
                people += self._np_people(kid.i)
            head = a.tokens[token.head]
            if token.dep in ("dobj", "nsubjpass") and head.lemma.lower() in LIGHT_VERBS:
                people += self._subjects(head)
            elif (verb := self._scene_verb(token)) is not None:
                people += self._subjects(verb)
        spoken_to = not trigger.is_noun and token.lemma.lower() in ("talk", "speak")
        for prep in a.kids(token.i, "prep"):
            word = prep.text.lower()
            if (word in PARTICIPANT_PREPOSITIONS and (word != "by" or trigger.is_noun)) or (word == "to" and spoken_to):
                for obj in a.kids(prep.i, "pobj"):
                    people += self._np_people(obj.i)
        if not trigger.is_noun and token.dep == "conj" and not a.kids(token.i, "dobj"):
            people += self._participants(_Trigger(a.tokens[token.head], trigger.kind, False))
        return people

    def _scene_verb(self, noun: Token) -> Token | None:
        """The verb a happening is the scene of: "At the meeting, X said", "On the sidelines of the summit,
        X met Y", "At the start of the talks, X said"."""
        a, token = self.a, noun
        for _ in range(2):
            if token.dep != "pobj":
                return None
            prep = a.tokens[token.head]
            above = a.tokens[prep.head]
            if prep.text.lower() in SITUATION_PREPOSITIONS and above.pos in ("VERB", "AUX"):
                return above
            if prep.text.lower() != "of" or above.lemma.lower() not in SCENE_PARTS:
                return None
            token = above
        return None

    def _is_person(self, entity: str) -> bool:
        return self.a.entities[entity].kind == EntityKind.PERSON

    def _choose(self, people: Iterable[str]) -> tuple[str, ...]:
        """People if two or more took part, else whoever (people or countries) the clause names."""
        kinds = {EntityKind.PERSON, EntityKind.COUNTRY}
        named = sorted({p for p in people if self.a.entities[p].kind in kinds})
        persons = [p for p in named if self._is_person(p)]
        return tuple(persons) if len(persons) >= 2 else tuple(named)

    # place -------------------------------------------------------------------------------------------

    def _place(self, trigger: _Trigger) -> str | None:
        """The most specific place an "in"/"at" phrase below the trigger names (a visit's object too)."""
        a, token = self.a, trigger.token
        found: list[tuple[int, int, str]] = []  # (is country, depth, entity)
        starts: list[tuple[Token, int]] = []
        for prep in a.kids(token.i, "prep"):
            word = prep.text.lower()
            if word in PLACE_PREPOSITIONS or (word == "to" and trigger.kind == "visit"):
                starts += [(obj, 1) for obj in a.kids(prep.i, "pobj")]
        if trigger.kind == "visit":
            starts += [(obj, 1) for obj in a.kids(token.i, "dobj")]
        if not trigger.is_noun:  # "welcomed X in Paris": the parse often hangs the place on the guest
            for obj in a.kids(token.i, "dobj"):
                starts += [(o, 2) for p in a.kids(obj.i, "prep") if p.text.lower() in ("in", "at")
                           for o in a.kids(p.i, "pobj")]
        if not trigger.is_noun and token.dep == "conj" and not starts:
            return self._place(_Trigger(a.tokens[token.head], trigger.kind, False))
        seen = set()
        while starts:
            node, depth = starts.pop(0)
            if node.i in seen or depth > 5:
                continue
            seen.add(node.i)
            entity = a.entity_at.get(node.i)
            if entity and a.entities[entity].kind == EntityKind.PERSON or node.i in a.dates_at:
                continue
            if entity and a.entities[entity].kind in (EntityKind.PLACE, EntityKind.COUNTRY):
                found.append((a.entities[entity].kind == EntityKind.COUNTRY, depth, entity))
            for kid in a.kids(node.i, "compound", "appos", "pobj", "conj", "prep", "poss"):
                if kid.dep == "prep" and kid.text.lower() not in PLACE_PATH_PREPOSITIONS:
                    continue
                starts.append((kid, depth + 1))
        return min(found)[2] if found else None

    def _inherited_place(self, trigger: _Trigger, places: Mapping[int, str]) -> str | None:
        """ "his visit to Japan since August, when he met Ishiba": a clause inside a visit took place there."""
        a, i = self.a, trigger.token.i
        seen = set()
        while a.tokens[i].head != i and i not in seen:
            seen.add(i)
            i = a.tokens[i].head
            for candidate in [a.tokens[i], *a.kids(i, "attr", "nsubj", "dobj")]:
                if candidate.i != trigger.token.i and candidate.i in places:
                    if a.tokens[candidate.i].lemma.lower() in ("visit", "trip"):
                        return places[candidate.i]
        return None

    # date --------------------------------------------------------------------------------------------

    def _clause_heads(self, trigger: _Trigger) -> list[int]:
        """The trigger and the words that carry its clause: a light verb, a governing "scheduled to"."""
        a, token = self.a, trigger.token
        heads = [token.i]
        if trigger.is_noun:
            head = a.tokens[token.head]
            if token.dep in ("dobj", "nsubjpass", "nsubj") and head.lemma.lower() in LIGHT_VERBS | {"be"}:
                heads.append(head.i)
            elif (scene := self._scene_verb(token)) is not None:
                heads.append(scene.i)
            else:
                return heads
        current = self.a.tokens[heads[-1]]
        while current.dep in ("xcomp", "conj") and current.head != current.i:
            current = a.tokens[current.head]
            heads.append(current.i)
        return heads

    def _date(self, trigger: _Trigger, future: bool) -> DateRef | None:
        a = self.a
        heads = self._clause_heads(trigger)
        found: list[tuple[int, int, DateRef]] = []
        for root, (start, end) in sorted(a.dates_at.items()):
            if a.tokens[root].sentence != trigger.token.sentence:
                continue
            attached = self._attaches(root, heads)
            if attached is None:
                continue
            ref = self._resolve(_text(a, start, end), future)
            if ref is not None:
                found.append(({"day": 0, "month": 1, "year": 2}[ref.granularity], attached, ref))
        if not found:
            return self._when_date(trigger, future)
        return min(found, key=lambda f: (f[0], f[1]))[2]

    def _attaches(self, root: int, heads: Sequence[int]) -> int | None:
        """How many steps a DATE phrase climbs to one of the clause heads, or None when it belongs to
        another clause or another happening first."""
        a, i, steps = self.a, root, 0
        while steps < 6:
            if i in heads:
                return steps
            token = a.tokens[i]
            if token.head == i or (i != root and token.pos in ("VERB", "AUX")) or (
                    i != root and self._trigger(token) is not None) or token.text.lower() in NOT_THE_DATE:
                return None
            i, steps = token.head, steps + 1
        return None

    def _when_date(self, trigger: _Trigger, future: bool) -> DateRef | None:
        """ "since August, when he met Ishiba": the date a "when" clause hangs from, by parse or position."""
        a, token = self.a, trigger.token
        if trigger.is_noun:
            return None
        if token.dep == "relcl" and token.head in a.dates_at:
            start, end = a.dates_at[token.head]
            return self._resolve(_text(a, start, end), future)
        when = [t for t in a.kids(token.i, "advmod") if t.text.lower() == "when"]
        if not when:
            return None
        i = when[0].i - 1
        while i >= 0 and a.tokens[i].pos == "PUNCT":
            i -= 1
        for root, (start, end) in a.dates_at.items():
            if start <= a.tokens[i].idx < end:
                return self._resolve(_text(a, start, end), future)
        return None

    def _resolve(self, expression: str, future: bool) -> DateRef | None:
        if self.anchor is not None:
            return resolve_date(expression, self.anchor, future)
        year = re.search(r"\b(1[89]\d\d|2[01]\d\d)\b", expression)  # undated article: only absolute dates
        return resolve_date(expression, dt.date(int(year[1]), 1, 1), future) if year else None

    def _future(self, heads: Sequence[int]) -> bool:
        """Whether the clause looks ahead: "will meet", "is scheduled to visit", "is going to call", or a
        present tense under one ("will call on him when the two meet in June")."""
        a = self.a
        heads = list(heads)
        current = a.tokens[heads[-1]]
        while (current.tag in ("VBP", "VBZ", "VB") and current.dep in ("advcl", "ccomp", "conj", "xcomp")
               and current.head != current.i):
            current = a.tokens[current.head]
            heads.append(current.i)
        for i in heads:
            auxes = {t.text.lower() for t in a.kids(i, "aux", "auxpass")}
            if auxes & {"will", "shall", "'ll", "wo"} or a.tokens[i].lemma.lower() in FUTURE_GOVERNORS:
                return True
            if a.tokens[i].dep == "xcomp" and a.tokens[a.tokens[i].head].lemma.lower() == "go":
                return True  # "is going to visit"
        return False

    def _hypothetical(self, heads: Sequence[int]) -> bool:
        a = self.a
        for i in heads:
            kids = a.kids(i)
            if any(t.dep == "neg" or (t.dep == "det" and t.text.lower() == "no") for t in kids):
                return True
            if any(t.dep == "aux" and t.text.lower() in HYPOTHETICAL for t in kids):
                return True
            if any(t.dep == "mark" and t.text.lower() in ("if", "unless", "whether") for t in kids):
                return True
        return False

    def _background(self, trigger: _Trigger, heads: Sequence[int]) -> bool:
        """Whether the clause tells an earlier happening ("had met", "last met", "days after he visited",
        "since their encounter", "had faulted him for making the trip"), so the article's date does not
        stand in for its own."""
        a = self.a
        for i in heads:
            if any(t.text.lower() in PREVIOUS for t in a.kids(i, "amod")):
                return True
        i = trigger.token.i
        while True:
            token = a.tokens[i]
            kids = a.kids(i)
            if any(t.dep in ("mark", "advmod") and t.text.lower() in BACKGROUND_MARKS for t in kids):
                return True
            if any(t.dep == "aux" and t.lemma.lower() == "have" and t.tag == "VBD" for t in kids):
                return True
            if any(t.dep in ("advmod", "npadvmod") and t.text.lower() in PREVIOUSLY for t in kids):
                return True
            if token.dep in ("pobj", "pcomp") and a.tokens[token.head].text.lower() in BACKGROUND_MARKS:
                return True
            if token.dep in ("relcl", "acl"):
                return True
            if token.head == i:
                return False
            i = token.head

    def _tells_the_news(self, trigger: _Trigger, heads: Sequence[int]) -> bool:
        """Whether an undated mention is of the happening being reported: a verb, or a noun carried by a
        light verb ("held talks"), set as the scene ("At the meeting, X said") or in the present tense ("This
        is his first visit"); "he recalled his visit" is not."""
        a, token = self.a, trigger.token
        if not trigger.is_noun or len(heads) > 1:
            return True
        if self._scene_verb(token) is not None:
            return True
        head = a.tokens[token.head]
        return head.tag in ("VBZ", "VBP") or any(t.tag in ("VBZ", "VBP") for t in a.kids(head.i, "aux", "auxpass"))

    # the relation ------------------------------------------------------------------------------------

    def _relation(self, trigger: _Trigger, places: Mapping[int, str]) -> Relation | None:
        a, token = self.a, trigger.token
        if not trigger.is_noun and token.lemma.lower() in PERSON_OBJECT_VERBS:
            if not any(self._is_person(p) for o in a.kids(token.i, "dobj") for p in self._np_people(o.i)):
                return None
        heads = self._clause_heads(trigger)
        if self._hypothetical(heads):
            return None
        participants = self._choose(self._participants(trigger))
        place = places.get(token.i) or self._inherited_place(trigger, places)
        if place in participants:
            participants = tuple(p for p in participants if p != place)
        enough = 1 if trigger.kind == "visit" and place else 2
        if len(participants) < enough:
            return None
        future = self._future(heads)
        date = self._date(trigger, future)
        inferred = False
        if (date is None and not future and self.anchor is not None and not self._background(trigger, heads)
                and self._tells_the_news(trigger, heads)):
            date = DateRef(start=self.anchor, end=self.anchor, granularity="day", text="")
            inferred = True
        sentence = a.parsed.sentences[token.sentence]
        evidence = Evidence(article_id=a.parsed.article_id, sentence=sentence.index, text=sentence.text)
        return Relation(kind=trigger.kind, participants=participants, place=place, date=date, date_inferred=inferred,
                        article_id=a.parsed.article_id, sentence=sentence.index, text=sentence.text,
                        evidence=(evidence,))


def _text(article: _Article, start: int, end: int) -> str:
    """The words of a character span as written, spacing restored from the token offsets."""
    out, last_end = "", None
    for token in article.tokens:
        if start <= token.idx < end:
            if last_end is not None and token.idx > last_end:
                out += " "
            out += token.text
            last_end = token.idx + len(token.text)
    return out


# --- merging ---------------------------------------------------------------------------------------------


def merge_relations(relations: Iterable[Relation], entities: Mapping[str, Entity] | None = None) -> list[Relation]:
    """One relation per happening: the same meeting told by several sentences or articles becomes one, with
    every telling sentence kept in `evidence`. Tellings agree when they are of the same family (meeting,
    talks and visit are one), name the same participants, and their places and dates do not conflict (a
    city is within its country; a date the article's date stood in for is only an approximate one).
    `entities` lets a place be matched with the place that contains it."""
    entities = entities or {}
    ordered = sorted(relations, key=lambda r: (r.date is None, r.date_inferred, r.article_id, r.sentence, r.kind))
    dated: list[list[Relation]] = []
    undated: list[list[Relation]] = []
    for relation in ordered:
        fitting = [c for c in dated if all(_agree(relation, other, entities) for other in c)]
        if relation.date is not None:  # the first fitting happening: tellings are sorted stated dates first
            fitting[0].append(relation) if fitting else dated.append([relation])
        elif len(fitting) == 1:  # an undated telling joins a happening only when it can mean no other
            fitting[0].append(relation)
        else:
            loose = [c for c in undated if all(_agree(relation, other, entities) for other in c)]
            loose[0].append(relation) if loose else undated.append([relation])
    merged = [_combine(c, entities) for c in dated + undated]
    return sorted(merged, key=lambda r: (r.date.start if r.date else dt.date.max, r.kind, r.participants,
                                         r.place or "", r.article_id, r.sentence))


def _agree(one: Relation, other: Relation, entities: Mapping[str, Entity]) -> bool:
    return (FAMILY[one.kind] == FAMILY[other.kind] and one.participants == other.participants
            and _places_agree(one.place, other.place, entities) and _dates_agree(one, other))


def place_containers(place: str, entities: Mapping[str, Entity]) -> list[str]:
    """A place and the places and country that contain it, innermost first."""
    out, current = [], place
    while current and current not in out:
        out.append(current)
        entity = entities.get(current)
        current = entity.located_in or entity.country if entity else None
    return out


def _places_agree(one: str | None, other: str | None, entities: Mapping[str, Entity]) -> bool:
    if one is None or other is None:
        return True
    return one in place_containers(other, entities) or other in place_containers(one, entities)


def _window(relation: Relation) -> tuple[dt.date, dt.date] | None:
    if relation.date is None:
        return None
    if relation.date_inferred:
        return relation.date.start - dt.timedelta(days=INFERRED_DAYS_BEFORE), relation.date.end
    return relation.date.start, relation.date.end


def _dates_agree(one: Relation, other: Relation) -> bool:
    a, b = _window(one), _window(other)
    return a is None or b is None or (a[0] <= b[1] and b[0] <= a[1])


def _combine(cluster: Sequence[Relation], entities: Mapping[str, Entity]) -> Relation:
    """The tellings of one happening as one relation: its most specific place and date, its commonest kind."""
    kinds = Counter(r.kind for r in cluster)
    kind = min(kinds, key=lambda k: (-kinds[k], KIND_ORDER.index(k)))
    places = sorted({r.place for r in cluster if r.place})
    # the innermost place, then the most told; max() keeps the first (alphabetical) of equals
    place = max(places, key=lambda p: (len(place_containers(p, entities)), sum(r.place == p for r in cluster)),
                default=None)
    stated = [r.date for r in cluster if r.date is not None and not r.date_inferred]
    inferred = [r.date for r in cluster if r.date is not None and r.date_inferred]
    if stated:
        date = min(stated, key=lambda d: ((d.end - d.start).days, d.start, d.text))
    else:
        date = min(inferred, key=lambda d: d.start) if inferred else None
    evidence = tuple(sorted({e for r in cluster for e in r.evidence}, key=lambda e: (e.article_id, e.sentence)))
    lead = min(cluster, key=lambda r: (r.date is None or r.date_inferred, r.place is None, r.article_id, r.sentence))
    return lead.model_copy(update={"kind": kind, "place": place, "date": date, "date_inferred": not stated and bool(
        inferred), "evidence": evidence})


# --- quotes ----------------------------------------------------------------------------------------------

OPENING_QUOTES = {"“", "„"}
SIGNATURE = re.compile(r"[”\"]?[^\S\n]*[―—–][^\S\n]*")  # the closing mark, then a dash before a name
CLOSING_QUOTES = {"”"}
SPEAKER_LABEL = re.compile(r"([A-Z][A-Z'.-]*(?: [A-Z][A-Z'.-]+)*):\s+")  # a transcript's 'PENCE: Well, ...'
STRAIGHT_QUOTES = {'"'}


def extract_quotes(parsed: Mapping[str, ParsedArticle], resolution: Resolution) -> list[Quote]:
    """Every direct quote of the articles with who said it: the subject of its cue verb ("said", "told",
    "according to"), a quote running on from the one before, or the person the sentence before is about."""
    return [q for article in _read_articles(parsed, resolution) for q in _QuoteReader(article).quotes()]


def shown_quotes(quotes: Iterable[Quote]) -> list[Quote]:
    """The quotes a page shows, in the given order: those of SHOWN_QUOTE_WORDS words or more ("confident" is
    a word the writer chose to quote, not a statement), each once (a quote repeated word for word, or
    within a longer one the same speaker is shown saying, is left out)."""
    candidates = [(q, " ".join(re.findall(r"\w+", fold(q.text)))) for q in quotes]
    candidates = [(q, words) for q, words in candidates if len(words.split()) >= SHOWN_QUOTE_WORDS]
    kept: set[int] = set()
    for k, (quote, words) in sorted(enumerate(candidates), key=lambda c: (-len(c[1][1]), c[0])):
        if not any(quote.speaker == candidates[j][0].speaker and f" {words} " in f" {candidates[j][1]} "
                   for j in kept):
            kept.add(k)
    return [quote for k, (quote, _) in enumerate(candidates) if k in kept]


def quote_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the words between double quotes, curly or straight; a quote still open at the
    end of a paragraph ends there (wire copy reopens it on the next paragraph)."""
    spans = []
    offset = 0
    for paragraph in text.split("\n"):
        opened = None
        for i, char in enumerate(paragraph):
            straight = char in STRAIGHT_QUOTES
            # a closing mark typed for an opening one ('”Mr. Trump is ...”') opens a quote where none is open
            misturned = (char in CLOSING_QUOTES and opened is None and paragraph[i + 1:i + 2].isalnum()
                         and not paragraph[i - 1:i].strip())
            if char in OPENING_QUOTES or (straight and opened is None) or misturned:
                opened = i + 1
            elif (char in CLOSING_QUOTES or straight) and opened is not None:
                spans.append((offset + opened, offset + i))
                opened = None
        if opened is not None and paragraph[opened:].strip():
            spans.append((offset + opened, offset + len(paragraph.rstrip())))
        offset += len(paragraph) + 1
    return [(start, end) for start, end in spans if end > start]


def _full_text(parsed: ParsedArticle) -> str:
    """The article text rebuilt from token offsets (the parse keeps no raw text; whitespace is tokens)."""
    size = max((t.idx + len(t.text) for t in parsed.tokens), default=0)
    chars = [" "] * size
    for token in parsed.tokens:
        chars[token.idx:token.idx + len(token.text)] = token.text
    return "".join(chars)


class _QuoteReader:
    def __init__(self, article: _Article) -> None:
        self.a = article
        self.text, self.spans = article.text, article.quote_spans
        # tokens of times, dates and numbers ("5:45 p.m."), which a misparse may make a speech verb's subject
        self.numbers = {i for m in article.parsed.mentions if m.label in ("TIME", "DATE", "CARDINAL")
                        for i in range(m.first_token, m.last_token)}
        self.previous: Quote | None = None  # the quote read last, for "he added" and quotes running on

    def quotes(self) -> list[Quote]:
        a, text = self.a, self.text
        out: list[Quote] = []
        for start, end in self.spans:
            inside = [a.tokens[i] for i in a.parsed.token_range(start, end)]
            words = [t for t in inside if any(c.isalnum() for c in t.text)]
            if not words or self._is_title(words):
                continue
            quote = self._attribute(text, start, end, inside, short=len(words) < MIN_QUOTE_WORDS)
            if quote is not None:
                out.append(quote)
                self.previous = quote
        return out

    @staticmethod
    def _is_title(words: Sequence[Token]) -> bool:
        """ "The Art of the Deal": a capitalised name in quotes is a title, not speech."""
        return len(words) <= 8 and all(t.text[:1].isupper() or t.text.lower() in ("of", "the", "and", "a", "in")
                                       for t in words) and words[-1].text[:1].isupper()

    def _attribute(self, text: str, start: int, end: int, inside: Sequence[Token], short: bool) -> Quote | None:
        a, previous = self.a, self.previous
        while end > start and (text[end - 1].isspace() or text[end - 1] == ","):  # '"...," she said'
            end -= 1
        while start < end and text[start].isspace():
            start += 1
        label = SPEAKER_LABEL.match(text, start, end)
        if label is not None:
            return self._transcribed(label, end)
        words = text[start:end]
        first_sentence = inside[0].sentence
        sentence = a.parsed.sentences[first_sentence]
        cue, governs = self._cue(start, end, inside)
        if short and not governs:
            return None  # '"shuttle" diplomacy': a word in quotes is a coinage unless someone is said to say it
        if cue is not None:
            speaker, source = self._speaker(cue, (start, end))
            if source is None:
                return None  # a speech verb no one is said to speak with: who said it is not known
            cue_words = "according to" if cue.lemma.lower() == "accord" else cue.text
            return Quote(text=words, speaker=speaker, article_id=a.parsed.article_id, sentence=sentence.index,
                         cue=cue_words, start=start, end=end, source_span=source)
        signed = self._signed(end)
        if signed is not None:
            return Quote(text=words, speaker=signed[0], article_id=a.parsed.article_id, sentence=sentence.index,
                         cue="", start=start, end=end, source_span=signed[1])
        if not self._opens_sentence(start, sentence):
            return None  # a phrase in quotes without a cue is a coinage, not speech
        if previous is not None and previous.speaker and self._adjacent(previous, first_sentence):
            return Quote(text=words, speaker=previous.speaker, article_id=a.parsed.article_id,
                         sentence=sentence.index, cue="", start=start, end=end, source_span=previous.source_span)
        speaker = self._named_before(first_sentence, (start, end))
        if speaker is None:
            return None
        return Quote(text=words, speaker=speaker, article_id=a.parsed.article_id, sentence=sentence.index, cue="",
                     start=start, end=end)

    def _transcribed(self, label: re.Match[str], end: int) -> Quote | None:
        """A transcript's line is said by the person of the article its label names ('PENCE: ...' is Mike
        Pence); a label that names no one of the article ('Q:', 'CLARIFICATION:') gives no quote."""
        a = self.a
        name = fold(label.group(1))
        people = {e for e in a.entity_at.values() if a.entities[e].kind == EntityKind.PERSON
                  and name in (fold(a.entities[e].name), fold(a.entities[e].name).split()[-1])}
        if len(people) != 1 or label.end() >= end:
            return None
        sentence = a.tokens[a.parsed.token_range(label.end(), end)[0]].sentence
        return Quote(text=self.text[label.end():end], speaker=people.pop(), article_id=a.parsed.article_id,
                     sentence=sentence, cue="", start=label.end(), end=end, source_span=label.span(1))

    def _cue(self, start: int, end: int, inside: Sequence[Token]) -> tuple[Token | None, bool]:
        """The speech verb the quote hangs from, else the nearest one outside the quote in its sentences.

        Reported speech nests ("X said the ad "wrongfully" suggests ..."): of the cues above the quote the
        lowest one whose subject is a person wins, else the lowest one. Also says whether the cue governs
        the quote in the parse (rather than only standing near it).
        """
        a = self.a
        inside_ids = {t.i for t in inside}
        first = a.parsed.sentences[inside[0].sentence]
        last = a.parsed.sentences[inside[-1].sentence]
        following = a.parsed.sentences[last.index + 1] if last.index + 1 < len(a.parsed.sentences) else None
        between = self.text[end:following.start] if following is not None else "\n"
        if "\n" not in between and between.strip() in ("", *CLOSING_QUOTES, *STRAIGHT_QUOTES):
            last = following  # '..., where do we go?" Blige asked.' is split after the question mark
        outside = [t for t in a.tokens[first.first_token:last.last_token] if t.i not in inside_ids
                   and self._is_cue(t) and "\n" not in self.text[min(t.idx, end):max(t.idx, start)]]
        if not outside:
            return None, False
        above: list[Token] = []
        for token in inside:
            if token.head in inside_ids:
                continue
            i, climbed = token.i, 0
            while a.tokens[i].head != i and climbed < 4:
                came_from, i = a.tokens[i], a.tokens[i].head
                if i in inside_ids:
                    continue
                climbed += 1
                if "\n" in self.text[min(a.tokens[i].idx, end):max(a.tokens[i].idx, start)]:
                    break  # a verb across a paragraph break is another paragraph's, whatever the parse says
                if self._is_cue(a.tokens[i]):
                    above.append(a.tokens[i])
                elif came_from.i not in inside_ids and came_from.dep not in QUOTE_PATH_DEPS:
                    break
                if a.tokens[i].dep not in QUOTE_PATH_DEPS:
                    break
        if above:
            return next((cue for cue in above if self._speaker(cue, (start, end))[0] is not None), above[0]), True
        for token in outside:  # '"...," X said' parsed with "said" below the quote's own verb
            if token.head in inside_ids and token.dep in REPORTING_DEPS and token.sentence == inside[-1].sentence \
                    and token.idx >= end:
                return token, True
        quote_heads = {t.head for t in inside} | inside_ids
        for token in outside:  # "According to X, the deal "is within reach"": on the verb the quote is
            if token.lemma.lower() == "accord" and token.head in quote_heads:
                return token, True
        near = min(outside, key=lambda t: min(abs(t.i - min(inside_ids)), abs(t.i - max(inside_ids))))
        distance = min(abs(near.i - min(inside_ids)), abs(near.i - max(inside_ids)))
        return (near if distance <= 4 else None), False

    def _signed(self, end: int) -> tuple[str, tuple[int, int]] | None:
        """ '"...." ― Ana Ruiz': the person whose name follows the quote after a dash, and where it is."""
        after = SIGNATURE.match(self.text, end)
        if after is None:
            return None
        a = self.a
        token = next((a.tokens[i] for i in a.parsed.token_range(after.end(), after.end() + 1)), None)
        person = a.entity_at.get(token.i) if token is not None else None
        if person is None or a.entities[person].kind != EntityKind.PERSON:
            return None
        return person, a.mention_span(token.i)

    def _is_cue(self, token: Token) -> bool:
        lemma = token.lemma.lower()
        if lemma == "accord":
            return any(t.text.lower() == "to" for t in self.a.kids(token.i, "prep"))
        return token.pos == "VERB" and lemma in SPEECH_CUES

    def _speaker(self, cue: Token, quote: tuple[int, int]) -> tuple[str | None, tuple[int, int] | None]:
        """The person the cue's subject (or "according to" object) names, and where it is written.

        The speaker is the one the sentence says spoke, never someone the quote speaks of: a pronoun subject
        ("he added") is not taken to mean a person named only inside quotes."""
        a = self.a
        current = cue
        if cue.lemma.lower() == "accord":
            holders = [o for p in a.kids(cue.i, "prep") for o in a.kids(p.i, "pobj")]
        else:
            holders = []
            for _ in range(4):
                holders = a.kids(current.i, "nsubj", "nsubjpass") or [
                    o for p in a.kids(current.i, "agent") for o in a.kids(p.i, "pobj")]
                if holders or current.dep not in ("xcomp", "conj", "advcl") or current.head == current.i \
                        or self._quoted(a.tokens[current.head], quote):  # not into the quoted words
                    break
                current = a.tokens[current.head]
        if not holders:
            return self._named_next_to(cue, quote)
        holder = holders[0]
        if holder.text.lower() in RELATIVE_PRONOUNS and current.dep == "relcl":
            holder = a.tokens[current.head]  # "Smith, who said ...": the relative clause's noun
        source = a.span_of(holder.i)
        if self._quoted(holder, quote) or holder.i in self.numbers or TIME_OF_DAY.search(self.text[slice(*source)]):
            return None, None  # "5:45 p.m. ... is calling", or quoted words: no one who speaks
        if holder.lemma.lower() in DOCUMENT_NOUNS and holder.i not in a.entity_at:
            return None, None  # "the ad says": whose words they are is not said
        return self._person(holder, quote), source

    def _person(self, holder: Token, quote: tuple[int, int]) -> str | None:
        """The one person a speaker's words mean; for a pronoun, not one the quotes speak of."""
        a = self.a
        people = [p for p in a.refers.get(holder.i, ()) if a.entities[p].kind == EntityKind.PERSON]
        person = people[0] if len(people) == 1 else None
        if person is not None and holder.i not in a.entity_at and self._spoken_about(person, holder, quote):
            return self._pronoun_speaker(holder, quote)
        return person

    def _window(self, holder: Token) -> range:
        """The tokens a pronoun may look back over for its person."""
        first = self.a.parsed.sentences[max(0, holder.sentence - CONTEXT_SENTENCES)].first_token
        return range(first, holder.i)

    def _spoken_about(self, person: str, holder: Token, quote: tuple[int, int]) -> bool:
        """Whether a person the pronoun was taken to mean is named or referred to inside quotes close by:
        the quote speaks of them, and the pronoun is more likely its speaker."""
        a = self.a
        return any(person in a.refers.get(i, ()) and self._quoted(a.tokens[i], quote) for i in self._window(holder))

    def _pronoun_speaker(self, holder: Token, quote: tuple[int, int]) -> str | None:
        """Who a speaking "he"/"she" means, reading only the words outside quotes: the speaker of the quote
        just before ('"...," Smith said. "...," he added.'), else the person referred to last, subjects of a
        sentence first; never one whose known gender differs."""
        a = self.a
        gender = SINGULAR_PRONOUNS.get(holder.text.lower())

        def fits(person: str) -> bool:
            return a.entities[person].kind == EntityKind.PERSON and a.gender.get(person, gender) == gender

        previous = self.previous
        if previous is not None and previous.speaker and fits(previous.speaker) and self._adjacent(
                previous, holder.sentence):
            return previous.speaker
        window = self._window(holder)
        for sentence in range(holder.sentence, a.tokens[window.start].sentence - 1, -1):
            span = a.parsed.sentences[sentence]
            named = [(t.dep in SUBJECT_DEPS, t.i, a.refers[t.i][0]) for t in a.tokens[span.first_token:holder.i]
                     if t.sentence == sentence and len(a.refers.get(t.i, ())) == 1 and fits(a.refers[t.i][0])
                     and not self._quoted(t, quote)]
            if named:
                return max(named)[2]
        return None

    def _quoted(self, token: Token, quote: tuple[int, int]) -> bool:
        return quote[0] <= token.idx < quote[1] or token.i in self.a.quoted

    def _named_next_to(self, cue: Token, quote: tuple[int, int]) -> tuple[str | None, tuple[int, int] | None]:
        """ '"...," Police Chief Ann Ortiz said': a cue the parse gave no subject takes the one person named
        between the closing quote mark and the cue."""
        a = self.a
        sentence = a.parsed.sentences[cue.sentence]
        between = [t for t in a.tokens[sentence.first_token:cue.i] if t.idx >= quote[1] and not self._quoted(t, quote)]
        if not between or any(t.pos in ("VERB", "AUX") and t.i not in a.entity_at for t in between):
            return None, None
        people = {e for t in between for e in a.refers.get(t.i, ()) if a.entities[e].kind == EntityKind.PERSON}
        if len(people) != 1:
            return None, None
        person = people.pop()
        named = [t.i for t in between if a.entity_at.get(t.i) == person]
        if not named:
            return None, None
        return person, a.mention_span(named[0])

    def _adjacent(self, previous: Quote, sentence: int) -> bool:
        """Whether a quote follows straight on from the previous one: in the same or the next sentence, or
        the one after a sentence that only says who spoke ('"...?" he added. "..."')."""
        a = self.a
        last = a.tokens[a.parsed.token_range(previous.start, previous.end)[-1]].sentence
        between = a.parsed.sentences[last + 1:sentence]
        return len(between) <= 1 and all(
            any(self._is_cue(t) for t in a.tokens[b.first_token:b.last_token])
            and sum(t.text.isalpha() for t in a.tokens[b.first_token:b.last_token]) <= ATTRIBUTION_WORDS
            for b in between)

    def _opens_sentence(self, start: int, sentence) -> bool:
        """A quote that is the sentence: nothing but punctuation before it."""
        return not any(ch.isalnum() for ch in self.text[sentence.start:start])

    def _named_before(self, sentence: int, quote: tuple[int, int]) -> str | None:
        """The person the previous sentence is about: its main subject."""
        if sentence == 0:
            return None
        a = self.a
        before = a.parsed.sentences[sentence - 1]
        for token in a.tokens[before.first_token:before.last_token]:
            if token.dep in ("nsubj", "nsubjpass") and a.tokens[token.head].dep == "ROOT" and token.i not in a.quoted:
                person = self._person(token, quote)
                if person is not None:
                    return person
        return None
