"""The write API, v1 (docs/contract.md): editors record draft control changes, reviewers publish, reject, withdraw
and restore them. The admin's "Mark control change" page uses these same endpoints, and they call the same
services as everything else, so the rules and the error messages are the same everywhere.

Authentication: a logged-in session (with its CSRF token, as any Django form), or the header
`Authorization: Token <key>` (keys from `manage.py api_tokens --create`; no CSRF, no cookie), checked on every
request: not revoked or expired, its user active and staff. Anonymous or a bad token: 401. Not staff, or
without the permission: 403. Errors are {"error", "field"} like the read API, in the language of
the request (Accept-Language or ?lang=ar).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from gazetteer.models import Place
from mapapp import api, services, versioning
from mapapp.answers import kept
from mapapp.events.models import Event
from mapapp.lib import geo, http, ratelimit
from mapapp.lib.params import DateFormatError, UnrealDateError, parse_date
from mapapp.models import Actor, ControlChange, Map, Source
from mapapp.previews import change_preview, ground_cut, ground_preview

CHANGE_FIELDS = {
    "date", "date_precision", "places", "actor", "status", "confidence", "sources", "title", "note", "geometry",
    "cut", "events",
}  # fmt: skip
SOURCE_FIELDS = {"id", "url", "title", "publisher", "published", "quote"}
SLUG_CHUNK = 5000  # slugs per query: far under every database's limit on query parameters
MAX_SOURCES = 50
MAX_LINKED = 500  # events linked to one change


class _CsrfCheck(CsrfViewMiddleware):
    """Django's own CSRF check, answering with the reason instead of a 403 page."""

    def _reject(self, request, reason):
        return reason


def _authenticate(request: HttpRequest):
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _space, key = header.partition(" ")
        if scheme.lower() != "token" or not key.strip():
            raise http.ApiError(_("send the header as Authorization: Token <key>"), "Authorization", status=401)
        # Bad tokens are counted per client; over the limit every token from that client waits, so keys cannot be
        # guessed at speed (the good one too: the client is told how long).
        limit = ratelimit.over_limit(
            scope="token-failures",
            client=ratelimit.client_of(request),
            limit=settings.RATE_LIMIT_TOKEN_FAILURES,
            window=ratelimit.MINUTE,
            count=False,
        )
        if limit:
            message = _("too many requests with a bad API token from your address; try again in %(wait)s")
            raise http.ApiError(message % {"wait": ratelimit.wait_text(limit)}, "Authorization", 429, limit)
        try:
            user = services.api_token_user(key=key.strip())
        except services.TokenRefused as refused:
            ratelimit.over_limit(
                scope="token-failures",
                client=ratelimit.client_of(request),
                limit=settings.RATE_LIMIT_TOKEN_FAILURES,
                window=ratelimit.MINUTE,
            )
            raise http.ApiError(refused.message, "Authorization", status=refused.status) from None
        request.user = user  # django-simple-history reads who did it from the request
        return user
    user = request.user
    if not user.is_authenticated:
        raise http.ApiError(_("log in first, or send the header Authorization: Token <key>"), status=401)
    if not user.is_staff:
        # A session outlives unticking "staff status"; the write API follows the admin and refuses.
        raise http.ApiError(_("your account is not staff (no editor or reviewer access)"), status=403)
    check = _CsrfCheck(lambda request: None)
    check.process_request(request)
    reason = check.process_view(request, None, (), {})
    if reason:
        raise http.ApiError(_("the CSRF check failed (%(reason)s); reload the page") % {"reason": reason}, status=403)
    return user


def _require(user, permission: str, action: str) -> None:
    if not user.has_perm(permission):
        raise http.ApiError(_("you are not allowed to %(action)s") % {"action": action}, status=403)


