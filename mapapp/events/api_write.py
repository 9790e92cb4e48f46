"""The editors' side of the events API (the mark page uses it; authentication, CSRF, language and errors as the
change write API, mapapp.api_write):

- POST /api/v1/maps/<slug>/events: add a draft event (editors: mapapp.add_event);
- GET /api/v1/events/<id>: an event as an editor sees it, drafts too (mapapp.view_event); PUT edits it
  (mapapp.change_event; a published event only by reviewers, mapapp.publish_event, as in the admin);
- POST /api/v1/maps/<slug>/events/near {"date", "places"?, "geometry"?, "change"?}: the events within
  EVENT_LINK_KM and EVENT_LINK_DAYS of a change's ground and date, nearest first, to link to it (those already
  linked to `change` among them, ticked).

An event body: date, event_type, longitude, latitude required; date_end, date_precision, sub_event_type,
actor1, actor2, actors (slugs of the map's actors), location_name, admin_area, geo_precision, fatalities_best,
fatalities_low, fatalities_high, notes, sources (as a change's: {"id"} or {"url", "title", ...}) optional.
"""

from __future__ import annotations

import math

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from mapapp import api_write, services
from mapapp.answers import kept
from mapapp.api_write import _date, _json_body, _map, _places, _refusal, _require, _string, _unknown_keys, write_view
from mapapp.events import api as public_api
from mapapp.events import selectors
from mapapp.events.models import Event, EventState
from mapapp.lib import http
from mapapp.models import Actor, ControlChange

EVENT_FIELDS = {
    "date", "date_end", "date_precision", "event_type", "sub_event_type", "actor1", "actor2", "actors", "longitude",
    "latitude", "location_name", "admin_area", "geo_precision", "fatalities_best", "fatalities_low",
    "fatalities_high", "notes", "sources",
}  # fmt: skip
NEAR_FIELDS = {"date", "places", "geometry", "change"}


def _number(body: dict, field: str, low: float, high: float) -> float:
    value = body.get(field)
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise http.ApiError(_("%(field)s must be a number") % {"field": field}, field)
    if not low <= value <= high:
        raise http.ApiError(_("%(field)s must be from %(low)s to %(high)s") % {"field": field, "low": low,
                                                                                "high": high}, field)  # fmt: skip
    return float(value)


def _count(body: dict, field: str) -> int | None:
    value = body.get(field)
    if value is None or value == "":
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10**9:
        raise http.ApiError(_("%(field)s must be a whole number, 0 or more") % {"field": field}, field)
    return value


def _actors(map_, value) -> list[Actor]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(slug, str) for slug in value):
        raise http.ApiError(_("actors must be a list of actor slugs"), "actors")
    found = {actor.slug: actor for actor in map_.actors.filter(slug__in=value)}
    missing = [slug for slug in value if slug not in found]
    if missing:
        raise http.ApiError(_("not actors of this map: %(slugs)s") % {"slugs": ", ".join(missing)}, "actors")
    return [found[slug] for slug in dict.fromkeys(value)]


def _event_fields(map_, body: dict) -> dict:
    """services.EventFields from a JSON body (each problem a 400 naming its field)."""
    _unknown_keys(body, EVENT_FIELDS)
    if "date" not in body:
        raise http.ApiError(_("an event needs a date (YYYY-MM-DD)"), "date")
    fields = {
        "on": _date(body["date"], "date"),
        "date_end": _date(body.get("date_end"), "date_end", required=False),
        "event_type": _string(body, "event_type"),
        "location": Point(_number(body, "longitude", -180, 180), _number(body, "latitude", -90, 90), srid=4326),
        "actors": _actors(map_, body.get("actors")),
        "fatalities_best": _count(body, "fatalities_best"),
        "fatalities_low": _count(body, "fatalities_low"),
        "fatalities_high": _count(body, "fatalities_high"),
        "sources": api_write._sources(body["sources"]) if body.get("sources") else [],
    }
    for name in ("sub_event_type", "actor1", "actor2", "location_name", "admin_area", "notes"):
        fields[name] = _string(body, name)
    fields["date_precision"] = _string(body, "date_precision", "day")
    fields["geo_precision"] = _string(body, "geo_precision", "exact")
    return fields


def event_json(event: Event) -> dict:
    return {
        "id": event.pk,
        "map": event.map.slug,
        "date": event.date.isoformat(),
        "date_end": event.date_end.isoformat() if event.date_end else None,
        "date_precision": event.date_precision,
        "event_type": event.event_type,
        "sub_event_type": event.sub_event_type,
        "actor1": event.actor1,
        "actor2": event.actor2,
        "actors": [actor.slug for actor in event.actors.order_by("slug")],
        "longitude": round(event.location.x, 6),
        "latitude": round(event.location.y, 6),
        "location_name": event.location_name,
        "admin_area": event.admin_area,
        "geo_precision": event.geo_precision,
        "fatalities_best": event.fatalities_best,
        "fatalities_low": event.fatalities_low,
        "fatalities_high": event.fatalities_high,
        "notes": event.notes,
        "sources": [
            {"id": source.pk, "url": source.url, "title": source.title, "publisher": source.publisher}
            for source in event.sources.order_by("id")
        ],
        "changes": sorted(event.changes.values_list("pk", flat=True)),
        "review_state": event.review_state,
        "origin": event.origin,
        "admin_url": reverse("admin:mapapp_event_change", args=[event.pk]),
    }


