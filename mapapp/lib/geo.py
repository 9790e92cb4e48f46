"""Geometry helpers: SRIDs, areas and lengths on the ellipsoid, shapely <-> GEOS through WKB.

Everything is stored in WGS84 (SRID 4326). Areas and lengths are never computed in degrees: they are
geodesic, on the WGS84 ellipsoid (pyproj.Geod), which is exact where an equal-area projection is only
close, and needs no choice of projection per map.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import shapely
import shapely.geometry
import shapely.ops
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from pyproj import Geod
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

WGS84 = 4326
_GEOD = Geod(ellps="WGS84")


def to_shapely(geometry: GEOSGeometry) -> BaseGeometry:
    return shapely.from_wkb(bytes(geometry.wkb))


def to_geos(geometry: BaseGeometry, srid: int = WGS84) -> GEOSGeometry:
    return GEOSGeometry(memoryview(shapely.to_wkb(geometry, output_dimension=2)), srid=srid)


def hex_ewkb(geometries, srid: int = WGS84) -> list[str]:
    """Hex EWKB (2D, with `srid`) of many shapely geometries in one call: what PostGIS reads, as GEOSGeometry.hexewkb
    writes it."""
    array = shapely.set_srid(np.asarray(geometries, dtype=object), srid)
    return shapely.to_wkb(array, hex=True, output_dimension=2, include_srid=True).tolist()


def area_km2(geometry: BaseGeometry | GEOSGeometry | None) -> float:
    """Geodesic area in km² of a lon/lat (WGS84) polygonal geometry; 0 for None or empty."""
    if geometry is None:
        return 0.0
    if isinstance(geometry, GEOSGeometry):
        geometry = to_shapely(geometry)
    if geometry.is_empty:
        return 0.0
    area_m2, _perimeter = _GEOD.geometry_area_perimeter(geometry)
    return abs(area_m2) / 1e6


def length_km(geometry: BaseGeometry | GEOSGeometry | None) -> float:
    """Geodesic length in km of a lon/lat (WGS84) linear geometry; 0 for None or empty."""
    if geometry is None:
        return 0.0
    if isinstance(geometry, GEOSGeometry):
        geometry = to_shapely(geometry)
    if geometry.is_empty:
        return 0.0
    return _GEOD.geometry_length(geometry) / 1000.0


def lengths_km(lines) -> np.ndarray:
    """length_km of each of many lon/lat LineStrings (an array or list), in one call: the segments of every line
    go through one vectorised Geod.inv (the formula geometry_length uses segment by segment) and are summed per
    line in order, so each length equals length_km's. A fronts answer has thousands of lines, and pyproj's
    per-line overhead was most of its time."""
    lines = np.asarray(lines, dtype=object)
    if not len(lines):
        return np.zeros(0)
    coordinates, index = shapely.get_coordinates(lines, return_index=True)
    # A segment joins two consecutive points of one line.
    same_line = index[1:] == index[:-1]
    start, end = coordinates[:-1][same_line], coordinates[1:][same_line]
    _forward, _back, metres = _GEOD.inv(start[:, 0], start[:, 1], end[:, 0], end[:, 1])
    return np.bincount(index[1:][same_line], weights=metres, minlength=len(lines)) / 1000.0


def as_multipolygon(geometry: BaseGeometry) -> shapely.MultiPolygon:
    """Polygon -> MultiPolygon; keeps only the polygonal parts of a collection; drops Z."""
    geometry = shapely.force_2d(geometry)
    if isinstance(geometry, shapely.MultiPolygon):
        return geometry
    if isinstance(geometry, shapely.Polygon):
        return shapely.MultiPolygon([geometry])
    if isinstance(geometry, shapely.GeometryCollection):
        polygons: list[shapely.Polygon] = []
        for part in geometry.geoms:
            if isinstance(part, shapely.Polygon):
                polygons.append(part)
            elif isinstance(part, shapely.MultiPolygon):
                polygons.extend(part.geoms)
        return shapely.MultiPolygon(polygons)
    raise ValueError(f"expected a polygon, got a {geometry.geom_type}")


def repair_polygonal(geometry: BaseGeometry) -> tuple[shapely.MultiPolygon, str]:
    """Return (valid MultiPolygon, reason it was invalid or ""). Raises ValueError if nothing polygonal is
    left after repair (a polygon collapsed to a line, say)."""
    geometry = shapely.force_2d(geometry)
    reason = ""
    if not geometry.is_valid:
        reason = explain_validity(geometry)
        geometry = shapely.make_valid(geometry)
    try:
        multipolygon = as_multipolygon(geometry)
    except ValueError:  # what is left is a line or a point
        multipolygon = shapely.MultiPolygon()
    if multipolygon.is_empty or area_km2(multipolygon) == 0:
        raise ValueError(f"no area left after repair ({reason or 'empty geometry'})")
    return multipolygon, reason


def geos_multipolygon(geometry: BaseGeometry) -> MultiPolygon:
    geos = to_geos(as_multipolygon(geometry))
    assert isinstance(geos, MultiPolygon)
    return geos


# Boundaries are intersected on this grid (degrees, about 1 cm): two footprints drawn from the same vertices
# share their edge exactly, and the snap-rounding overlay also matches a vertex that sits a rounding error off
# its neighbour's segment, which a float-exact intersection would see as touching at a point only.
EDGE_GRID = 1e-7

# A change's ground is overlaid on the zones on this grid (degrees, about 0.1 mm): the snap-rounding overlay
# cannot fail with "found non-noded intersection", and the two sides of a split, rounded to the same grid, share
# their boundary exactly. Fine enough that a zone's own vertices move by less than 0.1 mm (areas agree to the m²).
SPLIT_GRID = 1e-9


def _line_parts(geometry: BaseGeometry) -> shapely.MultiLineString | None:
    """The linear parts of an overlay result, merged into as few lines as they make; None if there are none."""
    parts = shapely.get_parts(geometry)
    lines = [part for part in parts if isinstance(part, shapely.LineString) and part.length > 0]
    for part in parts:
        if isinstance(part, shapely.MultiLineString | shapely.GeometryCollection):
            merged = _line_parts(part)
            if merged is not None:
                lines.extend(merged.geoms)
    if not lines:
        return None
    merged = shapely.line_merge(shapely.MultiLineString(lines))
    return merged if isinstance(merged, shapely.MultiLineString) else shapely.MultiLineString([merged])


def union(footprints: list[BaseGeometry]) -> shapely.MultiPolygon:
    """The union of polygons as a MultiPolygon (empty for none).

    Zones tile their map, sharing edges vertex for vertex: a coverage, which GEOS unites by dropping the shared
    edges, about 20 times faster than a general union (a 5,000-zone map's pockets: 16 ms against 330 ms). Only
    a true coverage gives a right answer that way, so the result is checked: valid (pieces that still touch along
    a line are not), and of the same area as its parts (parts that overlap are not a coverage). Anything else
    takes the general union.
    """
    if not len(footprints):
        return shapely.MultiPolygon()
    parts = np.asarray(footprints, dtype=object)
    try:
        merged = shapely.coverage_union_all(parts)
    except shapely.errors.GEOSException:
        merged = None
    if (
        merged is not None
        and shapely.is_valid(merged)
        and np.isclose(merged.area, shapely.area(parts).sum(), rtol=1e-9, atol=0.0)
    ):
        return as_multipolygon(merged)
    # On the split grid: parts cut from one zone may sit a rounding error (1e-18°) off their neighbours, and an
    # exact union would keep those hairline cracks as rings (an "outer edge" running through the map).
    return as_multipolygon(shapely.union_all(parts, grid_size=SPLIT_GRID))


def outer_edge(area: BaseGeometry) -> shapely.MultiLineString:
    """The exterior rings of a map's area: where a zone's boundary is the map's edge (a hole is not)."""
    return shapely.MultiLineString([polygon.exterior for polygon in as_multipolygon(area).geoms])


def shared_edges(
    footprints: list[BaseGeometry], *, only: set[int] | None = None, area: BaseGeometry | None = None
) -> list[tuple[int, int | None, shapely.MultiLineString]]:
    """The boundaries zones share: [(i, j, lines)] with i < j indexes into `footprints`, and (i, None, lines)
    for the part of zone i's boundary on the outer edge of the whole (the exterior rings of the union, so a
    hole in the middle of the map is not an edge). Zones that meet at a point only share nothing.

    `only` (indexes) keeps the edges of those zones alone, and `area` is then the map's whole area (the union
    of `footprints`, a few zones around a split, is not): a split rebuilds the edges where it happened."""
    if not footprints:
        return []
    union_ = union(footprints) if area is None else area
    polygons = np.asarray(footprints, dtype=object)
    boundaries = shapely.boundary(polygons)
    tree = shapely.STRtree(polygons)
    # Within a grid cell rather than intersecting: a part cut on the split grid may sit a rounding error (1e-18°)
    # off its neighbour, and the grid-snapped intersection below still finds the edge they share.
    left, right = tree.query(polygons, predicate="dwithin", distance=EDGE_GRID)
    keep = left < right
    if only is not None:
        wanted = np.zeros(len(polygons), dtype=bool)
        wanted[list(only)] = True
        keep &= wanted[left] | wanted[right]
    left, right = left[keep], right[keep]
    edges: list[tuple[int, int | None, shapely.MultiLineString]] = []
    if len(left):
        overlaps = shapely.intersection(boundaries[left], boundaries[right], grid_size=EDGE_GRID)
        for i, j, overlap in zip(left.tolist(), right.tolist(), overlaps, strict=True):
            lines = _line_parts(overlap)
            if lines is not None:
                edges.append((i, j, lines))
    exterior = outer_edge(union_)
    on_edge = shapely.intersection(boundaries, exterior, grid_size=EDGE_GRID)
    for i, overlap in enumerate(on_edge):
        if only is not None and i not in only:
            continue
        lines = _line_parts(overlap)
        if lines is not None:
            edges.append((i, None, lines))
    return edges


_METRES_PER_DEGREE = 111_320.0  # along a meridian; a tolerance in degrees is at most this many metres per degree


def metres_in_degrees(metres: float) -> float:
    return metres / _METRES_PER_DEGREE


def polygonal(geometry: BaseGeometry | None) -> shapely.MultiPolygon:
    """The polygons of an overlay result as a MultiPolygon (lines and points where pieces only touch dropped)."""
    if geometry is None or geometry.is_empty:
        return shapely.MultiPolygon()
    polygons: list[shapely.Polygon] = []
    for part in shapely.get_parts(geometry):
        if isinstance(part, shapely.Polygon) and not part.is_empty:
            polygons.append(part)
        elif isinstance(part, shapely.MultiPolygon | shapely.GeometryCollection):
            polygons.extend(polygonal(part).geoms)
    return shapely.MultiPolygon(polygons)


def snap_ground(ground: BaseGeometry, references: list[BaseGeometry], *, tolerance_deg: float) -> shapely.MultiPolygon:
    """`ground` with each of its corners moved to the nearest vertex of the `references` (the zones it lies on)
    within the tolerance, so a boundary drawn along an edge follows the edge instead of leaving a sliver (what a
    segment passing near a vertex leaves, split_footprint gives to a side as a sliver)."""
    ground = polygonal(shapely.make_valid(shapely.force_2d(ground)))
    if not references or tolerance_deg <= 0:
        return ground
    # The reference is the zones' vertices within the tolerance of the ground's boundary (uniting the zones'
    # boundaries and snapping to all their vertices cost a second a date on a long front, for the same result).
    vertices = np.unique(shapely.get_coordinates(np.asarray(references, dtype=object)), axis=0)
    runs = line_chunks(ground)
    if len(runs):
        near = shapely.STRtree(runs).query(shapely.points(vertices), predicate="dwithin", distance=tolerance_deg)[0]
        vertices = vertices[np.unique(near)]
    if not len(vertices):
        return ground
    # Corners only: each of the ground's corners moves to the nearest zone vertex within the tolerance. GEOS snap
    # also put every zone vertex within the tolerance of one of the ground's segments into that segment: where
    # the ground crossed a zone narrower than the tolerance, it took the vertices of the zone's far side into its
    # boundary and pinched its piece of the zone to nothing, so a thin zone could never be cut crosswise.
    coordinates = shapely.get_coordinates(ground)
    moved, nearest = shapely.STRtree(shapely.points(vertices)).query_nearest(
        shapely.points(coordinates), max_distance=tolerance_deg, all_matches=False
    )
    if not len(moved):
        return ground
    coordinates[moved] = vertices[nearest]
    snapped = shapely.transform(ground, lambda _xy: coordinates)
    if not snapped.is_valid:
        snapped = shapely.make_valid(snapped)
    return polygonal(snapped)


def line_chunks(geometry: BaseGeometry, vertices: int = 32) -> np.ndarray:
    """The lines of `geometry` (a polygon's boundary, a front) cut into short runs of `vertices` segments, as an
    array: an STRtree asked with the runs looks only near each of them, where asked with the whole line it
    measures the distance to every zone in the line's bounding box (the whole map, for a front)."""
    runs = []
    for line in shapely.get_parts(shapely.boundary(geometry) if _has_area(geometry) else geometry):
        coordinates = shapely.get_coordinates(line)
        for start in range(0, max(len(coordinates) - 1, 1), vertices):
            run = coordinates[start : start + vertices + 1]
            if len(run) >= 2:
                runs.append(run)
    chunks = np.empty(len(runs), dtype=object)
    chunks[:] = [shapely.LineString(run) for run in runs]
    return chunks


def _has_area(geometry: BaseGeometry) -> bool:
    return shapely.get_dimensions(geometry) == 2


def _slivers(
    pieces: list[BaseGeometry], cut: BaseGeometry | Callable[[], BaseGeometry], *, tolerance_deg: float
) -> np.ndarray:
    """Which pieces of a cut zone are slivers: nowhere wider than twice the snapping tolerance and all within twice
    the tolerance of the `cut` (where the zone's two sides meet). A boundary redrawn near an edge, or a
    front that moved a few metres, makes such a band; made a part, it was too thin to be cut again well, and a
    later front crossing it at a shallow angle left most of it on the wrong side (bench/bench_precision.py). A
    piece as thin that reaches far from the cut is no sliver: it is a thin zone cut crosswise, its far end on the
    other side of the ground from the rest, and left uncut it would be wrong along all its length."""
    shapes = np.asarray(pieces, dtype=object)
    found = np.zeros(len(shapes), dtype=bool)
    if tolerance_deg <= 0 or not len(shapes):
        return found
    narrow = np.flatnonzero(shapely.is_empty(shapely.buffer(shapes, -tolerance_deg)))
    if len(narrow):
        # (`cut` may be given as the function that works it out: an overlay, which most cuts need no piece of.)
        cut = cut() if callable(cut) else cut
        shapely.prepare(cut)
    for index in narrow.tolist():
        # The piece's boundary, with a point at least every tolerance (a long straight edge has no corners between
        # its ends), as far from the cut as the piece reaches.
        edge = shapely.segmentize(shapely.boundary(shapes[index]), tolerance_deg)
        # All within twice the tolerance of the cut (the cut prepared once: a distance to every point was a tenth
        # of a split's time).
        found[index] = shapely.dwithin(cut, shapely.points(shapely.get_coordinates(edge)), 2 * tolerance_deg).all()
    return found


def clip_around(ground: BaseGeometry, footprint: BaseGeometry, *, margin_deg: float) -> shapely.MultiPolygon:
    """`ground` cut to the footprint's bounding box (widened by the margin), which is all of it an overlay with
    the footprint can use: GEOS clips to a rectangle in linear time. The clip may touch itself where the box
    cuts a ring twice at one point; made valid then."""
    west, south, east, north = footprint.bounds
    clipped = shapely.clip_by_rect(ground, west - margin_deg, south - margin_deg, east + margin_deg, north + margin_deg)
    if not clipped.is_valid:
        clipped = shapely.make_valid(clipped)
    return polygonal(clipped)


def _shared_length(a: BaseGeometry, b: BaseGeometry) -> float:
    if b.is_empty:
        return 0.0
    return shapely.intersection(a.boundary, b.boundary, grid_size=SPLIT_GRID).length


def split_footprint(
    footprint: BaseGeometry, ground: BaseGeometry, *, tolerance_deg: float, min_area_km2: float
) -> tuple[shapely.MultiPolygon | None, shapely.MultiPolygon | None]:
    """(inside, outside): a zone's footprint cut by a change's ground on the split grid.

    (None, footprint) when the ground leaves the zone alone, (footprint, None) when it covers all of it, else the
    two sides, which tile the footprint. Pieces of one side that are slivers (nowhere wider than twice the
    tolerance and all within that of where the two sides meet, _slivers) go to the side they share the most
    boundary with. The minimum is the part's, not each piece's: a front that moves a few tens of metres a day
    leaves many small but real pieces along it (a piece 30 m wide and 200 m long is 0.6 ha), and dropping each
    one under a hectare left the map's front 59 m from the snapshots' (p95; bench/bench_precision.py) against 25.

    A zone that cannot be cut (a side under `min_area_km2` without its slivers, or only slivers on a side) goes
    whole to the side that holds more of it (a zone of several polygons: each polygon, _whole). Leaving it alone
    instead, as this did, kept small or thin parts that were almost all inside the ground on their old side date
    after date: islands of the other side inside the ground, hundreds of metres from the front
    (bench/bench_precision.py).
    """
    inside = polygonal(shapely.intersection(footprint, ground, grid_size=SPLIT_GRID))
    if inside.is_empty:
        return None, footprint
    outside = polygonal(shapely.difference(footprint, ground, grid_size=SPLIT_GRID))
    if outside.is_empty:
        return footprint, None
    pieces = [(piece, True) for piece in inside.geoms] + [(piece, False) for piece in outside.geoms]
    kept = {True: [], False: []}
    slivers = []

    # Where the two sides meet: the ground's boundary through the zone, not where it runs along the zone's edge.
    def cut() -> BaseGeometry:
        return shapely.intersection(shapely.boundary(inside), shapely.boundary(outside), grid_size=SPLIT_GRID)

    for (piece, side), sliver in zip(
        pieces, _slivers([piece for piece, _side in pieces], cut, tolerance_deg=tolerance_deg), strict=True
    ):
        if sliver:
            slivers.append((piece, side))
        else:
            kept[side].append(piece)
    if (
        not kept[True]
        or not kept[False]
        or area_km2(shapely.MultiPolygon(kept[True])) < min_area_km2
        or area_km2(shapely.MultiPolygon(kept[False])) < min_area_km2
    ):
        return _whole(footprint, ground)
    if not slivers:  # each side is the overlay's own result
        return inside, outside
    sides = {side: shapely.union_all(kept[side], grid_size=SPLIT_GRID) for side in (True, False)}
    for piece, side in slivers:
        own, other = _shared_length(piece, sides[side]), _shared_length(piece, sides[not side])
        if other > own:
            side = not side
        kept[side].append(piece)
    inside = polygonal(shapely.union_all(kept[True], grid_size=SPLIT_GRID))
    outside = polygonal(shapely.union_all(kept[False], grid_size=SPLIT_GRID))
    return inside, outside


def _whole(footprint: BaseGeometry, ground: BaseGeometry) -> tuple:
    """A zone that cannot be cut goes whole to the side that holds more of it; a zone of several polygons (a part
    whose pieces a front left apart) goes polygon by polygon, each whole to the side that holds more of it. Its
    polygons are already there, so that cut makes no boundary and no sliver, whatever their size: going whole as
    one, pieces hundreds of metres apart went to one side, one of them behind the other side's front."""
    polygons = np.asarray(shapely.get_parts(footprint), dtype=object)
    held = shapely.area(shapely.intersection(polygons, ground, grid_size=SPLIT_GRID))
    inside = held >= shapely.area(polygons) / 2
    if inside.all():
        return footprint, None
    if not inside.any():
        return None, footprint
    return shapely.MultiPolygon(polygons[inside].tolist()), shapely.MultiPolygon(polygons[~inside].tolist())


# A corner a split makes on a zone's edge is rounded to the split grid, up to a grid cell off the straight edge
# its neighbour keeps: the two no longer share that edge exactly, and a union on a coarser grid (EDGE_GRID) rounds
# the two versions apart into hairline cracks (rings a few millimetres wide and hundreds of metres long, hundreds
# after a few months of daily fronts: bench/bench_precision.py). The corner is put into the neighbour's edge too.
NODE_TOLERANCE = 10 * SPLIT_GRID


def new_corners(before: BaseGeometry, *after: BaseGeometry) -> np.ndarray:
    """The corners of the `after` pieces that are not corners of `before` (the zone they were cut from)."""
    old = shapely.get_coordinates(before)
    new = np.unique(np.concatenate([shapely.get_coordinates(piece) for piece in after if piece is not None]), axis=0)
    if not len(new):
        return new
    known = {tuple(xy) for xy in old.tolist()}
    return np.asarray([xy for xy in new.tolist() if tuple(xy) not in known], dtype="float64").reshape(-1, 2)


def _ring_with(ring: np.ndarray, corners: np.ndarray, tolerance: float) -> np.ndarray | None:
    """`ring` (closed, as coordinates) with each of `corners` that lies within `tolerance` of one of its segments
    (and farther than that from its corners) put into that segment; None when none does."""
    start, end = ring[:-1], ring[1:]
    span = end - start
    length2 = (span**2).sum(axis=1)
    length2[length2 == 0] = np.inf
    # corners x segments: where along each segment a corner falls, and how far from it
    offset = corners[:, None, :] - start[None, :, :]
    t = (offset * span[None, :, :]).sum(axis=2) / length2[None, :]
    foot = start[None, :, :] + np.clip(t, 0, 1)[:, :, None] * span[None, :, :]
    distance = np.sqrt(((corners[:, None, :] - foot) ** 2).sum(axis=2))
    near_corner = np.sqrt(((corners[:, None, :] - ring[None, :-1, :]) ** 2).sum(axis=2)).min(axis=1) <= tolerance
    inserts: dict[int, list[tuple[float, np.ndarray]]] = {}
    for k in np.flatnonzero(~near_corner):
        segment = int(np.argmin(distance[k]))
        if distance[k, segment] <= tolerance and 0 < t[k, segment] < 1:
            inserts.setdefault(segment, []).append((float(t[k, segment]), corners[k]))
    if not inserts:
        return None
    out = []
    for i in range(len(start)):
        out.append(start[i])
        out.extend(xy for _t, xy in sorted(inserts.get(i, ()), key=lambda item: item[0]))
    out.append(ring[-1])
    return np.asarray(out)


def with_corners(footprint: BaseGeometry, corners: np.ndarray, *, tolerance: float = NODE_TOLERANCE):
    """`footprint` (a (Multi)Polygon) with each of `corners` that lies on one of its edges (within `tolerance`,
    not at a corner it has) made a corner of that edge, so that it shares the edge exactly with a neighbour cut
    there; None when no corner lies on its edges (or the result would not be valid)."""
    if not len(corners):
        return None
    west, south, east, north = footprint.bounds
    corners = corners[
        (corners[:, 0] >= west - tolerance)
        & (corners[:, 0] <= east + tolerance)
        & (corners[:, 1] >= south - tolerance)
        & (corners[:, 1] <= north + tolerance)
    ]
    if not len(corners):
        return None
    edge = shapely.boundary(footprint)
    corners = corners[shapely.dwithin(edge, shapely.points(corners), tolerance)]
    if not len(corners):
        return None
    changed = False
    polygons = []
    for polygon in as_multipolygon(footprint).geoms:
        rings = []
        for ring in [polygon.exterior, *polygon.interiors]:
            coordinates = shapely.get_coordinates(ring)
            noded = _ring_with(coordinates, corners, tolerance)
            changed |= noded is not None
            rings.append(coordinates if noded is None else noded)
        polygons.append(shapely.Polygon(rings[0], rings[1:]))
    if not changed:
        return None
    result = shapely.MultiPolygon(polygons)
    return result if result.is_valid else None


def polygon_from_geojson(value) -> shapely.MultiPolygon:
    """A GeoJSON Polygon or MultiPolygon geometry (a parsed dict, WGS84 lon/lat) as a valid MultiPolygon.
    ValueError says what is wrong: not an object, another type, bad coordinates, off the globe, no area."""
    if not isinstance(value, dict):
        raise ValueError("must be a GeoJSON geometry object")
    if value.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"must be a GeoJSON Polygon or MultiPolygon, not {value.get('type')!r}")
    try:
        shape = shapely.geometry.shape(value)
    except (TypeError, ValueError, AttributeError, IndexError, KeyError, shapely.errors.GEOSException) as exc:
        raise ValueError(f"has unreadable coordinates ({exc})") from None
    coordinates = shapely.get_coordinates(shape)
    if not len(coordinates) or not np.isfinite(coordinates).all():
        raise ValueError("has no coordinates, or ones that are not numbers")
    if (np.abs(coordinates[:, 0]) > 180).any() or (np.abs(coordinates[:, 1]) > 90).any():
        raise ValueError("has coordinates off the globe (expected WGS84 longitude, latitude)")
    repaired, _reason = repair_polygonal(shape)
    return repaired


