"""The read API for what the record means (v1, see docs/contract.md): fronts, sieges, pockets, area over time.

Same conventions as mapapp.api: 400 {"error", "field"} for a bad parameter, 404 for an unknown map, an ETag from
the map's data version, and `?v=<data version>` for an answer cached for a year.
"""

from __future__ import annotations

import orjson
from django.http import HttpRequest, HttpResponse

from mapapp import analytics, frontlines
from mapapp.answers import kept
from mapapp.api import date_param, get_map, in_map_range, versioned
from mapapp.lib.http import GEOJSON, ApiError, api_view, only
from mapapp.lib.params import parse_bool

_ENCLOSED_WORDS = ("true", "1", "false", "0")  # the API's booleans


def _day(request: HttpRequest, map_):
    return in_map_range(map_, date_param(request, "date", map_.default_date), "date")


@kept
@only("GET")
@api_view({"date", "v"})
def fronts(request: HttpRequest, slug: str) -> HttpResponse:
    map_ = get_map(slug)
    on = _day(request, map_)
    return versioned(request, map_, lambda: frontlines.fronts_geojson(map=map_, on=on), GEOJSON)


@kept
@only("GET")
@api_view({"date", "v"})
def sieges(request: HttpRequest, slug: str) -> HttpResponse:
    map_ = get_map(slug)
    on = _day(request, map_)
    return versioned(request, map_, lambda: analytics.sieges_geojson(map=map_, on=on), GEOJSON)


@kept
@only("GET")
@api_view({"date", "enclosed", "v"})
def pockets(request: HttpRequest, slug: str) -> HttpResponse:
    map_ = get_map(slug)
    on = _day(request, map_)
    raw = request.GET.get("enclosed", "false")
    try:
        enclosed_only = parse_bool(raw.lower(), words=_ENCLOSED_WORDS)
    except ValueError:
        raise ApiError(f"enclosed must be true or false, got {raw!r}", "enclosed") from None
    return versioned(
        request, map_, lambda: analytics.pockets_geojson(map=map_, on=on, enclosed_only=enclosed_only), GEOJSON
    )


@kept
@only("GET")
@api_view({"from", "to", "step", "v"})
def area_stats(request: HttpRequest, slug: str) -> HttpResponse:
    map_ = get_map(slug)
    start = in_map_range(map_, date_param(request, "from", map_.start), "from")
    end = in_map_range(map_, date_param(request, "to", map_.end), "to")
    step = request.GET.get("step", "month")
    if step not in analytics.STEPS:
        raise ApiError(f"step must be one of {', '.join(analytics.STEPS)}, got {step!r}", "step")
    if start > end:
        raise ApiError(f"from ({start.isoformat()}) is after to ({end.isoformat()})", "from")
    steps = analytics.count_steps(start, end, step)
    if steps > analytics.MAX_STEPS:
        raise ApiError(
            f"{steps} steps of a {step} from {start.isoformat()} to {end.isoformat()}: at most "
            f"{analytics.MAX_STEPS}; use a longer step or a shorter range",
            "step",
        )
    return versioned(
        request, map_, lambda: orjson.dumps(analytics.area_series(map=map_, start=start, end=end, step=step))
    )
