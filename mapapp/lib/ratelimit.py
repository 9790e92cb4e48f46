"""Per-client rate limits, counted in Django's cache (docs/contract.md, "Rate limits").

The counters live in the cache, so with CACHE_URL pointing to Redis they hold across app servers; with the
default per-process memory cache each process counts alone. A limit is a number of uses per fixed window
(a minute or an hour, by the setting); 0 turns it off. Over the limit the answer is 429 with Retry-After (the
seconds until the window ends) and a message saying what was limited and when to try again.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from mapapp.lib.http import ApiError

MINUTE = 60
HOUR = 3600


def client_of(request: HttpRequest) -> str:
    """Who is counted: the client's address as the server sees it (the proxy's, unless the proxy sets
    REMOTE_ADDR from X-Forwarded-For, as gunicorn behind a trusted proxy does)."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def _key(scope: str, client: str, window: int, now: int) -> tuple[str, int]:
    start = now - now % window
    return f"ratelimit:{scope}:{client}:{start}", start + window - now


def over_limit(*, scope: str, client: str, limit: int, window: int, count: bool = True) -> int | None:
    """Count one use of `scope` by `client`; the seconds to wait when that use is over `limit` in this window,
    else None. count=False only looks: the seconds to wait when `limit` uses are already spent (for failures,
    counted after the fact: a client that has failed `limit` times waits)."""
    if limit <= 0:
        return None
    key, remaining = _key(scope, client, window, int(time.time()))
    if count:
        cache.add(key, 0, timeout=window + 1)
        try:
            used = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window + 1)
            used = 1
    else:
        used = cache.get(key, 0) + 1  # the use about to be made
    return max(1, remaining) if used > limit else None


def too_many(retry_after: int, message: str, field: str | None = None) -> HttpResponse:
    """429 with Retry-After and {"error": message, "field"?}."""
    return ApiError(message, field, status=429, retry_after=retry_after).response()


def wait_text(seconds: int) -> str:
    return f"{seconds} second(s)" if seconds < 120 else f"{(seconds + 59) // 60} minute(s)"
