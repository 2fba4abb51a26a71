"""What the content stage hands on: articles as the editor filed them."""

from __future__ import annotations

import datetime as dt

from ..contract import Frozen


class Article(Frozen):
    """One news story as the editor filed it, with its wire furniture separated from the story."""

    id: str
    path: str  # relative to the content folder, with forward slashes
    title: str
    text: str  # the story alone: no date marker, dateline or byline
    date: dt.date | None = None
    date_inferred: bool = False  # True when the date was taken from the event the article joined
    source: str | None = None
    url: str | None = None
    authors: tuple[str, ...] = ()
    dateline: str | None = None  # "TOKYO": where the story was filed, not where the event happened
    stance: str | None = None  # the outlet's leaning from the front matter: left, center or right
    content_hash: str  # of the raw file bytes

