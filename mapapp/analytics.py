"""What the record means: front lines, sieges, pockets and ground held over time. Reads only.

Selectors like those in mapapp.selectors, kept apart because they share one idea: a map's zones form a graph
whose links are the boundaries they share (ZoneEdge, derived from the footprints by mapapp.services). Front
lines are a filter over those edges, pockets are connected parts of that graph, and the besieged ground's parts
are counted on it too, so no question here needs a geometric union of the whole map.

Dates are datetime.date and inclusive ("on D"); areas are geodesic km² on the WGS84 ellipsoid (Place.area_km2,
equal-area by construction), summed as whole square metres so that what one side gains another loses exactly.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import orjson
import scipy.sparse
import scipy.sparse.csgraph
import shapely
from django.contrib.gis.db.models import MultiPolygonField, Union
from django.contrib.gis.db.models.functions import AsWKB
from django.db import connection
from django.db.models import F, Func, Prefetch, Q

from gazetteer.models import Place
from mapapp import asof, standards
from mapapp.lib import geo
from mapapp.models import (
    Actor,
    ControlPeriod,
    Map,
    PocketBacklog,
    PocketPiece,
    Siege,
    SiegePlace,
    SiegeSupply,
    ZoneEdge,
)
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
    """Which zones of a map share a boundary (`neighbours`), and which touch the map's outer edge (`outer`).

    Filled once, then only read: arrays() keeps the arrays it builds at its first call."""

    neighbours: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    outer: set[int] = field(default_factory=set)
    _arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, repr=False, compare=False)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(ids, a, b): every zone id in the graph (sorted, int64), and each shared boundary once, as the
        positions in `ids` of its two zones (a < b)."""
        if self._arrays is None:
            ids = np.array(sorted(set(self.neighbours) | self.outer), dtype=np.int64)
            pairs = np.array(
                [(a, b) for a, neighbours in self.neighbours.items() for b in neighbours if a < b], dtype=np.int64
            ).reshape(-1, 2)
            self._arrays = (ids, np.searchsorted(ids, pairs[:, 0]), np.searchsorted(ids, pairs[:, 1]))
        return self._arrays


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


# Below this many zones a walk in Python is quicker than building the sparse matrix scipy needs.
_SMALL_PARTS = 200


def connected_parts(place_ids: set[int], graph: ZoneGraph) -> list[list[int]]:
    """The connected parts of a set of zones, linked by shared boundaries; each part sorted, parts in order of
    their smallest id."""
    if len(place_ids) < _SMALL_PARTS:
        return _connected_parts_walked(place_ids, graph)
    return _connected_parts_sparse(place_ids, graph)


def _connected_parts_sparse(place_ids: set[int], graph: ZoneGraph) -> list[list[int]]:
    """connected_parts by scipy's connected_components over the graph's boundaries within `place_ids`."""
    ids, a, b = graph.arrays()
    members = np.array(sorted(place_ids), dtype=np.int64)
    at = np.searchsorted(ids, members)
    known = at < len(ids)
    known[known] = ids[at[known]] == members[known]
    inside = np.zeros(len(ids), dtype=bool)
    inside[at[known]] = True
    linked = inside[a] & inside[b]
    matrix = scipy.sparse.coo_array(
        (np.ones(int(linked.sum()), dtype=np.int8), (a[linked], b[linked])), shape=(len(ids), len(ids))
    ).tocsr()
    count, labels_of_ids = scipy.sparse.csgraph.connected_components(matrix, directed=False)
    labels = np.empty(len(members), dtype=np.int64)
    labels[known] = labels_of_ids[at[known]]
    labels[~known] = count + np.arange(int((~known).sum()))  # zones without boundaries: parts of their own
    return [part.tolist() for part in parts_of_labels(members, labels)]


def parts_of_labels(members: np.ndarray, labels: np.ndarray) -> list[np.ndarray]:
    """`members` (sorted ids) grouped by their `labels`: each group sorted, groups in order of their smallest id."""
    if not len(members):
        return []
    _unique, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    ranked = rank[inverse]
    order = np.argsort(ranked, kind="stable")
    return np.split(members[order], np.flatnonzero(np.diff(ranked[order])) + 1)


