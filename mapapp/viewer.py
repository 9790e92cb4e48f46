"""What the map viewer is given, built once for the map page, the embed and the editor's mark page: its JSON
configuration, the map's title and actors in the page's language, and its interface strings.

Each page adds its own keys (the embed its slider range and view, the map page its renderer choice) to the same
base, so a key the viewer reads means the same on every page.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from gazetteer.models import PlaceKind
from mapapp import selectors
from mapapp.events.strings import event_strings
from mapapp.models import Map

API_ROOT = "/api/v1"


def basemap_url(map_: Map) -> str | None:
    """The offline outline/river layer the project ships for this map, if any."""
    path = f"data/{map_.slug}-basemap.geojson"
    return static(path) if finders.find(path) else None


def local_title(map_: Map, lang: str) -> str:
    """The map's title in `lang` (Arabic when asked and given, else English)."""
    return map_.title_ar if lang == "ar" and map_.title_ar else map_.title_en


def local_description(map_: Map, lang: str) -> str:
    return map_.description_ar if lang == "ar" and map_.description_ar else map_.description_en


def viewer_actors(map_: Map, lang: str) -> list[dict]:
    """The map's actors, in legend order, named in `lang`, with their colours."""
    arabic = lang == "ar"
    return [
        {"slug": a.slug, "name": (a.name_ar if arabic and a.name_ar else a.name_en), "color": a.color}
        for a in map_.actors.order_by("sort_order", "slug")
    ]


def viewer_config(map_: Map, *, lang: str, date: dt.date, **extra) -> dict:
    """The viewer's JSON configuration (static/js/viewer/): the map, the day it opens at, where its data and tiles
    come from; `extra` adds the page's own keys."""
    return {
        "slug": map_.slug,
        "start": map_.start.isoformat(),
        "end": map_.end.isoformat(),
        "date": date.isoformat(),
        "version": map_.data_version,
        "lang": lang,
        "bbox": selectors.map_bbox(map_),
        "apiRoot": API_ROOT,
        "basemap": basemap_url(map_),
        "tilesUrl": settings.MAP_TILES_URL,
        "tilesAttribution": settings.MAP_TILES_ATTRIBUTION,
        **extra,
    }


def editor_map(map_: Map, lang: str) -> dict:
    """A map as the mark page's picker knows it: its title, dates, basemap and actors in `lang`."""
    return {
        "slug": map_.slug,
        "title": local_title(map_, lang),
        "start": map_.start.isoformat(),
        "end": map_.end.isoformat(),
        "default_date": map_.default_date.isoformat(),
        "basemap": basemap_url(map_),
        "actors": viewer_actors(map_, lang),
    }


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
    gettext_noop("Held before"),
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
