"""Cutting zones with a line (the write API's `cut`: {"line": GeoJSON LineString, "side": "left" | "right"}): the
pieces of every zone the line crosses on that side become the change's ground; publishing splits the zones there.
Every bad cut is a 400 naming the field and records nothing."""

from __future__ import annotations

import orjson
import pytest
import shapely

from gazetteer.models import Place
from mapapp.lib import geo
from mapapp.models import ControlChange, Source
from tests.mapapp.test_write_api import URL, _grid_once, body, grid, login, post, zone  # noqa: F401 (fixtures)

# The zones a, b, c are squares side by side: a spans x 0..0.01, b 0.01..0.02, c 0.02..0.03; y 0..0.01.
NORTH_THROUGH_B = {"type": "LineString", "coordinates": [[0.015, -0.002], [0.015, 0.012]]}
EAST_THROUGH_ALL = {"type": "LineString", "coordinates": [[-0.002, 0.004], [0.012, 0.004], [0.032, 0.004]]}


def cut_body(line, side, **overrides) -> dict:
    payload = body(cut={"line": line, "side": side}, **overrides)
    del payload["places"]
    return payload


@pytest.mark.parametrize("side, west, east", [("left", 0.01, 0.015), ("right", 0.015, 0.02)])
def test_a_line_across_a_zone_takes_the_side_named_as_drawn(grid, people, side, west, east):  # noqa: F811 (the imported fixture)
    editor = login(people.editor)
    preview = post(editor, URL + "/preview", cut_body(NORTH_THROUGH_B, side, sources=[]))
    assert preview.status_code == 200, preview.content
    ground = preview.json()["ground"]
    # Walking north, the left is the west: the western half of b; the right, its eastern half.
    assert shapely.geometry.shape(ground["geometry"]).bounds == pytest.approx((west, 0.0, east, 0.01), abs=1e-7)
    assert [row["zone"] for row in ground["split"]] == ["b"]
    half_b = geo.area_km2(Place.objects.get(slug="b").footprint) / 2
    assert ground["split"][0]["inside_km2"] == pytest.approx(half_b, abs=1e-4)
    assert ground["covered"] == [] and ground["parts"] == 2


def test_a_cut_change_is_saved_as_its_ground_and_publishing_splits_each_zone_the_line_crosses(grid, people, client):  # noqa: F811 (the imported fixture)
    editor = login(people.editor)
    response = post(editor, URL, cut_body(EAST_THROUGH_ALL, "left"))  # walking east, the left is the north
    assert response.status_code == 201, response.content
    created = response.json()
    saved = shapely.geometry.shape(created["geometry"])
    assert saved.bounds == pytest.approx((0.0, 0.004, 0.03, 0.01), abs=1e-7)
    assert sorted(row["zone"] for row in created["preview"]["ground"]["split"]) == ["a", "b", "c"]
    assert not Place.objects.filter(kind="part").exists()  # a draft splits nothing
    published = post(login(people.reviewer), f"/api/v1/changes/{created['id']}/publish")
    assert published.status_code == 200, published.content
    parts = Place.objects.filter(kind="part")
    assert sorted(part.parent.slug for part in parts) == ["a", "a", "b", "b", "c", "c"]
    for part in parts:
        north = part.footprint.extent[1] == pytest.approx(0.004, abs=1e-7)
        assert zone(client, part.slug, "2016-01-16")["actor"] == ("isis" if north else "gov")
        assert zone(client, part.slug, "2016-01-15")["actor"] == "gov"  # the day before, as it was
    # The map still tiles its area: the parts' areas add up to the three zones' to the m².
    whole = sum(geo.area_km2(Place.objects.get(slug=slug).footprint) for slug in "abc")
    assert sum(part.area_km2 for part in parts) == pytest.approx(whole, abs=1e-6)


