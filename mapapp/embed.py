"""Embeds and sharing, without the views: the embed's URL options, who may frame it, which of our URLs an oEmbed
consumer may ask about, and the absolute URLs that leave the site (iframe code, oEmbed, card images).

Every option a publisher can put in an embed URL is parsed here, strictly: a bad value is an error that names
the option, never a silent default, so a newsroom sees its typo in the preview instead of shipping a wrong map.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db.models import Max
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.urls import reverse

from mapapp.framing import frame_ancestor_sources
from mapapp.lib.params import DATE_PATTERN, DateFormatError, UnrealDateError, is_whole_number, parse_bool, parse_date
from mapapp.models import ControlChange, Map

LANGUAGES = ("en", "ar")
THEMES = ("light", "dark")
CONTROLS = ("slider", "none")
# legend=true/false reads as on/off: the API's booleans (?enclosed=) are true/false, and publishers write them.
SWITCH_WORDS = ("on", "off", "true", "false")
MIN_ZOOM, MAX_ZOOM = 1, 18
EMBED_OPTIONS = ("date", "from", "to", "lang", "controls", "legend", "zoom", "center", "theme")

# The size an embed is offered at (iframe code, oEmbed) unless asked otherwise; a 3:2 map that fits a column.
DEFAULT_WIDTH, DEFAULT_HEIGHT = 600, 400
# Bounds of the server-rendered picture: big enough for a retina card image, small enough to render quickly.
IMAGE_MIN_WIDTH, IMAGE_MAX_WIDTH = 200, 2000
IMAGE_MIN_HEIGHT, IMAGE_MAX_HEIGHT = 150, 2000
# Open Graph / Twitter large card size.
CARD_WIDTH, CARD_HEIGHT = 1200, 630

_NUMBER = re.compile(r"^-?\d{1,3}(\.\d{1,12})?$")


class OptionError(Exception):
    """One or more bad options: [(option, message)], in the order the options are documented."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(message for _field, message in problems))
        self.problems = problems

    @property
    def field(self) -> str:
        return self.problems[0][0]


@dataclass(frozen=True)
class EmbedOptions:
    """What an embed shows. `first`..`last` is the slider's range (inclusive); `center` is (lat, lng)."""

    date: dt.date
    first: dt.date
    last: dt.date
    lang: str
    controls: str = "slider"
    legend: bool = True
    zoom: int | None = None
    center: tuple[float, float] | None = None
    theme: str = "light"

    def query(self, map: Map) -> dict[str, str]:
        """The options as URL parameters, leaving out those that equal the map's defaults (date always kept, so
        a shared link keeps showing the day it was shared at)."""
        query = {"date": self.date.isoformat()}
        if self.first != map.start:
            query["from"] = self.first.isoformat()
        if self.last != map.end:
            query["to"] = self.last.isoformat()
        query["lang"] = self.lang
        if self.controls != "slider":
            query["controls"] = self.controls
        if not self.legend:
            query["legend"] = "off"
        if self.zoom is not None:
            query["zoom"] = str(self.zoom)
        if self.center is not None:
            query["center"] = f"{_short(self.center[0])},{_short(self.center[1])}"
        if self.theme != "light":
            query["theme"] = self.theme
        return query


