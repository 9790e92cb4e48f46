"""From a layer's rows to features: names in each script, kind, geometry, or why a row is skipped."""

from __future__ import annotations

import json
import math
import unicodedata
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gazetteer.importer.layer import Layer
from gazetteer.importer.options import (
    KIND_ALIASES,
    KIND_FIELDS,
    MAX_NAME,
    NAME_AR_FIELDS,
    NAME_FIELDS,
    VARIANT_FIELDS,
    ImportFileError,
    ImportOptions,
    ImportReport,
)
from gazetteer.models import PlaceKind
from gazetteer.normalize import clean_name, is_arabic
from mapapp.lib import geo


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
