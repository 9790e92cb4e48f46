"""The project's own middleware: the language from ?lang=, CORS on the public reads, and a 503 when the database
stays locked."""

import re

from django.conf import settings
from django.db import OperationalError
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext

from mapapp.lib.http import error_response

# Seconds a client is asked to wait after a 503 for a busy database: a few writers' transactions.
BUSY_RETRY_AFTER = 5
# PostgreSQL's SQLSTATEs for a lock it gave up on: deadlock_detected, lock_not_available.
POSTGRES_LOCK_STATES = {"40P01", "55P03"}


class QueryLanguageMiddleware:
    """?lang=ar (or en) chooses the interface language for that request, so a shared link opens in the language
    the reader was using. Runs after django.middleware.locale.LocaleMiddleware and overrides its choice; a value
    that is not one of settings.LANGUAGES is ignored (the page opens in the negotiated language)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        lang = request.GET.get("lang")
        if lang in self.languages:
            translation.activate(lang)
            request.LANGUAGE_CODE = lang
        return self.get_response(request)


class PublicReadCorsMiddleware:
    """Lets pages of any origin read what anyone may read, with fetch() (CORS): the read API, oEmbed and the map
    pictures. A newsroom's own chart or an analyst's notebook in the browser calls the API directly.

    `Access-Control-Allow-Origin: *` on every answer of GET and HEAD under /api/v1/ (errors too, so a script can
    show the message), of /oembed, of the pictures, the films, the feeds and OGC API Features (/ogc/), and on POST
    /api/v1/places/match (a read). Never with
    credentials: cookies are not sent, so the editors' endpoints (/api/v1/changes/..., POST and DELETE) see no
    login and refuse, and a preflight for them gets no CORS headers. ETag and Content-Disposition are readable.
    """

    PATHS = re.compile(
        r"^/(?:api/v1/(?!changes/)|oembed$|embed/[-a-zA-Z0-9_]+/image\.png$|ogc/|maps/[-a-zA-Z0-9_]+/(?:feed\.(?:atom|json)|films/[^/]+)$)"
    )
    READ_POSTS = {"/api/v1/places/match"}
    EXPOSED = "ETag, Content-Disposition"

    def __init__(self, get_response):
        self.get_response = get_response

    def _methods(self, path: str) -> list[str]:
        return ["GET", "HEAD", "POST"] if path in self.READ_POSTS else ["GET", "HEAD"]

    def __call__(self, request):
        if not self.PATHS.match(request.path):
            return self.get_response(request)
        methods = self._methods(request.path)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            response = HttpResponse(status=204)
            if request.headers["Access-Control-Request-Method"] in methods:
                response["Access-Control-Allow-Origin"] = "*"
                response["Access-Control-Allow-Methods"] = ", ".join(methods)
                response["Access-Control-Allow-Headers"] = "Content-Type, If-None-Match"
                response["Access-Control-Max-Age"] = "86400"
            return response
        response = self.get_response(request)
        if request.method in methods:
            response["Access-Control-Allow-Origin"] = "*"
            response["Access-Control-Expose-Headers"] = self.EXPOSED
        return response


def is_database_busy(exc: BaseException | None) -> bool:
    """Whether an exception means "another writer holds the lock, try again": SQLite's "database is locked"
    after its busy timeout, or PostgreSQL's deadlock and lock-timeout errors. Nothing was written (the
    transaction rolled back), so the same request may simply be sent again."""
    if not isinstance(exc, OperationalError):
        return False
    message = str(exc).lower()
    if "database is locked" in message or "database table is locked" in message:
        return True
    return getattr(exc.__cause__, "sqlstate", None) in POSTGRES_LOCK_STATES


def database_busy_response(request) -> HttpResponse:
    message = gettext("The database is busy with other writes; nothing was saved. Try again in a few seconds.")
    if request.path.startswith("/api/"):
        response = error_response(message, status=503)
    else:
        response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(BUSY_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseBusyMiddleware:
    """A request that met a lock it could not wait out answers 503 with Retry-After, not 500: the write was
    rolled back whole and trying again will work. SQLite queues writers for SQLITE_BUSY_TIMEOUT seconds first
    (settings); several editors writing all day is the point to move to PostGIS (README). Errors raised outside
    the view (a middleware's own query) reach mapapp.errors.server_error, which answers the same way."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_busy(exception):
            return database_busy_response(request)
        return None
