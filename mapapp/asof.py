"""The record as the public saw it at a moment: `?as_of=<ISO 8601 timestamp>` on the map's reads, its page and
its picture, and each map's publication delay (Map.publish_delay_hours) on everything the public reads of it.

What the public saw at T is, for every control change, its latest version saved at or before T (django-simple-
history keeps them all, with their places and sources), public if that version was published; sieges, their
besieging actors, sources, places and supplies likewise. The control periods are derived from those changes by
the rules of mapapp.services.periods.

Every read works from the current tables, so rather than teach each read a second way of reading, the read runs
unchanged while each SELECT it sends is given common table expressions named like the tables it reads
(`WITH "mapapp_controlchange" AS (SELECT ... FROM "mapapp_historicalcontrolchange" ...), ... SELECT ...`): in
PostgreSQL and SQLite a WITH name hides the table of that name within the statement. Nothing is written, so it
runs on a read replica (mapapp/routers.py), inside a read-only transaction, and takes no write lock on SQLite;
every answer (zones, geometry, topology and history, fronts, sieges, pockets, changes, timeline, area, exports,
the page, the picture) is the same code's answer about the older record.

A delay moves T back by that many hours for the public (reviewers, with the publish permission, see it at once).
An answer made this way gets an ETag of its own body and a short cache life: it changes as a delay runs out,
without the map's data version moving.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import re
from collections.abc import Callable

from django.apps import apps
from django.db import connections
from django.db.models import Max, Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from mapapp import routers
from mapapp.lib.http import REVALIDATE, error_response, etag_of
from mapapp.models import (
    ControlChange,
    ControlPeriod,
    DatePrecision,
    Map,
    ReviewState,
    Siege,
    SiegePlace,
    SiegeSupply,
)

READS = re.compile(
    r"^/(?:api/v1/maps/(?P<api>[-a-zA-Z0-9_]+)/(?:zones|geometry|topology|history|fronts|sieges|pockets|changes|timeline|"
    r"stats/area|export)|ogc/collections/(?P<ogc>[-a-zA-Z0-9_]+)/items(?:/[0-9]+)?|maps/(?P<page>[-a-zA-Z0-9_]+)/"
    r"|embed/(?P<picture>[-a-zA-Z0-9_]+)/image\.png)$"
)

# Reads that take no `as_of` (their own rows, the events, are not versioned) but show what the delay holds back:
# the events' popups name their linked control changes, which the delay applies to like any other read of them.
DELAYED_READS = re.compile(r"^/api/v1/maps/[-a-zA-Z0-9_]+/events(?:/days)?$")


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
    """Whether any version of the map's changes or sieges (their places and supplies) was saved after `cutoff`
    (else the record then is the record now, and the read runs as it is). At most six small queries."""
    version_places = apps.get_model("mapapp", "HistoricalControlChange_places")
    zone_ids = map.places.values("pk")
    change_ids = version_places.objects.filter(place_id__in=zone_ids).values("history__id")
    # And the changes that cover zones now without a version saying so: a part's, inherited from its whole.
    covering = ControlChange.places.through.objects.filter(place_id__in=zone_ids).values("controlchange_id")
    if ControlChange.history.filter(Q(id__in=change_ids) | Q(id__in=covering), history_date__gt=cutoff).exists():
        return True
    siege_ids = set(SiegePlace.history.filter(place_id__in=zone_ids).values_list("siege_id", flat=True))
    siege_ids |= set(SiegePlace.objects.filter(place_id__in=zone_ids).values_list("siege_id", flat=True))
    return (
        Siege.history.filter(id__in=siege_ids, history_date__gt=cutoff).exists()
        or SiegePlace.history.filter(siege_id__in=siege_ids, history_date__gt=cutoff).exists()
        or SiegeSupply.history.filter(siege_id__in=siege_ids, history_date__gt=cutoff).exists()
    )


# --- The record at a moment, in SQL -------------------------------------------------------------------------
#
# Whole-row versions (Siege, ControlChange): the rows are those of each object's latest version at or before T,
# unless that version is a deletion; their many-to-many rows are the ones simple-history copied with that version.
# Row-by-row versions (SiegePlace, SiegeSupply): likewise, and rows written without a version of their creation
# (before they were versioned; a split zone's parts inherit their sieges by bulk_create) stand as they are now,
# unless a version saved by then says otherwise; such a row deleted since is not seen. ControlPeriod is derived as
# control_periods_rebuild() derives it.

_SHADOWED = re.compile(
    r"\b(?:mapapp_controlchange(?:_places|_sources)?|mapapp_controlperiod|mapapp_siege(?:_besieging_actors|_sources)?"
    r"|mapapp_siegeplace|mapapp_siegesupply)\b"
)


def _columns(model, q) -> str:
    return ", ".join(q(field.column) for field in model._meta.concrete_fields)


class _RecordSql:
    """The WITH list that stands for the record at `cutoff` on one database connection."""

    def __init__(self, connection, cutoff: dt.datetime):
        self.q = connection.ops.quote_name
        self.postgres = connection.vendor == "postgresql"
        if self.postgres:
            self.moment = f"'{cutoff.astimezone(dt.UTC).isoformat()}'::timestamptz"
            with connection.cursor() as cursor:  # the schema the tables are in, for the real tables' names
                cursor.execute("SELECT current_schema()")
                self.schema = self.q(cursor.fetchone()[0])
        else:  # SQLite keeps date-times as UTC text, compared as text (Django's own form of them)
            self.moment = f"'{connection.ops.adapt_datetimefield_value(cutoff)}'"
            self.schema = "main"
        self.parts: list[str] = []
        self._whole(ControlChange, "asof_change_versions")
        self._whole(Siege, "asof_siege_versions")
        self._rows(SiegePlace)
        self._rows(SiegeSupply)
        self._periods()
        self.sql = ",\n".join(self.parts)

    def _latest(self, history_model, name: str) -> None:
        """`name`: the latest version (history_id, id, history_type) of each object at or before the cutoff.
        PostgreSQL's DISTINCT ON, whose row count its planner estimates well (it joins the record's tables by hash
        then, where a window's filter left it guessing a handful of rows and looping); SQLite's window."""
        q = self.q
        hid, oid, when, kind = q("history_id"), q("id"), q("history_date"), q("history_type")
        table = q(history_model._meta.db_table)
        if self.postgres:
            latest = (
                f"SELECT DISTINCT ON ({oid}) {hid}, {oid}, {kind} FROM {table} WHERE {when} <= {self.moment} "
                f"ORDER BY {oid}, {when} DESC, {hid} DESC"
            )
        else:
            latest = (
                f"SELECT {hid}, {oid}, {kind} FROM (SELECT {hid}, {oid}, {kind}, ROW_NUMBER() OVER (PARTITION BY "
                f"{oid} ORDER BY {when} DESC, {hid} DESC) AS asof_nth FROM {table} WHERE {when} <= {self.moment}) "
                f"asof_ranked WHERE asof_nth = 1"
            )
        self.parts.append(
            f"{name} AS MATERIALIZED (SELECT {hid}, {oid}, {kind} FROM ({latest}) asof_latest WHERE {kind} <> '-')"
        )

    def _whole(self, model, versions: str) -> None:
        q = self.q
        history = model.history.model
        self._latest(history, versions)
        self.parts.append(
            f"{q(model._meta.db_table)} AS MATERIALIZED (SELECT {_columns(model, q)} FROM {q(history._meta.db_table)} "
            f"WHERE {q('history_id')} IN (SELECT {q('history_id')} FROM {versions}))"
        )
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            if not through._meta.auto_created:
                continue  # an explicit through model (SiegePlace) is versioned row by row
            copied = apps.get_model(model._meta.app_label, f"{history.__name__}_{field.name}")
            own = through._meta.get_field(field.m2m_field_name()).column
            other = through._meta.get_field(field.m2m_reverse_field_name()).column
            # Rows written without a version (the parts a zone is split into inherit its changes by bulk_create:
            # mapapp/services/parts.py) stand as they are wherever their change stood then, unless a version
            # saved by then says otherwise. (A row added to a change by an edit after the cutoff, where that edit
            # added a part of a zone split before it, cannot be told from one inherited: it stands too.)
            copies, history_table = q(copied._meta.db_table), q(history._meta.db_table)
            self.parts.append(
                f"{q(through._meta.db_table)} AS MATERIALIZED (SELECT asof_m2m.{q('m2m_history_id')} AS {q('id')}, "
                f"asof_v.{q('id')} AS {q(own)}, asof_m2m.{q(other)} AS {q(other)} "
                f"FROM {copies} asof_m2m JOIN {versions} asof_v "
                f"ON asof_v.{q('history_id')} = asof_m2m.{q('history_id')} "
                f"UNION ALL SELECT asof_now.{q('id')}, asof_now.{q(own)}, asof_now.{q(other)} "
                f"FROM {self.schema}.{q(through._meta.db_table)} asof_now "
                f"WHERE asof_now.{q(own)} IN (SELECT {q('id')} FROM {versions}) "
                f"AND NOT EXISTS (SELECT 1 FROM {copies} asof_c "
                f"JOIN {history_table} asof_hv ON asof_hv.{q('history_id')} = asof_c.{q('history_id')} "
                f"WHERE asof_c.{q(own)} = asof_now.{q(own)} AND asof_c.{q(other)} = asof_now.{q(other)} "
                f"AND asof_hv.{q('history_date')} <= {self.moment}))"
            )

    def _rows(self, model) -> None:
        q = self.q
        history = model.history.model
        versions = f"asof_{model._meta.model_name}_versions"
        self._latest(history, versions)
        columns = _columns(model, q)
        self.parts.append(
            f"{q(model._meta.db_table)} AS MATERIALIZED (SELECT {columns} FROM {q(history._meta.db_table)} "
            f"WHERE {q('history_id')} IN (SELECT {q('history_id')} FROM {versions}) "
            f"UNION ALL SELECT {columns} FROM {self.schema}.{q(model._meta.db_table)} asof_now "
            f"WHERE NOT EXISTS (SELECT 1 FROM {q(history._meta.db_table)} asof_h "
            f"WHERE asof_h.{q('id')} = asof_now.{q('id')} "
            f"AND (asof_h.{q('history_date')} <= {self.moment} OR asof_h.{q('history_type')} = '+')))"
        )

    def _periods(self) -> None:
        """control_periods_rebuild()'s rules in SQL: a place's published changes by date, the last recorded of a
        day winning; each in effect until the place's next one; held_since and since_before from the first period
        of the unbroken run of the same actor and status."""
        q = self.q
        place, change, day = q("place_id"), q("change_id"), q("day")
        actor, status, precision = q("actor_id"), q("status"), q("date_precision")
        by_place = f"PARTITION BY {place} ORDER BY {day}"
        through = ControlChange.places.through._meta.db_table
        published = f"c.{q('review_state')} = '{ReviewState.PUBLISHED}'"
        marked = (
            f"FROM {q(through)} p JOIN {q(ControlChange._meta.db_table)} c ON c.{q('id')} = p.{q('controlchange_id')} "
            f"WHERE {published}"
        )
        columns = f"p.{place}, c.{q('id')} AS {change}, c.{q('date')} AS {day}, c.{actor}, c.{status}, c.{precision}"
        if self.postgres:  # the last recorded change of a place and day (DISTINCT ON: see _latest)
            marks = (
                f"SELECT DISTINCT ON (p.{place}, c.{q('date')}) {columns} {marked} "
                f"ORDER BY p.{place}, c.{q('date')}, c.{q('id')} DESC"
            )
        else:
            marks = (
                f"SELECT {place}, {change}, {day}, {actor}, {status}, {precision} FROM (SELECT {columns}, "
                f"ROW_NUMBER() OVER (PARTITION BY p.{place}, c.{q('date')} ORDER BY c.{q('id')} DESC) AS asof_nth "
                f"{marked}) asof_ranked WHERE asof_nth = 1"
            )
        self.parts += [
            f"asof_marks AS MATERIALIZED ({marks})",
            f"asof_steps AS MATERIALIZED (SELECT {place}, {change}, {day}, {actor}, {status}, {precision}, "
            f"LEAD({day}) OVER ({by_place}) AS {q('valid_to')}, "
            f"CASE WHEN LAG({actor}) OVER ({by_place}) = {actor} AND LAG({status}) OVER ({by_place}) = {status} "
            f"THEN 0 ELSE 1 END AS asof_opens FROM asof_marks)",
            f"asof_runs AS MATERIALIZED (SELECT asof_steps.*, "
            f"SUM(asof_opens) OVER ({by_place} ROWS UNBOUNDED PRECEDING) AS asof_run FROM asof_steps)",
            f"{q(ControlPeriod._meta.db_table)} AS MATERIALIZED (SELECT "
            f"ROW_NUMBER() OVER (ORDER BY {place}, {day}) AS {q('id')}, "
            f"{place}, {actor}, {status}, {day} AS {q('valid_from')}, {q('valid_to')}, "
            f"MIN({day}) OVER (PARTITION BY {place}, asof_run) AS {q('held_since')}, "
            f"MAX(CASE WHEN asof_opens = 1 AND {precision} = '{DatePrecision.BEFORE}' THEN 1 ELSE 0 END) "
            f"OVER (PARTITION BY {place}, asof_run) = 1 AS {q('since_before')}, {change} FROM asof_runs)",
        ]


def with_record(sql: str, record: str) -> str:
    """`sql` (a SELECT, or a WITH ... SELECT) reading `record`'s tables in place of the real ones."""
    head = sql.lstrip()
    start = head[:15].upper()
    if start.startswith("WITH RECURSIVE"):
        return f"WITH RECURSIVE {record},\n{head[len('WITH RECURSIVE') :].lstrip()}"
    if re.match(r"WITH\s", start):
        return f"WITH {record},\n{head[4:].lstrip()}"
    if start.startswith("SELECT") or start.startswith("("):
        return f"WITH {record}\n{head}"
    return sql  # not a read: left alone (a read-only transaction or replica refuses it)


