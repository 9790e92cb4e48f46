"""Films for readers (the Share / Embed dialog): a timelapse of a public map (mapapp.timelapse) made as a
background job (docs/architecture.md, "Background jobs"), kept as a file per map, data version and request, and
offered for download.

A film is named by what it shows: the map, its data version, the range, the step, the format, the size, the
language and the theme (`film_name`). A finished one is a file under settings.FILM_CACHE_DIR/<slug>/v<version>/;
a write to the map moves its version, so a film of the old record is never offered again (its folder goes when
the next film of the map is written). Asking for a film that exists answers at once; one being made answers
with that job; only a film that must be made starts a job (and counts against the client's limit, in the view).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

from mapapp import timelapse
from mapapp.lib.filecache import VersionedFileCache, mark_used
from mapapp.models import Job, JobState, Map
from mapapp.services.jobs import JobError, job_progress, job_start

KIND = "film"
WIDTH, HEIGHT = 960, 640  # the film's size: the picture's default, even (H.264 in yuv420p needs it)
FPS = 6
MAX_FRAMES = 1000  # a reader's film: a daily film of almost three years, a weekly one of twenty


@dataclass(frozen=True)
class FilmRequest:
    """What a reader asks for; `first`..`last` inclusive, inside the map's dates."""

    slug: str
    first: dt.date
    last: dt.date
    step: str = "week"
    format: str = "gif"
    lang: str = "en"
    theme: str = "light"
    width: int = WIDTH
    height: int = HEIGHT

    def params(self) -> dict:
        values = asdict(self)
        values["first"], values["last"] = self.first.isoformat(), self.last.isoformat()
        return values

    @classmethod
    def from_params(cls, params: dict) -> FilmRequest:
        values = dict(params)
        values.pop("version", None)
        values.pop("name", None)
        values["first"] = dt.date.fromisoformat(values["first"])
        values["last"] = dt.date.fromisoformat(values["last"])
        return cls(**values)


def film_check(*, map: Map, request: FilmRequest) -> None:
    """The rules of a reader's film: dates inside the map's, first not after last, a known step, format,
    language and theme, at most MAX_FRAMES frames. ValidationError by field."""
    errors = {}
    for name, day in (("from", request.first), ("to", request.last)):
        if not map.start <= day <= map.end:
            errors[name] = f"{name} {day.isoformat()} is outside this map's dates, {map.start} to {map.end}"
    if not errors and request.first > request.last:
        errors["from"] = f"from ({request.first}) is after to ({request.last})"
    if request.step not in timelapse.STEPS:
        errors["step"] = f"step must be one of {', '.join(timelapse.STEPS)}"
    if request.format not in timelapse.FORMATS:
        errors["format"] = f"format must be one of {', '.join(timelapse.FORMATS)}"
    if request.lang not in ("en", "ar"):
        errors["lang"] = "lang must be en or ar"
    if request.theme not in ("light", "dark"):
        errors["theme"] = "theme must be light or dark"
    if not errors:
        frames = len(timelapse.frame_dates(request.first, request.last, request.step))
        if frames > MAX_FRAMES:
            errors["step"] = (
                f"{frames} frames is more than a film here may have ({MAX_FRAMES}): take a longer step or a "
                "shorter range"
            )
    if errors:
        raise ValidationError(errors)


def film_name(*, map: Map, request: FilmRequest, version: int | None = None) -> str:
    """The file name of the film of `request` at the map's data version (or `version`)."""
    version = map.data_version if version is None else version
    key = f"film-1:{map.slug}:{version}:{sorted(request.params().items())}"
    digest = hashlib.blake2b(key.encode(), digest_size=10).hexdigest()
    return f"{map.slug}-{request.first}-{request.last}-{request.step}-{digest}.{request.format}"


def _cache() -> VersionedFileCache:
    """The films' folder, capped at FILM_CACHE_MB: the least recently downloaded film goes first."""
    return VersionedFileCache(Path(settings.FILM_CACHE_DIR), settings.FILM_CACHE_MB * 1024 * 1024)


def _folder(map: Map, version: int) -> Path:
    return _cache().folder(map.slug, version)


def film_downloaded(path: Path) -> None:
    """Mark a film as just used (the cap removes the least recently downloaded first)."""
    mark_used(path)


def film_path(*, map: Map, name: str) -> Path | None:
    """The finished film `name` of the map at its current data version, or None (never one of an older
    record: the name is looked for in the current version's folder only)."""
    if "/" in name or "\\" in name or name.startswith(".") or not name.endswith((".gif", ".mp4")):
        return None
    path = _folder(map, map.data_version) / name
    return path if path.is_file() else None


def film_job(*, map: Map, name: str) -> Job | None:
    """The job making the film `name` now (queued or running), if any."""
    return (
        Job.objects.filter(kind=KIND, state__in=[JobState.QUEUED, JobState.RUNNING], params__name=name)
        .order_by("-pk")
        .first()
    )


def film_start(*, map: Map, request: FilmRequest, user=None) -> Job:
    """Queue the job that makes the film (film_check first)."""
    film_check(map=map, request=request)
    name = film_name(map=map, request=request)
    return job_start(kind=KIND, user=user, params={**request.params(), "version": map.data_version, "name": name})


def film_run(*, job: Job) -> dict:
    """The job's runner: draw the film (mapapp.timelapse.make_film, its progress as the job's) and keep it as the
    film of the map's data version now. Report: {"summary", "lines", "name", "frames", "drawn", "bytes"}."""
    request = FilmRequest.from_params(job.params)
    map_ = Map.objects.public().filter(slug=request.slug).first()
    if map_ is None:
        raise JobError(f"no public map {request.slug!r}")
    try:
        film_check(map=map_, request=request)
    except ValidationError as error:
        raise JobError("; ".join(message for messages in error.message_dict.values() for message in messages)) from None
    job_progress(job=job, done=0, total=0, message="drawing")
    # The film is of the record as it stands when drawing starts: kept as that version's, which a write during
    # the drawing makes out of date (then it is never offered, and the reader is told to ask again).
    version = Map.objects.filter(pk=map_.pk).values_list("data_version", flat=True).get()
    film = timelapse.make_film(
        map_, first=request.first, last=request.last, step=request.step, format=request.format,
        width=request.width, height=request.height, lang=request.lang, theme=request.theme, fps=FPS,
        progress=lambda done, total: job_progress(job=job, done=done, total=total, message="frames"),
    )  # fmt: skip
    name = film_name(map=map_, request=request, version=version)
    # Written whole and renamed into place (a download sees no half-written film); the old version's folder
    # goes, and the least recently downloaded films go while the folder is over FILM_CACHE_MB.
    _cache().write(_folder(map_, version) / name, film.content)
    return {
        "summary": f"{len(film.dates)} frames ({film.drawn} pictures drawn), {len(film.content)} bytes",
        "lines": [],
        "name": name,
        "frames": len(film.dates),
        "drawn": film.drawn,
        "bytes": len(film.content),
    }
