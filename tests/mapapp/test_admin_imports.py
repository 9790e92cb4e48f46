"""The admin's control-snapshot and events imports as background jobs (mapapp/admin_jobs.py): upload, dry-run
report, confirm, through the database queue as the worker runs it; who may do what."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mapapp.events.models import Event, EventState
from mapapp.models import ControlChange, Job, JobState
from tests.jobs import run_jobs
from tests.mapapp.test_events_import import DATA
from tests.mapapp.test_import_control import DAY1, feature_collection
from tests.mapapp.test_parts import grid

CONTROL = "/admin/imports/control/"
EVENTS = "/admin/imports/events/"


def start(client, address, data) -> Job:
    response = client.post(address, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    job = Job.objects.latest("pk")
    assert response["Location"] == f"/admin/jobs/{job.pk}/"
    return job


def confirm(client, dry: Job) -> Job:
    response = client.post(f"/admin/jobs/{dry.pk}/confirm")
    job = Job.objects.latest("pk")
    assert response["Location"] == f"/admin/jobs/{job.pk}/" and job.pk != dry.pk
    run_jobs()
    job.refresh_from_db()
    return job


def snapshot(name="rebels-2016-01-01.geojson"):
    return SimpleUploadedFile(name, json.dumps(feature_collection(DAY1)).encode(), content_type="application/json")


@pytest.fixture
def snapshot_map(world, people):
    return grid(world)


def test_a_reviewer_imports_control_snapshots_dry_run_then_confirm(client, people, snapshot_map):
    client.force_login(people.reviewer)
    data = {"file": snapshot(), "map": snapshot_map.slug, "actor": "rebels", "else_actor": "army", "status": "held"}
    dry = start(client, CONTROL, {**data, "publish": "on", "source_title": "Monitor"})
    run_jobs()
    dry.refresh_from_db()
    assert dry.state == JobState.DONE, dry.error
    assert dry.report["summary"] == (
        "Would record 1 dates of rebels-2016-01-01.geojson: 2 changes (published), 0 dates already recorded"
    )
    assert dry.report["lines"][-1] == "dry run: nothing was written"
    assert not ControlChange.objects.exists()
    page = client.get(f"/admin/jobs/{dry.pk}/")
    assert page.context["can_confirm"] and "Confirm: record these changes" in page.content.decode()

    job = confirm(client, dry)
    assert job.state == JobState.DONE and job.report["summary"].startswith("Recorded 1 dates")
    changes = ControlChange.objects.order_by("pk")
    assert [(c.actor.slug, c.review_state, c.created_by) for c in changes] == [
        ("rebels", "published", people.reviewer),
        ("army", "published", people.reviewer),
    ]
    assert changes[0].sources.get().title == "Monitor"


def test_control_imports_are_for_reviewers_only(client, people, snapshot_map):
    client.force_login(people.editor)
    assert client.get(CONTROL).status_code == 403
    data = {"file": snapshot(), "map": snapshot_map.slug, "actor": "rebels", "status": "held"}
    assert client.post(CONTROL, data).status_code == 403
    assert not Job.objects.exists()
    assert CONTROL not in client.get("/admin/mapapp/controlchange/").content.decode()
    client.force_login(people.reviewer)
    assert CONTROL in client.get("/admin/mapapp/controlchange/").content.decode()


def test_a_snapshot_dated_outside_the_map_fails_and_records_nothing(client, people, snapshot_map):
    client.force_login(people.reviewer)
    data = {"file": snapshot("rebels-2030-01-01.geojson"), "map": snapshot_map.slug, "actor": "rebels"}
    dry = start(client, CONTROL, {**data, "status": "held"})
    run_jobs()
    dry.refresh_from_db()
    assert dry.state == JobState.FAILED and dry.error.startswith("nothing was recorded: ")
    assert "2030-01-01" in dry.error and "/imports/" not in dry.error
    assert not ControlChange.objects.exists()
    assert not client.get(f"/admin/jobs/{dry.pk}/").context["can_confirm"]


def test_the_control_form_refuses_bad_input_by_field(client, people, snapshot_map):
    client.force_login(people.reviewer)
    response = client.post(
        CONTROL,
        {"file": snapshot(), "map": "nowhere", "actor": "rebels", "status": "held", "source_url": "ftp://x.org/a",
         "date": "2016-01-01", "date_field": "day"},
    )  # fmt: skip
    errors = response.context["form"].errors
    assert set(errors) == {"map", "source_url", "__all__"}
    assert errors["__all__"] == ["give either a date or a date field, not both"]
    assert not Job.objects.exists()


def test_an_editor_imports_events_as_drafts(client, demo, people):
    client.force_login(people.editor)
    upload = SimpleUploadedFile("acled.csv", (DATA / "acled-deir-ez-zor.csv").read_bytes())
    assert "Import events" in client.get("/admin/mapapp/event/").content.decode()
    dry = start(client, EVENTS, {"file": upload, "map": demo.slug, "format": "acled"})
    run_jobs()
    dry.refresh_from_db()
    assert dry.state == JobState.DONE, dry.error
    assert dry.report["summary"] == (
        "acled.csv: would import 7 row(s) (acled): 5 new, 0 updated, 0 unchanged, 2 skipped"
    )
    assert "line 9: skipped: the point 37.13430, 36.20210 is outside the map's area" in dry.report["lines"]
    assert not Event.objects.filter(map=demo, origin="acled").exists()
    job = confirm(client, dry)
    assert job.state == JobState.DONE and job.report["summary"].startswith("acled.csv: imported 7 row(s)")
    imported = Event.objects.filter(map=demo, origin="acled")
    assert imported.count() == 5 and {e.review_state for e in imported} == {EventState.DRAFT}


def test_only_a_reviewer_may_publish_imported_events(client, demo, people):
    client.force_login(people.editor)
    upload = SimpleUploadedFile("acled.csv", (DATA / "acled-deir-ez-zor.csv").read_bytes())
    response = client.post(EVENTS, {"file": upload, "map": demo.slug, "publish": "on"})
    assert response.context["form"].errors["publish"] == ["only a reviewer may publish an import"]
    assert not Job.objects.exists()
    client.force_login(people.reviewer)
    upload = SimpleUploadedFile("acled.csv", (DATA / "acled-deir-ez-zor.csv").read_bytes())
    dry = start(client, EVENTS, {"file": upload, "map": demo.slug, "publish": "on"})
    run_jobs()
    job = confirm(client, Job.objects.get(pk=dry.pk))
    assert job.state == JobState.DONE
    assert {e.review_state for e in Event.objects.filter(map=demo, origin="acled")} == {EventState.PUBLISHED}


def test_an_events_file_with_bad_rows_fails_with_every_row_listed(client, demo, people):
    client.force_login(people.editor)
    text = "id,date,latitude,longitude,event_type\nx1,2016-01-01,35.3,40.1,Battles\nx2,not a date,35.3,40.1,Battles\n"
    dry = start(client, EVENTS, {"file": SimpleUploadedFile("bad.csv", text.encode()), "map": demo.slug})
    run_jobs()
    dry.refresh_from_db()
    assert dry.state == JobState.FAILED and dry.error.startswith("bad.csv: imported nothing: 1 bad row(s) of 2")
    assert any(line.startswith("line 3: ") for line in dry.report["lines"])
    page = client.get(f"/admin/jobs/{dry.pk}/").content.decode()
    assert "line 3: " in page and not Event.objects.filter(external_id__in=("x1", "x2")).exists()


def test_the_job_list_shows_each_editor_their_own_jobs(client, demo, people):
    client.force_login(people.editor)
    upload = SimpleUploadedFile("acled.csv", (DATA / "acled-deir-ez-zor.csv").read_bytes())
    mine = start(client, EVENTS, {"file": upload, "map": demo.slug})
    client.force_login(people.reviewer)
    upload = SimpleUploadedFile("acled.csv", (DATA / "acled-deir-ez-zor.csv").read_bytes())
    theirs = start(client, EVENTS, {"file": upload, "map": demo.slug})

    client.force_login(people.editor)
    listing = client.get("/admin/mapapp/job/")
    assert listing.status_code == 200
    assert [job.pk for job in listing.context["cl"].result_list] == [mine.pk]
    assert f'href="/admin/jobs/{mine.pk}/"' in listing.content.decode()
    assert client.get(f"/admin/mapapp/job/{theirs.pk}/change/").status_code in (302, 403, 404)
    assert client.get(f"/admin/jobs/{theirs.pk}/").status_code == 404
