"""The items of a map's collection: its control periods, filtered by `datetime` and `bbox`, a page at a time.

`datetime` (OGC API Features 1, 7.15.4): an instant D gives the periods in effect on D, valid_from <= D <
valid_to, which is one item per zone that has a record that day (the zones' state on D); an interval D1/D2 (either
end `..` or empty for open) gives the periods that overlap it, [valid_from, valid_to) meeting [D1, D2]. Times of
day are allowed and ignored: the record is kept in whole days (UTC).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import orjson
from django.contrib.gis.geos import Polygon
from django.db.models import F, Q

from mapapp import selectors
from mapapp.events.models import Event
from mapapp.events.selectors import event_rows
from mapapp.models import Actor, ControlPeriod, Map

_INSTANT = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2}))?$")


class QueryError(ValueError):
    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Window:
    start: dt.date | None  # None: open
    end: dt.date | None  # None: open; inclusive
    instant: bool


def _instant(text: str) -> dt.date:
    match = _INSTANT.match(text)
    if not match:
        raise QueryError(
            f"datetime must be an RFC 3339 date or date-time, or an interval a/b, got {text!r}", "datetime"
        )
    try:
        return dt.date.fromisoformat(match[1])
    except ValueError:
        raise QueryError(f"datetime {text!r} is not a real date", "datetime") from None


def parse_datetime(raw: str) -> Window:
    if "/" not in raw:
        day = _instant(raw)
        return Window(day, day, True)
    first, _, last = raw.partition("/")
    start = None if first in ("", "..") else _instant(first)
    end = None if last in ("", "..") else _instant(last)
    if start is None and end is None and first != ".." and last != "..":
        raise QueryError("datetime interval needs at least one end (use .. for an open one)", "datetime")
    if start and end and start > end:
        raise QueryError(f"datetime interval starts after it ends: {raw!r}", "datetime")
    return Window(start, end, False)


def parse_bbox(raw: str) -> tuple[float, float, float, float]:
    try:
        numbers = [float(part) for part in raw.split(",")]
    except ValueError:
        raise QueryError(f"bbox must be four numbers west,south,east,north, got {raw[:80]!r}", "bbox") from None
    if len(numbers) == 6:  # with heights: the record has none, so only the horizontal box counts
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or any(n != n or n in (float("inf"), float("-inf")) for n in numbers):
        raise QueryError(f"bbox must be four numbers west,south,east,north, got {raw[:80]!r}", "bbox")
    west, south, east, north = numbers
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
        raise QueryError("bbox must be in longitude -180..180 and latitude -90..90, south <= north", "bbox")
    return west, south, east, north


def _in_bbox(field: str, bbox) -> Q:
    west, south, east, north = bbox
    if west <= east:
        return Q(**{f"{field}__intersects": Polygon.from_bbox((west, south, east, north))})
    # across the antimeridian
    return Q(**{f"{field}__intersects": Polygon.from_bbox((west, south, 180, north))}) | Q(
        **{f"{field}__intersects": Polygon.from_bbox((-180, south, east, north))}
    )


def periods(*, map: Map, window: Window | None, bbox=None):
    """The map's control periods matching the filters, in a stable order (zone, start, id)."""
    query = ControlPeriod.objects.filter(place__maps=map)
    if window is not None:
        if window.end is not None:
            query = query.filter(valid_from__lte=window.end)
        if window.start is not None:
            query = query.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=window.start))
    if bbox is not None:
        query = query.filter(_in_bbox("place__footprint", bbox))
    return query.order_by("place__slug", "valid_from", "pk")


def events(*, map: Map, window: Window | None, bbox=None):
    """The map's published events matching the filters, by date then id. `datetime` D gives the events of D (an
    event with a span, those whose span holds D); an interval, those whose days meet it."""
    query = Event.objects.published().filter(map=map)
    if window is not None:
        if window.end is not None:
            query = query.filter(date__lte=window.end)
        if window.start is not None:
            query = query.filter(Q(date__gte=window.start) | Q(date_end__gte=window.start))
    if bbox is not None:
        query = query.filter(_in_bbox("location", bbox))
    return query.order_by("date", "pk")


def event_features(rows) -> list[dict]:
    """GeoJSON features of events (a sliced queryset from events()), their properties flat for GIS tools:
    actors, sources and linked changes as text. Four queries."""
    features = []
    for row in event_rows(rows):
        features.append(
            {
                "type": "Feature",
                "id": row["pk"],
                "geometry": {"type": "Point", "coordinates": [round(row["lon"], 7), round(row["lat"], 7)]},
                "properties": {
                    "date": row["date"].isoformat(),
                    "date_end": row["date_end"].isoformat() if row["date_end"] else None,
                    "date_precision": row["date_precision"],
                    "event_type": row["event_type"],
                    "sub_event_type": row["sub_event_type"],
                    "actor1": row["actor1"],
                    "actor2": row["actor2"],
                    "actors": "; ".join(row["actors"]),
                    "location": row["location_name"],
                    "admin_area": row["admin_area"],
                    "geo_precision": row["geo_precision"],
                    "fatalities_best": row["fatalities_best"],
                    "fatalities_low": row["fatalities_low"],
                    "fatalities_high": row["fatalities_high"],
                    "sources": "; ".join(
                        f"{s['title']} <{s['url']}>" if s["url"] else s["title"] for s in row["sources"]
                    ),
                    "changes": "; ".join(str(change["id"]) for change in row["changes"]),
                    "notes": row["notes"],
                    "origin": row["origin"],
                    "external_id": row["external_id"],
                },
            }
        )
    return features


def features(rows) -> list[dict]:
    """GeoJSON features of control periods (a sliced queryset from periods()). Three queries."""
    rows = list(
        rows.annotate(geojson=F("place__footprint_geojson")).values(
            "pk",
            "place__slug",
            "place__name_en",
            "place__name_ar",
            "actor_id",
            "status",
            "valid_from",
            "valid_to",
            "held_since",
            "change_id",
            "change__confidence",
            "geojson",
        )
    )
    actors = {actor.pk: actor for actor in Actor.objects.filter(pk__in={row["actor_id"] for row in rows})}
    sources = selectors.sources_of_changes({row["change_id"] for row in rows})
    return [
        {
            "type": "Feature",
            "id": row["pk"],
            "geometry": orjson.Fragment(row["geojson"]) if row["geojson"] else None,
            "properties": {
                "place": row["place__slug"],
                "name_en": row["place__name_en"],
                "name_ar": row["place__name_ar"],
                "actor": actors[row["actor_id"]].slug,
                "actor_name": actors[row["actor_id"]].name_en,
                "status": row["status"],
                "valid_from": row["valid_from"].isoformat(),
                "valid_to": row["valid_to"].isoformat() if row["valid_to"] else None,
                "held_since": row["held_since"].isoformat(),
                "confidence": row["change__confidence"],
                "change": row["change_id"],
                "sources": "; ".join(
                    f"{s['title']} <{s['url']}>" if s["url"] else s["title"] for s in sources.get(row["change_id"], [])
                ),
            },
        }
        for row in rows
    ]
