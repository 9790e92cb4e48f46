"""The Deir ez-Zor record as loaded by `make run`: the facts the issue names, checked through the public API."""

import datetime as dt
import itertools

import feedparser
import orjson
import pytest
import shapely
from shapely.geometry import shape

from mapapp.lib import geo
from mapapp.models import ControlChange, Siege
from tests.mapapp.test_viewer_api import get_json, zone_state_from_history

D = dt.date.fromisoformat


def zones(client, day):
    response = client.get(f"/api/v1/maps/deir-ez-zor/zones?date={day}")
    assert response.status_code == 200
    return {feature["id"]: feature for feature in response.json()["features"]}


def besieged_ground(client, day):
    besieged = [shape(f["geometry"]) for f in zones(client, day).values() if f["properties"]["besieged"]]
    return shapely.union_all(besieged) if besieged else shapely.MultiPolygon()


def parts(geometry):
    return len(getattr(geometry, "geoms", [geometry])) if not geometry.is_empty else 0


def test_the_demo_map_has_the_four_actors_and_its_dates(client, demo):
    [entry] = client.get("/api/v1/maps/").json()["maps"]
    assert entry["slug"] == "deir-ez-zor"
    assert (entry["start"], entry["end"], entry["default_date"]) == ("2014-01-01", "2017-12-31", "2017-06-15")
    west, south, east, north = entry["bbox"]
    assert 39.9 < west < east < 40.3 and 35.2 < south < north < 35.5
    assert sorted(demo.actors.values_list("slug", flat=True)) == ["government", "isis", "rebels", "sdf"]


def test_on_15_june_2017_the_government_pocket_is_held_and_besieged_and_isis_holds_tharda(client, demo):
    state = zones(client, "2017-06-15")
    for slug in ("al-joura", "al-qusour", "harabesh", "deir-ez-zor-airport", "brigade-137"):
        properties = state[slug]["properties"]
        assert (properties["actor"], properties["status"], properties["besieged"]) == ("government", "held", True)
        assert properties["siege"] == "deir-ez-zor-2015"
    for slug in ("jabal-al-tharda", "al-baghiliyah"):
        assert state[slug]["properties"]["actor"] == "isis"
        assert state[slug]["properties"]["besieged"] is False


def test_the_besieged_enclave_is_one_pocket_in_2016_and_two_after_the_january_2017_split(client, demo):
    assert parts(besieged_ground(client, "2016-06-01")) == 1
    assert parts(besieged_ground(client, "2017-01-15")) == 1
    split = besieged_ground(client, "2017-01-16")
    assert parts(split) == 2
    assert parts(besieged_ground(client, "2017-03-01")) == 2
    state = zones(client, "2017-03-01")
    west = shapely.union_all([shape(state[s]["geometry"]) for s in ("al-joura", "al-qusour", "brigade-137")])
    east = shapely.union_all([shape(state[s]["geometry"]) for s in ("deir-ez-zor-airport", "harabesh")])
    assert not west.intersects(east)
    pieces = list(split.geoms)
    assert any(piece.contains(west) for piece in pieces) and any(piece.contains(east) for piece in pieces)


def test_the_city_is_relieved_on_5_september_2017_and_the_airport_on_9_september(client, demo):
    on_4th = zones(client, "2017-09-04")
    on_5th = zones(client, "2017-09-05")
    assert on_4th["al-joura"]["properties"]["besieged"] is True
    assert on_5th["al-joura"]["properties"]["besieged"] is False
    assert on_5th["deir-ez-zor-airport"]["properties"]["besieged"] is True
    assert zones(client, "2017-09-08")["deir-ez-zor-airport"]["properties"]["besieged"] is True
    assert zones(client, "2017-09-09")["deir-ez-zor-airport"]["properties"]["besieged"] is False
    assert besieged_ground(client, "2017-11-10").is_empty


def test_the_siege_starts_in_early_2015(client, demo):
    assert zones(client, "2015-01-14")["al-joura"]["properties"]["besieged"] is False
    assert zones(client, "2015-01-15")["al-joura"]["properties"]["besieged"] is True


