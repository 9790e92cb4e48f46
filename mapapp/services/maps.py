"""Maps: creating them, their zones, the geometry derived from their zones' footprints, and their data version."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.contrib.gis.geos import MultiPolygon
from django.core.exceptions import ValidationError
from django.db import transaction

from gazetteer.models import Place
from mapapp.lib import geo
from mapapp.models import (
    Actor,
    Map,
    ZoneEdge,
)
from mapapp.services._record import require_date


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
        rows = []
        for i, j, lines in geo.shared_edges(footprints):
            place_a, place_b = zones[i], (zones[j] if j is not None else None)
            if place_b is not None and place_b.pk < place_a.pk:
                place_a, place_b = place_b, place_a
            rows.append(
                ZoneEdge(
                    map=map,
                    place_a=place_a,
                    place_b=place_b,
                    geom=geo.to_geos(lines),
                    length_km=geo.length_km(lines),
                )
            )
        ZoneEdge.objects.filter(map=map).delete()
        ZoneEdge.objects.bulk_create(rows, batch_size=2000)
        return len(rows)


@transaction.atomic
def maps_refresh_geometry(*, places: Iterable[Place]) -> list[Map]:
    """After footprints change: the area and edges of every map showing these places, derived again."""
    maps = list(Map.objects.filter(places__in=[place.pk for place in places]).distinct())
    for map_ in maps:
        _map_geometry_refresh(map=map_, zones=list(map_.places.exclude(footprint__isnull=True).order_by("pk")))
    return maps
