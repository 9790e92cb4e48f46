"""Import places from GIS files: GeoJSON (old `crs` member too), Shapefile (zipped or not), KML/KMZ, GeoPackage,
and CSV with a WKT column or latitude/longitude columns. Used by `manage.py import_places` and the admin.

Everything is read (through geopandas/pyogrio, pandas for CSV) and checked before anything is written; a file
that cannot be read raises ImportFileError with one line saying why, and nothing is written. Then, inside one
transaction (rolled back for a dry run), each feature is created as a place or merged into the existing place
it names (same name after normalisation, shapes overlapping, compatible kinds) as a new spelling. Points get an
approximate footprint: their Voronoi cell within the parent's footprint, or a circle sized by their kind.
The ImportReport says what happened to every feature.
"""

from __future__ import annotations

import json
import math
import sys
import unicodedata
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from shapely.geometry.base import BaseGeometry

from gazetteer import services
from gazetteer.models import NameKind, Place, PlaceKind, PlaceName
from gazetteer.normalize import clean_name, exact_key, is_arabic, search_key
from mapapp.lib import geo

SUFFIXES = (".geojson", ".json", ".shp", ".zip", ".kml", ".kmz", ".gpkg", ".csv")
NAME_FIELDS = ("name_en", "name", "NAME_EN", "NAME", "Name", "name:en", "title", "label")
NAME_AR_FIELDS = ("name_ar", "NAME_AR", "name:ar", "Name_ar", "arabic")
VARIANT_FIELDS = ("variants", "alt_name", "alt_names", "ALT_NAME", "other_names")
KIND_FIELDS = ("kind", "placetype", "place_type", "type", "fclass")
WKT_COLUMNS = ("wkt", "WKT", "geometry", "geom", "the_geom", "GEOMETRY")
LAT_LON_COLUMNS = (("lat", "lon"), ("latitude", "longitude"), ("lat", "lng"), ("Latitude", "Longitude"), ("y", "x"))
PROGRESS_FROM = 200  # features; smaller files import too fast to need a progress bar

# Who's On First, GeoNames and OSM words for kinds of places, mapped onto ours.
KIND_ALIASES = {
    "neighbourhood": PlaceKind.DISTRICT, "neighborhood": PlaceKind.DISTRICT, "microhood": PlaceKind.DISTRICT,
    "macrohood": PlaceKind.DISTRICT, "suburb": PlaceKind.DISTRICT, "quarter": PlaceKind.DISTRICT,
    "county": PlaceKind.REGION, "localadmin": PlaceKind.REGION, "region": PlaceKind.GOVERNORATE,
    "country": PlaceKind.REGION, "hamlet": PlaceKind.VILLAGE, "aerodrome": PlaceKind.AIRPORT,
    "peak": PlaceKind.MOUNTAIN, "military": PlaceKind.BASE,
}  # fmt: skip
# Kinds that may name the same ground: a "locality" in one file is a "village" or "town" in another.
KIND_FAMILIES = [
    {PlaceKind.CITY, PlaceKind.TOWN, PlaceKind.VILLAGE, PlaceKind.LOCALITY},
    {PlaceKind.DISTRICT, PlaceKind.AREA, PlaceKind.HOUSING},
    {PlaceKind.REGION, PlaceKind.GOVERNORATE},
    {PlaceKind.HILL, PlaceKind.HILLS, PlaceKind.MOUNTAIN},
    {PlaceKind.BASE, PlaceKind.AIRPORT},
]
# Radius in metres of the circle a place known only by a point gets, by kind: about the size of such a place.
BUFFER_M = {
    PlaceKind.CITY: 3000, PlaceKind.TOWN: 1500, PlaceKind.VILLAGE: 600, PlaceKind.LOCALITY: 800,
    PlaceKind.DISTRICT: 500, PlaceKind.AREA: 800, PlaceKind.BASE: 700, PlaceKind.AIRPORT: 1500,
    PlaceKind.ROUNDABOUT: 100, PlaceKind.JUNCTION: 150, PlaceKind.MOUNTAIN: 1500, PlaceKind.HILL: 400,
    PlaceKind.HILLS: 1500, PlaceKind.BRIDGE: 150, PlaceKind.ISLAND: 500, PlaceKind.HOSPITAL: 150,
    PlaceKind.HOUSING: 300, PlaceKind.CAMPUS: 400, PlaceKind.BORDER_CROSSING: 300, PlaceKind.REGION: 15000,
    PlaceKind.GOVERNORATE: 30000, PlaceKind.OTHER: 500,
}  # fmt: skip
MERGE_POINT_DISTANCE_M = 1000  # two points with the same name closer than this are one place
MERGE_MIN_SHARE = 0.8  # two outlines with the same name are one place when they share this much of the larger
MAX_NAME = 200


