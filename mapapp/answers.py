"""Answers kept as bytes: a map's read answers are built once per data version and then served from files.

Every read of a map's data (zones, geometry, history, timeline, changes, fronts, sieges, pockets, area, events)
only changes when the map's data version moves (mapapp/versioning.py). So the first 200 answer to a query at a
version is kept under the cache folder (ANSWER_CACHE_DIR), identity, brotli and gzip, and every later request for
the same query at the same version is answered from those bytes: no ORM, no building, no compressing. A request
whose If-None-Match holds the answer's ETag gets its 304 the same way.

What a kept answer costs is one indexed query for the map's row (id, slug, version, delay), by raw SQL on the
request's database connection (kept open: DATABASE_CONN_MAX_AGE), then a file read. That query is what keeps a
kept answer true: the version comes from the record itself, on every request, so an edit made through any app
server is seen by every other at once, and the key never outlives what it says. (A version cached in memory or
in Redis would save that query but could be stale for a moment after a publish; we do not trade that.)

Keys are the map's row, its version and the moment of its last bump (`updated_at`, moved with the version), and
the request's full path: so a database restored from a backup or made again, where a version number may come
round twice, never meets an answer made for another record. The first file of a new version removes the old
version's folder; the folder is capped at ANSWER_CACHE_MB, least recently used out first (mapapp/lib/filecache.py).

What is never kept or answered from here, and goes to the view as before: a map with a publication delay (what
the public sees there moves with the clock, mapapp/asof.py), `?as_of=`, a Range request (mapapp/ranges.py cuts
the identity body), a `?v=` other than the current version (the view redirects), a read the replica cannot yet
answer (mapapp/routers.py), and every answer but a 200.

Built ahead: a bump of a map's version asks, once it commits, for a background task (build_ahead_task, run by
`manage.py db_worker`) that builds the reads the viewer makes as it opens the map (first_reads), through the same
views and the same keeping; the map page preloads the ones it waits for. So the first reader after a publish is
served stored bytes instead of waiting for them to be built (see the end of this module).

A view takes part by carrying the `kept` decorator. The middleware sits late in settings.MIDDLEWARE (its hook
runs after URL resolution), so the headers the outer middleware adds (CORS, CSP, Vary: Accept-Language) are the
same on both paths; it sets Vary: Accept-Encoding itself and gives a compressed body its headers and weak
ETag through mapapp/compression.py's `encoded`, as that middleware does for answers it compresses.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.db import connections, transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import resolve, reverse
from django.utils.cache import patch_vary_headers
from django_tasks import task

from mapapp import routers, versioning
from mapapp.compression import MIN_LENGTH, choose_coding, compress, encoded
from mapapp.lib.filecache import VersionedFileCache
from mapapp.lib.http import IMMUTABLE, REVALIDATE
from mapapp.models import Map

_SUFFIX = {None: "id", "br": "br", "gzip": "gz"}


def kept(view):
    """Mark a read view of a map (taking `slug`, answering through mapapp.api.versioned) whose 200 answers may be
    kept per data version and served as bytes."""
    view.kept_answer = True
    return view


class MapRow(NamedTuple):
    """What a key needs of a map: versioning.etag reads pk, slug and data_version."""

    pk: int
    slug: str
    data_version: int
    stamp: str  # updated_at, moved with every bump
    delay: int


_CACHES: dict[tuple[str, int], VersionedFileCache] = {}


def _cache() -> VersionedFileCache:
    where, size = str(settings.ANSWER_CACHE_DIR), settings.ANSWER_CACHE_MB
    cache = _CACHES.get((where, size))
    if cache is None:
        # Hits may come by the thousand a second: the order the size cap evicts by need be no finer than a minute.
        cache = _CACHES[(where, size)] = VersionedFileCache(Path(where), size * 1024 * 1024, mark_every_s=60)
    return cache


# The most recently served answers, also held in this process's memory: a hit then costs no file read. Safe for
# the same reason as the files: a path names the map's data version and the moment of its bump, read from the
# record on every request, so an edit makes every held answer unreachable. Per process, least recently used out.
_MEMORY_LIMIT = 32 * 1024 * 1024
_MEMORY: OrderedDict[str, bytes] = OrderedDict()
_MEMORY_LOCK = threading.Lock()
_memory_bytes = 0


def forget_memory() -> None:
    """Drop the answers this process holds in memory (the files stay): for tests whose rolled-back record gives a
    later test the same map, version and moment, and so the same paths."""
    global _memory_bytes
    with _MEMORY_LOCK:
        _MEMORY.clear()
        _memory_bytes = 0


def _read(cache: VersionedFileCache, path: str) -> bytes | None:
    global _memory_bytes
    with _MEMORY_LOCK:
        data = _MEMORY.get(path)
        if data is not None:
            _MEMORY.move_to_end(path)
            return data
    data = cache.read(path)
    if data is None or len(data) > _MEMORY_LIMIT // 8:
        return data
    with _MEMORY_LOCK:
        if path not in _MEMORY:
            _MEMORY[path] = data
            _memory_bytes += len(data)
            while _memory_bytes > _MEMORY_LIMIT:
                _memory_bytes -= len(_MEMORY.popitem(last=False)[1])
    return data


_SQL: dict[str, str] = {}


def _map_row(slug: str) -> MapRow | None:
    """The public map's row, from the database this request reads (the replica for public reads), by one raw query
    on the driver's own connection: the ORM's compiling, and even Django's cursor wrapper, cost more than the rest
    of a kept answer (12 µs against 40 on SQLite). `updated_at` comes as text: a stamp, not a date to convert.
    Any trouble with the connection (a first request, a dropped one) goes through Django's cursor, which opens,
    checks and reports as usual."""
    connection = connections[routers.read_alias()]
    sql = _SQL.get(connection.vendor)
    if sql is None:
        mark = "?" if connection.vendor == "sqlite" else "%s"
        sql = _SQL[connection.vendor] = (
            "SELECT id, slug, data_version, CAST(updated_at AS TEXT), publish_delay_hours "
            f"FROM {Map._meta.db_table} WHERE slug = {mark} AND is_public"
        )
    row = None
    # Django's cursor where queries are being logged (DEBUG, a test counting them), so none goes unseen.
    raw = connection.connection if not (connection.needs_rollback or connection.queries_logged) else None
    if raw is not None:
        try:
            raw_cursor = raw.cursor()
            try:
                raw_cursor.execute(sql, [slug])
                row = raw_cursor.fetchone()
            finally:
                raw_cursor.close()
        except Exception:  # noqa: BLE001 (any driver's error): asked again through Django, which handles it
            raw = None
    if raw is None:
        with connection.cursor() as cursor:
            cursor.execute(sql.replace("?", "%s"), [slug])
            row = cursor.fetchone()
    if row is None:
        return None
    pk, slug, version, stamp, delay = row
    return MapRow(pk, slug, version, str(stamp), delay)


def _base(row: MapRow, full_path: str) -> str:
    """The kept files' path for this request without the coding's suffix (a string: pathlib costs more here)."""
    stamp = hashlib.blake2b(row.stamp.encode(), digest_size=6).hexdigest()
    query = hashlib.blake2b(full_path.encode(), digest_size=16).hexdigest()
    return f"{_cache().root}/{row.pk}-{row.slug}/v{row.data_version}-{stamp}/{query}."


def _answer(body: bytes, content_type: str, coding: str | None, etag: str, cache_control: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    patch_vary_headers(response, ("Accept-Encoding",))
    return encoded(response, body, coding) if coding else response


def _pack(content_type: str, body: bytes) -> bytes:
    return content_type.encode() + b"\n" + body


def _unpack(data: bytes) -> tuple[str, bytes]:
    head, _newline, body = data.partition(b"\n")
    return head.decode(), body


class KeptAnswersMiddleware:
    """Answer a kept view's repeated request from its bytes (see the module doc); keep a first answer's bytes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        pending = getattr(request, "_kept_answer", None)
        if pending is None or response.status_code != 200 or response.streaming:
            return response
        if response.has_header("Content-Encoding") or response.get("ETag") != pending["etag"]:
            return response  # made some other way than the kept path expects: leave it be
        return self._keep(request, response, pending)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if not getattr(view_func, "kept_answer", False) or request.method not in ("GET", "HEAD"):
            return None
        # Headers read from META: request.headers would build a dict of every header first, per request.
        meta = request.META
        if "as_of" in request.GET or "HTTP_RANGE" in meta or "slug" not in view_kwargs:
            return None
        row = _map_row(view_kwargs["slug"])
        if row is None or row.delay or routers.replica_behind(row.data_version):
            return None  # unknown map (the view's 404), a delayed map, or a replica behind the reader
        asked = request.GET.get("v")
        if asked is not None and asked != str(row.data_version):
            return None  # an old version is redirected, a malformed one refused, by the view
        full_path = request.get_full_path()
        etag = versioning.etag(row, full_path)
        cache_control = IMMUTABLE if asked is not None else REVALIDATE
        if etag in meta.get("HTTP_IF_NONE_MATCH", ""):
            response = HttpResponse(status=304)
            response["ETag"] = etag
            response["Cache-Control"] = cache_control
            return response
        coding = choose_coding(meta.get("HTTP_ACCEPT_ENCODING", ""))
        cache, base = _cache(), _base(row, full_path)
        data = _read(cache, base + _SUFFIX[coding]) if coding else None
        if data is None:
            data = _read(cache, base + _SUFFIX[None])
            coding = None
        if data is None:
            request._kept_answer = {"row": row, "etag": etag, "cache_control": cache_control}
            return None
        content_type, body = _unpack(data)
        return _answer(body, content_type, coding, etag, cache_control)

    def _keep(self, request: HttpRequest, response: HttpResponse, pending: dict) -> HttpResponse:
        """Write the identity answer and its brotli and gzip copies (each only where it is smaller), and send the
        client the one it prefers, compressed once here rather than again by the compression middleware."""
        row, body = pending["row"], response.content
        chosen = choose_coding(request.headers.get("Accept-Encoding", ""))
        written = _keep_bytes(row, request.get_full_path(), response["Content-Type"], body)
        patch_vary_headers(response, ("Accept-Encoding",))
        send = written.get(chosen) if chosen and written else None
        return encoded(response, send, chosen) if send is not None else response


