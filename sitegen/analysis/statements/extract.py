"""The statements stage: what each article states, read from that article alone, gathered for the corpus.

`article_statements` is a function of one article's inputs only, so `StatementReader` caches it per article
(by the article's parse key, mentions, the entities they name and the date); merging the tellings of one
happening across articles is the separate step `meetings.merge_relations`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence

from ...nlp.models import ParsedArticle
from ...pipeline.executor import Executor, LocalExecutor
from ...pipeline.fingerprint import code_version
from ...pipeline.store import StageStore, cache_key, stored_each
from ..models import Entity, EntityMention
from ..resolve.models import Resolution
from .coreference import read_article
from .models import ArticleStatements, Quote, Relation
from .quotes import QuoteReader
from .relations import RelationReader

STATEMENTS = "statements"  # the store's namespace for one article's statements


def article_statements(parsed: ParsedArticle, mentions: Sequence[EntityMention], entities: Mapping[str, Entity],
                       date: dt.date | None) -> ArticleStatements:
    """One article's relations and quotes, from its parse, its resolved mentions (in reading order), the
    entities they point to and its date; its coreference is read once for both."""
    article = read_article(parsed, mentions, entities)
    return ArticleStatements(relations=tuple(RelationReader(article, date).relations()),
                             quotes=tuple(QuoteReader(article).quotes()))


ARTICLES_PER_PROCESS = 200  # articles (about a millisecond each) that repay a forked process of their own


class StatementReader:
    """`article_statements` of articles for dates, each read once per build (events read the relations against
    an anchor date, the digest the statements against the final date, which is nearly always the same), taken
    from `store` when the same code read the same inputs before, the others read as tasks on `executor` (by
    default the machine's cores; the build's Dask cluster when it has one)."""

    def __init__(self, parsed: Mapping[str, ParsedArticle], resolution: Resolution,
                 store: StageStore | None = None, executor: Executor = LocalExecutor()) -> None:
        self._parsed, self._resolution, self._store = parsed, resolution, store
        self._executor = executor.on_cores(ARTICLES_PER_PROCESS)
        self._read: dict[tuple[str, dt.date | None], ArticleStatements] = {}

    def __call__(self, wanted: Mapping[str, dt.date | None]) -> dict[str, ArticleStatements]:
        """The statements of each article id in `wanted`, read against the date it maps to."""
        todo = [(article_id, date) for article_id, date in wanted.items() if (article_id, date) not in self._read]
        store = self._store
        keys = [self._key(store, article_id, date) if store is not None else "" for article_id, date in todo]
        found = stored_each(store.cache if store is not None else None, STATEMENTS, keys, ArticleStatements,
                            lambda missing: self._executor.map(
                                read_statements, [todo[index] for index in missing], self._parsed,
                                self._resolution))
        self._read.update(zip(todo, found))
        return {article_id: self._read[(article_id, date)] for article_id, date in wanted.items()}

    def _key(self, store: StageStore, article_id: str, date: dt.date | None) -> str:
        """The parse key, id, date, mentions and entities, hashed as the texts they are (`fingerprint` would
        spell each text out as JSON again: a tenth of a second a build); the type name that begins each model's
        text tells a mention from an entity."""
        resolution = self._resolution
        return cache_key(code_version(__name__), store.parses[article_id], article_id, str(date),
                         resolution.mention_texts.get(article_id, ""),
                         *(resolution.entity_texts[e] for e in _inputs(resolution, article_id)[1]))


def _inputs(resolution: Resolution, article_id: str) -> tuple[list[EntityMention], dict[str, Entity]]:
    """An article's resolved mentions and the entities they name: what its statements read of the resolution."""
    mentions = resolution.by_article.get(article_id, [])
    return mentions, {m.entity_id: resolution.entities[m.entity_id] for m in mentions}


def read_statements(batch: Sequence[tuple[str, dt.date | None]], parsed: Mapping[str, ParsedArticle],
                    resolution: Resolution) -> Iterator[ArticleStatements]:
    """The executor's task: `article_statements` of each (article id, date) of a batch."""
    for article_id, date in batch:
        yield article_statements(parsed[article_id], *_inputs(resolution, article_id), date)


def extract_statements(read: StatementReader, dates: Mapping[str, dt.date | None]
                       ) -> tuple[list[Relation], list[Quote]]:
    """The relations and quotes of the articles `dates` holds, each read against its date, in id order."""
    statements = read(dates)
    relations: list[Relation] = []
    quotes: list[Quote] = []
    for article_id in sorted(dates):
        relations.extend(statements[article_id].relations)
        quotes.extend(statements[article_id].quotes)
    return relations, quotes
