"""Edits that would change a public map without review: only reviewers may change the names, footprint, label
point or kind of a zone of a public map, or correct a source a published change cites; editors see those fields
read-only and are told why. Footprints are capped: one above FOOTPRINT_MAX_VERTICES is simplified on save, and
the editor is told.

Before: an editor's rename or redrawn footprint showed on the public map at once, and an 80,000-vertex zone was
kept as drawn."""

from __future__ import annotations

import json
import math

import pytest
from django.test import Client

from gazetteer.models import Place
from mapapp import services
from mapapp.models import Source
from tests.mapapp.test_editor_admin import SQUARE, place_form


def login(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def public_map(world):
    world.actor("gov", "#cc0000")
    for index, slug in enumerate(["a", "b"]):
        world.place(slug, x=0.01 * index, y=0.0)
    world.place("loose", x=1.0, y=1.0)  # on no map
    world.map(zones=[world.place("a"), world.place("b")])
    world.change("2015-01-01", ["a", "b"], "gov")  # published, citing a source
    return world


def edit(client: Client, place: Place, **changes):
    data = place_form(place.slug, SQUARE, **{"kind": place.kind, "name_en": place.name_en, **changes})
    data.pop("slug")
    return client.post(f"/admin/gazetteer/place/{place.pk}/change/", data, follow=True)


def test_an_editor_sees_a_public_zone_read_only_and_cannot_rename_or_redraw_it(public_map, people):
    place = Place.objects.get(slug="a")
    footprint = place.footprint.wkt
    editor = login(people.editor)
    page = editor.get(f"/admin/gazetteer/place/{place.pk}/change/")
    assert page.status_code == 200
    assert "name_en" not in page.context["adminform"].form.fields
    assert "footprint" not in page.context["adminform"].form.fields
    shown = [str(m) for m in page.context["messages"]]
    assert any("a is a zone of the public map test-map: only a reviewer may change" in m for m in shown), shown
    # A forged POST with a new name and outline changes neither; the fields the editor may edit still save.
    response = edit(editor, place, name_en="<b>Renamed</b>", notes="checked against the 2016 survey")
    assert response.status_code == 200
    place.refresh_from_db()
    assert place.name_en != "<b>Renamed</b>" and place.footprint.wkt == footprint
    assert place.notes == "checked against the 2016 survey"


def test_a_reviewer_may_rename_a_public_zone(public_map, people):
    place = Place.objects.get(slug="a")
    response = edit(login(people.reviewer), place, name_en="Renamed")
    assert response.status_code == 200
    place.refresh_from_db()
    assert place.name_en == "Renamed"


def test_an_editor_may_still_rename_a_place_on_no_public_map(public_map, people):
    place = Place.objects.get(slug="loose")
    edit(login(people.editor), place, name_en="Renamed")
    place.refresh_from_db()
    assert place.name_en == "Renamed"


def test_a_source_a_published_change_cites_is_the_reviewers_to_correct(public_map, people):
    source = Source.objects.get(control_changes__review_state="published")
    title = source.title
    data = {"title": "Corrected", "url": "https://example.org/x", "publisher": "", "published": "", "quote": ""}
    editor = login(people.editor)
    page = editor.get(f"/admin/mapapp/source/{source.pk}/change/")
    assert any("only a reviewer may correct it" in str(m) for m in page.context["messages"])
    editor.post(f"/admin/mapapp/source/{source.pk}/change/", data)
    source.refresh_from_db()
    assert source.title == title
    login(people.reviewer).post(f"/admin/mapapp/source/{source.pk}/change/", data)
    source.refresh_from_db()
    assert source.title == "Corrected"
    # A source only drafts cite is the editor's to correct.
    draft_source = services.source_create(title="Draft's source")
    editor.post(f"/admin/mapapp/source/{draft_source.pk}/change/", data)
    draft_source.refresh_from_db()
    assert draft_source.title == "Corrected"


def circle(points: int, radius: float = 0.05) -> list:
    ring = [
        [40.0 + radius * math.cos(2 * math.pi * i / points), 35.0 + radius * math.sin(2 * math.pi * i / points)]
        for i in range(points)
    ]
    return [[ring + [ring[0]]]]


def test_a_footprint_above_the_vertex_limit_is_simplified_on_save_and_the_editor_is_told(db, people, settings):
    settings.FOOTPRINT_MAX_VERTICES = 1_000
    data = place_form("round", circle(20_000))
    response = login(people.editor).post("/admin/gazetteer/place/add/", data, follow=True)
    assert response.status_code == 200
    place = Place.objects.get(slug="round")
    assert 4 <= place.footprint.num_coords <= 1_000
    assert place.footprint.valid
    assert place.area_km2 == pytest.approx(math.pi * (0.05 * 111.0) ** 2 * math.cos(math.radians(35)), rel=0.02)
    shown = [str(m) for m in response.context["messages"]]
    assert any(
        m.startswith("The outline had too many points: simplified from 20,001 to ") and "(at most 1,000" in m
        for m in shown
    ), shown
    assert "simplified from 20,001" in place.footprint_method
    # Under the limit nothing is touched.
    small = json.loads(place_form("small", circle(500))["footprint"])
    login(people.editor).post("/admin/gazetteer/place/add/", place_form("small", small["coordinates"]))
    assert Place.objects.get(slug="small").footprint.num_coords == 501
