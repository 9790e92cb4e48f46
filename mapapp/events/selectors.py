"""Reads of a map's events for the public: published events only."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

import orjson
from django.contrib.gis.geos import Polygon
from django.db.models import Count, FloatField, Func

from mapapp.events.models import Event
from mapapp.models import Map

_FIELDS = (
    "pk", "date", "date_end", "date_precision", "event_type", "sub_event_type", "actor1", "actor2", "location_name",
    "admin_area", "geo_precision", "fatalities_best", "fatalities_low", "fatalities_high", "notes", "origin",
    "external_id",
)  # fmt: skip


def events_in_window(
    *, map: Map, first: dt.date, last: dt.date, types: Sequence[str] = (), bbox: tuple[float, ...] | None = None
) -> list[dict]:
    """The map's published events whose date is in [first, last] (both inclusive), of the given types (any
    type when empty), whose point lies in bbox (west, south, east, north; edges included), by date then id."""
    events = Event.objects.published().filter(map=map, date__gte=first, date__lte=last)
    if types:
        events = events.filter(event_type__in=list(types))
    if bbox is not None:
        events = events.filter(location__intersects=Polygon.from_bbox(bbox))
    # The point's coordinates from the database (ST_X/ST_Y: SpatiaLite and PostGIS both have them), not a GEOS
    # object built per row, which was half the time of a week's answer.
    events = events.annotate(
        lon=Func("location", function="ST_X", output_field=FloatField()),
        lat=Func("location", function="ST_Y", output_field=FloatField()),
    )
    rows = list(events.order_by("date", "pk").values(*_FIELDS, "lon", "lat"))
    ids = [row["pk"] for row in rows]
    sources: dict[int, list[dict]] = defaultdict(list)
    actors: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(ids), 900):  # SQLite allows 999 parameters to a query
        chunk = ids[start : start + 900]
        links = Event.sources.through.objects.filter(event_id__in=chunk).order_by("source__title", "source_id")
        for event_id, *source in links.values_list(
            "event_id", "source_id", "source__title", "source__publisher", "source__url", "source__published"
        ):
            sources[event_id].append(_source(*source))
        for event_id, slug in (
            Event.actors.through.objects.filter(event_id__in=chunk)
            .order_by("actor__sort_order", "actor__slug")
            .values_list("event_id", "actor__slug")
        ):
            actors[event_id].append(slug)
    for row in rows:
        row["sources"] = sources.get(row["pk"], [])
        row["actors"] = actors.get(row["pk"], [])
    return rows


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
    *, map: Map, first: dt.date, last: dt.date, types: Sequence[str] = (), bbox: tuple[float, ...] | None = None
) -> bytes:
    """GeoJSON FeatureCollection of events_in_window, with the foreign members map, from and to."""
    features = []
    for row in events_in_window(map=map, first=first, last=last, types=types, bbox=bbox):
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
