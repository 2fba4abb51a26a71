"""What the resolve stage hands on: every entity, and every mention resolved to one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import cached_property

from ...contract import Frozen
from ..models import Entity, EntityMention


class Resolution(Frozen):
    entities: dict[str, Entity]
    mentions: tuple[EntityMention, ...]

    @cached_property
    def by_article(self) -> dict[str, list[EntityMention]]:
        """Article id -> its mentions in reading order: the stages after this one ask per article."""
        by_article: dict[str, list[EntityMention]] = defaultdict(list)
        for mention in sorted(self.mentions, key=lambda m: (m.article_id, m.start, m.end)):
            by_article[mention.article_id].append(mention)
        return dict(by_article)


def mentions_by_sentence(mentions: Iterable[EntityMention]) -> dict[tuple[str, int], list[EntityMention]]:
    """(article, sentence) -> its mentions in reading order, sentences in order too."""
    groups: dict[tuple[str, int], list[EntityMention]] = defaultdict(list)
    for mention in mentions:
        groups[(mention.article_id, mention.sentence)].append(mention)
    return {key: sorted(group, key=lambda m: (m.start, m.end)) for key, group in sorted(groups.items())}
