"""Benchmark storylines against the AllSides gold topics and hand labels, and look at the front page's top events.

Run: python bench/stories.py [--allsides PATH] [--events PATH] [--kinds PATH]

Events are built through the product's own path, as bench/titles.py does (parse cached under bench/.cache/events),
then chained by `sitegen.analysis.stories.chain_events`. Each product event stands for the gold event most of its
articles belong to. A link (two consecutive events of one storyline, what a reader follows from page to page) is
supported when both stand for gold events of one AllSides topic (`<stem>-events.jsonl`), strictly when they also
share a gold participant or place (`<stem>-kinds.jsonl`: who met, where). The recall proxies count pairs of gold
events at most MAX_GAP_DAYS apart on one topic (sharing a gold participant or place, or not) whose product events
end in one storyline.

The rule's numbers are chosen by time-sliced validation: fitted on the events of the first half of the period
(the most supported links minus unsupported ones), scored on the second half, as bench/events.py does for the
clusterer.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._corpus import DEFAULT_ALLSIDES, load_corpus, ordered_slices, parse_corpus, read_jsonl  # noqa: E402
from bench.titles import SUMMARY_WORDS, gold_event, kinds_path  # noqa: E402
from sitegen.analysis.events.assemble import assemble_events
from sitegen.analysis.geo import load_gazetteer
from sitegen.analysis.models import Event
from sitegen.analysis.resolve.entities import resolve_entities
from sitegen.analysis.stories import MAX_GAP_DAYS, ChainRule, chain_events
from sitegen.content.models import Article
from sitegen.site.digest import TOP_STORIES
from sitegen.site.ranking import outlets, ranked_events

# The rule before this bench existed: any shared name that is not a country, Jaccard overlap 0.3.
PREVIOUS = ChainRule(min_specific=0.0, min_overlap=0.3)
SPECIFIC_GRID = (0.0, 1.0, 1.25, 1.5, 1.75, 2.0)
OVERLAP_GRID = (0.15, 0.2, 0.25, 0.3, 0.35)


@dataclass(frozen=True)
class GoldEvent:
    topic: str
    date: dt.date
    named: frozenset[str]  # the hand labels' principal people who met and place


def gold_events(events_path: Path, kinds: Path) -> dict[str, GoldEvent]:
    labels = {row["event"]: row for row in read_jsonl(kinds)}
    out = {}
    for row in read_jsonl(events_path):
        label = labels.get(row["event"], {})
        named = {*label.get("met", ()), *([label["place"]] if label.get("place") else [])}
        out[row["event"]] = GoldEvent(row["topic"], dt.date.fromisoformat(row["date"]), frozenset(named))
    return out


@dataclass(frozen=True)
class Score:
    stories: int
    in_stories: int
    links: int
    one_event: int  # links between two product events of one gold event
    on_topic: int
    named: int  # on topic and sharing a gold participant or place
    named_pairs: tuple[int, int]  # (in one storyline, all)
    topic_pairs: tuple[int, int]

    @property
    def net(self) -> int:
        """Supported links minus unsupported ones: what the fit maximises."""
        return 2 * self.on_topic - self.links


def score(events: Sequence[Event], gold: Mapping[str, str], golds: Mapping[str, GoldEvent], rule: ChainRule) -> Score:
    groups = chain_events(events, rule)
    stands_for = {e.id: gold_event(e, gold) for e in events}
    links = [(stands_for[a.id], stands_for[b.id]) for group in groups for a, b in zip(group, group[1:])]
    on_topic = [(a, b) for a, b in links if a == b or golds[a].topic == golds[b].topic]
    story_of = {e.id: n for n, group in enumerate(groups) for e in group}
    # each gold event's home: the product event holding most of its articles (then the smaller id)
    shares = Counter((gold[a], e.id) for e in events for a in e.articles)
    home: dict[str, str] = {}
    for (label, ident), _ in sorted(shares.items(), key=lambda item: (-item[1], item[0])):
        home.setdefault(label, ident)
    named_pairs, topic_pairs = [0, 0], [0, 0]
    for a, b in itertools.combinations(sorted(home), 2):
        one, two = golds[a], golds[b]
        if one.topic != two.topic or abs((one.date - two.date).days) > MAX_GAP_DAYS:
            continue
        together = home[a] in story_of and story_of[home[a]] == story_of.get(home[b])
        for counts, counted in ((topic_pairs, True), (named_pairs, bool(one.named & two.named))):
            counts[0] += together and counted
            counts[1] += counted
    return Score(stories=len(groups), in_stories=sum(map(len, groups)), links=len(links),
                 one_event=sum(a == b for a, b in links), on_topic=len(on_topic),
                 named=sum(a == b or bool(golds[a].named & golds[b].named) for a, b in on_topic),
                 named_pairs=(named_pairs[0], named_pairs[1]), topic_pairs=(topic_pairs[0], topic_pairs[1]))


def fit(events: Sequence[Event], gold: Mapping[str, str], golds: Mapping[str, GoldEvent]) -> tuple[ChainRule, Score]:
    """The grid's rule with the most supported minus unsupported links (ties: fewer links, then the grid order)."""
    tried = [ChainRule(min_specific=s, min_overlap=o) for s in SPECIFIC_GRID for o in OVERLAP_GRID]
    scored = [(rule, score(events, gold, golds, rule)) for rule in tried]
    return max(scored, key=lambda pair: (pair[1].net, -pair[1].links))


def describe(rule: ChainRule) -> str:
    return f"{rule.min_specific:g} / {rule.min_overlap:g}"


