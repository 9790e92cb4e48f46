"""Films for readers (POST /api/v1/maps/<slug>/films): made by the worker as a job, their progress and file
offered, cached per data version and request, refused when the record has moved on, rate-limited per client.
The films are real: a GIF read back with Pillow, an MP4 with ffprobe."""

import io
import json
import subprocess

import orjson
import pytest
from django.db.models import Q
from PIL import Image

from mapapp import versioning
from mapapp.models import Job, JobState, Map
from mapapp.services import films
from tests.jobs import run_jobs

URL = "/api/v1/maps/deir-ez-zor/films"
BODY = {"from": "2017-01-01", "to": "2017-02-26", "step": "week", "format": "gif"}  # 9 frames


@pytest.fixture(autouse=True)
def _film_folder(settings, tmp_path):
    settings.FILM_CACHE_DIR = tmp_path / "films"
    settings.EMBED_IMAGE_CACHE_DIR = tmp_path / "pictures"


def ask(client, body=BODY):
    response = client.post(URL, data=orjson.dumps(body), content_type="application/json")
    return response, orjson.loads(response.content)


def made(client, body=BODY) -> dict:
    """Ask, let the worker make it, and return the finished job's status."""
    response, answer = ask(client, body)
    assert response.status_code == 202, answer
    assert run_jobs() >= 1
    status = client.get(answer["status_url"])
    assert status.status_code == 200 and status["Cache-Control"] == "no-store"
    return {**orjson.loads(status.content), "status_url": answer["status_url"]}


def test_a_gif_is_made_in_the_background_then_offered_and_cached(client, demo):
    response, answer = ask(client)
    assert response.status_code == 202 and answer["state"] == "queued"
    job = Job.objects.get(pk=answer["job"])
    assert job.kind == "film" and job.params["version"] == Map.objects.get(pk=demo.pk).data_version
    queued = orjson.loads(client.get(answer["status_url"]).content)
    assert queued["state"] == "queued" and "url" not in queued
    # Asked again before the worker took it: the same job, not a second one.
    again_response, again = ask(client)
    assert (again_response.status_code, again["job"]) == (202, job.pk)
    assert run_jobs() >= 1
    status = orjson.loads(client.get(answer["status_url"]).content)
    assert status["state"] == "done" and status["frames"] == 9 and status["done"] == status["total"] == 9
    download = client.get(status["url"])
    assert download.status_code == 200 and download["Content-Type"] == "image/gif"
    assert download["Content-Disposition"].startswith('attachment; filename="deir-ez-zor-2017-01-01-2017-02-26-week-')
    gif = Image.open(io.BytesIO(b"".join(download.streaming_content)))
    assert (gif.n_frames, gif.size) == (9, (films.WIDTH, films.HEIGHT))
    # Finished and cached: asked again, it is offered at once and nothing is queued.
    cached_response, cached = ask(client)
    assert (cached_response.status_code, cached) == (200, {"state": "done", "url": status["url"]})
    assert Job.objects.filter(kind="film").count() == 1


def test_an_mp4_is_h264_of_the_right_size_and_frame_count(client, demo, tmp_path):
    status = made(client, {**BODY, "format": "mp4", "step": "month", "from": "2016-01-01", "to": "2016-12-31"})
    path = tmp_path / "film.mp4"
    path.write_bytes(b"".join(client.get(status["url"]).streaming_content))
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
         "stream=codec_name,pix_fmt,width,height,nb_read_frames", "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    stream = json.loads(probe.stdout)["streams"][0]
    assert stream["codec_name"] == "h264" and stream["pix_fmt"] == "yuv420p"
    # the first of each month, and the last day asked for (a film ends on it)
    assert (stream["width"], stream["height"], int(stream["nb_read_frames"])) == (films.WIDTH, films.HEIGHT, 13)


def test_a_film_of_an_older_record_is_never_offered(client, demo):
    status = made(client)
    versioning.maps_bump(Q(pk=demo.pk))  # an edit to the map
    assert client.get(status["url"]).status_code == 404
    response, answer = ask(client)
    assert response.status_code == 202  # made again, of the record as it is now
    assert Job.objects.get(pk=answer["job"]).params["version"] == Map.objects.get(pk=demo.pk).data_version


