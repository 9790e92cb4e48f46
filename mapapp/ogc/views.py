"""OGC API - Features endpoints under /ogc/: the landing page, conformance, the collections (one per public map),
a collection's items (its control periods) and one item; and beside each map's collection, `<slug>.events`, its
published events as points. JSON (GeoJSON for features) or HTML: `f=json|html`,
else the Accept header (a browser's text/html gets HTML).

Errors are 400 {"error", "field"} like the rest of the API; items refuse parameters they do not know, as Part 1
asks (/req/core/query-param-unknown). The landing page, conformance and the collections take only `f` and
ignore anything else, since GDAL repeats a connection string's own query on every request it makes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import orjson
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from mapapp import asof
from mapapp import selectors as map_selectors
from mapapp.lib.http import GEOJSON, error_response, only
from mapapp.lib.params import is_whole_number
from mapapp.models import Map
from mapapp.ogc import selectors

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
ITEM_PARAMS = {"f", "limit", "offset", "bbox", "datetime"}
EVENTS = ".events"  # a map's events collection is `<slug>.events`
_TEMPLATE = "mapapp/ogc/page.html"


def _format(request: HttpRequest) -> str | None:
    """json or html, from f= or else Accept; None for an f= we do not offer."""
    f = request.GET.get("f")
    if f is not None:
        return f if f in ("json", "html") else None
    accept = request.headers.get("Accept", "")
    return "html" if "text/html" in accept and "json" not in accept else "json"


def _url(request: HttpRequest, name: str, *args, **query) -> str:
    path = reverse(name, args=args)
    query = {key: value for key, value in query.items() if value is not None}
    return request.build_absolute_uri(path) + (f"?{urlencode(query)}" if query else "")


def _answer(
    request: HttpRequest, payload: dict, *, content_type: str, title: str, template: str, events: bool = False
) -> HttpResponse:
    fmt = _format(request)
    if fmt is None:
        return error_response(f"f must be json or html, got {request.GET['f'][:40]!r}", "f")
    if fmt == "html":
        return render(request, template, {"title": title, "payload": payload, "events": events})
    return HttpResponse(orjson.dumps(payload), content_type=content_type)


def _local_title(map_: Map) -> str:
    """The map's title in the page's language (the HTML view; JSON answers keep the English `title`)."""
    return map_.title_ar if get_language() == "ar" and map_.title_ar else map_.title_en


def _self_links(request: HttpRequest, name: str, *args, json_type: str = "application/json") -> list[dict]:
    return [
        {"href": _url(request, name, *args, f="json"), "rel": "self", "type": json_type, "title": "this document"},
        {"href": _url(request, name, *args, f="html"), "rel": "alternate", "type": "text/html", "title": "as HTML"},
    ]


@only("GET")
def landing(request: HttpRequest) -> HttpResponse:
    payload = {
        "title": "Frontline Atlas",
        "description": "Who controlled which ground, when, on whose word: each public map's control periods.",
        "links": [
            *_self_links(request, "ogc-landing"),
            {
                "href": request.build_absolute_uri("/api/v1/schema"),
                "rel": "service-desc",
                "type": "application/vnd.oai.openapi+json;version=3.1",
                "title": "the API's OpenAPI description",
            },
            {"href": _url(request, "ogc-conformance"), "rel": "conformance", "type": "application/json"},
            {"href": _url(request, "ogc-collections"), "rel": "data", "type": "application/json"},
        ],
    }
    return _answer(request, payload, content_type="application/json", title="Frontline Atlas", template=_TEMPLATE)


@only("GET")
def conformance(request: HttpRequest) -> HttpResponse:
    payload = {"conformsTo": CONFORMANCE, "links": _self_links(request, "ogc-conformance")}
    return _answer(request, payload, content_type="application/json", title=_("Conformance"), template=_TEMPLATE)


def _collection(request: HttpRequest, map_: Map) -> dict:
    bbox = map_selectors.map_bbox(map_) or [-180.0, -90.0, 180.0, 90.0]
    return {
        "id": map_.slug,
        "title": map_.title_en,
        "description": map_.description_en
        or "Control periods: who held each zone, from when (inclusive) until "
        "when (exclusive). datetime=D gives each zone's state on D.",
        "itemType": "feature",
        "crs": [CRS84],
        "extent": {
            "spatial": {"bbox": [bbox], "crs": CRS84},
            "temporal": {"interval": [[map_.start.isoformat() + "T00:00:00Z", None]], "trs": GREGORIAN},
        },
        "links": [
            {"href": _url(request, "ogc-collection", map_.slug), "rel": "self", "type": "application/json"},
            {"href": _url(request, "ogc-items", map_.slug), "rel": "items", "type": GEOJSON, "title": "its items"},
            {"href": _url(request, "ogc-items", map_.slug, f="html"), "rel": "items", "type": "text/html"},
            {
                "href": request.build_absolute_uri(reverse("map", args=[map_.slug])),
                "rel": "describedby",
                "type": "text/html",
            },
        ],
    }


def _event_collection(request: HttpRequest, map_: Map) -> dict:
    """The map's published events as a second collection, `<slug>.events` (a dot: no map's slug has one)."""
    bbox = map_selectors.map_bbox(map_) or [-180.0, -90.0, 180.0, 90.0]
    return {
        "id": f"{map_.slug}{EVENTS}",
        "title": f"{map_.title_en}: events",
        "description": "Point events beside the record of control (battles, strikes, shelling, supply drops), "
        "imported from ACLED, UCDP GED or a CSV or added by editors. datetime=D gives the events of D.",
        "itemType": "feature",
        "crs": [CRS84],
        "extent": {
            "spatial": {"bbox": [bbox], "crs": CRS84},
            "temporal": {
                "interval": [[map_.start.isoformat() + "T00:00:00Z", map_.end.isoformat() + "T23:59:59Z"]],
                "trs": GREGORIAN,
            },
        },
        "links": [
            {"href": _url(request, "ogc-event-collection", map_.slug), "rel": "self", "type": "application/json"},
            {"href": _url(request, "ogc-event-items", map_.slug), "rel": "items", "type": GEOJSON},
            {"href": _url(request, "ogc-event-items", map_.slug, f="html"), "rel": "items", "type": "text/html"},
            {
                "href": _url(request, "ogc-collection", map_.slug),
                "rel": "related",
                "type": "application/json",
                "title": "the map's control periods",
            },  # fmt: skip
        ],
    }


@only("GET")
def collections(request: HttpRequest) -> HttpResponse:
    found = []
    for map_ in Map.objects.public().order_by("slug"):
        found += [_collection(request, map_), _event_collection(request, map_)]
    payload = {"links": _self_links(request, "ogc-collections"), "collections": found}
    return _answer(request, payload, content_type="application/json", title=_("Collections"), template=_TEMPLATE)


def _map(slug: str) -> Map:
    map_ = Map.objects.public().filter(slug=slug).first()
    if map_ is None:
        raise Http404(f"no collection {slug!r}")
    asof.hold_back(map_)  # a map with a publication delay: read again as the public may see it (mapapp.asof)
    return map_


@only("GET")
def collection(request: HttpRequest, slug: str) -> HttpResponse:
    map_ = _map(slug)
    title = _local_title(map_)
    return _answer(
        request, _collection(request, map_), content_type="application/json", title=title, template=_TEMPLATE
    )


def _whole(request: HttpRequest, name: str, default: int, low: int, high: int) -> int:
    raw = request.GET.get(name)
    if raw is None:
        return default
    if not is_whole_number(raw) or len(raw) > 9 or not low <= int(raw) <= high:
        raise selectors.QueryError(f"{name} must be a whole number from {low} to {high}, got {raw[:40]!r}", name)
    return int(raw)


@dataclass(frozen=True)
class _Kind:
    """What a collection's items are: the map's control periods, or its events."""

    query: Callable
    features: Callable
    noun: str
    title: str  # "<map>: control periods", in the page's language
    item_title: str  # "<map>: control period <id>"
    items_url: str
    item_url: str
    collection_url: str


PERIODS = _Kind(
    selectors.periods,
    selectors.features,
    "control periods",
    gettext_lazy("%(map)s: control periods"),
    gettext_lazy("%(map)s: control period %(id)s"),
    "ogc-items",
    "ogc-item",
    "ogc-collection",
)
EVENT_ITEMS = _Kind(
    selectors.events,
    selectors.event_features,
    "events",
    gettext_lazy("%(map)s: events"),
    gettext_lazy("%(map)s: event %(id)s"),
    "ogc-event-items",
    "ogc-event-item",
    "ogc-event-collection",
)


def _items(request: HttpRequest, slug: str, kind: _Kind) -> HttpResponse:
    map_ = _map(slug)
    unknown = sorted(set(request.GET) - ITEM_PARAMS)
    if unknown:
        return error_response(
            f"unknown parameter {unknown[0]!r} (allowed: {', '.join(sorted(ITEM_PARAMS))})", unknown[0]
        )
    try:
        # Above the maximum, Part 1 lets a server answer with its maximum; GDAL asks for more than we give.
        limit = min(_whole(request, "limit", DEFAULT_LIMIT, 1, 10_000_000), MAX_LIMIT)
        offset = _whole(request, "offset", 0, 0, 100_000_000)
        window = selectors.parse_datetime(request.GET["datetime"]) if "datetime" in request.GET else None
        bbox = selectors.parse_bbox(request.GET["bbox"]) if "bbox" in request.GET else None
    except selectors.QueryError as error:
        return error_response(str(error), error.field)
    query = kind.query(map=map_, window=window, bbox=bbox)
    matched = query.count()
    features = kind.features(query[offset : offset + limit])
    kept = {key: request.GET[key] for key in ("bbox", "datetime") if key in request.GET}

    def page(at: int, **extra) -> str:
        return _url(request, kind.items_url, slug, **kept, limit=limit, offset=at or None, **extra)

    links = [
        {"href": page(offset, f="json"), "rel": "self", "type": GEOJSON},
        {"href": page(offset, f="html"), "rel": "alternate", "type": "text/html"},
        {"href": _url(request, kind.collection_url, slug), "rel": "collection", "type": "application/json"},
    ]
    if offset + limit < matched:
        links.append({"href": page(offset + limit), "rel": "next", "type": GEOJSON})
    if offset > 0:
        links.append({"href": page(max(0, offset - limit)), "rel": "prev", "type": GEOJSON})
    payload = {
        "type": "FeatureCollection",
        "timeStamp": timezone.now().replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "numberMatched": matched,
        "numberReturned": len(features),
        "features": features,
        "links": links,
    }
    title = kind.title % {"map": _local_title(map_)}
    events = kind is EVENT_ITEMS
    return _answer(request, payload, content_type=GEOJSON, title=title, template=_TEMPLATE, events=events)


def _item(request: HttpRequest, slug: str, item_id: int, kind: _Kind) -> HttpResponse:
    map_ = _map(slug)
    found = kind.features(kind.query(map=map_, window=None).filter(pk=item_id))
    if not found:
        raise Http404(f"no item {item_id} in {slug!r}")
    feature = found[0]
    feature["links"] = [
        {"href": _url(request, kind.item_url, slug, item_id), "rel": "self", "type": GEOJSON},
        {"href": _url(request, kind.collection_url, slug), "rel": "collection", "type": "application/json"},
    ]
    return _answer(
        request,
        feature,
        content_type=GEOJSON,
        title=kind.item_title % {"map": _local_title(map_), "id": item_id},
        template=_TEMPLATE,
    )


@only("GET")
def items(request: HttpRequest, slug: str) -> HttpResponse:
    return _items(request, slug, PERIODS)


@only("GET")
def item(request: HttpRequest, slug: str, item_id: int) -> HttpResponse:
    return _item(request, slug, item_id, PERIODS)


@only("GET")
def event_collection(request: HttpRequest, slug: str) -> HttpResponse:
    map_ = _map(slug)
    return _answer(
        request,
        _event_collection(request, map_),
        content_type="application/json",
        title=_("%(map)s: events") % {"map": _local_title(map_)},
        template=_TEMPLATE,
    )


@only("GET")
def event_items(request: HttpRequest, slug: str) -> HttpResponse:
    return _items(request, slug, EVENT_ITEMS)


@only("GET")
def event_item(request: HttpRequest, slug: str, item_id: int) -> HttpResponse:
    return _item(request, slug, item_id, EVENT_ITEMS)
