"""The demo digest with one unrelated meeting added, and articles copied many times (text written for the tests)."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import page_text

from sitegen.analysis.events.cluster import ClusterItem, cluster_events
from sitegen.config import load_settings
from sitegen.pipeline.build import build_site

NARA_EVENT = "2026-01-13-lee-and-takaichi-meet-in-nara"
NARA_TITLE = "Lee and Takaichi meet in Nara"
BERLIN = ("German Chancellor Friedrich Merz received Canadian Prime Minister Mark Carney in Berlin for talks on "
          "energy supplies and Arctic research. Merz and Carney met at the chancellery and agreed to expand "
          "liquefied gas deliveries from Canadian ports, a German government spokesman said.")


def event_pages(site):
    return {p.parent.name: page_text(p) for p in (site / "events").glob("*/index.html") if p.parent.name != "page"}


@pytest.mark.parametrize("front_matter", ["date: 2025-06-05\n", ""], ids=["dated months apart", "undated"])
def test_an_unrelated_meeting_added_to_the_demo_is_its_own_event(project, front_matter):
    (project / "content/articles/berlin-talks.md").write_text(
        f"---\ntitle: Merz and Carney discuss gas deliveries\n{front_matter}---\n{BERLIN}\n", encoding="utf-8")
    settings = load_settings(project)
    build_site(settings)
    pages = event_pages(settings.output_dir)
    assert len(pages) == 2
    nara = pages[NARA_EVENT]
    assert NARA_TITLE in nara and "Berlin" not in nara and "Carney" not in nara
    (berlin,) = (text for url, text in pages.items() if url != NARA_EVENT)
    assert "Carney" in berlin and "Nara" not in berlin and "Takaichi" not in berlin


COPIED = ("Chile's central bank held its benchmark rate at 5.25 percent on Wednesday, citing slowing inflation and "
          "weaker copper prices, and said it could cut rates later in the year if the peso stays stable. Economists "
          "polled last week had expected the decision, and the bank's board voted unanimously.")
OTHER_REPORT = ("Copper slump weighs on Chile's rate decision\n\nChile's central bank kept rates at 5.25 percent "
                "on Wednesday as copper prices fell, and the peso's path will decide any cut later this year.")
UNRELATED = ("River floods cut roads in northern Finland\n\nSpring meltwater pushed the Kemijoki river over its "
             "banks, closing three roads near Rovaniemi. Rescue crews evacuated forty homes.")


def test_exact_and_near_copies_of_one_article_however_many_are_one_event():
    day = dt.date(2025, 5, 7)
    copies = [ClusterItem(id=f"copy-{k:03d}", date=day + dt.timedelta(days=k % 2),
                          text="Chile holds rates\n\n" + COPIED, entities=("country/chile",)) for k in range(300)]
    near = [ClusterItem(id=f"near-{k:02d}", date=day, entities=("country/chile",),
                        text=f"Chile central bank holds rates\n\n{COPIED} (Reporting by desk {k}.)") for k in range(20)]
    others = [ClusterItem(id="other-report", date=day, text=OTHER_REPORT, entities=("country/chile",)),
              ClusterItem(id="flood", date=day, text=UNRELATED, entities=("place/rovaniemi", "country/finland"))]
    groups = cluster_events(copies + near + others)
    chile = next(group for group in groups if "copy-000" in group)
    assert set(chile) >= {item.id for item in copies + near}
    assert ["flood"] in groups
