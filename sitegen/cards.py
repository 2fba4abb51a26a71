"""Curated entity cards: what an editor wrote under `content/entities/`, read and checked.

A card is Markdown with YAML front matter (name, kind, aliases, country, located_in, roles) and free text.
Cards win over everything extracted, and their names and aliases also teach the NER (an EntityRuler runs
ahead of it), so an editor can fix a name the statistical model keeps getting wrong.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import quote

import frontmatter
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .ingest import content_files, front_matter_error, invalid_field
from .models import KIND_FOLDERS, Diagnostic, EntityKind
from .slugs import slugify

RULER_LABELS = {
    EntityKind.PERSON: "PERSON",
    EntityKind.COUNTRY: "GPE",
    EntityKind.PLACE: "GPE",
    EntityKind.ORGANIZATION: "ORG",
}


class CardRole(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str
    country: str | None = None  # a country name as news writes it
    since: str | dt.date | None = None
    until: str | dt.date | None = None
    former: bool = False


class CuratedCard(BaseModel):
    """The front matter and text of one card file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    name: str = Field(min_length=1)
    kind: EntityKind
    aliases: tuple[str, ...] = ()
    country: str | None = None
    located_in: str | None = None
    place_kind: str | None = None  # city, region or landmark
    roles: tuple[CardRole, ...] = ()
    text: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def read_cards(content_dir: Path) -> tuple[list[CuratedCard], list[Diagnostic]]:
    """Every valid card under `content_dir/entities`, sorted by path; a broken card is a diagnostic."""
    cards: list[CuratedCard] = []
    problems: list[Diagnostic] = []
    for path, rel in content_files(content_dir / "entities", content_dir):
        if path.suffix.lower() not in {".md", ".markdown"}:
            problems.append(Diagnostic(path=rel, line=1, message="a card must be a Markdown file (.md)",
                                       hint="rename it or move it out of content/entities/"))
            continue
        card, problem = parse_card(path.read_bytes(), rel)
        if problem is not None:
            problems.append(problem)
        if card is not None:
            cards.append(card)
    return cards, problems


def parse_card(raw: bytes, rel: str) -> tuple[CuratedCard | None, Diagnostic | None]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, Diagnostic(path=rel, line=raw[: exc.start].count(b"\n") + 1, message="not UTF-8 text",
                                hint="save the card as UTF-8")
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        return None, front_matter_error(exc, rel, "fix the YAML between the '---' lines; the card is ignored until then")
    meta = dict(post.metadata)
    if isinstance(meta.get("aliases"), str):
        meta["aliases"] = [meta["aliases"]]
    try:
        card = CuratedCard.model_validate({**meta, "path": rel, "text": post.content.strip()})
    except ValidationError as exc:
        return None, invalid_field(exc, text, rel, "card",
                                   "kind is one of person, country, place, organization; name is required")
    return card, None


def ruler_patterns(cards: list[CuratedCard]) -> list[dict[str, str]]:
    """EntityRuler phrase patterns for the names and aliases of every card, in a fixed order.

    A person's one-word alias ("Takaichi") is left to resolution: as a pattern it would claim the surname
    inside "Sanae Takaichi" before the NER could see the full name.
    """
    patterns = {("FAC" if card.place_kind == "landmark" else RULER_LABELS[card.kind], name)
                for card in cards for name in card.names
                if name.strip() and (card.kind != EntityKind.PERSON or len(name.split()) > 1)}
    return [{"label": label, "pattern": name} for label, name in sorted(patterns)]


# --- generated cards: what the build knows of each entity, event and relation, as Markdown ---------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>&#|~!])")


def md_escape(text: str) -> str:
    """Text from an article, safe to put inline in Markdown: it can open no link, emphasis or HTML."""
    return md_escape_keep_spaces(" ".join(str(text).split()))


def md_url(url: str) -> str:
    """An http(s) address as a Markdown link destination: characters that would end or break it (spaces,
    brackets, angle brackets, backslashes) percent-encoded."""
    return quote(url, safe=":/?#[]@!$&'*+,;=%~")


def front_matter(data: dict) -> str:
    """YAML between '---' lines, keys in the given order, so cards diff cleanly between builds."""
    return "---\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000) + "---\n"


def linked_text(text: str, start: int, mentions: list[tuple[int, int, str]]) -> str:
    """`text` (found at `start` in its article) as Markdown, every entity it names linked to its page.

    `mentions` are (start, end, href) in article offsets, sorted; overlapping or outside ones are skipped.
    """
    out, cursor = [], 0
    for m_start, m_end, href in mentions:
        begin, end = m_start - start, m_end - start
        if begin < cursor or end > len(text) or begin < 0:
            continue
        out.append(md_escape_keep_spaces(text[cursor:begin]))
        out.append(f"[{md_escape_keep_spaces(text[begin:end])}]({href})")
        cursor = end
    out.append(md_escape_keep_spaces(text[cursor:]))
    return "".join(out).strip()


def md_escape_keep_spaces(text: str) -> str:
    """`md_escape` that keeps runs of spaces, so offsets into the text still line up."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text.replace("\n", " "))


# --- new curated cards ----------------------------------------------------------------------------------

def card_skeleton(name: str, kind: EntityKind, known: dict | None) -> str:
    """A curated card to start from: what the build knows (aliases, country, roles, where it is) filled in,
    and a line of text for the editor to replace."""
    data: dict = {"name": name, "kind": kind.value}
    known = known or {}
    for key in ("aliases", "country", "located_in", "place_kind", "roles"):
        if known.get(key):
            data[key] = known[key]
    text = "Write what readers should know about this {kind} here; it appears on its page.".format(kind=kind.value)
    return front_matter(data) + "\n" + text + "\n"


def write_new_card(content_dir: Path, kind: EntityKind, name: str, text: str) -> Path:
    """Create `content/entities/<kind folder>/<slug>.md`; an existing file is never touched."""
    path = content_dir / "entities" / KIND_FOLDERS[kind] / f"{slugify(name)}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:  # "x": fails if the file exists
        handle.write(text)
    return path
