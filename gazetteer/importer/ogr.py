"""Reading GeoJSON, Shapefile (zipped or not), KML/KMZ and GeoPackage through pyogrio (GDAL)."""

from __future__ import annotations

import json
import zipfile
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio import errors as ogr_errors
from pyproj import CRS
from pyproj.exceptions import CRSError

from gazetteer.importer.layer import Layer, crs_label, first_line, to_wgs84
from gazetteer.importer.options import ImportFileError


def check_geojson(path: Path, crs_override: str | None) -> str:
    """Refuse what is not GeoJSON with a clear line, before GDAL gives a vague one; check an old `crs` member."""
    try:
        data = json.loads(path.read_bytes())
    except UnicodeDecodeError:
        raise ImportFileError(f"{path.name}: not valid JSON (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            f"{path.name}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(data, dict) or data.get("type") not in (
        "FeatureCollection", "Feature", "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
        "MultiPolygon", "GeometryCollection",
    ):  # fmt: skip
        raise ImportFileError(f"{path.name}: JSON, but not GeoJSON (no FeatureCollection, Feature or geometry)")
    crs = data.get("crs")
    if crs is None or crs_override:
        return "EPSG:4326"  # RFC 7946: GeoJSON is WGS84 unless it says otherwise
    properties = crs.get("properties", {}) if isinstance(crs, dict) else {}
    if isinstance(crs, dict) and crs.get("type") == "name":
        name = properties.get("name")
    elif isinstance(crs, dict) and crs.get("type") == "EPSG":  # the 2008 draft's form
        name = f"EPSG:{properties.get('code')}"
    else:
        raise ImportFileError(f"{path.name}: unknown CRS {json.dumps(crs)[:120]} (say which with --srid)")

    try:
        CRS.from_user_input(name)
    except (CRSError, TypeError):
        raise ImportFileError(f"{path.name}: unknown CRS {name!r} in its crs member (say which with --srid)") from None
    return name


def zip_member(path: Path) -> tuple[str, str | None]:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [name for name in archive.namelist() if not name.endswith("/")]
    except zipfile.BadZipFile:
        raise ImportFileError(f"{path.name}: not a zip file") from None
    by_suffix = defaultdict(list)
    for member in members:
        by_suffix[Path(member).suffix.lower()].append(member)
    for suffix in (".shp", ".gpkg", ".geojson", ".json", ".kml"):
        if len(by_suffix[suffix]) > 1:
            raise ImportFileError(f"{path.name} holds several {suffix} files ({', '.join(by_suffix[suffix])}); zip one")
        if suffix == ".shp" and by_suffix[suffix] and not by_suffix[".dbf"]:
            raise ImportFileError(
                f"{path.name} holds a shapefile without its .dbf, which keeps its names "
                f"(found {', '.join(sorted(members))})"
            )
        if by_suffix[suffix]:
            return f"/vsizip/{path}/{by_suffix[suffix][0]}", ("EPSG:4326" if suffix in (".kml", ".geojson") else None)
    if by_suffix[".dbf"] or by_suffix[".shx"]:
        raise ImportFileError(f"{path.name} holds a shapefile without its .shp (found {', '.join(sorted(members))})")
    raise ImportFileError(f"{path.name} holds no shapefile, GeoPackage, GeoJSON or KML (found {', '.join(members)})")


def read_ogr(
    label: str, source: str, layer: str | None, crs_override: str | None, default_crs: str | None, *, part=False
) -> Layer:

    try:
        layers = [str(name) for name, _geometry_type in pyogrio.list_layers(source)]
    except (ogr_errors.DataSourceError, OSError) as exc:
        raise ImportFileError(f"{label}: cannot be read ({first_line(exc)})") from None
    if layer is not None and layer not in layers:
        raise ImportFileError(f"{label} has no layer {layer!r} (layers: {', '.join(layers)})")
    if layer is None:
        if not layers:
            raise ImportFileError(f"{label} has no layers")
        if len(layers) > 1 and label.lower().endswith((".kml", ".kmz")):
            # A KML's layers are its folders, nested as Google Earth and My Maps save them: one set of places.
            parts = [read_ogr(label, source, name, crs_override, default_crs, part=True) for name in layers]
            parts = [part for part in parts if len(part.frame)]
            if not parts:
                raise ImportFileError(f"{label}: none of its folders ({', '.join(layers)}) has features")
            frame = pd.concat([part.frame for part in parts], ignore_index=True)
            return Layer(frame, ", ".join(part.name for part in parts), parts[0].crs)
        if len(layers) > 1:
            raise ImportFileError(f"{label} has {len(layers)} layers; choose one with --layer ({', '.join(layers)})")
        layer = layers[0]

    def read(**encoding) -> tuple[dict, np.ndarray | None, pd.DataFrame]:
        try:
            meta, _fids, geometries, fields = pyogrio.raw.read(source, layer=layer, **encoding)
        except ogr_errors.CRSError as exc:
            raise ImportFileError(f"{label}: unknown CRS ({first_line(exc)}); say which with --srid") from None
        except (
            ogr_errors.DataSourceError,
            ogr_errors.DataLayerError,
            ogr_errors.FieldError,
            ogr_errors.GeometryError,
            OSError,
            ValueError,
        ) as exc:
            raise ImportFileError(f"{label}: cannot be read ({first_line(exc)})") from None
        return meta, geometries, pd.DataFrame(dict(zip(meta["fields"], fields, strict=True)))

    meta, geometries, frame = read()
    if source.lower().endswith(".shp") and _read_as_latin1_arabic(frame):
        # A .dbf written by Arabic Windows (code page 1256) with no .cpg to say so: GDAL reads it as Latin-1 and
        # every Arabic name comes out as ãæÍÓä. Read it again in the code page its bytes are in.
        meta, geometries, frame = read(encoding="cp1256")
    features = len(geometries) if geometries is not None else len(frame)  # a layer may have no fields
    if features == 0 and not part:
        raise ImportFileError(f"{label}: layer {layer!r} has no features")
    shapes = shapely.from_wkb(geometries) if geometries is not None else np.full(len(frame), None)
    crs = crs_override or meta.get("crs") or default_crs
    if crs is None:
        raise ImportFileError(f"{label} says nothing of its coordinate system (a shapefile's .prj?); use --srid")
    frame["geometry"] = list(to_wgs84(label, shapes, crs))
    frame["_error"] = None
    return Layer(frame, layer, crs_label(crs))


def _read_latin1_arabic(value) -> str | None:
    """The Arabic a Latin-1 reading of Windows-1256 bytes hides (ãæÍÓä -> موحسن), or None."""
    if not isinstance(value, str) or value.isascii():
        return None
    try:
        decoded = value.encode("latin-1").decode("cp1256")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None
    return decoded if all(ch.isascii() or "\u0600" <= ch <= "\u06ff" for ch in decoded) else None


def _read_as_latin1_arabic(frame: pd.DataFrame) -> bool:
    """True when every non-ASCII text in the frame reads as Arabic in Windows-1256 (and there is some)."""
    texts = [v for column in frame.columns for v in frame[column] if isinstance(v, str) and not v.isascii()]
    return bool(texts) and all(_read_latin1_arabic(v) is not None for v in texts)
