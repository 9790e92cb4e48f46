"""The read API, v1 (see docs/contract.md). Plain Django views returning JSON.

Errors: 400 {"error", "field"} for a bad parameter, 404 {"error"} for an unknown map; never a 500 for input.
Responses carry an ETag built from the map's data version, and answer 304 to a matching If-None-Match.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import orjson
from django.http import HttpRequest, HttpResponse

from mapapp import asof, export, routers, selectors, versioning
from mapapp import topology as topology_
from mapapp.answers import kept
from mapapp.events import export as events_export
from mapapp.lib.http import (
    GEOJSON,
    IMMUTABLE,
    JSON,
    REVALIDATE,
    ApiError,
    api_date,
    api_view,
    conditional,
    json_response,
    only,
)
from mapapp.lib.params import is_whole_number
from mapapp.models import Map


def date_param(request: HttpRequest, field: str, default: dt.date | None = None) -> dt.date:
    if field not in request.GET:
        if default is None:
            raise ApiError(f"{field} is required (YYYY-MM-DD)", field)
        return default
    return api_date(request.GET[field], field)


def get_map(slug: str) -> Map:
    # Without its area (the union of its zones, a country's outline on a big map): no answer reads it, and
    # parsing it took most of a 304's time.
    maps = Map.objects.public().defer("area").filter(slug=slug)
    map_ = maps.first()
    if routers.replica_behind(map_.data_version if map_ is not None else None):
        # The reader asked for a version the replica has not seen yet: this request reads the primary.
        routers.read_from_primary()
        map_ = maps.first()
    if map_ is None:
        raise ApiError(f"no map {slug!r}", status=404)
    asof.hold_back(map_)  # a map with a publication delay: read again as the public may see it (mapapp.asof)
    return map_


def in_map_range(map_: Map, day: dt.date, field: str) -> dt.date:
    if not map_.start <= day <= map_.end:
        raise ApiError(
            f"{field} {day.isoformat()} is outside this map's dates {map_.start.isoformat()}..{map_.end.isoformat()}",
            field,
        )
    return day


def cached(request: HttpRequest, map_: Map, build: Callable[[], bytes], content_type: str = JSON) -> HttpResponse:
    """Answer with an ETag of everything the answer depends on (map_etag); 304 when the client already has it."""
    return conditional(
        request,
        etag=map_etag(request, map_),
        build=lambda: json_response(None, content=build(), content_type=content_type),
        cache_control=REVALIDATE,
    )


def map_etag(request: HttpRequest, map_: Map) -> str:
    """The ETag of an answer about a map, from everything the answer depends on: the code, the map, its data
    version (moved by every edit it shows, mapapp/versioning.py) and the query."""
    return versioning.etag(map_, request.get_full_path())


def version_param(request: HttpRequest, map_: Map) -> int | None:
    """?v= (optional): the data version the client expects, a whole number."""
    raw = request.GET.get("v")
    if raw is None:
        return None
    if not is_whole_number(raw) or len(raw) > 9:
        raise ApiError(f"v must be the map's data version, a whole number, got {raw!r}", "v")
    return int(raw)


def versioned(request: HttpRequest, map_: Map, build: Callable[[], bytes], content_type: str = JSON) -> HttpResponse:
    """Serve data that only changes with the map's data version. With ?v=<current version> the answer never
    changes, so it is cached for a year (immutable); with an old version the client is sent to the same query
    at the current version; without ?v= it is an ordinary ETag/304 answer (max-age 60)."""
    version = version_param(request, map_)
    if version is None:
        return cached(request, map_, build, content_type)
    if version != map_.data_version:
        query = request.GET.copy()
        query["v"] = str(map_.data_version)
        response = HttpResponse(status=302)
        response["Location"] = f"{request.path}?{query.urlencode()}"
        response["Cache-Control"] = "no-cache"
        return response
    response = cached(request, map_, build, content_type)
    response["Cache-Control"] = IMMUTABLE
    return response


@only("GET")
@api_view(set())
def maps_list(request: HttpRequest) -> HttpResponse:
    maps = [
        {
            "slug": m.slug,
            "title": m.title_en,
            "title_ar": m.title_ar,
            "start": m.start.isoformat(),
            "end": m.end.isoformat(),
            "default_date": m.default_date.isoformat(),
            "bbox": selectors.map_bbox(m),
            "version": m.data_version,
        }
        for m in Map.objects.public().order_by("slug")
    ]
    return json_response({"maps": maps})


@only("GET")
@api_view({"date", "v"})
def zones(request: HttpRequest, slug: str) -> HttpResponse:
    map_ = get_map(slug)
    on = in_map_range(map_, date_param(request, "date", map_.default_date), "date")
    return versioned(request, map_, lambda: selectors.zones_geojson(map=map_, on=on), GEOJSON)


@only("GET")
@api_view({"from", "to", "v"})
def changes(request: HttpRequest, slug: str) -> HttpResponse:
    map_ = get_map(slug)
    after = date_param(request, "from", map_.start - dt.timedelta(days=1))
    # One bound alone is never refused: the other defaults to the map's edge, or to the given bound when that
    # lies beyond it (an empty range). Only two given bounds in the wrong order are a mistake worth a 400.
    until = date_param(request, "to", max(map_.end, after))
    if "from" not in request.GET:
        after = min(after, until)
    if after > until:
        raise ApiError(f"from ({after.isoformat()}) is after to ({until.isoformat()})", "from")
    return versioned(request, map_, lambda: orjson.dumps(selectors.changes_between(map=map_, after=after, until=until)))


@kept
@only("GET")
@api_view({"v"})
def timeline(request: HttpRequest, slug: str) -> HttpResponse:
    map_ = get_map(slug)
    return versioned(request, map_, lambda: orjson.dumps(selectors.timeline(map=map_)))


@kept
@only("GET")
@api_view({"v"})
def geometry(request: HttpRequest, slug: str) -> HttpResponse:
    map_ = get_map(slug)
    return versioned(request, map_, lambda: selectors.map_geometry(map=map_), GEOJSON)


@kept
@only("GET")
@api_view({"v"})
def topology(request: HttpRequest, slug: str) -> HttpResponse:
    """The zones as shared arcs (mapapp/topology.py): what the viewer loads, /geometry's content in a tenth of it."""
    map_ = get_map(slug)
    return versioned(request, map_, lambda: topology_.map_topology(map=map_))


