"""The embed (/embed/<slug>/), its picture (/embed/<slug>/image.png) and oEmbed (/oembed).

The embed page is the one page other sites may frame: it is exempt from X-Frame-Options and sends its own
Content-Security-Policy frame-ancestors (any site, or the map's allowed origins). Its error pages too, so a
publisher sees what is wrong inside the frame. None of these views reads the session or makes a CSRF token, so
no cookie is ever set on a reader who only sees an embed.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import get_language
from django.views.decorators.clickjacking import xframe_options_exempt

from mapapp import asof, embed, mapimage, viewer
from mapapp.jsbundle import bundle_name
from mapapp.lib import ratelimit
from mapapp.lib.http import ApiError, conditional, error_response, etag_of, json_response, only
from mapapp.lib.params import is_whole_number
from mapapp.models import Map

# static/js/embed.js and every module it imports, preloaded together instead of one import level at a time.
EMBED_MODULES = [
    "js/embed.js",
    "js/map-style.js",
    "js/viewer/api.js",
    "js/viewer/days.js",
    "js/viewer/history.js",
    "js/viewer/i18n.js",
    "js/viewer/layers.js",
    "js/viewer/edges.js",
    "js/viewer/hatching.js",
    "js/viewer/labels.js",
    "js/viewer/lines.js",
    "js/viewer/patch-canvas.js",
    "js/viewer/siege-badges.js",
    "js/viewer/zone-style.js",
    "js/viewer/slider.js",
    "js/viewer/topology.js",
]


MAX_PIXELS = 10**9  # a maxwidth or maxheight with more digits means the same: no limit


def _public_map(slug: str) -> Map | None:
    return Map.objects.public().filter(slug=slug).first()


def _frameable(response: HttpResponse, map_: Map | None) -> HttpResponse:
    # django-csp's per-response replacement (what its @csp_replace decorator sets): the site's policy with this
    # map's frame-ancestors instead of 'none'.
    response._csp_replace = {"frame-ancestors": embed.frame_ancestors(map_)}
    return response


def _error_page(request: HttpRequest, map_: Map | None, status: int, problems: list[tuple[str, str]]):
    context = {"status": status, "problems": problems, "map": map_, "options": embed.EMBED_OPTIONS}
    response = render(request, "mapapp/embed_error.html", context, status=status)
    return _frameable(response, map_)


def embed_not_found(request: HttpRequest) -> HttpResponse:
    """404 for an address under /embed/ that is no embed (a mistyped path in a publisher's iframe): the embed's
    own error page, which may be framed, so the publisher sees the mistake inside the frame rather than the
    browser's refusal to show a page that denies framing."""
    response = _error_page(request, None, 404, [("url", f"there is no embed at {request.path[:200]}")])
    response.xframe_options_exempt = True
    return response


@xframe_options_exempt
@only("GET")
def embed_page(request: HttpRequest, slug: str) -> HttpResponse:
    map_ = _public_map(slug)
    if map_ is None:
        return _error_page(request, None, 404, [("slug", f"there is no public map {slug!r}")])
    try:
        options = embed.parse_embed_options(map_, request.GET, default_lang=get_language() or "en")
    except embed.OptionError as error:
        return _error_page(request, map_, 400, error.problems)
    with translation.override(options.lang):
        response = render(request, "mapapp/embed.html", _embed_context(map_, options))
    return _frameable(response, map_)


def _embed_context(map_: Map, options: embed.EmbedOptions) -> dict:
    api_root = viewer.API_ROOT
    config = viewer.viewer_config(
        map_,
        lang=options.lang,
        date=options.date,
        first=options.first.isoformat(),
        last=options.last.isoformat(),
        controls=options.controls,
        zoom=options.zoom,
        center=list(options.center) if options.center else None,
        mapUrl=reverse("map", args=[map_.slug]),
    )
    version = f"?v={map_.data_version}"
    image_width, image_height = embed.DEFAULT_WIDTH, embed.DEFAULT_HEIGHT
    entry = bundle_name("js/embed.js")
    return {
        "map": map_,
        "options": options,
        "title": viewer.local_title(map_, options.lang),
        "actors": viewer.viewer_actors(map_, options.lang),
        "config": config,
        "strings": viewer.viewer_strings(),
        "full_map_url": embed.map_url(map_, options),
        "data_as_of": embed.data_as_of(map_),
        # Fetched from the <head>, before Leaflet and the modules are parsed, so the data is there when they are.
        "preload": [
            f"{api_root}/maps/{map_.slug}/topology{version}",
            f"{api_root}/maps/{map_.slug}/history{version}",
            *([config["basemap"]] if config["basemap"] else []),
        ],
        # One bundle under `make run` (mapapp/jsbundle.py), else the modules as written.
        "entry": entry,
        "modules": EMBED_MODULES if entry == "js/embed.js" else [entry],
        # The same day, view, language and colours as the embed, so the fallback shows what the script would.
        "image_url": reverse("embed-image", args=[map_.slug])
        + "?"
        + urlencode(
            embed.image_query(
                date=options.date,
                width=image_width,
                height=image_height,
                lang=options.lang,
                theme=options.theme,
                zoom=options.zoom,
                center=options.center,
                legend=options.legend,
            )
        ),
        "image_width": image_width,
        "image_height": image_height,
        "oembed_url": embed.site_url(reverse("oembed"), {"url": embed.embed_url(map_, options), "format": "json"}),
    }


@only("GET")
def embed_image(request: HttpRequest, slug: str) -> HttpResponse:
    """The map at a date as a PNG, drawn on the server. Cached per (map, data version, options) on disk;
    ETag/304."""
    map_ = _public_map(slug)
    if map_ is None:
        return error_response(f"no map {slug!r}", status=404)
    asof.hold_back(map_)  # a map with a publication delay: drawn again as the public may see it (mapapp.asof)
    try:
        options = embed.parse_image_options(map_, request.GET)
    except embed.OptionError as error:
        return error_response(str(error), error.field)
    return conditional(
        request,
        etag=etag_of(mapimage.cache_key(map_, options)),
        build=lambda: _picture(request, map_, options),
        cache_control="public, max-age=300",
    )


def _picture(request: HttpRequest, map_: Map, options) -> HttpResponse:
    # Drawing takes a fraction of a second to seconds of CPU; a cached picture is a file read. Only drawings are
    # counted per client, so a page of embeds reading the cache is never refused.
    png = mapimage.cached_png(map_, options)
    if png is None:
        wait = ratelimit.over_limit(
            scope="pictures",
            client=ratelimit.client_of(request),
            limit=settings.RATE_LIMIT_PICTURES,
            window=ratelimit.MINUTE,
        )
        if wait:
            return ratelimit.too_many(
                wait,
                f"too many new pictures drawn for your address (at most {settings.RATE_LIMIT_PICTURES} a minute); "
                f"try again in {ratelimit.wait_text(wait)}",
            )
        png = mapimage.map_png(map_, options)
    return HttpResponse(png, content_type="image/png")


def _max_pixels(request: HttpRequest, name: str) -> int | None:
    """oEmbed's maxwidth/maxheight: a whole number of pixels above 0 (ASCII digits). Any size at all is a fair
    limit: one bigger than the embed is offered at is no limit, so a huge one is not an error."""
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return None
    digits = raw.lstrip("0")
    if not is_whole_number(raw) or not digits:
        raise ApiError(f"{name} must be a whole number of pixels above 0, got {raw[:50]!r}", name)
    return int(digits) if len(digits) <= 9 else MAX_PIXELS


@only("GET")
def oembed(request: HttpRequest) -> HttpResponse:
    """oEmbed 1.0 (https://oembed.com/) for our map pages and embeds: JSON, type rich, the iframe as html.

    Other parameters a consumer sends (callback, dnt, ...) are ignored, as the spec allows; url, maxwidth,
    maxheight and format are checked. A URL that is not one of our maps: 404. format other than json: 501.
    """
    fmt = request.GET.get("format") or "json"
    if fmt != "json":
        return error_response(f"format {fmt!r} is not available; only json", "format", status=501)
    url = request.GET.get("url")
    if not url:
        return error_response("url is required: the address of a map page or an embed", "url")
    try:
        maxwidth = _max_pixels(request, "maxwidth")
        maxheight = _max_pixels(request, "maxheight")
    except ApiError as error:
        return error_response(error.message, error.field)

    shared = embed.parse_shared_url(url, hosts=embed.our_hosts(request.get_host()))
    if shared is None:
        return error_response(f"not a map of this site: {url[:200]!r}", "url", status=404)
    map_ = _public_map(shared.slug)
    if map_ is None:
        return error_response(f"no map {shared.slug!r}", "url", status=404)
    default_lang = get_language() or "en"
    if shared.kind == "embed":
        try:
            options = embed.parse_embed_options(map_, shared.query, default_lang=default_lang)
        except embed.OptionError as error:
            return error_response(f"the embed URL has a bad option: {error}", "url", status=404)
    else:
        options = embed.options_from_map_page(map_, shared.query, default_lang=default_lang)

    width, height = embed.fit_size(maxwidth, maxheight)
    title = viewer.local_title(map_, options.lang)
    src = embed.embed_url(map_, options)
    # With the host script, as the share dialog writes it: a CMS column narrower than 600 px gets a frame too
    # short for the slider and legend, and only the script can grow it to the height the embed asks for.
    html = format_html(
        '<iframe src="{}" width="{}" height="{}" title="{}" style="border:0;max-width:100%" loading="lazy" '
        'allowfullscreen></iframe><script async src="{}"></script>',
        src,
        width,
        height,
        title,
        settings.SITE_URL + static("js/embed-host.js"),
    )
    thumb_width = embed.image_size(width, embed.IMAGE_MIN_WIDTH, embed.IMAGE_MAX_WIDTH)
    thumb_height = embed.image_size(height, embed.IMAGE_MIN_HEIGHT, embed.IMAGE_MAX_HEIGHT)
    if (maxwidth and thumb_width > maxwidth) or (maxheight and thumb_height > maxheight):
        thumbnail = None  # smaller than we draw pictures: better no thumbnail than one bigger than asked
    else:
        thumbnail = embed.image_url(
            map_,
            date=options.date,
            width=thumb_width,
            height=thumb_height,
            lang=options.lang,
            theme=options.theme,
            zoom=options.zoom,
            center=options.center,
        )
    payload = {
        "version": "1.0",
        "type": "rich",
        "title": title,
        "provider_name": "Frontline Atlas",
        "provider_url": settings.SITE_URL + "/",
        "html": str(html),
        "width": width,
        "height": height,
        "cache_age": 3600,
    }
    if map_.credit:
        payload["author_name"] = map_.credit[:300]
    if thumbnail:
        payload.update(thumbnail_url=thumbnail, thumbnail_width=thumb_width, thumbnail_height=thumb_height)
    response = json_response(payload)
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=3600"
    return response


def card_context(request: HttpRequest, map_: Map, date, lang: str) -> dict:
    """Absolute URLs for a map page's link previews (Open Graph, Twitter) and oEmbed discovery. The card picture
    shows the page's view (?lat=&lng=&z=) when the page URL has a valid one, as the oEmbed answer for it does."""
    view = embed.options_from_map_page(map_, request.GET, default_lang=lang)
    options = embed.EmbedOptions(date=date, first=map_.start, last=map_.end, lang=lang)
    card_image = embed.image_url(
        map_,
        date=date,
        width=embed.CARD_WIDTH,
        height=embed.CARD_HEIGHT,
        lang=lang,
        zoom=view.zoom,
        center=view.center,
    )
    return {
        "page_url": embed.map_url(map_, options),
        "oembed_url": embed.site_url(reverse("oembed"), {"url": embed.map_url(map_, options), "format": "json"}),
        "card_image": card_image,
        "card_width": embed.CARD_WIDTH,
        "card_height": embed.CARD_HEIGHT,
    }
