"""URL slugs that can never leave the output folder: ASCII letters, digits and single hyphens only."""

from __future__ import annotations

import hashlib

from slugify import slugify as _slugify

MAX_SLUG = 80


def slugify(text: str) -> str:
    """A readable, safe path segment; text with nothing transliterable gets a short hash instead."""
    slug = _slugify(text, max_length=MAX_SLUG, word_boundary=True, lowercase=True)
    return slug or "x-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
