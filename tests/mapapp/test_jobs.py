"""Background jobs (mapapp.services.jobs): queued in the database, run by django-tasks' worker, with progress,
cancellation, failure and the periodic clean-up of old uploads. On SpatiaLite and PostGIS alike."""

import os
import time
from datetime import timedelta

import geopandas as gpd
import pytest
import shapely
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks.backends.database.models import DBTaskResult

from gazetteer.models import Place
from mapapp.models import Job, JobState
from mapapp.services import jobs
from tests.jobs import run_jobs

# What the test runners below saw while they ran (the job's status as a page would read it).
SEEN: dict[str, object] = {}


def three_places_run(*, job):
    """A runner that writes a place per step inside its transaction, like an import, reporting progress; with
    params["cancel_at"] someone cancels it after that step, with params["fail_at"] it breaks there."""
    with transaction.atomic():
        for step in range(3):
            point = Point(40 + step / 100, 35, srid=4326)
            Place.objects.create(
                slug=f"job-place-{step}", name_en=f"Job place {step}", kind="village", label_point=point
            )
            jobs.job_progress(job=job, done=step + 1, total=3, message=f"wrote place {step}")
            SEEN[f"status after {step}"] = jobs.job_status(job=Job.objects.get(pk=job.pk))
            if job.params.get("cancel_at") == step:
                jobs.job_cancel(job=Job.objects.get(pk=job.pk))  # as the cancel button would, from elsewhere
            if job.params.get("fail_at") == step:
                raise jobs.JobError("the third place has no name")
    return {"summary": "wrote 3 places", "lines": ["wrote 3 places"]}


@pytest.fixture
def three_places(monkeypatch):
    monkeypatch.setitem(jobs.JOB_KINDS, "three_places", f"{__name__}.three_places_run")
    SEEN.clear()


@pytest.fixture
def editor(db):
    return User.objects.create_user("job-editor", password="x", is_staff=True)


def test_a_job_runs_in_the_worker_with_progress_and_a_report(db, three_places, editor):
    job = jobs.job_start(kind="three_places", user=editor, params={})
    assert job.state == JobState.QUEUED and job.started_by == editor
    assert DBTaskResult.objects.filter(id=job.task_id, status="READY").exists()
    assert not Place.objects.exists()  # nothing ran in the caller

    assert run_jobs() >= 1
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.report == {"summary": "wrote 3 places", "lines": ["wrote 3 places"]}
    assert (job.done, job.total, job.error) == (3, 3, "")
    assert job.started_at <= job.finished_at
    # While it ran, inside its transaction, the status showed how far it was.
    assert SEEN["status after 0"]["state"] == "running"
    assert (SEEN["status after 0"]["done"], SEEN["status after 0"]["total"]) == (1, 3)
    assert SEEN["status after 0"]["message"] == "wrote place 0"
    assert Place.objects.filter(slug__startswith="job-place-").count() == 3
    assert DBTaskResult.objects.get(id=job.task_id).status == "SUCCEEDED"


def test_cancelling_a_running_job_stops_it_between_steps_and_nothing_stays(db, three_places):
    job = jobs.job_start(kind="three_places", params={"cancel_at": 1})
    run_jobs()
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED and job.cancel_requested
    assert "status after 2" not in SEEN  # it stopped at the next step
    assert not Place.objects.filter(slug__startswith="job-place-").exists()  # rolled back


def test_a_job_cancelled_while_queued_never_runs(db, three_places):
    job = jobs.job_cancel(job=jobs.job_start(kind="three_places", params={}))
    assert job.state == JobState.CANCELLED
    run_jobs()
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED and job.started_at is None and not SEEN
    assert not Place.objects.exists()


def test_a_failing_job_says_why_and_writes_nothing(db, three_places):
    job = jobs.job_start(kind="three_places", params={"fail_at": 2})
    run_jobs()
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.error == "the third place has no name"
    assert not Place.objects.filter(slug__startswith="job-place-").exists()


