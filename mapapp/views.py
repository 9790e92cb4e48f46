"""Public pages."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from mapapp import answers, viewer
from mapapp.events import selectors as event_selectors
from mapapp.lib.params import parse_date
from mapapp.models import Map


def home(request: HttpRequest) -> HttpResponse:
    maps = Map.objects.public().order_by("slug")
    return render(request, "home.html", {"maps": maps})


def page_date(request: HttpRequest, map_: Map) -> tuple[dt.date, str | None]:
    """The date a page opens at, and what was wrong with ?date= if it had to be set aside.

    A real date inside the map's range opens as asked; anything else opens the map's default date, and the page
    says why (a reader who followed a bad link should know the map is not showing the day they asked for).
    """
    raw = request.GET.get("date")
    if raw is None or raw == "":
        return map_.default_date, None
    try:
        day = parse_date(raw)
    except ValueError:  # not YYYY-MM-DD, or no such day: the page says so either way
        day = None
    shown = date_format(map_.default_date, "j F Y")
    if day is None:
        problem = _("“%(raw)s” is not a date as YYYY-MM-DD; the map shows %(shown)s.")
        return map_.default_date, problem % {"raw": raw[:40], "shown": shown}
    if not map_.start <= day <= map_.end:
        problem = _("%(day)s is outside this map’s dates (%(start)s to %(end)s); the map shows %(shown)s.")
        return map_.default_date, problem % {
            "day": date_format(day, "j F Y"),
            "start": date_format(map_.start, "j F Y"),
            "end": date_format(map_.end, "j F Y"),
            "shown": shown,
        }
    return day, None


def language_links(request: HttpRequest) -> list[dict]:
    """The same page in each interface language (the viewer keeps these links up to date as the state moves)."""
    links = []
    for code, name in settings.LANGUAGES:
        query = request.GET.copy()
        query["lang"] = code
        links.append({"code": code, "name": name, "href": f"{request.path}?{query.urlencode()}"})
    return links


def map_page(request: HttpRequest, slug: str) -> HttpResponse:
    map_ = Map.objects.public().filter(slug=slug).first()
    if map_ is None:
        raise Http404(f"no map {slug!r}")
    lang = get_language() or settings.LANGUAGE_CODE
    day, date_problem = page_date(request, map_)
    map_config = viewer.viewer_config(
        map_,
        lang=lang,
        date=day,
        # ?renderer=canvas|svg overrides the viewer's choice (canvas above 1,500 zones); anything else is ignored.
        preferCanvas={"canvas": True, "svg": False}.get(request.GET.get("renderer", "")),
        # Set by mapapp.asof.AsOfMiddleware: the viewer asks the API for the record as it stood then.
        asOf=request.as_of.isoformat() if getattr(request, "as_of", None) else None,
        # The events layer's control is offered only on maps that have published events.
        events=event_selectors.map_has_events(map=map_),
    )
    context = {
        "map": map_,
        "title": viewer.local_title(map_, lang),
        "description": viewer.local_description(map_, lang),
        "actors": viewer.viewer_actors(map_, lang),
        "date": day,
        "date_problem": date_problem,
        "map_config": map_config,
        "viewer_strings": viewer.viewer_strings(),
        "language_links": language_links(request),
        "as_of": getattr(request, "as_of", None),
        "as_of_problem": getattr(request, "as_of_problem", None),
        # Asked for by the browser while the scripts load (the viewer's own URLs, so its fetch() finds them): the
        # zones, history and timeline the map waits for. Not for ?as_of= (other URLs) nor a delayed map.
        "preload": [] if map_config["asOf"] else answers.first_reads(map_)[:3],
    }
    return render(request, "mapapp/map.html", context)
