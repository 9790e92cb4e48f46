"""The import itself: read and check everything, then create or merge each feature in one transaction."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import shapely
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction
from tqdm import tqdm

from gazetteer import index, services
from gazetteer.importer.features import Feature, features_of
from gazetteer.importer.footprints import approximate_footprints
from gazetteer.importer.matching import Candidate, Gazetteer, best_match
from gazetteer.importer.options import PROGRESS_FROM, ImportFileError, ImportOptions, ImportReport
from gazetteer.importer.readers import read_layer
from gazetteer.models import NameKind, Place, PlaceKind
from mapapp.lib import geo


def places_import(
    *,
    path: Path | str,
    options: ImportOptions,
    source_name: str | None = None,
    progress: bool = False,
    step: Callable[[int, int, str], None] | None = None,
) -> ImportReport:
    """Import the places of a GIS file (see the module doc). Raises ImportFileError, with nothing written, if
    the file cannot be read; otherwise returns the report (with options.dry_run nothing is written either).

    `progress` draws a bar on stderr (the command); `step(done, total, message)` is told how far the import is
    (a background job's progress). An exception `step` raises stops the import and rolls back what it wrote."""
    step = step or (lambda done, total, message: None)
    path = Path(path)
    label = source_name or path.name
    parent = None
    if options.parent:
        parent = Place.objects.filter(slug=options.parent).first()
        if parent is None:
            raise ImportFileError(f"no place {options.parent!r} to be the parent (--parent)")
    if options.kind and options.kind not in PlaceKind.values:
        raise ImportFileError(f"unknown kind {options.kind!r} (one of {', '.join(PlaceKind.values)})")
    step(0, 0, f"reading {label}")
    try:
        layer = read_layer(path, layer=options.layer, srid=options.srid)
    except ImportFileError as exc:
        # GDAL's messages quote the path it was given; where the file sits on the server is nobody's business.
        raise ImportFileError(without_folder(str(exc), path)) from None
    report = ImportReport(source=label, dry_run=options.dry_run, read=len(layer.frame), layer=layer.name, crs=layer.crs)
    step(0, len(layer.frame), "checking the features")
    features = features_of(layer, options, report)
    try:
        with transaction.atomic():
            _apply(features, parent, report, label, progress, step)
            if options.dry_run:
                transaction.set_rollback(True)
    except BaseException:  # stopped (a cancelled job, an error): rolled back, as a dry run is
        index.invalidate()
        raise
    if options.dry_run:
        index.invalidate()
    return report


def without_folder(message: str, path: Path) -> str:
    """The message with the folder the file sits in taken out (the file is named by its own name)."""
    for folder in {str(path.parent), str(path.resolve().parent)}:
        message = message.replace(folder + os.sep, "")
    return message


def _apply(
    features: list[Feature], parent: Place | None, report: ImportReport, label: str, progress: bool, step: Callable
) -> None:

    gazetteer = Gazetteer()
    rows: list[dict] = []
    point_rows: list[dict] = []
    point_shapes: list[shapely.Point] = []
    bar = tqdm(
        features, desc=label, unit=" features", disable=not progress or len(features) < PROGRESS_FROM, file=sys.stderr
    )
    for number, feature in enumerate(bar):
        step(number, len(features), "matching the features with the gazetteer")
        match = best_match(feature, gazetteer.candidates(feature))
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
    step(len(features), len(features), "drawing approximate footprints and writing the places")
    approximate_footprints(point_rows, point_shapes, parent, report)
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
