"""?as_of=: the record as the public saw it at a moment, before a correction and a back-dated change; and a map's
publication delay."""

from __future__ import annotations

import contextlib
import datetime as dt

import orjson
import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from mapapp import asof
from mapapp.models import ControlChange, ControlPeriod, Map, Siege, SiegePlace, SiegeSupply
from tests.mapapp.test_parts import box, grid, ground_change
from tests.mapapp.test_write_api import login


@pytest.fixture
def corrected(world):
    """Gov holds a and b from 2015; rebels take a on 2016-01-01 (published at `before`'s moment), then that is
    withdrawn as a mistake, and a back-dated change gives b to rebels from 2015-06-01."""
    world.place("a", 0.0, 0.0)
    world.place("b", 0.01, 0.0)
    world.actor("gov")
    world.actor("rebels")
    world.map()
    world.change("2015-01-01", ["a", "b"], "gov")
    mistake = world.change("2016-01-01", ["a"], "rebels")
    world.before = timezone.now()
    world.services.control_change_withdraw(change=mistake, reason="wrong district")
    world.change("2015-06-01", ["b"], "rebels", title="Rebels held b earlier than we knew")
    return world


def zones(client, **params) -> dict:
    response = client.get("/api/v1/maps/test-map/zones", {"date": "2016-06-01", **params})
    assert response.status_code == 200, response.content
    return {f["id"]: f["properties"]["actor"] for f in orjson.loads(response.content)["features"]}


def test_zones_as_published_before_the_correction_and_today(client, corrected):
    assert zones(client) == {"a": "gov", "b": "rebels"}
    assert zones(client, as_of=corrected.before.isoformat()) == {"a": "rebels", "b": "gov"}
    assert zones(client, as_of="2000-01-01T00:00:00Z") == {"a": None, "b": None}
    assert zones(client, as_of=(timezone.now() + dt.timedelta(days=1)).isoformat()) == {"a": "gov", "b": "rebels"}


def test_every_read_tells_the_older_record(client, corrected):
    then = {"as_of": corrected.before.isoformat()}
    changes = client.get("/api/v1/maps/test-map/changes", then).json()["changes"]
    assert [(c["date"], c["place"], c["to_actor"]) for c in changes] == [
        ("2015-01-01", "a", "gov"),
        ("2015-01-01", "b", "gov"),
        ("2016-01-01", "a", "rebels"),
    ]
    export = orjson.loads(client.get("/api/v1/maps/test-map/export", {**then, "date": "2016-06-01"}).content)
    assert {f["id"]: f["properties"]["actor"] for f in export["features"]} == {"a": "rebels", "b": "gov"}
    history = client.get("/api/v1/maps/test-map/history", then).json()
    assert len(history["periods"]["zone"]) == 3 and history["changes"]["title"] == ["", ""]
    fronts = orjson.loads(client.get("/api/v1/maps/test-map/fronts", {**then, "date": "2016-06-01"}).content)
    assert [f["properties"]["actors"] for f in fronts["features"]] == [["gov", "rebels"]]
    timeline = client.get("/api/v1/maps/test-map/timeline", then).json()
    assert [e["date"] for e in timeline["events"]] == ["2015-01-01", "2016-01-01"]


def test_reading_the_past_writes_nothing(client, corrected):
    periods = sorted(ControlPeriod.objects.values_list("place_id", "actor_id", "valid_from", "valid_to"))
    states = sorted(ControlChange.objects.values_list("pk", "review_state", "date"))
    versions = ControlChange.history.count()
    zones(client, as_of=corrected.before.isoformat())
    assert sorted(ControlPeriod.objects.values_list("place_id", "actor_id", "valid_from", "valid_to")) == periods
    assert sorted(ControlChange.objects.values_list("pk", "review_state", "date")) == states
    assert ControlChange.history.count() == versions


def test_etags_differ_between_then_and_now(client, corrected):
    now = client.get("/api/v1/maps/test-map/zones", {"date": "2016-06-01"})
    then = client.get("/api/v1/maps/test-map/zones", {"date": "2016-06-01", "as_of": corrected.before.isoformat()})
    assert now["ETag"] != then["ETag"]
    again = client.get(
        "/api/v1/maps/test-map/zones",
        {"date": "2016-06-01", "as_of": corrected.before.isoformat()},
        HTTP_IF_NONE_MATCH=then["ETag"],
    )
    assert again.status_code == 304


