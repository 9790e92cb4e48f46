"""Public reads from the read replica, everything else from the primary.

With DATABASE_REPLICA_URL set (settings.DATABASES["replica"], a streaming replica of the primary), the reads of
an anonymous GET or HEAD of a public address (the read API, map pages, embeds, oEmbed, pictures) go to the
replica; writes, the editors' pages and API, the admin, and every read outside a request (commands, the
shell) go to the primary. Without a replica everything is the primary.

A replica lags the primary by a moment. A reader who asks for `?v=N` has seen version N somewhere (a page
rendered after a publish, another app server): when the replica's copy of the map is older than N, the request
is answered from the primary (`read_from_primary`), so a publish is visible at once everywhere
(mapapp.api.get_map does this check). Without `?v=` an answer may be as old as the replica's lag, which the
public answers' one-minute max-age allows anyway.
"""

from __future__ import annotations

import contextvars
import re

from django.conf import settings

REPLICA = "replica"
PRIMARY = "default"

# Set per request by ReplicaReadsMiddleware: the alias reads of this request use, and the data version the
# reader asked for (?v=), if any.
_read_alias: contextvars.ContextVar[str] = contextvars.ContextVar("read_alias", default=PRIMARY)
_asked_version: contextvars.ContextVar[int | None] = contextvars.ContextVar("asked_version", default=None)
_VERSION = re.compile(r"^[0-9]{1,9}$")

PUBLIC_READS = re.compile(r"^/(?:api/v1/(?!changes/)|maps/|embed/|oembed$|$)")


def has_replica() -> bool:
    return REPLICA in settings.DATABASES


def read_alias() -> str:
    return _read_alias.get()


def replica_behind(version: int | None) -> bool:
    """True when this request reads from the replica and the reader asked (?v=) for a data version newer than
    `version`, the replica's copy (None: the replica has no such map yet)."""
    asked = _asked_version.get()
    if _read_alias.get() != REPLICA or asked is None:
        return False
    return version is None or asked > version


def read_from_primary() -> None:
    """The rest of this request reads from the primary (the replica has not yet seen what the reader asks)."""
    _read_alias.set(PRIMARY)


class ReplicaRouter:
    """Django database router: reads where the request allows, writes and migrations on the primary."""

    def db_for_read(self, model, **hints):
        return _read_alias.get()

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: objects from either may be related

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


class ReplicaReadsMiddleware:
    """Lets the reads of a public GET/HEAD by a reader who is not logged in go to the replica."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        alias = PRIMARY
        if (
            has_replica()
            and request.method in ("GET", "HEAD")
            and PUBLIC_READS.match(request.path)
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
        ):
            alias = REPLICA
        raw = request.GET.get("v", "")
        token = _read_alias.set(alias)
        asked = _asked_version.set(int(raw) if _VERSION.match(raw) else None)
        try:
            return self.get_response(request)
        finally:
            _asked_version.reset(asked)
            _read_alias.reset(token)
