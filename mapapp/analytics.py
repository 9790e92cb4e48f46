"""What the record means: front lines, sieges, pockets and ground held over time. Reads only.

Selectors like those in mapapp.selectors, kept apart because they share one idea: a map's zones form a graph
whose links are the boundaries they share (ZoneEdge, derived from the footprints by mapapp.services). Front
lines are a filter over those edges, pockets are connected parts of that graph, and the besieged ground's parts
are counted on it too, so no question here needs a geometric union of the whole map.

Dates are datetime.date and inclusive ("on D"); areas are geodesic km² on the WGS84 ellipsoid (Place.area_km2,
equal-area by construction), summed as whole square metres so that what one side gains another loses exactly.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from mapapp.models import Actor, Map, ZoneEdge
from mapapp.selectors import ZoneState, besieged_place_ids, zone_states_at

COORDINATE_DECIMALS = 6  # about 0.1 m, as in the zones GeoJSON


def square_metres(area_km2: float | None) -> int:
    """A zone's area as whole square metres: sums of these are exact, so conservation holds to the m²."""
    return round((area_km2 or 0.0) * 1_000_000)


def km2(square_metres_total: int) -> float:
    return round(square_metres_total / 1_000_000, 6)


# --- the zone graph ---------------------------------------------------------------------------------------


@dataclass
class ZoneGraph:
    """Which zones of a map share a boundary (`neighbours`), and which touch the map's outer edge (`outer`)."""

    neighbours: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    outer: set[int] = field(default_factory=set)


def zone_graph(*, map: Map) -> ZoneGraph:
    """The map's zone graph from its ZoneEdges. One query, no geometry."""
    graph = ZoneGraph()
    for place_a, place_b in ZoneEdge.objects.filter(map=map).values_list("place_a_id", "place_b_id"):
        if place_b is None:
            graph.outer.add(place_a)
        else:
            graph.neighbours[place_a].add(place_b)
            graph.neighbours[place_b].add(place_a)
    return graph


def connected_parts(place_ids: set[int], graph: ZoneGraph) -> list[list[int]]:
    """The connected parts of a set of zones, linked by shared boundaries; each part sorted, parts in order of
    their smallest id."""
    parts: list[list[int]] = []
    seen: set[int] = set()
    for start in sorted(place_ids):
        if start in seen:
            continue
        seen.add(start)
        part, stack = [], [start]
        while stack:
            place_id = stack.pop()
            part.append(place_id)
            for neighbour in graph.neighbours.get(place_id, ()):
                if neighbour in place_ids and neighbour not in seen:
                    seen.add(neighbour)
                    stack.append(neighbour)
        parts.append(sorted(part))
    return parts


def allies_of() -> dict[int, set[int]]:
    """{actor_id: ids of its allies}. One query."""
    allies: dict[int, set[int]] = defaultdict(set)
    for from_id, to_id in Actor.allies.through.objects.values_list("from_actor_id", "to_actor_id"):
        allies[from_id].add(to_id)
        allies[to_id].add(from_id)
    return allies


# --- pockets ----------------------------------------------------------------------------------------------


@dataclass
class Piece:
    """One connected piece of an actor's ground on a day."""

    actor_id: int
    place_ids: list[int]
    area_m2: int
    on_outer_edge: bool
    largest: bool = False
    enclosed: bool = False
    siege_id: int | None = None


def pieces_at(
    *,
    map: Map,
    on: dt.date,
    states: dict[int, ZoneState] | None = None,
    graph: ZoneGraph | None = None,
    areas: dict[int, int] | None = None,
    allies: dict[int, set[int]] | None = None,
    besieged: dict[int, int] | None = None,
) -> list[Piece]:
    """Each actor's connected pieces of ground on `on` (a zone is the actor's ground when the actor holds or
    contests it), with the pieces enclosed by hostile ground marked.

    A piece is enclosed when it is not its actor's largest piece (by area; ties go to the piece with the lowest
    zone id) or is that piece but still cut off, has no zone on the map's outer edge, has at least one
    neighbour, and every zone bordering it is held or contested by an actor that is neither its own actor nor
    an ally (ground of unknown control does not enclose). `siege_id` is the published siege in effect whose
    besieged places overlap the piece most that day, if any. Five queries at most; pass what you already have.
    """
    if states is None:
        states = zone_states_at(map=map, on=on)
    if graph is None:
        graph = zone_graph(map=map)
    if areas is None:
        areas = {pk: square_metres(area) for pk, area in map.places.values_list("pk", "area_km2")}
    if allies is None:
        allies = allies_of()
    if besieged is None:
        besieged = besieged_place_ids(map=map, on=on, states=states)

    ground: dict[int, set[int]] = defaultdict(set)
    for place_id, state in states.items():
        if state.actor_id is not None and place_id in areas:
            ground[state.actor_id].add(place_id)

    pieces: list[Piece] = []
    for actor_id in sorted(ground):
        friendly = allies.get(actor_id, set()) | {actor_id}
        actor_pieces = []
        for part in connected_parts(ground[actor_id], graph):
            members = set(part)
            border = {n for place_id in part for n in graph.neighbours.get(place_id, ()) if n not in members}
            on_edge = any(place_id in graph.outer for place_id in part)
            hostile = bool(border) and all(
                (state := states.get(n)) is not None and state.actor_id not in friendly for n in border
            )
            piece = Piece(
                actor_id=actor_id,
                place_ids=part,
                area_m2=sum(areas[place_id] for place_id in part),
                on_outer_edge=on_edge,
                enclosed=hostile and not on_edge,
            )
            counts: dict[int, int] = defaultdict(int)
            for place_id in part:
                if place_id in besieged:
                    counts[besieged[place_id]] += 1
            if counts:
                piece.siege_id = min(counts, key=lambda siege_id: (-counts[siege_id], siege_id))
            actor_pieces.append(piece)
        max(actor_pieces, key=lambda piece: (piece.area_m2, -piece.place_ids[0])).largest = True
        pieces.extend(actor_pieces)
    return pieces
