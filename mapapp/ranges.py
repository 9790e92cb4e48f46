"""HTTP Range requests (RFC 9110 section 14) on the answers to GET: GDAL's /vsicurl/ reads a GeoPackage or a
GeoJSON over HTTP in byte ranges, and refuses a server that does not say `Accept-Ranges: bytes`.

One range per request (`bytes=a-b`, `bytes=a-`, `bytes=-n`), which is what GDAL and browsers ask for; a request
for several ranges is answered with the whole body (200), as the RFC allows. A range that starts past the end
gets 416 with `Content-Range: bytes */<length>`. `If-Range` with an ETag or a date that no longer matches gets the
whole body. Only complete 200 answers that are not streamed are cut; everything else passes through.

It sits below any compression middleware (later in MIDDLEWARE), so ranges count the bytes of the identity body,
and a 206 is never compressed (Django's GZipMiddleware leaves all but 200 alone).
"""

from __future__ import annotations

import re

from django.utils.http import parse_http_date_safe

_SINGLE_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def byte_range(header: str, length: int) -> tuple[int, int] | None | str:
    """(first, last) inclusive for a single satisfiable range; None when the header is not one range we serve
    (the whole body is sent); "unsatisfiable" when it asks for bytes past the end."""
    match = _SINGLE_RANGE.match(header.replace(" ", ""))
    if not match or (not match[1] and not match[2]):
        return None
    if not match[1]:  # the last n bytes
        suffix = int(match[2])
        if suffix == 0:
            return "unsatisfiable"
        return max(0, length - suffix), length - 1
    first = int(match[1])
    last = int(match[2]) if match[2] else None
    if last is not None and last < first:
        return None  # not a valid range: ignored, as the RFC says
    if first >= length:
        return "unsatisfiable"
    last = length - 1 if last is None else last
    return first, min(last, length - 1)


def _if_range_holds(request, response) -> bool:
    condition = request.headers.get("If-Range")
    if condition is None:
        return True
    if condition.startswith('"'):
        return condition == response.get("ETag")  # a strong comparison; weak ETags never match
    asked = parse_http_date_safe(condition)
    modified = parse_http_date_safe(response.get("Last-Modified", ""))
    return asked is not None and modified is not None and modified <= asked


class RangeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in ("GET", "HEAD") or response.status_code != 200 or response.streaming:
            return response
        if response.has_header("Content-Encoding"):
            return response
        response["Accept-Ranges"] = "bytes"
        header = request.headers.get("Range")
        if not header or not _if_range_holds(request, response):
            return response
        body = response.content
        wanted = byte_range(header, len(body))
        if wanted is None:
            return response
        if wanted == "unsatisfiable":
            response.status_code = 416
            response.content = b""
            response["Content-Range"] = f"bytes */{len(body)}"
            return response
        first, last = wanted
        response.status_code = 206
        response.content = body[first : last + 1]
        response["Content-Range"] = f"bytes {first}-{last}/{len(body)}"
        response["Content-Length"] = str(last - first + 1)
        return response
