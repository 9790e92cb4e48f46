"""Answers kept as bytes (mapapp/answers.py): a repeated read is served from the bytes made the first time, with
the same status, headers and body as the view makes them, by one query for the map's row; an edit of what the map
shows is read at once; delayed maps, `as_of` and Range requests are never served from the kept bytes."""

from __future__ import annotations

import datetime as dt
import gzip
import time

import brotli
import orjson
import pytest
from django.conf import settings
from django.db import connection
from django.db.models import F, Q
from django.test.utils import CaptureQueriesContext

from gazetteer.models import Place
from mapapp import answers, services
from mapapp.lib.filecache import VersionedFileCache
from mapapp.models import Map

MAP = "/api/v1/maps/deir-ez-zor"
READS = [
    "/geometry",
    "/history",
    "/timeline",
    "/zones?date=2016-06-01",
    "/changes?from=2015-01-01&to=2016-01-01",
    "/fronts?date=2017-03-01",
    "/sieges?date=2016-06-01",
    "/pockets?date=2016-06-01",
    "/stats/area?step=month",
    "/events",
]
CODINGS = ["", "gzip", "gzip, deflate, br"]
HEADERS = ("Content-Type", "ETag", "Cache-Control", "Vary", "Content-Encoding", "Access-Control-Allow-Origin")


def decoded(response) -> bytes:
    body = response.content
    coding = response.get("Content-Encoding")
    if coding == "br":
        return brotli.decompress(body)
    if coding == "gzip":
        return gzip.decompress(body)
    return body


def kept_files() -> list:
    return sorted(p for p in settings.ANSWER_CACHE_DIR.rglob("*") if p.is_file())


@pytest.fixture
def answers_dir(settings, tmp_path):
    settings.ANSWER_CACHE_DIR = tmp_path / "answers"
    return settings.ANSWER_CACHE_DIR


def version() -> int:
    return Map.objects.get(slug="deir-ez-zor").data_version


@pytest.mark.parametrize("read", READS)
@pytest.mark.parametrize("accept", CODINGS)
def test_a_kept_answer_is_the_answer_the_view_made(client, demo, answers_dir, read, accept):
    for url in (MAP + read, MAP + read + ("&" if "?" in read else "?") + f"v={version()}"):
        first = client.get(url, HTTP_ACCEPT_ENCODING=accept)
        assert first.status_code == 200, first.content
        assert kept_files(), "the first answer is kept"
        with CaptureQueriesContext(connection) as queries:
            again = client.get(url, HTTP_ACCEPT_ENCODING=accept)
        assert again.status_code == 200
        assert len(queries) == 1, [q["sql"] for q in queries]  # the map's row, nothing else
        assert decoded(again) == decoded(first)
        for header in HEADERS:
            assert again.get(header) == first.get(header), header
        if accept and len(decoded(first)) > 1000:
            assert again["Content-Encoding"] in ("br", "gzip") and again["ETag"].startswith('W/"')


