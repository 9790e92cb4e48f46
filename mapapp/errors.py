"""The site's 404 and 500 handlers (mapapp.urls): JSON under /api/, the embed's frameable error page under
/embed/, Django's ordinary pages elsewhere. Their own module, above both the API and the embed views, so
neither of those has to import the other."""

from __future__ import annotations

import sys

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from django.views.defaults import server_error as default_server_error

from mapapp.embed_views import embed_not_found
from mapapp.lib.http import error_response
from mapapp.middleware import database_busy_response, is_database_busy


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """404 handler: JSON under /api/, the embed's frameable error page under /embed/, the ordinary page elsewhere."""
    if request.path.startswith("/api/"):
        return error_response(f"no such resource: {request.path}", status=404)
    if request.path.startswith("/embed/"):
        return embed_not_found(request)
    return page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    # A lock met outside a view (a middleware's query): the same 503 as DatabaseBusyMiddleware gives a view's.
    if is_database_busy(sys.exc_info()[1]):
        return database_busy_response(request)
    if request.path.startswith("/api/"):
        return error_response("internal error; it has been logged", status=500)
    return default_server_error(request)


def login_locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer to a login refused after too many wrong passwords (settings.AXES_LOCKOUT_CALLABLE):
    429 with Retry-After, on the admin's own page, saying when to try again and who can lift it sooner."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    context = {
        **admin.site.each_context(request),
        "title": _("Too many failed logins"),
        "minutes": (seconds + 59) // 60,
        "limit": settings.AXES_FAILURE_LIMIT,
    }
    response = render(request, "admin/locked_out.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response
