"""Front segments and pocket pieces, derived from the control periods and the map's shared edges, here and only
here, in the transaction that changes what they are derived from (docs/contract.md, "Derived tables").

Fronts on a date were a join of every shared edge with the period in effect on each side; pockets were the zone
graph rebuilt and every piece's zones united on each request. Both only change where a period starts or ends, so
they are kept as rows with their own validity intervals, and a date becomes a range lookup:

- FrontSegment: an edge whose two sides had different actors during [valid_from, valid_to), with those actors and
  their statuses. Rederived for the edges touching the places whose periods changed, or for edges that are new.
- PocketPiece: one connected piece of an actor's ground during an interval in which neither its zones nor the
  actors on its border changed, with its area, whether it touches the map's outer edge, and its geometry. When
  periods change, only the dates between the first and the last changed period are swept again and stitched to
  the rows either side; new edges (zones split, merged or reshaped) sweep the map's whole record.

A window of more than INLINE_DATES dates on which something starts or ends (a back-dated change of a zone that
rarely changes hands, new edges on a big map: tens of seconds of sweeping and uniting at 5,000 zones) is not
swept in the editor's transaction: it is written down as a PocketBacklog, which the worker derives after the
commit (pockets_catch_up_task), and pockets on its days are worked out from the periods until then.

Within derived_deferred() the work is left until the block ends and done once per map, whole: an import splits
zones and derives periods at hundreds of dates (mapapp.services.parts.edges_deferred enters it). With
`pockets_later` (the import) the whole map's pockets follow the rule above like any other window: over more than
INLINE_DATES dates they go to the worker, and the block's own transaction derives the fronts only (uniting the
zones of every piece of a record of hundreds of dates was a third of an import's time, bench/bench_precision.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse
import scipy.sparse.csgraph
import shapely
from django.contrib.gis.db.models.functions import AsWKB
from django.db import transaction
from django.db.models import Q
from django_tasks import task

from mapapp import analytics
from mapapp.lib import geo
from mapapp.lib.bulk import IDS_PER_QUERY, bulk_insert, bulk_insert_values
from mapapp.models import ControlPeriod, FrontSegment, Map, PocketBacklog, PocketPiece, ZoneEdge

# (place_id, actor_id, status, valid_from, valid_to): a period as the derivation reads it.
Period = tuple[int, int, str, dt.date, dt.date | None]

INLINE_DATES = 24

_deferred: ContextVar[set[int] | None] = ContextVar("derived_deferred", default=None)


@contextmanager
def derived_deferred(*, pockets_later: bool = False) -> Iterator[None]:
    """Inside, changes to periods and edges only note their maps; on leaving (without an error) each noted map's
    fronts and pockets are derived once, whole. With `pockets_later`, a map whose record has more than
    INLINE_DATES dates leaves its pockets to the worker (a PocketBacklog of its whole record, read around until
    the worker derives it), as a change's window of that many dates does. An inner block follows the outer one."""
    if _deferred.get() is not None:  # an outer block does it
        yield
        return
    token = _deferred.set(set())
    try:
        yield
        waiting = _deferred.get()
    finally:
        _deferred.reset(token)
    for map_ in Map.objects.filter(pk__in=waiting).order_by("pk"):
        map_derived_rebuild(map=map_, pockets_later=pockets_later)


def _locked(maps) -> list[Map]:
    """The maps, their rows locked (in id order) until the transaction ends: two transactions deriving one map's
    rows run one after the other, the second reading the first's periods (a publish has locked its maps already,
    moving their data versions, so this adds no new order of locks)."""
    return list(maps.select_for_update().order_by("pk"))


def _deferring(map_id: int) -> bool:
    waiting = _deferred.get()
    if waiting is None:
        return False
    waiting.add(map_id)
    return True


def map_derived_rebuild(*, map: Map, pockets_later: bool = False) -> tuple[int, int]:
    """The map's front segments and pocket pieces derived again from scratch. Returns (segments, pieces).

    `pockets_later`: the pockets of a record of more than INLINE_DATES dates go to the worker instead
    (_pockets_now_or_later over the whole record); the pieces are then 0, and the map's old pieces are gone (they
    were derived from zones and edges that may be no more)."""
    if _deferring(map.pk):
        return 0, 0
    with transaction.atomic():
        _locked(Map.objects.filter(pk=map.pk))
        PocketBacklog.objects.filter(map=map).delete()
        segments = front_segments_rebuild(map=map)
        if not pockets_later:
            return segments, pocket_pieces_rebuild(map=map)
        pieces = _pockets_now_or_later(map=map, start=None, end=None)
        if pieces is None:
            PocketPiece.objects.filter(map=map).delete()
        return segments, pieces or 0