def test_a_revalidation_is_answered_by_one_query(client, demo, answers_dir):
    first = client.get(MAP + "/geometry", HTTP_ACCEPT_ENCODING="br")
    with CaptureQueriesContext(connection) as queries:
        again = client.get(MAP + "/geometry", HTTP_ACCEPT_ENCODING="br", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert len(queries) == 1
    assert again["ETag"] == first["ETag"].removeprefix("W/")
    assert again["Cache-Control"] == first["Cache-Control"] == "public, max-age=60"


def test_an_edit_is_read_at_once_and_the_old_version_is_redirected(client, demo, answers_dir):
    before = version()
    url = f"{MAP}/geometry?v={before}"
    old = orjson.loads(client.get(url).content)
    place = Place.objects.get(slug="al-joura")
    place.name_en = "Joura (renamed)"
    place.save()  # as the admin's place form saves it
    assert version() > before
    assert client.get(url).status_code == 302
    assert client.get(f"{MAP}/geometry").status_code == 200  # without v: built anew at the new version
    new = orjson.loads(client.get(f"{MAP}/geometry?v={version()}").content)
    names = {f["properties"].get("name_en") for f in new["features"]}
    assert "Joura (renamed)" in names
    assert names != {f["properties"].get("name_en") for f in old["features"]}
    # The first answer of the new version removed the old version's folder.
    folders = {p.parent.name for p in kept_files()}
    assert all(folder.startswith(f"v{version()}-") for folder in folders), folders


def test_a_publish_is_seen_by_the_kept_zones(client, demo, answers_dir):
    url = f"{MAP}/zones?date=2017-06-01"
    before = orjson.loads(client.get(url).content)
    joura = next(f for f in before["features"] if f["properties"]["place"] == "al-joura")
    held_by = joura["properties"]["actor"]
    other = next(a for a in demo.actors.all() if a.slug != held_by)
    place = demo.places.get(slug="al-joura")
    source = services.source_create(title="Report", publisher="Wire", url="https://example.org/x")
    services.control_change_record(
        on=dt.date(2017, 5, 1), places=[place], actor=other, status="held", sources=[source], publish=True
    )
    after = orjson.loads(client.get(url).content)
    assert next(f for f in after["features"] if f["properties"]["place"] == "al-joura")["properties"]["actor"] == (
        other.slug
    )


def test_a_delayed_map_and_as_of_and_ranges_are_never_served_from_kept_bytes(client, demo, answers_dir):
    client.get(f"{MAP}/geometry")
    with CaptureQueriesContext(connection) as queries:
        ranged = client.get(f"{MAP}/geometry", HTTP_RANGE="bytes=0-9")
    assert ranged.status_code == 206 and len(ranged.content) == 10
    assert len(queries) > 1  # the view's path
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"{MAP}/geometry?as_of=2030-01-01T00:00:00Z").status_code == 200
    assert len(queries) > 1
    Map.objects.filter(slug="deir-ez-zor").update(publish_delay_hours=24)
    for path in list(answers_dir.rglob("*")):
        if path.is_file():
            path.unlink()
    assert client.get(f"{MAP}/geometry").status_code == 200
    assert kept_files() == []


def test_a_version_number_that_comes_round_again_meets_no_old_answer(client, demo, answers_dir):
    """A database restored from a backup (or made again) may reach a version number a second time with another
    record: the key holds the moment of the bump too."""
    first = client.get(f"{MAP}/timeline")
    Map.objects.filter(slug="deir-ez-zor").update(title_en="Another record", updated_at=dt.datetime(2030, 1, 1))
    # Same version number, another moment: the kept bytes of the first are not this record's.
    with CaptureQueriesContext(connection) as queries:
        again = client.get(f"{MAP}/timeline")
    assert again.status_code == 200 and len(queries) > 1
    assert first["ETag"] == again["ETag"]  # the ETag names the version, and is still right for what is served
    assert len({p.parent for p in kept_files()}) == 1


def test_a_private_or_unknown_map_is_not_served(client, demo, answers_dir):
    client.get(f"{MAP}/geometry")
    Map.objects.filter(slug="deir-ez-zor").update(is_public=False)
    assert client.get(f"{MAP}/geometry").status_code == 404
    assert client.get("/api/v1/maps/nowhere/geometry").status_code == 404


def test_the_file_cache_keeps_the_most_recently_used_within_its_size(tmp_path):
    cache = VersionedFileCache(tmp_path, limit_bytes=2500)
    paths = [cache.folder("1-m", "3-x") / f"{n}.id" for n in range(3)]
    for path in paths:
        cache.write(path, b"x" * 1000)
        time.sleep(0.001)
    # The third write took the cache over 2,500 bytes: the least recently used (the first) went.
    assert [p.exists() for p in paths] == [False, True, True]
    assert cache.read(paths[1]) == b"x" * 1000  # a hit: now the most recently used
    cache.write(cache.folder("1-m", "3-x") / "3.id", b"y" * 1000)
    assert [p.exists() for p in paths] == [False, True, False]
    # A new version of the map removes the old version's folder.
    cache.write(cache.folder("1-m", "4-y") / "0.id", b"z")
    assert not paths[1].exists()
    assert cache.read(cache.folder("1-m", "4-y") / "0.id") == b"z"


