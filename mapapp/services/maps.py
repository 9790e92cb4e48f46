"""Maps: creating them, their zones, the geometry derived from their zones' footprints, and their data version."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import shapely
from django.contrib.gis.geos import MultiPolygon
from django.core.exceptions import ValidationError
from django.db import transaction

from gazetteer import index as name_index
from gazetteer import services as place_services
from gazetteer.importer import ImportFileError, ImportOptions, places_import
from gazetteer.models import Place, PlaceKind
from mapapp.lib import geo
from mapapp.lib.bulk import bulk_insert_values
from mapapp.models import (
    Actor,
    Map,
    ZoneEdge,
)
from mapapp.services._record import require_date
from mapapp.services.fronts import derived_after_edges


@transaction.atomic
def map_create(
    *,
    slug: str,
    title_en: str,
    title_ar: str = "",
    description_en: str = "",
    description_ar: str = "",
    start: dt.date,
    end: dt.date,
    default_date: dt.date,
    actors: Sequence[Actor] = (),
    zones: Sequence[Place] = (),
    credit: str = "",
    frame_ancestors: str = "",
) -> Map:
    require_date(start, "start")
    require_date(end, "end")
    require_date(default_date, "default_date")
    if start > end:
        raise ValidationError({"end": f"the map ends ({end}) before it starts ({start})"})
    if not start <= default_date <= end:
        raise ValidationError({"default_date": f"default date {default_date} is outside {start}..{end}"})
    map_ = Map(
        slug=slug,
        title_en=title_en,
        title_ar=title_ar,
        description_en=description_en,
        description_ar=description_ar,
        start=start,
        end=end,
        default_date=default_date,
        credit=credit,
        frame_ancestors=frame_ancestors,
    )
    map_.full_clean()
    map_.save()
    map_.actors.set(actors)
    map_set_zones(map=map_, zones=zones)
    return map_


@transaction.atomic
def map_set_zones(*, map: Map, zones: Sequence[Place]) -> Map:
    """Set the map's zones; its `area` becomes the union of their footprints."""
    missing = [place.slug for place in zones if place.footprint is None]
    if missing:
        raise ValidationError({"zones": f"places without a footprint cannot be zones: {', '.join(missing)}"})
    map.places.set(zones)
    _map_geometry_refresh(map=map, zones=zones)
    return map


def _map_geometry_refresh(*, map: Map, zones: Sequence[Place]) -> None:
    """The map's `area` (the union of its zones) and its ZoneEdges, both derived from the zones' footprints."""
    footprints = [geo.to_shapely(place.footprint) for place in zones]
    if footprints:
        area = geo.to_geos(geo.union(footprints))
        map.area = area if isinstance(area, MultiPolygon) else None
    else:
        map.area = None
    map.save(update_fields=["area", "updated_at"])  # a new area moves the data version (mapapp/versioning.py)
    zone_edges_rebuild(map=map, zones=zones, footprints=footprints)


def zone_edges_rebuild(*, map: Map, zones: Sequence[Place] | None = None, footprints=None) -> int:
    """Derive the map's ZoneEdges again from its zones' footprints: one row per pair of zones sharing a line of
    boundary (place_a < place_b), and one per zone on the map's outer edge (place_b null), with geodesic
    lengths in km. Zones meeting at a point share no edge. Returns the number of edges written."""
    with transaction.atomic():
        if zones is None:
            zones = list(map.places.exclude(footprint__isnull=True).order_by("pk"))
        if footprints is None:
            footprints = [geo.to_shapely(place.footprint) for place in zones]
        edges = geo.shared_edges(footprints)
        # Written as values (the lines as EWKB made in one call), not as ZoneEdge objects: a 50,000-zone map has
        # 150,000 edges, and nothing reads them back here.
        lines = geo.hex_ewkb([lines for _i, _j, lines in edges])
        rows = []
        for (i, j, shape), geom in zip(edges, lines, strict=True):
            place_a, place_b = zones[i].pk, (zones[j].pk if j is not None else None)
            if place_b is not None and place_b < place_a:
                place_a, place_b = place_b, place_a
            rows.append((map.pk, place_a, place_b, geom, geo.length_km(shape)))
        ZoneEdge.objects.filter(map=map).delete()
        bulk_insert_values(ZoneEdge, ["map_id", "place_a_id", "place_b_id", "geom", "length_km"], rows)
        derived_after_edges(map=map)
        return len(rows)


@transaction.atomic
def maps_refresh_geometry(*, places: Iterable[Place]) -> list[Map]:
    """After footprints change: the area and edges of every map showing these places, derived again."""
    maps = list(Map.objects.filter(places__in=[place.pk for place in places]).distinct())
    for map_ in maps:
        _map_geometry_refresh(map=map_, zones=list(map_.places.exclude(footprint__isnull=True).order_by("pk")))
    return maps


