"""Curated cards win: every fact a card states replaces the extracted one."""

from __future__ import annotations

from collections.abc import Mapping

from ...content.cards import CuratedCard
from ..geo import Gazetteer
from ..models import Entity, EntityKind, Role, entity_id
from .constructors import card_entity, country_entity
from .names import clean_name, fold


def apply_card(card: CuratedCard, entities: dict[str, Entity], gazetteer: Gazetteer,
               card_names: Mapping[str, CuratedCard]) -> None:
    """Every fact the card states wins; what it leaves out keeps the extracted value."""
    entity = entities.get(card_entity(card).id) or card_entity(card)

    def country_id(name: str | None) -> str | None:
        country = gazetteer.country(name) if name else None
        if country is None:
            return None
        entities.setdefault(entity_id(EntityKind.COUNTRY, country.name), country_entity(country))
        return entity_id(EntityKind.COUNTRY, country.name)

    def place_id(name: str) -> str | None:
        if (other := card_names.get(fold(clean_name(name)))) is not None:
            return card_entity(other).id
        known = next((e.id for e in entities.values() if e.kind == EntityKind.PLACE and fold(e.name) == fold(name)),
                     None)
        return known or country_id(name)

    update: dict[str, object] = {"name": card.name, "curated": True, "description": card.text,
                                 "aliases": tuple(sorted(set(entity.aliases) | set(card.aliases)))}
    if card.country:
        update["country"] = country_id(card.country)
    if card.located_in:
        update["located_in"] = place_id(card.located_in)
    if card.place_kind:
        update["place_kind"] = card.place_kind
    if card.roles:
        update["roles"] = tuple(Role(title=r.title, country=country_id(r.country), former=r.former or bool(r.until),
                                     since=_text_or_none(r.since), until=_text_or_none(r.until))
                                for r in card.roles)
        if not card.country:
            update["country"] = next((r.country for r in update["roles"] if r.country), entity.country)
    entities[entity.id] = entity.model_copy(update=update)


def _text_or_none(value: object) -> str | None:
    return str(value) if value is not None else None
