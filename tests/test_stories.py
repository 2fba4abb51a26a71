"""Storylines, front-page ranking and an article's stance, on events and articles written for the test."""

from __future__ import annotations

import datetime as dt

from sitegen.analysis.models import Event, EventKind
from sitegen.analysis.stories import StoryOverride, chain_events, read_story_overrides, storylines
from sitegen.content.articles import parse_markdown_article
from sitegen.content.models import Article
from sitegen.site.ranking import ranked_events


def event(ident: str, day: int, people: tuple[str, ...], place: str, articles: tuple[str, ...] = ("a",),
          kind: EventKind = EventKind.CONSULT) -> Event:
    return Event(id=ident, title=ident.replace("-", " "), date=dt.date(2026, 3, day), kind=kind, place=place,
                 articles=articles, participants=people, entities=(*people, place, "country/japan"))


TALKS = event("talks", 2, ("person/ana-ruiz", "person/ken-mori"), "place/canberra")
PACT = event("pact", 9, ("person/ana-ruiz", "person/ken-mori"), "place/canberra")
FUND = event("fund", 10, ("person/lu-sa",), "place/brasilia")
ARTICLES = {"a": Article(id="a", path="a.md", title="t", text="t", source="Harbour Herald", content_hash="h")}
LATER = event("later", 30, ("person/ana-ruiz", "person/ken-mori"), "place/canberra")


def test_events_with_the_same_cast_within_weeks_form_one_story_and_others_stay_out():
    groups = chain_events([FUND, PACT, TALKS])
    assert [[e.id for e in g] for g in groups] == [["talks", "pact"]]
    assert chain_events([TALKS, LATER]) == []  # four weeks apart: a new story


def test_two_events_alone_in_a_digest_with_the_same_cast_form_one_story():
    assert [[e.id for e in g] for g in chain_events([PACT, TALKS])] == [["talks", "pact"]]


def test_events_sharing_only_countries_are_not_one_story():
    lima = Event(id="lima", title="Lima trade talks", date=dt.date(2026, 3, 2), articles=("a",), place="place/lima",
                 entities=("country/japan", "country/peru", "place/lima"))
    tokyo = lima.model_copy(update={"id": "tokyo", "title": "Tokyo fisheries deal", "date": dt.date(2026, 3, 5),
                                    "place": "place/tokyo",
                                    "entities": ("country/japan", "country/peru", "place/tokyo")})
    assert chain_events([lima, tokyo]) == []


def test_a_president_his_country_and_parliament_named_by_every_event_do_not_make_a_story():
    def week(ident: str, day: int, *specific: str) -> Event:
        people = ("person/pat-lee", *(s for s in specific if s.startswith("person/")))
        return Event(id=ident, title=ident, date=dt.date(2026, 3, day), articles=("a",), participants=people,
                     entities=(*people, "country/norland", "organization/parliament",
                               *(s for s in specific if not s.startswith("person/"))))

    events = [week("budget", 1, "person/ines-vale", "place/porto-alto"), week("floods", 2, "place/rio-claro"),
              week("tariffs", 3, "person/ines-vale", "place/porto-alto"), week("speech", 4), week("vote", 5),
              week("visit", 6, "place/vila-nova")]
    # the budget and the tariffs share their minister and city; the speech and the vote share only the names
    # every event of the week has
    assert [[e.id for e in g] for g in chain_events(events)] == [["budget", "tariffs"]]


def test_an_editor_story_takes_its_events_and_title(tmp_path):
    override = StoryOverride(path="stories/canberra.md", source="events: [talks, fund]\n", story="canberra",
                             title="Canberra week", events=("talks", "fund"))
    stories, problems = storylines([TALKS, PACT, FUND], ARTICLES, [override])
    assert problems == []
    assert [(s.id, s.title, s.events, s.curated) for s in stories] == [
        ("canberra", "Canberra week", ("talks", "fund"), True)]  # the pact is left alone: no story of one


def test_an_editor_story_naming_an_unknown_event_is_reported_with_its_line():
    source = "---\nevents:\n  - talks\n  - nosuch\n---\n"
    override = StoryOverride(path="stories/x.md", source=source, story="x", events=("talks", "nosuch"))
    stories, problems = storylines([TALKS, PACT], ARTICLES, [override])
    assert [(p.line, p.message) for p in problems][0] == (4, "no event 'nosuch'")
    assert [s.events for s in stories] == [("talks", "pact")]  # the generated story stands


def test_wider_coverage_outranks_a_newer_single_report_until_it_is_old():
    articles = {f"s{n}": Article(id=f"s{n}", path=f"s{n}.md", title="t", text="t", source=f"Outlet {n}",
                                 content_hash="h") for n in range(6)}
    articles["f"] = Article(id="f", path="f.md", title="t", text="t", source="Outlet 0", content_hash="h")
    wide = event("wide", 9, (), "place/canberra", tuple(f"s{n}" for n in range(6)))
    single = event("single", 10, (), "place/brasilia", ("f",))
    assert [e.id for e in ranked_events([single, wide], articles)] == ["wide", "single"]
    month_later = event("single", 30, (), "place/brasilia", ("f",))
    assert [e.id for e in ranked_events([wide, month_later], articles)] == ["single", "wide"]


def test_an_article_gives_its_outlet_leaning_and_a_wrong_one_is_reported():
    text = "---\ntitle: Talks\nsource: Harbour Herald\nstance: Left\n---\nThe leaders met.\n"
    article, problems = parse_markdown_article(text, "articles/a.md", "a", "h")
    assert article.stance == "left" and problems == []
    article, problems = parse_markdown_article(text.replace("Left", "leftish"), "articles/a.md", "a", "h")
    assert article.stance is None and problems[0].line == 4 and "leftish" in problems[0].message


def test_story_files_are_read_from_content_stories_and_a_broken_one_is_reported(tmp_path):
    folder = tmp_path / "stories"
    folder.mkdir()
    (folder / "Canberra Week.md").write_text("---\ntitle: Canberra week\nevents: [talks, pact]\n---\n", encoding="utf-8")
    (folder / "broken.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    overrides, problems = read_story_overrides(tmp_path)
    assert [(o.story, o.title, o.events) for o in overrides] == [("canberra-week", "Canberra week", ("talks", "pact"))]
    assert [p.path.endswith("stories/broken.md") and p.line for p in problems] == [2]