def print_row(name: str, result: Score) -> None:
    def share(count: int) -> str:
        return f"{count / result.links:.2f}" if result.links else "-"

    print(f"{name:<45}{result.stories:>8}{result.in_stories:>7}{result.links:>6}{result.one_event:>6}"
          f"{share(result.on_topic):>7}{share(result.named):>7}"
          f"{'/'.join(map(str, result.named_pairs)):>9}{'/'.join(map(str, result.topic_pairs)):>9}")


def grid_rows(events: Sequence[Event], gold: Mapping[str, str], golds: Mapping[str, GoldEvent]) -> None:
    """Every rule of the grid on the 2nd half: whether the chosen one sits on a plateau or on a peak."""
    print("\n2nd half, every rule of the grid: share of links on topic (links); rows min_specific, columns min_overlap")
    print(f"{'':>6}" + "".join(f"{o:>12g}" for o in OVERLAP_GRID))
    for specific in SPECIFIC_GRID:
        cells = [score(events, gold, golds, ChainRule(min_specific=specific, min_overlap=o)) for o in OVERLAP_GRID]
        shares = [(c.on_topic / c.links if c.links else 0.0, c.links) for c in cells]
        print(f"{specific:>6g}" + "".join(f"{share:>7.2f} ({links:>2})" for share, links in shares))


def ranking_rows(events: Sequence[Event], articles: Mapping[str, Article], gold: Mapping[str, str],
                 kinds: Mapping[str, dict]) -> None:
    """The front page's lead beside what the gold can say of importance: how many outlets covered each gold
    event (AllSides roundups carry at most three, so the gold has no coverage ranking beyond that)."""
    coverage = Counter(len({a.source for a in articles.values() if gold[a.id] == label})
                       for label in set(gold.values()))
    print(f"\nFront page: the top {TOP_STORIES} of the site of these articles (sitegen.site.ranking), newest date "
          f"{max(e.date for e in events if e.date)}")
    print("gold events by outlets covering them: " + ", ".join(f"{n} outlets {c}" for n, c in sorted(coverage.items())))

    def gold_outlets(event: Event) -> int:
        main = gold_event(event, gold)
        return len({a.source for a in articles.values() if gold[a.id] == main})

    ranked = ranked_events(events, articles)
    print(f"{'rank':>4} {'date':<11}{'outlets':>8}{'gold events':>12}{'gold outlets':>13}  {'kind':<12}"
          f"{'gold kind':<12}title")
    for rank, event in enumerate(ranked[:TOP_STORIES], 1):
        joined = len({gold[a] for a in event.articles})
        print(f"{rank:>4} {event.date!s:<11}{outlets(event, articles):>8}{joined:>12}"
              f"{gold_outlets(event):>13}  {event.kind.value:<12}"
              f"{kinds.get(gold_event(event, gold), {}).get('kind', '?'):<12}{event.title[:60]}")
    inflated = [e for e in ranked if outlets(e, articles) > gold_outlets(e)]
    print(f"events counting more outlets than their gold event had (gold events joined): {len(inflated)} of "
          f"{len(ranked)}, {sum(e in ranked[:TOP_STORIES] for e in inflated)} in the top {TOP_STORIES}")
    agree = sum(e.kind.value == kinds.get(gold_event(e, gold), {}).get("kind") for e in ranked[:TOP_STORIES])
    print(f"top {TOP_STORIES} whose kind (which scales the score) is the gold kind: {agree}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--allsides", type=Path, default=DEFAULT_ALLSIDES)
    parser.add_argument("--events", type=Path, default=None, help="default: <stem>-events.jsonl beside --allsides")
    parser.add_argument("--kinds", type=Path, default=None, help="default: <stem>-kinds.jsonl beside --allsides")
    args = parser.parse_args()

    events_path = args.events or args.allsides.with_name(args.allsides.name.replace(".jsonl", "-events.jsonl"))
    kinds = args.kinds or kinds_path(args.allsides)
    golds = gold_events(events_path, kinds)
    articles, gold = load_corpus(args.allsides)
    started = time.perf_counter()
    parsed, fresh = parse_corpus(articles)
    resolution = resolve_entities(articles, parsed, load_gazetteer())
    events, _, _ = assemble_events(articles, parsed, resolution, SUMMARY_WORDS)
    print(f"{args.allsides.name}: {len(articles)} articles ({fresh} through spaCy), {len(events)} events, "
          f"built in {time.perf_counter() - started:.1f}s")

    dated = [e for e in events if e.date]
    first, second = ordered_slices(dated, lambda e: e.date, 2)
    fitted, fitted_first = fit(first, gold, golds)
    print(f"fitted on the 1st half ({len(first)} events to {max(e.date for e in first)}): min_specific / min_overlap "
          f"{describe(fitted)}, {fitted_first.on_topic} of {fitted_first.links} links on topic")
    rules = {"previous": PREVIOUS, "shipped": ChainRule(), "fitted": fitted}
    print(f"\n{'storyline links (min_specific / min_overlap)':<45}{'stories':>8}{'events':>7}{'links':>6}{'same':>6}"
          f"{'topic':>7}{'+named':>7}{'R named':>9}{'R topic':>9}")
    for part, part_events in (("all", events), ("2nd half", second)):
        for name, rule in rules.items():
            print_row(f"{part} {name} {describe(rule)}", score(part_events, gold, golds, rule))
    print("same: links within one gold event; topic: share of links on one gold topic; +named: also sharing a gold "
          "participant or place;\nR: gold pairs within the gap on one topic (sharing a participant or place, or any) "
          "in one storyline")
    grid_rows(second, gold, golds)
    ranking_rows(events, {a.id: a for a in articles}, gold, {row["event"]: row for row in read_jsonl(kinds)})


if __name__ == "__main__":
    main()