def test_an_unexpected_error_fails_the_job_without_details_of_the_server(db, monkeypatch):
    monkeypatch.setitem(jobs.JOB_KINDS, "broken", "os.path.nonexistent_function")
    job = jobs.job_start(kind="broken", params={})
    run_jobs()
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert job.error == "an unexpected error stopped the job (ImportError); nothing was written"


def test_an_unknown_kind_of_job_is_refused(db):
    with pytest.raises(ValidationError) as refused:
        jobs.job_start(kind="make_coffee", params={})
    assert "no kind of job 'make_coffee'" in refused.value.message_dict["kind"][0]
    assert not Job.objects.exists()


def test_a_finished_job_cannot_be_cancelled(db, three_places):
    job = jobs.job_start(kind="three_places", params={})
    run_jobs()
    assert jobs.job_cancel(job=job).state == JobState.DONE


# --- the worker cleans old uploads by itself -------------------------------------------------------------------


def _age(path, seconds):
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_the_worker_removes_uploads_left_for_an_hour_every_few_minutes(db, three_places):
    old_token, _ = jobs.upload_save(upload=SimpleUploadedFile("old.geojson", b"{}"))
    recent_token, _ = jobs.upload_save(upload=SimpleUploadedFile("recent.geojson", b"{}"))
    busy_token, _ = jobs.upload_save(upload=SimpleUploadedFile("busy.geojson", b"{}"))
    folder = jobs.uploads_folder()
    _age(folder / old_token, 3601)
    _age(folder / recent_token, 3000)
    _age(folder / busy_token, 7200)
    # A job another worker is running still reads the busy one: it stays, however old.
    Job.objects.create(kind="three_places", state=JobState.RUNNING, params={"upload": busy_token})

    # The first job started puts the clean-up in the queue (once); the worker runs it.
    jobs.uploads_clean_schedule()
    jobs.uploads_clean_schedule()
    clean = DBTaskResult.objects.get(task_path=jobs.uploads_clean_task.module_path)
    assert clean.status == "READY"
    run_jobs()
    assert not (folder / old_token).exists()
    assert (folder / recent_token).exists() and (folder / busy_token).exists()
    clean.refresh_from_db()
    assert clean.status == "SUCCEEDED" and clean.return_value == 1
    # ... and put itself back in the queue for a few minutes later.
    [again] = DBTaskResult.objects.filter(task_path=jobs.uploads_clean_task.module_path, status="READY")
    assert timezone.now() + timedelta(seconds=jobs.CLEAN_EVERY - 60) < again.run_after
    assert run_jobs() == 0  # the next clean-up is not due yet
    jobs.job_start(kind="three_places", params={})
    assert DBTaskResult.objects.filter(task_path=jobs.uploads_clean_task.module_path, status="READY").count() == 1
    for token in (recent_token, busy_token):
        jobs.upload_discard(token=token)


def test_an_upload_is_named_by_its_own_name_only(db):
    token, name = jobs.upload_save(upload=SimpleUploadedFile("../../etc/passwd.geojson", b"{}"))
    assert name == "passwd.geojson"
    assert jobs.upload_path(token=token, name=name).is_file()
    assert jobs.upload_path(token=token, name="../" + name) is None
    assert jobs.upload_path(token="../" + token, name=name) is None
    jobs.upload_discard(token=token)
    assert jobs.upload_path(token=token, name=name) is None


