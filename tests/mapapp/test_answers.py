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
