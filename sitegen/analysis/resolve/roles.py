"""Roles from titles in apposition ("Japanese Prime Minister Sanae Takaichi", "X, South Korea's president"),
held or former at the latest date a source states."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from ...nlp.models import ParsedArticle
from ..models import Entity, EntityKind, EntityMention, Role
from .models import RoleStatement, Succession
from .names import FORMER, office_titles, read_title


def role_statements(sentences: Sequence[Sequence[EntityMention]], entities: Mapping[str, Entity],
                    parsed: ParsedArticle) -> tuple[list[RoleStatement], list[Succession]]:
    """The titles one article (its mentions by sentence, in reading order) writes in apposition to people:
    "Japanese Prime Minister Sanae Takaichi", "then-President X", "X, South Korea's president" (the country
    from the demonym or country named with the title); and who it calls whose predecessor or successor."""
    statements: list[RoleStatement] = []
    for group in sentences:
        for index, mention in enumerate(group):
            if entities[mention.entity_id].kind != EntityKind.PERSON:
                continue
            before = group[index - 1] if index else None
            role = _title_before(parsed, mention, before, entities)
            if role is None and index + 1 < len(group):
                role = _title_after(parsed, mention, group[index + 1], entities)
            if role is not None:
                statements.append((mention.entity_id, *role))
    return statements, _successions(entities, sentences, parsed)


def attach_roles(entities: dict[str, Entity], statements: Sequence[tuple[RoleStatement, dt.date | None]],
                 successions: Iterable[Succession]) -> None:
    """Titles in apposition (`role_statements`, each with its article's date) become roles, held or former at
    the time the articles that state them give."""
    stated: dict[str, list[tuple[str, str | None, bool, dt.date]]] = defaultdict(list)
    for (person_id, title, country, former), date in statements:
        stated[person_id].append((title, country, former, date or dt.date.min))
    for person_id, roles in stated.items():
        role_list = _roles_at_latest(roles)
        country = next((r.country for r in role_list if r.country), entities[person_id].country)
        entities[person_id] = entities[person_id].model_copy(update={"roles": role_list, "country": country})
    for holder_id, other_id, word in sorted(set(successions)):  # "Takaichi's predecessor Shigeru Ishiba"
        inherited = tuple(Role(title=r.title, country=r.country, former=word == "predecessor", as_of=r.as_of)
                          for r in entities[holder_id].roles if not r.former and office_titles().get(r.title.lower()))
        other = entities[other_id]
        known = {(r.title, r.country) for r in other.roles}
        new = tuple(r for r in inherited if (r.title, r.country) not in known)
        if new:
            country = other.country or next((r.country for r in new if r.country), None)
            entities[other_id] = other.model_copy(update={"roles": other.roles + new, "country": country})
    for person_id, entity in entities.items():
        if entity.kind == EntityKind.PERSON and entity.roles:
            entities[person_id] = entity.model_copy(update={"roles": _tidy_roles(entity.roles)})


def _roles_at_latest(stated: Sequence[tuple[str, str | None, bool, dt.date]]) -> tuple[Role, ...]:
    """A person's roles from every (title, country, former, date) statement: "President X" without a country
    holds the office of the one country another statement gives that title; whether the office is held is
    judged at the latest date a source states it ("former President X" in a later article outdates
    "President X" in an earlier one; on the same day "former" wins)."""
    countries: dict[str, set[str]] = defaultdict(set)
    for title, country, _, _ in stated:
        if country:
            countries[title].add(country)
    latest: dict[tuple[str, str | None], tuple[dt.date, bool]] = {}
    for title, country, former, day in stated:
        if country is None and len(countries[title]) == 1:
            country = next(iter(countries[title]))
        latest[(title, country)] = max(latest.get((title, country), (day, former)), (day, former))
    ordered = sorted(latest.items(), key=lambda kv: (kv[1][1], kv[0][1] is None, kv[0][0]))
    return tuple(Role(title=title, country=country, former=former, as_of=None if day == dt.date.min else day)
                 for (title, country), (day, former) in ordered)


def _tidy_roles(roles: tuple[Role, ...]) -> tuple[Role, ...]:
    """Drop what a more specific role already says: a title without country beside the same title with
    one, and "Leader" beside a specific leading office of the same country ("President")."""
    with_country = {(r.title, r.former) for r in roles if r.country}
    specific = {(r.country, r.former) for r in roles if r.title != "Leader" and office_titles().get(r.title.lower())}
    return tuple(r for r in roles
                 if (r.country or (r.title, r.former) not in with_country)
                 and (r.title != "Leader" or (r.country, r.former) not in specific))


def _successions(entities: Mapping[str, Entity], sentences: Iterable[Sequence[EntityMention]],
                 parsed: ParsedArticle) -> list[Succession]:
    """(holder, other, "predecessor"|"successor") from "<holder>'s predecessor <other>"."""
    found = []
    for group in sentences:
        for first, second in zip(group, group[1:]):
            if entities[first.entity_id].kind != EntityKind.PERSON or entities[second.entity_id].kind != EntityKind.PERSON:
                continue
            gap = parsed.tokens_text(first.start, second.start).split()[1:]
            if gap[:1] in (["'s"], ["’s"]) and len(gap) == 2 and gap[1].lower() in {"predecessor", "successor"}:
                found.append((first.entity_id, second.entity_id, gap[1].lower()))
    return found


def _title_before(text: ParsedArticle, person: EntityMention, before: EntityMention | None,
                  entities: Mapping[str, Entity]) -> tuple[str, str | None, bool] | None:
    """A title right before the name, after a country or demonym ("Chinese leader Xi Jinping") or alone
    ("then-Prime Minister Shigeru Ishiba")."""
    if before is not None and entities[before.entity_id].kind == EntityKind.COUNTRY:
        gap = re.sub(r"^(?:'s|’s)\s+", "", text.tokens_text(before.end, person.start))  # "Singapore's"
        if (role := read_title(gap)) is not None:
            return role[0], before.entity_id, role[1]
    person_before = before is not None and entities[before.entity_id].kind == EntityKind.PERSON
    start = before.end if person_before else text.sentences[person.sentence].start  # never into a name
    words = text.tokens_text(start, person.start).split()[-5:]
    for cut in range(len(words)):
        if (role := read_title(" ".join(words[cut:]))) is None:
            continue
        # "Borough President Eric Adams", "CIA Director X": a capitalised word the title does not include makes
        # it another office, which is the role the text gives; a bare "leader" says which country only with one
        # ("Chinese leader").
        sentence = text.sentences[person.sentence]
        pos = {t.text: t.pos for t in text.tokens[sentence.first_token:sentence.last_token] if t.idx < person.start}
        qualifier = []
        for word in reversed(words[max(0, cut - 3):cut]):
            if not word[:1].isupper() or FORMER.match(word) or pos.get(word) not in {"PROPN", "NOUN"}:
                break
            qualifier.insert(0, word)
        if qualifier:
            return " ".join([*qualifier, role[0]]), None, role[1]
        if role[0] == "Leader":
            return None
        return role[0], None, role[1]
    return None


def _title_after(text: ParsedArticle, person: EntityMention, after: EntityMention,
                 entities: Mapping[str, Entity]) -> tuple[str, str | None, bool] | None:
    """ "Lee Jae Myung, South Korea's president" / "X, the Japanese prime minister"."""
    if entities[after.entity_id].kind != EntityKind.COUNTRY:
        return None
    gap = text.tokens_text(person.end, after.start).strip()
    if gap not in {",", ", the"}:
        return None
    tail = text.tokens_text(after.end, text.sentences[person.sentence].end).split()
    for size in (3, 2, 1):
        if (role := read_title(" ".join(tail[:size]).strip(",."))) is not None:
            return role[0], after.entity_id, role[1]
    return None