def _keep_bytes(row: MapRow, full_path: str, content_type: str, body: bytes) -> dict[str, bytes] | None:
    """Keep `body`, made for `row`'s version, as the answer to `full_path`: identity, and brotli and gzip where
    they are smaller. Returns the compressed bodies kept, by coding (None when nothing was kept).

    Kept only if the map's row still says what it said before the answer was built (the same version and moment):
    an edit committed while the body was being read could have given it some of the new record, which must never
    be filed under the old version. The bump is written in the edit's own transaction, so a row unchanged after
    the build means every read of the build saw the record of that version and no later one."""
    if _map_row(row.slug) != row:
        return None
    cache, base = _cache(), _base(row, full_path)
    cache.write(Path(base + _SUFFIX[None]), _pack(content_type, body))
    written = {}
    if len(body) >= MIN_LENGTH:
        for coding in ("br", "gzip"):
            packed = compress(body, coding)
            if len(packed) < len(body):
                cache.write(Path(base + _SUFFIX[coding]), _pack(content_type, packed))
                written[coding] = packed
    return written


# --- Built ahead: the answers a viewer asks for first, made by the worker when the version moves --------------
#
# A kept answer is built by the first request for it; on a big map that first reader waited seconds for
# /topology, /history and the rest to be built (issue #15: 7.6 s of a 9.6 s cold page at 10,000 zones). Every bump
# of a map's data version (mapapp/versioning.py) therefore asks, once its transaction commits, for a task that
# builds the reads a viewer makes as it opens the map, through the same views and the same keeping as a request,
# so the first reader after a publish is served stored bytes. The task is idempotent (an answer already kept is
# left alone) and reads the map's row afresh: a task left behind by a later bump builds the latest version, and
# the tasks after it find their work done.


