"""Which reader reads a file, by its suffix; the file checks that come before any reading."""

from __future__ import annotations

from pathlib import Path

from gazetteer.importer.delimited import read_csv
from gazetteer.importer.layer import Layer, check_srid
from gazetteer.importer.ogr import check_geojson, read_ogr, zip_member
from gazetteer.importer.options import SUFFIXES, ImportFileError


def read_layer(path: Path, *, layer: str | None = None, srid: int | None = None) -> Layer:
    """Read one layer of a GIS file into WGS84. Raises ImportFileError with one line on anything unreadable."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES + (".dbf", ".shx", ".prj", ".cpg"):
        raise ImportFileError(f"{path.name}: not a file type this imports (use {', '.join(SUFFIXES)})")
    if suffix in (".dbf", ".shx", ".prj", ".cpg"):
        shp = path.with_suffix(".shp")
        if not shp.exists():
            raise ImportFileError(f"{shp.name} is missing: a shapefile needs its .shp beside {path.name}")
        path, suffix = shp, ".shp"
    if not path.exists():
        if suffix == ".shp":
            siblings = sorted(p.name for p in path.parent.glob(f"{path.stem}.*"))
            found = f" (found {', '.join(siblings)})" if siblings else ""
            raise ImportFileError(f"{path.name} is missing: a shapefile needs its .shp{found}")
        raise ImportFileError(f"{path.name}: no such file")
    if suffix == ".shp" and not any(path.with_suffix(ext).exists() for ext in (".dbf", ".DBF")):
        # Without it GDAL reads shapes with no fields, and the file would be refused for having no name field.
        raise ImportFileError(f"{path.stem}.dbf is missing: a shapefile keeps its names in the .dbf beside {path.name}")
    crs_override = check_srid(srid)
    if suffix == ".csv":
        return read_csv(path, crs_override)
    source = str(path)
    default_crs = None
    if suffix in (".geojson", ".json"):
        default_crs = check_geojson(path, crs_override)
    elif suffix in (".kml", ".kmz"):
        default_crs = "EPSG:4326"  # KML is WGS84 by definition
    elif suffix == ".zip":
        source, default_crs = zip_member(path)
    return read_ogr(path.name, source, layer, crs_override, default_crs)