def test_a_public_read_does_not_vary_on_cookie(client, demo, answers_dir):
    """Only a map with a publication delay asks who the reader is (mapapp/asof.py); any other public read must
    be one answer for everyone, or a shared cache could hold none of them."""
    for _ in range(2):  # built, then kept
        response = client.get(f"{MAP}/geometry", HTTP_ACCEPT_ENCODING="br")
        assert response.status_code == 200
        assert "Cookie" not in response.get("Vary", "")
        assert "Accept-Encoding" in response["Vary"]


def test_the_map_row_reads_the_same_through_the_driver_as_through_django(demo):
    """A hit reads the map's row on the driver's own cursor (not logged, not wrapped); where queries are logged it
    goes through Django's. Both read the same row, stamp included, and neither finds an unknown or private map."""
    connection.ensure_connection()
    fast = answers._map_row(demo.slug)
    with CaptureQueriesContext(connection) as logged:
        slow = answers._map_row(demo.slug)
    assert len(logged) == 1 and fast == slow
    version = Map.objects.get(pk=demo.pk).data_version
    assert (fast.pk, fast.slug, fast.data_version, fast.delay) == (demo.pk, demo.slug, version, 0)
    assert fast.stamp and answers._map_row("no-such-map") is None
    Map.objects.filter(pk=demo.pk).update(is_public=False)
    assert answers._map_row(demo.slug) is None


# --- Built ahead by the worker after a bump (answers.build_ahead) ----------------------------------------------


def publish_joura(demo, on: dt.date, client=None, reviewer=None):
    """A published change of al-Joura's holder on `on`: through the publish API when a reviewer is given (as the
    review page publishes), else through the services."""
    place = demo.places.get(slug="al-joura")
    actor = demo.actors.exclude(slug=Map.objects.get(pk=demo.pk).actors.first().slug).first()
    source = services.source_create(title="Report", publisher="Wire", url=f"https://example.org/{on}")
    change = services.control_change_record(
        on=on, places=[place], actor=actor, status="held", sources=[source], publish=reviewer is None
    )
    if reviewer is not None:
        client.force_login(reviewer)
        response = client.post("/api/v1/changes/publish", {"ids": [change.pk]}, content_type="application/json")
        assert response.status_code == 200, response.content
        client.logout()
    return change


