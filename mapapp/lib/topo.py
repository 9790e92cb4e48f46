"""Zones as a topology of shared arcs, quantized and delta-encoded (TopoJSON's ideas, a more compact layout).

A map's zones tile its area, so nearly every stretch of boundary belongs to two zones. Sent as polygons, each
such stretch travels twice; sent as arcs, once, with each zone's rings written as lists of arc references.
The arcs are the map's stored edges (ZoneEdge: the lines two zones share, and each zone's part of the map's
outer edge), so the same lines draw the fronts and the fills, and a neighbour's edge is the same points on both
sides whatever the viewer later drops from them at a zoom (docs/contract.md, "topology").

Layout (JSON): `scale` (degrees per unit, 1e-5: about a metre), `translate` ([x, y] of unit 0, in units),
`arcs`: one flat list per arc, [x0, y0, dx1, dy1, dx2, dy2, ...] where x0, y0 are units from `translate` and
each later pair the step from the point before (small numbers, which compress well); `zones`: per zone, a
list of polygons, each a list of rings (the first the exterior, the rest holes), each ring a list of arc
references (i: arc i as written; ~i, that is -i-1: arc i backwards), or null for a zone without a footprint;
`edges`: per stored edge, the indexes of its arcs.

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
    units = np.rint(np.asarray(coords, dtype=float) * _UNITS).astype(np.int64)
    if len(units) > 1:
        keep = np.ones(len(units), dtype=bool)
        keep[1:] = np.any(units[1:] != units[:-1], axis=1)
        units = units[keep]
    return [(int(x), int(y)) for x, y in units.tolist()]


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


def _rebuilt(builder: _Builder, polygons: list[list[list[int]]]) -> BaseGeometry:
    parts = []
    for polygon in polygons:
        rings = [np.asarray(_ring_points(builder, ring), dtype=float) * SCALE for ring in polygon]
        parts.append(shapely.Polygon(rings[0], rings[1:]))
    return shapely.MultiPolygon(parts)


def _matches(rebuilt: BaseGeometry, footprint: BaseGeometry) -> bool:
    """The same rings, each within the quantization of the footprint's."""
    if shapely.get_num_geometries(rebuilt) != shapely.get_num_geometries(footprint):
        return False
    if sum(shapely.get_num_interior_rings(shapely.get_parts(rebuilt))) != sum(
        shapely.get_num_interior_rings(shapely.get_parts(footprint))
    ):
        return False
    return shapely.hausdorff_distance(shapely.boundary(rebuilt), shapely.boundary(footprint)) <= _TOLERANCE


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
    lines are `edges`: (zone index, neighbour index or None for the outer edge, lines). See the module's doc."""
    builder = _Builder()
    edge_arcs: list[list[int]] = []
    arcs_of_zone: dict[int, list[int]] = defaultdict(list)
    for a, b, lines in edges:
        indexes = []
        for line in shapely.get_parts(lines):
            points = _quantize(shapely.get_coordinates(line))
            if len(points) < 2:
                continue  # shorter than a unit: nothing to draw, and the stitching below looks past it
            arc = builder.add(points)
            indexes.append(arc)
            arcs_of_zone[a].append(arc)
            if b is not None:
                arcs_of_zone[b].append(arc)
        edge_arcs.append(indexes)
    zones: list[list | None] = []
    own = 0
    for index, footprint in enumerate(footprints):
        if footprint is None or footprint.is_empty:
            zones.append(None)
            continue
        rings = _stitch(builder, arcs_of_zone[index]) if arcs_of_zone[index] else None
        polygons = _polygons(builder, rings) if rings else None
        if polygons is None or not _matches(_rebuilt(builder, polygons), footprint):
            polygons = _own_arcs(builder, footprint)
            own += 1
        zones.append(polygons)
    origin = np.zeros(2, dtype=np.int64)
    if builder.arcs:
        origin = np.min([np.min(np.asarray(arc), axis=0) for arc in builder.arcs], axis=0)
    arcs = []
    for points in builder.arcs:
        units = np.asarray(points, dtype=np.int64) - origin
        deltas = np.concatenate([units[:1], np.diff(units, axis=0)])
        arcs.append(deltas.ravel().tolist())
    return {
        "scale": SCALE,
        "translate": origin.tolist(),
        "arcs": arcs,
        "zones": zones,
        "edges": edge_arcs,
        "unshared": own,
    }


def decode_arcs(topology: dict) -> list[np.ndarray]:
    """Each arc's points in degrees (n x 2)."""
    scale, origin = topology["scale"], np.asarray(topology["translate"], dtype=np.int64)
    decoded = []
    for flat in topology["arcs"]:
        units = np.cumsum(np.asarray(flat, dtype=np.int64).reshape(-1, 2), axis=0) + origin
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
    arcs_of = topology["edges"]["arcs"] if isinstance(topology["edges"], dict) else topology["edges"]
    for polygons in polygons_of:
        if polygons is None:
            zones.append(None)
            continue
        parts = []
        for polygon in polygons:
            rings = [_decoded_ring(arcs, ring) for ring in polygon]
            parts.append(shapely.Polygon(rings[0], rings[1:]))
        zones.append(shapely.MultiPolygon(parts))
    edges = [shapely.MultiLineString([arcs[i] for i in indexes]) for indexes in arcs_of]
    return zones, edges