def derived_missing_rebuild(**_signal) -> list[str]:
    """Derive the maps that have a record but no derived rows yet: a database made before the derived tables
    existed (migration 0012), which would otherwise answer fronts and pockets with nothing. Run after every
    migrate (MapappConfig.ready): a map already derived costs one query. Returns the slugs derived."""
    derived = []
    for map_ in Map.objects.exclude(pk__in=PocketPiece.objects.values("map_id")).filter(edges__isnull=False).distinct():
        if ControlPeriod.objects.filter(place__maps=map_).exists():
            map_derived_rebuild(map=map_)
            derived.append(map_.slug)
    return derived


def derived_after_periods(*, changed: Iterable[Period]) -> None:
    """Called by control_periods_rebuild with the periods that came or went: the fronts of the edges touching
    those places and the pockets between the first and last date they concern, on every map showing them."""
    changed = list(changed)
    if not changed:
        return
    place_ids = {period[0] for period in changed}
    start = min(period[3] for period in changed)
    ends = [period[4] for period in changed]
    end = None if None in ends else max(ends)
    map_ids = set(
        Map.places.through.objects.filter(place_id__in=list(place_ids)).values_list("map_id", flat=True).distinct()
    )
    for map_ in _locked(Map.objects.filter(pk__in=map_ids)):
        if _deferring(map_.pk):
            continue
        front_segments_rebuild(map=map_, place_ids=place_ids)
        _pockets_now_or_later(map=map_, start=start, end=end)


def derived_after_edges(*, map: Map, place_ids: Iterable[int] | None = None) -> None:
    """Called where a map's ZoneEdges are written: the fronts of the edges of `place_ids` (all the map's when
    None), and the map's pockets over its whole record (which zones neighbour which has changed)."""
    if _deferring(map.pk):
        return
    _locked(Map.objects.filter(pk=map.pk))
    front_segments_rebuild(map=map, place_ids=None if place_ids is None else set(place_ids))
    _pockets_now_or_later(map=map, start=None, end=None)


def _pockets_now_or_later(*, map: Map, start: dt.date | None, end: dt.date | None) -> int | None:
    """The pocket pieces of [start, end) derived now (returns pocket_pieces_rebuild's count), or, over more than
    INLINE_DATES dates, left to the worker (a PocketBacklog, read around meanwhile; returns None)."""
    days = set()
    for valid_from, valid_to in _overlapping(ControlPeriod.objects.filter(place__maps=map), start, end).values_list(
        "valid_from", "valid_to"
    ):
        days.update(day for day in (valid_from, valid_to) if day is not None)
    inside = [day for day in days if (start is None or day >= start) and (end is None or day < end)]
    if len(inside) <= INLINE_DATES:
        return pocket_pieces_rebuild(map=map, start=start, end=end)
    PocketBacklog.objects.create(map=map, valid_from=start, valid_to=end)
    # A row of the database's task queue, written in this transaction: the worker sees it once this commits.
    pockets_catch_up_task.enqueue(map.pk)
    return None


def pockets_catch_up(*, map: Map) -> int:
    """Derive the map's pocket pieces on the days its backlog names (windows that meet are derived as one), and
    clear the backlog. Returns the number of windows derived."""
    with transaction.atomic():
        _locked(Map.objects.filter(pk=map.pk))
        rows = list(PocketBacklog.objects.filter(map=map).values_list("pk", "valid_from", "valid_to"))
        windows: list[list] = []
        low = dt.date.min
        for _pk, start, end in sorted(rows, key=lambda row: row[1] or low):
            if windows and (windows[-1][1] is None or (start or low) <= windows[-1][1]):
                last = windows[-1]
                last[1] = None if end is None or last[1] is None else max(last[1], end)
            else:
                windows.append([start, end])
        for start, end in windows:
            pocket_pieces_rebuild(map=map, start=start, end=end)
        PocketBacklog.objects.filter(pk__in=[pk for pk, _start, _end in rows]).delete()
        return len(windows)