def test_a_cut_beside_drawn_ground_carries_both(grid, people):  # noqa: F811 (the imported fixture)
    west_of_a = {"type": "Polygon", "coordinates": [[[0, 0], [0.004, 0], [0.004, 0.01], [0, 0.01], [0, 0]]]}
    payload = cut_body(NORTH_THROUGH_B, "right", geometry=west_of_a)
    response = post(login(people.editor), URL, payload)
    assert response.status_code == 201, response.content
    split = {row["zone"]: row["inside_km2"] for row in response.json()["preview"]["ground"]["split"]}
    assert set(split) == {"a", "b"}
    assert split["a"] == pytest.approx(geo.area_km2(Place.objects.get(slug="a").footprint) * 0.4, abs=1e-4)


@pytest.mark.parametrize(
    "cut, field, error",
    [
        ("a line", "cut", None),
        ({"line": NORTH_THROUGH_B, "side": "left", "width": 3}, "cut.width", None),
        ({"line": NORTH_THROUGH_B}, "cut.side", None),
        ({"line": NORTH_THROUGH_B, "side": "north"}, "cut.side", None),
        ({"side": "left"}, "cut.line", "the cut line must be a GeoJSON geometry object"),
        (
            {"line": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}, "side": "left"},
            "cut.line",
            "the cut line must be a GeoJSON LineString, not 'Polygon'",
        ),
        ({"line": {"type": "LineString", "coordinates": "nope"}, "side": "left"}, "cut.line", None),
        ({"line": {"type": "LineString", "coordinates": [[0.015, 0], [0.015, 0]]}, "side": "left"}, "cut.line", None),
        ({"line": {"type": "LineString", "coordinates": [[0, 0], [500, 1]]}, "side": "left"}, "cut.line", None),
        (
            {
                "line": {
                    "type": "LineString",
                    "coordinates": [[0.011, -0.001], [0.019, 0.011], [0.019, -0.001], [0.011, 0.011]],
                },
                "side": "left",
            },
            "cut.line",
            "the cut line crosses itself; draw the cut as a line that does not",
        ),
        (  # ends inside b: cuts nothing through
            {"line": {"type": "LineString", "coordinates": [[0.015, -0.002], [0.015, 0.005]]}, "side": "left"},
            "cut.line",
            "the cut line cuts no zone through: draw it across a zone, from one of its edges to another",
        ),
        (  # far from the map
            {"line": {"type": "LineString", "coordinates": [[5, 5], [5.1, 5.1]]}, "side": "left"},
            "cut.line",
            None,
        ),
    ],
)
def test_each_bad_cut_is_a_400_naming_the_field_and_records_nothing(grid, people, cut, field, error):  # noqa: F811 (the imported fixture)
    sources = Source.objects.count()
    payload = body(cut=cut)
    del payload["places"]
    response = post(login(people.editor), URL, payload)
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    if error:
        assert response.json()["error"] == error
    assert ControlChange.objects.count() == 1 and Source.objects.count() == sources


# --- a draft's ground cut again (PATCH) ----------------------------------------------------------------------------


def patch(client, change_id: int, payload) -> object:
    return client.patch(f"/api/v1/changes/{change_id}", data=orjson.dumps(payload), content_type="application/json")


def test_a_drafts_ground_is_cut_again_and_publishing_splits_along_the_new_line(grid, people, client):  # noqa: F811 (the imported fixture)
    editor = login(people.editor)
    change_id = post(editor, URL, cut_body(NORTH_THROUGH_B, "left")).json()["id"]
    response = patch(editor, change_id, {"cut": {"line": EAST_THROUGH_ALL, "side": "right"}})  # walking east: south
    assert response.status_code == 200, response.content
    edited = response.json()
    assert shapely.geometry.shape(edited["geometry"]).bounds == pytest.approx((0.0, 0.0, 0.03, 0.004), abs=1e-7)
    assert sorted(row["zone"] for row in edited["preview"]["ground"]["split"]) == ["a", "b", "c"]
    change = ControlChange.objects.get(pk=change_id)
    assert change.history.first().history_change_reason == "edited"
    assert not Place.objects.filter(kind="part").exists()  # still a draft: nothing split

    assert post(login(people.reviewer), f"/api/v1/changes/{change_id}/publish").status_code == 200
    parts = Place.objects.filter(kind="part")
    assert sorted(part.parent.slug for part in parts) == ["a", "a", "b", "b", "c", "c"]
    for part in parts:
        south = part.footprint.extent[3] == pytest.approx(0.004, abs=1e-7)
        assert zone(client, part.slug, "2016-01-16")["actor"] == ("isis" if south else "gov")


