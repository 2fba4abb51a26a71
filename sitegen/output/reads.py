"""What each page read while it was drawn, so a rebuild draws again exactly the pages whose inputs changed.

(What a changed path asks for in the first place is `sitegen.serve.changes.needs_for`.) A `ReadLog` records, while one page is drawn, every template it loaded and every value it read from the
  digest (an entity's field, a lookup in one of its indexes, a method's result), each with a fingerprint of
  what it saw. `stale_pages` replays those reads against a new digest: a page whose reads all give the same
  fingerprints would draw the same bytes, since drawing is a deterministic function of what it reads.

Fingerprints are shallow: an entity, event, article or bilateral relation inside a value counts by its id
only, and each of its fields the page then reads is a read of its own. So a list of leaders changes when a
leader joins or moves, not when one leader's card text is edited; the text is read only by the pages that
show it.

A rebuild replays only the reads that can have changed (`Changed`): `Versions` fingerprints each of a digest's
entities, events, articles and relations whole, and everything else it holds but the fields only templates
read (`PAGE_ONLY`). A field read of an object whose fingerprint is the same, and every digest-level read and
helper when the rest is the same, give what they gave; only the others are read again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic_core import PydanticSerializationError

from ..analysis.models import Entity, Event
from ..analysis.statements.models import Bilateral
from ..content.models import Article
from ..pipeline.state import short_hash
from ..site.digest import Digest
from ..site.pages import Page


def uses_template(loaded: Collection[str], changed: Collection[str]) -> bool:
    """Whether a page that loaded `loaded` depends on the changed names (a changed name may be a folder)."""
    return any(name == item or name.startswith(item.rstrip("/") + "/") for name in loaded for item in changed)


# --- fingerprints ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """An entity, event, article or bilateral relation by identity: its fields are read one by one."""

    kind: str
    id: str


TRACKED: dict[type, str] = {Entity: "entity", Event: "event", Article: "article", Bilateral: "bilateral"}
LOOKUPS: dict[str, Callable[[Digest], Mapping[str, Any]]] = {
    "entity": lambda d: d.entities,
    "event": lambda d: d.event_by_id,
    "article": lambda d: d.articles,
    "bilateral": lambda d: d.bilaterals,
}
MISSING = Ref("missing", "")  # what a lookup of something that is not there reads
THIS_PAGE = Ref("page", "")  # an argument that is the page being drawn (its record holds the page once)


def tracked_kind(value: object) -> str | None:
    return TRACKED.get(type(value))


_AS_IS = frozenset({type(None), bool, int, float, str, dt.date, dt.datetime})


def shallow(value: Any) -> Any:
    """A plain, comparable form of a value: tracked things become `Ref`s, everything else is spelt out."""
    cls = type(value)  # the commonest types first, by exact type; `_shallow` gives each of them the same form
    if cls in _AS_IS:
        return value
    if cls is tuple or cls is list:
        return tuple(map(shallow, value))
    if (kind := TRACKED.get(cls)) is not None:
        return Ref(kind, value.id)
    if cls is dict:
        return ("map", tuple((shallow(k), shallow(v)) for k, v in value.items()))
    if (names := _MODEL_FIELDS.get(cls)) is not None:
        return (cls.__name__, tuple((name, shallow(getattr(value, name))) for name in names))
    return _shallow(value)


_MODEL_FIELDS: dict[type, tuple[str, ...]] = {}  # field names of each pydantic model `shallow` met


def _shallow(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str, dt.date)):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Ref):
        return value
    if (kind := tracked_kind(value)) is not None:
        return Ref(kind, value.id)
    if isinstance(value, Lazy):
        return shallow(value.read())
    if isinstance(value, BaseModel):
        names = _MODEL_FIELDS[type(value)] = tuple(type(value).model_fields)
        return (type(value).__name__, tuple((name, shallow(getattr(value, name))) for name in names))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, tuple((f.name, shallow(getattr(value, f.name)))
                                            for f in dataclasses.fields(value)))
    if isinstance(value, Mapping):
        return ("map", tuple((shallow(k), shallow(v)) for k, v in value.items()))
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted((shallow(v) for v in value), key=repr)))
    if isinstance(value, (list, tuple)):
        return tuple(shallow(v) for v in value)
    raise TypeError(f"cannot fingerprint a {type(value).__name__}")


def fingerprint(value: Any) -> str:
    return short_hash(repr(shallow(value)).encode("utf-8"))


def to_replay(value: Any) -> Any:
    """An argument as it can be given again to a later digest: tracked things by `Ref`."""
    if isinstance(value, Lazy):
        value = value.read()
    if (kind := tracked_kind(value)) is not None:
        return Ref(kind, value.id)
    if isinstance(value, (list, tuple)):
        return type(value)(to_replay(v) for v in value)
    return value


def resolve(value: Any, digest: Digest, page: Page) -> Any:
    """The inverse of `to_replay` against `digest`: a `Ref` becomes that digest's thing (KeyError if gone),
    `THIS_PAGE` the page."""
    if isinstance(value, Ref):
        return page if value == THIS_PAGE else LOOKUPS[value.kind](digest)[value.id]
    if isinstance(value, (list, tuple)):
        return type(value)(resolve(v, digest, page) for v in value)
    return value


# --- recording -------------------------------------------------------------------------------------------

# A read: ("field", kind, id, name) | ("digest", source, use) | ("helper", name, page path, arguments), where
# source is ("attr", name) or ("call", name, arguments) and use is ("value",), ("bool",), ("len",), ("all",)
# or ("item", key).
Key = tuple
Helper = Callable[..., Any]  # (digest, page, *args) -> value: a page-relative function the templates call
VALUE, TRUTH, LENGTH, ALL = ("value",), ("bool",), ("len",), ("all",)


@dataclass
class ReadLog:
    """Everything one page read while it was drawn. `memo` holds fingerprints shared by a whole build."""

    memo: dict[Key, str]
    page: Page | None = None  # the page being drawn
    templates: set[str] = field(default_factory=set)
    reads: dict[Key, str] = field(default_factory=dict)
    args: dict[Key, tuple] = field(default_factory=dict)  # how to ask again, for calls, lookups and helpers

    def saw(self, key: Key, value: Any, args: tuple = ()) -> Any:
        if key not in self.reads:
            fp = self.memo.get(key)
            if fp is None:
                fp = self.memo[key] = fingerprint(value)
            self.reads[key] = fp
            if args:
                self.args[key] = args
        return value

    def field(self, thing: Any, kind: str, name: str, value: Any) -> Any:
        return self.saw(("field", kind, thing.id, name), value)

    def digest_attribute(self, digest: Digest, name: str) -> Any:
        """`digest.<name>` as a template gets it: indexes and lists record how they are used, methods record
        their calls."""
        value = getattr(digest, name)
        if callable(value):
            return lambda *args: self.call(value, name, args)
        if isinstance(value, Mapping):
            return RecordedMapping(self, ("attr", name), value)
        return self.lazy(("attr", name), value, ())

    def call(self, method: Callable, name: str, args: tuple) -> Any:
        replay = tuple(to_replay(a) for a in args)
        result = method(*(a.read() if isinstance(a, Lazy) else a for a in args))
        kept = tuple(THIS_PAGE if a is self.page else r for a, r in zip(args, replay, strict=True))
        return self.lazy(("call", name, shallow(replay)), result, kept)

    def helper(self, name: str, page: Page, function: Callable[[], Any], args: tuple = ()) -> Any:
        replay = tuple(to_replay(a) for a in args)
        return self.saw(("helper", name, page.path, shallow(replay)), function(), replay)

    def lazy(self, source: Key, value: Any, args: tuple) -> Any:
        if isinstance(value, (list, tuple)):
            return Lazy(self, source, value, args)
        return self.saw(("digest", source, VALUE), value, args)


class Lazy(Sequence):
    """A list from the digest that records how a template uses it: truth or length alone, or its items."""

    __slots__ = ("_log", "_source", "_value", "_args")

    def __init__(self, log: ReadLog, source: Key, value: Sequence, args: tuple) -> None:
        self._log, self._source, self._value, self._args = log, source, value, args

    def read(self) -> Sequence:
        return self._log.saw(("digest", self._source, VALUE), self._value, self._args)

    def __bool__(self) -> bool:
        return self._log.saw(("digest", self._source, TRUTH), bool(self._value), self._args)

    def __len__(self) -> int:
        return self._log.saw(("digest", self._source, LENGTH), len(self._value), self._args)

    def __getitem__(self, index):
        return self.read()[index]

    def __iter__(self) -> Iterator:
        return iter(self.read())

    def __contains__(self, item) -> bool:
        return item in self.read()

    def __reversed__(self) -> Iterator:
        return reversed(self.read())

    def __add__(self, other):
        return list(self.read()) + list(other)

    def __radd__(self, other):
        return list(other) + list(self.read())

    def __eq__(self, other) -> bool:
        return list(self.read()) == list(other.read() if isinstance(other, Lazy) else other)

    __hash__ = None


class RecordedMapping(Mapping):
    """One of the digest's indexes, recording which keys a template looked up (or that it read them all)."""

    __slots__ = ("_log", "_source", "_value")

    def __init__(self, log: ReadLog, source: Key, value: Mapping) -> None:
        self._log, self._source, self._value = log, source, value

    def __getitem__(self, key):
        try:
            value = self._value[key]
        except KeyError:
            self._log.saw(("digest", self._source, ("item", shallow(key))), MISSING, (to_replay(key),))
            raise
        return self._log.saw(("digest", self._source, ("item", shallow(key))), value, (to_replay(key),))

    def __contains__(self, key) -> bool:
        try:
            self[key]
        except KeyError:
            return False
        return True

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def _all(self) -> Mapping:
        return self._log.saw(("digest", self._source, ALL), self._value)

    def __iter__(self) -> Iterator:
        return iter(self._all())

    def __len__(self) -> int:
        return self._log.saw(("digest", self._source, LENGTH), len(self._value))

    def __bool__(self) -> bool:
        return self._log.saw(("digest", self._source, TRUTH), bool(self._value))

    def keys(self):
        return self._all().keys()

    def values(self):
        return self._all().values()

    def items(self):
        return self._all().items()


