"""The imports as background jobs (mapapp.services.jobs): places (a GIS file), control snapshots, events.

Each runner reads its job's params (written by the admin's import pages, mapapp/admin_jobs.py), runs the import
inside its own transaction with the job's progress, and returns the report. A dry run keeps the uploaded file
for the confirmation; anything else (a confirmed import, a failure, a cancel) removes it. What is imported is
checked again here, when it runs: the person who started it may have lost the permission meanwhile.
"""

from __future__ import annotations

import dataclasses

from gazetteer.importer import ImportFileError, ImportOptions, places_import
from gazetteer.importer.writing import without_folder
from mapapp.lib.params import parse_date
from mapapp.models import Actor, Job, Map
from mapapp.services.events import events_import_text
from mapapp.services.imports import control_import
from mapapp.services.jobs import JobError, job_fail, job_progress, upload_discard, upload_path
from mapapp.snapshots import SnapshotError, read_snapshots

GONE = "the uploaded file is no longer here (imported already, or older than an hour): upload it again"


def _upload(job: Job):
    path = upload_path(token=str(job.params.get("upload", "")), name=str(job.params.get("name", "")))
    if path is None:
        raise JobError(GONE)
    return path


def _keep_upload_only_after_a_good_dry_run(job: Job, ok: bool) -> None:
    if not (ok and job.params.get("dry_run")):
        upload_discard(token=str(job.params.get("upload", "")))


def places_import_run(*, job: Job) -> dict:
    """params: upload, name, options (gazetteer.importer.ImportOptions as a dict), dry_run."""
    path = _upload(job)
    ok = False
    try:
        options = ImportOptions(**{**job.params.get("options", {}), "dry_run": bool(job.params.get("dry_run"))})
        try:
            report = places_import(
                path=path,
                options=options,
                source_name=job.params["name"],
                step=lambda done, total, message: job_progress(job=job, done=done, total=total, message=message),
            )
        except ImportFileError as exc:
            raise JobError(f"nothing was imported: {exc}") from None
        ok = True
    finally:
        _keep_upload_only_after_a_good_dry_run(job, ok)
    return {
        "summary": f"{'Would import' if options.dry_run else 'Imported'} {report.source}: {report.summary}",
        "lines": report.lines(),
        "dry_run": options.dry_run,
        "counts": {key: value for key, value in report.as_dict().items() if isinstance(value, int)},
    }


def control_import_run(*, job: Job) -> dict:
    """params: upload, name, map, actor, else_actor, date, date_field, status, source_title, source_url,
    publish, dry_run (the fields of manage.py import_control)."""
    params = job.params
    path = _upload(job)
    ok = False
    try:
        map_ = Map.objects.filter(slug=params.get("map", "")).first()
        if map_ is None or map_.area is None:
            raise JobError(f"no map {params.get('map')!r} with zones")
        actor = Actor.objects.filter(slug=params.get("actor", "")).first()
        if actor is None:
            raise JobError(f"no actor {params.get('actor')!r}")
        else_actor = None
        if params.get("else_actor"):
            else_actor = Actor.objects.filter(slug=params["else_actor"]).first()
            if else_actor is None:
                raise JobError(f"no actor {params['else_actor']!r}")
        user = job.started_by
        publish = bool(params.get("publish"))
        if publish and (user is None or not user.has_perm("mapapp.publish_controlchange")):
            raise JobError("only a reviewer may publish an import")
        job_progress(job=job, done=0, total=0, message=f"reading {params['name']}")
        try:
            snapshots = read_snapshots(
                [path],
                on=parse_date(params["date"]) if params.get("date") else None,
                date_field=params.get("date_field") or None,
                start=map_.start,
                end=map_.end,
            )
        except SnapshotError as exc:
            raise JobError(f"nothing was recorded: {without_folder(str(exc), path)}") from None
        result = control_import(
            map=map_,
            snapshots=snapshots,
            actor=actor,
            else_actor=else_actor,
            status=params.get("status") or "held",
            source_title=params.get("source_title") or "",
            source_url=params.get("source_url") or "",
            publish=publish,
            by=user,
            dry_run=bool(params.get("dry_run")),
            progress=lambda done, total, day, seconds: job_progress(
                job=job, done=done, total=total, message=f"snapshot of {day.isoformat()}"
            ),
        )
        ok = True
    finally:
        _keep_upload_only_after_a_good_dry_run(job, ok)
    dry = bool(params.get("dry_run"))
    summary = (
        f"{'Would record' if dry else 'Recorded'} {result.dates} dates of {params['name']}: {result.changes} "
        f"changes ({'published' if publish else 'drafts'}), {result.skipped} dates already recorded"
    )
    lines = [
        summary,
        f"{result.parts_made} parts made, {result.merged} merged back, zones {result.zones_before} -> "
        f"{result.zones_after}",
        *(f"{slug}: {km2:.3f} km² on {snapshots[-1].on}" for slug, km2 in result.km2_last.items()),
    ]
    if dry:
        lines.append("dry run: nothing was written")
    return {"summary": summary, "lines": lines, "dry_run": dry, "counts": dataclasses.asdict(result)}


def events_import_run(*, job: Job) -> dict:
    """params: upload, name, map, format, publish, dry_run (the fields of manage.py import_events)."""
    params = job.params
    path = _upload(job)
    ok = False
    try:
        map_ = Map.objects.filter(slug=params.get("map", "")).first()
        if map_ is None:
            raise JobError(f"no map {params.get('map')!r}")
        user = job.started_by
        publish = bool(params.get("publish"))
        if publish and (user is None or not user.has_perm("mapapp.publish_event")):
            raise JobError("only a reviewer may publish imported events")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise JobError(f"{params['name']} is not UTF-8 text (byte {exc.start})") from None
        total = max(0, text.count("\n") - 1)  # rows, less the header (a quoted field may hold more lines)
        report = events_import_text(
            map=map_,
            text=text,
            format=params.get("format") or None,
            dry_run=bool(params.get("dry_run")),
            publish=publish,
            by=user,
            progress=lambda rows: job_progress(job=job, done=min(rows, total), total=total, message="reading rows"),
        )
        ok = report.ok
    finally:
        _keep_upload_only_after_a_good_dry_run(job, ok)
    lines = [f"line {line}: {message}" for line, message in report.errors]
    lines += [f"line {line}: skipped: {reason}" for line, reason in report.skipped]
    lines.append(report.summary())
    result = {
        "summary": f"{params['name']}: {report.summary()}",
        "lines": lines,
        "dry_run": report.dry_run,
        "counts": {"rows": report.rows, "created": report.created, "updated": report.updated},
    }
    if report.errors:  # nothing was written; the report lists every bad row by line
        job_fail(job=job, error=f"{params['name']}: {report.summary()}", report=result)
    elif report.dry_run:
        lines.append("dry run: nothing was written")
    return result