class ImportFileError(Exception):
    """The file cannot be imported at all; the message is one line saying why."""


@dataclass
class ImportOptions:
    layer: str | None = None
    name_field: str | None = None
    name_ar_field: str | None = None
    variants_field: str | None = None
    kind: str | None = None
    parent: str | None = None  # slug of an existing place
    srid: int | None = None  # the coordinates' CRS, when the file does not say (or says wrong)
    dry_run: bool = False


@dataclass
class ImportReport:
    source: str
    dry_run: bool = False
    read: int = 0
    layer: str = ""
    crs: str = ""
    created: list[tuple[str, str]] = field(default_factory=list)  # (slug, name)
    merged: list[tuple[str, str, str]] = field(default_factory=list)  # (feature, slug, what was added)
    repaired: list[tuple[str, str]] = field(default_factory=list)  # (feature, reason)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (feature, reason)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (feature, remark)
    approximate: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # method -> places

    @property
    def summary(self) -> str:
        return (
            f"created {len(self.created)}, merged {len(self.merged)}, repaired {len(self.repaired)}, "
            f"skipped {len(self.skipped)}"
        )

    def lines(self, *, list_created: bool = True) -> list[str]:
        where = f" (layer {self.layer!r}, {self.crs})" if self.layer else f" ({self.crs})"
        lines = [f"read {self.read} features from {self.source}{where}"]
        if list_created:
            lines += [f"created {slug}: {name}" for slug, name in self.created]
        lines += [f"merged {feature} into {slug}: {what}" for feature, slug, what in self.merged]
        lines += [f"repaired {feature}: {reason}" for feature, reason in self.repaired]
        lines += [f"skipped {feature}: {reason}" for feature, reason in self.skipped]
        lines += [f"note {feature}: {remark}" for feature, remark in self.notes]
        lines += [f"approximate footprints: {count} ({method})" for method, count in sorted(self.approximate.items())]
        lines.append(self.summary)
        if self.dry_run:
            lines.append("dry run: nothing was written")
        return lines

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "read": self.read,
            "created": len(self.created),
            "merged": len(self.merged),
            "repaired": len(self.repaired),
            "skipped": len(self.skipped),
            "lines": self.lines(),
        }


# --- reading files --------------------------------------------------------------------------------------


@dataclass
class Layer:
    frame: pd.DataFrame  # attribute columns, plus "geometry" (shapely or None, WGS84) and "_error"
    name: str
    crs: str


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
    crs_override = _check_srid(srid)
    if suffix == ".csv":
        return _read_csv(path, crs_override)
    source = str(path)
    default_crs = None
    if suffix in (".geojson", ".json"):
        default_crs = _check_geojson(path, crs_override)
    elif suffix in (".kml", ".kmz"):
        default_crs = "EPSG:4326"  # KML is WGS84 by definition
    elif suffix == ".zip":
        source, default_crs = _zip_member(path)
    return _read_ogr(path.name, source, layer, crs_override, default_crs)


def _check_srid(srid: int | None) -> str | None:
    if srid is None:
        return None
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        CRS.from_epsg(srid)
    except CRSError:
        raise ImportFileError(f"unknown CRS EPSG:{srid} (--srid)") from None
    return f"EPSG:{srid}"