# --- replaying -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageRecord:
    """What one page loaded and read in the build that drew it."""

    page: Page
    templates: frozenset[str]
    reads: Mapping[Key, str]
    args: Mapping[Key, tuple]
    objects: frozenset[tuple[str, str]]  # (kind, id) of everything it read a field of
    digest_level: bool  # whether it read anything but fields (digest indexes, method calls, helpers)

    @classmethod
    def of(cls, page: Page, log: ReadLog) -> PageRecord:
        objects = {(key[1], key[2]) for key in log.reads if key[0] == "field"}
        return cls(page=page, templates=frozenset(log.templates), reads=dict(log.reads), args=dict(log.args),
                   objects=frozenset(objects), digest_level=any(key[0] != "field" for key in log.reads))


# Fields that templates read, each as a field read of its own, and that no index, method or helper of the
# digest reads (tests/test_deps.py checks): a change to them alone leaves every digest-level read as it was.
PAGE_ONLY: Mapping[str, frozenset[str]] = {"article": frozenset({"text", "content_hash"}),
                                           "entity": frozenset({"description"})}
_ANY = TypeAdapter(Any)


@dataclass(frozen=True)
class Versions:
    """Fingerprints of what a digest holds: each tracked thing whole, by (kind, id), and all the rest but the
    `PAGE_ONLY` fields, which is everything a digest-level read or a helper can read."""

    objects: Mapping[tuple[str, str], str]
    rest: str

    @classmethod
    def of(cls, digest: Digest) -> Versions | None:
        """None when something the digest holds has no exact JSON form (a value not of its declared type):
        a rebuild from it then reads everything again."""
        try:
            objects = {(kind, ident): _version(thing)
                       for kind, lookup in LOOKUPS.items() for ident, thing in lookup(digest).items()}
            rest = hashlib.blake2b(digest_size=16)
            for held in dataclasses.fields(digest):
                if held.init:
                    value = getattr(digest, held.name)
                    rest.update(held.name.encode("utf-8") + b"\0")
                    rest.update(_ANY.dump_json(value, exclude=_page_only(value), warnings="error"))
        except PydanticSerializationError:
            return None
        return cls(objects=objects, rest=rest.hexdigest())

    def refreshed(self, digest: Digest, things: Collection[tuple[str, str]]) -> Versions | None:
        """The versions of `digest`, which differs from the digest of these only in page-only fields of `things`."""
        try:
            objects = {key: _version(LOOKUPS[key[0]](digest)[key[1]]) for key in things}
        except PydanticSerializationError:
            return None
        return replace(self, objects={**self.objects, **objects})


