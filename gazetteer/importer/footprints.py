"""Approximate footprints for points: a Voronoi cell inside the parent's footprint, or a circle sized by kind."""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

from gazetteer.importer.options import BUFFER_M, ImportReport
from gazetteer.models import Place, PlaceKind
from mapapp.lib import geo


def approximate_footprints(
    rows: list[dict], points: list[shapely.Point], parent: Place | None, report: ImportReport
) -> None:
    """Give the rows made from points a footprint: their Voronoi cell within the parent's footprint when there
    is one (the parent's existing children count as neighbours), else a circle sized by their kind."""
    if not rows:
        return
    cells: list[BaseGeometry | None] = [None] * len(rows)
    if parent is not None and parent.footprint is not None:
        within = geo.to_shapely(parent.footprint)
        neighbours = [geo.to_shapely(p) for p in parent.children.values_list("label_point", flat=True)]
        seeds = shapely.MultiPoint(points + neighbours)
        if len(points) + len(neighbours) == 1:
            diagram = [within]
        else:
            diagram = list(shapely.voronoi_polygons(seeds, extend_to=within).geoms)
        tree = shapely.STRtree(diagram)
        for i, point in enumerate(points):
            hits = tree.query(point, predicate="covered_by")
            if len(hits):
                cell = shapely.intersection(diagram[hits[0]], within)
                if not cell.is_empty and cell.area > 0:
                    cells[i] = cell
    for row, point, cell in zip(rows, points, cells, strict=True):
        if cell is not None:
            method = f"Voronoi cell of the point within {parent.slug} (approximate)"
            shape = cell
        else:
            radius = BUFFER_M.get(row["kind"], BUFFER_M[PlaceKind.OTHER])
            method = f"circle of {radius} m around the point, sized for a {row['kind']} (approximate)"
            shape = _geodesic_circle(point, radius)
            if parent is not None and parent.footprint is not None:
                report.notes.append((row["_label"], f"the point is outside {parent.slug}: a circle instead"))
        row["footprint"] = geo.geos_multipolygon(shapely.make_valid(shape))
        row["footprint_approximate"] = True
        row["footprint_method"] = method
        report.approximate[f"Voronoi cells within {parent.slug}" if cell is not None else "circles sized by kind"] += 1


def _geodesic_circle(point: shapely.Point, radius_m: float, segments: int = 32) -> shapely.Polygon:
    geod = Geod(ellps="WGS84")
    azimuths = np.linspace(0, 360, segments, endpoint=False)
    lons, lats, _ = geod.fwd(
        np.full(segments, point.x), np.full(segments, point.y), azimuths, np.full(segments, radius_m)
    )
    return shapely.Polygon(np.column_stack([lons, lats]))
