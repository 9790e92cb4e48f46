"""Fronts, sieges, pockets, change and area over time, on small grids whose answers can be worked out by hand.

Zones are squares of 0.01° at the equator: `g<col><row>` has its south-west corner at (col, row) × 0.01°. A side
running north-south is 0.01° of latitude, one running east-west 0.01° of longitude; their geodesic lengths come
from pyproj's Geod.inv here, independently of the code under test (which reads lengths off ZoneEdge).
"""

import datetime as dt

import orjson
import pytest
import shapely
from pyproj import Geod

from mapapp import analytics, services

SIZE = 0.01
GEOD = Geod(ellps="WGS84")
D = dt.date.fromisoformat


def side_km(x1, y1, x2, y2) -> float:
    return GEOD.inv(x1, y1, x2, y2)[2] / 1000


def ring_km(col0, row0, cols, rows) -> float:
    """Perimeter of the block of zones cols × rows from (col0, row0): its sides, each measured on the ellipsoid."""
    x0, y0, x1, y1 = col0 * SIZE, row0 * SIZE, (col0 + cols) * SIZE, (row0 + rows) * SIZE
    return side_km(x0, y0, x1, y0) + side_km(x1, y0, x1, y1) + side_km(x1, y1, x0, y1) + side_km(x0, y1, x0, y0)


def grid(world, cols, rows):
    """Make the zones (before any change names them) and the actors red and blue."""
    world.actor("red")
    world.actor("blue")
    for col in range(cols):
        for row in range(rows):
            world.place(f"g{col}{row}", x=col * SIZE, y=row * SIZE, size=SIZE)


def grid_map(world, start="2015-01-01", end="2017-12-31"):
    return world.map(start=start, end=end, default=end)


def cells(cols, rows, *, but=()):
    return [f"g{c}{r}" for c in range(cols) for r in range(rows) if f"g{c}{r}" not in but]


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    # GeoJSON answers say so (RFC 7946); the area series is plain JSON.
    geojson = any(f"/{name}?" in url or url.endswith(f"/{name}") for name in ("fronts", "sieges", "pockets"))
    assert response["Content-Type"] == ("application/geo+json" if geojson else "application/json")
    return orjson.loads(response.content)


def coords_closed(feature) -> bool:
    coordinates = feature["geometry"]["coordinates"]
    return feature["geometry"]["type"] == "LineString" and coordinates[0] == coordinates[-1]


@pytest.fixture
def centre_held(world):
    """3 × 3: red holds the eight outer zones, blue the centre."""
    grid(world, 3, 3)
    world.change("2015-01-01", cells(3, 3, but={"g11"}), "red")
    world.change("2015-01-01", ["g11"], "blue")
    return world, grid_map(world)


# --- fronts -----------------------------------------------------------------------------------------------


def test_a_zone_held_inside_another_sides_ground_is_ringed_by_one_closed_front(client, centre_held):
    _world, map_ = centre_held
    data = get(client, f"/api/v1/maps/{map_.slug}/fronts?date=2016-01-01")
    assert len(data["features"]) == 1
    front = data["features"][0]
    assert front["properties"]["actors"] == ["blue", "red"]
    assert front["properties"]["contested"] is False
    assert coords_closed(front)
    assert len(front["geometry"]["coordinates"]) == 5  # the four corners of the centre square, closed
    assert front["properties"]["length_km"] == pytest.approx(ring_km(1, 1, 1, 1), abs=1e-4)


def test_no_front_before_any_record_nor_between_a_side_and_itself(client, world):
    grid(world, 2, 2)
    world.change("2015-06-01", cells(2, 2), "red")
    map_ = grid_map(world)
    assert get(client, f"/api/v1/maps/{map_.slug}/fronts?date=2015-03-01")["features"] == []  # no record yet
    assert get(client, f"/api/v1/maps/{map_.slug}/fronts?date=2016-03-01")["features"] == []  # one side only


def test_zones_of_unknown_control_make_no_front(client, world):
    grid(world, 3, 1)
    world.change("2015-01-01", ["g00"], "red")
    world.change("2015-01-01", ["g20"], "blue")
    map_ = grid_map(world)  # g10, between them, has no record
    assert get(client, f"/api/v1/maps/{map_.slug}/fronts?date=2016-01-01")["features"] == []


