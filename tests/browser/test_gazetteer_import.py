"""Importing places from the admin in Chromium, run by the background worker (a thread running django-tasks'
worker loop beside the live server): upload a file, watch the dry-run job, read its report, confirm, watch the
import; a slow job's progress, and its cancel button. Under the real Content-Security-Policy (`csp`): the job
page's script is a module from the site, and the browser reports no violation."""

import threading

import geopandas as gpd
import pytest
import shapely
from django.contrib.auth.models import Permission, User
from django.contrib.gis.geos import Point
from django.db import transaction
from playwright.sync_api import expect

from gazetteer.models import Place
from mapapp.models import Job, JobState
from mapapp.services import jobs
from tests.browser.clock import until
from tests.browser.test_csp import assert_clean, watch
from tests.jobs import worker_thread

pytestmark = [pytest.mark.browser, pytest.mark.csp, pytest.mark.django_db(transaction=True)]

POLL_MS = 1000  # the job page asks for its job's status every second (static/js/editor/job-progress.js)


def log_in_importer(page, base):
    user = User.objects.create_user("importer", password="a long test password", is_staff=True)
    for codename in ("add_place", "view_place", "change_place"):
        user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label="gazetteer"))
    page.goto(f"{base}/admin/login/?next=/admin/gazetteer/place/")
    page.fill("#id_username", "importer")
    page.fill("#id_password", "a long test password")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/gazetteer/place/")
    return user


def test_an_editor_imports_a_file_from_the_admin_through_the_worker(page, live_server, tmp_path):
    console = watch(page)
    page.clock.install()
    path = tmp_path / "districts.geojson"
    rows = [
        {"name": "al-Joura", "name_ar": "الجورة", "geometry": shapely.box(40.10, 35.33, 40.11, 35.34)},
        {"name": "Airport road", "name_ar": None, "geometry": shapely.LineString([(40.1, 35.3), (40.2, 35.3)])},
    ]
    gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326").to_file(path, driver="GeoJSON")

    log_in_importer(page, live_server.url)
    page.click("text=Import from a file")
    page.set_input_files("input[name=file]", str(path))
    page.select_option("select[name=kind]", "district")
    page.click("input[name=check]")

    # No worker yet: the job waits in the queue, and its page says so, with a cancel button.
    page.wait_for_url("**/admin/jobs/*/")
    expect(page.locator("[data-job-state]")).to_have_text("queued")
    expect(page.locator("[data-job-cancel]")).to_be_visible()
    assert_clean(page, console, page.goto(page.url))
    with worker_thread():
        # The page asks the status endpoint and, once the worker is done, shows the report (no reload by hand).
        summary = page.locator("[data-import-summary]")
        until(
            page,
            lambda timeout: expect(summary).to_have_text(
                "Would import districts.geojson: created 1, merged 0, repaired 0, skipped 1", timeout=timeout
            ),
            poll_ms=POLL_MS,
        )
        report = page.locator("[data-import-report]").inner_text()
        assert "created al-joura: al-Joura / الجورة" in report
        assert 'skipped feature 2 "Airport road": a LineString is not a place: expected a point or a polygon' in report
        assert "dry run: nothing was written" in report
        assert not Place.objects.exists()

        page.click("input[name=confirm]")
        until(
            page,
            lambda timeout: expect(summary).to_contain_text("Imported districts.geojson: created 1", timeout=timeout),
            poll_ms=POLL_MS,
        )
    joura = Place.objects.get(slug="al-joura")
    assert (joura.name_ar, joura.kind, joura.footprint_approximate) == ("الجورة", "district", False)
    assert [job.state for job in Job.objects.order_by("pk")] == [JobState.DONE, JobState.DONE]
    page.wait_for_timeout(300)
    assert page.evaluate("window.__csp") == [] and console == [] and page.js_errors == []


# A runner that writes a place, says so, and waits (as a long import would) until the test lets it go on.
GO_ON = threading.Event()


def slow_run(*, job):
    with transaction.atomic():
        for step in range(3):
            Place.objects.create(
                slug=f"slow-{step}", name_en=f"Slow {step}", kind="village", label_point=Point(40, 35, srid=4326)
            )
            jobs.job_progress(job=job, done=step + 1, total=3, message=f"wrote place {step + 1} of 3")
            GO_ON.wait(timeout=30)
    return {"summary": "wrote 3 places", "lines": []}


def test_a_running_job_shows_its_progress_and_is_cancelled_with_nothing_kept(page, live_server, monkeypatch):
    monkeypatch.setitem(jobs.JOB_KINDS, "slow", f"{__name__}.slow_run")
    GO_ON.clear()
    console = watch(page)
    page.clock.install()
    user = log_in_importer(page, live_server.url)
    job = jobs.job_start(kind="slow", user=user, params={})
    with worker_thread():
        page.goto(f"{live_server.url}/admin/jobs/{job.pk}/")
        state = page.locator("[data-job-state]")
        until(page, lambda timeout: expect(state).to_have_text("running", timeout=timeout), poll_ms=POLL_MS)
        expect(page.locator("[data-job-count]")).to_have_text("1 / 3")
        expect(page.locator("[data-job-message]")).to_have_text("wrote place 1 of 3")
        assert page.locator("[data-job-progress]").evaluate("bar => [bar.value, bar.max]") == [1, 3]

        page.click("[data-job-cancel]")
        expect(page.locator(".messagelist")).to_contain_text("Cancelling: the job stops at its next step")
        GO_ON.set()  # the runner goes on to its next step, where it learns it was cancelled
        until(page, lambda timeout: expect(state).to_have_text("cancelled", timeout=timeout), poll_ms=POLL_MS)
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED and job.report["summary"] == "cancelled: nothing written"
    assert not Place.objects.filter(slug__startswith="slow-").exists()  # rolled back
    page.wait_for_timeout(300)
    assert page.evaluate("window.__csp") == [] and console == [] and page.js_errors == []