@task()
def pockets_catch_up_task(map_id: int) -> int:
    """The worker's side of PocketBacklog (enqueued by the transaction that wrote it)."""
    map_ = Map.objects.filter(pk=map_id).first()
    return pockets_catch_up(map=map_) if map_ is not None else 0


# --- front segments ---------------------------------------------------------------------------------------


def _periods_by_place(periods: Iterable[Period]) -> dict[int, list[Period]]:
    by_place: dict[int, list[Period]] = defaultdict(list)
    for period in periods:
        by_place[period[0]].append(period)
    for rows in by_place.values():
        rows.sort(key=lambda period: period[3])
    return by_place


def _earlier_end(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    """The earlier of two ends, None being open."""
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def front_intervals(
    side_a: list[Period], side_b: list[Period]
) -> list[tuple[int, str, int, str, dt.date, dt.date | None]]:
    """[(actor a, status a, actor b, status b, from, to)]: where the two sides' periods (each sorted, not
    overlapping) overlap with different actors. Adjacent intervals with the same actors and statuses are one."""
    found: list[list] = []
    i = j = 0
    while i < len(side_a) and j < len(side_b):
        _pa, actor_a, status_a, from_a, to_a = side_a[i]
        _pb, actor_b, status_b, from_b, to_b = side_b[j]
        start = max(from_a, from_b)
        end = _earlier_end(to_a, to_b)
        if (end is None or start < end) and actor_a != actor_b:
            what = [actor_a, status_a, actor_b, status_b]
            if found and found[-1][:4] == what and found[-1][5] == start:
                found[-1][5] = end
            else:
                found.append([*what, start, end])
        # Step past whichever side ends first (an open end never does).
        if to_a is not None and (to_b is None or to_a <= to_b):
            i += 1
        else:
            j += 1
    return [tuple(row) for row in found]


def front_segments_rebuild(*, map: Map, place_ids: set[int] | None = None) -> int:
    """Derive the front segments of the map's shared edges touching `place_ids` (all its edges when None) from
    the control periods of their two zones, each with a copy of its edge's line. Returns the number of segments
    written."""
    edges = ZoneEdge.objects.filter(map=map, place_b__isnull=False)
    periods = ControlPeriod.objects.all()
    if place_ids is not None:
        ids = list(place_ids)
        edges = edges.filter(Q(place_a_id__in=ids) | Q(place_b_id__in=ids))
    edge_rows = list(edges.values_list("pk", "place_a_id", "place_b_id"))
    if place_ids is None:
        FrontSegment.objects.filter(map=map).delete()
        periods = periods.filter(place__maps=map)
    else:
        FrontSegment.objects.filter(edge_id__in=[pk for pk, _a, _b in edge_rows]).delete()
        periods = periods.filter(place_id__in={pk for _e, a, b in edge_rows for pk in (a, b)})
    by_place = _periods_by_place(periods.values_list("place_id", "actor_id", "status", "valid_from", "valid_to"))
    found = [
        (edge_id, interval)
        for edge_id, place_a, place_b in edge_rows
        for interval in front_intervals(by_place.get(place_a, []), by_place.get(place_b, []))
    ]
    # The lines of the edges that are fronts at some time, as the database sends them (WKB), made EWKB in one call:
    # written as values (COPY on PostgreSQL), no FrontSegment object or GEOS geometry per row.
    fronts = sorted({edge_id for edge_id, _interval in found})
    lines: dict[int, str] = {}
    for start in range(0, len(fronts), IDS_PER_QUERY):
        chunk = list(
            ZoneEdge.objects.filter(pk__in=fronts[start : start + IDS_PER_QUERY])
            .annotate(wkb=AsWKB("geom"))
            .values_list("pk", "wkb")
        )
        texts = geo.hex_ewkb(shapely.from_wkb([bytes(wkb) for _pk, wkb in chunk])) if chunk else []
        lines.update(zip((pk for pk, _wkb in chunk), texts, strict=True))
    rows = [
        (map.pk, edge_id, actor_a, status_a, actor_b, status_b, start, end, lines[edge_id])
        for edge_id, (actor_a, status_a, actor_b, status_b, start, end) in found
    ]
    bulk_insert_values(FrontSegment, _SEGMENT_COLUMNS, rows)
    return len(rows)


_SEGMENT_COLUMNS = (
    "map_id", "edge_id", "actor_a_id", "status_a", "actor_b_id", "status_b", "valid_from", "valid_to", "geom",
)  # fmt: skip


# --- pocket pieces ----------------------------------------------------------------------------------------


@dataclass
class PieceSpan:
    """A piece of ground over [start, end): what PocketPiece stores, before its geometry is known."""

    actor_id: int
    place_ids: tuple[int, ...]
    border_actor_ids: tuple[int, ...]
    border_unknown: bool
    on_outer_edge: bool
    start: dt.date
    end: dt.date | None
    geojson: str | None = None
    row_id: int | None = None  # the stored row it continues, if any

    @property
    def key(self) -> tuple:
        return (self.actor_id, self.place_ids, self.border_actor_ids, self.border_unknown, self.on_outer_edge)


def places_key(place_ids: Iterable[int]) -> str:
    return hashlib.sha1(",".join(map(str, place_ids)).encode()).hexdigest()


def period_events(periods: list[Period], zones: set[int]) -> dict[dt.date, list[tuple[int, int | None]]]:
    """{day: [(place_id, actor_id, or None where a period ends)]} of the periods of `zones`: what changes hands on
    each day, an end before a start on the same day."""
    events: dict[dt.date, list[tuple[int, int | None]]] = defaultdict(list)
    for place_id, actor_id, _status, valid_from, valid_to in periods:
        if place_id not in zones:
            continue
        events[valid_from].append((place_id, actor_id))
        if valid_to is not None:
            events[valid_to].insert(0, (place_id, None))
    return events


def piece_spans(
    *, periods: list[Period], graph: analytics.ZoneGraph, zones: set[int], start: dt.date | None, end: dt.date | None
) -> list[PieceSpan]:
    """Each actor's connected pieces of ground (as analytics.connected_parts finds them over `graph`) on every day
    of [start, end) (from the first period when start is None; open when end is None), as spans over which neither
    a piece's zones nor the actors on its border change. `periods`: those of `zones` overlapping the window.

    Each day's pieces of every actor come from one scipy connected_components over the boundaries whose two sides
    the same actor holds, and their borders from the boundaries between pieces, in arrays: at 50,000 zones and
    hundreds of days, walking the graph in Python was most of a synthetic map's build."""
    events = period_events(periods, zones)
    if not events:
        return []
    first = min(events) if start is None else start
    days = sorted(day for day in events if day > first and (end is None or day < end))
    ground = _Ground(graph, zones)
    state: dict[int, int] = {}  # kept beside the arrays for its order: the actors' pieces come in it
    for day in sorted(day for day in events if day <= first):
        ground.apply(state, events[day])
    spans: list[PieceSpan] = []
    open_spans: dict[tuple, PieceSpan] = {}
    for index, day in enumerate([first, *days]):
        if index:
            ground.apply(state, events[day])
        now: dict[tuple, PieceSpan] = {}
        for key in ground.pieces(actors=list(dict.fromkeys(state.values()))):
            span = open_spans.get(key)
            if span is None:
                actor_id, place_ids, border_actor_ids, border_unknown, on_outer_edge = key
                span = PieceSpan(
                    actor_id=actor_id,
                    place_ids=place_ids,
                    border_actor_ids=border_actor_ids,
                    border_unknown=border_unknown,
                    on_outer_edge=on_outer_edge,
                    start=day,
                    end=None,
                )
            now[key] = span
        for key, span in open_spans.items():
            if key not in now:
                span.end = day
                spans.append(span)
        open_spans = now
    for span in open_spans.values():
        span.end = end
        spans.append(span)
    return spans


class _Ground:
    """Who holds each zone of a graph, as an array over its zones, and the pieces that makes."""

    def __init__(self, graph: analytics.ZoneGraph, zones: set[int]) -> None:
        graph_ids, a, b = graph.arrays()
        self.ids = np.union1d(graph_ids, np.fromiter(zones, dtype=np.int64, count=len(zones)))
        self.a, self.b = np.searchsorted(self.ids, graph_ids[a]), np.searchsorted(self.ids, graph_ids[b])
        self.position = dict(zip(self.ids.tolist(), range(len(self.ids)), strict=True))
        self.outer = np.isin(self.ids, np.fromiter(graph.outer, dtype=np.int64, count=len(graph.outer)))
        self.owner = np.full(len(self.ids), -1, dtype=np.int64)  # -1: no period (unknown control)

    def apply(self, state: dict[int, int], changes: list[tuple[int, int | None]]) -> None:
        for place_id, actor_id in changes:
            if actor_id is None:
                state.pop(place_id, None)
                self.owner[self.position[place_id]] = -1
            else:
                state[place_id] = actor_id
                self.owner[self.position[place_id]] = actor_id

    def pieces(self, *, actors: list[int]) -> list[tuple]:
        """PieceSpan keys of every piece: actors in the order given, each actor's pieces in order of their
        smallest zone id (analytics.connected_parts' order)."""
        owner, a, b = self.owner, self.a, self.b
        count = len(self.ids)
        same = (owner[a] == owner[b]) & (owner[a] >= 0)
        matrix = scipy.sparse.coo_array(
            (np.ones(int(same.sum()), dtype=np.int8), (a[same], b[same])), shape=(count, count)
        ).tocsr()
        _count, labels = scipy.sparse.csgraph.connected_components(matrix, directed=False)
        held = np.flatnonzero(owner >= 0)
        if not len(held):
            return []
        # Pieces ranked by (the actor's place in `actors`, smallest zone id): held is in id order.
        actor_rank = dict(zip(actors, range(len(actors)), strict=True))
        unique, first, inverse = np.unique(labels[held], return_index=True, return_inverse=True)
        ranks = np.array([actor_rank[actor] for actor in owner[held[first]].tolist()], dtype=np.int64)
        order_of_pieces = np.lexsort((first, ranks))
        rank = np.empty(len(unique), dtype=np.int64)
        rank[order_of_pieces] = np.arange(len(unique))
        piece_of_node = np.full(count, -1, dtype=np.int64)
        piece_of_node[held] = rank[inverse]
        order = np.argsort(piece_of_node[held], kind="stable")
        members = self.ids[held[order]].tolist()
        bounds = np.searchsorted(piece_of_node[held][order], np.arange(len(unique) + 1)).tolist()
        on_edge = np.zeros(len(unique), dtype=bool)
        on_edge[piece_of_node[held[self.outer[held]]]] = True
        # Borders: each boundary between two pieces (or a piece and unknown ground), seen from both sides.
        side, other = np.concatenate([a, b]), np.concatenate([b, a])
        crossing = (piece_of_node[side] >= 0) & (piece_of_node[side] != piece_of_node[other])
        width = int(owner.max()) + 2
        pairs = np.unique(piece_of_node[side[crossing]] * width + owner[other[crossing]] + 1)
        border_piece, border_actor = (pairs // width).tolist(), (pairs % width - 1).tolist()
        borders: list[list[int]] = [[] for _ in range(len(unique))]
        for piece, actor in zip(border_piece, border_actor, strict=True):
            borders[piece].append(actor)  # ascending: -1 (unknown) first
        actor_of_piece = owner[held[first]][order_of_pieces].tolist()
        keys = []
        for piece in range(len(unique)):
            border = borders[piece]
            unknown = bool(border) and border[0] == -1
            keys.append(
                (
                    actor_of_piece[piece],
                    tuple(members[bounds[piece] : bounds[piece + 1]]),
                    tuple(border[1:] if unknown else border),
                    unknown,
                    bool(on_edge[piece]),
                )
            )
        return keys


def _overlapping(queryset, start: dt.date | None, end: dt.date | None, *, touching: bool = False):
    """The rows whose interval overlaps [start, end) (`touching`: or ends where it starts, or starts where it ends,
    the rows a piece going on across the window's ends is joined to)."""
    if end is not None:
        queryset = queryset.filter(valid_from__lte=end) if touching else queryset.filter(valid_from__lt=end)
    if start is not None:
        after = Q(valid_to__gte=start) if touching else Q(valid_to__gt=start)
        queryset = queryset.filter(Q(valid_to__isnull=True) | after)
    return queryset


def _stitched(spans: list[PieceSpan]) -> list[PieceSpan]:
    """Spans of the same piece that meet end to start become one."""
    by_key: dict[tuple, list[PieceSpan]] = defaultdict(list)
    for span in spans:
        by_key[span.key].append(span)
    joined = []
    for same in by_key.values():
        same.sort(key=lambda span: span.start)
        current = same[0]
        for span in same[1:]:
            if current.end == span.start:
                current.end = span.end
                current.row_id = current.row_id or span.row_id
            else:
                joined.append(current)
                current = span
        joined.append(current)
    return joined


def pocket_pieces_rebuild(*, map: Map, start: dt.date | None = None, end: dt.date | None = None) -> int:
    """Derive the map's pocket pieces on the days of [start, end) (None: unbounded) from its control periods and
    edges, keeping the rows outside the window and joining those that continue across its ends. Returns the
    number of rows in the window afterwards.

    The whole record (no start, no end) is derived afresh, shapes too: it follows a change of edges, which
    follows a change of footprints. Within a window only periods changed: a piece that goes on as it was keeps
    its row (its interval moved at most), and a new row of the same zones as one kept takes its shape. Each
    publish in a map built change by change (the synthetic maps) so writes only the pieces it changed."""
    whole = start is None and end is None
    zones = set(map.places.values_list("pk", flat=True))
    graph = analytics.zone_graph(map=map)
    periods = list(
        _overlapping(ControlPeriod.objects.filter(place__maps=map), start, end).values_list(
            "place_id", "actor_id", "status", "valid_from", "valid_to"
        )
    )
    spans = piece_spans(periods=periods, graph=graph, zones=zones, start=start, end=end)
    old: dict[int, PocketPiece] = {}
    if whole:
        PocketPiece.objects.filter(map=map).delete()
    else:
        # The rows the window overlaps: their parts outside it stay (clipped), joined again to what continues.
        rows = _overlapping(PocketPiece.objects.filter(map=map), start, end, touching=True).defer("geojson")
        old = {row.pk: row for row in rows}
    for row in old.values():
        kept = PieceSpan(
            actor_id=row.actor_id,
            place_ids=tuple(row.place_ids),
            border_actor_ids=tuple(row.border_actor_ids),
            border_unknown=row.border_unknown,
            on_outer_edge=row.on_outer_edge,
            start=row.valid_from,
            end=row.valid_to,
            row_id=row.pk,
        )
        if start is not None and row.valid_from < start:
            spans.append(replace(kept, end=start))
        if end is not None and (row.valid_to is None or row.valid_to > end):
            spans.append(replace(kept, start=end))
    spans = _stitched(spans)
    claimed: set[int] = set()
    moved, new = [], []
    for span in spans:
        row = old.get(span.row_id)
        if row is None or row.pk in claimed:
            new.append(span)
            continue
        claimed.add(row.pk)
        if (row.valid_from, row.valid_to) != (span.start, span.end):
            row.valid_from, row.valid_to = span.start, span.end
            moved.append(row)
    _shapes(map=map, spans=new, look_up=not whole)
    areas = {pk: analytics.square_metres(area) for pk, area in map.places.values_list("pk", "area_km2")}
    PocketPiece.objects.filter(pk__in=[pk for pk in old if pk not in claimed]).delete()
    PocketPiece.objects.bulk_update(moved, ["valid_from", "valid_to"], batch_size=500)
    bulk_insert(
        PocketPiece,
        [
            PocketPiece(
                map=map,
                actor_id=span.actor_id,
                valid_from=span.start,
                valid_to=span.end,
                place_ids=list(span.place_ids),
                places_key=places_key(span.place_ids),
                area_m2=sum(areas[pk] for pk in span.place_ids),
                on_outer_edge=span.on_outer_edge,
                border_actor_ids=list(span.border_actor_ids),
                border_unknown=span.border_unknown,
                geojson=span.geojson,
            )
            for span in new
        ],
        batch_size=500,
    )
    return len(spans)


def _shapes(*, map: Map, spans: list[PieceSpan], look_up: bool) -> None:
    """Each span's geometry: that of a row of the same zones where one is kept (`look_up`), else the union of its
    zones' footprints (geo.union, as the pockets answer made it per request)."""
    needed = {span.place_ids for span in spans}
    known: dict[tuple, str] = {}
    if needed and look_up:
        by_key = {places_key(ids): ids for ids in needed}
        for key, geojson in PocketPiece.objects.filter(map=map, places_key__in=list(by_key)).values_list(
            "places_key", "geojson"
        ):
            known[by_key[key]] = geojson
        needed -= set(known)
    if needed:
        footprints = analytics.footprints_of({pk for ids in needed for pk in ids})
        for ids in needed:
            known[ids] = analytics.geojson_text(geo.union([footprints[pk][1] for pk in ids]))
    for span in spans:
        span.geojson = known[span.place_ids]