def test_a_contested_zone_marks_the_front_beside_it(client, world):
    """2 × 3: red holds the west column; blue the east one, its middle zone only contested. One straight front
    in three pieces: two plain, one contested."""
    grid(world, 2, 3)
    world.change("2015-01-01", ["g00", "g01", "g02"], "red")
    world.change("2015-01-01", ["g10", "g12"], "blue")
    world.change("2015-01-01", ["g11"], "blue", status="contested")
    map_ = grid_map(world)
    data = get(client, f"/api/v1/maps/{map_.slug}/fronts?date=2016-01-01")
    one_side = side_km(SIZE, 0, SIZE, SIZE)
    plain = [f for f in data["features"] if not f["properties"]["contested"]]
    contested = [f for f in data["features"] if f["properties"]["contested"]]
    assert len(plain) == 2 and len(contested) == 1
    assert all(f["properties"]["actors"] == ["blue", "red"] for f in data["features"])
    assert contested[0]["properties"]["length_km"] == pytest.approx(one_side, abs=1e-4)
    assert contested[0]["geometry"]["coordinates"] in ([[0.01, 0.01], [0.01, 0.02]], [[0.01, 0.02], [0.01, 0.01]])
    total = sum(f["properties"]["length_km"] for f in data["features"])
    assert total == pytest.approx(side_km(SIZE, 0, SIZE, 3 * SIZE), abs=3e-4)  # three lengths rounded to 0.1 m


def test_a_contested_zone_held_by_the_same_side_is_no_front_but_its_far_side_is(client, world):
    """Three in a row: red | contested by red | blue. The front runs on the contested zone's blue side."""
    grid(world, 3, 1)
    world.change("2015-01-01", ["g00"], "red")
    world.change("2015-01-01", ["g10"], "red", status="contested")
    world.change("2015-01-01", ["g20"], "blue")
    map_ = grid_map(world)
    [front] = get(client, f"/api/v1/maps/{map_.slug}/fronts?date=2016-01-01")["features"]
    assert front["properties"]["contested"] is True
    assert {x for x, _y in front["geometry"]["coordinates"]} == {0.02}


def test_fronts_of_three_sides_are_merged_per_pair(client, world):
    """Three columns two zones high: red | green | blue."""
    grid(world, 3, 2)
    world.actor("green")
    world.change("2015-01-01", ["g00", "g01"], "red")
    world.change("2015-01-01", ["g10", "g11"], "green")
    world.change("2015-01-01", ["g20", "g21"], "blue")
    map_ = grid_map(world)
    data = get(client, f"/api/v1/maps/{map_.slug}/fronts?date=2016-01-01")
    by_pair = {tuple(f["properties"]["actors"]): f for f in data["features"]}
    assert set(by_pair) == {("green", "red"), ("blue", "green")}  # red and blue never meet
    for pair, x in ((("green", "red"), SIZE), (("blue", "green"), 2 * SIZE)):
        assert by_pair[pair]["properties"]["length_km"] == pytest.approx(side_km(x, 0, x, 2 * SIZE), abs=1e-4)
        assert len(by_pair[pair]["geometry"]["coordinates"]) == 3  # two edges merged into one line


# --- pockets and sieges -----------------------------------------------------------------------------------


def pockets_by_actor(client, map_, day):
    data = get(client, f"/api/v1/maps/{map_.slug}/pockets?date={day}")
    result = {}
    for feature in data["features"]:
        result.setdefault(feature["properties"]["actor"], []).append(feature["properties"])
    return result


def test_the_centre_held_by_one_side_is_an_enclosed_pocket(client, centre_held):
    world, map_ = centre_held
    pockets = pockets_by_actor(client, map_, "2016-01-01")
    [blue] = pockets["blue"]
    assert blue["enclosed"] is True and blue["largest"] is True
    assert blue["places"] == ["g11"]
    assert blue["area_km2"] == pytest.approx(world.places["g11"].area_km2, abs=1e-6)
    assert blue["siege"] is None and blue["suggest_siege"] is True
    [red] = pockets["red"]
    assert red["enclosed"] is False  # on the map's outer edge
    assert len(red["places"]) == 8
    only_enclosed = get(client, f"/api/v1/maps/{map_.slug}/pockets?date=2016-01-01&enclosed=true")["features"]
    assert [f["properties"]["actor"] for f in only_enclosed] == ["blue"]
    assert only_enclosed[0]["geometry"]["type"] == "MultiPolygon"