def write_view(view: Callable):
    """Authenticate, pick the language (?lang= or Accept-Language), turn errors into their JSON answer."""

    @csrf_exempt
    def wrapper(request: HttpRequest, *args, **kwargs):
        language = request.GET.get("lang")
        if language is not None and language not in dict(settings.LANGUAGES):
            choices = ", ".join(code for code, _name in settings.LANGUAGES)
            return http.error_response(f"lang must be one of {choices}, got {language!r}", "lang")
        with translation.override(language or translation.get_language()):
            try:
                user = _authenticate(request)
                return view(request, user, *args, **kwargs)
            except http.ApiError as exc:
                response = exc.response()
                if exc.status == 401:
                    response["WWW-Authenticate"] = 'Token realm="api"'
                return response

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _refusal(error: ValidationError, prefix: str = "") -> http.ApiError:
    """The first problem of a service's ValidationError, as a 400 naming its field."""
    if hasattr(error, "error_dict"):
        field, messages = next(iter(error.message_dict.items()))
        field = None if field == "__all__" else f"{prefix}{field}"
        return http.ApiError(messages[0], field)
    return http.ApiError(error.messages[0], prefix.rstrip(".") or None)


def _json_body(request: HttpRequest) -> dict:
    if not request.body:
        return {}
    try:
        body = orjson.loads(request.body)
    except orjson.JSONDecodeError:
        raise http.ApiError(_("the body is not valid JSON")) from None
    if not isinstance(body, dict):
        raise http.ApiError(_("the body must be a JSON object"))
    where = http.nul_field(body)
    if where:
        message = _("%(field)s contains a NUL character (\\0), which no text may hold")
        raise http.ApiError(message % {"field": where}, where)
    return body


def _unknown_keys(body: dict, allowed: set[str], prefix: str = "") -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise http.ApiError(
            _("unknown field %(field)s (allowed: %(allowed)s)")
            % {"field": repr(unknown[0]), "allowed": ", ".join(sorted(allowed))},
            f"{prefix}{unknown[0]}",
        )