def test_every_change_and_siege_cites_a_source(demo):
    changes = ControlChange.objects.published()
    assert changes.count() >= 20
    assert not changes.filter(sources__isnull=True).exists()
    siege = Siege.objects.get(slug="deir-ez-zor-2015")
    assert siege.sources.count() >= 3
    assert {s.method for s in siege.supplies.all()} == {"land", "air_bridge", "airdrop"}


def test_the_zones_tile_the_city_approximately_and_share_their_edges(demo):
    places = list(demo.places.all())
    assert len(places) == 34
    assert all(place.footprint_approximate for place in places)
    footprints = {place.slug: geo.to_shapely(place.footprint) for place in places}
    union = shapely.union_all(list(footprints.values()))
    assert parts(union) == 1
    for (a, fa), (b, fb) in itertools.combinations(footprints.items(), 2):
        assert geo.area_km2(fa.intersection(fb)) < 1e-4, f"{a} overlaps {b}"
    neighbours = sum(1 for fa, fb in itertools.combinations(footprints.values(), 2) if fa.touches(fb))
    assert neighbours > len(places)  # a tiling, not scattered islands
    assert geo.area_km2(union) == pytest.approx(sum(geo.area_km2(f) for f in footprints.values()), rel=1e-6)


def test_the_army_holds_the_whole_city_at_the_end(client, demo):
    state = zones(client, "2017-12-31")
    city = [f for f in state.values() if f["id"] not in ("al-muriiyah", "al-jafra")]
    assert {f["properties"]["actor"] for f in city} == {"government"}


def test_load_demo_is_idempotent_and_resettable(demo):
    from django.core.management import call_command

    call_command("load_demo", verbosity=0)
    assert ControlChange.objects.filter(title__startswith="ISIS cuts the city-airport road").count() == 1
    call_command("load_demo", "--reset", verbosity=0)
    assert ControlChange.objects.filter(title__startswith="ISIS cuts the city-airport road").count() == 1


def test_the_demos_airdrop_correction_is_in_the_feed_and_the_log(client, demo, settings):
    settings.SITE_URL = "http://testserver"
    feed = feedparser.parse(client.get("/maps/deir-ez-zor/feed.atom").content)
    assert not feed.bozo, feed.bozo_exception
    corrections = [entry for entry in feed.entries if entry.title == "Corrected: Siege of Deir ez-Zor"]
    assert len(corrections) == 1
    assert "WFP airdrops resumed on 29 January 2017 (Reuters, 31 January 2017)" in corrections[0].summary
    assert feed.entries[0] == corrections[0]  # the newest: made after the record was loaded
    items = orjson.loads(client.get("/maps/deir-ez-zor/feed.json").content)["items"]
    assert items[0]["_frontline"]["siege"] == "deir-ez-zor-2015" and items[0]["_frontline"]["kind"] == "corrected"
    log = client.get("/maps/deir-ez-zor/changes/").content.decode()
    assert 'data-siege="deir-ez-zor-2015"' in log and "WFP airdrops resumed on 29 January 2017" in log


def test_history_gives_the_same_state_as_zones_on_every_change_day_of_the_demo(client, demo):
    _, geometry = get_json(client, "/api/v1/maps/deir-ez-zor/geometry")
    _, history = get_json(client, "/api/v1/maps/deir-ez-zor/history")
    epoch = D(history["epoch"])
    days = sorted({d for d in history["changes"]["day"] if d >= 0} | {0, history["end"]})
    assert len(days) > 10
    slugs = [f["id"] for f in geometry["features"]]
    for day in days:
        _, zones = get_json(client, f"/api/v1/maps/deir-ez-zor/zones?date={(epoch + dt.timedelta(days=day))}")
        expected = {f["id"]: (f["properties"]["actor"], f["properties"]["status"]) for f in zones["features"]}
        derived = {slug: zone_state_from_history(history, i, day) for i, slug in enumerate(slugs)}
        assert derived == expected, day