def _check_geojson(path: Path, crs_override: str | None) -> str:
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
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        CRS.from_user_input(name)
    except (CRSError, TypeError):
        raise ImportFileError(f"{path.name}: unknown CRS {name!r} in its crs member (say which with --srid)") from None
    return name


def _zip_member(path: Path) -> tuple[str, str | None]:
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


def _read_ogr(
    label: str, source: str, layer: str | None, crs_override: str | None, default_crs: str | None, *, part=False
) -> Layer:
    import pyogrio
    from pyogrio.errors import CRSError, DataLayerError, DataSourceError, FieldError, GeometryError

    try:
        layers = [str(name) for name, _geometry_type in pyogrio.list_layers(source)]
    except (DataSourceError, OSError) as exc:
        raise ImportFileError(f"{label}: cannot be read ({_first_line(exc)})") from None
    if layer is not None and layer not in layers:
        raise ImportFileError(f"{label} has no layer {layer!r} (layers: {', '.join(layers)})")
    if layer is None:
        if not layers:
            raise ImportFileError(f"{label} has no layers")
        if len(layers) > 1 and label.lower().endswith((".kml", ".kmz")):
            # A KML's layers are its folders, nested as Google Earth and My Maps save them: one set of places.
            parts = [_read_ogr(label, source, name, crs_override, default_crs, part=True) for name in layers]
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
        except CRSError as exc:
            raise ImportFileError(f"{label}: unknown CRS ({_first_line(exc)}); say which with --srid") from None
        except (DataSourceError, DataLayerError, FieldError, GeometryError, OSError, ValueError) as exc:
            raise ImportFileError(f"{label}: cannot be read ({_first_line(exc)})") from None
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
    frame["geometry"] = list(_to_wgs84(label, shapes, crs))
    frame["_error"] = None
    return Layer(frame, layer, _crs_label(crs))


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


def _read_csv(path: Path, crs_override: str | None) -> Layer:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        if len(frame.columns) == 1 and ";" in frame.columns[0]:
            # Spreadsheets in locales with a decimal comma save CSV with semicolons.
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", sep=";")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{path.name}: not UTF-8 text ({_first_line(exc)}); save it as CSV UTF-8 and import it again"
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ImportFileError(f"{path.name}: not a readable CSV ({_first_line(exc)})") from None
    if frame.empty:
        raise ImportFileError(f"{path.name}: no rows under its header")
    wkt = next((c for c in WKT_COLUMNS if c in frame.columns), None)
    lat_lon = next(((lat, lon) for lat, lon in LAT_LON_COLUMNS if lat in frame.columns and lon in frame.columns), None)
    if wkt is None and lat_lon is None:
        raise ImportFileError(
            f"{path.name}: no geometry columns: expected a WKT column (wkt, geometry, geom) or latitude and "
            f"longitude columns (lat/lon, latitude/longitude); found {', '.join(frame.columns) or 'none'}"
        )
    shapes, errors = [], []
    for _, row in frame.iterrows():
        shape, error = None, None
        if wkt is not None:
            text = row[wkt].strip()
            if text:
                try:
                    shape = shapely.from_wkt(text)
                except shapely.errors.GEOSException:
                    error = f"{wkt} is not WKT: {text[:40]!r}"
        else:
            lat, lon = (row[c].strip() for c in lat_lon)
            if lat or lon:
                try:
                    shape = shapely.Point(float(lon.replace(",", ".")), float(lat.replace(",", ".")))
                except ValueError:
                    error = f"{lat_lon[0]}/{lat_lon[1]} are not numbers: {lat!r}, {lon!r}"
        shapes.append(shape)
        errors.append(error)
    crs = crs_override or "EPSG:4326"
    frame = frame.drop(columns=[wkt] if wkt else [])
    frame["geometry"] = list(_to_wgs84(path.name, np.array(shapes, dtype=object), crs))
    frame["_error"] = errors
    return Layer(frame, "", _crs_label(crs))


