"""Compressed answers: brotli or gzip, whichever the client prefers among those it accepts.

JSON and GeoJSON answers are large and repetitive (a 3,000-zone /geometry is 2 MB, a tenth of that gzipped),
so every text answer of the application is compressed when the client says it can read it, with
`Vary: Accept-Encoding` so a shared cache keeps one copy per encoding. Static files are not handled here:
whitenoise serves their compressed copies, made once by collectstatic.

BREACH: a page that carries a secret (the CSRF token in an admin or editor form) and reflects something the
attacker chose could leak the secret through its compressed length. Such answers, the ones for which Django
made or used a CSRF token in this request, are sent uncompressed. This middleware sits after
CsrfViewMiddleware in settings.MIDDLEWARE, so it sees the answer before that middleware clears its flag.
"""

from __future__ import annotations

import gzip
import re

import brotli
from django.conf import settings
from django.utils.cache import patch_vary_headers

# Content types worth compressing: text and the structured data the API sends. PNG pictures are compressed
# already.
COMPRESSIBLE = re.compile(
    r"^(?:text/|application/(?:json|geo\+json|javascript|xml|schema\+json|geopackage\+sqlite3)|image/svg\+xml)"
)
MIN_LENGTH = 200  # below this the headers cost more than the bytes saved
BROTLI_QUALITY = 5  # of 11: on a 2 MB GeoJSON as small as gzip -9 in a fraction of its time
GZIP_LEVEL = 6
_CODING = re.compile(r"\s*([a-zA-Z0-9*-]+)\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*")


def accepted_codings(header: str) -> dict[str, float]:
    """Accept-Encoding as {coding: q}; a coding with q=0 is refused. `*` stands for the codings not named."""
    codings: dict[str, float] = {}
    for part in header.split(","):
        match = _CODING.fullmatch(part)
        if not match:
            continue
        try:
            quality = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        codings[match.group(1).lower()] = quality
    return codings


def choose_coding(header: str) -> str | None:
    """ "br" or "gzip" (brotli first at equal preference: smaller), or None to send the answer as it is."""
    codings = accepted_codings(header)
    star = codings.get("*", 0.0)
    best, best_q = None, 0.0
    for coding in ("br", "gzip"):
        quality = codings.get(coding, star)
        if quality > best_q:
            best, best_q = coding, quality
    return best


def compress(body: bytes, coding: str) -> bytes:
    if coding == "br":
        return brotli.compress(body, quality=BROTLI_QUALITY)
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


class CompressionMiddleware:
    """Compress text answers with brotli or gzip when accepted; never a page carrying a CSRF token."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.streaming or response.has_header("Content-Encoding"):
            return response
        if "Range" in request.headers or response.has_header("Content-Range"):
            # Ranges are cut from the identity body (mapapp/ranges.py, inside this middleware) and Content-Range
            # counts its bytes: compressing the part would break both, so a Range request is answered uncompressed.
            return response
        if not COMPRESSIBLE.match(response.get("Content-Type", "")):
            return response
        if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or settings.CSRF_COOKIE_NAME in response.cookies:
            # BREACH: a CSRF token was used for this answer. Django sets the flag when a template or view asks
            # for the token, and sends the cookie with every answer that asked (the flag is cleared by then
            # where a view's own csrf_protect, as the admin's, sent it already).
            return response
        # The answer could be compressed, so a cache must tell clients apart by what they accept, whether or not
        # this one accepts anything (and a 304's headers say the same as the 200 they stand for).
        patch_vary_headers(response, ("Accept-Encoding",))
        if len(response.content) < MIN_LENGTH:
            return response
        coding = choose_coding(request.headers.get("Accept-Encoding", ""))
        if coding is None:
            return response
        compressed = compress(response.content, coding)
        if len(compressed) >= len(response.content):
            return response
        return encoded(response, compressed, coding)


def encoded(response, body: bytes, coding: str):
    """`response` carrying `body`, the answer compressed with `coding` (also by mapapp/answers.py, which keeps its
    compressed bytes)."""
    response.content = body
    response["Content-Length"] = str(len(body))
    response["Content-Encoding"] = coding
    etag = response.get("ETag")
    if etag and etag.startswith('"'):
        # The bytes differ from the identity answer's: the same tag now means "the same meaning" (weak), as
        # Django's GZipMiddleware does. If-None-Match compares weakly, so a 304 still answers it.
        response["ETag"] = "W/" + etag
    return response
