"""A polygon file read as one area (a map's extent): every feature a polygon, united, in WGS84."""

from __future__ import annotations

from pathlib import Path

import shapely

from gazetteer.importer.options import ImportFileError
from gazetteer.importer.readers import read_layer
from mapapp.lib import geo


def read_area(path: Path | str, *, label: str | None = None) -> shapely.MultiPolygon:
    """The union of the polygons of a GIS file (any format read_layer reads). Raises ImportFileError with one
    line naming the problem: no features with a geometry, a feature that is a point or a line, coordinates that
    are not longitude/latitude, or a polygon with no area left after repair."""
    path = Path(path)
    label = label or path.name
    layer = read_layer(path)
    shapes = []
    for number, shape in enumerate(layer.frame["geometry"], start=1):
        if shape is None or shape.is_empty:
            continue
        if not isinstance(shape, shapely.Polygon | shapely.MultiPolygon | shapely.GeometryCollection):
            raise ImportFileError(f"{label}: feature {number} is a {shape.geom_type}; an area must be polygons")
        minx, miny, maxx, maxy = shape.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise ImportFileError(f"{label}: feature {number} lies outside longitude/latitude; is its CRS right?")
        try:
            polygon, _reason = geo.repair_polygonal(shape)
        except ValueError as exc:
            raise ImportFileError(f"{label}: feature {number} is unusable: {exc}") from None
        shapes.append(polygon)
    if not shapes:
        raise ImportFileError(f"{label}: no feature has a geometry")
    return geo.union(shapes)