@pytest.mark.parametrize("raw", ["yesterday", "2017-02-30", "2017-02-01T25:00:00Z", "\x01"])
def test_a_bad_as_of_is_a_400_on_the_api_and_a_notice_on_the_page(client, corrected, raw):
    response = client.get("/api/v1/maps/test-map/zones", {"as_of": raw})
    assert response.status_code == 400 and response.json()["field"] == "as_of"
    page = client.get("/maps/test-map/", {"as_of": raw})
    assert page.status_code == 200 and b"data-as-of-problem" in page.content


def test_the_page_says_it_shows_the_older_record_and_links_to_today(client, corrected):
    page = client.get("/maps/test-map/", {"as_of": "2016-03-01"}).content.decode()
    assert "data-as-of" in page and "The record as the public saw it on 1 March 2016, 23:59 UTC" in page
    assert 'href="/maps/test-map/">See today’s record' in page
    assert '"asOf": "2016-03-01T23:59:59.999999+00:00"' in page
    assert "data-as-of" not in client.get("/maps/test-map/").content.decode().replace("data-as-of-problem", "")


def test_a_publication_delay_holds_a_change_back_from_the_public_but_not_from_reviewers(client, corrected, people):
    Map.objects.filter(slug="test-map").update(publish_delay_hours=6)
    assert zones(client) == {"a": None, "b": None}  # the whole record above is younger than six hours
    assert zones(login(people.reviewer)) == {"a": "gov", "b": "rebels"}
    later = timezone.now() + dt.timedelta(hours=6, minutes=1)
    first = client.get("/api/v1/maps/test-map/zones", {"date": "2016-06-01"})
    assert first["Cache-Control"] == "public, max-age=60"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(asof.timezone, "now", lambda: later)
        assert zones(client) == {"a": "gov", "b": "rebels"}
        response = client.get("/api/v1/maps/test-map/zones", {"date": "2016-06-01"}, HTTP_IF_NONE_MATCH=first["ETag"])
        assert response.status_code == 200  # not the held-back answer the client had


def test_the_demo_corrects_its_airdrops_and_as_of_shows_what_it_said_before(client, demo):
    siege = Siege.objects.get(slug="deir-ez-zor-2015")
    correction = siege.history.latest("history_date", "history_id")
    assert correction.history_change_reason.startswith("edited: WFP airdrops resumed on 29 January 2017")
    assert "Reuters" in {source.publisher for source in siege.sources.all()}

    def supply(**params):
        response = client.get("/api/v1/maps/deir-ez-zor/sieges", {"date": "2017-03-01", **params})
        assert response.status_code == 200, response.content
        return [feature["properties"]["supply"] for feature in orjson.loads(response.content)["features"]]

    assert supply() == [["air_bridge", "airdrop"]]
    before = (correction.history_date - dt.timedelta(microseconds=1)).isoformat()
    assert supply(as_of=before) == [["air_bridge"]]
    assert supply(date="2017-01-20", as_of=before) == supply(date="2017-01-20") == [["air_bridge"]]
    # A read at the version the client holds is answered, not redirected (the record read as it stood writes
    # nothing, so the data version never moves).
    version = Map.objects.get(slug="deir-ez-zor").data_version
    assert supply(as_of=before, v=str(version)) == [["air_bridge"]]
    assert Map.objects.get(slug="deir-ez-zor").data_version == version


@contextlib.contextmanager
def read_only():
    """Inside, the database refuses every write: PostgreSQL's read-only transaction (set in a savepoint, which is
    rolled back after), SQLite's query_only. What a read replica would allow, and no write lock on SQLite."""
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION READ ONLY")
            yield
            transaction.set_rollback(True)
    else:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA query_only = ON")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA query_only = OFF")


READS_OF_THE_MAP = [
    ("/api/v1/maps/test-map/zones", {"date": "2016-06-01"}),
    ("/api/v1/maps/test-map/zones", {"date": "2015-08-01"}),
    ("/api/v1/maps/test-map/geometry", {}),
    ("/api/v1/maps/test-map/topology", {}),
    ("/api/v1/maps/test-map/history", {}),
    ("/api/v1/maps/test-map/changes", {}),
    ("/api/v1/maps/test-map/timeline", {}),
    ("/api/v1/maps/test-map/fronts", {"date": "2016-06-01"}),
    ("/api/v1/maps/test-map/sieges", {"date": "2016-06-01"}),
    ("/api/v1/maps/test-map/sieges", {"date": "2016-12-01"}),
    ("/api/v1/maps/test-map/pockets", {"date": "2016-06-01"}),
    ("/api/v1/maps/test-map/stats/area", {}),
    ("/api/v1/maps/test-map/export", {"format": "geojson"}),
    ("/api/v1/maps/test-map/export", {"format": "csv", "date": "2016-06-01"}),
    ("/ogc/collections/test-map/items", {"datetime": "2016-06-01", "f": "json"}),
    ("/ogc/collections/test-map/items", {"datetime": "2015-01-01/..", "f": "json"}),
]