@write_view
def event_create(request: HttpRequest, user, slug: str) -> HttpResponse:
    """POST /api/v1/maps/<slug>/events: add one draft event (editors)."""
    _require(user, "mapapp.add_event", _("add events"))
    map_ = _map(slug)
    body = _json_body(request)
    try:
        with transaction.atomic():  # new sources and the event are saved together or not at all
            event = services.event_create(map=map_, by=user, **_event_fields(map_, body))
    except ValidationError as exc:
        raise _refusal(exc) from None
    response = http.json_response(event_json(event), status=201)
    response["Location"] = f"/api/v1/events/{event.pk}"
    return response


@kept  # its GET (events.api.events) is a kept read (mapapp/answers.py); the hook looks only at GET and HEAD
def map_events(request: HttpRequest, slug: str) -> HttpResponse:
    """/api/v1/maps/<slug>/events: GET the published events (public), POST adds a draft (editors)."""
    if request.method == "POST":
        return event_create(request, slug)
    return public_api.events(request, slug)


@write_view
def event_detail(request: HttpRequest, user, event_id: int) -> HttpResponse:
    """GET /api/v1/events/<id> (editors); PUT edits it (editors for drafts, reviewers for published events)."""
    event = Event.objects.select_related("map").filter(pk=event_id).first()
    if request.method == "GET":
        _require(user, "mapapp.view_event", _("see events"))
        if event is None:
            raise http.ApiError(_("no event %(id)s") % {"id": event_id}, status=404)
        return http.json_response(event_json(event))
    if request.method != "PUT":
        raise http.ApiError(_("use GET or PUT"), status=405)
    _require(user, "mapapp.change_event", _("edit events"))
    if event is None:
        raise http.ApiError(_("no event %(id)s") % {"id": event_id}, status=404)
    if event.review_state != EventState.DRAFT:
        _require(user, "mapapp.publish_event", _("edit published events"))
    body = _json_body(request)
    try:
        with transaction.atomic():
            event = services.event_update(event=event, by=user, **_event_fields(event.map, body))
    except ValidationError as exc:
        raise _refusal(exc) from None
    return http.json_response(event_json(event))


def near_json(row: dict, linked: set[int]) -> dict:
    event = row["event"]
    return {
        "id": event.pk,
        "date": event.date.isoformat(),
        "event_type": event.event_type,
        "sub_event_type": event.sub_event_type,
        "location_name": event.location_name,
        "actor1": event.actor1,
        "actor2": event.actor2,
        "fatalities_best": event.fatalities_best,
        "review_state": event.review_state,
        "longitude": round(event.lon, 6),
        "latitude": round(event.lat, 6),
        "km": round(row["km"], 2),
        "days": row["days"],
        "linked": event.pk in linked,
    }


@write_view
def events_near(request: HttpRequest, user, slug: str) -> HttpResponse:
    """POST /api/v1/maps/<slug>/events/near (editors): events to link to a change on `date` over `places` (zone
    slugs) or `geometry` (its ground, GeoJSON), or to the saved change `change`, whose links come ticked."""
    if request.method != "POST":
        raise http.ApiError(_("use POST"), status=405)
    _require(user, "mapapp.view_event", _("see events"))
    map_ = _map(slug)
    body = _json_body(request)
    _unknown_keys(body, NEAR_FIELDS)
    if "date" not in body:
        raise http.ApiError(_("give the change's date (YYYY-MM-DD)"), "date")
    on = _date(body["date"], "date")
    geometry = api_write._geometry(body.get("geometry"))
    places = _places(map_, body["places"]) if body.get("places") else []
    linked: set[int] = set()
    if body.get("change") is not None:
        change_id = body["change"]
        if not isinstance(change_id, int) or isinstance(change_id, bool):
            raise http.ApiError(_("change must be a control change's id"), "change")
        change = ControlChange.objects.filter(pk=change_id).first()
        if change is None:
            raise http.ApiError(_("no control change %(id)s") % {"id": change_id}, "change")
        linked = set(change.events.values_list("pk", flat=True))
    ground = selectors.ground_of(geometry=geometry, places=places)
    rows = selectors.events_near(maps=[map_], on=on, ground=ground, include=sorted(linked))
    return http.json_response({"events": [near_json(row, linked) for row in rows]})
