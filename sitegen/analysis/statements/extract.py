"""The statements stage: what each article states, read from that article alone, gathered for the corpus.

`article_statements` is a function of one article's inputs only, so its result can be cached per article;
merging the tellings of one happening across articles is the separate step `meetings.merge_relations`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from ...nlp.models import ParsedArticle
from ..models import Entity, EntityMention
from ..resolve.models import Resolution
from .coreference import read_article
from .models import ArticleStatements, Quote, Relation
from .quotes import QuoteReader
from .relations import RelationReader


def article_statements(parsed: ParsedArticle, mentions: Sequence[EntityMention], entities: Mapping[str, Entity],
                       date: dt.date | None) -> ArticleStatements:
    """One article's relations and quotes, from its parse, its resolved mentions (in reading order), the
    entities they point to and its date; its coreference is read once for both."""
    article = read_article(parsed, mentions, entities)
    return ArticleStatements(relations=tuple(RelationReader(article, date).relations()),
                             quotes=tuple(QuoteReader(article).quotes()))


def extract_statements(parsed: Mapping[str, ParsedArticle], resolution: Resolution,
                       dates: Mapping[str, dt.date | None]) -> tuple[list[Relation], list[Quote]]:
    """Every article's relations and quotes, articles in id order."""
    relations: list[Relation] = []
    quotes: list[Quote] = []
    for article_id in sorted(parsed):
        mentions = resolution.by_article.get(article_id, [])
        entities = {m.entity_id: resolution.entities[m.entity_id] for m in mentions}
        statements = article_statements(parsed[article_id], mentions, entities, dates.get(article_id))
        relations.extend(statements.relations)
        quotes.extend(statements.quotes)
    return relations, quotes