def _to_wgs84(label: str, shapes: np.ndarray, crs: str) -> np.ndarray:
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError

    try:
        source = CRS.from_user_input(crs)
    except (CRSError, TypeError):
        raise ImportFileError(f"{label}: unknown CRS {_crs_label(crs)!r}; say which with --srid") from None
    shapes = shapely.force_2d(np.asarray(shapes, dtype=object))
    if source.equals(CRS.from_epsg(geo.WGS84), ignore_axis_order=True):
        return shapes
    transformer = Transformer.from_crs(source, CRS.from_epsg(geo.WGS84), always_xy=True)
    present = ~shapely.is_missing(shapes)
    shapes[present] = shapely.transform(shapes[present], lambda xy: np.column_stack(transformer.transform(*xy.T)))
    return shapes


def _crs_label(crs: str) -> str:
    from pyproj import CRS

    try:
        parsed = CRS.from_user_input(crs)
    except Exception:  # reported as unknown where it matters
        return str(crs)[:60]
    authority = parsed.to_authority()
    return f"{authority[0]}:{authority[1]}" if authority else parsed.name


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


# --- features -------------------------------------------------------------------------------------------


@dataclass
class Feature:
    number: int  # 1-based, in file order
    name_en: str
    name_ar: str
    variants: list[tuple[str, str]]  # (name, language)
    kind: str
    shape: BaseGeometry  # a Point or a valid MultiPolygon, WGS84
    repaired: str = ""

    @property
    def label(self) -> str:
        return f'feature {self.number} "{self.name_en or self.name_ar}"'

    @property
    def names(self) -> list[tuple[str, str]]:
        names = [(self.name_en, _language(self.name_en)), (self.name_ar, "ar"), *self.variants]
        return list(dict.fromkeys((name, language) for name, language in names if name))

    @property
    def is_point(self) -> bool:
        return isinstance(self.shape, shapely.Point)


def _pick(columns, wanted: str | None, defaults: tuple[str, ...], option: str) -> str | None:
    if wanted is not None:
        if wanted not in columns:
            raise ImportFileError(f"no field {wanted!r} for {option} (fields: {', '.join(map(str, columns))})")
        return wanted
    return next((c for c in defaults if c in columns), None)


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    # Control characters (NUL, which PostgreSQL cannot store, and the like) read as spaces; whitespace folds.
    return clean_name("".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in str(value)))


def _names_list(value) -> list[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, list | tuple | np.ndarray):
        return [_text(v) for v in value if _text(v)]
    text = str(value).strip()
    if text.startswith("["):
        try:
            return [_text(v) for v in json.loads(text) if _text(v)]
        except (json.JSONDecodeError, TypeError):
            pass
    separator = ";" if ";" in text else "|" if "|" in text else None
    parts = text.split(separator) if separator else [text]
    return [_text(p) for p in parts if _text(p)]


def _language(name: str) -> str:
    return "ar" if is_arabic(name) else "en"


def _kind_of(raw: str, options: ImportOptions, report: ImportReport, unknown_kinds: set[str]) -> str:
    if options.kind:
        return options.kind
    value = raw.strip().lower()
    if not value:
        return PlaceKind.OTHER
    if value in PlaceKind.values:
        return value
    if value in KIND_ALIASES:
        return KIND_ALIASES[value]
    if value not in unknown_kinds:
        unknown_kinds.add(value)
        report.notes.append(("kind", f"{raw!r} is not a kind of place here: such places are 'other'"))
    return PlaceKind.OTHER


