"""The entity of a person, country, place, organisation or curated card: one constructor each, its id made
by `entity_id`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...content.cards import CuratedCard
from ..geo import Country, Gazetteer, Place
from ..models import Entity, EntityKind, entity_id

if TYPE_CHECKING:
    from .models import Person


def organization_entity(name: str) -> Entity:
    return Entity(id=entity_id(EntityKind.ORGANIZATION, name), kind=EntityKind.ORGANIZATION, name=name)


def card_entity(card: CuratedCard) -> Entity:
    return Entity(id=entity_id(card.kind, card.name), kind=card.kind, name=card.name)


def person_entity(person: Person) -> Entity:
    return Entity(id=entity_id(EntityKind.PERSON, person.name), kind=EntityKind.PERSON, name=person.name)


def country_entity(country: Country) -> Entity:
    return Entity(id=entity_id(EntityKind.COUNTRY, country.name), kind=EntityKind.COUNTRY, name=country.name,
                  aliases=tuple(country.aliases))


def country_id_by_code(gazetteer: Gazetteer, code: str | None) -> str | None:
    country = gazetteer.country_by_code(code) if code else None
    return entity_id(EntityKind.COUNTRY, country.name) if country else None


def place_entity(place: Place, gazetteer: Gazetteer, place_kind: str | None = None) -> Entity:
    """A place of the gazetteer (a city, a region, a state), in its country."""
    return Entity(id=entity_id(EntityKind.PLACE, place.name), kind=EntityKind.PLACE, name=place.name,
                  place_kind=place_kind or place.kind, country=country_id_by_code(gazetteer, place.country_code))


def named_place_entity(name: str, place_kind: str, country: str | None = None) -> Entity:
    """A place the gazetteer does not list, published by the name the text gives it."""
    return Entity(id=entity_id(EntityKind.PLACE, name), kind=EntityKind.PLACE, name=name, place_kind=place_kind,
                  country=country)
