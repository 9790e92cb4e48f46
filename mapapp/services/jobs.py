"""Background jobs: work that takes longer than a web request (imports, films), run by the worker process.

The life of a job (docs/architecture.md, "Background jobs"):

- `job_start(kind=..., user=..., params=...)` saves a Job (queued) and enqueues the django-tasks task `job_run`
  (database backend: a row in the same transaction, which the worker, `manage.py db_worker`, picks up).
- The worker calls the kind's runner (`JOB_KINDS`: kind -> dotted path of `runner(*, job) -> dict`). The runner
  calls `job_progress(job=, done=, total=, message=)` between steps; that raises JobCancelled once someone asked
  to cancel, and the runner's transaction rolls back (nothing half-written). What the runner returns is the
  report (`{"summary": str, "lines": [str], ...}`, plain JSON).
- `job_run` ends it: `job_finish` (done, with the report), `job_fail` (the error, one line), or cancelled.
  A runner may call `job_finish`/`job_fail` itself; `job_run` then leaves the job as it is.

While a runner works inside its transaction, its progress and a cancel request go through the "jobs" cache
(settings.CACHES) rather than the Job row: on SQLite the transaction holds the only write lock, and on either
database the row would be invisible until the commit. `job_status` reads both.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task
from django_tasks.backends.database.models import DBTaskResult
from django_tasks.base import TaskResultStatus

from mapapp.models import Job, JobState

logger = logging.getLogger(__name__)

# kind -> the runner, `f(*, job: Job) -> dict` (the report). A new kind of job adds its line here.
JOB_KINDS = {
    "places_import": "mapapp.services.import_jobs.places_import_run",
    "control_import": "mapapp.services.import_jobs.control_import_run",
    "events_import": "mapapp.services.import_jobs.events_import_run",
    "film": "mapapp.services.films.film_run",
}

UPLOAD_LIFETIME = 3600  # seconds an unconfirmed upload is kept (confirm and cancel remove it at once)
CLEAN_EVERY = 600  # seconds between the worker's clean-ups of old uploads
LIVE_SECONDS = 24 * 3600  # how long the cache keeps a job's live progress
SAVE_EVERY = 1.0  # seconds between writes of progress to the Job row (outside a transaction)
CHECK_EVERY = 0.25  # seconds between looks at the cancel flag and writes of live progress


class JobCancelled(Exception):  # noqa: N818 (it is not an error: someone asked)
    """Raised by job_progress in the runner when the job was asked to stop; its transaction rolls back."""


class JobError(Exception):
    """A runner's failure whose message is meant for the person who started the job (one line)."""


def _live_key(job: Job, what: str) -> str:
    # The creation time keeps two databases' job 1 apart in a cache they share (a file cache on one machine).
    return f"job:{job.pk}:{int(job.created_at.timestamp() * 1e6)}:{what}"


class _Live:
    """The "jobs" cache, where a cache that does not answer (Redis down) costs only the live progress and the
    cancelling of a running job: the job itself goes on and its row still gets its end."""

    def __init__(self):
        self.cache = caches["jobs"]

    def get(self, key):
        try:
            return self.cache.get(key)
        except Exception:
            logger.warning("the jobs cache did not answer", exc_info=True)
            return None

    def set(self, key, value, timeout) -> None:
        try:
            self.cache.set(key, value, timeout)
        except Exception:
            logger.warning("the jobs cache did not answer", exc_info=True)

    def delete(self, key) -> None:
        try:
            self.cache.delete(key)
        except Exception:
            logger.warning("the jobs cache did not answer", exc_info=True)


def _live() -> _Live:
    return _Live()


# --- starting and stopping ---------------------------------------------------------------------------------