def test_a_film_drawn_while_the_record_changed_is_stale(client, demo, monkeypatch):
    response, answer = ask(client)
    drawing = films.timelapse.make_film

    def and_meanwhile(*args, **kwargs):
        film = drawing(*args, **kwargs)
        versioning.maps_bump(Q(pk=demo.pk))  # an editor's write lands while the film is drawn
        return film

    monkeypatch.setattr(films.timelapse, "make_film", and_meanwhile)
    run_jobs()
    status = orjson.loads(client.get(answer["status_url"]).content)
    assert status["state"] == "stale" and "url" not in status and "ask for it again" in status["error"]


def test_the_films_folder_is_capped_least_recently_downloaded_out_first(client, demo, settings):
    weekly = made(client)
    monthly = made(client, {**BODY, "step": "month"})
    folder = settings.FILM_CACHE_DIR / "deir-ez-zor"
    sizes = {path.name: path.stat().st_size for path in folder.rglob("*.gif")}
    assert len(sizes) == 2
    assert client.get(weekly["url"]).status_code == 200  # downloaded last: the monthly film is the one to go
    # A cap that holds the newest film and one more of the two: the least recently downloaded goes.
    settings.FILM_CACHE_MB = (max(sizes.values()) + min(sizes.values()) + 1) / (1024 * 1024)
    daily = made(client, {**BODY, "step": "day", "to": "2017-01-03"})
    assert daily["state"] == "done" and client.get(daily["url"]).status_code == 200
    assert client.get(weekly["url"]).status_code == 200
    assert client.get(monthly["url"]).status_code == 404
    gone = orjson.loads(client.get(monthly["status_url"]).content)
    assert gone["state"] == "stale" and gone["error"].startswith("the film was removed to make room")
    # Asked again, it is made again (the record has not changed: it was only removed for room).
    response, answer = ask(client, {**BODY, "step": "month"})
    assert response.status_code == 202
    # A cap smaller than one film still keeps the film just made: its reader is about to download it.
    settings.FILM_CACHE_MB = 0
    run_jobs()
    status = orjson.loads(client.get(answer["status_url"]).content)
    assert status["state"] == "done" and client.get(status["url"]).status_code == 200
    assert [path.name for path in folder.rglob("*.gif")] == [status["url"].rsplit("/", 1)[1]]


def test_new_films_are_rate_limited_per_client_but_finished_ones_are_not(client, demo, settings):
    settings.RATE_LIMIT_FILMS = 1
    made(client)
    response, answer = ask(client, {**BODY, "step": "month"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "at most 1 an hour" in answer["error"]
    assert ask(client)[0].status_code == 200  # the finished film is still offered


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"from": "2013-01-01"}, "from", "from 2013-01-01 is outside this map's dates"),
        ({"from": "2017-03-01", "to": "2017-01-01"}, "from", "from (2017-03-01) is after to (2017-01-01)"),
        ({"from": "2017-02-30"}, "from", "from '2017-02-30' is not a real date"),
        ({"step": "year"}, "step", "step must be one of day, week, month"),
        ({"format": "webm"}, "format", "format must be one of gif, mp4"),
        ({"from": "2014-01-01", "to": "2017-12-31", "step": "day"}, "step", "frames is more than a film here may"),
        ({"lang": "fr"}, "lang", "lang must be en or ar"),
        ({"speed": "fast"}, "speed", "unknown field 'speed'"),
        ({"step": 7}, "step", "step must be a short text"),
    ],
)
def test_a_bad_request_is_refused_naming_its_field(client, demo, body, field, message):
    response, answer = ask(client, {**BODY, **body})
    assert (response.status_code, answer["field"]) == (400, field)
    assert message in answer["error"]
    assert not Job.objects.filter(kind="film").exists()


def test_other_methods_jobs_and_names_are_refused(client, demo):
    assert client.get(URL).status_code == 405
    assert client.post("/api/v1/maps/no-such-map/films", data=b"{}", content_type="application/json").status_code == 404
    response = client.post(URL, data=b"[1]", content_type="application/json")
    assert response.status_code == 400
    other = Job.objects.create(kind="events_import", params={})
    assert client.get(f"/api/v1/films/{other.pk}").status_code == 404  # only films are the public's
    for name in ("../../secret.gif", "x.tmp", ".hidden.gif", "nothing.mp4"):
        assert client.get(f"/maps/deir-ez-zor/films/{name}").status_code == 404


def test_a_failed_film_says_why(client, demo):
    response, answer = ask(client)
    Map.objects.filter(pk=demo.pk).update(is_public=False)  # taken off public view before the worker came
    run_jobs()
    status = orjson.loads(client.get(answer["status_url"]).content)
    assert status["state"] == JobState.FAILED and status["error"] == "no public map 'deir-ez-zor'"
