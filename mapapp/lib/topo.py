"""Zones as a topology of shared arcs, quantized and delta-encoded (TopoJSON's ideas, a more compact layout).

A map's zones tile its area, so nearly every stretch of boundary belongs to two zones. Sent as polygons, each
such stretch travels twice; sent as arcs, once, with each zone's rings written as lists of arc references.
The arcs are the map's stored edges (ZoneEdge: the lines two zones share, and each zone's part of the map's
outer edge), so the same lines draw the fronts and the fills, and a neighbour's edge is the same points on both
sides whatever the viewer later drops from them at a zoom (docs/contract.md, "topology").

Layout (JSON): `scale` (degrees per unit, 1e-5: about a metre), `translate` ([x, y] of unit 0, in units),
`arcs`: one flat list per arc, [x0, y0, dx1, dy1, dx2, dy2, ...] where x0, y0 are units from the first point of
the arc before (from `translate` for the first arc) and each later pair the step from the point before (small
numbers, which compress well); `zones`: per zone, a
list of polygons, each a list of rings (the first the exterior, the rest holes), each ring a list of arc
references (i: arc i as written; ~i, that is -i-1: arc i backwards), or null for a zone without a footprint;
`edges`: per stored edge, how many arcs it has (its arcs come first, in edge order, each edge's after
the one before; the arcs of zones with arcs of their own come last).

A zone whose rings cannot be put together from its edges (a hole in the map's area beside it, an edge lost to
rounding) gets arcs of its own from its footprint: right, only not shared. `encode` checks every zone it builds
from shared arcs against its footprint, ring for ring, within the quantization.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

SCALE = 1e-5  # degrees per unit: about 1 m, the precision the viewer's GeoJSON had
_UNITS = 1 / SCALE
# A rebuilt zone may differ from its footprint by the rounding to units (half a unit each way, so at most
# 0.71 units) plus the grid the edges were cut on; more than this means the rings were put together wrongly.
_TOLERANCE = 1.5 * SCALE

Point = tuple[int, int]


def _quantize(coords: np.ndarray) -> list[Point]:
    """Coordinates (n x 2, degrees) in whole units, with repeats that rounding made dropped."""
    coords = np.asarray(coords, dtype=float)
    return _quantize_many(coords, np.zeros(len(coords), dtype=np.int64), 1)[0]


def _quantize_many(coords: np.ndarray, which: np.ndarray, count: int) -> list[list[Point]]:
    """`_quantize` for `count` lines at once: `coords` their points, `which` the line of each (in order)."""
    units = np.rint(coords * _UNITS).astype(np.int64)
    keep = np.ones(len(units), dtype=bool)
    keep[1:] = np.any(units[1:] != units[:-1], axis=1) | (which[1:] != which[:-1])
    units, which = units[keep], which[keep]
    bounds = np.searchsorted(which, np.arange(count + 1)).tolist()
    flat = [tuple(point) for point in units.tolist()]
    return [flat[bounds[i] : bounds[i + 1]] for i in range(count)]


class _Builder:
    def __init__(self) -> None:
        self.arcs: list[list[Point]] = []

    def add(self, points: list[Point]) -> int:
        self.arcs.append(points)
        return len(self.arcs) - 1

    def points(self, ref: int) -> list[Point]:
        return self.arcs[ref] if ref >= 0 else self.arcs[~ref][::-1]


def _ring_points(builder: _Builder, ring: list[int]) -> list[Point]:
    points: list[Point] = []
    for ref in ring:
        arc = builder.points(ref)
        points.extend(arc if not points else arc[1:])
    return points


def _stitch(builder: _Builder, arcs: list[int]) -> list[list[int]] | None:
    """Closed rings of arc references from a zone's arcs (each used once), or None if they do not close."""
    ends: dict[Point, list[int]] = defaultdict(list)
    rings: list[list[int]] = []
    used: set[int] = set()
    for arc in arcs:
        points = builder.arcs[arc]
        if points[0] == points[-1]:
            rings.append([arc])  # a closed edge: an enclave's whole boundary, or an island on the outer edge
            used.add(arc)
            continue
        ends[points[0]].append(arc)
        ends[points[-1]].append(arc)
    for first in arcs:
        if first in used:
            continue
        used.add(first)
        ring = [first]
        start, at = builder.arcs[first][0], builder.arcs[first][-1]
        while at != start:
            following = [arc for arc in ends[at] if arc not in used]
            if len(following) != 1:  # a dead end, or a point where the zone touches itself: ambiguous
                return None
            arc = following[0]
            used.add(arc)
            points = builder.arcs[arc]
            if points[0] == at:
                ring.append(arc)
                at = points[-1]
            else:
                ring.append(~arc)
                at = points[0]
        rings.append(ring)
    return rings