def _connected_parts_walked(place_ids: set[int], graph: ZoneGraph) -> list[list[int]]:
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


# --- pieces of ground ------------------------------------------------------------------------------------


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

    A piece is enclosed when it has no zone on the map's outer edge, has at least one neighbour, and every zone
    bordering it is held or contested by an actor that is neither its own actor nor an ally (ground of unknown
    control does not enclose). Such a piece never borders its actor's largest piece (pieces are maximal); the
    largest piece (by area, ties to the lowest zone id; `largest`) is judged by the same rule, so ground ringed
    on every side is enclosed even when it is all the actor holds. `siege_id` is the published siege in effect whose
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
                for siege_id in besieged.get(place_id, ()):
                    counts[siege_id] += 1
            if counts:
                piece.siege_id = min(counts, key=lambda siege_id: (-counts[siege_id], siege_id))
            actor_pieces.append(piece)
        max(actor_pieces, key=lambda piece: (piece.area_m2, -piece.place_ids[0])).largest = True
        pieces.extend(actor_pieces)
    return pieces


def _rounded(geometry) -> shapely.Geometry:
    return shapely.transform(geometry, lambda coords: np.round(coords, COORDINATE_DECIMALS))


def geojson_text(geometry) -> str:
    """GeoJSON text of a shapely geometry, coordinates rounded to COORDINATE_DECIMALS."""
    return shapely.to_geojson(_rounded(standards.oriented(geometry)))


def geojson_texts(geometries) -> list[str]:
    """geojson_text of each of many geometries, in one vectorised call per step (orient, round, write) instead
    of three per geometry: a fronts answer has hundreds of lines."""
    geometries = np.asarray(geometries, dtype=object)
    if not len(geometries):
        return []
    return shapely.to_geojson(_rounded(standards.oriented(geometries))).tolist()


def feature_collection(map: Map, on: dt.date | None, features: list[dict], **extra) -> bytes:
    """A GeoJSON FeatureCollection of the map (and the date, when given) with `extra` members before the features."""
    payload = {"type": "FeatureCollection", "map": map.slug}
    if on is not None:
        payload["date"] = on.isoformat()
    payload.update(extra)
    payload["features"] = features
    return orjson.dumps(payload)


def footprints_of(place_ids) -> dict[int, tuple[str, shapely.Geometry]]:
    """{place_id: (slug, footprint as shapely)}: WKB straight from the database, parsed in one vectorised call."""
    rows = list(
        Place.objects.filter(pk__in=list(place_ids))
        .annotate(wkb=AsWKB("footprint"))
        .order_by("pk")
        .values_list("pk", "slug", "wkb")
    )
    geometries = shapely.from_wkb([bytes(wkb) for _pk, _slug, wkb in rows]) if rows else []
    return {pk: (slug, geometry) for (pk, slug, _wkb), geometry in zip(rows, geometries, strict=True)}


