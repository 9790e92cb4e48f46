"""Connected parts and pieces of ground found with scipy's connected_components over arrays equal, part for part and
in the same order, what walking the zone graph in Python finds (analytics' own walk is the reference), on
random graphs: grids with boundaries missing, zones off the graph, ground of unknown control, days on which
nothing and everything changes."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import pytest

from mapapp import analytics
from mapapp.analytics import ZoneGraph
from mapapp.services.fronts import PieceSpan, period_events, piece_spans

# The reference: the depth-first walk from each zone in id order, which analytics keeps for small graphs.
connected_parts_walked = analytics._connected_parts_walked


def piece_spans_walked(*, periods, graph, zones, start, end) -> list[PieceSpan]:
    """The reference: each day's pieces by connected_parts_walked per actor, borders zone by zone."""
    events = period_events(periods, zones)
    if not events:
        return []
    first = min(events) if start is None else start
    days = sorted(day for day in events if day > first and (end is None or day < end))
    state: dict[int, int] = {}
    for day in sorted(day for day in events if day <= first):
        for place_id, actor_id in events[day]:
            if actor_id is None:
                state.pop(place_id, None)
            else:
                state[place_id] = actor_id
    spans: list[PieceSpan] = []
    open_spans: dict[tuple, PieceSpan] = {}
    for index, day in enumerate([first, *days]):
        if index:
            for place_id, actor_id in events[day]:
                if actor_id is None:
                    state.pop(place_id, None)
                else:
                    state[place_id] = actor_id
        ground: dict[int, set[int]] = defaultdict(set)
        for place_id, actor_id in state.items():
            ground[actor_id].add(place_id)
        now: dict[tuple, PieceSpan] = {}
        for actor_id, places in ground.items():
            for part in connected_parts_walked(places, graph):
                members = set(part)
                border = {n for place_id in part for n in graph.neighbours.get(place_id, ()) if n not in members}
                border_actors = {state.get(n) for n in border}
                span = PieceSpan(
                    actor_id=actor_id,
                    place_ids=tuple(part),
                    border_actor_ids=tuple(sorted(a for a in border_actors if a is not None)),
                    border_unknown=None in border_actors,
                    on_outer_edge=any(place_id in graph.outer for place_id in part),
                    start=day,
                    end=None,
                )
                now[span.key] = span
        for key, span in open_spans.items():
            if key not in now:
                span.end = day
                spans.append(span)
        open_spans = {key: open_spans.get(key, span) for key, span in now.items()}
    for span in open_spans.values():
        span.end = end
        spans.append(span)
    return spans


def random_grid(rng: random.Random) -> tuple[ZoneGraph, list[int]]:
    """A grid of zones with scattered ids, some boundaries missing, the rim on the outer edge."""
    width, height = rng.randint(1, 18), rng.randint(1, 18)
    ids = rng.sample(range(1, 100_000), width * height)
    graph = ZoneGraph()
    for row in range(height):
        for column in range(width):
            here = ids[row * width + column]
            if row in (0, height - 1) or column in (0, width - 1):
                graph.outer.add(here)
            for dx, dy in ((1, 0), (0, 1), (1, 1)):
                if column + dx < width and row + dy < height and rng.random() < (0.85 if dx + dy == 1 else 0.1):
                    there = ids[(row + dy) * width + column + dx]
                    graph.neighbours[here].add(there)
                    graph.neighbours[there].add(here)
    return graph, ids


@pytest.mark.parametrize("seed", range(40))
def test_connected_parts_by_scipy_equal_the_walk(seed):
    rng = random.Random(seed)
    graph, ids = random_grid(rng)
    for share in (0.0, 0.3, 0.7, 1.0):
        chosen = {place_id for place_id in ids if rng.random() < share} | {rng.randint(200_000, 300_000)}
        assert analytics._connected_parts_sparse(chosen, graph) == connected_parts_walked(chosen, graph)
        assert analytics.connected_parts(chosen, graph) == connected_parts_walked(chosen, graph)


@pytest.mark.parametrize("seed", range(40))
def test_piece_spans_by_scipy_equal_the_walk(seed):
    rng = random.Random(seed)
    graph, ids = random_grid(rng)
    actors = rng.sample(range(1, 60), rng.randint(1, 4))
    first = dt.date(2015, 1, 1)
    periods = []
    for place_id in ids + [rng.randint(200_000, 300_000)]:  # and a zone off the graph
        day = first + dt.timedelta(days=rng.choice([0, 0, 0, rng.randint(1, 30)]))
        while day < first + dt.timedelta(days=200):
            length = rng.randint(5, 90)
            ends = None if rng.random() < 0.15 else day + dt.timedelta(days=length)
            periods.append((place_id, rng.choice(actors), "held", day, ends))
            if ends is None:
                break
            day = ends + dt.timedelta(days=rng.choice([0, 0, 0, rng.randint(1, 20)]))  # gaps: unknown control
    zones = {place_id for place_id in ids if rng.random() < 0.95} | {periods[-1][0]}
    rng.shuffle(periods)
    for start, end in ((None, None), (first + dt.timedelta(days=40), first + dt.timedelta(days=120))):
        got = piece_spans(periods=periods, graph=graph, zones=zones, start=start, end=end)
        assert got == piece_spans_walked(periods=periods, graph=graph, zones=zones, start=start, end=end)
