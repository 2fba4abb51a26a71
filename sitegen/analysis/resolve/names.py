"""What a name spells: its comparison key, the name without articles, possessives, honorifics and office
titles, given names and their short forms, acronyms."""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from nicknames import NickNamer

from ...resources import data_text

# Courtesy words written before a surname: closed-class English words, not names. Those coreference learns
# a person's gender from ("Ms. Rowling ... she") say which.
GENDERED_HONORIFICS = {"mr": "m", "mrs": "f", "ms": "f", "miss": "f"}
HONORIFICS = {*GENDERED_HONORIFICS, "mx", "dr", "sir", "dame", "lord", "lady", "madam", "madame", "monsieur"}
PARTICLES = {"al", "el", "de", "da", "di", "du", "van", "von", "bin", "ibn", "le", "la"}  # "al-Sisi", "de Blasio"
FUNCTION_WORDS = {"of", "for", "and", "the", "on", "in", "to", "de", "del", "des", "du", "la", "le", "&"}
POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")
EDGE_PUNCT = re.compile(r"^[\s\-–—\"“”'‘’(]+|[\s\-–—\"“”'‘’),.;:]+$")


NAMES_REMEMBERED = 1 << 16  # the texts `clean_name` and `fold` keep answers for: a build asks of the same names often


@lru_cache(maxsize=NAMES_REMEMBERED)
def clean_name(text: str) -> str:
    """The name a mention spells, without a leading article, possessive or stray punctuation."""
    text = EDGE_PUNCT.sub("", " ".join(text.split()))
    text = POSSESSIVE.sub("", text)
    if text.lower().startswith("the "):
        text = text[4:]
    text = re.sub(r"^(?:a|an)\s+(?=[A-Z])", "", text)  # "a George W. Bush appointee": the article is not the name
    return EDGE_PUNCT.sub("", text)


_FOLDED_TO_SPACE = re.compile(r"[-.‐]")


@lru_cache(maxsize=NAMES_REMEMBERED)
def fold(text: str) -> str:
    """Comparison key: case, accents, hyphens and dots do not distinguish names."""
    if not text.isascii():  # ASCII has no accents to take off (NFKD leaves it as it is)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(_FOLDED_TO_SPACE.sub(" ", text).lower().split())


@cache
def name_words() -> dict[str, str]:
    """Word -> its kind ("disease", "organization", "place", ...), from data/name_words.tsv: words that show
    a name is not a person's."""
    rows = (line.split("\t") for line in data_text("name_words.tsv").splitlines()
            if line.strip() and not line.startswith("#"))
    return {word.strip(): kind.strip() for word, kind in rows}


@cache
def _nick_namer() -> NickNamer:
    return NickNamer()


@cache
def given_names() -> frozenset[str]:
    """English given names and their short forms (the `nicknames` package's hand-curated table), folded."""
    namer = _nick_namer()
    return frozenset(namer.nickname_lookup) | frozenset(namer.canonical_lookup)


def same_given_name(one: str, other: str) -> bool:
    """ "Chuck" and "Charles", "Bill" and "William" (folded): one given name is a short form of the other."""
    namer = _nick_namer()
    return one == other or other in namer.nicknames_of(one) or one in namer.nicknames_of(other)


def acronym(name: str) -> str:
    """ "Centers for Disease Control" -> "CDC": the initials of a name's words, function words left out."""
    return "".join(w[0] for w in re.split(r"[\s\-]+", name) if w and w.lower() not in FUNCTION_WORDS).upper()


def person_name(text: str) -> str:
    """A person's name without the honorific or office title written in front ("Ms Rowling" -> "Rowling",
    "Treasurer Joe Hockey" stays whole: only titles sitegen knows are dropped)."""
    name = clean_name(text)
    words = name.split()
    for cut in range(len(words) - 1, 0, -1):
        head = " ".join(words[:cut])
        if head.rstrip(".").lower() in HONORIFICS or (head[:1].isupper() and read_title(head) is not None):
            return " ".join(words[cut:])
    return name


def capitalised(name: str) -> bool:
    """Whether a name is written as one: its last word capitalised ("el-Sissi", "Lee", not "the president")."""
    words = re.split(r"[\s\-‐]+", name.strip())
    return bool(words) and words[-1][:1].isupper()


def is_acronym(name: str) -> bool:
    """ "JDRF", "G4S": capitals (and digits) only, as organisations are abbreviated and people are not."""
    compact = name.replace(".", "").replace("&", "")
    return 2 <= len(compact) <= 6 and compact.isalnum() and compact.isupper() and any(c.isalpha() for c in compact)


@cache
def office_titles() -> dict[str, bool]:
    """Title -> whether its holder leads a country, from data/titles.tsv."""
    titles = {}
    for line in data_text("titles.tsv").splitlines():
        if line.strip() and not line.startswith("#"):
            title, leader = line.split("\t")
            titles[title.strip()] = leader.strip() == "yes"
    return titles


FORMER = re.compile(r"^(?:then|former|ex|late)\s*-?\s*", re.IGNORECASE)


def read_title(words: str) -> tuple[str, bool] | None:
    """("Prime Minister", former?) when `words` is an office title, possibly "then-" or "former"."""
    words = " ".join(words.replace("-", " - ").split()).replace(" - ", "-")
    former = bool(FORMER.match(words))
    words = FORMER.sub("", words).strip()
    if words.lower() in office_titles():
        return " ".join(w if w.isupper() or w in FUNCTION_WORDS else w.capitalize() for w in words.split()), former
    return None
