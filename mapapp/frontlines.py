"""Front lines on a date: where zones of different actors meet, from the stored front segments (or, in an as_of read,
from the control periods in effect on each side of every shared edge). Reads only; a part of mapapp.analytics'
idea (a map's zones are a graph whose links are their shared edges; fronts are a filter over those edges) kept
in its own module.

What an answer costs at 50,000 zones (7,000 front edges on a date): the lines are merged per pair of actors in
Python (shapely's line_merge, GEOS), but on PostgreSQL each pair's edges come from the database as one
MultiLineString, in edge order (ST_Collect of array_agg, flattened): no row, WKB parse and shapely object per
edge, which were most of the answer's CPU. SQLite sends the edges one per row and they are grouped here; both
give the same lines (tests/mapapp/test_derived_fronts.py runs both ways, on PostGIS too).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import orjson
import shapely
from django.db import connection

from mapapp import asof
from mapapp.analytics import feature_collection, geojson_texts
from mapapp.lib import geo
from mapapp.models import Actor, ControlPeriod, ControlStatus, FrontSegment, Map, ZoneEdge

# The shared edges whose two zones have different actors on a date, with those actors: a join of the map's edges
# with the control period in effect on each side (index period_one_start_per_place finds each side's periods).
# Plain SQL because the ORM cannot join one table twice on two different conditions without a subquery per row;
# it runs unchanged on PostGIS and SpatiaLite. What the stored front segments are derived to equal, and what an
# as_of read asks (the record at a moment has periods, made from history, but no segments).
_FRONT_EDGES_SQL = """
SELECT edge.id AS edge_id, side_a.actor_id AS actor_a, side_a.status AS status_a, side_b.actor_id AS actor_b,
    side_b.status AS status_b, edge.geom AS geom
FROM {edge} edge
JOIN {period} side_a ON side_a.place_id = edge.place_a_id
    AND side_a.valid_from <= %(on)s AND (side_a.valid_to IS NULL OR side_a.valid_to > %(on)s)
JOIN {period} side_b ON side_b.place_id = edge.place_b_id
    AND side_b.valid_from <= %(on)s AND (side_b.valid_to IS NULL OR side_b.valid_to > %(on)s)
WHERE edge.map_id = %(map)s AND side_a.actor_id <> side_b.actor_id
"""

# The same from the stored front segments (mapapp.services.fronts), each with its edge's line: one range lookup of
# the segments in effect, no join. On PostgreSQL the GiST index on their date range (migration 0013) finds just
# those (the b-tree on (map, valid_from, valid_to) read every segment begun before the date: at 50,000 zones, half
# of 147,000 rows, joined to 150,000 edges: 47 ms of a 76 ms answer); on SQLite the b-tree.
_FRONT_SEGMENTS_SQL = {
    "postgresql": """
SELECT edge_id, actor_a_id AS actor_a, status_a, actor_b_id AS actor_b, status_b, geom
FROM {segment}
WHERE map_id = %(map)s AND daterange(valid_from, valid_to, '[)') @> %(on)s::date
""",
    "sqlite": """