def test_ground_surrounded_by_an_ally_or_by_unknown_ground_is_not_enclosed(client, centre_held):
    world, map_ = centre_held
    services.actor_set_allies(actor=world.actor("blue"), allies=[world.actor("red")])
    [blue] = pockets_by_actor(client, map_, "2016-01-01")["blue"]
    assert blue["enclosed"] is False and blue["suggest_siege"] is False


def test_a_pocket_beside_ground_of_unknown_control_is_not_enclosed(client, world):
    grid(world, 3, 3)
    world.change("2015-01-01", cells(3, 3, but={"g11", "g12"}), "red")  # g12 (north of the centre): no record
    world.change("2015-01-01", ["g11"], "blue")
    map_ = grid_map(world)
    [blue] = pockets_by_actor(client, map_, "2016-01-01")["blue"]
    assert blue["enclosed"] is False


@pytest.fixture
def corridor(world):
    """5 × 5: red holds the outer ring, blue the inner 3 × 3. On 2016-01-01 red takes the inner middle column
    (a corridor), leaving blue two pockets of three zones each. Blue's west pocket is under a recorded siege."""
    grid(world, 5, 5)
    inner = [f"g{c}{r}" for c in (1, 2, 3) for r in (1, 2, 3)]
    world.change("2015-01-01", cells(5, 5, but=set(inner)), "red")
    world.change("2015-01-01", inner, "blue")
    world.change("2016-01-01", ["g21", "g22", "g23"], "red")
    map_ = grid_map(world)
    services.siege_record(
        slug="west-siege",
        name_en="Siege of the west",
        name_ar="حصار الغرب",
        besieged_actor=world.actor("blue"),
        besieging_actors=[world.actor("red")],
        start=D("2015-06-01"),
        end=D("2017-01-01"),
        places=[(world.place(slug), None) for slug in ("g11", "g12", "g13", "g21", "g22", "g23", "g31", "g32")]
        + [(world.place("g33"), D("2016-06-01"))],
        sources=[world.source],
        supplies=[("airdrop", D("2015-06-01"), D("2016-03-01"), ""), ("air_bridge", D("2015-09-01"), None, "")],
        publish=True,
    )
    return world, map_


def test_a_captured_corridor_splits_one_pocket_into_two(client, corridor):
    _world, map_ = corridor
    [before] = pockets_by_actor(client, map_, "2015-12-31")["blue"]
    assert before["enclosed"] and len(before["places"]) == 9 and before["siege"] == "west-siege"
    after = pockets_by_actor(client, map_, "2016-01-01")["blue"]
    assert [sorted(p["places"]) for p in after] == [["g11", "g12", "g13"], ["g31", "g32", "g33"]]
    assert all(p["enclosed"] for p in after)
    assert sum(p["largest"] for p in after) == 1
    assert all(p["siege"] == "west-siege" and p["suggest_siege"] is False for p in after)
    # two rings of front, one around each pocket: 3 zones tall, one wide
    fronts = get(client, f"/api/v1/maps/{map_.slug}/fronts?date=2016-01-01")["features"]
    assert len(fronts) == 2 and all(coords_closed(f) for f in fronts)
    expected = sorted([ring_km(1, 1, 1, 3), ring_km(3, 1, 1, 3)])
    assert sorted(f["properties"]["length_km"] for f in fronts) == pytest.approx(expected, abs=1e-4)


