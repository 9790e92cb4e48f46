"""The map admin without one form field per zone (issue 12): maps of thousands of zones created and edited,
zones chosen by drawing an area or from an uploaded file, bad input shown on the form with nothing saved."""

from __future__ import annotations

import json

import pytest
import shapely
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gazetteer.models import Place
from gazetteer.services import places_bulk_create
from mapapp.lib import geo
from mapapp.models import Actor, Map, ZoneEdge

# 600 zones: the form has no field per zone whatever their number; `python -m bench map_write` times the same
# admin pages on 5,000 (bench/bench_map_write.py).
COLUMNS, ROWS = 30, 20


def ring(i: int, j: int, width: int = 1, height: int = 1) -> list[list[float]]:
    x0, y0, x1, y1 = (
        round(v, 6) for v in (36 + i / 100, 35 + j / 100, 36 + (i + width) / 100, 35 + (j + height) / 100)
    )
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]


@pytest.fixture
def cells(db):
    """COLUMNS x ROWS square places of kind "area" in the gazetteer, and one "village" in their midst."""
    places_bulk_create(
        places=[
            {
                "slug": f"cell-{i:03d}-{j:02d}",
                "name_en": f"Cell {i} {j}",
                "kind": "area",
                "footprint": geo.geos_multipolygon(shapely.Polygon(ring(i, j))),
                "footprint_approximate": False,
            }
            for i in range(COLUMNS)
            for j in range(ROWS)
        ]
        + [
            {
                "slug": "a-village",
                "name_en": "A village",
                "kind": "village",
                "footprint": geo.geos_multipolygon(shapely.Polygon(ring(10, 10))),
            }
        ]
    )


@pytest.fixture
def reviewer_admin(people):
    people.reviewer.is_superuser = True  # the map admin is an administrator's page
    people.reviewer.save()
    client = Client()
    client.force_login(people.reviewer)
    return client


def fields(**overrides) -> dict:
    data = {
        "slug": "grid",
        "title_en": "The grid",
        "title_ar": "الشبكة",
        "description_en": "",
        "description_ar": "",
        "start": "2020-01-01",
        "end": "2020-12-31",
        "default_date": "2020-06-30",
        "is_public": "on",
        "credit": "",
        "frame_ancestors": "",
        "area": json.dumps({"type": "MultiPolygon", "coordinates": [[ring(0, 0, COLUMNS, ROWS)]]}),
        "zones_from": "within",
        "zones_kind": "area",
    }
    data.update(overrides)
    return data


def test_create_and_edit_a_map_of_hundreds_of_zones_in_the_admin(reviewer_admin, cells):
    actor = Actor.objects.create(slug="army", name_en="Army", color="#aa0000")
    response = reviewer_admin.post("/admin/mapapp/map/add/", fields(actors=[actor.pk]))
    assert response.status_code == 302, response.context["adminform"].form.errors
    map_ = Map.objects.get(slug="grid")
    assert map_.places.count() == COLUMNS * ROWS  # the village inside the area is not of the kind asked for
    assert not map_.places.filter(slug="a-village").exists()
    assert geo.area_km2(map_.area) == pytest.approx(geo.area_km2(shapely.Polygon(ring(0, 0, COLUMNS, ROWS))), rel=1e-6)
    assert ZoneEdge.objects.filter(map=map_, place_b__isnull=False).count() == (
        (COLUMNS - 1) * ROWS + COLUMNS * (ROWS - 1)
    )

    url = f"/admin/mapapp/map/{map_.pk}/change/"
    page = reviewer_admin.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "places" not in form.fields and f"the map has {COLUMNS * ROWS} zones" in page.content.decode()
    edit = fields(title_en="The grid, renamed", zones_from="keep", actors=[actor.pk], area="")
    assert len(edit) < 20  # a handful of fields, whatever the number of zones
    response = reviewer_admin.post(url, edit)
    assert response.status_code == 302, response.context["adminform"].form.errors
    map_.refresh_from_db()
    assert map_.title_en == "The grid, renamed" and map_.places.count() == COLUMNS * ROWS
    assert geo.area_km2(map_.area) > 0  # kept: derived from the zones, not from the empty drawing

    # a smaller area drawn: its zones only
    response = reviewer_admin.post(
        url, fields(area=json.dumps({"type": "MultiPolygon", "coordinates": [[ring(0, 0, 10, 5)]]}))
    )
    assert response.status_code == 302
    assert Map.objects.get(pk=map_.pk).places.count() == 50


def test_the_drawn_area_as_the_only_zone(reviewer_admin, db):
    response = reviewer_admin.post("/admin/mapapp/map/add/", fields(zones_from="area", zones_kind=""))
    assert response.status_code == 302, response.context["adminform"].form.errors
    zone = Map.objects.get(slug="grid").places.get()
    assert (zone.slug, zone.kind, zone.name_ar) == ("grid-area", "area", "الشبكة")


def zones_upload(features) -> SimpleUploadedFile:
    collection = {"type": "FeatureCollection", "features": features}
    return SimpleUploadedFile("zones.geojson", json.dumps(collection).encode(), content_type="application/geo+json")


def test_zones_from_an_uploaded_file(reviewer_admin, db):
    features = [
        {"type": "Feature", "properties": {"name": f"Block {i}", "name_ar": "حي"},
         "geometry": {"type": "Polygon", "coordinates": [ring(i, 0)]}}
        for i in range(30)
    ]  # fmt: skip
    response = reviewer_admin.post(
        "/admin/mapapp/map/add/", fields(zones_from="file", zones_kind="", area="", zones_file=zones_upload(features))
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    map_ = Map.objects.get(slug="grid")
    assert sorted(map_.places.values_list("name_en", flat=True)) == sorted(f"Block {i}" for i in range(30))
    assert ZoneEdge.objects.filter(map=map_, place_b__isnull=False).count() == 29


@pytest.mark.parametrize(
    "overrides, field, words",
    [
        ({"zones_from": "keep"}, "zones_from", "a new map needs zones"),
        ({"area": ""}, "area", "draw the area first"),
        ({"zones_kind": ""}, "zones_kind", "choose the kind"),
        ({"zones_kind": "city"}, "area", "no place of that kind"),
        ({"zones_from": "file"}, "zones_file", "choose a file"),
        (
            {"zones_from": "file", "zones_file": SimpleUploadedFile("zones.geojson", b"{oops")},
            "zones_file",
            "not valid JSON",
        ),
        (
            {
                "zones_from": "file",
                "zones_file": zones_upload(
                    [
                        {
                            "type": "Feature",
                            "properties": {"name": "Good"},
                            "geometry": {"type": "Polygon", "coordinates": [ring(0, 0)]},
                        },
                        {
                            "type": "Feature",
                            "properties": {"name": "A point"},
                            "geometry": {"type": "Point", "coordinates": [36.5, 35.5]},
                        },
                    ]
                ),
            },  # fmt: skip
            "zones_file",
            "is a point",
        ),
        ({"end": "2019-01-01"}, None, ""),
    ],
)
def test_bad_input_is_shown_on_the_form_and_nothing_is_saved(reviewer_admin, db, overrides, field, words):
    places = Place.objects.count()
    response = reviewer_admin.post("/admin/mapapp/map/add/", fields(**overrides))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors
    if field:
        assert words in " ".join(errors[field]), errors
    assert not Map.objects.exists() and Place.objects.count() == places