def job_start(*, kind: str, user=None, params: dict | None = None) -> Job:
    """Save a queued job of `kind` started by `user` (None: the system) and enqueue it for the worker once the
    current transaction commits. `params` must be plain JSON (the runner reads them back)."""
    if kind not in JOB_KINDS:
        raise ValidationError({"kind": f"no kind of job {kind!r} (one of {', '.join(JOB_KINDS)})"})
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind, started_by=user if getattr(user, "is_authenticated", False) else None, params=params or {}
        )
        # The queue is a table of the same database, written in the same transaction: the worker sees the task
        # when (and only if) the job is committed.
        job.task_id = str(job_run.enqueue(job.pk).id)
        job.save(update_fields=["task_id"])
        uploads_clean_schedule()
    return job


def job_cancel(*, job: Job) -> Job:
    """Ask the job to stop. A queued job is cancelled at once; a running one stops at its next job_progress and
    rolls back. A finished job is left as it is."""
    job.refresh_from_db()
    if job.finished:
        return job
    _live().set(_live_key(job, "cancel"), True, LIVE_SECONDS)
    if job.state == JobState.RUNNING:
        # No write: the runner may hold the write lock (SQLite) for minutes, and this request would wait for it.
        # It reads the flag from the cache at its next step and marks itself cancelled.
        job.cancel_requested = True
        return job
    # A queued job has no transaction open: mark it at once (job_run skips it), unless a worker took it meanwhile.
    Job.objects.filter(pk=job.pk, state=JobState.QUEUED).update(
        state=JobState.CANCELLED, cancel_requested=True, finished_at=timezone.now(), message="cancelled"
    )
    job.refresh_from_db()
    job.cancel_requested = True
    return job


def job_progress(*, job: Job, done: int, total: int, message: str = "") -> None:
    """Say how far the job is (`done` of `total` steps; total 0 when not known yet) and raise JobCancelled if
    someone asked it to stop. Cheap enough to call for every feature: it writes at most every CHECK_EVERY
    seconds (the last step always)."""
    now = time.monotonic()
    job.done, job.total, job.message = max(0, done), max(0, total), message[:200]
    last = getattr(job, "_live_at", 0.0)
    if now - last < CHECK_EVERY and done < total:
        return
    job._live_at = now
    live = _live()
    live.set(_live_key(job, "progress"), {"done": job.done, "total": job.total, "message": job.message}, LIVE_SECONDS)
    if live.get(_live_key(job, "cancel")):
        raise JobCancelled
    if transaction.get_connection().in_atomic_block:
        return  # the row would only show after the commit; the cache says it now
    if now - getattr(job, "_saved_at", 0.0) >= SAVE_EVERY or done >= total:
        job._saved_at = now
        Job.objects.filter(pk=job.pk).update(done=job.done, total=job.total, message=job.message)
        if Job.objects.filter(pk=job.pk, cancel_requested=True).exists():
            raise JobCancelled


def job_finish(*, job: Job, report: dict) -> Job:
    """The job is done; `report` (plain JSON) says what it did."""
    return _end(job, state=JobState.DONE, report=report, done=max(job.done, job.total))


def job_fail(*, job: Job, error: str, report: dict | None = None) -> Job:
    """The job failed: `error` says why in one line for the person who started it (never a server path)."""
    return _end(job, state=JobState.FAILED, error=error[:2000], report=report)


def _end(job: Job, **fields) -> Job:
    fields.setdefault("done", job.done)
    Job.objects.filter(pk=job.pk).update(total=job.total, message="", finished_at=timezone.now(), **fields)
    _live().delete(_live_key(job, "progress"))
    job.refresh_from_db()
    return job


def job_status(*, job: Job) -> dict:
    """What a page shows of the job (its status endpoint's answer): the row, with the live progress of a
    running job from the cache."""
    data = {
        "id": job.pk,
        "kind": job.kind,
        "state": job.state,
        "state_label": str(JobState(job.state).label),
        "done": job.done,
        "total": job.total,
        "message": job.message,
        "finished": job.finished,
        "cancel_requested": job.cancel_requested,
        "error": job.error,
    }
    if job.state == JobState.RUNNING:
        live = _live()
        data.update(live.get(_live_key(job, "progress")) or {})
        data["cancel_requested"] = bool(job.cancel_requested or live.get(_live_key(job, "cancel")))
    if job.finished and job.report:
        data["summary"] = job.report.get("summary", "")
    return data


