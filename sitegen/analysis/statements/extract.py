"""The statements stage: what each article states, read from that article alone, gathered for the corpus.

`article_statements` is a function of one article's inputs only, so `StatementReader` caches it per article
(by the article's parse key, mentions, the entities they name and the date); merging the tellings of one
happening across articles is the separate step `meetings.merge_relations`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence

from ...nlp.models import ParsedArticle
from ...pipeline.fingerprint import code_version, fingerprint, model_texts
from ...pipeline.store import StageStore, stored
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


class StatementReader:
    """`article_statements` of any article for a date, read once per build (events read the relations against
    an anchor date, the digest the statements against the final date, which is nearly always the same) and
    taken from `store` when the same code read the same inputs before."""

    def __init__(self, parsed: Mapping[str, ParsedArticle], resolution: Resolution,
                 store: StageStore | None = None) -> None:
        self._parsed, self._resolution, self._store = parsed, resolution, store
        self._read: dict[tuple[str, dt.date | None], ArticleStatements] = {}

    def __call__(self, article_id: str, date: dt.date | None) -> ArticleStatements:
        if (found := self._read.get((article_id, date))) is not None:
            return found
        mentions = self._resolution.by_article.get(article_id, [])
        entities = {m.entity_id: self._resolution.entities[m.entity_id] for m in mentions}
        compute = functools.partial(article_statements, self._parsed[article_id], mentions, entities, date)
        if self._store is None:
            found = compute()
        else:
            key = fingerprint(code_version(__name__), self._store.parses[article_id], article_id, date,
                              model_texts(*mentions), model_texts(*entities.values()))
            found = stored(self._store.cache, STATEMENTS, key, ArticleStatements, compute)
        self._read[(article_id, date)] = found
        return found


def extract_statements(read: StatementReader, dates: Mapping[str, dt.date | None]
                       ) -> tuple[list[Relation], list[Quote]]:
    """The relations and quotes of the articles `dates` holds, each read against its date, in id order."""
    relations: list[Relation] = []
    quotes: list[Quote] = []
    for article_id in sorted(dates):
        statements = read(article_id, dates[article_id])
        relations.extend(statements.relations)
        quotes.extend(statements.quotes)
    return relations, quotes
