"""What the NLP stage hands on: an article's sentences, tokens and named-entity mentions."""

from __future__ import annotations

from bisect import bisect_left
from functools import cached_property
from typing import NamedTuple

from ..contract import Frozen


class Mention(Frozen):
    """A span of an article that names an entity, before resolution."""

    article_id: str
    text: str
    label: str  # spaCy label (PERSON, GPE, ...) or the rule that found it
    start: int  # character offsets into Article.text
    end: int
    sentence: int
    first_token: int
    last_token: int  # exclusive


class Sentence(Frozen):
    article_id: str
    index: int
    text: str
    start: int
    end: int
    first_token: int
    last_token: int  # exclusive


class Token(NamedTuple):
    """What later stages need of spaCy's analysis of one token, so only the nlp stage imports spaCy.

    A named tuple, not a model: an article has hundreds, and a build loads a thousand articles' worth from
    the cache, whose entries are validated column by column instead (parse.py)."""

    i: int
    text: str
    idx: int  # character offset into Article.text
    lemma: str
    pos: str
    tag: str
    dep: str
    head: int
    sentence: int


class ParsedArticle(Frozen):
    """The cached result of running the pipeline over one article."""

    article_id: str
    model: str  # "name@version", part of the cache key too
    sentences: tuple[Sentence, ...]
    tokens: tuple[Token, ...]
    mentions: tuple[Mention, ...]

    @cached_property
    def _offsets(self) -> list[int]:
        return [t.idx for t in self.tokens]

    def token_range(self, start: int, end: int) -> range:
        """Indices of the tokens that begin between two character offsets (by bisection: this runs per mention)."""
        return range(bisect_left(self._offsets, start), bisect_left(self._offsets, end))

    def token_span(self, start: int, end: int) -> tuple[Token, ...]:
        found = self.token_range(start, end)
        return self.tokens[found.start:found.stop]

    def tokens_text(self, start: int, end: int) -> str:
        """The words between two character offsets, joined by single spaces ("'s" kept apart)."""
        return " ".join(t.text for t in self.token_span(start, end))