def test_the_siege_counts_its_parts_its_days_and_how_it_was_supplied(client, corridor):
    _world, map_ = corridor
    [siege] = get(client, f"/api/v1/maps/{map_.slug}/sieges?date=2015-12-31")["features"]
    props = siege["properties"]
    assert props["siege"] == "west-siege" and siege["id"] == "west-siege"
    assert props["name"] == "Siege of the west" and props["name_ar"] == "حصار الغرب"
    assert props["besieged_actor"] == "blue" and props["besieging_actors"] == ["red"]
    assert (props["start"], props["end"]) == ("2015-06-01", "2017-01-01")
    assert props["days"] == (D("2015-12-31") - D("2015-06-01")).days + 1
    assert props["parts"] == 1 and len(props["places"]) == 9
    assert props["supply"] == ["airdrop", "air_bridge"]
    assert siege["geometry"]["type"] == "MultiPolygon" and len(siege["geometry"]["coordinates"]) == 1
    assert props["area_km2"] == pytest.approx(
        sum(p["area_km2"] for p in pockets_by_actor(client, map_, "2015-12-31")["blue"])
    )

    [split] = get(client, f"/api/v1/maps/{map_.slug}/sieges?date=2016-03-01")["features"]
    assert split["properties"]["parts"] == 2 and len(split["geometry"]["coordinates"]) == 2
    assert split["properties"]["supply"] == ["air_bridge"]  # the airdrops ended the day before
    assert "g21" not in split["properties"]["places"]  # taken by the besiegers: no longer besieged ground

    [relieved] = get(client, f"/api/v1/maps/{map_.slug}/sieges?date=2016-06-01")["features"]
    assert "g33" not in relieved["properties"]["places"]  # this zone's own end of the siege
    assert get(client, f"/api/v1/maps/{map_.slug}/sieges?date=2017-01-01")["features"] == []  # lifted
    assert get(client, f"/api/v1/maps/{map_.slug}/sieges?date=2015-05-31")["features"] == []  # not yet


def test_a_draft_siege_is_not_shown(client, world):
    grid(world, 3, 3)
    world.change("2015-01-01", cells(3, 3, but={"g11"}), "red")
    world.change("2015-01-01", ["g11"], "blue")
    map_ = grid_map(world)
    services.siege_record(
        slug="draft",
        name_en="Draft",
        besieged_actor=world.actor("blue"),
        besieging_actors=[world.actor("red")],
        start=D("2015-02-01"),
        places=[(world.place("g11"), None)],
        sources=[world.source],
    )
    assert get(client, f"/api/v1/maps/{map_.slug}/sieges?date=2016-01-01")["features"] == []
    [blue] = pockets_by_actor(client, map_, "2016-01-01")["blue"]
    assert blue["siege"] is None and blue["suggest_siege"] is True


# --- change between dates and area over time ---------------------------------------------------------------


@pytest.fixture
def exchanges(world):
    """2 × 2, two sides. g00 changes hands twice between the dates (red -> blue -> red); g10 once (red -> blue);
    g11 goes blue -> contested by red (a change of hands too); g01 stays blue."""
    grid(world, 2, 2)
    world.change("2015-01-01", ["g00", "g10"], "red")
    world.change("2015-01-01", ["g01", "g11"], "blue")
    world.change("2015-03-01", ["g00", "g10"], "blue")
    world.change("2015-04-01", ["g00"], "red")
    world.change("2015-05-01", ["g11"], "red", status="contested")
    return world, grid_map(world)


def test_a_zone_that_changed_hands_twice_nets_zero_and_two_sides_conserve_ground(client, exchanges):
    world, map_ = exchanges
    data = get(client, f"/api/v1/maps/{map_.slug}/changes?from=2015-01-01&to=2015-06-01")
    area = data["area_km2"]
    g10, g11 = world.places["g10"].area_km2, world.places["g11"].area_km2
    assert area["blue"]["gained_places"] == ["g10"] and area["blue"]["lost_places"] == ["g11"]
    assert area["red"]["gained_places"] == ["g11"] and area["red"]["lost_places"] == ["g10"]
    assert area["blue"]["gained"] == pytest.approx(g10, abs=1e-6)
    assert area["red"]["gained"] == pytest.approx(g11, abs=1e-6)
    # to the square metre: what one gains the other loses, and the nets cancel exactly
    assert area["red"]["gained"] == area["blue"]["lost"] and area["blue"]["gained"] == area["red"]["lost"]
    assert area["red"]["net"] == -area["blue"]["net"]
    assert area["red"]["net"] == round(area["red"]["gained"] - area["red"]["lost"], 6)
    assert [c["place"] for c in data["changed_hands"]] == ["g10", "g11"]  # not g00
    assert [c["place"] for c in data["changes"]].count("g00") == 2  # yet both its changes are listed


