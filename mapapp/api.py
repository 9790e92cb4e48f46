"""The read API, v1 (see PRODUCT.md). Plain Django views returning JSON.

Errors: 400 {"error", "field"} for a bad parameter, 404 {"error"} for an unknown map; never a 500 for input.
Responses carry an ETag built from the map's data version, and answer 304 to a matching If-None-Match.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import orjson
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from mapapp import routers, selectors, versioning
from mapapp.models import Map

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# ASCII digits only: str.isdigit() also says yes to "²" and "①", which int() then refuses (a 500).
_WHOLE_NUMBER = re.compile(r"^[0-9]+$")


def is_whole_number(raw: str | None) -> bool:
    """True for a non-empty run of the digits 0-9 and nothing else (no sign, space or other script's digits)."""
    return raw is not None and bool(_WHOLE_NUMBER.match(raw))


class ApiError(Exception):
    def __init__(self, message: str, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


JSON = "application/json"
GEOJSON = "application/geo+json"  # RFC 7946: what a GeoJSON answer is, so GIS tools and browsers know it


def json_response(
    payload, status: int = 200, *, content: bytes | None = None, content_type: str = JSON
) -> HttpResponse:
    body = content if content is not None else orjson.dumps(payload)
    return HttpResponse(body, status=status, content_type=content_type)


def error_response(message: str, field: str | None = None, status: int = 400) -> HttpResponse:
    payload = {"error": message}
    if field is not None:
        payload["field"] = field
    return json_response(payload, status=status)


def nul_field(value, path: str = "") -> str | None:
    """The path of the first text holding a NUL character in a JSON value (or None).

    No text we store or look up may hold one: PostgreSQL refuses it outright ("text fields cannot contain NUL"),
    and SQLite would cut the text short at it. So it is refused at the door, naming where it was.
    """
    if isinstance(value, str):
        return (path or "body") if "\x00" in value else None
    if isinstance(value, dict):
        items = ((f"{path}.{key}" if path else str(key), item) for key, item in value.items())
    elif isinstance(value, list):
        items = ((f"{path}[{index}]", item) for index, item in enumerate(value))
    else:
        return None
    for where, item in items:
        found = nul_field(item, where)
        if found:
            return found
    return None


def api_view(allowed_params: set[str]):
    """Wrap a view: reject unknown query parameters, turn ApiError into its JSON answer."""

    def decorate(view: Callable):
        def wrapper(request: HttpRequest, *args, **kwargs):
            unknown = sorted(set(request.GET) - allowed_params)
            if unknown:
                allowed = ", ".join(sorted(allowed_params)) or "none"
                return error_response(f"unknown parameter {unknown[0]!r} (allowed: {allowed})", unknown[0])
            for name, value in request.GET.lists():
                if any("\x00" in item for item in value):
                    return error_response(f"{name} contains a NUL character (\\0), which no text may hold", name)
            try:
                return view(request, *args, **kwargs)
            except ApiError as exc:
                return error_response(exc.message, exc.field, exc.status)

        wrapper.__name__ = view.__name__
        wrapper.__doc__ = view.__doc__
        return wrapper

    return decorate


def parse_date(value: str, field: str) -> dt.date:
    if not _DATE.match(value or ""):
        raise ApiError(f"{field} must be a date as YYYY-MM-DD, got {value!r}", field)
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ApiError(f"{field} {value!r} is not a real date", field) from None


def date_param(request: HttpRequest, field: str, default: dt.date | None = None) -> dt.date:
    if field not in request.GET:
        if default is None:
            raise ApiError(f"{field} is required (YYYY-MM-DD)", field)
        return default
    return parse_date(request.GET[field], field)


def get_map(slug: str) -> Map:
    map_ = Map.objects.public().filter(slug=slug).first()
    if routers.replica_behind(map_.data_version if map_ is not None else None):
        # The reader asked for a version the replica has not seen yet: this request reads the primary.
        routers.read_from_primary()
        map_ = Map.objects.public().filter(slug=slug).first()
    if map_ is None:
        raise ApiError(f"no map {slug!r}", status=404)
    return map_


def in_map_range(map_: Map, day: dt.date, field: str) -> dt.date:
    if not map_.start <= day <= map_.end:
        raise ApiError(
            f"{field} {day.isoformat()} is outside this map's dates {map_.start.isoformat()}..{map_.end.isoformat()}",
            field,
        )
    return day


def cached(request: HttpRequest, map_: Map, build: Callable[[], bytes], content_type: str = JSON) -> HttpResponse:
    """Answer with an ETag of everything the answer depends on (mapapp.versioning.etag: the code, the map, its
    data version, the query); 304 when the client already has it."""
    etag = versioning.etag(map_, request.get_full_path())
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        response = json_response(None, content=build(), content_type=content_type)
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=60"
    return response


IMMUTABLE = "public, max-age=31536000, immutable"


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


@require_safe
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


@require_safe
@api_view({"date", "v"})
def zones(request: HttpRequest, slug: str) -> HttpResponse:
    map_ = get_map(slug)
    on = in_map_range(map_, date_param(request, "date", map_.default_date), "date")
    return versioned(request, map_, lambda: selectors.zones_geojson(map=map_, on=on), GEOJSON)


@require_safe
@api_view({"from", "to", "v"})
def changes(request: HttpRequest, slug: str) -> HttpResponse:
    map_ = get_map(slug)
    after = date_param(request, "from", map_.start - dt.timedelta(days=1))
    until = date_param(request, "to", map_.end)
    if after > until:
        raise ApiError(f"from ({after.isoformat()}) is after to ({until.isoformat()})", "from")
    return versioned(request, map_, lambda: orjson.dumps(selectors.changes_between(map=map_, after=after, until=until)))


@require_safe
@api_view({"v"})
def timeline(request: HttpRequest, slug: str) -> HttpResponse:
    map_ = get_map(slug)
    return versioned(request, map_, lambda: orjson.dumps(selectors.timeline(map=map_)))


@require_safe
@api_view({"v"})
def geometry(request: HttpRequest, slug: str) -> HttpResponse:
    map_ = get_map(slug)
    return versioned(request, map_, lambda: selectors.map_geometry(map=map_), GEOJSON)


@require_safe
@api_view({"v"})
def history(request: HttpRequest, slug: str) -> HttpResponse:
    map_ = get_map(slug)
    return versioned(request, map_, lambda: orjson.dumps(selectors.map_history(map=map_)))


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """404 handler: JSON under /api/, the embed's frameable error page under /embed/, the ordinary page elsewhere."""
    if request.path.startswith("/api/"):
        return error_response(f"no such resource: {request.path}", status=404)
    if request.path.startswith("/embed/"):
        from mapapp.embed_views import embed_not_found  # embed_views imports this module

        return embed_not_found(request)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return error_response("internal error; it has been logged", status=500)
    from django.views.defaults import server_error as default_server_error

    return default_server_error(request)