MAX_CUT_VERTICES = 5000  # a line drawn by hand has tens of corners; an imported one a few thousand at most


def line_from_geojson(value) -> shapely.LineString:
    """A GeoJSON LineString (WGS84 lon/lat) that cuts zones: two corners or more, not crossing itself.
    ValueError says what is wrong."""
    if not isinstance(value, dict):
        raise ValueError("must be a GeoJSON geometry object")
    if value.get("type") != "LineString":
        raise ValueError(f"must be a GeoJSON LineString, not {value.get('type')!r}")
    try:
        line = shapely.geometry.shape(value)
    except (TypeError, ValueError, AttributeError, IndexError, KeyError, shapely.errors.GEOSException) as exc:
        raise ValueError(f"has unreadable coordinates ({exc})") from None
    coordinates = shapely.get_coordinates(line)
    if len(coordinates) > MAX_CUT_VERTICES:
        raise ValueError(f"has {len(coordinates)} corners (at most {MAX_CUT_VERTICES})")
    if not np.isfinite(coordinates).all():
        raise ValueError("has coordinates that are not numbers")
    if (np.abs(coordinates[:, 0]) > 180).any() or (np.abs(coordinates[:, 1]) > 90).any():
        raise ValueError("has coordinates off the globe (expected WGS84 longitude, latitude)")
    line = shapely.force_2d(line)
    if len(np.unique(shapely.get_coordinates(line), axis=0)) < 2 or line.length == 0:
        raise ValueError("needs two different corners")
    if not line.is_simple:
        raise ValueError("crosses itself; draw the cut as a line that does not")
    return line


