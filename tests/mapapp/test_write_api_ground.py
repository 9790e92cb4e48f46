"""The write API with a change's ground: `geometry` (GeoJSON Polygon/MultiPolygon, WGS84) instead of or beside
places; every bad geometry a 400 naming the field; the parts appear on the public map once published."""

from __future__ import annotations

import orjson
import pytest
import shapely

from gazetteer.models import Place
from mapapp.models import ControlChange, Source
from tests.mapapp.test_write_api import URL, _grid_once, body, grid, login, post, zone  # noqa: F401 (fixtures)

# The western half of b (b spans x 0.01..0.02, y 0..0.01)
HALF_B = {"type": "Polygon", "coordinates": [[[0.01, 0.0], [0.015, 0.0], [0.015, 0.01], [0.01, 0.01], [0.01, 0.0]]]}


def test_a_change_with_ground_previews_its_split_and_publishing_splits_the_public_map(grid, people, client):  # noqa: F811 (the imported fixture)
    editor = login(people.editor)
    preview = post(editor, URL + "/preview", body(places=None, geometry=HALF_B, sources=[])).json()
    assert preview["ground"]["split"][0]["zone"] == "b"
    assert preview["ground"]["split"][0]["inside_km2"] == pytest.approx(0.6149, abs=1e-3)
    assert preview["area_km2"]["changing_hands"] == pytest.approx(0.6149, abs=1e-3)
    # the ground as snapped to the zones, for the mark page's map: the drawn half of b
    drawn = shapely.geometry.shape(preview["ground"]["geometry"])
    assert drawn.geom_type in ("Polygon", "MultiPolygon")
    assert drawn.bounds == pytest.approx((0.01, 0.0, 0.015, 0.01), abs=1e-6)
    assert preview["ground"]["parts"] == 2 and preview["ground"]["covered"] == []
    payload = body(geometry=HALF_B, places=["a"])
    del payload["places"]
    payload["places"] = ["a"]  # ground beside a whole place
    response = post(editor, URL, payload)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["geometry"]["type"] == "MultiPolygon"
    assert created["places"] == ["a"]
    assert not Place.objects.filter(kind="part").exists()  # a draft splits nothing
    assert zone(client, "b", "2016-01-16")["actor"] == "gov"

    published = post(login(people.reviewer), f"/api/v1/changes/{created['id']}/publish")
    assert published.status_code == 200, published.content
    parts = list(Place.objects.filter(kind="part").order_by("slug"))
    assert len(parts) == 2 and {p.parent.slug for p in parts} == {"b"}
    features = client.get("/api/v1/maps/test-map/zones?date=2016-01-16").json()["features"]
    by_slug = {f["id"]: f["properties"] for f in features}
    assert "b" not in by_slug
    actors = sorted(by_slug[p.slug]["actor"] for p in parts)
    assert actors == ["gov", "isis"]
    assert by_slug["a"]["actor"] == "isis"
    before = client.get("/api/v1/maps/test-map/zones?date=2016-01-15").json()["features"]
    assert {f["properties"]["actor"] for f in before} == {"gov"}
    assert sorted(published.json()["places"]) == sorted(
        ["a", *(p.slug for p in parts if zone(client, p.slug, "2016-01-16")["actor"] == "isis")]
    )


@pytest.mark.parametrize(
    "geometry, error",
    [
        ("POLYGON((0 0, 1 0, 1 1, 0 0))", "geometry must be a GeoJSON geometry object"),
        (
            {"type": "Point", "coordinates": [0.01, 0.0]},
            "geometry must be a GeoJSON Polygon or MultiPolygon, not 'Point'",
        ),
        ({"type": "Polygon", "coordinates": "nope"}, None),
        ({"type": "Polygon", "coordinates": [[[0, 0], [300, 0], [300, 1], [0, 0]]]}, None),
        ({"type": "Polygon", "coordinates": [[[0, 0], [0.01, 0], [0.02, 0], [0, 0]]]}, None),  # no area
        (
            {"type": "Polygon", "coordinates": [[[5, 5], [5.1, 5], [5.1, 5.1], [5, 5]]]},
            "the geometry lies outside the map test-map",
        ),
    ],
)
def test_each_bad_geometry_is_a_400_naming_the_field_and_records_nothing(grid, people, geometry, error):  # noqa: F811 (the imported fixture)
    sources = Source.objects.count()
    payload = body(geometry=geometry)
    del payload["places"]
    response = post(login(people.editor), URL, payload)
    assert response.status_code == 400, response.content
    assert response.json()["field"] == "geometry"
    if error:
        assert response.json()["error"] == error
    assert ControlChange.objects.count() == 1 and Source.objects.count() == sources


def test_without_places_or_geometry_the_places_are_asked_for(grid, people):  # noqa: F811 (the imported fixture)
    payload = body()
    del payload["places"]
    response = post(login(people.editor), URL, payload)
    assert response.status_code == 400 and response.json()["field"] == "places"