SELECT edge_id, actor_a_id AS actor_a, status_a, actor_b_id AS actor_b, status_b, geom
FROM {segment}
WHERE map_id = %(map)s AND valid_from <= %(on)s AND (valid_to IS NULL OR valid_to > %(on)s)
""",
}

# The fronts of a date one row per edge, by edge id.
_EDGE_ROWS_SQL = """
SELECT edge_id, actor_a, status_a, actor_b, status_b, ST_AsBinary(geom) FROM ({fronts}) fronts ORDER BY edge_id
"""

# The fronts of a date one row per pair of actors (smaller id first) and whether a side is contested, with the
# pair's edges' lines as one MultiLineString of all their parts in edge order (PostgreSQL: ORDER BY inside the
# aggregate is exact; ST_CollectionExtract flattens the collection of MultiLineStrings, keeping that order).
_PAIR_ROWS_SQL = """
SELECT low, high, contested, ST_AsBinary(ST_CollectionExtract(ST_Collect(array_agg(geom ORDER BY edge_id)), 2))
FROM (
    SELECT edge_id, geom,
        CASE WHEN actor_a < actor_b THEN actor_a ELSE actor_b END AS low,
        CASE WHEN actor_a < actor_b THEN actor_b ELSE actor_a END AS high,
        (status_a = %(contested)s OR status_b = %(contested)s) AS contested
    FROM ({fronts}) fronts
) keyed
GROUP BY low, high, contested
"""


def _fronts_sql(stored: bool | None) -> str:
    if stored is None:
        stored = not asof.active()
    return (_FRONT_SEGMENTS_SQL[connection.vendor] if stored else _FRONT_EDGES_SQL).format(
        edge=ZoneEdge._meta.db_table, period=ControlPeriod._meta.db_table, segment=FrontSegment._meta.db_table
    )


def front_edges(*, map: Map, on: dt.date, stored: bool | None = None) -> list[tuple[int, int, str, int, str, bytes]]:
    """[(edge id, actor a, status a, actor b, status b, WKB)] for the map's shared edges that are fronts on
    `on`, by edge id. One query, returning only the fronts: over the stored front segments, or (`stored` False, and
    always inside an as_of read) over the control periods in effect on each side."""
    with connection.cursor() as cursor:
        cursor.execute(_EDGE_ROWS_SQL.format(fronts=_fronts_sql(stored)), {"on": on, "map": map.pk})
        return [(*row[:5], bytes(row[5])) for row in cursor.fetchall()]


def _pairs_by_edge(map: Map, on: dt.date, stored: bool | None, slugs: dict[int, str]) -> dict[tuple, shapely.Geometry]:
    """{(slug, slug, contested): the pair's edges' lines as one MultiLineString, in edge order}, from one row per
    edge (front_edges), grouped here: the lines parsed, split and grouped in whole-array calls."""
    rows = front_edges(map=map, on=on, stored=stored)
    if not rows:
        return {}
    key_of: dict[tuple, tuple[str, str, bool]] = {}
    row_keys = []
    for _edge_id, actor_a, status_a, actor_b, status_b, _wkb in rows:
        sides = (actor_a, status_a, actor_b, status_b)
        key = key_of.get(sides)
        if key is None:
            pair = sorted((slugs[actor_a], slugs[actor_b]))
            key = key_of[sides] = (pair[0], pair[1], ControlStatus.CONTESTED in (status_a, status_b))
        row_keys.append(key)
    keys = sorted(set(row_keys))
    rank = {key: index for index, key in enumerate(keys)}
    parts, row_of_part = shapely.get_parts(shapely.from_wkb([row[5] for row in rows]), return_index=True)
    group_of_part = np.fromiter((rank[key] for key in row_keys), dtype=np.int64, count=len(rows))[row_of_part]
    order = np.argsort(group_of_part, kind="stable")  # each pair's parts in edge order
    bounds = np.searchsorted(group_of_part[order], np.arange(len(keys) + 1))
    return {
        key: shapely.multilinestrings(parts[order[bounds[index] : bounds[index + 1]]]) for index, key in enumerate(keys)
    }


def _pairs_by_pair(map: Map, on: dt.date, stored: bool | None, slugs: dict[int, str]) -> dict[tuple, shapely.Geometry]:
    """_pairs_by_edge's answer from one row per pair (PostgreSQL), made by the database."""
    with connection.cursor() as cursor:
        cursor.execute(
            _PAIR_ROWS_SQL.format(fronts=_fronts_sql(stored)),
            {"on": on, "map": map.pk, "contested": ControlStatus.CONTESTED},
        )
        rows = cursor.fetchall()
    pairs = {}
    for low, high, contested, wkb in rows:
        pair = sorted((slugs[low], slugs[high]))
        pairs[(pair[0], pair[1], bool(contested))] = shapely.from_wkb(bytes(wkb))
    return pairs


def front_pairs(*, map: Map, on: dt.date, stored: bool | None = None, by_edge: bool | None = None) -> dict:
    """{(actor slug, actor slug (sorted), contested): the lines of the edges that are fronts between them on `on`,
    in edge order}. One row per pair from the database on PostgreSQL, one per edge elsewhere (`by_edge` True asks
    for that anywhere). Two queries."""
    slugs = dict(Actor.objects.values_list("pk", "slug"))
    if by_edge is None:
        by_edge = connection.vendor != "postgresql"
    return (_pairs_by_edge if by_edge else _pairs_by_pair)(map, on, stored, slugs)


def fronts_geojson(*, map: Map, on: dt.date, stored: bool | None = None, by_edge: bool | None = None) -> bytes:
    """Where zones of different actors meet on `on`: the map's shared edges (ZoneEdge) whose two zones have
    different actors (held or contested; zones of unknown control make no front), merged per pair of actors into
    continuous lines. One feature per continuous line: properties `actors` (the two slugs, sorted),
    `length_km` (geodesic) and `contested` (a contested zone lies on one side or both; a continuous front
    changes feature where that changes); pairs by slug, each pair's lines longest first. Two queries (front_pairs:
    a range lookup); no union of polygons."""
    fronts = []
    for key, lines in sorted(front_pairs(map=map, on=on, stored=stored, by_edge=by_edge).items()):
        merged = shapely.get_parts(shapely.line_merge(lines))
        first = shapely.get_coordinates(shapely.get_point(merged, 0))
        # longest first, then by the first point (x, then y)
        ranked = np.lexsort((first[:, 1], first[:, 0], -shapely.length(merged)))
        fronts.extend((key, line) for line in merged[ranked])
    return front_collection(map, on, fronts)


def front_collection(map: Map, on: dt.date, fronts: list[tuple[tuple[str, str, bool], shapely.Geometry]]) -> bytes:
    """The answer of fronts_geojson from its lines in order: [((actor slug, actor slug, contested), line)]."""
    lines = [line for _key, line in fronts]
    # Every line's length and GeoJSON in vectorised calls: per line, pyproj and shapely's overhead was most of it.
    lengths, texts = geo.lengths_km(lines), geojson_texts(lines)
    features = [
        {
            "type": "Feature",
            "geometry": orjson.Fragment(text),
            "properties": {"actors": [actor_a, actor_b], "length_km": round(float(length), 4), "contested": contested},
        }
        for ((actor_a, actor_b, contested), _line), length, text in zip(fronts, lengths, texts, strict=True)
    ]
    return feature_collection(map, on, features)
