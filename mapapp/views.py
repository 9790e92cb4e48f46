"""Public pages."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from gazetteer.models import PlaceKind
from mapapp import selectors
from mapapp.events.models import Event
from mapapp.events.strings import event_strings
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
        day = dt.date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
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


def basemap_url(map_: Map) -> str | None:
    """The offline outline/river layer the project ships for this map, if any."""
    path = f"data/{map_.slug}-basemap.geojson"
    return static(path) if finders.find(path) else None


# The labels of gazetteer.models.PlaceKind, marked here so makemessages finds them (the model's are plain text).
PLACE_KIND_LABELS = (
    gettext_noop("city"),
    gettext_noop("town"),
    gettext_noop("village"),
    gettext_noop("district"),
    gettext_noop("area"),
    gettext_noop("military base"),
    gettext_noop("airport"),
    gettext_noop("roundabout"),
    gettext_noop("junction"),
    gettext_noop("mountain"),
    gettext_noop("hill"),
    gettext_noop("hills"),
    gettext_noop("bridge"),
    gettext_noop("island"),
    gettext_noop("hospital"),
    gettext_noop("housing"),
    gettext_noop("campus"),
    gettext_noop("border crossing"),
    gettext_noop("region"),
    gettext_noop("governorate"),
    gettext_noop("locality"),
    gettext_noop("other"),
)


# The viewer's interface strings (static/js/viewer/), marked for makemessages; translated per request below.
VIEWER_STRINGS = (
    gettext_noop("Play"),
    gettext_noop("Pause"),
    gettext_noop("Unknown"),
    gettext_noop("Besieged"),
    gettext_noop("Kind"),
    gettext_noop("Held by"),
    gettext_noop("Status"),
    gettext_noop("Since"),
    gettext_noop("Confidence"),
    gettext_noop("Area"),
    gettext_noop("Sources"),
    gettext_noop("History"),
    gettext_noop("Compare"),
    gettext_noop("Stop comparing"),
    gettext_noop("No ground changed hands."),
    gettext_noop("The footprint is approximate."),
    gettext_noop("The map could not be loaded."),
    gettext_noop("Ground held by each side over time, in km²"),
    gettext_noop("%(n)s km²"),
    gettext_noop("%(n)s zones changed"),
    gettext_noop("%(n)s zones changed hands between %(from)s and %(to)s"),
    gettext_noop("Change of %(date)s"),
    gettext_noop("since %(date)s"),
    gettext_noop("from %(from)s"),
    gettext_noop("%(from)s to %(to)s"),
    gettext_noop("Sources (%(n)s)"),
    gettext_noop("Front lines: %(km)s km"),
    gettext_noop("No front lines"),
    gettext_noop("%(name)s: day %(n)s, besieged by %(by)s"),
)


def viewer_strings() -> dict[str, str]:
    """The viewer's interface strings in the active language (keys are the English msgids; the viewer's i18n.js
    fills in %(name)s placeholders). Kinds, statuses and confidences are keyed `kind:<value>` and so on."""
    strings = {key: _(key) for key in VIEWER_STRINGS}
    strings.update(event_strings())
    strings.update({f"kind:{value}": _(label) for value, label in PlaceKind.choices})
    strings.update(
        {
            "status:held": _("held"),
            "status:contested": _("contested"),
            "status:unknown": _("unknown"),
            "confidence:high": _("high"),
            "confidence:medium": _("medium"),
            "confidence:low": _("low"),
        }
    )
    return strings


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
    arabic = lang == "ar"
    actors = [
        {"slug": a.slug, "name": (a.name_ar if arabic and a.name_ar else a.name_en), "color": a.color}
        for a in map_.actors.order_by("sort_order", "slug")
    ]
    day, date_problem = page_date(request, map_)
    map_config = {
        "slug": map_.slug,
        "start": map_.start.isoformat(),
        "end": map_.end.isoformat(),
        "date": day.isoformat(),
        "version": map_.data_version,
        "lang": lang,
        "bbox": selectors.map_bbox(map_),
        "apiRoot": "/api/v1",
        "basemap": basemap_url(map_),
        "tilesUrl": settings.MAP_TILES_URL,
        "tilesAttribution": settings.MAP_TILES_ATTRIBUTION,
        # ?renderer=canvas|svg overrides the viewer's choice (canvas above 1,500 zones); anything else is ignored.
        "preferCanvas": {"canvas": True, "svg": False}.get(request.GET.get("renderer", "")),
        # The events layer's control is offered only on maps that have published events.
        "events": Event.objects.published().filter(map=map_).exists(),
    }
    context = {
        "map": map_,
        "title": map_.title_ar if arabic and map_.title_ar else map_.title_en,
        "description": map_.description_ar if arabic and map_.description_ar else map_.description_en,
        "actors": actors,
        "date": day,
        "date_problem": date_problem,
        "map_config": map_config,
        "viewer_strings": viewer_strings(),
        "language_links": language_links(request),
    }
    return render(request, "mapapp/map.html", context)