def test_the_review_queue_previews_a_draft_with_ground(grid, people):  # noqa: F811 (the imported fixture)
    payload = body(geometry=HALF_B)
    del payload["places"]
    assert post(login(people.editor), URL, payload).status_code == 201
    response = login(people.reviewer).get("/admin/mapapp/controlchange/review/")
    assert response.status_code == 200
    [card] = response.context["cards"]
    assert [row["place"] for row in card["preview"]["places"]] == ["b"]
    assert card["preview"]["ground"]["split"][0]["inside_km2"] == pytest.approx(0.6149, abs=1e-3)
    assert card["map"].slug == "test-map"


# --- a draft's ground edited (PATCH) -----------------------------------------------------------------------------

# The eastern half of b
EAST_B = {"type": "Polygon", "coordinates": [[[0.015, 0.0], [0.02, 0.0], [0.02, 0.01], [0.015, 0.01], [0.015, 0.0]]]}


def patch(client, change_id: int, payload) -> object:
    data = payload if isinstance(payload, (bytes, str)) else orjson.dumps(payload)
    return client.patch(f"/api/v1/changes/{change_id}", data=data, content_type="application/json")


def test_a_drafts_ground_is_edited_and_publishing_splits_along_the_new_one(grid, people, client):  # noqa: F811 (the imported fixture)
    editor = login(people.editor)
    payload = body(geometry=HALF_B)
    del payload["places"]
    change_id = post(editor, URL, payload).json()["id"]
    response = patch(editor, change_id, {"geometry": EAST_B})
    assert response.status_code == 200, response.content
    edited = response.json()
    assert shapely.geometry.shape(edited["geometry"]).bounds == pytest.approx((0.015, 0.0, 0.02, 0.01), abs=1e-9)
    assert edited["preview"]["ground"]["split"][0]["zone"] == "b"
    change = ControlChange.objects.get(pk=change_id)
    assert change.history.first().history_change_reason == "edited"
    assert not Place.objects.filter(kind="part").exists()  # still a draft: nothing split

    # publishing splits along the new ground: the eastern half of b is isis's, the western the government's
    assert post(login(people.reviewer), f"/api/v1/changes/{change_id}/publish").status_code == 200
    parts = {p.slug: p for p in Place.objects.filter(kind="part")}
    east = next(p for p in parts.values() if p.footprint.extent[0] == pytest.approx(0.015, abs=1e-9))
    assert zone(client, east.slug, "2016-01-16")["actor"] == "isis"
    (west,) = [p for slug, p in parts.items() if slug != east.slug]
    assert zone(client, west.slug, "2016-01-16")["actor"] == "gov"

    # a published change's ground is not edited: it has split the map already
    refused = patch(editor, change_id, {"geometry": HALF_B})
    assert refused.status_code == 400 and refused.json()["field"] == "review_state"
    assert ControlChange.objects.get(pk=change_id).geometry.equals_exact(change.geometry, tolerance=0)


def test_a_drafts_ground_is_taken_away_only_when_it_has_places(grid, people):  # noqa: F811 (the imported fixture)
    editor = login(people.editor)
    with_places = post(editor, URL, body(geometry=HALF_B, places=["a"])).json()["id"]
    only_ground = body(geometry=HALF_B, date="2016-01-17")
    del only_ground["places"]
    without = post(editor, URL, only_ground).json()["id"]
    response = patch(editor, with_places, {"geometry": None})
    assert response.status_code == 200, response.content
    assert response.json()["geometry"] is None
    assert ControlChange.objects.get(pk=with_places).map is None
    refused = patch(editor, without, {"geometry": None})
    assert refused.status_code == 400
    assert refused.json() == {"error": "a control change needs at least one place or a geometry", "field": "geometry"}
    assert ControlChange.objects.get(pk=without).geometry is not None


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "geometry"),
        ({"geometry": HALF_B, "places": ["a"]}, "places"),
        ({"geometry": {"type": "Point", "coordinates": [0.01, 0.0]}}, "geometry"),
        ({"geometry": {"type": "Polygon", "coordinates": [[[5, 5], [5.1, 5], [5.1, 5.1], [5, 5]]]}}, "geometry"),
        ({"geometry": HALF_B, "map": "no-such-map"}, "map"),
        ("not json", None),
    ],
)
def test_a_bad_patch_is_a_400_naming_the_field_and_changes_nothing(grid, people, payload, field):  # noqa: F811 (the imported fixture)
    editor = login(people.editor)
    created = body(geometry=HALF_B)
    del created["places"]
    change_id = post(editor, URL, created).json()["id"]
    before = ControlChange.objects.get(pk=change_id)
    response = patch(editor, change_id, payload)
    assert response.status_code == 400, response.content
    if field is not None:
        assert response.json()["field"] == field
    after = ControlChange.objects.get(pk=change_id)
    assert after.geometry.equals_exact(before.geometry, tolerance=0) and after.history.count() == before.history.count()


def test_patching_a_change_needs_an_editor(grid, people, client):  # noqa: F811 (the imported fixture)
    created = body(geometry=HALF_B)
    del created["places"]
    change_id = post(login(people.editor), URL, created).json()["id"]
    assert patch(client, change_id, {"geometry": EAST_B}).status_code == 401
    assert patch(login(people.staff), change_id, {"geometry": EAST_B}).status_code == 403
    assert patch(login(people.editor), 999999, {"geometry": EAST_B}).status_code == 404