def zone_slugs(map: Map) -> dict[int, str]:
    """{place_id: slug} of the map's zones. One query, its rows fetched as plain tuples on Django's cursor: for
    the 5,000 slugs of a pockets answer, a third of the CPU of the same rows through the ORM (3.6 -> 1.1 ms)."""
    sql = (
        f"SELECT zone.place_id, place.slug FROM {Map.places.through._meta.db_table} zone"
        f" JOIN {Place._meta.db_table} place ON place.id = zone.place_id WHERE zone.map_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [map.pk])
        return dict(cursor.fetchall())


# --- sieges -----------------------------------------------------------------------------------------------


def besieged_rows(*, map: Map, on: dt.date):
    """SiegePlace rows of the map's zones besieged on `on`: the siege published and in effect, the zone not yet
    relieved, and its control period that day the besieged actor's (held or contested). A zone in two sieges
    has a row in each. A queryset: one query when read."""
    return SiegePlace.objects.filter(
        Q(until__isnull=True) | Q(until__gt=on),
        Q(place__control_periods__valid_to__isnull=True) | Q(place__control_periods__valid_to__gt=on),
        place__control_periods__valid_from__lte=on,
        place__control_periods__actor_id=F("siege__besieged_actor_id"),
        place__maps=map,
        siege__in=Siege.objects.published().in_effect(on),
    )


def sieges_geojson(*, map: Map, on: dt.date) -> bytes:
    """The sieges in effect on `on`, one feature each, its geometry the union of the ground besieged that day
    (a MultiPolygon, made by the database: ST_Union per siege).

    Properties: `siege` (slug), `name`, `name_ar`, `besieged_actor`, `besieging_actors` (slugs), `start`,
    `end` (first day no longer besieged, or null), `days` (the day of the siege `on` is: 1 on its first day),
    `places` (slugs of the besieged zones), `parts` (separate pieces: zones linked by shared edges), `area_km2`,
    `supply` (methods in effect on `on`, by start). Sieges with no besieged zone that day are left out. Six
    queries whatever the number of sieges and zones."""
    by_siege: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    for siege_id, place_id, slug, area in (
        besieged_rows(map=map, on=on)
        .order_by("siege_id", "place__slug")
        .values_list("siege_id", "place_id", "place__slug", "place__area_km2")
    ):
        by_siege[siege_id].append((place_id, slug, square_metres(area)))
    if not by_siege:
        return feature_collection(map, on, [])
    sieges = {
        siege.pk: siege
        for siege in Siege.objects.filter(pk__in=by_siege)
        .select_related("besieged_actor")
        .prefetch_related(Prefetch("besieging_actors", queryset=Actor.objects.order_by("sort_order", "slug")))
    }
    supplies: dict[int, list[str]] = defaultdict(list)
    for siege_id, method in (
        SiegeSupply.objects.filter(Q(end__isnull=True) | Q(end__gt=on), siege_id__in=by_siege, start__lte=on)
        .order_by("start", "method")
        .values_list("siege_id", "method")
    ):
        if method not in supplies[siege_id]:
            supplies[siege_id].append(method)
    geometries = dict(
        besieged_rows(map=map, on=on)
        .order_by()
        .values("siege_id")
        .annotate(
            geojson=standards.as_geojson(
                Func(Union("place__footprint"), function="ST_Multi", output_field=MultiPolygonField(srid=geo.WGS84)),
                precision=COORDINATE_DECIMALS,
            )
        )
        .values_list("siege_id", "geojson")
    )
    all_places = {place_id for rows in by_siege.values() for place_id, _slug, _area in rows}
    graph = ZoneGraph()
    for place_a, place_b in ZoneEdge.objects.filter(
        map=map, place_a__in=all_places, place_b__in=all_places
    ).values_list("place_a_id", "place_b_id"):
        graph.neighbours[place_a].add(place_b)
        graph.neighbours[place_b].add(place_a)
    features = []
    for siege_id in sorted(by_siege, key=lambda pk: (sieges[pk].start, sieges[pk].slug)):
        siege, rows = sieges[siege_id], by_siege[siege_id]
        features.append(
            {
                "type": "Feature",
                "id": siege.slug,
                "geometry": orjson.Fragment(geometries[siege_id]),
                "properties": {
                    "siege": siege.slug,
                    "name": siege.name_en,
                    "name_ar": siege.name_ar,
                    "besieged_actor": siege.besieged_actor.slug,
                    "besieging_actors": [actor.slug for actor in siege.besieging_actors.all()],
                    "start": siege.start.isoformat(),
                    "end": siege.end.isoformat() if siege.end else None,
                    "days": (on - siege.start).days + 1,
                    "places": [slug for _id, slug, _area in rows],
                    "parts": len(connected_parts({place_id for place_id, _slug, _area in rows}, graph)),
                    "area_km2": km2(sum(area for _id, _slug, area in rows)),
                    "supply": supplies[siege_id],
                },
            }
        )
    return feature_collection(map, on, features)


# --- pockets ----------------------------------------------------------------------------------------------


@dataclass
class _Holder:
    """What besieged_place_ids reads of a zone's state: who holds it."""

    actor_id: int


class _Holders:
    """The zones' states as besieged_place_ids reads them (`states.get(place_id)`), from {place_id: actor_id}: a
    _Holder made only for the few zones a siege names, not one per zone of the map (at 5,000 zones those objects
    were 40% of the pockets answer's CPU)."""

    def __init__(self, actor_of: dict[int, int]):
        self.actor_of = actor_of

    def get(self, place_id: int) -> _Holder | None:
        actor_id = self.actor_of.get(place_id)
        return None if actor_id is None else _Holder(actor_id)


def stored_pieces_at(*, map: Map, on: dt.date) -> list[tuple[Piece, str]]:
    """pieces_at's answer, each piece with the GeoJSON of its geometry, from the stored pocket pieces in effect on
    `on` (mapapp.services.fronts): the zones, border and shape of each are stored; what may change without a
    change of control is judged here as pieces_at judges it: enclosure against the allies of now, the largest
    piece of each actor, and the siege. Four queries."""
    rows = list(
        PocketPiece.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on), map=map, valid_from__lte=on)
        .order_by("actor_id", "place_ids")
        .values_list(
            "actor_id", "place_ids", "area_m2", "on_outer_edge", "border_actor_ids", "border_unknown", "geojson"
        )
    )
    if not rows:
        return []
    allies = allies_of()
    actor_of: dict[int, int] = {}
    for actor_id, place_ids, *_rest in rows:
        actor_of.update(dict.fromkeys(place_ids, actor_id))
    besieged = besieged_place_ids(map=map, on=on, states=_Holders(actor_of))
    found: list[tuple[Piece, str]] = []
    by_actor: dict[int, list[Piece]] = defaultdict(list)
    for actor_id, place_ids, area_m2, on_edge, border_actor_ids, border_unknown, geojson in rows:
        friendly = allies.get(actor_id, set()) | {actor_id}
        hostile = bool(border_actor_ids) and not border_unknown and not friendly.intersection(border_actor_ids)
        piece = Piece(
            actor_id=actor_id,
            place_ids=place_ids,
            area_m2=area_m2,
            on_outer_edge=on_edge,
            enclosed=hostile and not on_edge,
        )
        counts: dict[int, int] = defaultdict(int)
        for place_id in place_ids:
            for siege_id in besieged.get(place_id, ()):
                counts[siege_id] += 1
        if counts:
            piece.siege_id = min(counts, key=lambda siege_id: (-counts[siege_id], siege_id))
        by_actor[actor_id].append(piece)
        found.append((piece, geojson))
    for pieces in by_actor.values():
        max(pieces, key=lambda piece: (piece.area_m2, -piece.place_ids[0])).largest = True
    return found


