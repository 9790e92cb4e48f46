"""Reads of a map's events for the public: published events only."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence

import orjson
from django.conf import settings
from django.contrib.gis.geos import Polygon
from django.db.models import Count, FloatField, Func, Q
from shapely.geometry.base import BaseGeometry

from gazetteer.models import Place
from mapapp.events.models import Event
from mapapp.lib import geo
from mapapp.models import ControlChange, Map, ReviewState

_FIELDS = (
    "pk", "date", "date_end", "date_precision", "event_type", "sub_event_type", "actor1", "actor2", "location_name",
    "admin_area", "geo_precision", "fatalities_best", "fatalities_low", "fatalities_high", "notes", "origin",
    "external_id",
)  # fmt: skip


def events_in_window(
    *,
    map: Map,
    first: dt.date,
    last: dt.date,
    types: Sequence[str] = (),
    bbox: tuple[float, ...] | None = None,
    zone: Place | None = None,
) -> list[dict]:
    """The map's published events whose date is in [first, last] (both inclusive), of the given types (any
    type when empty), whose point lies in bbox (west, south, east, north; edges included) and in the zone's
    footprint (its edge included), by date then id."""
    events = Event.objects.published().filter(map=map, date__gte=first, date__lte=last)
    if types:
        events = events.filter(event_type__in=list(types))
    if bbox is not None:
        events = events.filter(location__intersects=Polygon.from_bbox(bbox))
    if zone is not None:
        events = events.filter(location__intersects=zone.footprint) if zone.footprint else events.none()
    return event_rows(events.order_by("date", "pk"))


def event_rows(events) -> list[dict]:
    """Rows of an ordered (and maybe sliced) queryset of events: their fields, lon and lat, and "sources",
    "actors" (slugs) and "changes" (published linked changes), each in one query."""
    # The point's coordinates from the database (ST_X/ST_Y: SpatiaLite and PostGIS both have them), not a GEOS
    # object built per row, which was half the time of a week's answer.
    events = events.annotate(
        lon=Func("location", function="ST_X", output_field=FloatField()),
        lat=Func("location", function="ST_Y", output_field=FloatField()),
    )
    rows = list(events.values(*_FIELDS, "lon", "lat"))
    # The links of those events, each kind in one query whose events are the same query's (a subquery): a list
    # of hundreds of ids as parameters cost Django more to build than the database to answer.
    ids = events.values("pk") if events.query.is_sliced else events.order_by().values("pk")
    sources: dict[int, list[dict]] = defaultdict(list)
    actors: dict[int, list[str]] = defaultdict(list)
    links = Event.sources.through.objects.filter(event_id__in=ids).order_by("source__title", "source_id")
    for event_id, *source in links.values_list(
        "event_id", "source_id", "source__title", "source__publisher", "source__url", "source__published"
    ):
        sources[event_id].append(_source(*source))
    for event_id, slug in (
        Event.actors.through.objects.filter(event_id__in=ids)
        .order_by("actor__sort_order", "actor__slug")
        .values_list("event_id", "actor__slug")
    ):
        actors[event_id].append(slug)
    changes = _linked_changes(ids)
    for row in rows:
        row["sources"] = sources.get(row["pk"], [])
        row["actors"] = actors.get(row["pk"], [])
        row["changes"] = changes.get(row["pk"], [])
    return rows


def _linked_changes(event_ids) -> dict[int, list[dict]]:
    """{event id: [{"id", "date", "title"}, ...]}: the published control changes each of `event_ids` (a
    queryset of ids) is linked to, by date (drafts and withdrawn changes are not the public's). The links first,
    then those changes: joined in one query, SQLite walked every published change of the map by date and probed
    the links (50 ms a week on the bench's map, where most events have no link)."""
    links: dict[int, list[int]] = defaultdict(list)
    for event_id, change_id in Event.changes.through.objects.filter(event_id__in=event_ids).values_list(
        "event_id", "controlchange_id"
    ):
        links[event_id].append(change_id)
    wanted = sorted({change_id for ids in links.values() for change_id in ids})
    changes: dict[int, dict] = {}
    for start in range(0, len(wanted), 900):
        for change_id, day, title in ControlChange.objects.filter(
            pk__in=wanted[start : start + 900], review_state=ReviewState.PUBLISHED
        ).values_list("pk", "date", "title"):
            changes[change_id] = {"id": change_id, "date": day.isoformat(), "title": title}
    out: dict[int, list[dict]] = {}
    for event_id, ids in links.items():
        found = sorted((changes[pk] for pk in ids if pk in changes), key=lambda change: (change["date"], change["id"]))
        if found:
            out[event_id] = found
    return out


def change_linked_events(*, change_id: int) -> list[Event]:
    """The published events linked to a control change, by date: its public page lists them."""
    return list(Event.objects.published().filter(changes=change_id).order_by("date", "pk").prefetch_related("sources"))


def change_maps(*, change: ControlChange) -> list[Map]:
    """The maps a change is on: its own (a change carrying ground), or those showing any of its places."""
    if change.map_id is not None:
        return [change.map]
    return list(Map.objects.filter(places__control_changes=change).distinct().order_by("slug"))


def ground_of(*, geometry=None, places=()) -> BaseGeometry | None:
    """A change's ground as shapely: its drawn geometry, else the union of its places' footprints."""
    if geometry is not None:
        return geo.to_shapely(geometry)
    footprints = [
        geo.to_shapely(footprint)
        for footprint in Place.objects.filter(pk__in=[place.pk for place in places]).values_list("footprint", flat=True)
        if footprint is not None
    ]
    return geo.union(footprints) if footprints else None


def events_near(
    *,
    maps: Sequence[Map],
    on: dt.date,
    ground: BaseGeometry | None,
    km: float | None = None,
    days: int | None = None,
    include: Sequence[int] = (),
) -> list[dict]:
    """Events of these maps (drafts too: for editors) within `days` of `on` and `km` of `ground` (the settings
    EVENT_LINK_DAYS and EVENT_LINK_KM when not given), nearest first, as {"event", "km", "days"}; and the events
    whose ids are in `include` (those already linked) wherever they are. The database narrows to the dates and
    a box around the ground; the distance in km is worked out here (mapapp.lib.geo.distances_km)."""
    km = settings.EVENT_LINK_KM if km is None else km
    days = settings.EVENT_LINK_DAYS if days is None else days
    near = Q(pk__in=[])
    if ground is not None and not ground.is_empty:
        west, south, east, north = ground.bounds
        margin_lat = km / 110.0
        margin_lon = km / (111.32 * max(0.05, math.cos(math.radians((south + north) / 2))))
        box = Polygon.from_bbox((west - margin_lon, south - margin_lat, east + margin_lon, north + margin_lat))
        box.srid = 4326
        near = Q(
            map__in=[map_.pk for map_ in maps],
            date__gte=on - dt.timedelta(days=days),
            date__lte=on + dt.timedelta(days=days),
            location__intersects=box,
        )
    candidates = list(
        Event.objects.filter(near | Q(pk__in=list(include), map__in=[map_.pk for map_ in maps]))
        .annotate(
            lon=Func("location", function="ST_X", output_field=FloatField()),
            lat=Func("location", function="ST_Y", output_field=FloatField()),
        )
        .order_by("date", "pk")
    )
    distances = geo.distances_km(ground, [(event.lon, event.lat) for event in candidates])
    found = []
    for event, distance in zip(candidates, distances, strict=True):
        if distance <= km or event.pk in include:
            found.append({"event": event, "km": distance, "days": (event.date - on).days})
    found.sort(key=lambda row: (row["km"], abs(row["days"]), row["event"].pk))
    return found


def changes_near(
    *, event: Event, km: float | None = None, days: int | None = None, include: Sequence[int] = ()
) -> list[dict]:
    """The other side of events_near: the control changes on the event's map (drafts too, not withdrawn ones)
    within `days` of its date whose ground lies within `km` of it, nearest first, as {"change", "km", "days"};
    and the changes whose ids are in `include` (those already linked) wherever they are."""
    km = settings.EVENT_LINK_KM if km is None else km
    days = settings.EVENT_LINK_DAYS if days is None else days
    lon, lat = event.location.x, event.location.y
    margin_lat = km / 110.0
    margin_lon = km / (111.32 * max(0.05, math.cos(math.radians(lat))))
    box = Polygon.from_bbox((lon - margin_lon, lat - margin_lat, lon + margin_lon, lat + margin_lat))
    box.srid = 4326
    on_map = Q(map=event.map_id) | Q(places__in=event.map.places.values("pk"))
    near = (
        on_map
        & Q(date__gte=event.date - dt.timedelta(days=days), date__lte=event.date + dt.timedelta(days=days))
        & (Q(geometry__intersects=box) | Q(places__footprint__intersects=box))
        & ~Q(review_state=ReviewState.WITHDRAWN)
    )
    ids = set(ControlChange.objects.filter(near).values_list("pk", flat=True))
    ids |= set(ControlChange.objects.filter(on_map, pk__in=list(include)).values_list("pk", flat=True))
    found = []
    for change in (
        ControlChange.objects.filter(pk__in=ids).select_related("actor").prefetch_related("places").order_by("pk")
    ):
        (distance,) = geo.distances_km(ground_of(geometry=change.geometry, places=list(change.places.all())),
                                       [(lon, lat)])  # fmt: skip
        if distance <= km or change.pk in include:
            found.append({"change": change, "km": distance, "days": (change.date - event.date).days})
    found.sort(key=lambda row: (row["km"], abs(row["days"]), row["change"].pk))
    return found


def map_has_events(*, map: Map) -> bool:
    return Event.objects.published().filter(map=map).exists()


def _source(pk: int, title: str, publisher: str, url: str, published: dt.date | None) -> dict:
    return {
        "id": pk,
        "title": title,
        "publisher": publisher,
        "url": url,
        "published": published.isoformat() if published else None,
    }


def events_geojson(
    *,
    map: Map,
    first: dt.date,
    last: dt.date,
    types: Sequence[str] = (),
    bbox: tuple[float, ...] | None = None,
    zone: Place | None = None,
) -> bytes:
    """GeoJSON FeatureCollection of events_in_window, with the foreign members map, from and to."""
    features = []
    for row in events_in_window(map=map, first=first, last=last, types=types, bbox=bbox, zone=zone):
        features.append(
            {
                "type": "Feature",
                "id": row["pk"],
                "geometry": {"type": "Point", "coordinates": [round(row["lon"], 6), round(row["lat"], 6)]},
                "properties": {
                    "date": row["date"].isoformat(),
                    "date_end": row["date_end"].isoformat() if row["date_end"] else None,
                    "date_precision": row["date_precision"],
                    "type": row["event_type"],
                    "sub_type": row["sub_event_type"],
                    "actor1": row["actor1"],
                    "actor2": row["actor2"],
                    "actors": row["actors"],
                    "location": row["location_name"],
                    "admin_area": row["admin_area"],
                    "geo_precision": row["geo_precision"],
                    "fatalities": {
                        "best": row["fatalities_best"],
                        "low": row["fatalities_low"],
                        "high": row["fatalities_high"],
                    },
                    "sources": row["sources"],
                    "changes": row["changes"],
                    "notes": row["notes"],
                    "origin": row["origin"],
                    "external_id": row["external_id"],
                },
            }
        )
    return orjson.dumps(
        {
            "type": "FeatureCollection",
            "map": map.slug,
            "from": first.isoformat(),
            "to": last.isoformat(),
            "features": features,
        }
    )


def event_days(*, map: Map) -> dict:
    """The map's published events counted by day and type: {"types": [every type, sorted], "days": [{"date",
    "count", "by_type": [count of each type, in the order of "types"]}, ...]} for the days with any, in order.
    What the viewer asks once: its type filter and its timeline strip. One query."""
    rows = (
        Event.objects.published()
        .filter(map=map)
        .order_by()
        .values_list("date", "event_type")
        .annotate(count=Count("pk"))
        .order_by("date", "event_type")
    )
    counts: dict[dt.date, dict[str, int]] = defaultdict(dict)
    for day, event_type, count in rows:
        counts[day][event_type] = count
    types = sorted({event_type for by_type in counts.values() for event_type in by_type})
    return {
        "types": types,
        "days": [
            {
                "date": day.isoformat(),
                "count": sum(by_type.values()),
                "by_type": [by_type.get(event_type, 0) for event_type in types],
            }
            for day, by_type in sorted(counts.items())
        ],
    }
