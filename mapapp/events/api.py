"""GET /api/v1/maps/<slug>/events?from=&to=&type=&bbox= : the map's published events as GeoJSON points.

Parameters are checked as every read of the API checks them (mapapp.api): a bad one is a 400 naming it.
Answers are cached on the map's data version, which every event write bumps.
"""

from __future__ import annotations

import math
import re

import orjson
from django.http import HttpRequest, HttpResponse

from gazetteer.models import Place
from mapapp.answers import kept
from mapapp.api import date_param, get_map, in_map_range, versioned
from mapapp.events import selectors
from mapapp.lib.http import ApiError, api_view, only

MAX_TYPES = 50
_NUMBER = re.compile(r"^-?[0-9]{1,3}(?:\.[0-9]{1,12})?$")


def type_param(request: HttpRequest) -> list[str]:
    """?type=Battles,Shelling (or type=Battles&type=Shelling): events of any of these types; none: all."""
    types = []
    for raw in request.GET.getlist("type"):
        for name in raw.split(","):
            if not name:
                raise ApiError("type must be event types separated by commas, with none empty", "type")
            if len(name) > 100:
                raise ApiError(f"type {name[:20]!r}... is longer than 100 characters", "type")
            types.append(name)
    if len(types) > MAX_TYPES:
        raise ApiError(f"type names at most {MAX_TYPES} types, got {len(types)}", "type")
    return types


def bbox_param(request: HttpRequest) -> tuple[float, float, float, float] | None:
    """?bbox=west,south,east,north in degrees (WGS84), west < east and south < north; edges included."""
    raw = request.GET.get("bbox")
    if raw is None:
        return None
    parts = raw.split(",")
    if len(parts) != 4 or not all(_NUMBER.match(part.strip()) for part in parts):
        raise ApiError(f"bbox must be west,south,east,north in degrees, got {raw[:80]!r}", "bbox")
    west, south, east, north = (float(part) for part in parts)
    if not all(math.isfinite(value) for value in (west, south, east, north)):
        raise ApiError("bbox must hold finite numbers", "bbox")
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ApiError(
            "bbox must have -180 <= west < east <= 180 and -90 <= south < north <= 90, "
            f"got {west:g},{south:g},{east:g},{north:g}",
            "bbox",
        )
    return west, south, east, north


def zone_param(request: HttpRequest, map_) -> Place | None:
    """?zone=<place slug>: only the events inside that zone of the map (the viewer's zone panel)."""
    slug = request.GET.get("zone")
    if slug is None:
        return None
    zone = map_.places.filter(slug=slug).first() if len(slug) <= 200 else None
    if zone is None:
        raise ApiError(f"zone {slug[:80]!r} is not a zone of the map {map_.slug}", "zone")
    return zone


@kept
@only("GET")
@api_view({"from", "to", "type", "bbox", "zone", "v"})
def events(request: HttpRequest, slug: str) -> HttpResponse:
    map_ = get_map(slug)
    first = in_map_range(map_, date_param(request, "from", map_.start), "from")
    last = in_map_range(map_, date_param(request, "to", map_.end), "to")
    if first > last:
        raise ApiError(f"from ({first.isoformat()}) is after to ({last.isoformat()})", "from")
    types = type_param(request)
    bbox = bbox_param(request)
    zone = zone_param(request, map_)
    return versioned(
        request,
        map_,
        lambda: selectors.events_geojson(map=map_, first=first, last=last, types=types, bbox=bbox, zone=zone),
    )


@kept
@only("GET")
@api_view({"v"})
def event_days(request: HttpRequest, slug: str) -> HttpResponse:
    """GET /api/v1/maps/<slug>/events/days: the map's event types, and how many published events each day has,
    in all and by type (days with none left out): the viewer's type filter and timeline strip."""
    map_ = get_map(slug)

    return versioned(request, map_, lambda: orjson.dumps({"map": map_.slug, **selectors.event_days(map=map_)}))
