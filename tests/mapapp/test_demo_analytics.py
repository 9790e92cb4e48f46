"""The Deir ez-Zor facts through the analytics endpoints: the siege in one pocket, then two, then none."""

import pytest
import shapely
from shapely.geometry import shape

from mapapp import geo
from mapapp.demo.loader import SIEGE_EAST, SIEGE_WEST


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def sieges(client, day):
    return get(client, f"/api/v1/maps/deir-ez-zor/sieges?date={day}")["features"]


def test_on_1_june_2016_the_siege_is_one_pocket_supplied_by_air(client, demo):
    [siege] = sieges(client, "2016-06-01")
    props = siege["properties"]
    assert props["siege"] == "deir-ez-zor-2015"
    assert props["besieged_actor"] == "government" and props["besieging_actors"] == ["isis"]
    assert (props["start"], props["end"]) == ("2015-01-15", "2017-09-09")
    assert props["days"] == 504  # 15 January 2015 is day 1
    assert props["parts"] == 1
    assert len(shape(siege["geometry"]).geoms) == 1
    assert props["supply"] == ["air_bridge", "airdrop"]  # the WFP airdrops began in April 2016
    assert set(props["places"]) <= set(SIEGE_WEST + SIEGE_EAST)


def test_on_1_march_2017_the_siege_is_two_separate_pockets(client, demo):
    [siege] = sieges(client, "2017-03-01")
    props = siege["properties"]
    assert props["parts"] == 2
    geometry = shape(siege["geometry"])
    assert len(geometry.geoms) == 2
    west, east = sorted(geometry.geoms, key=lambda part: part.centroid.x)
    assert "deir-ez-zor-airport" in props["places"]
    airport = [f for f in get(client, "/api/v1/maps/deir-ez-zor/zones?date=2017-03-01")["features"]]
    airport = shape(next(f for f in airport if f["id"] == "deir-ez-zor-airport")["geometry"])
    assert east.contains(airport.representative_point()) and not west.intersects(airport.representative_point())
    assert props["supply"] == ["air_bridge"]  # airdrops suspended on 16 January 2017
    assert props["area_km2"] == pytest.approx(geo.area_km2(geometry), rel=1e-6)


def test_on_10_november_2017_no_siege(client, demo):
    assert sieges(client, "2017-11-10") == []


def test_the_pockets_of_march_2017_point_at_the_recorded_siege(client, demo):
    pockets = get(client, "/api/v1/maps/deir-ez-zor/pockets?date=2017-03-01")["features"]
    government = [f["properties"] for f in pockets if f["properties"]["actor"] == "government"]
    assert len(government) == 2  # the city districts and the airport, apart
    assert all(p["siege"] == "deir-ez-zor-2015" and p["suggest_siege"] is False for p in government)
    airport_pocket = next(p for p in government if "deir-ez-zor-airport" in p["places"])
    assert airport_pocket["enclosed"] is True  # ringed by ISIS ground, away from the study area's edge


def test_the_front_of_march_2017_is_between_the_government_and_isis_and_rings_the_airport(client, demo):
    fronts = get(client, "/api/v1/maps/deir-ez-zor/fronts?date=2017-03-01")["features"]
    assert fronts and all(f["properties"]["actors"] == ["government", "isis"] for f in fronts)
    besieged = shapely.union_all([shape(f["geometry"]) for f in sieges(client, "2017-03-01")])
    lines = shapely.union_all([shape(f["geometry"]) for f in fronts])
    # every front line lies on the boundary of the besieged ground (the government holds nothing else then)
    assert lines.difference(besieged.boundary.buffer(1e-7)).length == pytest.approx(0, abs=1e-9)
    total = sum(f["properties"]["length_km"] for f in fronts)
    outer_edge = geo.length_km(besieged.boundary.intersection(shapely.from_wkb(bytes(demo.area.wkb)).boundary))
    assert total == pytest.approx(geo.length_km(besieged.boundary) - outer_edge, rel=1e-3)