def features_of(layer: Layer, options: ImportOptions, report: ImportReport) -> list[Feature]:
    """Turn a layer's rows into features, skipping (with the reason) the ones that cannot be places."""
    columns = list(layer.frame.columns)
    attributes = [c for c in columns if c not in ("geometry", "_error")]
    name_field = _pick(attributes, options.name_field, NAME_FIELDS, "--name-field")
    name_ar_field = _pick(attributes, options.name_ar_field, NAME_AR_FIELDS, "--name-ar-field")
    variants_field = _pick(attributes, options.variants_field, VARIANT_FIELDS, "--variants-field")
    kind_field = next((c for c in KIND_FIELDS if c in attributes), None)
    if name_field is None and name_ar_field is None:
        raise ImportFileError(
            f"no name field: expected one of {', '.join(NAME_FIELDS)} or --name-field "
            f"(fields: {', '.join(map(str, attributes)) or 'none'})"
        )
    features: list[Feature] = []
    unknown_kinds: set[str] = set()
    for number, row in enumerate(layer.frame.to_dict("records"), start=1):
        name_en = _text(row.get(name_field)) if name_field else ""
        name_ar = _text(row.get(name_ar_field)) if name_ar_field else ""
        variants = _names_list(row.get(variants_field)) if variants_field else []
        label = f'feature {number} "{name_en or name_ar}"' if (name_en or name_ar) else f"feature {number}"
        if isinstance(row["_error"], str) and row["_error"]:
            report.skipped.append((label, row["_error"]))
            continue
        if name_ar and not is_arabic(name_ar):
            report.notes.append((label, f"{name_ar_field} {name_ar!r} is not in Arabic script: kept as a variant"))
            variants.append(name_ar)
            name_ar = ""
        if name_en and is_arabic(name_en):  # the "name" field holds the Arabic name
            name_ar, name_en = name_ar or name_en, ""
        if not name_ar:  # an Arabic spelling among the variants is the Arabic name
            name_ar = next((v for v in variants if is_arabic(v)), "")
        if not name_en:
            name_en = next((v for v in variants if not is_arabic(v)), "") or name_ar
        if not name_en:
            field_names = " or ".join(repr(f) for f in (name_field, name_ar_field) if f)
            report.skipped.append((label, f"no name (field {field_names} is empty)"))
            continue
        if max(len(name_en), len(name_ar)) > MAX_NAME:
            report.skipped.append((label, f"a name longer than {MAX_NAME} characters"))
            continue
        shape = row["geometry"]
        if shape is None or shape.is_empty:
            report.skipped.append((label, "no geometry"))
            continue
        if isinstance(shape, shapely.MultiPoint) and len(shape.geoms) == 1:
            shape = shape.geoms[0]
        if isinstance(shape, shapely.MultiPoint | shapely.LineString | shapely.MultiLineString | shapely.LinearRing):
            report.skipped.append((label, f"a {shape.geom_type} is not a place: expected a point or a polygon"))
            continue
        minx, miny, maxx, maxy = shape.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            report.skipped.append((label, "coordinates outside longitude/latitude: is the CRS right? (--srid)"))
            continue
        repaired = ""
        if not isinstance(shape, shapely.Point):
            try:
                shape, repaired = geo.repair_polygonal(shape)
            except ValueError as exc:
                report.skipped.append((label, f"unusable geometry: {exc}"))
                continue
        seen = {(name_en, "en"), (name_ar, "ar")}
        unique_variants = []
        for variant in variants:
            key = (variant, _language(variant))
            if key not in seen:
                seen.add(key)
                unique_variants.append(key)
        kind = _kind_of(_text(row.get(kind_field)) if kind_field else "", options, report, unknown_kinds)
        feature = Feature(number, name_en, name_ar, unique_variants, kind, shape, repaired)
        if repaired:
            report.repaired.append((feature.label, repaired))
        features.append(feature)
    return features


# --- merging and creating -------------------------------------------------------------------------------


@dataclass
class Candidate:
    place: Place | None  # None while only pending creation in this import
    slug: str
    kind: str
    shape: BaseGeometry | None  # footprint (MultiPolygon) or None
    point: shapely.Point
    approximate: bool
    names: set[tuple[str, str]]
    pending: dict | None = None  # the creation row, for places this import creates


def _kinds_compatible(one: str, other: str) -> bool:
    if one == other or PlaceKind.OTHER in (one, other):
        return True
    return any(one in family and other in family for family in KIND_FAMILIES)


def _distance_m(a: shapely.Point, b: shapely.Point) -> float:
    from pyproj import Geod

    return Geod(ellps="WGS84").inv(a.x, a.y, b.x, b.y)[2]


