"""The facts box at the top of a person's or a country's page, as an infobox has it.

Everything in a box is what the digest's sources say (roles with the dates they give them, who met whom)
or what a country data package holds (capital, continent): nothing typed by hand.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from ..analysis.geo import load_gazetteer
from ..analysis.models import Entity, Event, Role
from ..contract import Frozen

TOP_COUNTERPARTS = 5


class PersonFacts(Frozen):
    roles: tuple[Role, ...]  # current first, as the sources state them
    country: str | None  # entity id
    counterparts: tuple[tuple[str, int], ...]  # (person id, meetings), most met first
    first_seen: dt.date | None  # the earliest and latest dates of the events that name them
    last_seen: dt.date | None
    events: int


class LeaderTerm(Frozen):
    person: str  # entity id
    role: Role


class CountryFacts(Frozen):
    capital: str | None
    region: str | None  # the continent, from geonames
    leaders: tuple[LeaderTerm, ...]  # current first, then former; latest stated first
    partners: tuple[tuple[str, int], ...]  # (country id, meetings between their people), most first


def person_facts(person: Entity, events: Sequence[Event], met: Sequence[tuple[str, ...]]) -> PersonFacts:
    """`met`: the participants of each meeting the person took part in."""
    counts = Counter(other for people in met for other in set(people) if other != person.id)
    dates = [e.date for e in events if e.date]
    return PersonFacts(roles=tuple(sorted(person.roles, key=lambda r: r.former)), country=person.country,
                       counterparts=_most(counts), first_seen=min(dates, default=None),
                       last_seen=max(dates, default=None), events=len(events))


def country_facts(country: Entity, leaders: Sequence[Entity], partners: Counter) -> CountryFacts:
    """`leaders`: the people with an office of this country; `partners`: meetings by the other country's id."""
    record = load_gazetteer().country(country.name)
    terms = [LeaderTerm(person=p.id, role=r) for p in leaders for r in p.roles if r.country == country.id]
    terms.sort(key=lambda t: (t.role.former, -(t.role.as_of or dt.date.min).toordinal(), t.person, t.role.title))
    return CountryFacts(capital=record.capital if record else None, region=record.continent if record else None,
                        leaders=tuple(terms), partners=_most(partners))


def _most(counts: Counter) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_COUNTERPARTS])
