"""Geometry helpers: SRIDs, areas and lengths on the ellipsoid, shapely <-> GEOS through WKB.

Everything is stored in WGS84 (SRID 4326). Areas and lengths are never computed in degrees: they are
geodesic, on the WGS84 ellipsoid (pyproj.Geod), which is exact where an equal-area projection is only
close, and needs no choice of projection per map.
"""

from __future__ import annotations

import shapely
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
