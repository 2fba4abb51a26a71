"""Who said what: the direct quotes of one article with their speakers, and the quotes a page shows."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from ...nlp.models import ParsedArticle, Token
from ..models import EntityKind
from ..resolve.models import Resolution
from ..resolve.names import fold
from .coreference import (CLOSING_QUOTES, CONTEXT_SENTENCES, SINGULAR_PRONOUNS, STRAIGHT_QUOTES, SUBJECT_DEPS,
                          ReadArticle, read_articles)
from .models import Quote

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
ATTRIBUTION_WORDS = 8  # a sentence of at most this many words with a speech verb only says who spoke
RELATIVE_PRONOUNS = {"who", "that", "which"}
# Things written or broadcast: the subject of "the ad says "..."" quotes someone else, it is no speaker.
DOCUMENT_NOUNS = {"ad", "advertisement", "spot", "commercial", "clip", "video", "letter", "memo", "email", "e-mail",
                  "document", "report", "statement", "release", "brief", "filing", "comment", "remark", "tweet",
                  "post", "message", "note", "book", "article", "story", "column", "editorial", "headline",
                  "page", "website", "site", "poster", "sign", "banner", "caption", "transcript", "ruling"}
TIME_OF_DAY = re.compile(r"\b\d{1,2}(?::\d{2})?\s*[ap]\.?m\b", re.IGNORECASE)  # "5:45 p.m." heads no clause
# Links a cue hangs below a quote's verb by when the parse makes the quote the main clause.
REPORTING_DEPS = {"conj", "parataxis", "ccomp", "advcl", "dep"}
SIGNATURE = re.compile(r"[”\"]?[^\S\n]*[―—–][^\S\n]*")  # the closing mark, then a dash before a name
SPEAKER_LABEL = re.compile(r"([A-Z][A-Z'.-]*(?: [A-Z][A-Z'.-]+)*):\s+")  # a transcript's 'PENCE: Well, ...'


def extract_quotes(parsed: Mapping[str, ParsedArticle], resolution: Resolution) -> list[Quote]:
    """Every direct quote of the articles with who said it: the subject of its cue verb ("said", "told",
    "according to"), a quote running on from the one before, or the person the sentence before is about."""
    return [q for article in read_articles(parsed, resolution) for q in QuoteReader(article).quotes()]


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


class QuoteReader:
    def __init__(self, article: ReadArticle) -> None:
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