@task()
def job_run(job_id: int) -> str:
    """The task the worker runs for every job: the kind's runner, then the job's end (see the module doc)."""
    uploads_clean()  # every job the worker takes clears old uploads too (besides the periodic clean-up)
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        return "gone"
    started = Job.objects.filter(pk=job.pk, state=JobState.QUEUED).update(
        state=JobState.RUNNING, started_at=timezone.now()
    )
    if not started:  # cancelled while queued, or run already by another worker
        return job.state
    job.refresh_from_db()
    try:
        runner = import_string(JOB_KINDS[job.kind])
        report = runner(job=job)
    except JobCancelled:
        _end(job, state=JobState.CANCELLED, cancel_requested=True, report={"summary": "cancelled: nothing written"})
    except (JobError, ValidationError) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        job_fail(job=job, error=message)
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        job_fail(job=job, error=f"an unexpected error stopped the job ({type(exc).__name__}); nothing was written")
    except BaseException:  # the worker itself was stopped (a second SIGTERM, Ctrl+C): the job will not go on
        job_fail(job=job, error="the worker was stopped while running the job; nothing was written: start it again")
        raise
    else:
        if Job.objects.filter(pk=job.pk, state=JobState.RUNNING).exists():  # the runner did not end it itself
            job_finish(job=job, report=report)
    finally:
        _live().delete(_live_key(job, "cancel"))
    job.refresh_from_db()
    return job.state


# --- uploads the jobs read ---------------------------------------------------------------------------------


def uploads_folder() -> Path:
    folder = Path(settings.BASE_DIR) / "var" / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def upload_save(*, upload) -> tuple[str, str]:
    """Keep an uploaded file (a Django UploadedFile) for a job: returns (token, file name). The job reads it as
    upload_path(token=, name=); upload_discard removes it."""
    token = secrets.token_hex(16)
    folder = uploads_folder() / token
    folder.mkdir()
    name = Path(upload.name).name
    with open(folder / name, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return token, name


def upload_path(*, token: str, name: str) -> Path | None:
    """The uploaded file, or None when the token is not one of ours or the file is gone."""
    if not token.isalnum() or Path(name).name != name or name in ("", ".", ".."):
        return None
    path = uploads_folder() / token / name
    return path if path.is_file() else None


def upload_discard(*, token: str) -> None:
    if token.isalnum():
        shutil.rmtree(uploads_folder() / token, ignore_errors=True)


def uploads_clean(*, older_than: float = UPLOAD_LIFETIME) -> int:
    """Remove uploads left unconfirmed for `older_than` seconds, but none a queued or running job reads.
    Returns how many were removed."""
    folder = uploads_folder()
    busy = {
        params.get("upload")
        for params in Job.objects.filter(state__in=(JobState.QUEUED, JobState.RUNNING)).values_list("params", flat=True)
        if isinstance(params, dict)
    }
    now = time.time()
    removed = 0
    for old in folder.iterdir():
        if old.is_dir() and old.name not in busy and now - old.stat().st_mtime > older_than:
            shutil.rmtree(old, ignore_errors=True)
            removed += 1
    return removed


@task()
def uploads_clean_task() -> int:
    """The worker's periodic clean-up: clean, then come back in CLEAN_EVERY seconds."""
    removed = uploads_clean()
    uploads_clean_task.using(run_after=timezone.now() + timedelta(seconds=CLEAN_EVERY)).enqueue()
    return removed


def uploads_clean_schedule() -> None:
    """Make sure a clean-up is waiting in the queue (started with the first job; each run enqueues the next)."""
    waiting = DBTaskResult.objects.filter(
        task_path=uploads_clean_task.module_path, status__in=(TaskResultStatus.READY, TaskResultStatus.RUNNING)
    ).exists()
    if not waiting:
        uploads_clean_task.enqueue()