def _shoelace(points: list[Point]) -> float:
    xy = np.asarray(points, dtype=float)
    return 0.5 * float(np.dot(xy[:-1, 0], xy[1:, 1]) - np.dot(xy[1:, 0], xy[:-1, 1]))


def _polygons(builder: _Builder, rings: list[list[int]]) -> list[list[list[int]]]:
    """Rings grouped into polygons: a ring inside an odd number of the others is a hole of the smallest of them."""
    if len(rings) == 1:
        return [rings]
    shapes = []
    for ring in rings:
        points = _ring_points(builder, ring)
        shapes.append((abs(_shoelace(points)), ring, shapely.Polygon(points)))
    shapes.sort(key=lambda item: -item[0])
    polygons: list[list[list[int]]] = []
    owner: list[int | None] = []  # per ring in `shapes` order: the polygon it is the exterior of (None: a hole)
    for index, (_area, ring, shape) in enumerate(shapes):
        inside = shapely.point_on_surface(shape)
        around = [other for other in range(index) if shapes[other][2].contains(inside)]
        if len(around) % 2 == 0:
            owner.append(len(polygons))
            polygons.append([ring])
        else:
            owner.append(None)
            polygons[owner[around[-1]]].append(ring)
    return polygons


def _rebuilt_many(builder: _Builder, shapes: list[list[list[list[int]]]]) -> np.ndarray:
    """MultiPolygons (degrees) of zones given as polygons of rings of arc references, built in one go."""
    coords, ring_of, polygon_of, zone_of = [], [], [], []
    rings = polygons = 0
    for zone, shape in enumerate(shapes):
        for polygon in shape:
            for ring in polygon:
                points = _ring_points(builder, ring)
                coords.extend(points)
                ring_of.extend([rings] * len(points))
                polygon_of.append(polygons)
                rings += 1
            zone_of.append(zone)
            polygons += 1
    linear = shapely.linearrings(np.asarray(coords, dtype=float) * SCALE, indices=np.asarray(ring_of))
    parts = shapely.polygons(linear, indices=np.asarray(polygon_of))
    return shapely.multipolygons(parts, indices=np.asarray(zone_of))


def _matching(rebuilt: np.ndarray, footprints: np.ndarray) -> np.ndarray:
    """Per zone: the same parts and holes, every ring within the quantization of the footprint's."""

    def holes(geometries: np.ndarray) -> np.ndarray:
        parts, index = shapely.get_parts(geometries, return_index=True)
        return np.bincount(index, weights=shapely.get_num_interior_rings(parts), minlength=len(geometries))

    same = shapely.get_num_geometries(rebuilt) == shapely.get_num_geometries(footprints)
    same &= holes(rebuilt) == holes(footprints)
    distance = shapely.hausdorff_distance(shapely.boundary(rebuilt), shapely.boundary(footprints))
    return same & (distance <= _TOLERANCE)


def _own_arcs(builder: _Builder, footprint: BaseGeometry) -> list[list[list[int]]] | None:
    polygons = []
    for polygon in shapely.get_parts(footprint):
        rings = []
        for ring in [polygon.exterior, *polygon.interiors]:
            points = _quantize(shapely.get_coordinates(ring))
            if len(points) >= 4:
                rings.append([builder.add(points)])
        if rings:
            polygons.append(rings)
    return polygons or None


