"""Benchmark event titles and places against the hand-labelled kinds of the AllSides DEV events.

Run: python bench/titles.py [--allsides PATH] [--kinds PATH] [--first N]

Events are built through the product's own path: corpus rows become `sitegen` Articles, parsed by
`sitegen.nlp.parse_articles` (cached under bench/.cache/events), resolved by `sitegen.analysis.resolve` and assembled
by `sitegen.analysis.events.assemble.assemble_events` as a build does. Each product event is mapped to the gold event most of
its articles belong to; the kinds file (`<stem>-kinds.jsonl` beside the corpus unless `--kinds` is given)
holds that event's kind and place.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._corpus import DEFAULT_ALLSIDES, load_corpus, parse_corpus, read_jsonl  # noqa: E402
from sitegen.analysis.events.assemble import assemble_events
from sitegen.analysis.geo import load_gazetteer
from sitegen.analysis.models import Entity, Event
from sitegen.analysis.resolve.entities import resolve_entities
from sitegen.analysis.resolve.names import fold

SUMMARY_WORDS = 120
# A title claims a meeting, visit or call when it uses one of these words, not in a planned or future form.
CLAIM_WORDS = re.compile(r"\b(meets?|met|meeting|talks|summit|visits?|visited|visiting|phone|calls? with|called|"
                         r"spoke|speaks? with|speak with)\b", re.IGNORECASE)
NOT_YET = re.compile(r"\b(to|will|plans?|planned|ahead of|before|set to|expected to)\s+(\w+\s+)?$", re.IGNORECASE)


def claims_meeting(title: str) -> bool:
    """Whether a title says that people met, talked, visited or called ("to meet", "will visit" do not)."""
    return any(not NOT_YET.search(title[:m.start()]) for m in CLAIM_WORDS.finditer(title))


def names_only(title: str, names: set[str]) -> tuple[bool, bool]:
    """(the title is nothing but names, it joins a name with itself: "Schumer and Schumer", "Blasio and De
    Blasio"), names being every entity name and alias."""
    folded = rest = fold(title)
    found = []
    for name in sorted(names, key=len, reverse=True):
        pattern = rf"(?<!\w){re.escape(name)}(?!\w)"
        found += re.findall(pattern, rest)
        rest = re.sub(pattern, " ", rest)
    rest = re.sub(r"\b(and|in|at|the)\b|[^\w]", " ", rest).strip()
    twice = any((a in b or b in a) and re.search(rf"(?<!\w){re.escape(a)} and {re.escape(b)}(?!\w)", folded)
                for a in found for b in found)
    return not rest, twice


def kinds_path(allsides: Path) -> Path:
    return allsides.with_name(allsides.name.replace(".jsonl", "-kinds.jsonl"))


def gold_event(event: Event, gold: Mapping[str, str]) -> str:
    votes = Counter(gold[a] for a in event.articles)
    return min(votes, key=lambda e: (-votes[e], e))


def place_names(place: str, entities: Mapping[str, Entity]) -> list[str]:
    """The folded names of a place and of everything that contains it."""
    out, current, seen = [], place, set()
    while current and current in entities and current not in seen:
        seen.add(current)
        entity = entities[current]
        out.append(fold(entity.name))
        current = entity.located_in or entity.country
    return out


def gold_place_names(place: str) -> set[str]:
    """ "Washington, D.C." is also "Washington"; "Germany and Belgium" is either."""
    parts = [p.strip() for p in re.split(r",| and ", place) if p.strip()]
    return {fold(place), *(fold(p) for p in parts[:1] if len(parts) > 1 and "," in place), *(
        fold(p) for p in parts if " and " in place)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--allsides", type=Path, default=DEFAULT_ALLSIDES)
    parser.add_argument("--kinds", type=Path, default=None, help="default: <stem>-kinds.jsonl beside --allsides")
    parser.add_argument("--first", type=int, default=50, help="how many titles to list, newest first")
    args = parser.parse_args()

    kinds = {row["event"]: row for row in read_jsonl(args.kinds or kinds_path(args.allsides))}
    articles, gold = load_corpus(args.allsides)
    started = time.perf_counter()
    parsed, fresh = parse_corpus(articles)
    resolution = resolve_entities(articles, parsed, load_gazetteer())
    events, _, _ = assemble_events(articles, parsed, resolution, SUMMARY_WORDS)
    entities = resolution.entities
    print(f"{args.allsides.name}: {len(articles)} articles ({fresh} through spaCy), {len(events)} events, "
          f"built in {time.perf_counter() - started:.1f}s")

    names = {fold(n) for e in entities.values() for n in (e.name, *e.aliases) if fold(n)}
    claiming = wrong_claims = bare = repeated = untitled = 0
    placed = no_gold_place = contradicting = gold_places = gold_found = 0
    rows = []
    for event in events:
        label = kinds.get(gold_event(event, gold), {})
        claim = claims_meeting(event.title)
        claiming += claim
        wrong_claims += claim and label.get("kind") != "consult"
        only_names, twice = names_only(event.title, names)
        bare += only_names
        repeated += twice
        untitled += "untitled" in event.title.lower()
        truth = label.get("place")
        gold_places += truth is not None
        if event.place:
            placed += 1
            inside = place_names(event.place, entities)
            if truth is None:
                no_gold_place += 1
            elif gold_place_names(truth) & set(inside):
                gold_found += 1
            else:
                contradicting += 1
        rows.append((event, label, claim))

    total = len(events)
    print(f"\n{'titles':<64}{'count':>7}{'share':>8}")
    print(f"{'claim a meeting, visit or call':<64}{claiming:>7}{claiming / total:>8.1%}")
    print(f"{'claim one where the gold kind is not consult (target <= 2%)':<64}{wrong_claims:>7}"
          f"{wrong_claims / total:>8.1%}")
    print(f"{'a bare name (target 0)':<64}{bare:>7}{bare / total:>8.1%}")
    print(f"{'the same name twice (target 0)':<64}{repeated:>7}{repeated / total:>8.1%}")
    print(f"{'Untitled (target 0)':<64}{untitled:>7}{untitled / total:>8.1%}")
    print(f"\n{'places':<64}{'count':>7}")
    print(f"{'events with a place':<64}{placed:>7}")
    print(f"{'  contradict the gold place (neither it nor inside it)':<64}{contradicting:>7}")
    print(f"{'  set where the gold has no place':<64}{no_gold_place:>7}")
    print(f"{'  the gold place or inside it':<64}{gold_found:>7}")
    print(f"{'gold places found, of events whose gold has one':<64}{f'{gold_found}/{gold_places}':>7}")

    print(f"\nFirst {args.first} titles, newest first (! = claims a meeting the gold kind does not have)")
    for event, label, claim in rows[:args.first]:
        flag = "!" if claim and label.get("kind") != "consult" else " "
        where = entities[event.place].name if event.place else "-"
        print(f"{flag} {event.date} {label.get('kind', '?'):<12} {event.title}  [{where}]")


if __name__ == "__main__":
    main()
