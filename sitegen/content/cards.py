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

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..analysis.models import KIND_FOLDERS, EntityKind
from ..contract import Diagnostic
from .files import decode_text, read_content
from .frontmatter import front_matter_line, invalid_field, split_front_matter, value_line
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
    """Every valid card under `content_dir/entities`, sorted by path; a broken card is a diagnostic, and so
    is each contradiction between cards (see `check_cards`)."""
    cards: list[CuratedCard] = []
    texts: dict[str, str] = {}
    files, problems = read_content(content_dir / "entities", content_dir)
    for path, rel, raw in files:
        if path.suffix.lower() not in {".md", ".markdown"}:
            problems.append(Diagnostic(path=rel, line=1, message="a card must be a Markdown file (.md)",
                                       hint="rename it or move it out of content/entities/"))
            continue
        card, card_problems = parse_card(raw, rel)
        problems.extend(card_problems)
        if card is not None:
            cards.append(card)
            texts[rel] = raw.decode("utf-8-sig", errors="replace")
    cards, contradictions = check_cards(cards, texts)
    return cards, problems + contradictions


def parse_card(raw: bytes, rel: str) -> tuple[CuratedCard | None, list[Diagnostic]]:
    text, problems = decode_text(raw, rel)
    if text is None:
        return None, problems
    hint = "fix the YAML between the '---' lines; the card is ignored until then"
    meta, body, more = split_front_matter(text, rel, hint)
    if meta is None:
        return None, problems + more
    if isinstance(meta.get("aliases"), str):
        meta["aliases"] = [meta["aliases"]]
    try:
        card = CuratedCard.model_validate({**meta, "path": rel, "text": body.strip()})
    except ValidationError as exc:
        return None, problems + [invalid_field(exc, text, rel, "card",
                                               "kind is one of person, country, place, organization; name is required")]
    return card, problems


def check_cards(cards: list[CuratedCard], texts: dict[str, str]) -> tuple[list[CuratedCard], list[Diagnostic]]:
    """Cards that contradict each other, made consistent by saying less, each change a warning: a second card
    for a name is ignored; an alias another card claims, or that is a common word, is dropped; places that
    lie in each other lose `located_in`."""
    from ..analysis.resolve.names import clean_name, fold
    from ..nlp.parse import common_words

    def key(name: str) -> str:
        return fold(clean_name(name))

    problems: list[Diagnostic] = []
    owners: dict[str, CuratedCard] = {}
    kept: list[CuratedCard] = []
    for card in cards:
        if (first := owners.get(key(card.name))) is not None and key(first.name) == key(card.name):
            problems.append(Diagnostic(path=card.path, line=front_matter_line(texts[card.path], "name"),
                                       message=f"a second card for {card.name!r}; this one is ignored",
                                       hint=f"merge it into {first.path}"))
            continue
        owners[key(card.name)] = card
        kept.append(card)
    common = common_words()
    checked: list[CuratedCard] = []
    for card in kept:
        aliases = []
        for alias in card.aliases:
            line = value_line(texts[card.path], alias, "aliases")
            owner = owners.setdefault(key(alias), card)
            if owner is not card:
                problems.append(Diagnostic(path=card.path, line=line, message=f"alias {alias!r} is also claimed "
                                           f"by {owner.path}; it is dropped here", hint="keep it on one card only"))
            elif len(key(alias)) < 2 or (alias.lower() in common and not alias.isupper()):
                problems.append(Diagnostic(path=card.path, line=line, message=f"alias {alias!r} is a common word "
                                           "and would match ordinary text; it is dropped",
                                           hint="use a longer name as the alias"))
            else:
                aliases.append(alias)
        checked.append(card if tuple(aliases) == card.aliases else card.model_copy(update={"aliases": tuple(aliases)}))
    return _break_location_cycles(checked, owners, key, texts, problems), problems


def _break_location_cycles(cards: list[CuratedCard], owners: dict[str, CuratedCard], key, texts: dict[str, str],
                           problems: list[Diagnostic]) -> list[CuratedCard]:
    """A place that lies, through its cards' `located_in`, inside itself: every card on the loop loses it."""
    def container(card: CuratedCard) -> CuratedCard | None:
        return owners.get(key(card.located_in)) if card.located_in else None

    looped: set[str] = set()
    for card in cards:
        seen, here = [], card
        while here is not None and here.path not in seen:
            seen.append(here.path)
            here = container(here)
        if here is not None and here.path == card.path:
            looped.add(card.path)
    for card in cards:
        if card.path in looped:
            problems.append(Diagnostic(path=card.path, line=front_matter_line(texts[card.path], "located_in"),
                                       message=f"located_in {card.located_in!r} leads back to {card.name!r}; "
                                               "it is ignored", hint="a place cannot lie inside itself"))
    return [card.model_copy(update={"located_in": None}) if card.path in looped else card for card in cards]


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
