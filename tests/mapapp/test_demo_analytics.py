"""The Deir ez-Zor facts through the analytics endpoints: the siege in one pocket, then two, then none."""

import itertools

import pytest
import shapely
from shapely.geometry import shape

from mapapp.demo.loader import SIEGE_EAST, SIEGE_WEST
from mapapp.lib import geo


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


FRONT_DATES = ["2014-01-01", "2015-01-15", "2016-06-01", "2017-01-16", "2017-03-01", "2017-09-05", "2017-11-02"]


@pytest.mark.parametrize("day", FRONT_DATES)
def test_fronts_run_exactly_where_two_sides_meet_as_continuous_lines(client, demo, day):
    zones = get(client, f"/api/v1/maps/deir-ez-zor/zones?date={day}")["features"]
    ground = {}
    for zone in zones:
        if zone["properties"]["actor"]:
            ground.setdefault(zone["properties"]["actor"], []).append(shape(zone["geometry"]))
    fronts = get(client, f"/api/v1/maps/deir-ez-zor/fronts?date={day}")["features"]
    assert fronts
    groups = {}
    for front in fronts:
        key = (*front["properties"]["actors"], front["properties"]["contested"])
        groups.setdefault(key, []).append(shape(front["geometry"]))
    for lines in groups.values():
        # No two lines of one kind could be joined: each is as long as it can be.
        assert len(shapely.get_parts(shapely.line_merge(shapely.union_all(lines)))) == len(lines)
    for actor_a, actor_b in {key[:2] for key in groups}:
        lines = [line for key, parts in groups.items() if key[:2] == (actor_a, actor_b) for line in parts]
        # Worked out independently from the zones: the boundary the two sides' ground shares.
        meet = shapely.union_all(ground[actor_a]).boundary.intersection(shapely.union_all(ground[actor_b]).boundary)
        meet = shapely.union_all([part for part in shapely.get_parts(meet) if part.geom_type != "Point"])
        assert shapely.union_all(lines).symmetric_difference(meet).length == pytest.approx(0, abs=1e-9)


def test_what_one_side_gains_the_other_loses_and_the_area_series_agrees(client, demo):
    map_area = geo.area_km2(shapely.from_wkb(bytes(demo.area.wkb)))
    series = get(client, "/api/v1/maps/deir-ez-zor/stats/area?step=month")["series"]
    for point in series:  # every zone is known throughout the demo's dates
        assert sum(v for k, v in point.items() if k != "date") == pytest.approx(map_area, abs=1e-5), point["date"]
    days = ["2014-07-13", "2014-07-14", "2016-01-15", "2016-01-16", "2017-01-16", "2017-09-09", "2017-11-03"]
    for before, after in itertools.combinations(days, 2):
        area = get(client, f"/api/v1/maps/deir-ez-zor/changes?from={before}&to={after}")["area_km2"]
        gained = sum(round(entry["gained"] * 1e6) for entry in area.values())
        lost = sum(round(entry["lost"] * 1e6) for entry in area.values())
        assert gained == lost, (before, after)  # to the square metre
        start, end = (
            get(client, f"/api/v1/maps/deir-ez-zor/stats/area?from={day}&to={day}&step=day")["series"][0]
            for day in (before, after)
        )
        for actor, entry in area.items():
            assert entry["net"] == pytest.approx(end.get(actor, 0) - start.get(actor, 0), abs=1e-6), (before, actor)
    # A change dated D is in effect on D: 14 July 2014 is in (13 July, 14 July] and not in (14 July, 15 July].
    assert get(client, "/api/v1/maps/deir-ez-zor/changes?from=2014-07-13&to=2014-07-14")["area_km2"]["isis"]["net"] > 0
    assert get(client, "/api/v1/maps/deir-ez-zor/changes?from=2014-07-14&to=2014-07-15")["changes"] == []
