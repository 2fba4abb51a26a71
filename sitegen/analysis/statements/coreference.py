"""Reading one article: its entities placed on tokens, its quotations, and what each noun phrase refers to.

News names people once and then says "he", "the two leaders" or "the South Korean president", so a light
coreference pass runs first: every noun phrase gets the people it refers to, from names, surnames the NER
missed, pronouns (the most recent compatible person, genders learnt from "Mr."/"Ms." and from earlier
pronouns), plural references (the pair of people most recently named together) and titles ("the Japanese
prime minister" -> the one person of the article holding that office).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ...nlp.models import ParsedArticle, Token
from ..models import Entity, EntityKind, EntityMention
from ..resolve.models import Resolution
from ..resolve.names import GENDERED_HONORIFICS, fold, read_title

CONTEXT_SENTENCES = 3  # how far back a pronoun or "the two leaders" looks for its people
SINGULAR_PRONOUNS = {"he": "m", "him": "m", "his": "m", "himself": "m",
                     "she": "f", "her": "f", "hers": "f", "herself": "f"}
PLURAL_PRONOUNS = {"they", "them", "their", "theirs", "themselves"}
GROUP_NOUNS = {"leader", "man", "woman", "president", "premier", "minister", "official", "counterpart",
               "head", "side", "pair"}
SUBJECT_DEPS = {"nsubj", "nsubjpass", "csubj"}
OPENING_QUOTES = {"“", "„"}
CLOSING_QUOTES = {"”"}
STRAIGHT_QUOTES = {'"'}


@dataclass
class ReadArticle:
    """One parsed article with its entities placed on tokens and its references resolved."""

    parsed: ParsedArticle
    entities: Mapping[str, Entity]
    entity_at: dict[int, str]  # token -> entity id, for tokens inside a resolved mention
    mention_root: dict[int, tuple[int, int]]  # token -> (first, last) of the mention it belongs to
    dates_at: dict[int, tuple[int, int]]  # root token of a DATE mention -> its character span
    children: dict[int, list[Token]]
    text: str  # rebuilt from the tokens (`full_text`)
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


def read_articles(parsed: Mapping[str, ParsedArticle], resolution: Resolution) -> list[ReadArticle]:
    """Every article read, in id order."""
    return [read_article(parsed[article_id], resolution.by_article.get(article_id, []), resolution.entities)
            for article_id in sorted(parsed)]


def children_of(tokens: Iterable[Token]) -> dict[int, list[Token]]:
    """Token index -> the tokens the parse hangs below it, in text order."""
    children: dict[int, list[Token]] = defaultdict(list)
    for token in tokens:
        if token.head != token.i:
            children[token.head].append(token)
    return children


def read_article(parsed: ParsedArticle, mentions: Sequence[EntityMention], entities: Mapping[str, Entity]
                 ) -> ReadArticle:
    tokens = parsed.tokens
    children = children_of(tokens)
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
    text = full_text(parsed)
    spans = quote_spans(text)
    quoted = frozenset(i for start, end in spans for i in parsed.token_range(start, end))
    article = ReadArticle(parsed=parsed, entities=entities, entity_at=entity_at, mention_root=mention_root,
                          dates_at=dates_at, children=children, text=text, quote_spans=spans, quoted=quoted)
    _Coreference(article).run()
    return article


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


def full_text(parsed: ParsedArticle) -> str:
    """The article text rebuilt from token offsets (the parse keeps no raw text; whitespace is tokens)."""
    size = max((t.idx + len(t.text) for t in parsed.tokens), default=0)
    chars = [" "] * size
    for token in parsed.tokens:
        chars[token.idx:token.idx + len(token.text)] = token.text
    return "".join(chars)


class _Coreference:
    """Give every noun phrase head the people it refers to, reading the article front to back."""

    def __init__(self, article: ReadArticle) -> None:
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
        if first > 0 and (gender := GENDERED_HONORIFICS.get(self.a.tokens[first - 1].text.lower().removesuffix("."))):
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