def _backlogged(map: Map, on: dt.date) -> bool:
    return PocketBacklog.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=on), Q(valid_to__isnull=True) | Q(valid_to__gt=on), map=map
    ).exists()


def pockets_geojson(*, map: Map, on: dt.date, enclosed_only: bool = False, stored: bool | None = None) -> bytes:
    """Each actor's connected pieces of ground on `on` (see pieces_at), one feature each, its geometry the union
    of the piece's zones. Properties: `actor`, `enclosed`, `largest` (the actor's largest piece),
    `area_km2`, `places` (slugs), `siege` (slug of the published siege besieging most of it that day, or null),
    `suggest_siege` (enclosed with no siege recorded: for an editor to look at). Largest pieces first.

    From the stored pocket pieces (stored_pieces_at); with `stored` False, inside an as_of read (the record at a
    moment has periods, made from history, but no pieces) and on a day whose pieces wait in the backlog (see
    mapapp.services.fronts), worked out from the periods and the zone graph with the zones' footprints united on
    the spot, as the pieces are derived."""
    if stored is None:
        stored = not asof.active() and not _backlogged(map, on)
    if stored:
        found = stored_pieces_at(map=map, on=on)
        slugs = zone_slugs(map) if found else {}
    else:
        pieces = pieces_at(map=map, on=on)
        footprints = footprints_of({place_id for piece in pieces for place_id in piece.place_ids})
        slugs = {pk: slug for pk, (slug, _geometry) in footprints.items()}
        found = [
            (piece, geojson_text(geo.union([footprints[place_id][1] for place_id in piece.place_ids])))
            for piece in pieces
        ]
    if enclosed_only:
        found = [(piece, geojson) for piece, geojson in found if piece.enclosed]
    actor_slugs = dict(Actor.objects.values_list("pk", "slug"))
    siege_slugs = dict(Siege.objects.filter(pk__in={p.siege_id for p, _g in found}).values_list("pk", "slug"))
    features = []
    for piece, geojson in sorted(
        found, key=lambda item: (actor_slugs[item[0].actor_id], -item[0].area_m2, item[0].place_ids[0])
    ):
        features.append(
            {
                "type": "Feature",
                "geometry": orjson.Fragment(geojson),
                "properties": {
                    "actor": actor_slugs[piece.actor_id],
                    "enclosed": piece.enclosed,
                    "largest": piece.largest,
                    "area_km2": km2(piece.area_m2),
                    "places": sorted(slugs[place_id] for place_id in piece.place_ids),
                    "siege": siege_slugs.get(piece.siege_id),
                    "suggest_siege": piece.enclosed and piece.siege_id is None,
                },
            }
        )
    return feature_collection(map, on, features)


