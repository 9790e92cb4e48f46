"""A film from the Share / Embed dialog in Chromium, under the real Content-Security-Policy: the reader picks a
range, a step and a format, the worker makes it while the dialog shows its progress, and the dialog offers the
file, which is a real GIF of the frames asked for (read back with Pillow)."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image
from playwright.sync_api import expect

from mapapp.models import Job
from mapapp.services import films
from tests.browser.clock import until
from tests.browser.test_csp import assert_clean, watch
from tests.jobs import worker_thread

pytestmark = [pytest.mark.browser, pytest.mark.csp, pytest.mark.django_db(transaction=True)]


def test_a_reader_makes_a_film_from_the_share_dialog(page, live_server, demo, settings, tmp_path):
    settings.FILM_CACHE_DIR = tmp_path / "films"
    settings.EMBED_IMAGE_CACHE_DIR = tmp_path / "pictures"
    settings.SITE_URL = live_server.url  # the dialog's embed preview frames the site itself
    console = watch(page)
    page.clock.install()  # the dialog asks for the film's progress every second: moved on instead of waited
    response = page.goto(f"{live_server.url}/maps/deir-ez-zor/?date=2016-06-01")
    page.wait_for_selector("[data-viewer][data-ready=true]")
    page.get_by_role("button", name="Share / Embed").click()
    film = page.locator("[data-film=root]")
    page.locator("[data-film=from]").fill("2016-01-01")
    page.locator("[data-film=to]").fill("2016-06-30")
    page.locator("[data-film=step]").select_option("month")
    page.locator("[data-film=format]").select_option("gif")
    page.locator("[data-film=make]").click()
    # No worker yet: the job waits, and the dialog says so.
    expect(film).to_have_attribute("data-state", "queued")
    expect(page.locator("[data-film=progress]")).to_be_visible()
    expect(page.locator("[data-film=make]")).to_be_disabled()
    # The dialog shows the state the server answered; this thread's connection may see the new row a moment
    # later (another connection committed it), so it is looked for until it is there.
    deadline = time.monotonic() + 10
    while (job := Job.objects.filter(kind="film").first()) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert job is not None, "the dialog showed a queued film, but no film job was recorded"
    assert (job.params["first"], job.params["last"], job.params["step"]) == ("2016-01-01", "2016-06-30", "month")
    with worker_thread():
        until(
            page,
            lambda timeout: expect(film).to_have_attribute("data-state", "done", timeout=timeout),
            poll_ms=1000,
            timeout_s=60,
        )
    download = page.locator("[data-film=download]")
    expect(download).to_be_visible()
    expect(page.locator("[data-film=progress]")).to_be_hidden()
    href = download.get_attribute("href")
    assert href.startswith("/maps/deir-ez-zor/films/deir-ez-zor-2016-01-01-2016-06-30-month-") and href.endswith(".gif")
    with page.expect_download() as started:
        download.click()
    saved = tmp_path / "film.gif"
    started.value.save_as(saved)
    gif = Image.open(io.BytesIO(saved.read_bytes()))
    # the first of each month from January to June, and the last day asked for
    assert (gif.n_frames, gif.size) == (7, (films.WIDTH, films.HEIGHT))
    # Asked again: the finished film is offered at once.
    page.locator("[data-film=make]").click()
    expect(film).to_have_attribute("data-state", "done")
    assert Job.objects.filter(kind="film").count() == 1
    assert_clean(page, console, response)
    assert page.js_errors == []


def test_a_refused_film_says_why_in_the_dialog(page, live_server, demo):
    page.goto(f"{live_server.url}/maps/deir-ez-zor/?date=2016-06-01")
    page.wait_for_selector("[data-viewer][data-ready=true]")
    page.get_by_role("button", name="Share / Embed").click()
    page.locator("[data-film=from]").fill("2014-01-01")
    page.locator("[data-film=to]").fill("2017-12-31")
    page.locator("[data-film=step]").select_option("day")
    page.locator("[data-film=make]").click()
    error = page.locator("[data-film=error]")
    expect(error).to_contain_text("The film could not be made: ")
    expect(error).to_contain_text("frames is more than a film here may have (1000)")
    assert not Job.objects.filter(kind="film").exists()