def first_reads(map_: Map) -> list[str]:
    """The kept reads the map page and the embed make as they open `map_` at its current version, as the browser
    writes them (static/js/viewer/api.js; its `?v=` first): the zones as arcs, the history and the timeline, which
    the page waits for, then the day summary's fronts and sieges at the day it opens on (summary.js). The events
    layer starts switched off and asks for nothing until the reader turns it on."""
    version = f"?v={map_.data_version}"
    day = min(max(map_.default_date, map_.start), map_.end).isoformat()
    path = lambda name: reverse(name, kwargs={"slug": map_.slug})  # noqa: E731
    return [
        path("api-topology") + version,
        path("api-history") + version,
        path("api-timeline") + version,
        path("api-fronts") + version + f"&date={day}",
        path("api-sieges") + version + f"&date={day}",
    ]


def build_ahead(map_ids: list[int] | None = None) -> int:
    """Build and keep the first reads (first_reads) of the public maps `map_ids` (every public map when None) at
    their current versions, each unless it is kept already. Maps with a publication delay are skipped: their
    answers are never kept. Returns the number of answers built."""
    maps = Map.objects.public().filter(publish_delay_hours=0).defer("area").order_by("pk")
    if map_ids is not None:
        maps = maps.filter(pk__in=list(map_ids))
    return sum(_build_map_ahead(map_) for map_ in maps)


