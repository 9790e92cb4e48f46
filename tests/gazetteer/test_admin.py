"""Importing a file of places from the admin: upload, a dry-run job reports, confirm runs the import job (issue
14: off the request, in the worker). Jobs run here through the database queue as the worker runs them."""

import os
import time

import geopandas as gpd
import pytest
import shapely
from django.conf import settings
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile

from gazetteer.models import Place
from mapapp.models import Job, JobState
from tests.jobs import run_jobs

IMPORT = "/admin/gazetteer/place/import/"


def staff(username, *perms):
    user = User.objects.create_user(username, password="x", is_staff=True)
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label="gazetteer"))
    return user


@pytest.fixture
def editor(client, db):
    client.force_login(staff("editor", "add_place", "view_place", "change_place"))
    return client


def geojson_upload(tmp_path, rows, name="districts.geojson"):
    path = tmp_path / name
    gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326").to_file(path, driver="GeoJSON")
    return SimpleUploadedFile(name, path.read_bytes(), content_type="application/geo+json")


def start(client, data) -> Job:
    """Upload: the page answers at once with the job's page, where the dry run will show."""
    response = client.post(IMPORT, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    job = Job.objects.latest("pk")
    assert response["Location"] == f"/admin/jobs/{job.pk}/"
    return job


def _pending(token: str):
    return settings.BASE_DIR / "var" / "imports" / token


def test_upload_shows_a_dry_run_then_confirm_imports(editor, tmp_path):
    upload = geojson_upload(
        tmp_path,
        [
            {"name": "al-Joura", "name_ar": "الجورة", "geometry": shapely.box(40.10, 35.33, 40.11, 35.34)},
            {"name": "Nowhere", "name_ar": None, "geometry": None},
        ],
    )
    dry = start(editor, {"file": upload, "kind": "district"})
    assert (dry.kind, dry.state, dry.params["dry_run"], dry.params["options"]["kind"]) == (
        "places_import",
        JobState.QUEUED,
        True,
        "district",
    )
    waiting = editor.get(f"/admin/jobs/{dry.pk}/")
    assert waiting.status_code == 200 and "data-job-cancel" in waiting.content.decode()
    assert not waiting.context["can_confirm"]

    run_jobs()
    response = editor.get(f"/admin/jobs/{dry.pk}/")
    assert response.context["report"]["lines"] == [
        "read 2 features from districts.geojson (layer 'districts', EPSG:4326)",
        "created al-joura: al-Joura / الجورة",
        'skipped feature 2 "Nowhere": no geometry',
        "created 1, merged 0, repaired 0, skipped 1",
        "dry run: nothing was written",
    ]
    assert "Would import districts.geojson: created 1, merged 0, repaired 0, skipped 1" in response.content.decode()
    assert response.context["can_confirm"]
    assert not Place.objects.exists()

    confirmed = editor.post(f"/admin/jobs/{dry.pk}/confirm")
    job = Job.objects.latest("pk")
    assert confirmed["Location"] == f"/admin/jobs/{job.pk}/" and job.params["dry_run"] is False
    assert job.params["options"] == dry.params["options"]  # what the dry run checked, not a new form
    run_jobs()
    response = editor.get(f"/admin/jobs/{job.pk}/")
    assert response.context["report"]["summary"].startswith("Imported districts.geojson: created 1")
    joura = Place.objects.get(slug="al-joura")
    assert (joura.kind, joura.name_ar, joura.footprint_approximate) == ("district", "الجورة", False)
    assert not _pending(job.params["upload"]).exists()
    # The same upload cannot be imported twice.
    response = editor.post(f"/admin/jobs/{dry.pk}/confirm", follow=True)
    assert "no longer here" in response.content.decode()
    assert Place.objects.count() == 1


def test_a_broken_file_fails_its_job_with_its_line_and_is_deleted(editor, tmp_path):
    upload = SimpleUploadedFile("broken.geojson", b'{"type": "FeatureCollection", "features": [}')
    job = start(editor, {"file": upload})
    run_jobs()
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert job.error == "nothing was imported: broken.geojson: not valid JSON: Expecting value at line 1 column 44"
    page = editor.get(f"/admin/jobs/{job.pk}/")
    assert job.error in page.content.decode() and not page.context["can_confirm"]
    assert not _pending(job.params["upload"]).exists()
    assert not Place.objects.exists()


def test_a_file_of_the_wrong_type_is_refused_at_the_door(editor):
    response = editor.post(IMPORT, {"file": SimpleUploadedFile("notes.txt", b"Jura")})
    assert response.context["form"].errors["file"][0].startswith("not a file type this imports")
    assert not Job.objects.exists()


def test_only_staff_with_the_add_permission_may_import(client, db, tmp_path):
    assert client.get(IMPORT).status_code == 302  # to the login page
    client.force_login(staff("viewer", "view_place"))
    assert client.get(IMPORT).status_code == 403
    upload = geojson_upload(tmp_path, [{"name": "Jura", "geometry": shapely.box(40.1, 35.3, 40.2, 35.4)}])
    assert client.post(IMPORT, {"file": upload}).status_code == 403
    assert not Job.objects.exists() and not Place.objects.exists()


def test_a_job_is_its_starters_alone(editor, client, tmp_path):
    rows = [{"name": "Jura", "geometry": shapely.box(40.1, 35.3, 40.2, 35.4)}]
    job = start(editor, {"file": geojson_upload(tmp_path, rows)})
    other = User.objects.create_user("other", password="x", is_staff=True)
    other.user_permissions.add(Permission.objects.get(codename="add_place"))
    client.force_login(other)
    for address in (f"/admin/jobs/{job.pk}/", f"/admin/jobs/{job.pk}/status"):
        assert client.get(address).status_code == 404
    for address in (f"/admin/jobs/{job.pk}/cancel", f"/admin/jobs/{job.pk}/confirm"):
        assert client.post(address).status_code == 404
    job.refresh_from_db()
    assert job.state == JobState.QUEUED


def test_the_place_list_links_to_the_import(editor, db):
    assert IMPORT in editor.get("/admin/gazetteer/place/").content.decode()


def test_the_status_endpoint_says_how_far_the_job_is(editor, tmp_path):
    rows = [{"name": "Jura", "geometry": shapely.box(40.1, 35.3, 40.2, 35.4)}]
    job = start(editor, {"file": geojson_upload(tmp_path, rows)})
    status = editor.get(f"/admin/jobs/{job.pk}/status")
    assert status["Content-Type"].startswith("application/json") and "no-store" in status["Cache-Control"]
    assert status.json() | {"id": 0} == {
        "id": 0,
        "kind": "places_import",
        "state": "queued",
        "state_label": "queued",
        "done": 0,
        "total": 0,
        "message": "",
        "finished": False,
        "cancel_requested": False,
        "error": "",
    }
    run_jobs()
    status = editor.get(f"/admin/jobs/{job.pk}/status").json()
    assert (status["state"], status["finished"], status["done"], status["total"]) == ("done", True, 1, 1)
    assert status["summary"] == "Would import districts.geojson: created 1, merged 0, repaired 0, skipped 0"
    assert editor.post(f"/admin/jobs/{job.pk}/status").status_code == 405


# --- Pending uploads do not pile up, and no message shows where they sit (issue 14) -----------------------------


def test_cancel_deletes_the_upload_at_once_queued_or_checked(editor, tmp_path):
    rows = [{"name": "Jura", "geometry": shapely.box(40.1, 35.3, 40.2, 35.4)}]
    queued = start(editor, {"file": geojson_upload(tmp_path, rows), "kind": "district"})
    assert (_pending(queued.params["upload"]) / "districts.geojson").is_file()
    cancelled = editor.post(f"/admin/jobs/{queued.pk}/cancel", follow=True)
    assert "Import cancelled before it began; the uploaded file was deleted." in cancelled.content.decode()
    queued.refresh_from_db()
    assert queued.state == JobState.CANCELLED and not _pending(queued.params["upload"]).exists()
    run_jobs()
    assert Job.objects.get(pk=queued.pk).started_at is None

    checked = start(editor, {"file": geojson_upload(tmp_path, rows), "kind": "district"})
    run_jobs()
    cancelled = editor.post(f"/admin/jobs/{checked.pk}/cancel", follow=True)
    assert "Import cancelled; the uploaded file was deleted." in cancelled.content.decode()
    assert not _pending(checked.params["upload"]).exists()
    late = editor.post(f"/admin/jobs/{checked.pk}/confirm", follow=True)
    assert "no longer here" in late.content.decode() and not Place.objects.exists()


def test_an_upload_left_unconfirmed_for_an_hour_is_removed_by_the_worker(editor, tmp_path):
    rows = [{"name": "Jura", "geometry": shapely.box(40.1, 35.3, 40.2, 35.4)}]
    old = start(editor, {"file": geojson_upload(tmp_path, rows)})
    recent = start(editor, {"file": geojson_upload(tmp_path, rows)})
    run_jobs()
    an_hour_ago = time.time() - 3601
    os.utime(_pending(old.params["upload"]), (an_hour_ago, an_hour_ago))
    os.utime(_pending(recent.params["upload"]), (an_hour_ago + 120, an_hour_ago + 120))
    start(editor, {"file": SimpleUploadedFile("broken.geojson", b"{")})
    run_jobs()  # the worker, taking the next job, clears what was left
    assert not _pending(old.params["upload"]).exists()
    assert _pending(recent.params["upload"]).exists()
    editor.post(f"/admin/jobs/{recent.pk}/cancel")


def test_a_file_gdal_cannot_read_fails_without_the_server_path(editor):
    upload = SimpleUploadedFile("survey.gpkg", b"SQLite format 3\x00 but not a GeoPackage at all")
    job = start(editor, {"file": upload})
    run_jobs()
    job.refresh_from_db()
    assert job.error.startswith("nothing was imported: survey.gpkg: cannot be read ('survey.gpkg' not recognized")
    page = editor.get(f"/admin/jobs/{job.pk}/").content.decode()
    assert str(settings.BASE_DIR) not in page and "var/imports" not in page
    assert str(settings.BASE_DIR) not in job.error
