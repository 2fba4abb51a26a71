"""What a page says about itself to machines: its description and schema.org structured data."""

from __future__ import annotations

from ..analysis.events.kinds import kind_text
from ..analysis.models import ConsultMode, Entity, EntityKind
from ..content.models import Article
from ..site.digest import Digest
from ..site.pages import Page
from ..site.urls import absolute_url
from ..site.views import definite_article, format_date


def _of_country(digest: Digest, country: str | None) -> str:
    """" of the United States" for a role's country, "" without one."""
    if not country:
        return ""
    name = digest.entities[country].name
    return f" of {definite_article(name)}{name}"


def describe(digest: Digest, page: Page) -> str:
    """The page's meta description: what a search result or a link preview should say."""
    if page.subject in digest.event_by_id:
        event = digest.event_by_id[page.subject]
        lead = " ".join(s.text for s in event.summary[:1])
        return _clip(f"{event.title}, {format_date(event.date)}. {lead}")
    if page.subject in digest.entities:
        entity = digest.entities[page.subject]
        roles = "; ".join(f"{'Former ' if r.former else ''}{r.title}" + _of_country(digest, r.country)
                          for r in entity.roles)
        count = len(digest.events_of.get(entity.id, []))
        return _clip(f"{entity.name}{': ' + roles if roles else ''}. {count} event{'s' if count != 1 else ''} "
                     f"in {digest.title}.")
    return _clip(f"{page.title}: {digest.description}" if page.path else digest.description)


def _clip(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def structured_data(digest: Digest, page: Page) -> dict:
    """schema.org JSON-LD: Event with its NewsArticle sources, Person, Place, Country, or the WebSite."""
    url = absolute_url(digest.base_url, page.path)
    if page.subject in digest.event_by_id:
        event = digest.event_by_id[page.subject]
        data = {"@context": "https://schema.org", "@type": "Event", "name": event.title, "url": url,
                "about": {"@type": "DefinedTerm", "termCode": event.kind.value,
                          "name": kind_text(event.kind, event.consult_mode)},
                "description": " ".join(s.text for s in event.summary[:2]),
                "performer": [_thing(digest, digest.entities[p]) for p in event.participants],
                "subjectOf": [_news_article(digest, digest.articles[a]) for a in event.articles]}
        if event.date:
            data["startDate"] = event.date.isoformat()
        if event.consult_mode == ConsultMode.IN_PERSON:  # people met: said only when the sources report it
            data["eventAttendanceMode"] = "https://schema.org/OfflineEventAttendanceMode"
        if event.place:
            data["location"] = _thing(digest, digest.entities[event.place])
        return data
    if page.subject in digest.entities:
        return {"@context": "https://schema.org", **_thing(digest, digest.entities[page.subject])}
    return {"@context": "https://schema.org", "@type": "WebSite" if not page.path else "WebPage",
            "name": page.title, "url": url, "description": digest.description}


def _thing(digest: Digest, entity: Entity) -> dict:
    kinds = {EntityKind.PERSON: "Person", EntityKind.COUNTRY: "Country", EntityKind.PLACE: "Place",
             EntityKind.ORGANIZATION: "Organization"}
    data = {"@type": kinds[entity.kind], "name": entity.name,
            "url": absolute_url(digest.base_url, digest.link_target(entity))}
    if entity.kind == EntityKind.PERSON:
        if entity.roles:
            data["jobTitle"] = entity.roles[0].title
        if entity.country:
            data["nationality"] = {"@type": "Country", "name": digest.entities[entity.country].name}
    elif entity.kind == EntityKind.PLACE and (container := entity.located_in or entity.country):
        data["containedInPlace"] = {"@type": "Place", "name": digest.entities[container].name}
    return data


def _news_article(digest: Digest, article: Article) -> dict:
    data = {"@type": "NewsArticle", "headline": article.title}
    if article.url:
        data["url"] = article.url
    if article.date:
        data["datePublished"] = article.date.isoformat()
    if article.authors:
        data["author"] = [{"@type": "Person", "name": name} for name in article.authors]
    if article.source:
        data["publisher"] = {"@type": "Organization", "name": article.source}
    return data