def test_area_over_time_is_the_sum_of_what_each_side_holds_and_agrees_with_changes(client, exchanges):
    world, map_ = exchanges
    size = {slug: place.area_km2 for slug, place in world.places.items()}
    data = get(client, f"/api/v1/maps/{map_.slug}/stats/area?from=2015-01-01&to=2015-06-01&step=month")
    assert data["actors"] == ["blue", "red"]  # the actors' order (sort order, then slug)
    assert [point["date"] for point in data["series"]] == [f"2015-0{m}-01" for m in range(1, 7)]
    march, april, may = data["series"][2], data["series"][3], data["series"][4]
    assert march["red"] == 0.0 and march["blue"] == pytest.approx(sum(size.values()), abs=1e-5)
    assert april["red"] == pytest.approx(size["g00"], abs=1e-6)
    assert may["red"] == pytest.approx(size["g00"] + size["g11"], abs=1e-6)
    first, last = data["series"][0], data["series"][-1]
    changes = get(client, f"/api/v1/maps/{map_.slug}/changes?from=2015-01-01&to=2015-06-01")["area_km2"]
    for actor in ("red", "blue"):
        assert round(last[actor] - first[actor], 6) == changes[actor]["net"]
    for point in data["series"]:
        assert point["red"] + point["blue"] == pytest.approx(sum(size.values()), abs=1e-5)


def test_area_steps_by_day_and_week_and_from_the_interval_record(client, exchanges):
    _world, map_ = exchanges
    daily = get(client, f"/api/v1/maps/{map_.slug}/stats/area?from=2015-02-27&to=2015-03-02&step=day")["series"]
    assert [p["date"] for p in daily] == ["2015-02-27", "2015-02-28", "2015-03-01", "2015-03-02"]
    assert daily[1]["red"] > 0 and daily[2]["red"] == 0.0  # the change dated 1 March is in effect on 1 March
    weekly = get(client, f"/api/v1/maps/{map_.slug}/stats/area?from=2015-01-01&to=2015-01-20&step=week")["series"]
    assert [p["date"] for p in weekly] == ["2015-01-01", "2015-01-08", "2015-01-15"]
    [first] = get(client, f"/api/v1/maps/{map_.slug}/stats/area?from=2015-01-01&to=2015-01-01&step=day")["series"]
    assert set(first) == {"date", "red", "blue"} and first["red"] > 0 and first["blue"] > 0


def test_month_steps_keep_the_day_or_the_months_last_day():
    assert analytics.step_dates(D("2015-01-31"), D("2015-04-30"), "month") == [
        D("2015-01-31"),
        D("2015-02-28"),
        D("2015-03-31"),
        D("2015-04-30"),
    ]
    for start, end in (("2015-01-31", "2015-04-30"), ("2015-01-15", "2016-01-14"), ("2015-01-15", "2016-01-15")):
        for step in analytics.STEPS:
            assert analytics.count_steps(D(start), D(end), step) == len(analytics.step_dates(D(start), D(end), step))


# --- bad input ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, field, message",
    [
        ("fronts?date=2016-02-30", "date", "date '2016-02-30' is not a real date"),
        ("fronts?date=yesterday", "date", "date must be a date as YYYY-MM-DD, got 'yesterday'"),
        ("fronts?date=2014-12-31", "date", "date 2014-12-31 is outside this map's dates 2015-01-01..2017-12-31"),
        ("fronts?day=2016-01-01", "day", "unknown parameter 'day' (allowed: date, v)"),
        ("sieges?date=2018-01-01", "date", "date 2018-01-01 is outside this map's dates 2015-01-01..2017-12-31"),
        ("pockets?date=2016-01-01&enclosed=maybe", "enclosed", "enclosed must be true or false, got 'maybe'"),
        ("stats/area?step=year", "step", "step must be one of day, week, month, got 'year'"),
        ("stats/area?from=2016-01-02&to=2016-01-01", "from", "from (2016-01-02) is after to (2016-01-01)"),
        ("stats/area?from=2013-01-01", "from", "from 2013-01-01 is outside this map's dates 2015-01-01..2017-12-31"),
        ("stats/area?to=2015-13-01", "to", "to '2015-13-01' is not a real date"),
        ("changes?from=2016-01-02&to=2016-01-01", "from", "from (2016-01-02) is after to (2016-01-01)"),
    ],
)
def test_bad_parameters_get_a_400_naming_the_field(client, centre_held, url, field, message):
    _world, map_ = centre_held
    response = client.get(f"/api/v1/maps/{map_.slug}/{url}")
    assert response.status_code == 400
    assert orjson.loads(response.content) == {"error": message, "field": field}