def _short(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _small_whole_number(raw: str) -> bool:
    """0-9 digits only, at most five of them: no option here needs more."""
    return is_whole_number(raw) and len(raw) <= 5


def _single(params: QueryDict, name: str, problems: list) -> str | None:
    values = params.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        problems.append((name, f"{name} is given {len(values)} times; give it once"))
        return None
    return values[0]


def _date(params, name, map: Map, problems) -> dt.date | None:
    raw = _single(params, name, problems)
    if raw is None:
        return None
    try:
        day = parse_date(raw)
    except DateFormatError:
        problems.append((name, f"{name} must be a date as YYYY-MM-DD, got {raw!r}"))
        return None
    except UnrealDateError:
        problems.append((name, f"{name} {raw!r} is not a real date"))
        return None
    if not map.start <= day <= map.end:
        problems.append(
            (name, f"{name} {raw} is outside this map's dates, {map.start.isoformat()} to {map.end.isoformat()}")
        )
        return None
    return day


def _choice(params, name, choices, problems) -> str | None:
    raw = _single(params, name, problems)
    if raw is None:
        return None
    if raw not in choices:
        problems.append((name, f"{name} must be one of {', '.join(choices)}; got {raw!r}"))
        return None
    return raw


def _legend(params, problems) -> bool:
    """legend: on or off (or true, false); on when absent or wrong (the problem is noted)."""
    choice = _choice(params, "legend", SWITCH_WORDS, problems)
    return True if choice is None else parse_bool(choice, words=SWITCH_WORDS)


def _zoom(params, problems) -> int | None:
    raw = _single(params, "zoom", problems)
    if raw is None:
        return None
    if not _small_whole_number(raw) or not MIN_ZOOM <= int(raw) <= MAX_ZOOM:
        problems.append(("zoom", f"zoom must be a whole number from {MIN_ZOOM} to {MAX_ZOOM}, got {raw!r}"))
        return None
    return int(raw)


def _center(params, problems) -> tuple[float, float] | None:
    raw = _single(params, "center", problems)
    if raw is None:
        return None
    parts = raw.split(",")
    if len(parts) != 2 or not all(_NUMBER.match(part.strip()) for part in parts):
        problems.append(("center", f"center must be latitude,longitude in degrees, got {raw!r}"))
        return None
    lat, lng = (float(part) for part in parts)
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        problems.append(("center", f"center {raw!r} is not on Earth: latitude -90..90, longitude -180..180"))
        return None
    return (lat, lng)


def parse_embed_options(map: Map, params: QueryDict, *, default_lang: str) -> EmbedOptions:
    """The embed's options from a query string. Raises OptionError naming every bad option at once.

    date: the day shown first (default: the map's default date, moved into from..to if outside it);
    from/to: the slider's range, inside the map's dates; lang: en or ar (default: `default_lang`);
    controls: slider or none (a fixed date); legend: on or off (or true, false); zoom: 1..18; center: "lat,lng";
    theme: light or dark. Unknown parameters are errors too: a misspelt option must not be ignored.
    """
    problems: list[tuple[str, str]] = []
    unknown = sorted(set(params) - set(EMBED_OPTIONS))
    for name in unknown:
        problems.append((name, f"unknown option {name!r}; the options are {', '.join(EMBED_OPTIONS)}"))
    day = _date(params, "date", map, problems)
    first = _date(params, "from", map, problems)
    last = _date(params, "to", map, problems)
    if first is not None and last is not None and first > last:
        problems.append(("from", f"from {first.isoformat()} is after to {last.isoformat()}"))
    first = first or map.start
    last = last or map.end
    if day is not None and first <= last and not first <= day <= last:
        problems.append(("date", f"date {day.isoformat()} is outside from..to, {first} to {last}"))
    lang = _choice(params, "lang", LANGUAGES, problems) or (default_lang if default_lang in LANGUAGES else "en")
    controls = _choice(params, "controls", CONTROLS, problems) or "slider"
    legend = _legend(params, problems)
    theme = _choice(params, "theme", THEMES, problems) or "light"

    zoom = _zoom(params, problems)
    center = _center(params, problems)

    if problems:
        raise OptionError(problems)
    if day is None:
        day = min(max(map.default_date, first), last)
    return EmbedOptions(
        date=day,
        first=first,
        last=last,
        lang=lang,
        controls=controls,
        legend=legend,
        zoom=zoom,
        center=center,
        theme=theme,
    )


@dataclass(frozen=True)
class ImageOptions:
    date: dt.date
    width: int
    height: int
    lang: str
    theme: str
    # The view, as in the embed: Leaflet's zoom level and (lat, lng); None: fit the map's zones.
    zoom: int | None = None
    center: tuple[float, float] | None = None
    legend: bool = True  # legend=off: the map alone, as an embed with its legend off shows it


IMAGE_OPTIONS = ("date", "width", "height", "lang", "theme", "zoom", "center", "legend")


def _size(params, name, low, high, default, problems) -> int:
    raw = _single(params, name, problems)
    if raw is None:
        return default
    if not _small_whole_number(raw) or not low <= int(raw) <= high:
        problems.append((name, f"{name} must be a whole number of pixels from {low} to {high}, got {raw!r}"))
        return default
    return int(raw)


def parse_image_options(map: Map, params: QueryDict) -> ImageOptions:
    """The picture's options: date (default the map's default date), width and height in pixels (default
    600x400, bounded), lang en/ar (default en), theme light/dark, and the view as the embed takes it: zoom 1..18
    and center "lat,lng" (either alone: the other as the embed picks it), legend on/off (or true/false; default
    on). Raises OptionError."""
    problems: list[tuple[str, str]] = []
    for name in sorted(set(params) - set(IMAGE_OPTIONS)):
        problems.append((name, f"unknown option {name!r}; the options are {', '.join(IMAGE_OPTIONS)}"))
    day = _date(params, "date", map, problems)
    width = _size(params, "width", IMAGE_MIN_WIDTH, IMAGE_MAX_WIDTH, DEFAULT_WIDTH, problems)
    height = _size(params, "height", IMAGE_MIN_HEIGHT, IMAGE_MAX_HEIGHT, DEFAULT_HEIGHT, problems)
    lang = _choice(params, "lang", LANGUAGES, problems) or "en"
    theme = _choice(params, "theme", THEMES, problems) or "light"
    zoom = _zoom(params, problems)
    center = _center(params, problems)
    legend = _legend(params, problems)
    if problems:
        raise OptionError(problems)
    return ImageOptions(
        date=day or map.default_date,
        width=image_size(width, IMAGE_MIN_WIDTH, IMAGE_MAX_WIDTH),
        height=image_size(height, IMAGE_MIN_HEIGHT, IMAGE_MAX_HEIGHT),
        lang=lang,
        theme=theme,
        zoom=zoom,
        center=(round(center[0], IMAGE_CENTER_DECIMALS), round(center[1], IMAGE_CENTER_DECIMALS)) if center else None,
        legend=legend,
    )


# Pictures are drawn on a grid of views, so the cache holds few of them (docs/contract.md): sizes to steps of
# IMAGE_SIZE_STEP pixels (1200x630, the link preview, is on it) and the centre to IMAGE_CENTER_DECIMALS decimals
# of a degree (about 100 m, less than a pixel's worth at the zooms a picture is asked for).
IMAGE_SIZE_STEP = 10
IMAGE_CENTER_DECIMALS = 3


def image_size(pixels: int, low: int, high: int) -> int:
    """A picture's width or height on the grid: down to a step (never bigger than asked), within low..high."""
    return min(high, max(low, IMAGE_SIZE_STEP * (pixels // IMAGE_SIZE_STEP)))


# --- Who may frame the embed (the parsing is mapapp.framing's) ------------------------------------------


def frame_ancestors(map: Map | None) -> list[str]:
    """The CSP frame-ancestors sources for an embed page: any site may frame it, or only our own pages and the
    map's origins. Tokens that are not origins are dropped, never copied into the header; if none is left of
    a non-empty setting, only our own pages may frame it (a broken allow-list must not open the map to all)."""
    text = map.frame_ancestors.strip() if map is not None else ""
    if not text:
        return ["*"]
    valid, _rejected = frame_ancestor_sources(text)
    return ["'self'"] + [source for source in valid if source != "'self'"]


# --- Absolute URLs and the URLs oEmbed answers for ---------------------------------------------------------


def site_url(path: str, query: dict[str, str] | None = None) -> str:
    url = settings.SITE_URL + path
    return url + ("?" + urlencode(query) if query else "")


def embed_url(map: Map, options: EmbedOptions) -> str:
    return site_url(reverse("embed", args=[map.slug]), options.query(map))


def map_url(map: Map, options: EmbedOptions) -> str:
    query = {"date": options.date.isoformat(), "lang": options.lang}
    return site_url(reverse("map", args=[map.slug]), query)


def image_query(
    *,
    date: dt.date,
    width: int,
    height: int,
    lang: str,
    theme: str = "light",
    zoom: int | None = None,
    center: tuple[float, float] | None = None,
    legend: bool = True,
) -> dict[str, str]:
    """The picture's URL parameters, written as parse_image_options reads them; defaults left out."""
    query = {"date": date.isoformat(), "width": str(width), "height": str(height), "lang": lang}
    if theme != "light":
        query["theme"] = theme
    if zoom is not None:
        query["zoom"] = str(zoom)
    if center is not None:
        query["center"] = f"{_short(center[0])},{_short(center[1])}"
    if not legend:
        query["legend"] = "off"
    return query


def image_url(map: Map, **options) -> str:
    """The absolute URL of the picture; keyword options as image_query takes them."""
    return site_url(reverse("embed-image", args=[map.slug]), image_query(**options))


_PAGE_PATH = re.compile(r"^/(?P<kind>maps|embed)/(?P<slug>[-a-zA-Z0-9_]+)/?$")
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def _host_key(scheme: str, netloc: str) -> str:
    host = netloc.lower().rsplit("@", 1)[-1]
    if host.endswith(":" + _DEFAULT_PORTS.get(scheme, "")):
        host = host.rsplit(":", 1)[0]
    return host


def our_hosts(request_host: str | None = None) -> set[str]:
    """The hosts whose URLs are ours: SITE_URL's, and the host this request came in on (Django has already
    checked it against ALLOWED_HOSTS)."""
    site = urlsplit(settings.SITE_URL)
    hosts = {_host_key(site.scheme, site.netloc)}
    if request_host:
        hosts.add(request_host.lower())
        hosts.add(_host_key("http", request_host))
        hosts.add(_host_key("https", request_host))
    return hosts


@dataclass(frozen=True)
class SharedUrl:
    kind: str  # "maps" or "embed"
    slug: str
    query: QueryDict


def parse_shared_url(url: str, *, hosts: set[str]) -> SharedUrl | None:
    """Our map page or embed URL in any of its forms (http or https or scheme-relative, with or without the trailing
    slash, with options, or as a path alone), or None for anything else: another site, another page, a malformed URL."""
    url = url.strip()
    if not url or len(url) > 2000 or any(ch in url for ch in "\r\n\t\\"):
        return None
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        return None
    if not port_ok:
        return None
    if parts.scheme or parts.netloc:
        # "//atlas.example/maps/x/" (no scheme) is how some CMSs store links that work over http and https.
        scheme = parts.scheme or "https"
        if scheme not in ("http", "https") or not parts.netloc or _host_key(scheme, parts.netloc) not in hosts:
            return None
    elif not url.startswith("/"):
        return None
    match = _PAGE_PATH.match(parts.path)
    if not match:
        return None
    return SharedUrl(kind=match["kind"], slug=match["slug"], query=QueryDict(parts.query))


def options_from_map_page(map: Map, query: QueryDict, *, default_lang: str) -> EmbedOptions:
    """The embed options matching a map page URL (?date, ?lang, ?lat/lng/z). The map page shrugs off bad
    values (it opens at its default), so here they are dropped the same way rather than refused."""
    params = QueryDict(mutable=True)
    if DATE_PATTERN.match(query.get("date", "")):
        params["date"] = query["date"]
    if query.get("lang") in LANGUAGES:
        params["lang"] = query["lang"]
    if query.get("lat") and query.get("lng"):
        params["center"] = f"{query['lat']},{query['lng']}"
    if query.get("z"):
        params["zoom"] = query["z"]
    try:
        return parse_embed_options(map, params, default_lang=default_lang)
    except OptionError as error:
        for field, _message in error.problems:
            params.pop(field, None)
            if field == "center":
                params.pop("zoom", None)
        return parse_embed_options(map, params, default_lang=default_lang)


def fit_size(maxwidth: int | None, maxheight: int | None) -> tuple[int, int]:
    """The embed's size for oEmbed: 600x400, scaled down (keeping 3:2) to fit maxwidth and maxheight."""
    scale = 1.0
    if maxwidth is not None:
        scale = min(scale, maxwidth / DEFAULT_WIDTH)
    if maxheight is not None:
        scale = min(scale, maxheight / DEFAULT_HEIGHT)
    width = max(1, int(DEFAULT_WIDTH * scale))
    height = max(1, int(DEFAULT_HEIGHT * scale))
    return width, height


def data_as_of(map: Map) -> dt.datetime | None:
    """When the record behind the map last changed: the latest publication (or recording) of a published
    change to one of its zones. One query."""
    return (
        ControlChange.objects.published()
        .filter(places__maps=map)
        .aggregate(latest=Max(Coalesce("reviewed_at", "created_at")))["latest"]
    )