def _overlap(feature: Feature, candidate: Candidate) -> float:
    """How much the feature and a place share: > 0 when they are the same ground, 0 when not."""
    shape = feature.shape
    if feature.is_point:
        if candidate.shape is not None and candidate.shape.covers(shape):
            return 1.0
        distance = _distance_m(shape, candidate.point)
        return 1.0 - distance / MERGE_POINT_DISTANCE_M if distance < MERGE_POINT_DISTANCE_M else 0.0
    if candidate.shape is not None:
        if not shape.intersects(candidate.shape):
            return 0.0
        shared = shape.intersection(candidate.shape).area
        if shared <= 0:
            return 0.0
        if candidate.approximate:  # a circle or a cell drawn around a point: any real outline over it will do
            return shared / min(shape.area, candidate.shape.area)
        # Two real outlines are one place when they cover much the same ground, not when one holds the other:
        # Who's On First's districts lie inside the governorates they are named after, and fill 19-76% of them.
        share = shared / max(shape.area, candidate.shape.area)
        return share if share >= MERGE_MIN_SHARE else 0.0
    return 1.0 if shape.covers(candidate.point) else 0.0


class _Gazetteer:
    """The places a feature could be merged into, by search key: the database's and this import's own."""

    def __init__(self):
        self.by_key: dict[str, set[int]] = defaultdict(set)
        self.pending_by_key: dict[str, list[Candidate]] = defaultdict(list)
        for place_id, key in PlaceName.objects.values_list("place_id", "search_key"):
            self.by_key[key].add(place_id)
        self.loaded: dict[int, Candidate] = {}
        self.slugs = set(Place.objects.values_list("slug", flat=True))

    def candidates(self, feature: Feature) -> list[Candidate]:
        keys = {search_key(name) for name, _ in feature.names} - {""}
        ids = set().union(*(self.by_key.get(key, set()) for key in keys)) if keys else set()
        missing = ids - set(self.loaded)
        if missing:
            for place in Place.objects.filter(id__in=missing).prefetch_related("names"):
                self.loaded[place.id] = Candidate(
                    place,
                    place.slug,
                    place.kind,
                    geo.to_shapely(place.footprint) if place.footprint is not None else None,
                    geo.to_shapely(place.label_point),
                    place.footprint_approximate,
                    {(n.name, n.language) for n in place.names.all()},
                )
        found = [self.loaded[i] for i in ids]
        for key in keys:
            found.extend(c for c in self.pending_by_key.get(key, []) if c not in found)
        return found

    def new_slug(self, feature: Feature) -> str:
        base = slugify(exact_key(feature.name_en) if not is_arabic(feature.name_en) else "")[:100]
        if not base:
            base = slugify(feature.name_en)[:100] or f"place-{feature.number}"
        slug, n = base, 2
        while slug in self.slugs:
            slug, n = f"{base}-{n}", n + 1
        self.slugs.add(slug)
        return slug

    def add_pending(self, candidate: Candidate, feature: Feature) -> None:
        for name, _ in feature.names:
            key = search_key(name)
            if key:
                self.pending_by_key[key].append(candidate)


def _best_match(feature: Feature, candidates: list[Candidate]) -> Candidate | None:
    scored = [(_overlap(feature, c), c) for c in candidates if _kinds_compatible(feature.kind, c.kind)]
    scored = [(score, c) for score, c in scored if score > 0]
    if not scored:
        return None
    return max(scored, key=lambda sc: sc[0])[1]


