"""The editors' and reviewers' admin: roles, who may open what, review actions, restore, and the place and
siege forms, which save through the services (repairing or refusing bad outlines, showing the services'
reasons)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client

from gazetteer.models import Place
from mapapp.models import ControlChange, ControlPeriod, ReviewState, Siege
from mapapp.roles import EDITORS, REVIEWERS
from mapapp.services import api_token_user
from tests.conftest import world_once_per_module

MARK = "/admin/mapapp/controlchange/mark/"
QUEUE = "/admin/mapapp/controlchange/review/"


def login(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def codenames(group_name: str) -> set[str]:
    return set(Group.objects.get(name=group_name).permissions.values_list("codename", flat=True))


def _grid(world):
    for index, slug in enumerate(["a", "b", "c"]):
        world.place(slug, x=0.01 * index, y=0.0)
    world.actor("gov", "#cc0000")
    world.actor("isis", "#333333")
    world.map(zones=[world.place(s) for s in "abc"])
    world.change("2015-01-01", ["a", "b", "c"], "gov")


# Written once for the module; each test's writes are rolled back before the next.
_grid_once, world = world_once_per_module(_grid)


@pytest.fixture
def grid(world):
    return world


def draft(world, **kwargs):
    return world.change(kwargs.pop("on", "2016-01-16"), kwargs.pop("places", ["a"]), "isis", publish=False, **kwargs)


# --- roles ---------------------------------------------------------------------------------------------------


def test_the_groups_exist_after_migrate_with_their_permissions(db):
    editors, reviewers = codenames(EDITORS), codenames(REVIEWERS)
    assert {"add_controlchange", "change_controlchange", "add_place", "change_place", "add_siege", "add_source"} <= (
        editors
    )
    assert not {"publish_controlchange", "reject_controlchange", "withdraw_controlchange"} & editors
    review = {"publish_controlchange", "reject_controlchange", "withdraw_controlchange", "restore_controlchange"}
    assert review | {"publish_siege"} <= reviewers
    assert editors < reviewers
    # the record is append-only: nobody in either group deletes changes, sieges, sources or places
    assert not {"delete_controlchange", "delete_siege", "delete_source", "delete_place"} & reviewers


@pytest.mark.django_db(transaction=True)
def test_the_groups_come_back_after_a_flush(django_db_setup):
    call_command("flush", interactive=False, verbosity=0)
    assert "publish_controlchange" in codenames(REVIEWERS)
    assert "add_controlchange" in codenames(EDITORS)


# --- who may open what --------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [MARK, QUEUE])
def test_anonymous_and_non_staff_are_sent_to_log_in(grid, people, client, url):
    for visitor in (client, login(people.outsider)):
        response = visitor.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("url", [MARK, QUEUE])
def test_staff_without_a_group_is_refused(grid, people, url):
    assert login(people.staff).get(url).status_code == 403


def test_editors_open_the_mark_page_and_the_queue_without_the_reviewers_buttons(grid, people):
    change = draft(grid)
    editor = login(people.editor)
    page = editor.get(MARK)
    assert page.status_code == 200
    assert 'id="mark-map"' in page.content.decode()
    queue = editor.get(QUEUE).content.decode()
    assert f'id="change-{change.pk}"' in queue
    assert "publish-button" not in queue and "reject-button" not in queue
    reviewer_queue = login(people.reviewer).get(QUEUE).content.decode()
    assert "publish-button" in reviewer_queue and "reject-button" in reviewer_queue


def test_the_mark_page_speaks_arabic(grid, people):
    page = login(people.editor).get(MARK, headers={"Accept-Language": "ar"}).content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert "تسجيل تغيير في السيطرة" in page
    assert "احفظ كمسودة" in page


def test_the_admin_names_its_sections_and_models_in_arabic(grid, people):
    reviewer = login(people.reviewer)
    index = reviewer.get("/admin/", headers={"Accept-Language": "ar"}).content.decode()
    for arabic in ("الخرائط والسيطرة", "معجم الأماكن", "تغييرات السيطرة", "الحصارات", "الأطراف", "الأماكن"):
        assert arabic in index
    assert "Control changes" not in index and "Sieges" not in index
    changelist = reviewer.get("/admin/mapapp/siege/", headers={"Accept-Language": "ar"}).content.decode()
    assert "حصار" in changelist and "Select siege to change" not in changelist
    english = reviewer.get("/admin/").content.decode()
    assert "Control changes" in english and "Maps and control" in english


def test_the_add_button_leads_to_the_mark_page(grid, people):
    response = login(people.editor).get("/admin/mapapp/controlchange/add/")
    assert response.status_code == 302 and response["Location"] == MARK


def test_the_queue_shows_what_a_published_change_did_not_that_it_changes_nothing(grid, people):
    taken = grid.change("2016-01-16", ["a", "b"], "isis")
    grid.change("2016-06-01", ["a"], "gov")  # a later change gives a back: the preview says until when
    queue = login(people.reviewer).get(QUEUE, {"state": "published"})
    card = next(card for card in queue.context["cards"] if card["change"] == taken)
    preview = card["preview"]
    assert (preview["changing_hands"], preview["alters_nothing"]) == (2, False)
    rows = {row["place"]: row for row in preview["places"]}
    assert {slug: (row["from_actor"], row["to_actor"]) for slug, row in rows.items()} == {
        "a": ("gov", "isis"),
        "b": ("gov", "isis"),
    }
    assert (rows["a"]["until"], rows["b"]["until"]) == ("2016-06-01", None)
    assert preview["area_km2"]["by_actor"]["isis"]["gained"] == preview["area_km2"]["changing_hands"] > 0
    html = queue.content.decode()
    assert "2 place(s) change hands" in html
    assert "By the published record these places already stand like this" not in html
    # a draft still compares against the whole published record, the published change included
    retaking = grid.change("2016-02-01", ["b"], "gov", publish=False)
    drafts = login(people.reviewer).get(QUEUE).context["cards"]
    row = next(card for card in drafts if card["change"] == retaking)["preview"]["places"][0]
    assert (row["from_actor"], row["to_actor"]) == ("isis", "gov")


def test_a_card_dated_outside_the_maps_dates_shows_the_maps_nearest_day(grid, people):
    early = draft(grid, on="2014-06-01")
    queue = login(people.reviewer).get(QUEUE)
    card = next(card for card in queue.context["cards"] if card["change"] == early)
    assert card["map_config"]["date"] == "2015-01-01"
    html = queue.content.decode()
    assert "The map covers 2015-01-01 to 2017-12-31, so it shows 2015-01-01." in html
    assert "?date=2015-01-01" in html
    # the zones request the card's map makes is answered, not refused as outside the map's dates
    assert login(people.reviewer).get("/api/v1/maps/test-map/zones?date=2015-01-01").status_code == 200


# --- review actions in the admin ----------------------------------------------------------------------------


def act(client, change, action, reason=""):
    return client.post(f"/admin/mapapp/controlchange/{change.pk}/act/", {"action": action, "reason": reason})


def test_an_editor_cannot_publish_from_the_admin(grid, people):
    change = draft(grid)
    assert act(login(people.editor), change, "publish").status_code == 403
    change.refresh_from_db()
    assert change.review_state == ReviewState.DRAFT


def test_a_reviewer_publishes_rejects_with_a_reason_and_withdraws(grid, people):
    reviewer = login(people.reviewer)
    first, second = draft(grid), draft(grid, places=["b"])
    response = act(reviewer, first, "publish")
    assert response.status_code == 302 and response["Location"] == QUEUE
    first.refresh_from_db()
    assert first.review_state == ReviewState.PUBLISHED and first.reviewed_by == people.reviewer
    assert ControlPeriod.objects.in_effect(dt.date(2016, 2, 1)).get(place=grid.place("a")).actor.slug == "isis"

    no_reason = act(reviewer, second, "reject")
    assert [str(m) for m in no_reason.wsgi_request._messages][-1] == (
        f"Change #{second.pk}: say why the change is rejected, so the editor can fix it"
    )
    second.refresh_from_db()
    assert second.review_state == ReviewState.DRAFT
    act(reviewer, second, "reject", "the source says contested")
    second.refresh_from_db()
    assert (second.review_state, second.review_note) == (ReviewState.REJECTED, "the source says contested")

    act(reviewer, first, "withdraw", "wrong date")
    first.refresh_from_db()
    assert first.review_state == ReviewState.WITHDRAWN
    assert ControlPeriod.objects.in_effect(dt.date(2016, 2, 1)).get(place=grid.place("a")).actor.slug == "gov"
    assert reviewer.get(f"/admin/mapapp/controlchange/{first.pk}/act/").status_code == 405


def test_restore_in_the_admin_needs_the_permission_and_undoes_an_edit(grid, people):
    change = draft(grid)
    reviewer = login(people.reviewer)
    act(reviewer, change, "publish")
    version = change.history.order_by("-history_id").first().history_id  # published, places a
    # a reviewer edits the published change through the change form: now b instead of a
    form = {
        "date": "2016-01-16",
        "date_precision": "day",
        "places": [grid.place("b").pk],
        "actor": grid.actor("isis").pk,
        "status": "held",
        "confidence": "medium",
        "title": "",
        "note": "",
        "sources": [grid.source.pk],
    }
    response = reviewer.post(f"/admin/mapapp/controlchange/{change.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    on = dt.date(2016, 2, 1)
    assert ControlPeriod.objects.in_effect(on).get(place=grid.place("a")).actor.slug == "gov"
    assert ControlPeriod.objects.in_effect(on).get(place=grid.place("b")).actor.slug == "isis"
    assert change.history.order_by("-history_id").first().history_change_reason == "edited"

    url = f"/admin/mapapp/controlchange/{change.pk}/restore/{version}/"
    assert login(people.editor).post(url).status_code == 403
    response = reviewer.post(url)
    assert response.status_code == 302
    assert ControlPeriod.objects.in_effect(on).get(place=grid.place("a")).actor.slug == "isis"
    assert ControlPeriod.objects.in_effect(on).get(place=grid.place("b")).actor.slug == "gov"
    history = reviewer.get(f"/admin/mapapp/controlchange/{change.pk}/history/").content.decode()
    assert f'data-reason="restored version {version}"' in history
    assert 'data-reason="edited"' in history and 'data-reason="published"' in history


def test_simple_historys_own_revert_is_refused(grid, people):
    change = draft(grid)
    version = change.history.order_by("history_id").last().history_id
    reviewer = login(people.reviewer)
    assert reviewer.get(f"/admin/mapapp/controlchange/{change.pk}/history/{version}/").status_code == 200
    assert reviewer.post(f"/admin/mapapp/controlchange/{change.pk}/history/{version}/", {}).status_code == 403


def test_editors_edit_drafts_but_not_published_changes_and_bad_input_is_shown_on_the_form(grid, people):
    editor = login(people.editor)
    change = draft(grid)
    url = f"/admin/mapapp/controlchange/{change.pk}/change/"
    future = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    form = {
        "date": future,
        "date_precision": "day",
        "places": [grid.place("a").pk],
        "actor": grid.actor("isis").pk,
        "status": "held",
        "confidence": "high",
        "sources": [grid.source.pk],
    }
    response = editor.post(url, form)
    assert response.status_code == 200
    assert f"date {future} is in the future" in response.content.decode()
    form["date"] = "2016-01-20"
    assert editor.post(url, form).status_code == 302
    change.refresh_from_db()
    assert (change.date, change.confidence) == (dt.date(2016, 1, 20), "high")

    published = ControlChange.objects.get(review_state=ReviewState.PUBLISHED)
    assert editor.post(f"/admin/mapapp/controlchange/{published.pk}/change/", form).status_code == 403
    assert editor.post(f"/admin/mapapp/controlchange/{published.pk}/delete/").status_code == 403


# --- places -------------------------------------------------------------------------------------------------


def place_form(slug: str, coordinates, **extra) -> dict:
    data = {
        "slug": slug,
        "name_en": slug.title(),
        "name_ar": "",
        "kind": "district",
        "parent": "",
        "footprint": json.dumps({"type": "MultiPolygon", "coordinates": coordinates}),
        "label_point": "",
        "footprint_approximate": "on",
        "footprint_method": "drawn in the admin",
        "coord_basis": "sourced",
        "uncertainty_m": "",
        "source": "",
        "notes": "",
        "names-TOTAL_FORMS": "0",
        "names-INITIAL_FORMS": "0",
        "names-MIN_NUM_FORMS": "0",
        "names-MAX_NUM_FORMS": "1000",
    }
    data.update(extra)
    return data


BOW_TIE = [[[[0, 0], [0.01, 0.01], [0.01, 0], [0, 0.01], [0, 0]]]]  # edges cross in the middle
FLAT = [[[[0, 0], [0.01, 0], [0.02, 0], [0, 0]]]]  # no area at all
SQUARE = [[[[0, 0], [0.01, 0], [0.01, 0.01], [0, 0.01], [0, 0]]]]


def test_an_invalid_outline_is_repaired_with_the_reason_shown(db, people):
    editor = login(people.editor)
    response = editor.post("/admin/gazetteer/place/add/", place_form("bow-tie", BOW_TIE), follow=True)
    assert response.status_code == 200
    place = Place.objects.get(slug="bow-tie")
    assert place.footprint.valid
    assert place.area_km2 > 0
    assert "repaired: Self-intersection" in place.footprint_method
    shown = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("The outline was not valid (Self-intersection") for m in shown), shown
    assert place.history.first().history_user == people.editor


def test_an_outline_that_cannot_be_repaired_is_refused_and_nothing_is_saved(db, people):
    response = login(people.editor).post("/admin/gazetteer/place/add/", place_form("flat", FLAT))
    assert response.status_code == 200
    assert "This outline cannot be used: no area left after repair" in response.content.decode()
    assert not Place.objects.filter(slug="flat").exists()


def test_a_redrawn_outline_goes_through_the_service_and_the_list_filters_by_parent(db, people):
    editor = login(people.editor)
    editor.post("/admin/gazetteer/place/add/", place_form("city", SQUARE, kind="city"))
    city = Place.objects.get(slug="city")
    editor.post("/admin/gazetteer/place/add/", place_form("quarter", SQUARE, parent=str(city.pk)))
    quarter = Place.objects.get(slug="quarter")
    assert quarter.parent == city and quarter.label_point is not None
    bigger = [[[[0, 0], [0.02, 0], [0.02, 0.02], [0, 0.02], [0, 0]]]]
    data = place_form("quarter", bigger, parent=str(city.pk), name_ar="الحي")
    data.pop("slug")
    response = editor.post(f"/admin/gazetteer/place/{quarter.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    quarter.refresh_from_db()
    assert quarter.area_km2 == pytest.approx(4 * city.area_km2, rel=1e-3)
    assert quarter.name_ar == "الحي"
    assert quarter.names.filter(name="الحي", language="ar").exists()
    listing = editor.get(f"/admin/gazetteer/place/?parent={city.pk}")
    assert [place.slug for place in listing.context["cl"].result_list] == ["quarter"]
    assert "City" in listing.content.decode()  # offered as a parent in the filter
    # a place cannot be put inside its own part
    data = place_form("city", SQUARE, kind="city", parent=str(quarter.pk))
    data.pop("slug")
    refused = editor.post(f"/admin/gazetteer/place/{city.pk}/change/", data)
    assert refused.status_code == 200
    assert "a place cannot lie inside itself or inside one of its own parts" in refused.content.decode()


# --- sieges -------------------------------------------------------------------------------------------------


def siege_form(world, **extra) -> dict:
    data = {
        "slug": "the-siege",
        "name_en": "The siege",
        "name_ar": "",
        "besieged_actor": world.actor("gov").pk,
        "besieging_actors": [world.actor("isis").pk],
        "start": "2015-06-01",
        "start_precision": "day",
        "end": "",
        "sources": [world.source.pk],
        "note": "",
        "siege_places-TOTAL_FORMS": "2",
        "siege_places-INITIAL_FORMS": "0",
        "siege_places-MIN_NUM_FORMS": "0",
        "siege_places-MAX_NUM_FORMS": "1000",
        "siege_places-0-place": world.place("a").pk,
        "siege_places-0-until": "",
        "siege_places-1-place": world.place("b").pk,
        "siege_places-1-until": "2016-03-01",
        "supplies-TOTAL_FORMS": "1",
        "supplies-INITIAL_FORMS": "0",
        "supplies-MIN_NUM_FORMS": "0",
        "supplies-MAX_NUM_FORMS": "1000",
        "supplies-0-method": "air_bridge",
        "supplies-0-start": "2015-06-01",
        "supplies-0-end": "",
        "supplies-0-note": "",
    }
    data.update(extra)
    return data


def test_the_siege_form_records_a_draft_through_the_service(grid, people):
    editor = login(people.editor)
    response = editor.post("/admin/mapapp/siege/add/", siege_form(grid))
    assert response.status_code == 302, response.content.decode()[:3000]
    siege = Siege.objects.get(slug="the-siege")
    assert siege.review_state == ReviewState.DRAFT
    assert sorted((sp.place.slug, sp.until) for sp in siege.siege_places.all()) == [
        ("a", None),
        ("b", dt.date(2016, 3, 1)),
    ]
    assert [s.method for s in siege.supplies.all()] == ["air_bridge"]
    assert siege.created_by == people.editor
    assert siege.history.first().history_change_reason == "recorded"
    # editing it through the form: b relieved later, a third place
    data = siege_form(grid, **{"siege_places-1-until": "2016-06-01", "siege_places-TOTAL_FORMS": "3"})
    data.update({"siege_places-2-place": grid.place("c").pk, "siege_places-2-until": ""})
    data.update({"siege_places-INITIAL_FORMS": "0", "supplies-INITIAL_FORMS": "0"})
    data.pop("slug")
    response = editor.post(f"/admin/mapapp/siege/{siege.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert sorted((sp.place.slug, sp.until) for sp in siege.siege_places.all()) == [
        ("a", None),
        ("b", dt.date(2016, 6, 1)),
        ("c", None),
    ]


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"besieging_actors": []}, "This field is required."),
        ({"end": "2015-01-01"}, "the siege ends (2015-01-01) on or before it starts (2015-06-01)"),
        ({"siege_places-1-until": "2015-01-01"}, "B: relieved on 2015-01-01, outside the siege 2015-06-01..open"),
        ({"siege_places-TOTAL_FORMS": "0"}, "a siege needs at least one besieged place"),
        ({"supplies-0-end": "2015-05-01"}, "air_bridge: ends (2015-05-01) on or before it starts (2015-06-01)"),
    ],
)
def test_the_siege_form_shows_the_services_reasons_and_saves_nothing(grid, people, extra, message):
    data = siege_form(grid, **extra)
    response = login(people.editor).post("/admin/mapapp/siege/add/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Siege.objects.exists()


def test_an_actor_cannot_besiege_itself_on_the_form(grid, people):
    data = siege_form(grid, besieging_actors=[grid.actor("gov").pk])
    response = login(people.editor).post("/admin/mapapp/siege/add/", data)
    assert "an actor cannot besiege itself" in response.content.decode()
    assert not Siege.objects.exists()


def test_only_reviewers_publish_sieges(grid, people):
    login(people.editor).post("/admin/mapapp/siege/add/", siege_form(grid))
    siege = Siege.objects.get()
    action = {"action": "publish_sieges", "_selected_action": [siege.pk]}
    login(people.editor).post("/admin/mapapp/siege/", action)
    siege.refresh_from_db()
    assert siege.review_state == ReviewState.DRAFT
    login(people.reviewer).post("/admin/mapapp/siege/", action)
    siege.refresh_from_db()
    assert siege.review_state == ReviewState.PUBLISHED


# --- tokens -------------------------------------------------------------------------------------------------


def test_create_api_token_prints_a_key_that_authenticates_its_user(people, capsys):
    call_command("create_api_token", "edna", "--name", "scraper")
    key = capsys.readouterr().out.strip()
    assert len(key) >= 40
    assert api_token_user(key=key) == people.editor
    assert people.editor.api_tokens.get().key_hash != key  # only the hash is kept
    with pytest.raises(Exception, match="no user 'nobody'"):
        call_command("create_api_token", "nobody")