def _version(thing: BaseModel) -> str:
    """A tracked thing's fingerprint: its exact JSON form (PydanticSerializationError when it has none)."""
    return short_hash(thing.model_dump_json(warnings="error").encode("utf-8"))


def _page_only(value: Any) -> dict | None:
    """What of `value` to leave out of `Versions.rest`: the page-only fields of the tracked things it holds,
    when they are all of one kind."""
    things = value.values() if isinstance(value, Mapping) else value if isinstance(value, (list, tuple)) else ()
    kinds = {tracked_kind(thing) for thing in things}
    if len(kinds) != 1 or (kind := kinds.pop()) not in PAGE_ONLY:
        return None
    return {"__all__": set(PAGE_ONLY[kind])}


@dataclass(frozen=True)
class Changed:
    """What differs between the digest that pages were drawn from and a new one."""

    objects: frozenset[tuple[str, str]]  # tracked things changed, come or gone
    rest: bool  # anything a digest-level read or a helper can read
    known: frozenset[tuple[str, str]]  # the tracked things the new digest's indexes hold (a field read of
    # another, reached through some other value, may read something else now: it is read again)

    @classmethod
    def between(cls, before: Versions | None, after: Versions | None) -> Changed | None:
        """None when either is unknown: every read is then read again."""
        if before is None or after is None:
            return None
        old, new = before.objects, after.objects
        return cls(objects=frozenset(key for key in old.keys() | new.keys() if old.get(key) != new.get(key)),
                   rest=before.rest != after.rest, known=frozenset(new))

    def may_change(self, key: Key) -> bool:
        if key[0] != "field":
            return self.rest
        return (key[1], key[2]) in self.objects or (key[1], key[2]) not in self.known

    def touches(self, record: PageRecord) -> bool:
        """Whether any read of `record` may give something else now."""
        return (self.rest and record.digest_level or not self.objects.isdisjoint(record.objects)
                or not record.objects <= self.known)