def _approximate_footprints(
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
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    azimuths = np.linspace(0, 360, segments, endpoint=False)
    lons, lats, _ = geod.fwd(
        np.full(segments, point.x), np.full(segments, point.y), azimuths, np.full(segments, radius_m)
    )
    return shapely.Polygon(np.column_stack([lons, lats]))


def places_import(
    *, path: Path | str, options: ImportOptions, source_name: str | None = None, progress: bool = False
) -> ImportReport:
    """Import the places of a GIS file (see the module doc). Raises ImportFileError, with nothing written, if
    the file cannot be read; otherwise returns the report (with options.dry_run nothing is written either)."""
    path = Path(path)
    label = source_name or path.name
    parent = None
    if options.parent:
        parent = Place.objects.filter(slug=options.parent).first()
        if parent is None:
            raise ImportFileError(f"no place {options.parent!r} to be the parent (--parent)")
    if options.kind and options.kind not in PlaceKind.values:
        raise ImportFileError(f"unknown kind {options.kind!r} (one of {', '.join(PlaceKind.values)})")
    layer = read_layer(path, layer=options.layer, srid=options.srid)
    report = ImportReport(source=label, dry_run=options.dry_run, read=len(layer.frame), layer=layer.name, crs=layer.crs)
    features = features_of(layer, options, report)
    with transaction.atomic():
        _apply(features, parent, report, label, progress)
        if options.dry_run:
            transaction.set_rollback(True)
    if options.dry_run:
        from gazetteer import index

        index.invalidate()
    return report


def _apply(features: list[Feature], parent: Place | None, report: ImportReport, label: str, progress: bool) -> None:
    from tqdm import tqdm

    gazetteer = _Gazetteer()
    rows: list[dict] = []
    point_rows: list[dict] = []
    point_shapes: list[shapely.Point] = []
    bar = tqdm(
        features, desc=label, unit=" features", disable=not progress or len(features) < PROGRESS_FROM, file=sys.stderr
    )
    for feature in bar:
        match = _best_match(feature, gazetteer.candidates(feature))
        if match is not None:
            _merge(feature, match, report, label)
            continue
        slug = gazetteer.new_slug(feature)
        row = {
            "slug": slug,
            "name_en": feature.name_en,
            "name_ar": feature.name_ar,
            "kind": feature.kind,
            "parent": parent,
            "variants": feature.variants,
            "source": f"{label}, feature {feature.number}",
            "_label": feature.label,
        }
        footprint = None if feature.is_point else feature.shape
        if feature.is_point:
            row["label_point"] = Point(feature.shape.x, feature.shape.y, srid=geo.WGS84)
            point_rows.append(row)
            point_shapes.append(feature.shape)
        else:
            row["footprint"] = geo.geos_multipolygon(feature.shape)
            row["footprint_approximate"] = False
            row["footprint_method"] = f"imported from {label}" + (
                f" (repaired: {feature.repaired})" if feature.repaired else ""
            )
        rows.append(row)
        point = feature.shape if feature.is_point else feature.shape.point_on_surface()
        candidate = Candidate(None, slug, feature.kind, footprint, point, feature.is_point, set(feature.names), row)
        gazetteer.add_pending(candidate, feature)
        report.created.append((slug, _both(feature)))
    _approximate_footprints(point_rows, point_shapes, parent, report)
    for row in rows:
        row.pop("_label")
    try:
        services.places_bulk_create(places=rows)
    except ValidationError as exc:  # not expected after the checks above; never half-written (one transaction)
        raise ImportFileError(f"{label}: {'; '.join(exc.messages)}") from None


def _both(feature: Feature) -> str:
    if feature.name_ar and feature.name_ar != feature.name_en:
        return f"{feature.name_en} / {feature.name_ar}"
    return feature.name_en


def _merge(feature: Feature, match: Candidate, report: ImportReport, label: str) -> None:
    new_names = [(name, language) for name, language in feature.names if (name, language) not in match.names]
    match.names.update(new_names)
    done = []
    if match.pending is not None:  # a duplicate within the file: the place is not written yet
        known = {(v, lang) for v, lang in match.pending["variants"]}
        match.pending["variants"].extend(n for n in new_names if n not in known)
    elif new_names:
        services.place_names_add(place=match.place, names=[(n, lang, NameKind.VARIANT) for n, lang in new_names])
    if new_names:
        done.append("added " + ", ".join(f"{n!r} ({lang})" for n, lang in new_names))
    if not feature.is_point and match.approximate and match.place is not None:
        services.place_set_footprint(
            place=match.place,
            footprint=geo.geos_multipolygon(feature.shape),
            approximate=False,
            method=f"imported from {label}",
        )
        match.shape, match.approximate = feature.shape, False
        done.append("footprint replaced (it was approximate)")
    report.merged.append((feature.label, match.slug, "; ".join(done) or "nothing new"))
