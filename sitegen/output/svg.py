"""A relationship graph drawn at build time as inline SVG, so it reads without JavaScript.

The subject sits in the middle, the people or countries it met around it, each edge labelled with how
many meetings link them; every node links to its page.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable

from markupsafe import Markup, escape

from ..analysis.models import Entity, EntityKind
from ..site.digest import Digest

SIZE = 360
RADIUS = 125
MAX_NEIGHBOURS = 10


def neighbours(digest: Digest, entity: Entity) -> Counter:
    """Who the entity met (people for a person, countries for a country), by number of meetings."""
    counts: Counter = Counter()
    for bilateral in digest.bilaterals_of.get(entity.id, []):
        other = bilateral.members[1] if bilateral.members[0] == entity.id else bilateral.members[0]
        if digest.entities[other].kind == entity.kind:
            counts[other] += len(bilateral.meetings)
    return counts


def relationship_svg(digest: Digest, entity: Entity, href: Callable[[Entity], str]) -> Markup:
    """The SVG for an entity's page, or nothing when it met no one."""
    counts = neighbours(digest, entity)
    if not counts:
        return Markup("")
    ranked = sorted(counts, key=lambda e: (-counts[e], digest.entities[e].name))[:MAX_NEIGHBOURS]
    centre = SIZE / 2
    label = "people" if entity.kind == EntityKind.PERSON else "countries"
    parts = [f'<title id="graph-title">{escape(entity.name)} and the {label} met</title>']
    nodes = []
    for index, other_id in enumerate(ranked):
        angle = -math.pi / 2 + 2 * math.pi * index / len(ranked)
        x, y = centre + RADIUS * math.cos(angle), centre + RADIUS * math.sin(angle)
        mid_x, mid_y = (centre + x) / 2, (centre + y) / 2
        parts.append(f'<line x1="{centre:.1f}" y1="{centre:.1f}" x2="{x:.1f}" y2="{y:.1f}" class="edge" '
                     f'stroke-width="{min(1 + counts[other_id], 6)}"/>')
        parts.append(f'<text x="{mid_x:.1f}" y="{mid_y - 4:.1f}" class="edge-label">{counts[other_id]}</text>')
        nodes.append((digest.entities[other_id], x, y, False))
    nodes.append((entity, centre, centre, True))
    for node, x, y, is_subject in nodes:
        name = escape(node.name)
        circle = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{9 if is_subject else 6}" class="node"/>'
        text = f'<text x="{x:.1f}" y="{y + 22:.1f}" class="node-label">{name}</text>'
        if is_subject:
            parts.append(f'<g class="subject">{circle}{text}</g>')
        else:
            parts.append(f'<a href="{escape(href(node))}">{circle}{text}</a>')
    parts.append("</svg>")
    # Fit the picture to its nodes (and their labels below them) so a pair does not float in empty space.
    top = min(y for _, _, y, _ in nodes) - 20
    bottom = max(y for _, _, y, _ in nodes) + 32
    head = (f'<svg class="graph" viewBox="0 {top:.0f} {SIZE} {bottom - top:.0f}" role="group" '
            f'aria-labelledby="graph-title" xmlns="http://www.w3.org/2000/svg">')
    return Markup(head + "".join(parts))
