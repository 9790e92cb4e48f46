"""Gazetteer endpoints of the v1 API: search across every spelling, and places found in a text. The views live
in mapapp (the upper layer) because ?map= narrows the search to a map's places; the searching is gazetteer's.

Errors follow mapapp.api: 400 {"error", "field"} for bad input, 404 for an unknown map, never a 500.
"""

from __future__ import annotations

import orjson
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from gazetteer import selectors
from mapapp.api import get_map
from mapapp.lib import ratelimit
from mapapp.lib.http import ApiError, api_view, json_response, nul_field, only
from mapapp.lib.params import is_whole_number

MAX_QUERY = 200  # characters of q
MAX_LIMIT = 50
DEFAULT_LIMIT = 10
MAX_TEXT = 100_000  # characters of text to match: a long article is 5,000-20,000


def _map_place_ids(slug: str | None) -> set[int] | None:
    if slug is None:
        return None
    if not isinstance(slug, str) or not slug:
        raise ApiError("map must be a map slug", "map")
    return set(get_map(slug).places.values_list("id", flat=True))


def _json_type(value) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", list: "an array", dict: "an object"}
    return names.get(type(value), type(value).__name__)


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not is_whole_number(raw) or len(raw) > 9 or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(f"limit must be a whole number from 1 to {MAX_LIMIT}, got {raw!r}", "limit")
    return int(raw)


@only("GET")
@api_view({"q", "limit", "map"})
def places(request: HttpRequest) -> HttpResponse:
    """GET /api/v1/places?q=&limit=&map= : places by any of their names, best first."""
    q = request.GET.get("q")
    if q is None or not q.strip():
        raise ApiError("q is required: a place name in any script, or the start of one", "q")
    if len(q) > MAX_QUERY:
        raise ApiError(f"q is too long ({len(q)} characters; at most {MAX_QUERY})", "q")
    limit = _limit(request.GET.get("limit"))
    place_ids = _map_place_ids(request.GET.get("map"))
    try:
        results = selectors.places_search(q=q, limit=limit, place_ids=place_ids)
    except ValueError as exc:
        raise ApiError(str(exc), "q") from None
    return json_response({"results": results})


# A pure read: it changes nothing and answers the same whoever asks, so there is nothing for a forged
# cross-site request to gain; exempting it lets scripts and pages call it without a CSRF token.
@csrf_exempt
@only("POST")
@api_view(set())
def places_match(request: HttpRequest) -> HttpResponse:
    """POST /api/v1/places/match {"text": "...", "map": "slug"?}: the places a text mentions, with offsets."""
    # Matching a long text costs about a second of CPU and anyone may ask (no token): counted per client.
    wait = ratelimit.over_limit(
        scope="places-match",
        client=ratelimit.client_of(request),
        limit=settings.RATE_LIMIT_PLACES_MATCH,
        window=ratelimit.MINUTE,
    )
    if wait:
        raise ApiError(
            f"too many texts matched from your address (at most {settings.RATE_LIMIT_PLACES_MATCH} a minute); "
            f"try again in {ratelimit.wait_text(wait)}",
            status=429,
            retry_after=wait,
        )
    try:
        body = orjson.loads(request.body)
    except RequestDataTooBig:
        raise ApiError(f"the body is too large; send at most {MAX_TEXT} characters of text", "text") from None
    except orjson.JSONDecodeError as exc:
        raise ApiError(f'the body must be JSON like {{"text": "..."}} ({exc})', "text") from None
    if not isinstance(body, dict):
        raise ApiError('the body must be a JSON object like {"text": "..."}', "text")
    where = nul_field(body)
    if where:
        raise ApiError(f"{where} contains a NUL character (\\0), which no text may hold", where)
    unknown = sorted(set(body) - {"text", "map"})
    if unknown:
        raise ApiError(f"unknown field {unknown[0]!r} (allowed: map, text)", unknown[0])
    text = body.get("text")
    if text is None:
        raise ApiError("text is required", "text")
    if not isinstance(text, str):
        raise ApiError(f"text must be a string, got {_json_type(text)}", "text")
    if len(text) > MAX_TEXT:
        raise ApiError(f"text is too long ({len(text)} characters; at most {MAX_TEXT})", "text")
    place_ids = _map_place_ids(body.get("map"))
    return json_response({"matches": selectors.places_match(text=text, place_ids=place_ids)})