def read_again(key: Key, args: tuple, digest: Digest, page: Page, helpers: Mapping[str, Helper]) -> Any:
    """What `key` reads from `digest` now (MISSING when the thing it reads is gone)."""
    try:
        if key[0] == "field":
            _, kind, ident, name = key
            return getattr(LOOKUPS[kind](digest)[ident], name)
        if key[0] == "helper":
            return helpers[key[1]](digest, page, *resolve(args, digest, page))
        _, source, use = key
        if use[0] == "item":
            return getattr(digest, source[1])[resolve(args[0], digest, page)]
        value = getattr(digest, source[1])
        if source[0] == "call":
            value = value(*resolve(args, digest, page))
        if use == TRUTH:
            return bool(value)
        if use == LENGTH:
            return len(value)
        return value
    except (KeyError, IndexError):
        return MISSING


def is_stale(record: PageRecord, page: Page, digest: Digest, helpers: Mapping[str, Helper],
             memo: dict[Key, str], changed: Changed | None = None) -> bool:
    """Whether `page` would draw differently from `digest` than it did when `record` was made; with `changed`,
    only the reads it may have changed are read again."""
    if record.page != page:
        return True
    if changed is not None and not changed.touches(record):
        return False
    for key, seen in record.reads.items():
        if changed is not None and not changed.may_change(key):
            continue
        now = memo.get(key)
        if now is None:
            now = fingerprint(read_again(key, record.args.get(key, ()), digest, page, helpers))
            if key[0] != "helper":  # helpers are page-relative: their key holds the page
                memo[key] = now
        if now != seen:
            return True
    return False


def pages_to_draw(records: Mapping[str, PageRecord], pages: Sequence[Page], digest: Digest | None,
                  changed_templates: Collection[str], helpers: Mapping[str, Helper],
                  changed: Changed | None = None) -> list[Page]:
    """The pages whose bytes may differ: new pages, pages that loaded a changed template and, when the
    content changed (`digest` given), pages whose reads give something else now (of those `changed` says may
    have changed; all, without it)."""
    memo: dict[Key, str] = {}
    todo = []
    for page in pages:
        record = records.get(page.path)
        if (record is None or uses_template(record.templates, changed_templates)
                or (digest is not None and is_stale(record, page, digest, helpers, memo, changed))):
            todo.append(page)
    return todo