@kept
@only("GET")
@api_view({"v"})
def history(request: HttpRequest, slug: str) -> HttpResponse:
    map_ = get_map(slug)
    return versioned(request, map_, lambda: orjson.dumps(selectors.map_history(map=map_)))


@only("GET")
@api_view({"date", "format", "layer"})
def map_export(request: HttpRequest, slug: str) -> HttpResponse:
    """GET /api/v1/maps/<slug>/export?date=&format=&layer= : the zones with all names; a snapshot on `date`, or
    without it the full interval history. layer=events: the map's published events instead (of the day `date`,
    else all), as GeoJSON, CSV or a GeoPackage."""
    map_ = get_map(slug)
    format = request.GET.get("format", "geojson")
    layer = request.GET.get("layer", "zones")
    if layer not in ("zones", "events"):
        raise ApiError(f"layer must be zones or events, got {layer[:40]!r}", "layer")
    formats = export.FORMATS if layer == "zones" else {name: export.FORMATS[name] for name in events_export.FORMATS}
    if format not in formats:
        raise ApiError(f"format must be one of {', '.join(formats)}, got {format!r}", "format")
    on = in_map_range(map_, api_date(request.GET["date"], "date"), "date") if "date" in request.GET else None
    content_type, extension = export.FORMATS[format]
    if layer == "events":
        filename = f"{map_.slug}-events-{on.isoformat() if on else 'all'}.{extension}"
    else:
        filename = f"{map_.slug}-{on.isoformat() if on else 'history'}.{extension}"

    def content() -> bytes:
        if layer == "events":
            return events_export.export_events(map=map_, on=on, format=format)
        return export.export_map(map=map_, on=on, format=format, base_url=request.build_absolute_uri("/")[:-1])

    def build() -> HttpResponse:
        response = HttpResponse(content(), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    return conditional(request, etag=map_etag(request, map_), build=build, cache_control=REVALIDATE)