# --- end to end: the real queue and the real `manage.py db_worker` -----------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_db_worker_command_imports_places_from_the_queue(tmp_path):
    user = User.objects.create_user("importer", password="x", is_staff=True)
    path = tmp_path / "districts.geojson"
    rows = [{"name": "al-Joura", "name_ar": "الجورة", "geometry": shapely.box(40.10, 35.33, 40.11, 35.34)}]
    gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326").to_file(path, driver="GeoJSON")
    token, name = jobs.upload_save(upload=SimpleUploadedFile(path.name, path.read_bytes()))
    params = {"upload": token, "name": name, "options": {"kind": "district"}, "dry_run": True}
    dry = jobs.job_start(kind="places_import", user=user, params=params)

    call_command("db_worker", batch=True, startup_delay=False, reload=False, interval=0, verbosity=0)
    dry.refresh_from_db()
    assert dry.state == JobState.DONE, dry.error
    assert dry.report["summary"] == "Would import districts.geojson: created 1, merged 0, repaired 0, skipped 0"
    assert "created al-joura: al-Joura / الجورة" in dry.report["lines"]
    assert not Place.objects.exists()
    assert jobs.upload_path(token=token, name=name) is not None  # kept for the confirmation

    done = jobs.job_start(kind="places_import", user=user, params={**params, "dry_run": False})
    call_command("db_worker", batch=True, startup_delay=False, reload=False, interval=0, verbosity=0)
    done.refresh_from_db()
    assert done.state == JobState.DONE and done.report["summary"].startswith("Imported districts.geojson: created 1")
    assert Place.objects.get(slug="al-joura").kind == "district"
    assert jobs.upload_path(token=token, name=name) is None  # removed once imported
    assert DBTaskResult.objects.get(id=done.task_id).status == "SUCCEEDED"


def test_a_places_import_cancelled_midway_keeps_nothing_it_wrote(db, monkeypatch, tmp_path):
    from gazetteer import services as gazetteer_services
    from mapapp.lib import geo
    from mapapp.services import import_jobs

    jura = gazetteer_services.place_create(
        slug="jura", name_en="Jura", kind="district", footprint=geo.to_geos(shapely.box(40.10, 35.33, 40.11, 35.34))
    )
    names_before = sorted(jura.names.values_list("name", flat=True))
    rows = [{"name": "Jura", "name_ar": "الجورة", "geometry": shapely.box(40.10, 35.33, 40.11, 35.34)}] + [
        {"name": f"District {n}", "name_ar": None, "geometry": shapely.box(40.2 + n / 10, 35.3, 40.25 + n / 10, 35.35)}
        for n in range(4)
    ]
    path = tmp_path / "districts.geojson"
    gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326").to_file(path, driver="GeoJSON")
    token, name = jobs.upload_save(upload=SimpleUploadedFile(path.name, path.read_bytes()))
    job = jobs.job_start(kind="places_import", params={"upload": token, "name": name, "options": {}, "dry_run": False})

    # Someone presses cancel once the import has merged "Jura" (a write) and matched two more features.
    monkeypatch.setattr(jobs, "CHECK_EVERY", 0)
    real_progress = jobs.job_progress

    def progress(*, job, done, total, message=""):
        if done == 3 and total == 5:
            jobs.job_cancel(job=Job.objects.get(pk=job.pk))
        real_progress(job=job, done=done, total=total, message=message)

    monkeypatch.setattr(import_jobs, "job_progress", progress)
    run_jobs()
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED and (job.done, job.total) == (3, 5)
    assert sorted(jura.names.values_list("name", flat=True)) == names_before  # the merge was rolled back
    assert list(Place.objects.values_list("slug", flat=True)) == ["jura"]
    assert jobs.upload_path(token=token, name=name) is None  # a cancelled import's upload is deleted


def stopped_run(*, job):
    raise KeyboardInterrupt  # what the worker's loop raises in the task when it is stopped hard


def test_a_job_whose_worker_is_stopped_hard_is_failed_not_left_running(db, monkeypatch):
    monkeypatch.setitem(jobs.JOB_KINDS, "stopped", f"{__name__}.stopped_run")
    job = jobs.job_start(kind="stopped", params={})
    run_jobs()  # django-tasks' run_task records the interrupted task as failed; the job says why
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert job.error == "the worker was stopped while running the job; nothing was written: start it again"
    assert DBTaskResult.objects.get(id=job.task_id).status == "FAILED"


def test_without_its_cache_a_job_still_runs_to_its_end(db, three_places, settings):
    # A Redis nobody listens on: the live progress is lost, the job is not.
    settings.CACHES = {
        **settings.CACHES,
        "jobs": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"},
    }
    job = jobs.job_start(kind="three_places", params={})
    run_jobs()
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.report["summary"] == "wrote 3 places"
    assert Place.objects.filter(slug__startswith="job-place-").count() == 3
