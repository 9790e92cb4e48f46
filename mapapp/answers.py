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

A view takes part by carrying the `kept` decorator. The middleware sits late in settings.MIDDLEWARE (its hook
runs after URL resolution), so the headers the outer middleware adds (CORS, CSP, Vary: Accept-Language) are the
same on both paths; it sets Vary: Accept-Encoding itself and gives a compressed body its headers and weak
ETag through mapapp/compression.py's `encoded`, as that middleware does for answers it compresses.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

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
        content_type = response["Content-Type"]
        cache, base = _cache(), _base(row, request.get_full_path())
        cache.write(Path(base + _SUFFIX[None]), _pack(content_type, body))
        chosen = choose_coding(request.headers.get("Accept-Encoding", ""))
        send = None
        if len(body) >= MIN_LENGTH:
            for coding in ("br", "gzip"):
                packed = compress(body, coding)
                if len(packed) < len(body):
                    cache.write(Path(base + _SUFFIX[coding]), _pack(content_type, packed))
                    if coding == chosen:
                        send = packed
        patch_vary_headers(response, ("Accept-Encoding",))
        return encoded(response, send, chosen) if send is not None else response