def test_too_many_steps_get_a_400(client, world):
    grid(world, 1, 1)
    world.change("1990-01-01", ["g00"], "red")
    map_ = grid_map(world, start="1990-01-01", end="2017-12-31")
    response = client.get(f"/api/v1/maps/{map_.slug}/stats/area?step=day")
    assert response.status_code == 400
    body = orjson.loads(response.content)
    assert body["field"] == "step" and body["error"].startswith("10227 steps of a day from 1990-01-01 to 2017-12-31")
    assert client.get(f"/api/v1/maps/{map_.slug}/stats/area?step=month").status_code == 200


@pytest.mark.parametrize("endpoint", ["fronts", "sieges", "pockets", "stats/area"])
def test_an_unknown_map_is_a_404(client, db, endpoint):
    response = client.get(f"/api/v1/maps/nowhere/{endpoint}")
    assert response.status_code == 404
    assert orjson.loads(response.content) == {"error": "no map 'nowhere'"}


@pytest.mark.parametrize(
    "endpoint, queries",
    # Each counts the map's row read for the kept answers (mapapp/answers.py) first, and again before keeping it.
    [("fronts?date=2016-01-01", 5), ("sieges?date=2016-03-01", 12), ("pockets?date=2016-03-01", 11)],
)
def test_query_counts_do_not_grow_with_the_map(client, corridor, django_assert_max_num_queries, endpoint, queries):
    _world, map_ = corridor
    with django_assert_max_num_queries(queries):
        get(client, f"/api/v1/maps/{map_.slug}/{endpoint}")


def test_answers_carry_an_etag_and_a_repeat_gets_304(client, centre_held):
    _world, map_ = centre_held
    first = client.get(f"/api/v1/maps/{map_.slug}/fronts?date=2016-01-01")
    again = client.get(f"/api/v1/maps/{map_.slug}/fronts?date=2016-01-01", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_a_draft_change_moves_no_front_and_no_ground(client, centre_held):
    world, map_ = centre_held
    world.change("2015-06-01", ["g11"], "red", publish=False)
    [front] = get(client, f"/api/v1/maps/{map_.slug}/fronts?date=2016-01-01")["features"]
    assert front["properties"]["actors"] == ["blue", "red"]
    series = get(client, f"/api/v1/maps/{map_.slug}/stats/area?from=2016-01-01&to=2016-01-01")["series"]
    assert series[0]["blue"] == pytest.approx(world.places["g11"].area_km2, abs=1e-6)


def test_the_schema_documents_the_analytics_endpoints(client, db):
    paths = get(client, "/api/v1/schema")["paths"]
    for endpoint in ("fronts", "sieges", "pockets", "stats/area"):
        entry = paths[f"/api/v1/maps/{{slug}}/{endpoint}"]["get"]
        assert entry["summary"] and entry["description"]
    assert {p["name"] for p in paths["/api/v1/maps/{slug}/stats/area"]["get"]["parameters"]} == {
        "slug",
        "from",
        "to",
        "step",
        "v",  # the data version: see test_viewer_api
        "as_of",  # the record as once published: see test_asof
    }


def test_geojson_of_many_geometries_in_one_call_is_each_geometrys_own():
    # Lines (fronts) and polygons wound either way (pockets): oriented, rounded and written as one at a time.
    clockwise = shapely.Polygon([(40, 35), (40, 35.1234567891), (40.1, 35.1), (40, 35)])
    geometries = [
        shapely.LineString([(40.123456789, 35.0000001), (40.2, 35.3), (40.3, 35.1)]),
        clockwise,
        shapely.MultiPolygon([clockwise, shapely.box(41, 35, 41.5, 35.5)]),
        shapely.MultiLineString([[(40, 35), (40, 36)], [(41, 35), (41.0000004, 36)]]),
    ]
    assert analytics.geojson_texts(geometries) == [analytics.geojson_text(geometry) for geometry in geometries]
    assert analytics.geojson_texts([]) == []