def served_from_kept_bytes(client, url: str, accept: str = "br"):
    """The answer to `url`, asserting it came from kept bytes: one query (the map's row), nothing built."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, HTTP_ACCEPT_ENCODING=accept)
    assert response.status_code == 200, (url, response.status_code)
    assert len(queries) == 1, (url, [q["sql"] for q in queries])
    return response


def test_first_reads_are_what_the_viewer_asks_for(demo):
    map_ = Map.objects.get(pk=demo.pk)
    v = map_.data_version
    assert answers.first_reads(map_) == [
        f"{MAP}/topology?v={v}",
        f"{MAP}/history?v={v}",
        f"{MAP}/timeline?v={v}",
        f"{MAP}/fronts?v={v}&date={map_.default_date}",
        f"{MAP}/sieges?v={v}&date={map_.default_date}",
    ]


def test_a_publish_builds_the_first_reads_in_the_worker_before_any_request(
    client, demo, answers_dir, people, django_capture_on_commit_callbacks
):
    from django_tasks.backends.database.models import DBTaskResult

    from tests.jobs import run_jobs

    # Loading the demo published its changes, each queueing a build of its own (as `make run` leaves them for the
    # worker); this test is about the one publish below, so the queue starts empty.
    DBTaskResult.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        publish_joura(demo, dt.date(2017, 5, 1), client=client, reviewer=people.reviewer)
    # The request asked for the work and did none of it: one task waits in the queue, nothing is kept yet.
    assert len([c for c in callbacks if isinstance(c, answers._AheadOnCommit)]) == 1, callbacks
    assert DBTaskResult.objects.ready().count() == 1
    assert kept_files() == []
    assert run_jobs() == 1
    map_ = Map.objects.get(pk=demo.pk)
    reads = answers.first_reads(map_)
    folders = {p.parent.name for p in kept_files()}
    assert folders and all(folder.startswith(f"v{map_.data_version}-") for folder in folders), folders
    kept = {url: decoded(served_from_kept_bytes(client, url)) for url in reads}
    # The same bytes as the views make them: built again from scratch, with nothing kept.
    answers.forget_memory()
    for path in list(answers_dir.rglob("*")):
        if path.is_file():
            path.unlink()
    for url in reads:
        assert decoded(client.get(url, HTTP_ACCEPT_ENCODING="br")) == kept[url], url
    history = orjson.loads(kept[reads[1]])
    assert "2017-05-01" in orjson.dumps(history).decode()  # the publish is in the answer built for it


def test_a_second_publish_builds_new_answers_and_the_old_version_is_not_served(
    client, demo, answers_dir, django_capture_on_commit_callbacks
):
    from tests.jobs import run_jobs

    with django_capture_on_commit_callbacks(execute=True):
        publish_joura(demo, dt.date(2017, 5, 1))
    run_jobs()
    first = Map.objects.get(pk=demo.pk)
    old_reads = answers.first_reads(first)
    old_history = decoded(served_from_kept_bytes(client, old_reads[1]))
    with django_capture_on_commit_callbacks(execute=True):
        publish_joura(demo, dt.date(2017, 8, 1))
    second = Map.objects.get(pk=demo.pk)
    assert second.data_version > first.data_version
    # Before the worker runs: the old version's URLs are sent to the new version, which is not kept yet (built
    # by this request, as before the worker existed), never the old bytes.
    for url in old_reads:
        assert client.get(url).status_code == 302
    assert run_jobs() == 1
    folders = {p.parent.name for p in kept_files()}
    assert all(folder.startswith(f"v{second.data_version}-") for folder in folders), folders
    new_history = decoded(served_from_kept_bytes(client, answers.first_reads(second)[1]))
    assert new_history != old_history and "2017-08-01" in new_history.decode()
    assert "2017-08-01" not in old_history.decode()


def test_building_ahead_is_idempotent_and_skips_delayed_and_private_maps(demo, answers_dir):
    assert answers.build_ahead([demo.pk]) == len(answers.first_reads(Map.objects.get(pk=demo.pk)))
    files = kept_files()
    assert answers.build_ahead([demo.pk]) == 0 and answers.build_ahead() == 0
    assert kept_files() == files
    for change in ({"publish_delay_hours": 24}, {"is_public": False}):
        Map.objects.filter(pk=demo.pk).update(data_version=F("data_version") + 1, **change)
        assert answers.build_ahead([demo.pk]) == 0
        Map.objects.filter(pk=demo.pk).update(publish_delay_hours=0, is_public=True)


def test_an_answer_built_while_the_version_moved_is_not_kept(client, demo, answers_dir):
    """The row is read again after the build: an edit committed meanwhile may be in the body, which must never be
    filed under the version read before it."""
    connection.ensure_connection()
    row = answers._map_row(demo.slug)
    Map.objects.filter(pk=demo.pk).update(data_version=F("data_version") + 1, updated_at=dt.datetime(2031, 1, 1))
    assert answers._keep_bytes(row, f"{MAP}/timeline?v={row.data_version}", "application/json", b"[]") is None
    assert kept_files() == []


def test_a_rolled_back_bump_asks_for_nothing_and_bumps_of_one_transaction_ask_once(
    demo, answers_dir, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from mapapp import versioning

    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                versioning.maps_bump()
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert callbacks == []
    with django_capture_on_commit_callbacks() as callbacks:
        versioning.maps_bump(Q(pk=demo.pk))
        map_ = Map.objects.get(pk=demo.pk)
        map_.title_en = "Renamed"
        map_.save()
    assert len(callbacks) == 1 and callbacks[0].map_ids == {demo.pk} and not callbacks[0].every_map


def test_the_immediate_backend_builds_the_first_reads_on_commit(
    client, demo, answers_dir, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        publish_joura(demo, dt.date(2017, 5, 1))
    # Built when the publish committed, with no worker run and no request: every first read is kept, of this version.
    map_ = Map.objects.get(pk=demo.pk)
    folders = {p.parent.name for p in kept_files()}
    assert folders and all(folder.startswith(f"v{map_.data_version}-") for folder in folders), folders
    for url in answers.first_reads(map_):
        assert served_from_kept_bytes(client, url).status_code == 200
