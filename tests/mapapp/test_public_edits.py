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


# --- a public zone's spellings and a published siege's sources are the reviewers' too --------------------------


def names_form(place: Place, rows: list[dict], initial: int) -> dict:
    """The place form as the admin posts it, with the names inline's rows (a forged POST may send any)."""
    data = place_form(place.slug, SQUARE, kind=place.kind, name_en=place.name_en)
    data.pop("slug")
    data.update({"names-TOTAL_FORMS": str(len(rows)), "names-INITIAL_FORMS": str(initial)})
    for index, row in enumerate(rows):
        data.update({f"names-{index}-{key}": value for key, value in row.items()})
        data[f"names-{index}-place"] = str(place.pk)
    return data


def spellings(place: Place) -> list[tuple[str, str]]:
    return sorted(place.names.values_list("name", "language"))


@pytest.fixture
def spelt(public_map):
    from gazetteer import services as gazetteer_services

    place = Place.objects.get(slug="a")
    [name] = gazetteer_services.place_names_add(place=place, names=[("Jura", "en", "variant")])
    return place, name


def test_an_editor_sees_a_public_zones_spellings_read_only_and_a_forged_post_changes_none(spelt, people):
    place, name = spelt
    before = spellings(place)
    assert ("Jura", "en") in before
    editor = login(people.editor)
    page = editor.get(f"/admin/gazetteer/place/{place.pk}/change/")
    [names] = page.context["inline_admin_formsets"]
    assert not (names.has_add_permission or names.has_change_permission or names.has_delete_permission)
    assert names.has_view_permission and "Jura" in page.content.decode()
    forged = names_form(
        place,
        [
            {"id": str(name.pk), "name": "<b>Forged</b>", "language": "en", "kind": "variant", "DELETE": "on"},
            {"id": "", "name": "Added by an editor", "language": "en", "kind": "variant"},
        ],
        initial=1,
    )
    response = editor.post(f"/admin/gazetteer/place/{place.pk}/change/", forged, follow=True)
    assert response.status_code == 200
    assert spellings(place) == before
    name.refresh_from_db()
    assert name.search_key == "jura"


def test_a_reviewer_changes_adds_and_deletes_a_public_zones_spellings(spelt, people):
    place, name = spelt
    others = [spelling for spelling in spellings(place) if spelling != ("Jura", "en")]
    reviewer = login(people.reviewer)
    rows = [
        {"id": str(name.pk), "name": "Joura", "language": "en", "kind": "variant"},
        {"id": "", "name": "الجورة", "language": "ar", "kind": "variant"},
    ]
    reviewer.post(f"/admin/gazetteer/place/{place.pk}/change/", names_form(place, rows, initial=1), follow=True)
    assert spellings(place) == sorted([*others, ("Joura", "en"), ("الجورة", "ar")])
    rows = [{"id": str(name.pk), "name": "Joura", "language": "en", "kind": "variant", "DELETE": "on"}]
    reviewer.post(f"/admin/gazetteer/place/{place.pk}/change/", names_form(place, rows, initial=1), follow=True)
    assert spellings(place) == sorted([*others, ("الجورة", "ar")])


def test_an_editor_still_spells_a_place_on_no_public_map(public_map, people):
    place = Place.objects.get(slug="loose")
    before = spellings(place)
    rows = [{"id": "", "name": "Loose end", "language": "en", "kind": "variant"}]
    login(people.editor).post(f"/admin/gazetteer/place/{place.pk}/change/", names_form(place, rows, 0), follow=True)
    assert spellings(place) == sorted([*before, ("Loose end", "en")])


def test_a_source_a_published_siege_cites_is_the_reviewers_to_correct(world, people):
    import datetime as dt

    world.actor("gov", "#cc0000")
    world.actor("isis", "#111111")
    city = world.place("city")
    world.map(zones=[city])
    source = services.source_create(title="Siege report", url="https://example.org/siege")
    services.siege_record(
        slug="the-siege",
        name_en="The siege",
        besieged_actor=world.actor("gov"),
        besieging_actors=[world.actor("isis")],
        start=dt.date(2015, 3, 1),
        places=[(city, None)],
        sources=[source],
        publish=True,
    )
    assert not source.control_changes.exists()  # only the siege cites it
    data = {"title": "Corrected", "url": "https://example.org/x", "publisher": "", "published": "", "quote": ""}
    editor = login(people.editor)
    page = editor.get(f"/admin/mapapp/source/{source.pk}/change/")
    assert any("A published siege cites this source" in str(m) for m in page.context["messages"])
    assert "title" not in page.context["adminform"].form.fields
    editor.post(f"/admin/mapapp/source/{source.pk}/change/", data)
    source.refresh_from_db()
    assert (source.title, source.url) == ("Siege report", "https://example.org/siege")
    login(people.reviewer).post(f"/admin/mapapp/source/{source.pk}/change/", data)
    source.refresh_from_db()
    assert (source.title, source.url) == ("Corrected", "https://example.org/x")
