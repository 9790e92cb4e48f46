"""What makes our answers standards-exact GeoJSON (RFC 7946; its media type is mapapp.lib.http.GEOJSON): rings
wound the way section 3.1.6 says (exterior rings counter-clockwise, holes clockwise), whatever orientation a
footprint was imported with. Orientation is set where the GeoJSON is written: by the database
(ST_ForcePolygonCCW, which PostGIS and SpatiaLite 5 both have, with RFC 7946's meaning for holes) or, for shapes
made in Python, by shapely.
"""

from __future__ import annotations

import shapely
from django.contrib.gis.db.models.functions import AsGeoJSON

from gazetteer.models import ForcePolygonCCW  # also what Place.footprint_geojson is written with

__all__ = ["ForcePolygonCCW", "as_geojson", "oriented", "ring_signed_areas"]


def as_geojson(field, *, precision: int) -> AsGeoJSON:
    """The database's GeoJSON of a geometry expression, its polygons wound as RFC 7946 says."""
    return AsGeoJSON(ForcePolygonCCW(field), precision=precision)


def oriented(geometry: shapely.Geometry) -> shapely.Geometry:
    """A shapely geometry with its polygons wound as RFC 7946 says (lines and points unchanged)."""
    return shapely.orient_polygons(geometry, exterior_cw=False)


def ring_signed_areas(geojson_geometry: dict | None) -> list[tuple[bool, float]]:
    """[(is exterior, signed area)] of every ring of a GeoJSON Polygon or MultiPolygon (shoelace, in degrees²;
    positive is counter-clockwise). For tests and checks of what we send; other types have no rings."""
    if not geojson_geometry:
        return []
    kind, coordinates = geojson_geometry["type"], geojson_geometry.get("coordinates")
    polygons = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" else []
    rings = []
    for polygon in polygons:
        for index, ring in enumerate(polygon):
            area = sum(x0 * y1 - x1 * y0 for (x0, y0, *_), (x1, y1, *_) in zip(ring, ring[1:], strict=False)) / 2
            rings.append((index == 0, area))
    return rings