def _comparable(path: str, body: bytes):
    """An answer less what names today's record rather than the one read: the map's data version, and the
    control periods' ids (OGC item ids, which a record read as at a moment numbers afresh)."""
    if b"\n" in body[:200] and not body.lstrip().startswith(b"{"):
        return body  # CSV
    answer = orjson.loads(body)
    answer.pop("version", None)
    answer.pop("timeStamp", None)
    if path.startswith("/ogc/"):
        answer.pop("links", None)
        for feature in answer["features"]:
            feature.pop("id", None)
            feature.pop("links", None)
    return answer


def read_everything(client, **as_of) -> dict:
    answers = {}
    for path, params in READS_OF_THE_MAP:
        response = client.get(path, {**params, **as_of})
        assert response.status_code == 200, (path, response.content[:300])
        # The media type too (application/geo+json on GeoJSON): an answer remade as once published keeps it.
        answers[(path, tuple(sorted(params.items())))] = (response["Content-Type"], _comparable(path, response.content))
    return answers


def test_as_of_reads_only_and_tells_what_every_read_said_then(client, world):
    """The record is read as it stood after each of three steps (publish; correct and edit a siege; withdraw
    and back-date), each read saved; later, every read as_of each step's moment, in a transaction that cannot
    write, says exactly what it said then."""
    D = dt.date.fromisoformat
    world.place("a", 0.0, 0.0)
    world.place("b", 0.01, 0.0)
    world.place("c", 0.02, 0.0)
    gov, rebels = world.actor("gov"), world.actor("rebels")
    world.map()
    services = world.services
    world.change("2015-01-01", ["a", "b", "c"], "gov")
    siege = services.siege_record(
        slug="the-siege",
        name_en="The siege",
        besieged_actor=gov,
        besieging_actors=[rebels],
        start=D("2015-03-01"),
        places=[(world.place("c"), None), (world.place("b"), D("2016-09-01"))],
        sources=[world.source],
        supplies=[("air_bridge", D("2015-03-01"), None, "")],
        publish=True,
    )
    steps = [(timezone.now(), read_everything(client))]

    taken = world.change("2016-01-01", ["a"], "rebels", title="Rebels take a")
    services.siege_update(
        siege=siege,
        name_en="The siege",
        besieged_actor=gov,
        besieging_actors=[rebels],
        start=D("2015-03-01"),
        places=[(world.place("c"), D("2016-11-01"))],
        sources=[world.source],
        supplies=[("air_bridge", D("2015-03-01"), D("2016-02-01"), ""), ("airdrop", D("2016-02-01"), None, "")],
        reason="b was never besieged; the air bridge stopped",
    )
    steps.append((timezone.now(), read_everything(client)))

    services.control_change_withdraw(change=taken, reason="wrong district")
    world.change("2015-06-01", ["b"], "rebels", title="Rebels held b earlier than we knew")
    world.change("2016-03-01", ["c"], "gov", status="contested")
    steps.append((timezone.now(), read_everything(client)))
    assert steps[0][1] != steps[1][1] != steps[2][1]

    with read_only():
        with pytest.raises(DatabaseError), transaction.atomic():  # the database would refuse a write
            Map.objects.filter(slug="test-map").update(credit="written")
        for moment, answers in steps:
            assert read_everything(client, as_of=moment.isoformat()) == answers
        assert read_everything(client) == steps[-1][1]
        before = read_everything(client, as_of="2000-01-01T00:00:00Z")
    _media_type, zones = before[("/api/v1/maps/test-map/zones", (("date", "2016-06-01"),))]
    assert {f["properties"]["status"] for f in zones["features"]} == {"unknown"}


def test_the_picture_as_of_a_moment_is_the_picture_drawn_then(client, world, settings, tmp_path):
    world.place("a", 0.0, 0.0)
    world.place("b", 0.01, 0.0)
    world.map()
    world.change("2015-01-01", ["a", "b"], "gov")
    mistake = world.change("2016-01-01", ["a"], "rebels")
    settings.EMBED_IMAGE_CACHE_DIR = str(tmp_path / "then")
    params = {"date": "2016-06-01", "width": "400", "height": "300"}
    drawn_then = client.get("/embed/test-map/image.png", params).content
    moment = timezone.now()
    world.services.control_change_withdraw(change=mistake, reason="wrong district")
    settings.EMBED_IMAGE_CACHE_DIR = str(tmp_path / "now")
    now = client.get("/embed/test-map/image.png", params)
    with read_only():
        then = client.get("/embed/test-map/image.png", {**params, "as_of": moment.isoformat()})
        again = client.get("/embed/test-map/image.png", {**params, "as_of": moment.isoformat()})
    assert then.status_code == 200 and then["Content-Type"] == "image/png"
    assert then.content == again.content == drawn_then != now.content
    assert client.get("/embed/test-map/image.png", {**params, "as_of": "yesterday"}).json()["field"] == "as_of"


