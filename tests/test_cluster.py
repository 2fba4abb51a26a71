"""Event clustering and near-duplicate detection on small hand-written article sets."""

import datetime
import random

import pytest

from sitegen.analysis.events.cluster import (
    PAIR_FEATURES,
    ClusterItem,
    ClusterSettings,
    cluster_events,
    near_duplicates,
    pair_features,
)

D = datetime.date

SUMMIT = [
    ClusterItem(
        id="summit-a",
        date=D(2025, 3, 10),
        text="Portugal and Brazil sign fisheries pact at Lisbon summit\n\n"
        "Portuguese Prime Minister Rui Almada and Brazilian President Helena Matos signed a fisheries "
        "pact at a summit in Lisbon on Monday, agreeing to share patrol vessels in the Atlantic and to "
        "cap tuna catches for five years. The two leaders also discussed a new direct shipping route.",
        entities=("person/rui-almada", "country/PT", "person/helena-matos", "country/BR", "place/lisbon",
                  "person/rui-almada", "person/helena-matos"),
    ),
    ClusterItem(
        id="summit-b",
        date=D(2025, 3, 10),
        text="Almada and Matos agree Atlantic tuna limits\n\n"
        "Meeting in Lisbon, Rui Almada and Helena Matos agreed to cap tuna catches in the Atlantic for five "
        "years and to run joint patrol vessels, the summit's final statement said. Fishing unions in "
        "Portugal welcomed the fisheries pact, while Brazilian exporters asked for details.",
        entities=("person/rui-almada", "person/helena-matos", "place/lisbon", "country/PT", "country/BR"),
    ),
    ClusterItem(
        id="summit-c",
        date=D(2025, 3, 11),
        text="What the Lisbon fisheries summit means for Atlantic fleets\n\n"
        "The fisheries pact signed in Lisbon by Portugal's Rui Almada and Brazil's Helena Matos caps tuna "
        "catches for five years. Analysts say the shared patrol vessels will matter more than the quota.",
        entities=("place/lisbon", "country/PT", "person/rui-almada", "country/BR", "person/helena-matos"),
    ),
]
SECOND_MEETING = [
    ClusterItem(
        id="autumn-a",
        date=D(2025, 10, 2),
        text="Almada visits Brasilia for energy talks with Matos\n\n"
        "Rui Almada travelled to Brasilia on Thursday, where Helena Matos hosted talks on offshore wind "
        "and green hydrogen. Portugal and Brazil agreed to study a joint hydrogen export terminal.",
        entities=("person/rui-almada", "place/brasilia", "person/helena-matos", "country/PT", "country/BR"),
    ),
    ClusterItem(
        id="autumn-b",
        date=D(2025, 10, 3),
        text="Portugal and Brazil eye hydrogen terminal after Brasilia talks\n\n"
        "Helena Matos and Rui Almada ended two days of energy talks in Brasilia with a plan to study a "
        "joint green hydrogen export terminal and more offshore wind research.",
        entities=("person/helena-matos", "person/rui-almada", "place/brasilia", "country/PT", "country/BR"),
    ),
]
UNRELATED = ClusterItem(
    id="flood",
    date=D(2025, 3, 10),
    text="River floods cut roads in northern Finland\n\n"
    "Spring meltwater pushed the Kemijoki river over its banks, closing three roads near Rovaniemi. "
    "Rescue crews evacuated forty homes and no injuries were reported.",
    entities=("place/kemijoki", "place/rovaniemi", "country/FI"),
)
ALL_ITEMS = SUMMIT + SECOND_MEETING + [UNRELATED]


def _group_of(groups: list[list[str]], item_id: str) -> list[str]:
    return next(group for group in groups if item_id in group)


def test_one_summit_covered_by_three_outlets_is_one_cluster():
    groups = cluster_events(ALL_ITEMS)
    assert _group_of(groups, "summit-a") == ["summit-a", "summit-b", "summit-c"]


def test_same_leaders_meeting_months_apart_are_two_events():
    groups = cluster_events(ALL_ITEMS)
    assert _group_of(groups, "autumn-a") == ["autumn-a", "autumn-b"]
    assert "autumn-a" not in _group_of(groups, "summit-a")


def test_one_event_published_over_three_days_stays_one_event():
    spread = [SUMMIT[0].model_copy(update={"date": D(2025, 3, 9)}), SUMMIT[1],
              SUMMIT[2].model_copy(update={"date": D(2025, 3, 11)})]
    groups = cluster_events(spread + SECOND_MEETING + [UNRELATED])
    assert _group_of(groups, "summit-a") == ["summit-a", "summit-b", "summit-c"]


def test_a_report_undated_or_dated_two_days_late_still_joins_its_event():
    for moved in ({"date": None}, {"date": D(2025, 3, 12)}):
        late = [SUMMIT[0], SUMMIT[1].model_copy(update=moved), SUMMIT[2]]
        groups = cluster_events(late + SECOND_MEETING + [UNRELATED])
        assert _group_of(groups, "summit-a") == ["summit-a", "summit-b", "summit-c"]


