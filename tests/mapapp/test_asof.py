"""?as_of=: the record as the public saw it at a moment, before a correction and a back-dated change; and a map's
publication delay."""

from __future__ import annotations

import datetime as dt

import orjson
import pytest
from django.utils import timezone

from mapapp import asof
from mapapp.models import ControlChange, ControlPeriod, Map
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
    from mapapp.models import Siege

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
    # Putting the supplies back deletes and writes rows, which moves the data version inside the rolled-back
    # transaction (mapapp/versioning.py): a read at the version the client holds is still answered, not redirected.
    version = Map.objects.get(slug="deir-ez-zor").data_version
    assert supply(as_of=before, v=str(version)) == [["air_bridge"]]
    assert Map.objects.get(slug="deir-ez-zor").data_version == version
