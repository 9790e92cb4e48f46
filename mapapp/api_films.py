"""Films for readers, from the Share / Embed dialog (mapapp/services/films.py):

- POST /api/v1/maps/<slug>/films {"from", "to", "step"?, "format"?, "lang"?, "theme"?}: a film of the public map.
  200 {"state": "done", "url"} when that film of the current record exists; 202 {"state", "job", "status_url"}
  when it is being made (by this request or an earlier one). Films made, not those read, count against
  RATE_LIMIT_FILMS per client an hour (429 with Retry-After), like the server-drawn pictures.
- GET /api/v1/films/<job>: how far the film's job is ({"state", "done", "total", "message", "error"}, and
  "url" once done). "stale" when the record changed while it was drawn: ask again.
- GET /maps/<slug>/films/<name>: the film file (an attachment), only while it is the film of the current record.

No login: films are of public maps, for anyone; no cookie is read, so no CSRF check either.
"""

from __future__ import annotations

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from mapapp.lib import ratelimit
from mapapp.lib.http import ApiError, json_response, only
from mapapp.lib.params import DateFormatError, UnrealDateError, parse_date
from mapapp.models import Job, JobState, Map
from mapapp.services import films, jobs

FIELDS = {"from", "to", "step", "format", "lang", "theme"}
CONTENT_TYPES = {"gif": "image/gif", "mp4": "video/mp4"}


def _map(slug: str) -> Map:
    map_ = Map.objects.public().filter(slug=slug).first()
    if map_ is None:
        raise ApiError(f"no map {slug!r}", status=404)
    return map_


def _body(request: HttpRequest) -> dict:
    try:
        body = orjson.loads(request.body or b"{}")
    except orjson.JSONDecodeError:
        raise ApiError("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError("the body must be a JSON object")
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        raise ApiError(f"unknown field {unknown[0]!r} (allowed: {', '.join(sorted(FIELDS))})", unknown[0])
    for name, value in body.items():
        if not isinstance(value, str) or "\x00" in value or len(value) > 20:
            raise ApiError(f"{name} must be a short text", name)
    return body


def _day(body: dict, name: str, default):
    if name not in body:
        return default
    try:
        return parse_date(body[name])
    except DateFormatError:
        raise ApiError(f"{name} must be a date written YYYY-MM-DD, got {body[name]!r}", name) from None
    except UnrealDateError:
        raise ApiError(f"{name} {body[name]!r} is not a real date", name) from None


def _film_url(map_: Map, name: str) -> str:
    return reverse("film-file", args=[map_.slug, name])


def _status_url(job: Job) -> str:
    return reverse("api-film-status", args=[job.pk])


def _job_answer(job: Job, status: int = 202) -> HttpResponse:
    return json_response({"state": job.state, "job": job.pk, "status_url": _status_url(job)}, status=status)


@csrf_exempt
@only("POST")
def film_request(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        map_ = _map(slug)
        body = _body(request)
        asked = films.FilmRequest(
            slug=map_.slug,
            first=_day(body, "from", map_.start),
            last=_day(body, "to", map_.end),
            step=body.get("step", "week"),
            format=body.get("format", "gif"),
            lang=body.get("lang", "en"),
            theme=body.get("theme", "light"),
        )
        try:
            films.film_check(map=map_, request=asked)
        except ValidationError as error:
            field, messages = next(iter(error.message_dict.items()))
            raise ApiError(messages[0], field) from None
        name = films.film_name(map=map_, request=asked)
        if films.film_path(map=map_, name=name) is not None:
            return json_response({"state": "done", "url": _film_url(map_, name)})
        running = films.film_job(map=map_, name=name)
        if running is not None:
            return _job_answer(running)
        wait = ratelimit.over_limit(
            scope="films", client=ratelimit.client_of(request), limit=settings.RATE_LIMIT_FILMS, window=ratelimit.HOUR
        )
        if wait:
            raise ApiError(
                f"too many new films made for your address (at most {settings.RATE_LIMIT_FILMS} an hour); "
                f"try again in {ratelimit.wait_text(wait)}",
                status=429,
                retry_after=wait,
            )
        return _job_answer(films.film_start(map=map_, request=asked))
    except ApiError as error:
        return error.response()


@only("GET")
def film_status(request: HttpRequest, job_id: int) -> HttpResponse:
    job = Job.objects.filter(pk=job_id, kind=films.KIND).first()
    if job is None:
        return ApiError(f"no film job {job_id}", status=404).response()
    status = jobs.job_status(job=job)
    answer = {key: status.get(key) for key in ("state", "done", "total", "message", "error")}
    if job.state == JobState.FAILED:
        answer["error"] = job.error or "the film could not be made"
    if job.state == JobState.DONE:
        map_ = Map.objects.public().filter(slug=job.params.get("slug")).first()
        name = (job.report or {}).get("name", "")
        if map_ is not None and films.film_path(map=map_, name=name) is not None:
            answer["url"] = _film_url(map_, name)
            answer["frames"] = job.report.get("frames")
            answer["bytes"] = job.report.get("bytes")
        elif map_ is not None and job.params.get("version") == map_.data_version:
            # Made of the record as it stands, and since removed to keep the films' folder under FILM_CACHE_MB.
            answer["state"] = "stale"
            answer["error"] = "the film was removed to make room for newer ones; ask for it again"
        else:
            answer["state"] = "stale"
            answer["error"] = "the map's record changed while the film was made; ask for it again"
    response = json_response(answer)
    response["Cache-Control"] = "no-store"
    return response


@only("GET")
def film_file(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    map_ = Map.objects.public().filter(slug=slug).first()
    path = films.film_path(map=map_, name=name) if map_ is not None else None
    if path is None:
        raise Http404("no such film of the map as it stands now")
    films.film_downloaded(path)
    response = FileResponse(
        path.open("rb"), as_attachment=True, filename=name, content_type=CONTENT_TYPES[path.suffix.lstrip(".")]
    )
    response["Cache-Control"] = "public, max-age=3600"
    return response