class _Shadow:
    """An execute wrapper (Django's connection.execute_wrapper) giving each SELECT that reads the record the
    record at the cutoff. Its SQL is made on the first such statement, once per connection and request."""

    def __init__(self, connection, cutoff: dt.datetime):
        self.connection = connection
        self.cutoff = cutoff
        self.record: str | None = None

    def __call__(self, execute, sql, params, many, context):
        if many or not _SHADOWED.search(sql):
            return execute(sql, params, many, context)
        if self.record is None:
            self.record = _RecordSql(self.connection, self.cutoff).sql
        return execute(with_record(sql, self.record), params, many, context)


_CUTOFF: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar("asof_cutoff", default=None)


@contextlib.contextmanager
def record_at(cutoff: dt.datetime):
    """Within: every read of every database sees the record as it stood at `cutoff` (see the module doc)."""
    token = _CUTOFF.set(cutoff)
    try:
        with contextlib.ExitStack() as stack:
            # The replica too, where one is registered at run time rather than in settings.DATABASES.
            aliases = {*connections, *([routers.REPLICA] if routers.has_replica() else [])}
            for alias in sorted(aliases):
                connection = connections[alias]
                stack.enter_context(connection.execute_wrapper(_Shadow(connection, cutoff)))
            yield
    finally:
        _CUTOFF.reset(token)