def test_date_noise_tells_event_dates_from_publication_times():
    """A day's gap says more among event dates (same day for one event) than among publication times."""
    def noise(items: list[ClusterItem]) -> set[float]:
        return set(pair_features(items)[1][:, PAIR_FEATURES.index("date_noise")].tolist())

    same_day = [item.model_copy(update={"date": D(2025, 3, 10)}) for item in SUMMIT]
    spread = [SUMMIT[0].model_copy(update={"date": D(2025, 3, 8)}), SUMMIT[1],
              SUMMIT[2].model_copy(update={"date": D(2025, 3, 12)})]
    assert noise(same_day) == {0.0}
    (spread_noise,) = noise(spread)
    assert spread_noise >= 1.0
    assert noise([item.model_copy(update={"date": None}) for item in SUMMIT]) == {1.0}  # unknown: publication times


FOLLOW_UPS = [
    ClusterItem(id="senate-a", date=D(2025, 6, 4),
                text="Senate passes farm subsidy bill\n\nThe Senate passed the farm subsidy bill on Tuesday by 61 "
                "votes to 38 after a late amendment on dairy quotas failed.", entities=("organization/senate",)),
    ClusterItem(id="senate-b", date=D(2025, 6, 4),
                text="Farm subsidy bill clears the Senate\n\nSenators approved the farm subsidy bill on Tuesday, 61 "
                "to 38, rejecting an amendment on dairy quotas.", entities=("organization/senate",)),
    ClusterItem(id="house-a", date=D(2025, 6, 5),
                text="House committee rewrites farm subsidy bill\n\nA House committee on Thursday stripped the crop "
                "insurance section from the farm subsidy bill and sent it to the floor.",
                entities=("organization/house",)),
    ClusterItem(id="house-b", date=D(2025, 6, 4),
                text="Crop insurance cut from farm subsidy bill\n\nHouse committee members voted on Thursday to strip "
                "crop insurance from the farm subsidy bill before a floor vote.", entities=("organization/house",)),
]


def test_reports_naming_different_weekdays_are_different_events():
    groups = cluster_events(FOLLOW_UPS + SECOND_MEETING + [UNRELATED])
    assert ["house-a", "house-b"] in groups and ["senate-a", "senate-b"] in groups


def test_time_window_alone_separates_identical_texts_far_apart():
    repeat = SUMMIT[0].model_copy(update={"id": "summit-a-next-year", "date": D(2026, 3, 10)})
    groups = cluster_events(SUMMIT + [repeat])
    assert ["summit-a-next-year"] in groups


def test_unrelated_article_stays_alone():
    assert ["flood"] in cluster_events(ALL_ITEMS)


def test_undated_items_cluster_on_text_and_entities():
    undated = [item.model_copy(update={"date": None}) for item in SUMMIT + [UNRELATED]]
    groups = cluster_events(undated)
    assert groups == [["flood"], ["summit-a", "summit-b", "summit-c"]]


def test_every_item_in_exactly_one_sorted_group():
    groups = cluster_events(ALL_ITEMS)
    flat = [item_id for group in groups for item_id in group]
    assert sorted(flat) == sorted(item.id for item in ALL_ITEMS)
    assert groups == sorted(groups) and all(group == sorted(group) for group in groups)


def test_deterministic_under_input_shuffling():
    expected = cluster_events(ALL_ITEMS)
    for seed in range(5):
        shuffled = list(ALL_ITEMS)
        random.Random(seed).shuffle(shuffled)
        assert cluster_events(shuffled) == expected


def test_small_row_chunks_give_the_same_clusters():
    assert cluster_events(ALL_ITEMS, ClusterSettings(chunk_rows=1)) == cluster_events(ALL_ITEMS)


def test_empty_input_and_duplicate_ids():
    assert cluster_events([]) == []
    assert cluster_events([SUMMIT[0]]) == [["summit-a"]]
    with pytest.raises(ValueError):
        cluster_events([SUMMIT[0], SUMMIT[0]])


WIRE = (
    "Chile's central bank held its benchmark rate at 5.25 percent on Wednesday, citing slowing "
    "inflation and weaker copper prices, and said it could cut rates later in the year if the peso "
    "stays stable. Economists polled last week had expected the decision."
)


def test_near_duplicates_finds_wire_copies_only():
    items = [
        ClusterItem(id="wire-1", date=D(2025, 5, 7), text="Chile holds rates\n\n" + WIRE, entities=()),
        ClusterItem(id="wire-2", date=D(2025, 5, 7),
                    text="Chile central bank holds rates\n\n" + WIRE + " (Reporting by staff.)", entities=()),
        ClusterItem(id="wire-3", date=D(2025, 5, 8),
                    text="Chile holds rates\n\n" + WIRE.replace("on Wednesday", "on Wednesday evening"),
                    entities=()),
        ClusterItem(id="wire-old", date=D(2024, 5, 7), text="Chile holds rates\n\n" + WIRE, entities=()),
        ClusterItem(id="own-story", date=D(2025, 5, 7),
                    text="Copper slump weighs on Chile\n\nCopper prices fell again, and Chile's central "
                    "bank now faces a harder choice on rates as inflation slows.", entities=()),
    ]
    assert near_duplicates(items) == [["wire-1", "wire-2", "wire-3"]]
    assert near_duplicates(list(reversed(items))) == [["wire-1", "wire-2", "wire-3"]]