def _string(body: dict, field: str, default: str = "", prefix: str = "") -> str:
    value = body.get(field, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise http.ApiError(_("%(field)s must be text") % {"field": field}, f"{prefix}{field}")
    return value


def _date(value, field: str, *, required: bool = True) -> dt.date | None:
    if value in (None, "") and not required:
        return None
    words = {"field": field.split(".")[-1], "value": repr(value)}
    try:
        return parse_date(value)
    except DateFormatError:
        raise http.ApiError(_("%(field)s must be a date written YYYY-MM-DD, got %(value)s") % words, field) from None
    except UnrealDateError:
        raise http.ApiError(_("%(field)s %(value)s is not a real date") % words, field) from None


def _map(slug: str) -> Map:
    # Editors work on maps before they are public too.
    map_ = Map.objects.filter(slug=slug).first()
    if map_ is None:
        raise http.ApiError(_("no map %(slug)s") % {"slug": repr(slug)}, status=404)
    return map_


def _places(map_: Map, value) -> list[Place]:
    if not isinstance(value, list) or not value:
        raise http.ApiError(_("a control change needs at least one place (a list of place slugs)"), "places")
    if not all(isinstance(slug, str) for slug in value):
        raise http.ApiError(_("places must be a list of place slugs"), "places")
    slugs = list(dict.fromkeys(value))
    found = _places_by_slug(map_.places.all(), slugs)
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        known = set(Place.objects.filter(slug__in=missing).values_list("slug", flat=True))
        first = missing[0]
        if first in known:
            message = _("%(place)s is not a zone of the map %(map)s") % {"place": repr(first), "map": map_.slug}
        else:
            message = _("unknown place %(place)s") % {"place": repr(first)}
        raise http.ApiError(message, "places")
    return [found[slug] for slug in slugs]


def _geometry(value):
    """The ground a change carries: a GeoJSON Polygon or MultiPolygon in WGS84 (None when absent)."""
    if value is None:
        return None
    try:
        return geo.to_geos(geo.polygon_from_geojson(value))
    except ValueError as exc:
        raise http.ApiError(_("geometry %(problem)s") % {"problem": exc}, "geometry") from None


def _cut(map_: Map, value, geometry):
    """The ground a change carries when the editor cut zones with a line: `cut` {"line": GeoJSON LineString,
    "side": "left" | "right"} is the pieces of the zones the line crosses on that side of it (as drawn), united
    with `geometry` when both are given. Returns the ground (GEOS) or `geometry` unchanged without a cut."""
    if value is None:
        return geometry
    if not isinstance(value, dict):
        raise http.ApiError(_('cut must be an object: {"line": a GeoJSON LineString, "side": left or right}'), "cut")
    _unknown_keys(value, {"line", "side"}, "cut.")
    side = value.get("side")
    if side not in ("left", "right"):
        raise http.ApiError(_("say which side of the line changed hands: side is left or right (as drawn)"), "cut.side")
    try:
        line = geo.line_from_geojson(value.get("line"))
        ground = ground_cut(map=map_, line=line, side=side)
    except ValueError as exc:
        raise http.ApiError(_("the cut line %(problem)s") % {"problem": exc}, "cut.line") from None
    if geometry is not None:
        ground = geo.union([ground, geo.to_shapely(geometry)])
    return geo.to_geos(ground)


def _places_by_slug(places, slugs: list[str]) -> dict[str, Place]:
    """{slug: place} of the queryset's places among `slugs`, any number of them, a chunk of slugs per query."""
    found: dict[str, Place] = {}
    for start in range(0, len(slugs), SLUG_CHUNK):
        found.update((place.slug, place) for place in places.filter(slug__in=slugs[start : start + SLUG_CHUNK]))
    return found


def _actor(map_: Map, value) -> Actor:
    if not isinstance(value, str) or not value:
        raise http.ApiError(_("a control change needs an actor (its slug)"), "actor")
    actor = Actor.objects.filter(slug=value).first()
    if actor is None:
        raise http.ApiError(_("unknown actor %(actor)s") % {"actor": repr(value)}, "actor")
    if map_.actors.exists() and not map_.actors.filter(pk=actor.pk).exists():
        raise http.ApiError(_("%(actor)s is not an actor of this map") % {"actor": repr(value)}, "actor")
    return actor


def _sources(value) -> list[Source]:
    """Cited sources: existing ones by {"id"}, new ones by their fields (the same article twice is one
    source: services.source_get_or_create)."""
    if not isinstance(value, list) or not value:
        raise http.ApiError(_("a control change needs at least one source"), "sources")
    if len(value) > MAX_SOURCES:
        raise http.ApiError(_("at most %(count)s sources in one change") % {"count": MAX_SOURCES}, "sources")
    sources: list[Source] = []
    for index, item in enumerate(value):
        prefix = f"sources[{index}]."
        if not isinstance(item, dict):
            raise http.ApiError(_("each source must be an object with a title"), f"sources[{index}]")
        _unknown_keys(item, SOURCE_FIELDS, prefix)
        if "id" in item:
            if not isinstance(item["id"], int) or isinstance(item["id"], bool):
                raise http.ApiError(_("a source id must be a number"), f"{prefix}id")
            source = Source.objects.filter(pk=item["id"]).first()
            if source is None:
                raise http.ApiError(_("unknown source %(id)s") % {"id": item["id"]}, f"{prefix}id")
        else:
            try:
                source = services.source_get_or_create(
                    title=_string(item, "title", prefix=prefix),
                    url=_string(item, "url", prefix=prefix),
                    publisher=_string(item, "publisher", prefix=prefix),
                    published=_date(item.get("published"), f"{prefix}published", required=False),
                    quote=_string(item, "quote", prefix=prefix),
                )
            except ValidationError as exc:
                raise _refusal(exc, prefix) from None
        if source not in sources:
            sources.append(source)
    return sources


def _event_ids(value, field: str = "events") -> list[int]:
    """A list of event ids from a JSON body, at most MAX_LINKED, each a number."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(pk, int) and not isinstance(pk, bool) for pk in value):
        raise http.ApiError(_("%(field)s must be a list of event ids (numbers)") % {"field": field}, field)
    if len(value) > MAX_LINKED:
        raise http.ApiError(_("at most %(count)s events") % {"count": MAX_LINKED}, field)
    return list(dict.fromkeys(value))


def _linked_events(map_, value) -> list[Event]:
    """The events a change body names to link (field `events`): each must exist and be of this map."""
    ids = _event_ids(value)
    found = Event.objects.in_bulk(ids)
    for index, pk in enumerate(ids):
        if pk not in found or found[pk].map_id != map_.pk:
            raise http.ApiError(_("no event %(id)s on this map") % {"id": pk}, f"events[{index}]")
    return [found[pk] for pk in ids]


def _change_arguments(map_: Map, body: dict, *, with_sources: bool) -> dict:
    _unknown_keys(body, CHANGE_FIELDS)
    if "date" not in body:
        raise http.ApiError(_("a control change needs a date (YYYY-MM-DD)"), "date")
    geometry = _cut(map_, body.get("cut"), _geometry(body.get("geometry")))
    places = body.get("places")
    on = _date(body["date"], "date")
    # A future date is left to the service, which says so in those words.
    if not map_.start <= on <= map_.end and on <= dt.date.today():
        words = {"date": on.isoformat(), "start": map_.start.isoformat(), "end": map_.end.isoformat()}
        raise http.ApiError(_("date %(date)s is outside this map's dates, %(start)s to %(end)s") % words, "date")
    arguments = {
        "on": on,
        # With a geometry, places are optional (whole zones beside the ground).
        "places": [] if geometry is not None and not places else _places(map_, places),
        "actor": _actor(map_, body.get("actor")),
        "status": _string(body, "status", "held"),
        "confidence": _string(body, "confidence", "medium"),
        "date_precision": _string(body, "date_precision", "day"),
        "title": _string(body, "title"),
        "note": _string(body, "note"),
    }
    if geometry is not None:
        arguments["geometry"] = geometry
        arguments["map"] = map_
    if with_sources:
        arguments["sources"] = _sources(body.get("sources"))
    return arguments


def change_json(change: ControlChange) -> dict:
    return {
        "id": change.pk,
        "date": change.date.isoformat(),
        "date_precision": change.date_precision,
        "places": [place.slug for place in change.places.order_by("slug")],
        "geometry": orjson.Fragment(change.geometry.geojson) if change.geometry is not None else None,
        "actor": change.actor.slug,
        "status": change.status,
        "confidence": change.confidence,
        "title": change.title,
        "note": change.note,
        "review_state": change.review_state,
        "review_note": change.review_note,
        "created_by": change.created_by.get_username() if change.created_by else None,
        "created_at": change.created_at.isoformat(),
        "reviewed_by": change.reviewed_by.get_username() if change.reviewed_by else None,
        "reviewed_at": change.reviewed_at.isoformat() if change.reviewed_at else None,
        "sources": [
            {
                "id": source.pk,
                "url": source.url,
                "title": source.title,
                "publisher": source.publisher,
                "published": source.published.isoformat() if source.published else None,
                "quote": source.quote,
            }
            for source in change.sources.order_by("id")
        ],
        "events": sorted(change.events.values_list("pk", flat=True)),
        "admin_url": reverse("admin:mapapp_controlchange_change", args=[change.pk]),
        # The maps showing the change's places at their data versions after it: read them with ?v= to see it.
        "maps": [
            {"slug": slug, "version": version}
            for slug, version in Map.objects.filter(places__control_changes=change)
            .distinct()
            .order_by("slug")
            .values_list("slug", "data_version")
        ],
    }


def _preview(arguments: dict, *, confidence=None, sources=None) -> dict:
    """What the change would do to the published record (with ground: the zones it covers or splits)."""
    common = {
        "on": arguments["on"],
        "places": arguments["places"],
        "actor": arguments["actor"],
        "status": arguments["status"],
        "confidence": confidence,
        "sources": sources,
    }
    if arguments.get("geometry") is not None:
        return ground_preview(map=arguments["map"], geometry=arguments["geometry"], **common)
    return change_preview(**common)


@write_view
def change_create(request: HttpRequest, user, slug: str) -> HttpResponse:
    """POST /api/v1/maps/<slug>/changes: record one draft change (editors)."""
    _require(user, "mapapp.add_controlchange", _("record control changes"))
    map_ = _map(slug)
    body = _json_body(request)
    try:
        with transaction.atomic():  # new sources and the change are saved together or not at all
            arguments = _change_arguments(map_, body, with_sources=True)
            events = _linked_events(map_, body.get("events"))
            change = services.control_change_record(**arguments, by=user)
            if events:
                services.change_events_link(change=change, events=events)
    except ValidationError as exc:
        raise _refusal(exc) from None
    payload = change_json(change)
    payload["preview"] = _preview(arguments)
    response = http.json_response(payload, status=201)
    response["Location"] = f"/api/v1/changes/{change.pk}"
    return response


@write_view
def change_preview_view(request: HttpRequest, user, slug: str) -> HttpResponse:
    """POST /api/v1/maps/<slug>/changes/preview: what a change would do, without saving it (editors).
    Sources are optional here; when given, an `alters_nothing` change also gets the message saving would."""
    _require(user, "mapapp.add_controlchange", _("record control changes"))
    map_ = _map(slug)
    body = _json_body(request)
    with_sources = bool(body.get("sources"))
    try:
        with transaction.atomic():
            arguments = _change_arguments(map_, body, with_sources=with_sources)
            confidence = arguments["confidence"] if with_sources else None
            preview = _preview(arguments, confidence=confidence, sources=arguments.get("sources"))
            transaction.set_rollback(True)  # a preview never creates sources
    except ValidationError as exc:
        raise _refusal(exc) from None
    if preview["alters_nothing"]:
        touched = [place for place in arguments["places"]] or [
            Place.objects.get(slug=row["place"]) for row in preview["places"]
        ]
        preview["message"] = services.alters_nothing_message(
            on=arguments["on"], places=touched, actor=arguments["actor"], status=arguments["status"]
        )
    return http.json_response(preview)


def _change(change_id: int) -> ControlChange:
    change = ControlChange.objects.select_related("actor", "created_by", "reviewed_by").filter(pk=change_id).first()
    if change is None:
        raise http.ApiError(_("no control change %(id)s") % {"id": change_id}, status=404)
    return change


@write_view
def change_detail(request: HttpRequest, user, change_id: int) -> HttpResponse:
    """GET /api/v1/changes/<id> (editors); PATCH {geometry and/or cut[, map]} gives a draft new ground (editors),
    the drawn ground and the cut's side united as when recording; DELETE withdraws it (reviewers)."""
    if request.method == "GET":
        _require(user, "mapapp.view_controlchange", _("see control changes"))
        return http.json_response(change_json(_change(change_id)))
    if request.method == "PATCH":
        _require(user, "mapapp.change_controlchange", _("edit control changes"))
        change = _change(change_id)
        body = _json_body(request)
        _unknown_keys(body, {"geometry", "cut", "map"})
        if "geometry" not in body and body.get("cut") is None:
            raise http.ApiError(
                _("say the change's new ground: geometry (GeoJSON, or null to remove it) or cut (a line and a side)"),
                "geometry",
            )
        map_ = None
        if body.get("map") is not None:
            map_ = Map.objects.filter(slug=_string(body, "map")).first()
            if map_ is None:
                raise http.ApiError(_("no map %(slug)s") % {"slug": repr(body["map"])}, "map")
        geometry = _geometry(body.get("geometry"))
        if body.get("cut") is not None:
            # A cut needs the zones it cuts: the map named here, or the one the change's ground already splits.
            if (map_ or change.map) is None:
                raise http.ApiError(_("say the map whose zones the line cuts: map"), "map")
            geometry = _cut(map_ or change.map, body["cut"], geometry)
        try:
            change = services.control_change_set_ground(change=change, geometry=geometry, map=map_, by=user)
        except ValidationError as exc:
            raise _refusal(exc) from None
        payload = change_json(change)
        if change.geometry is not None:
            arguments = {
                "on": change.date,
                "places": list(change.places.all()),
                "actor": change.actor,
                "status": change.status,
                "geometry": change.geometry,
                "map": change.map,
            }
            payload["preview"] = _preview(arguments)
        return http.json_response(payload)
    if request.method == "DELETE":
        _require(user, "mapapp.withdraw_controlchange", _("withdraw control changes"))
        change = _change(change_id)
        reason = _string(_json_body(request), "reason")
        try:
            change = services.control_change_withdraw(change=change, by=user, reason=reason)
        except ValidationError as exc:
            raise _refusal(exc) from None
        return http.json_response(change_json(change))
    raise http.ApiError(_("use GET, PATCH or DELETE"), status=405)


def _post_only(request: HttpRequest) -> None:
    if request.method != "POST":
        raise http.ApiError(_("use POST"), status=405)


def _review(request: HttpRequest, user, change_id: int, *, permission: str, action: str, fields: set, act):
    """What the review actions share: POST only, the permission, the change, the body's fields (if it takes any),
    the service `act(change, body)`, and the change as JSON; a service's refusal is a 400 naming its field."""
    _post_only(request)
    _require(user, permission, action)
    change = _change(change_id)
    body = {}
    if fields:
        body = _json_body(request)
        _unknown_keys(body, fields)
    try:
        change = act(change, body)
    except ValidationError as exc:
        raise _refusal(exc) from None
    return http.json_response(change_json(change))


@write_view
def change_publish(request: HttpRequest, user, change_id: int) -> HttpResponse:
    """POST /api/v1/changes/<id>/publish (reviewers)."""
    return _review(
        request,
        user,
        change_id,
        permission="mapapp.publish_controlchange",
        action=_("publish control changes"),
        fields=set(),
        act=lambda change, body: services.control_change_publish(change=change, by=user),
    )


@write_view
def change_reject(request: HttpRequest, user, change_id: int) -> HttpResponse:
    """POST /api/v1/changes/<id>/reject {"reason"} (reviewers)."""
    return _review(
        request,
        user,
        change_id,
        permission="mapapp.reject_controlchange",
        action=_("reject control changes"),
        fields={"reason"},
        act=lambda change, body: services.control_change_reject(change=change, by=user, reason=_string(body, "reason")),
    )


def _restore(change: ControlChange, body: dict, user) -> ControlChange:
    version = body.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise http.ApiError(_("version must be the number of a version in the change's history"), "version")
    return services.control_change_restore(change=change, version_id=version, by=user, reason=_string(body, "reason"))


@write_view
def change_restore(request: HttpRequest, user, change_id: int) -> HttpResponse:
    """POST /api/v1/changes/<id>/restore {"version", "reason"?} (reviewers): back to an earlier version."""
    return _review(
        request,
        user,
        change_id,
        permission="mapapp.restore_controlchange",
        action=_("restore earlier versions of control changes"),
        fields={"version", "reason"},
        act=lambda change, body: _restore(change, body, user),
    )


@write_view
def change_history(request: HttpRequest, user, change_id: int) -> HttpResponse:
    """GET /api/v1/changes/<id>/history (editors): every version, newest first: who, when, why, what."""
    if request.method != "GET":
        raise http.ApiError(_("use GET"), status=405)
    _require(user, "mapapp.view_controlchange", _("see control changes"))
    change = _change(change_id)
    versions = []
    for version in change.history.select_related("history_user", "actor").order_by("-history_date", "-history_id"):
        versions.append(
            {
                "version": version.history_id,
                "at": version.history_date.isoformat(),
                "by": version.history_user.get_username() if version.history_user else None,
                "reason": version.history_change_reason or "",
                "type": {"+": "created", "~": "changed", "-": "deleted"}[version.history_type],
                "date": version.date.isoformat(),
                "actor": version.actor.slug,
                "status": version.status,
                "confidence": version.confidence,
                "review_state": version.review_state,
                "places": sorted(row.place.slug for row in version.places.select_related("place")),
                "sources": sorted(row.source_id for row in version.sources.all()),
            }
        )
    return http.json_response({"id": change.pk, "versions": versions})


@kept  # its GET (api.changes) is a kept read (mapapp/answers.py); the hook looks only at GET and HEAD
@csrf_exempt
def map_changes(request: HttpRequest, slug: str) -> HttpResponse:
    """/api/v1/maps/<slug>/changes: GET lists the published changes (public), POST records a draft."""
    if request.method == "POST":
        return change_create(request, slug)
    return api.changes(request, slug)


@write_view
def changes_publish(request: HttpRequest, user) -> HttpResponse:
    """POST /api/v1/changes/publish {"ids": [...]} (reviewers): publish them all in one transaction, or none."""
    _post_only(request)
    _require(user, "mapapp.publish_controlchange", _("publish control changes"))
    body = _json_body(request)
    _unknown_keys(body, {"ids"})
    ids = body.get("ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise http.ApiError(_("ids must be a list of control change ids (numbers)"), "ids")
    ids = list(dict.fromkeys(ids))
    changes = ControlChange.objects.select_related("actor").in_bulk(ids)
    for index, change_id in enumerate(ids):
        if change_id not in changes:
            raise http.ApiError(_("no control change %(id)s") % {"id": change_id}, f"ids[{index}]")
    published = []
    with versioning.bumps_held():  # one transaction, and each map's data version moves once for all of them
        for index, change_id in enumerate(ids):
            try:
                published.append(services.control_change_publish(change=changes[change_id], by=user))
            except ValidationError as exc:
                transaction.set_rollback(True)
                message = _refusal(exc).message
                raise http.ApiError(
                    _("control change %(id)s: %(message)s") % {"id": change_id, "message": message}, f"ids[{index}]"
                ) from None
    return http.json_response({"published": [change.pk for change in published]})
