"""The record as the public saw it at a moment: `?as_of=<ISO 8601 timestamp>` on the map's reads and its page, and
each map's publication delay (Map.publish_delay_hours) on everything the public reads of it.

What the public saw at T is, for every control change, its latest version saved at or before T (django-simple-
history keeps them all), public if that version was published; sieges likewise. Every read works from the
current rows (control changes, their places and sources, the derived control periods, sieges), so rather than
teach each read a second way of reading, the middleware puts the rows back as they were at T inside a
transaction, lets the read run unchanged, and rolls the transaction back: nothing is written, and every answer
(zones, geometry and history, fronts, sieges, pockets, changes, timeline, area, exports, the page) is the same
code's answer about the older record. Sieges' places and supplies are not versioned, so those stay as they are.

A delay moves T back by that many hours for the public (reviewers, with the publish permission, see it at once).
An answer made this way gets an ETag of its own body and a short cache life: it changes as a delay runs out,
without the map's data version moving.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import re
from collections import defaultdict

from django.apps import apps
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from gazetteer.models import Place
from mapapp.lib.http import error_response, etag_of
from mapapp.models import ControlChange, Map, ReviewState, Siege, SiegePlace, SiegeSupply
from mapapp.services import control_periods_rebuild

READS = re.compile(
    r"^/(?:api/v1/maps/(?P<api>[-a-zA-Z0-9_]+)/(?:zones|geometry|history|fronts|sieges|pockets|changes|timeline|"
    r"stats/area|export)|ogc/collections/(?P<ogc>[-a-zA-Z0-9_]+)/items(?:/[0-9]+)?|maps/(?P<page>[-a-zA-Z0-9_]+)/)$"
)


class AsOfError(ValueError):
    pass


def parse_as_of(raw: str) -> dt.datetime:
    """An ISO 8601 date-time (UTC when it names no offset), or a date: the end of that day, UTC."""
    text = raw.strip()
    try:
        day = parse_date(text) if len(text) == 10 else None
        moment = None if day else parse_datetime(text)
    except ValueError:
        raise AsOfError(f"as_of {raw[:40]!r} is not a real date and time") from None
    if moment is None and day is None:
        raise AsOfError(f"as_of must be an ISO 8601 timestamp like 2017-02-01T12:00:00Z, got {raw[:40]!r}")
    if moment is None:
        moment = dt.datetime.combine(day, dt.time.max)
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def _versions_after(map: Map, cutoff: dt.datetime) -> bool:
    """Whether any version of the map's changes or sieges was saved after `cutoff` (else the record then is the
    record now). Two queries."""
    version_places = apps.get_model("mapapp", "HistoricalControlChange_places")
    zone_ids = map.places.values("pk")
    change_ids = version_places.objects.filter(place_id__in=zone_ids).values("history__id")
    if ControlChange.history.filter(id__in=change_ids, history_date__gt=cutoff).exists():
        return True
    siege_ids = SiegePlace.objects.filter(place_id__in=zone_ids).values("siege_id")
    return Siege.history.filter(id__in=siege_ids, history_date__gt=cutoff).exists()


_CHANGE_FIELDS = ["date", "date_precision", "actor_id", "status", "confidence", "title", "note", "review_state"]
_SIEGE_FIELDS = ["name_en", "name_ar", "besieged_actor_id", "start", "start_precision", "end", "note", "review_state"]


def _latest(versions) -> dict[int, object]:
    latest: dict[int, object] = {}
    for version in versions.order_by("history_date", "history_id"):
        latest[version.id] = version
    return latest


def record_as_at(*, map: Map, cutoff: dt.datetime) -> None:
    """Put the map's control changes (fields, places, sources), sieges and derived periods back as they stood at
    `cutoff`. Only inside a transaction that is rolled back afterwards (see the module doc)."""
    assert transaction.get_connection().in_atomic_block, "record_as_at rewrites rows: roll them back"
    # Rewriting rows moves the maps' data versions (mapapp/versioning.py's signals, the periods' rebuild); the read
    # must see the versions clients hold, or a ?v= read would be sent on to a version that is rolled back.
    data_versions = dict(Map.objects.values_list("pk", "data_version"))
    version_places = apps.get_model("mapapp", "HistoricalControlChange_places")
    version_sources = apps.get_model("mapapp", "HistoricalControlChange_sources")
    places_through = ControlChange.places.through
    sources_through = ControlChange.sources.through
    zone_ids = set(map.places.values_list("pk", flat=True))
    change_ids = set(version_places.objects.filter(place_id__in=zone_ids).values_list("history__id", flat=True))
    change_ids |= set(places_through.objects.filter(place_id__in=zone_ids).values_list("controlchange_id", flat=True))
    latest = _latest(ControlChange.history.filter(id__in=change_ids, history_date__lte=cutoff))
    touched = set(zone_ids) | set(
        places_through.objects.filter(controlchange_id__in=change_ids).values_list("place_id", flat=True)
    )
    changes = []
    for change in ControlChange.objects.filter(pk__in=change_ids):
        version = latest.get(change.pk)
        if version is None:  # not yet recorded then
            change.review_state = ReviewState.DRAFT
        else:
            for name in _CHANGE_FIELDS:
                setattr(change, name, getattr(version, name))
        changes.append(change)
    ControlChange.objects.bulk_update(changes, _CHANGE_FIELDS)
    chosen = {version.history_id: change_id for change_id, version in latest.items()}
    places: dict[int, list[int]] = defaultdict(list)
    for history_id, place_id in version_places.objects.filter(history_id__in=chosen).values_list(
        "history_id", "place_id"
    ):
        places[chosen[history_id]].append(place_id)
    sources: dict[int, list[int]] = defaultdict(list)
    for history_id, source_id in version_sources.objects.filter(history_id__in=chosen).values_list(
        "history_id", "source_id"
    ):
        sources[chosen[history_id]].append(source_id)
    places_through.objects.filter(controlchange_id__in=latest).delete()
    places_through.objects.bulk_create(
        places_through(controlchange_id=change_id, place_id=place_id)
        for change_id, ids in places.items()
        for place_id in set(ids)
    )
    sources_through.objects.filter(controlchange_id__in=latest).delete()
    sources_through.objects.bulk_create(
        sources_through(controlchange_id=change_id, source_id=source_id)
        for change_id, ids in sources.items()
        for source_id in set(ids)
    )
    touched |= {place_id for ids in places.values() for place_id in ids}
    control_periods_rebuild(places=list(Place.objects.filter(pk__in=touched)))

    siege_ids = set(SiegePlace.objects.filter(place_id__in=zone_ids).values_list("siege_id", flat=True))
    siege_latest = _latest(Siege.history.filter(id__in=siege_ids, history_date__lte=cutoff))
    sieges = []
    for siege in Siege.objects.filter(pk__in=siege_ids):
        version = siege_latest.get(siege.pk)
        if version is None:
            siege.review_state = ReviewState.DRAFT
        else:
            for name in _SIEGE_FIELDS:
                setattr(siege, name, getattr(version, name))
        sieges.append(siege)
    Siege.objects.bulk_update(sieges, _SIEGE_FIELDS)
    # Supplies are versioned one row at a time (a siege's update deletes and recreates them): those alive at the
    # cutoff come back; rows from before supplies were versioned have no history and stay as they are.
    versioned_ids = set(SiegeSupply.history.filter(siege_id__in=siege_ids).values_list("id", flat=True))
    alive = [
        version
        for version in _latest(SiegeSupply.history.filter(siege_id__in=siege_ids, history_date__lte=cutoff)).values()
        if version.history_type != "-"
    ]
    SiegeSupply.objects.filter(pk__in=versioned_ids).delete()
    SiegeSupply.objects.bulk_create(
        SiegeSupply(id=v.id, siege_id=v.siege_id, method=v.method, start=v.start, end=v.end, note=v.note) for v in alive
    )
    for pk, version in Map.objects.values_list("pk", "data_version"):
        if version != data_versions.get(pk, version):
            Map.objects.filter(pk=pk).update(data_version=data_versions[pk])


def _may_see_unpublished_delay(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated and user.has_perm("mapapp.publish_controlchange"))


# Whether the read in progress already sees the record it should (no delay to apply, or applied already). Outside
# a request (commands, tests calling the API's helpers) nothing is held back.
_SETTLED: contextvars.ContextVar[bool] = contextvars.ContextVar("asof_settled", default=True)


class RecordHeldBack(Exception):
    """Raised by the API's map lookup (mapapp.api.get_map) for a map with a publication delay when the read has not
    yet been put back to what the public may see; the middleware catches it and runs the read again so. A map
    without a delay, and every read without one, costs no query more than before."""

    def __init__(self, map_: Map):
        super().__init__(map_.slug)
        self.map = map_


def hold_back(map_: Map) -> None:
    if map_.publish_delay_hours and not _SETTLED.get():
        raise RecordHeldBack(map_)


class AsOfMiddleware:
    """Serves `as_of` and the publication delay on the map's reads (see the module doc). Late in MIDDLEWARE:
    inside RangeMiddleware, so ranges cut the answer as finally made."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        match = READS.match(request.path)
        if not match or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        if "as_of" not in request.GET:
            # A delay is found by the view's own lookup of the map (hold_back), not by a query here.
            token = _SETTLED.set(_may_see_unpublished_delay(request))
            try:
                return self.get_response(request)
            finally:
                _SETTLED.reset(token)
        map_ = Map.objects.public().filter(slug=match["api"] or match["ogc"] or match["page"]).first()
        if map_ is None:
            return self._without_as_of(request)
        try:
            asked = parse_as_of(request.GET["as_of"])
        except AsOfError as error:
            if not match["page"]:
                return error_response(str(error), "as_of")
            request.as_of_problem = str(error)  # the page opens today's record and says why
            return self._without_as_of(request)
        request.as_of = asked
        token = _SETTLED.set(True)
        try:
            return self._remade(request, map_, asked, lambda: self._without_as_of(request))
        finally:
            _SETTLED.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        request.asof_view = (view_func, view_args, view_kwargs)

    def process_exception(self, request, exception):
        if not isinstance(exception, RecordHeldBack):
            return None
        view_func, view_args, view_kwargs = request.asof_view
        token = _SETTLED.set(True)
        try:
            return self._remade(request, exception.map, None, lambda: view_func(request, *view_args, **view_kwargs))
        finally:
            _SETTLED.reset(token)

    def _remade(self, request, map_: Map, asked: dt.datetime | None, read):
        """The read as the public saw the record at `asked` (default now), less the map's delay."""
        now = timezone.now()
        try:
            cutoff = min(asked or now, now) - dt.timedelta(hours=map_.publish_delay_hours or 0)
        except OverflowError:  # a moment in the first hours of year 1, less the delay: before anything
            cutoff = dt.datetime.min.replace(tzinfo=dt.UTC)
        if not _versions_after(map_, cutoff):
            return read()
        if_none_match = request.META.pop("HTTP_IF_NONE_MATCH", None)
        with transaction.atomic():
            record_as_at(map=map_, cutoff=cutoff)
            response = read()
            transaction.set_rollback(True)
        if response.status_code != 200 or response.streaming:
            return response
        etag = etag_of(hashlib.sha256(response.content).hexdigest())
        if if_none_match and etag in if_none_match:
            response = HttpResponse(status=304)
        response["ETag"] = etag
        response["Cache-Control"] = "public, max-age=60"
        return response

    def _without_as_of(self, request):
        """The read itself, without as_of among its parameters (the reads refuse parameters they do not know)."""
        if "as_of" in request.GET:
            query = request.GET.copy()
            del query["as_of"]
            request.GET = query
        return self.get_response(request)
