"""HTTP tools both apps' views use: JSON and error answers, the API view wrapper, ETags, refusing a method.

Errors on the API are 400 {"error", "field"} for a bad parameter and 404 {"error"} for an unknown thing; never a
500 for input.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Collection
from functools import wraps

import orjson
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

from mapapp.lib.params import DateFormatError, UnrealDateError, parse_date


class ApiError(Exception):
    def __init__(self, message: str, field: str | None = None, status: int = 400, retry_after: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status
        self.retry_after = retry_after  # seconds, for a 429 (mapapp.lib.ratelimit)

    def response(self) -> HttpResponse:
        response = error_response(self.message, self.field, self.status)
        if self.retry_after is not None:
            response["Retry-After"] = str(self.retry_after)
        return response


# How long a public answer may be kept: a year for one that names its data version (?v=: it never changes), a
# minute (then revalidated with its ETag) for one that does not.
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=60"

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
                return exc.response()

        wrapper.__name__ = view.__name__
        wrapper.__doc__ = view.__doc__
        return wrapper

    return decorate


def api_date(value: object, field: str) -> dt.date:
    """A query parameter's date, or ApiError naming `field` (the API's wording for the two ways to be wrong)."""
    try:
        return parse_date(value)
    except DateFormatError:
        raise ApiError(f"{field} must be a date as YYYY-MM-DD, got {value!r}", field) from None
    except UnrealDateError:
        raise ApiError(f"{field} {value!r} is not a real date", field) from None


_METHOD_ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def method_not_allowed(request: HttpRequest, accepted: Collection[str]) -> HttpResponse:
    """405 with an Allow header: JSON naming the method to use under /api/, Django's plain answer elsewhere."""
    allowed = sorted(accepted, key=_METHOD_ORDER.index)
    if not request.path.startswith("/api/"):
        return HttpResponseNotAllowed(allowed)
    primary = allowed[0] if allowed != ["GET", "HEAD"] else "GET"
    response = error_response(f"use {primary} for this endpoint, not {request.method}", status=405)
    response["Allow"] = ", ".join(allowed)
    return response


def only(*methods: str):
    """Answer other methods with 405 (see method_not_allowed). A GET view answers HEAD too (link checkers and CDNs
    ask with HEAD; the server drops the body)."""
    accepted = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if request.method not in accepted:
                return method_not_allowed(request, accepted)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def etag_of(key: str) -> str:
    """A strong ETag (quoted) for a key that changes whenever the answer would (map, data version, query...)."""
    return '"' + hashlib.blake2b(key.encode(), digest_size=12).hexdigest() + '"'


def conditional(
    request: HttpRequest, *, etag: str, build: Callable[[], HttpResponse], cache_control: str
) -> HttpResponse:
    """304 when the client already holds `etag`, else the answer `build` makes; both carry the ETag."""
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        response = build()
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    return response
