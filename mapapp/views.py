"""Public pages."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static

from mapapp.models import Map


def home(request: HttpRequest) -> HttpResponse:
    maps = Map.objects.public().order_by("slug")
    return render(request, "home.html", {"maps": maps})


def page_date(request: HttpRequest, map_: Map) -> dt.date:
    """The date a page opens at: ?date= when it is a real date inside the map's range, else the default."""
    raw = request.GET.get("date", "")
    try:
        day = dt.date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        day = None
    if day is None or not map_.start <= day <= map_.end:
        return map_.default_date
    return day


def basemap_url(map_: Map) -> str | None:
    """The offline outline/river layer the project ships for this map, if any."""
    path = f"data/{map_.slug}-basemap.geojson"
    return static(path) if finders.find(path) else None


def map_page(request: HttpRequest, slug: str) -> HttpResponse:
    map_ = Map.objects.public().filter(slug=slug).first()
    if map_ is None:
        raise Http404(f"no map {slug!r}")
    actors = list(map_.actors.order_by("sort_order", "slug"))
    day = page_date(request, map_)
    map_config = {
        "slug": map_.slug,
        "start": map_.start.isoformat(),
        "end": map_.end.isoformat(),
        "date": day.isoformat(),
        "version": map_.data_version,
        "basemap": basemap_url(map_),
        "tilesUrl": settings.MAP_TILES_URL,
        "tilesAttribution": settings.MAP_TILES_ATTRIBUTION,
    }
    context = {"map": map_, "actors": actors, "date": day, "map_config": map_config}
    return render(request, "mapapp/map.html", context)