PERIOD_FIELDS = ("place_id", "actor_id", "status", "valid_from", "valid_to", "held_since", "since_before", "change_id")


def record_rows() -> dict:
    return {
        "periods": sorted(ControlPeriod.objects.values_list(*PERIOD_FIELDS)),
        "changes": sorted(ControlChange.objects.values_list("pk", "date", "actor_id", "status", "review_state")),
        "places": sorted(ControlChange.places.through.objects.values_list("controlchange_id", "place_id")),
        "sources": sorted(ControlChange.sources.through.objects.values_list("controlchange_id", "source_id")),
        "sieges": sorted(Siege.objects.values_list("pk", "start", "end", "review_state")),
        "siege_places": sorted(SiegePlace.objects.values_list("siege_id", "place_id", "until")),
        "supplies": sorted(SiegeSupply.objects.values_list("siege_id", "method", "start", "end")),
        "besieging": sorted(Siege.besieging_actors.through.objects.values_list("siege_id", "actor_id")),
    }


def test_the_record_read_from_its_versions_at_this_moment_is_the_record(demo):
    """The record rebuilt from the versions (the periods derived in SQL) is, row for row, the record the
    services wrote and control_periods_rebuild() derived."""
    now = record_rows()
    assert now["periods"] and now["siege_places"] and now["supplies"]
    with read_only(), asof.record_at(timezone.now()):
        assert record_rows() == now


def test_zones_split_since_show_the_ground_their_whole_held_then(client, world):
    """A change's ground published later splits zones into parts (their inherited rows have no versions of their
    own): the record as it stood before shows the parts as the zone they were cut from was."""
    map_ = grid(world)
    world.change("2015-01-10", list(world.places), "army")
    moment = timezone.now()
    ground_change(world, map_, box(0.005, 0, 0.015, 0.03), on="2016-06-01", actor="rebels")
    now = record_rows()
    with read_only(), asof.record_at(timezone.now()):
        assert record_rows() == now
    later = client.get("/api/v1/maps/test-map/zones", {"date": "2016-07-01"}).json()["features"]
    with read_only():
        then = client.get("/api/v1/maps/test-map/zones", {"date": "2016-07-01", "as_of": moment.isoformat()})
    assert {f["properties"]["actor"] for f in later} == {"army", "rebels"}
    assert [f["id"] for f in then.json()["features"]] == [f["id"] for f in later]
    assert {f["properties"]["actor"] for f in then.json()["features"]} == {"army"}


def test_a_publication_delay_holds_the_picture_back_too(client, corrected, people, settings, tmp_path):
    settings.EMBED_IMAGE_CACHE_DIR = str(tmp_path)
    url, params = "/embed/test-map/image.png", {"date": "2016-06-01", "width": "400", "height": "300"}
    today = client.get(url, params).content
    Map.objects.filter(slug="test-map").update(publish_delay_hours=6)
    held = client.get(url, params).content
    assert held != today
    assert held == client.get(url, {**params, "as_of": "2000-01-01"}).content  # nothing was public six hours ago
    assert login(people.reviewer).get(url, params).content == today


def test_a_change_that_only_the_parts_of_a_split_zone_inherit_is_read_as_it_stood(client, world):
    """The change covered g11 alone; g11 has since been split (its parts are the zones now) and the change
    withdrawn: read as it stood before the withdrawal, the parts still show it."""
    map_ = grid(world)
    world.change("2015-01-10", list(world.places), "army")
    contested = world.change("2015-06-01", ["g11"], "rebels", status="contested")
    ground_change(world, map_, box(0.012, 0.012, 0.018, 0.018), on="2016-06-01", actor="rebels")
    moment = timezone.now()
    world.services.control_change_withdraw(change=contested, reason="it was quiet there")

    def statuses(**as_of):
        response = client.get("/api/v1/maps/test-map/zones", {"date": "2015-07-01", **as_of})
        return {f["id"]: f["properties"]["status"] for f in response.json()["features"] if f["id"].startswith("g11")}

    assert len(statuses()) == 2 and set(statuses().values()) == {"held"}
    with read_only():
        assert set(statuses(as_of=moment.isoformat()).values()) == {"contested"}
