"""The project's own middleware: the language from ?lang=, and CORS on the public reads."""

import re

from django.conf import settings
from django.http import HttpResponse
from django.utils import translation


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
    show the message), of /oembed, of the pictures, the feeds and OGC API Features (/ogc/), and on POST
    /api/v1/places/match (a read). Never with
    credentials: cookies are not sent, so the editors' endpoints (/api/v1/changes/..., POST and DELETE) see no
    login and refuse, and a preflight for them gets no CORS headers. ETag and Content-Disposition are readable.
    """

    PATHS = re.compile(
        r"^/(?:api/v1/(?!changes/)|oembed$|embed/[-a-zA-Z0-9_]+/image\.png$|ogc/|maps/[-a-zA-Z0-9_]+/feed\.(?:atom|json)$)"
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