def active() -> bool:
    """Whether the read in progress sees the record at a moment (inside record_at). Reads of tables derived
    without history (front segments, pocket pieces: mapapp.services.fronts) work from the periods instead."""
    return _CUTOFF.get() is not None


def record_key() -> str:
    """Inside record_at: a name for the record read (the last version, at or before the cutoff, of each kind of
    versioned row), which moves only when that record does; for caches keyed otherwise by the data version (the
    map's picture). Outside: ""."""
    cutoff = _CUTOFF.get()
    if cutoff is None:
        return ""
    last = [
        model.history.filter(history_date__lte=cutoff).aggregate(last=Max("history_id"))["last"]
        for model in (ControlChange, Siege, SiegePlace, SiegeSupply)
    ]
    return ":as-of:" + ":".join(str(value or 0) for value in last)


def _may_see_unpublished_delay(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated and user.has_perm("mapapp.publish_controlchange"))


# Whether the read in progress already sees the record it should (no delay to apply, or applied already), or a
# function that tells (whether the reader may see past the delay), asked only when the map has a delay: asking
# reads the session, which makes every answer Vary on Cookie and would keep shared caches from holding any public
# read. Outside a request (commands, tests calling the API's helpers) nothing is held back.
_SETTLED: contextvars.ContextVar[bool | Callable[[], bool]] = contextvars.ContextVar("asof_settled", default=True)