def test_a_patch_with_a_cut_and_drawn_ground_carries_both(grid, people):  # noqa: F811 (the imported fixture)
    editor = login(people.editor)
    change_id = post(editor, URL, cut_body(EAST_THROUGH_ALL, "left")).json()["id"]
    west_of_a = {"type": "Polygon", "coordinates": [[[0, 0], [0.004, 0], [0.004, 0.01], [0, 0.01], [0, 0]]]}
    response = patch(editor, change_id, {"geometry": west_of_a, "cut": {"line": NORTH_THROUGH_B, "side": "right"}})
    assert response.status_code == 200, response.content
    split = {row["zone"]: row["inside_km2"] for row in response.json()["preview"]["ground"]["split"]}
    assert set(split) == {"a", "b"}
    assert split["a"] == pytest.approx(geo.area_km2(Place.objects.get(slug="a").footprint) * 0.4, abs=1e-4)
    assert split["b"] == pytest.approx(geo.area_km2(Place.objects.get(slug="b").footprint) * 0.5, abs=1e-4)


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"cut": None}, "geometry"),
        ({"cut": "a line"}, "cut"),
        ({"cut": {"line": NORTH_THROUGH_B, "side": "up"}}, "cut.side"),
        ({"cut": {"line": NORTH_THROUGH_B, "side": "left", "width": 2}}, "cut.width"),
        ({"cut": {"line": {"type": "LineString", "coordinates": [[5, 5], [5.1, 5.1]]}, "side": "left"}}, "cut.line"),
        ({"cut": {"line": NORTH_THROUGH_B, "side": "left"}, "map": "no-such-map"}, "map"),
    ],
)
def test_a_bad_cut_in_a_patch_is_a_400_naming_the_field_and_changes_nothing(grid, people, payload, field):  # noqa: F811 (the imported fixture)
    editor = login(people.editor)
    change_id = post(editor, URL, cut_body(EAST_THROUGH_ALL, "left")).json()["id"]
    before = ControlChange.objects.get(pk=change_id)
    response = patch(editor, change_id, payload)
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    after = ControlChange.objects.get(pk=change_id)
    assert after.geometry.equals_exact(before.geometry, tolerance=0) and after.history.count() == before.history.count()


def test_a_cut_on_a_change_of_places_needs_the_map_named(grid, people):  # noqa: F811 (the imported fixture)
    editor = login(people.editor)
    change_id = post(editor, URL, body(places=["a"])).json()["id"]  # places only: the change has no map yet
    cut = {"line": NORTH_THROUGH_B, "side": "left"}
    refused = patch(editor, change_id, {"cut": cut})
    assert refused.status_code == 400
    assert refused.json() == {"error": "say the map whose zones the line cuts: map", "field": "map"}
    assert ControlChange.objects.get(pk=change_id).geometry is None
    named = patch(editor, change_id, {"cut": cut, "map": "test-map"})
    assert named.status_code == 200, named.content
    change = ControlChange.objects.get(pk=change_id)
    assert change.map.slug == "test-map" and [p.slug for p in change.places.all()] == ["a"]
    assert shapely.geometry.shape(named.json()["geometry"]).bounds == pytest.approx((0.01, 0, 0.015, 0.01), abs=1e-7)
