"""The site as a reader navigates it: the analysis outputs indexed for the pages, and the cross-links between them."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..analysis.models import KIND_FOLDERS, Entity, EntityKind, EntityMention, Event, EventKind, SummarySentence
from ..analysis.resolve.names import office_titles
from ..analysis.statements.meetings import relation_order
from ..analysis.statements.models import Bilateral, Meetings, Quote, Relation
from ..analysis.statements.quotes import shown_quotes
from ..analysis.stories import Storyline
from ..content.articles import STANCES
from ..content.models import Article
from .facts import CountryFacts, PersonFacts, country_facts, person_facts
from .pages import EVENTS_PER_PAGE, KIND_TITLES, Page
from .ranking import ranked_events
from .urls import absolute_url, bilateral_path, entity_path, event_path

TOP_STORIES = 8  # the front page's lead: the most important events, each with its snippet
QUOTES_PER_SPEAKER = 3


@dataclass(frozen=True)
class Digest:
    """Everything the templates may show, with the cross-link indexes computed once."""

    title: str
    description: str
    base_url: str
    articles: dict[str, Article]
    events: list[Event]  # newest first
    entities: dict[str, Entity]
    mentions: Sequence[EntityMention]
    meetings: Meetings = field(default_factory=Meetings)  # the merged relations, matched to the events
    quotes: Sequence[Quote] = ()
    stories: Sequence[Storyline] = ()  # newest first after __post_init__
    added: Mapping[str, SummarySentence] = field(default_factory=dict)  # article id -> what only it tells
    relations: tuple[Relation, ...] = field(init=False)  # merged: one per happening, with every sentence that tells it
    event_by_id: dict[str, Event] = field(init=False)
    events_of: dict[str, list[Event]] = field(init=False)  # entity id -> events that mention it
    event_of_article: dict[str, Event] = field(init=False)
    mention_count: Counter = field(init=False)
    _mentions_by_article: dict[str, list[EntityMention]] = field(init=False)
    _by_kind: dict[EntityKind, list[Entity]] = field(init=False)
    _quotes_by_article: dict[str, list[Quote]] = field(init=False)
    _relations_told_in: dict[str, set[int]] = field(init=False)  # article id -> positions in `relations`
    _leaders: list[Entity] = field(init=False)
    _feed_ids: set[str] = field(init=False)
    meetings_of: dict[str, list[Relation]] = field(init=False)  # person id -> meetings, newest first
    quotes_of: dict[str, list[Quote]] = field(init=False)  # person id -> what they said
    bilaterals: dict[str, Bilateral] = field(init=False)  # relation page id -> the pair
    bilaterals_of: dict[str, list[Bilateral]] = field(init=False)  # entity id -> its pairs
    people_of: dict[str, list[Entity]] = field(init=False)  # country id -> its people
    places_of: dict[str, list[Entity]] = field(init=False)  # country or place id -> places in it
    events_at: dict[str, list[Event]] = field(init=False)  # place or country id -> events held there
    story_of: dict[str, Storyline] = field(init=False)  # event id -> its storyline
    story_by_id: dict[str, Storyline] = field(init=False)
    top_events: list[Event] = field(init=False)  # the front page's lead, most important first

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "event_by_id", {e.id: e for e in self.events})
        set_(self, "relations", self.meetings.relations)
        events_of: dict[str, list[Event]] = defaultdict(list)
        events_at: dict[str, list[Event]] = defaultdict(list)
        event_of_article = {}
        for event in self.events:
            for entity_id in event.entities:
                events_of[entity_id].append(event)
            for where in filter(None, {event.place, event.country}):
                events_at[where].append(event)
            for article_id in event.articles:
                event_of_article[article_id] = event
        set_(self, "events_of", dict(events_of))
        set_(self, "events_at", dict(events_at))
        set_(self, "event_of_article", event_of_article)
        set_(self, "mention_count", Counter(m.entity_id for m in self.mentions))
        by_article: dict[str, list[EntityMention]] = defaultdict(list)
        for mention in sorted(self.mentions, key=lambda m: (m.article_id, m.start, m.end)):
            by_article[mention.article_id].append(mention)
        set_(self, "_mentions_by_article", dict(by_article))
        people_of: dict[str, list[Entity]] = defaultdict(list)
        places_of: dict[str, list[Entity]] = defaultdict(list)
        by_kind: dict[EntityKind, list[Entity]] = defaultdict(list)
        for entity in self.entities.values():
            by_kind[entity.kind].append(entity)
            if entity.kind == EntityKind.PERSON and entity.country:
                people_of[entity.country].append(entity)
            if entity.kind == EntityKind.PLACE:
                for container in filter(None, {entity.country, entity.located_in}):
                    places_of[container].append(entity)
        set_(self, "_by_kind", {kind: self.ranked(members) for kind, members in by_kind.items()})
        set_(self, "_leaders", [e for e in self.of_kind(EntityKind.PERSON) if is_leader(e)])
        set_(self, "_feed_ids", {e.id for e in self.feed_subjects()})
        set_(self, "people_of", {k: self.ranked(v) for k, v in people_of.items()})
        set_(self, "places_of", {k: self.ranked(v) for k, v in places_of.items()})
        meetings_of: dict[str, list[Relation]] = defaultdict(list)
        told_in: dict[str, set[int]] = defaultdict(set)
        for position, relation in enumerate(self.relations):
            for person in relation.participants:
                meetings_of[person].append(relation)
            for evidence in relation.evidence:
                told_in[evidence.article_id].add(position)
        set_(self, "_relations_told_in", dict(told_in))
        set_(self, "meetings_of", {k: sorted(v, key=relation_order, reverse=True) for k, v in meetings_of.items()})
        quotes_of: dict[str, list[Quote]] = defaultdict(list)
        quotes_by_article: dict[str, list[Quote]] = defaultdict(list)
        for quote in self.quotes:
            quotes_by_article[quote.article_id].append(quote)
            if quote.speaker:
                quotes_of[quote.speaker].append(quote)
        set_(self, "quotes_of", {k: shown_quotes(v) for k, v in quotes_of.items()})
        set_(self, "_quotes_by_article", dict(quotes_by_article))
        set_(self, "bilaterals", self.meetings.bilaterals)
        bilaterals_of: dict[str, list[Bilateral]] = defaultdict(list)
        for bilateral in self.bilaterals.values():
            for member in bilateral.members:
                bilaterals_of[member].append(bilateral)
        set_(self, "bilaterals_of", dict(bilaterals_of))
        stories = sorted(self.stories, key=lambda s: (self.event_by_id[s.events[-1]].date or dt.date.min, s.id),
                         reverse=True)
        set_(self, "stories", stories)
        set_(self, "story_by_id", {s.id: s for s in stories})
        set_(self, "story_of", {e: s for s in stories for e in s.events})
        set_(self, "top_events", ranked_events(self.events, self.articles)[:TOP_STORIES])

    def trail(self, page: Page) -> list[tuple[str, str | None]]:
        """Breadcrumbs below Home: (label, path) pairs, the page itself last with no path."""
        if page.subject in self.event_by_id:
            return [("Events", "events/"), (page.title, None)]
        if page.subject in self.bilaterals:
            return [("Relations", "relations/"), (page.title, None)]
        if (month := self.month_page(page)) is not None:
            return [("Countries", "countries/"), (month[0].name, entity_path(month[0])), (month[1], None)]
        if page.path.startswith(("stories/", "kinds/")) and page.subject:
            folder = page.path.split("/", 1)[0]
            return [("Storylines" if folder == "stories" else "Kinds", f"{folder}/"), (page.title, None)]
        entity = self.entities[page.subject]
        if entity.kind == EntityKind.PERSON and is_leader(entity):
            return [("Leaders", "leaders/"), (page.title, None)]
        return [(KIND_TITLES[entity.kind], f"{KIND_FOLDERS[entity.kind]}/"), (page.title, None)]

    def has_feed(self, page: Page) -> bool:
        return page.subject in self._feed_ids

    def mentions_in(self, article_id: str) -> list[EntityMention]:
        return self._mentions_by_article.get(article_id, [])

    def mentions_in_event(self, entity_id: str, event: Event) -> int:
        return sum(1 for a in event.articles for m in self.mentions_in(a) if m.entity_id == entity_id)

    def card_front(self, page: Page) -> dict:
        """The front matter of a page's card: its facts as data, for readers and tools that prefer text."""
        data: dict = {"title": page.title, "url": absolute_url(self.base_url, page.path)}
        if page.subject in self.event_by_id:
            event = self.event_by_id[page.subject]
            data.update(kind="event", event_kind=event.kind.value,
                        consult_mode=event.consult_mode.value if event.consult_mode else None,
                        date=event.date.isoformat() if event.date else None,
                        place=self.entities[event.place].name if event.place else None,
                        country=self.entities[event.country].name if event.country else None,
                        participants=[self.entities[p].name for p in event.participants],
                        sources=[_source_data(self.articles[a]) for a in event.articles])
        elif page.subject in self.entities:
            entity = self.entities[page.subject]
            data.update(kind=entity.kind.value, name=entity.name, aliases=list(entity.aliases),
                        country=self.entities[entity.country].name if entity.country else None,
                        roles=[{k: v for k, v in {"title": r.title, "former": r.former,
                                "country": self.entities[r.country].name if r.country else None,
                                "as_of": r.as_of.isoformat() if r.as_of else None, "since": r.since,
                                "until": r.until}.items() if v is not None} for r in entity.roles],
                        curated=entity.curated, mentions=self.mention_count[entity.id],
                        events=len(self.events_of.get(entity.id, [])))
            if entity.kind == EntityKind.PLACE:
                data.update(place_kind=entity.place_kind,
                            located_in=self.entities[entity.located_in].name if entity.located_in else None)
        elif page.subject in self.bilaterals:
            pair = self.bilaterals[page.subject]
            data.update(kind="relation", between=[self.entities[m].name for m in pair.members],
                        meetings=len(pair.meetings), events=len(pair.events))
        return {k: v for k, v in data.items() if v not in (None, [], "")}

    def event_meetings(self, event: Event) -> tuple[list[Relation], list[Relation]]:
        """The meetings an event's articles tell: (the event's own, earlier ones they mention as background)."""
        told = sorted({i for a in event.articles for i in self._relations_told_in.get(a, ())})
        itself = set(self.meetings.of_event.get(event.id, ()))
        own = [self.relations[i] for i in told if i in itself]
        return own, sorted((self.relations[i] for i in told if self.relations[i] not in own), key=relation_order)

    def background(self) -> list[Relation]:
        """Meetings the articles mention that are not themselves events of the digest, for the timeline."""
        matched = {i for positions in self.meetings.of_event.values() for i in positions}
        return [r for i, r in enumerate(self.relations) if r.date is not None and i not in matched]

    def timeline(self) -> list[tuple[str, list[Event | Relation]]]:
        """("January 2026", events and background meetings of that month) newest month first."""
        months: dict[tuple[int, int], list[Event | Relation]] = defaultdict(list)
        for event in self.events:
            if event.date:
                months[(event.date.year, event.date.month)].append(event)
        for relation in self.background():
            months[(relation.date.start.year, relation.date.start.month)].append(relation)
        return [(dt.date(y, m, 1).strftime("%B %Y"), sorted(items, key=_item_order, reverse=True))
                for (y, m), items in sorted(months.items(), reverse=True)]

    def leaders(self) -> list[Entity]:
        return self._leaders

    def leaders_by_country(self) -> list[tuple[Entity | None, list[Entity]]]:
        groups: dict[str | None, list[Entity]] = defaultdict(list)
        for leader in self.leaders():
            groups[leader.country].append(leader)
        return sorted(((self.entities[c] if c else None, people) for c, people in groups.items()),
                      key=lambda g: (g[0] is None, g[0].name if g[0] else ""))

    def feed_subjects(self) -> list[Entity]:
        """Leaders and countries: the pages with their own feed."""
        return self.leaders() + self.of_kind(EntityKind.COUNTRY)

    def page_date(self, page: Page) -> dt.date | None:
        """When a page last changed in the news: its event's date, or its subject's latest event."""
        if page.subject in self.event_by_id:
            return self.event_by_id[page.subject].date
        if (story := self.story_page(page)) is not None:
            return self.event_by_id[story.events[-1]].date
        events = self.events_of.get(page.subject or "", []) if page.subject in self.entities else self.events
        return max((e.date for e in events if e.date), default=None)

    def event_pages(self) -> list[tuple[str, list[Event]]]:
        """The events index split into pages: ("events/", first 20), ("events/page/2/", next 20), ..."""
        chunks = [self.events[i:i + EVENTS_PER_PAGE] for i in range(0, len(self.events), EVENTS_PER_PAGE)] or [[]]
        return [("events/" if n == 1 else f"events/page/{n}/", chunk) for n, chunk in enumerate(chunks, start=1)]

    def ranked(self, entities: Sequence[Entity]) -> list[Entity]:
        """Most mentioned first, then by name: the order every list of entities uses."""
        return sorted(entities, key=lambda e: (-self.mention_count[e.id], e.name, e.id))

    def of_kind(self, kind: EntityKind) -> list[Entity]:
        return self._by_kind.get(kind, [])

    def sections(self) -> list[tuple[str, str]]:
        """(folder, label) of every entity kind that has pages, for the navigation."""
        return [(f"{folder}/", KIND_TITLES[kind]) for kind, folder in KIND_FOLDERS.items() if self.of_kind(kind)]

    def mentioned_in_event(self, event: Event, folder: str) -> list[Entity]:
        """Entities of one kind (by page folder) that the event's articles name, participants aside."""
        return [self.entities[e] for e in event.entities
                if e not in event.participants and entity_path(self.entities[e]).startswith(folder)]

    def link_target(self, thing: Entity | Event | Bilateral | str) -> str:
        if isinstance(thing, Entity):
            return entity_path(thing)
        if isinstance(thing, Event):
            return event_path(thing)
        if isinstance(thing, Bilateral):
            return bilateral_path(thing)
        if thing in self.entities:
            return entity_path(self.entities[thing])
        return event_path(self.event_by_id[thing])

    def sources(self, event: Event) -> list[tuple[int, Article, list[tuple[int, Article]]]]:
        """(number, article, its wire copies with their numbers): a story republished by several outlets is
        one source with the other outlets listed under it."""
        number = {a: n for n, a in enumerate(event.articles, start=1)}
        copies = event.copy_of
        return [(number[a], self.articles[a],
                 [(number[c], self.articles[c]) for c in event.articles if copies.get(c) == a])
                for a in event.articles if a not in copies]

    def quotes_in(self, event: Event) -> list[Quote]:
        """The quotes an event's page shows: of its articles, wire copies aside (they repeat the original's)."""
        copies = event.copy_of
        return shown_quotes(q for a in event.articles if a not in copies for q in self._quotes_by_article.get(a, []))

    def quote_groups(self, event: Event) -> list[tuple[str | None, list[Quote]]]:
        """The event's quotes by speaker: participants first, then whoever is quoted most; each speaker's
        longest few first, unnamed sources last."""
        by_speaker: dict[str | None, list[Quote]] = defaultdict(list)
        for quote in self.quotes_in(event):
            by_speaker[quote.speaker].append(quote)
        order = sorted(by_speaker, key=lambda s: (s is None, s not in event.participants, -len(by_speaker[s]), s or ""))
        return [(speaker, sorted(by_speaker[speaker], key=lambda q: -len(q.text))[:QUOTES_PER_SPEAKER])
                for speaker in order]

    def coverage(self, event: Event) -> list[tuple[int, Article, SummarySentence | None, list[tuple[int, Article]]]]:
        """`sources` with the sentence each original adds that no other source of the event has."""
        return [(number, article, self.added.get(article.id), copies)
                for number, article, copies in self.sources(event)]

    def stance_spread(self, event: Event) -> list[tuple[str, int]]:
        """(leaning, distinct outlets) for the leanings the articles' front matter gives, left to right;
        empty when no article gives one."""
        outlets: dict[str, set[str]] = defaultdict(set)
        for article_id in event.articles:
            article = self.articles[article_id]
            if article.stance:
                outlets[article.stance].add(article.source or article.id)
        return [(stance, len(outlets[stance])) for stance in STANCES] if outlets else []

    def front_page(self) -> tuple[list[Event], list[Event]]:
        """(the lead: most important first, the rest: newest first)."""
        lead = {e.id for e in self.top_events}
        return self.top_events, [e for e in self.events if e.id not in lead]

    def snippet(self, event: Event) -> SummarySentence | None:
        """One sentence that says what happened: the summary's first."""
        return event.summary[0] if event.summary else None

    def events_of_kind(self, kind: str) -> list[Event]:
        return [e for e in self.events if e.kind.value == kind]

    def event_kinds(self) -> list[tuple[EventKind, int]]:
        """Kinds that have events, with their counts, in the scheme's order."""
        counts = Counter(e.kind for e in self.events)
        return [(kind, counts[kind]) for kind in EventKind if counts[kind]]

    def centrality(self, entity_id: str, event: Event) -> float:
        """How central an entity is to an event: a participant above anyone else, then its share of mentions."""
        total = sum(len(self.mentions_in(a)) for a in event.articles) or 1
        return (entity_id in event.participants) + self.mentions_in_event(entity_id, event) / total

    def mentioned_in(self, entity: Entity) -> list[Event]:
        """The events that name an entity, those it is most central to first, newer first among equals."""
        return sorted(self.events_of.get(entity.id, []),
                      key=lambda e: (-self.centrality(entity.id, e), -(e.date or dt.date.min).toordinal(), e.id))

    def person_facts(self, person: Entity) -> PersonFacts:
        return person_facts(person, self.events_of.get(person.id, []),
                            [r.participants for r in self.meetings_of.get(person.id, [])])

    def country_facts(self, country: Entity) -> CountryFacts:
        leaders = [p for p in self.people_of.get(country.id, []) if is_leader(p)]
        partners = Counter({next(m for m in b.members if m != country.id): len(b.meetings)
                            for b in self.bilaterals_of.get(country.id, []) if b.kind == "countries"})
        return country_facts(country, leaders, partners)

    def story_neighbours(self, event: Event) -> tuple[Event | None, Event | None]:
        """The previous and next event of the event's storyline."""
        story = self.story_of.get(event.id)
        if story is None:
            return None, None
        at = story.events.index(event.id)
        return (self.event_by_id[story.events[at - 1]] if at else None,
                self.event_by_id[story.events[at + 1]] if at + 1 < len(story.events) else None)

    def months_of(self, entity: Entity) -> list[tuple[str, str, list[Event]]]:
        """(month key "2026-03", "March 2026", events that name the entity then) newest month first."""
        months: dict[str, list[Event]] = defaultdict(list)
        for event in self.events_of.get(entity.id, []):
            if event.date:
                months[event.date.strftime("%Y-%m")].append(event)
        return [(key, dt.date(int(key[:4]), int(key[5:]), 1).strftime("%B %Y"), months[key])
                for key in sorted(months, reverse=True)]

    def month_page(self, page: Page) -> tuple[Entity, str, list[Event]] | None:
        """The country and month a country-month page lists (its subject is "country/x@2026-03")."""
        entity_id, _, key = (page.subject or "").partition("@")
        if not key or entity_id not in self.entities:
            return None
        entity = self.entities[entity_id]
        return next(((entity, label, events) for k, label, events in self.months_of(entity) if k == key), None)

    def story_page(self, page: Page) -> Storyline | None:
        """The storyline a page is about (its subject is "stories/<id>")."""
        return self.story_by_id.get((page.subject or "").removeprefix("stories/")) if page.path.startswith("stories/") else None

    def story_events(self, story: Storyline) -> list[Event]:
        return [self.event_by_id[e] for e in story.events]

    def story_cast(self, story: Storyline, kind: str) -> list[Entity]:
        """The people (or countries) of a storyline, those in most of its events first."""
        counts = Counter(e for ident in story.events for e in set(self.event_by_id[ident].entities)
                         if self.entities[e].kind.value == kind)
        return [self.entities[e] for e, _ in sorted(counts.items(), key=lambda kv: (-kv[1], self.entities[kv[0]].name))]


def _source_data(article: Article) -> dict:
    data = {"title": article.title, "source": article.source, "url": article.url,
            "authors": list(article.authors), "date": article.date.isoformat() if article.date else None,
            "date_inferred": article.date_inferred or None}
    return {k: v for k, v in data.items() if v not in (None, [], "")}


def is_leader(person: Entity) -> bool:
    """Holds or held a head-of-state or head-of-government office of a country the sources state: "President
    X" with no country said anywhere may head a condo association."""
    return any(office_titles().get(role.title.lower()) and role.country for role in person.roles)


def _item_order(item: Event | Relation) -> tuple:
    if isinstance(item, Event):
        return (item.date or dt.date.min, 1, item.id)
    return (item.date.start if item.date else dt.date.min, 0, ",".join(item.participants))