def _build_map_ahead(map_: Map) -> int:
    built = 0
    row = _map_row(map_.slug)
    if row is None or row.delay or row.data_version != map_.data_version:
        return 0  # changed since it was read: the task its bump asked for builds that version
    for full_path in first_reads(map_):
        base = _base(row, full_path)
        if os.path.exists(base + _SUFFIX[None]):
            continue  # kept already (by a reader, or an earlier task)
        path, _mark, query = full_path.partition("?")
        request = HttpRequest()
        request.method = "GET"
        request.path = request.path_info = path
        request.META = {"REQUEST_METHOD": "GET", "QUERY_STRING": query, "SERVER_NAME": "build-ahead"}
        request.GET = QueryDict(query)
        match = resolve(path)
        response = match.func(request, *match.args, **match.kwargs)
        if response.status_code != 200 or response.get("ETag") != versioning.etag(row, full_path):
            continue  # not an answer the kept path would keep (the map changed under it: a later task's)
        if _keep_bytes(row, full_path, response["Content-Type"], response.content) is None:
            break  # the version moved while building: the task its bump asked for builds the new one
        built += 1
    return built


@task()
def build_ahead_task(map_ids: list[int] | None) -> int:
    """The worker's side of build_ahead, enqueued after a bump commits (mapapp/versioning.py)."""
    return build_ahead(map_ids)


class _AheadOnCommit:
    """The maps bumped in one transaction, asked for in one task when it commits."""

    def __init__(self) -> None:
        self.map_ids: set[int] = set()
        self.every_map = False
        self.asked = False  # once run, bumps join no more (a test's captured callbacks stay in the list)

    def __call__(self) -> None:
        self.asked = True
        build_ahead_task.enqueue(None if self.every_map else sorted(self.map_ids))


def build_ahead_after_commit(map_ids: list[int] | None) -> None:
    """Ask for the first reads of `map_ids` (every map when None) to be built once the current transaction commits
    (at once outside one): never inside the writer's transaction, whose record the worker cannot see yet, and
    never for a bump that is rolled back. The bumps made at one level of savepoints share one task: a callback
    registered under the same savepoints is run or dropped with this bump, whatever happens to them."""
    connection = transaction.get_connection()
    pending = None
    if connection.in_atomic_block:
        level = set(connection.savepoint_ids)
        pending = next(
            (
                func
                for sids, func, _robust in connection.run_on_commit
                if isinstance(func, _AheadOnCommit) and not func.asked and sids == level
            ),
            None,
        )
    ask = pending is None
    if ask:
        pending = _AheadOnCommit()
    if map_ids is None:
        pending.every_map = True
    else:
        pending.map_ids.update(map_ids)
    if ask:
        # robust: the write has committed; a queue that cannot take the task only means the first reader builds
        transaction.on_commit(pending, robust=True)


def build_ahead_on_bump(sender, map_ids: list[int] | None, **kwargs) -> None:
    """versioning.data_version_bumped's receiver (connected in MapappConfig.ready)."""
    build_ahead_after_commit(map_ids)