class RecordHeldBack(Exception):
    """Raised by the API's map lookup (mapapp.api.get_map) for a map with a publication delay when the read has not
    yet been put back to what the public may see; the middleware catches it and runs the read again so. A map
    without a delay, and every read without one, costs no query more than before."""

    def __init__(self, map_: Map):
        super().__init__(map_.slug)
        self.map = map_


def hold_back(map_: Map) -> None:
    if not map_.publish_delay_hours:
        return
    settled = _SETTLED.get()
    if callable(settled):
        settled = settled()
    if not settled:
        raise RecordHeldBack(map_)


class AsOfMiddleware:
    """Serves `as_of` and the publication delay on the map's reads (see the module doc). Late in MIDDLEWARE:
    inside RangeMiddleware, so ranges cut the answer as finally made."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        match = READS.match(request.path)
        if request.method not in ("GET", "HEAD") or not (match or DELAYED_READS.match(request.path)):
            return self.get_response(request)
        if "as_of" not in request.GET or not match:
            # A delay is found by the view's own lookup of the map (hold_back), not by a query here.
            token = _SETTLED.set(lambda: _may_see_unpublished_delay(request))
            try:
                return self.get_response(request)
            finally:
                _SETTLED.reset(token)
        slug = match["api"] or match["ogc"] or match["page"] or match["picture"]
        map_ = Map.objects.public().filter(slug=slug).first()
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
        with record_at(cutoff):
            response = read()
        if response.status_code != 200 or response.streaming:
            return response
        etag = etag_of(hashlib.sha256(response.content).hexdigest())
        if if_none_match and etag in if_none_match:
            response = HttpResponse(status=304)
        response["ETag"] = etag
        response["Cache-Control"] = REVALIDATE
        return response

    def _without_as_of(self, request):
        """The read itself, without as_of among its parameters (the reads refuse parameters they do not know)."""
        if "as_of" in request.GET:
            query = request.GET.copy()
            del query["as_of"]
            request.GET = query
        return self.get_response(request)