def map_zones_import(*, path: Path | str, label: str | None = None) -> list[Place]:
    """The zones of a polygon file, as places: each feature created in the gazetteer, or merged into the place
    it names (gazetteer.importer.places_import), in file order. Refused (ValidationError on "zones", naming the
    feature) if the file cannot be read or any feature cannot be a zone: skipped by the importer, or a point.
    Call inside the transaction that uses the zones, so that a later refusal writes nothing."""
    label = label or Path(path).name
    try:
        report = places_import(path=path, options=ImportOptions(), source_name=label)
    except ImportFileError as exc:
        name_index.invalidate()
        raise ValidationError({"zones": str(exc)}) from None
    if report.skipped:
        feature, reason = report.skipped[0]
        raise ValidationError({"zones": f"{label}: {feature} cannot be a zone: {reason}"})
    slugs = [slug for slug, _name in report.created] + [slug for _feature, slug, _what in report.merged]
    slugs = list(dict.fromkeys(slugs))
    places = Place.objects.in_bulk(slugs, field_name="slug")
    points = [slug for slug in slugs if places[slug].footprint is None or places[slug].footprint_approximate]
    if points:
        raise ValidationError(
            {"zones": f"{label}: {points[0]} is a point (a zone needs its outline): a zones file holds polygons"}
        )
    return [places[slug] for slug in slugs]


def map_area_zone(*, slug: str, title_en: str, title_ar: str, area: shapely.MultiPolygon) -> Place:
    """The place a map over one area starts with as its only zone: the area itself, named after the map. An
    existing place of that slug with the same outline is reused (a --replace with the same area)."""
    footprint = geo.geos_multipolygon(area)
    base = f"{slug}-area"
    candidate, number = base, 1
    while True:
        existing = Place.objects.filter(slug=candidate).first()
        if existing is None:
            break
        if existing.footprint is not None and existing.footprint.equals_exact(footprint, tolerance=1e-9):
            return existing
        number += 1
        candidate = f"{base}-{number}"
    return place_services.place_create(
        slug=candidate,
        name_en=title_en,
        name_ar=title_ar,
        kind=PlaceKind.AREA,
        footprint=footprint,
        footprint_approximate=False,
        footprint_method=f"the area of the map {slug}",
        source=f"map {slug}",
    )


@transaction.atomic
def map_create_over(
    *,
    slug: str,
    title_en: str,
    title_ar: str = "",
    start: dt.date,
    end: dt.date,
    default_date: dt.date | None = None,
    area: shapely.MultiPolygon | None = None,
    zones: Sequence[Place] | None = None,
    actors: Sequence[Actor] = (),
    replace: bool = False,
) -> Map:
    """A map over an area (WGS84 polygons) that starts as one zone, the area itself (a place made for it), or
    as `zones` (each must overlap the area). Without an area, the zones alone make it. An existing slug is
    refused unless `replace`, which gives that map these titles, dates and zones and adds these actors (its
    record stays).
    The default date is the end unless given. All or nothing."""
    if area is None and zones is None:
        raise ValidationError({"area": "a map needs an area (a polygon) or its zones"})
    if area is not None:
        try:
            area, _reason = geo.repair_polygonal(area)
        except (ValueError, TypeError) as exc:
            raise ValidationError({"area": f"the area is not a usable polygon: {exc}"}) from None
    if zones is not None:
        if not zones:
            raise ValidationError({"zones": "the zones are empty"})
        missing = [place.slug for place in zones if place.footprint is None]
        if missing:
            raise ValidationError({"zones": f"places without a footprint cannot be zones: {', '.join(missing[:5])}"})
        if area is not None:
            footprints = np.asarray([geo.to_shapely(place.footprint) for place in zones], dtype=object)
            shapely.prepare(area)
            # A zone that only touches the area along its edge is outside it too.
            outside = ~shapely.intersects(area, footprints) | shapely.touches(area, footprints)
            if outside.any():
                first = zones[int(np.flatnonzero(outside)[0])]
                raise ValidationError(
                    {"zones": f"{int(outside.sum())} zones lie outside the area, the first {first.slug!r}"}
                )
    existing = Map.objects.filter(slug=slug).first()
    if existing is not None and not replace:
        raise ValidationError({"slug": f"a map {slug!r} already exists (replace it with --replace)"})
    if zones is None:
        require_date(start, "start")  # before writing the area's place
        zones = [map_area_zone(slug=slug, title_en=title_en, title_ar=title_ar, area=area)]
    default_date = default_date or end
    if existing is None:
        return map_create(
            slug=slug,
            title_en=title_en,
            title_ar=title_ar,
            start=start,
            end=end,
            default_date=default_date,
            actors=actors,
            zones=list(zones),
        )
    require_date(start, "start")
    require_date(end, "end")
    require_date(default_date, "default_date")
    if start > end:
        raise ValidationError({"end": f"the map ends ({end}) before it starts ({start})"})
    if not start <= default_date <= end:
        raise ValidationError({"default_date": f"default date {default_date} is outside {start}..{end}"})
    existing.title_en, existing.title_ar = title_en, title_ar
    existing.start, existing.end, existing.default_date = start, end, default_date
    existing.full_clean()
    existing.save()
    existing.actors.add(*actors)  # added, never removed: the record may cite an actor not named this time
    return map_set_zones(map=existing, zones=list(zones))