def encode(footprints: Sequence[BaseGeometry | None], edges: Sequence[tuple[int, int | None, BaseGeometry]]) -> dict:
    """The topology of zones (`footprints`, in the viewer's order; None for a zone without one) whose shared
    lines are `edges`: (zone index, neighbour index or None for the outer edge, lines). See the module's doc.
    Each edge's arcs follow those of the edge before it (`edges` in the answer: how many each has)."""
    builder = _Builder()
    arc_counts: list[int] = []
    arcs_of_zone: dict[int, list[int]] = defaultdict(list)
    parts, owner = shapely.get_parts([lines for _a, _b, lines in edges], return_index=True)
    coords, which = shapely.get_coordinates(parts, return_index=True)
    quantized = _quantize_many(coords, which, len(parts))
    counts = np.zeros(len(edges), dtype=int)
    for points, edge in zip(quantized, owner.tolist(), strict=True):
        if len(points) < 2:
            continue  # shorter than a unit: nothing to draw, and the stitching below looks past it
        a, b, _lines = edges[edge]
        arc = builder.add(points)
        counts[edge] += 1
        arcs_of_zone[a].append(arc)
        if b is not None:
            arcs_of_zone[b].append(arc)
    arc_counts = counts.tolist()
    zones: list[list | None] = [None] * len(footprints)
    built: list[int] = []
    for index, footprint in enumerate(footprints):
        if footprint is None or footprint.is_empty or not arcs_of_zone[index]:
            continue
        rings = _stitch(builder, arcs_of_zone[index])
        if rings:
            zones[index] = _polygons(builder, rings)
            built.append(index)
    if built:
        good = _matching(_rebuilt_many(builder, [zones[i] for i in built]),
                         np.asarray([footprints[i] for i in built], dtype=object))  # fmt: skip
        for index, ok in zip(built, good.tolist(), strict=True):
            if not ok:
                zones[index] = None
    own = 0
    for index, footprint in enumerate(footprints):
        if zones[index] is None and footprint is not None and not footprint.is_empty:
            zones[index] = _own_arcs(builder, footprint)
            own += 1
    origin = np.zeros(2, dtype=np.int64)
    if builder.arcs:
        origin = np.min([np.min(np.asarray(arc), axis=0) for arc in builder.arcs], axis=0)
    arcs = []
    previous = origin
    for points in builder.arcs:
        units = np.asarray(points, dtype=np.int64)
        # The first point from the first point of the arc before (arcs come in the order of their edges, which
        # is mostly neighbour after neighbour: small numbers), the rest from the point before.
        deltas = np.concatenate([units[:1] - previous, np.diff(units, axis=0)])
        previous = units[0]
        arcs.append(deltas.ravel().tolist())
    return {
        "scale": SCALE,
        "translate": origin.tolist(),
        "arcs": arcs,
        "zones": zones,
        "edges": arc_counts,
        "unshared": own,
    }


def decode_arcs(topology: dict) -> list[np.ndarray]:
    """Each arc's points in degrees (n x 2)."""
    scale, start = topology["scale"], np.asarray(topology["translate"], dtype=np.int64)
    decoded = []
    for flat in topology["arcs"]:
        units = np.cumsum(np.asarray(flat, dtype=np.int64).reshape(-1, 2), axis=0)
        units[:, :] += start
        start = units[0].copy()
        decoded.append(units * scale)
    return decoded


def _decoded_ring(arcs: list[np.ndarray], ring: list[int]) -> np.ndarray:
    pieces = []
    for ref in ring:
        points = arcs[ref] if ref >= 0 else arcs[~ref][::-1]
        pieces.append(points if not pieces else points[1:])
    return np.concatenate(pieces)


def decode(topology: dict) -> tuple[list[BaseGeometry | None], list[BaseGeometry]]:
    """The zones as MultiPolygons (None where the zone had none) and the edges as MultiLineStrings, in degrees.
    Takes what `encode` returns or the /topology answer (zones and edges in columns)."""
    arcs = decode_arcs(topology)
    zones: list[BaseGeometry | None] = []
    polygons_of = topology["zones"]["polygons"] if isinstance(topology["zones"], dict) else topology["zones"]
    counts = topology["edges"]["arc_count"] if isinstance(topology["edges"], dict) else topology["edges"]
    for polygons in polygons_of:
        if polygons is None:
            zones.append(None)
            continue
        parts = []
        for polygon in polygons:
            rings = [_decoded_ring(arcs, ring) for ring in polygon]
            parts.append(shapely.Polygon(rings[0], rings[1:]))
        zones.append(shapely.MultiPolygon(parts))
    edges, first = [], 0
    for count in counts:
        edges.append(shapely.MultiLineString(arcs[first : first + count]))
        first += count
    return zones, edges
