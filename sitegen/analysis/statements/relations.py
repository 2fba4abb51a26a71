"""Who met whom, where and when: read from spaCy's dependency parse of one article.

A relation is anchored on a word of meeting ("met", "talks", "visited", "held talks with", "hosting",
"phone call", "agreed", "signed"); its participants are the people its subject, object and "with"/"between"
phrases name (after coreference, `coreference.py`), its place the place an "in"/"at" phrase below it names,
its date the DATE phrase attached to its clause, resolved against the article's date in the clause's tense.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ...nlp.models import ParsedArticle, Token
from ..dates import DateRef, resolve_date
from ..models import EntityKind
from ..resolve.models import Resolution
from .coreference import ReadArticle, read_articles
from .models import Evidence, Relation, RelationKind

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


def extract_relations(parsed: Mapping[str, ParsedArticle], resolution: Resolution,
                      dates: Mapping[str, dt.date | None]) -> list[Relation]:
    """Every meeting, visit, talks, call and agreement the articles state, one per telling sentence."""
    return [r for article in read_articles(parsed, resolution)
            for r in RelationReader(article, dates.get(article.parsed.article_id)).relations()]


@dataclass
class _Trigger:
    token: Token
    kind: RelationKind
    is_noun: bool


class RelationReader:
    def __init__(self, article: ReadArticle, anchor: dt.date | None) -> None:
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


def _text(article: ReadArticle, start: int, end: int) -> str:
    """The words of a character span as written, spacing restored from the token offsets."""
    out, last_end = "", None
    for token in article.tokens:
        if start <= token.idx < end:
            if last_end is not None and token.idx > last_end:
                out += " "
            out += token.text
            last_end = token.idx + len(token.text)
    return out