# --- ground held over time --------------------------------------------------------------------------------

STEPS = ("day", "week", "month")
MAX_STEPS = 5000


def step_dates(start: dt.date, end: dt.date, step: str) -> list[dt.date]:
    """start, start + 1 step, ... up to end inclusive. Months keep the day of the month of `start`, or the
    month's last day where it has fewer (31 Jan, 28 Feb, 31 Mar)."""
    if step == "day":
        return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
    if step == "week":
        return [start + dt.timedelta(days=7 * n) for n in range((end - start).days // 7 + 1)]
    dates = []
    index = 0
    while True:
        year, month = divmod(start.month - 1 + index, 12)
        year, month = start.year + year, month + 1
        day = dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
        if day > end:
            return dates
        dates.append(day)
        index += 1


def count_steps(start: dt.date, end: dt.date, step: str) -> int:
    if step == "day":
        return (end - start).days + 1
    if step == "week":
        return (end - start).days // 7 + 1
    last_day = min(start.day, calendar.monthrange(end.year, end.month)[1])
    return (end.year - start.year) * 12 + end.month - start.month + (end.day >= last_day)


def area_series(*, map: Map, start: dt.date, end: dt.date, step: str) -> dict:
    """km² of each actor's ground (held or contested) on each step date from `start` to `end` inclusive:
    {"actors": [slugs], "series": [{"date", "<actor>": km2, ...}]}. Every actor with ground on some step is
    listed, in the actors' order, and present (0.0 where it has none) in every step.

    One query for the control periods overlapping [start, end], then a sweep over their boundaries: each period
    adds its zone's area when it opens and takes it away when it closes, so the cost is the number of periods
    plus the number of steps, not zones times steps. Sums are whole m², so two steps' difference is exactly the
    net of the changes between them (see changes_between)."""
    dates = step_dates(start, end, step)
    rows = (
        ControlPeriod.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=start), place__maps=map)
        .filter(valid_from__lte=end)
        .values_list("actor_id", "valid_from", "valid_to", "place__area_km2")
    )
    events: list[tuple[dt.date, int, int]] = []
    for actor_id, valid_from, valid_to, area in rows:
        size = square_metres(area)
        events.append((valid_from, actor_id, size))
        if valid_to is not None:
            events.append((valid_to, actor_id, -size))
    events.sort(key=lambda event: event[0])
    totals: dict[int, int] = defaultdict(int)
    seen: set[int] = set()
    snapshots: list[dict[int, int]] = []
    index = 0
    for day in dates:
        while index < len(events) and events[index][0] <= day:
            _when, actor_id, size = events[index]
            totals[actor_id] += size
            index += 1
        snapshot = {actor_id: total for actor_id, total in totals.items() if total}
        seen.update(snapshot)
        snapshots.append(snapshot)
    actors = list(Actor.objects.filter(pk__in=seen).order_by("sort_order", "slug").values_list("pk", "slug"))
    series = []
    for day, snapshot in zip(dates, snapshots, strict=True):
        point: dict[str, object] = {"date": day.isoformat()}
        for actor_id, slug in actors:
            point[slug] = km2(snapshot.get(actor_id, 0))
        series.append(point)
    return {"actors": [slug for _pk, slug in actors], "step": step, "series": series}