def cut_side(footprint: BaseGeometry, line: shapely.LineString, *, left: bool) -> shapely.MultiPolygon:
    """The pieces of `footprint` that `line` cuts off on its left (as drawn, from its first corner to its last)
    or on its right; empty when the line does not cut the footprint through (a line that ends inside a zone
    cuts nothing there). A piece's side is the side of the line it lies along: the piece overlaps a narrow
    band on that side of the line more than the band on the other."""
    band = metres_in_degrees(1.0)
    pieces = []
    for polygon in as_multipolygon(footprint).geoms:
        if not polygon.intersects(line):
            continue
        cut = shapely.get_parts(shapely.ops.split(polygon, line))
        if len(cut) > 1:
            pieces.extend(cut)
    if not pieces:
        return shapely.MultiPolygon()
    on_left = shapely.buffer(line, band, single_sided=True)
    on_right = shapely.buffer(line, -band, single_sided=True)
    kept = []
    for piece in pieces:
        left_area, right_area = piece.intersection(on_left).area, piece.intersection(on_right).area
        if left_area != right_area and (left_area > right_area) == left:
            kept.append(piece)
    return polygonal(shapely.union_all(kept, grid_size=SPLIT_GRID)) if kept else shapely.MultiPolygon()


def distances_km(ground: BaseGeometry, points: list[tuple[float, float]]) -> list[float]:
    """How far each lon/lat point is from `ground` (0 inside it), in km, for distances of a few tens of km.

    Both are scaled to kilometres around the ground's middle latitude (an equirectangular view, whose error
    over 50 km is far below a percent): shapely's distance in degrees would count a degree of longitude as a
    degree of latitude, 20 % too far at Syria's latitudes.
    """
    if ground is None or ground.is_empty or not points:
        return [float("inf")] * len(points)
    west, south, east, north = ground.bounds
    middle = np.radians((south + north) / 2)
    # Metres per degree on the WGS84 ellipsoid at that latitude (the usual series, to a metre).
    per_lat = 111132.92 - 559.82 * np.cos(2 * middle) + 1.175 * np.cos(4 * middle)
    per_lon = 111412.84 * np.cos(middle) - 93.5 * np.cos(3 * middle)
    scale = np.array([per_lon / 1000.0, per_lat / 1000.0])
    flat_ground = shapely.transform(ground, lambda xy: xy * scale)
    flat_points = shapely.points(np.asarray(points, dtype="float64") * scale)
    return [float(value) for value in shapely.distance(flat_ground, flat_points)]
