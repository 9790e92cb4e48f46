"""The write API: who may do what, every rule, every bad input, and what the public sees after each step."""

from __future__ import annotations

import copy
import datetime as dt
import json

import orjson
import pytest
from django.test import Client

from gazetteer.models import Place
from mapapp import services
from mapapp.models import Actor, ControlChange, ReviewState, Source
from tests.conftest import World, loaded_once_per_module

URL = "/api/v1/maps/test-map/changes"


def _build_grid():
    """Three 1 km-ish squares on a map with two actors; gov holds all three from 2015-01-01 (published)."""
    world = World()
    for index, slug in enumerate(["a", "b", "c"]):
        world.place(slug, x=0.01 * index, y=0.0, name_ar={"a": "ألف", "b": "باء", "c": "جيم"}[slug])
    world.actor("gov", "#cc0000")
    world.actor("isis", "#333333")
    world.place("elsewhere", x=1.0, y=1.0)  # a place, but not a zone of the map
    world.map(zones=[world.place(s) for s in "abc"])
    world.change("2015-01-01", ["a", "b", "c"], "gov")
    return world


# Built once for the module (most of its tests write on it); each test's writes are rolled back.
_grid_once = loaded_once_per_module(_build_grid)


@pytest.fixture
def grid(_grid_once, db):
    """The module's grid, its rows read again for the test (a test may change its own)."""
    world = copy.copy(_grid_once)
    world.source = Source.objects.get(pk=world.source.pk)
    world.actors = {slug: Actor.objects.get(pk=actor.pk) for slug, actor in world.actors.items()}
    world.places = {slug: Place.objects.get(pk=place.pk) for slug, place in world.places.items()}
    return world


def body(**overrides) -> dict:
    payload = {
        "date": "2016-01-16",
        "places": ["a", "b"],
        "actor": "isis",
        "status": "held",
        "confidence": "high",
        "sources": [
            {
                "url": "https://example.org/sohr-2016-01-16",
                "title": "ISIS takes two districts",
                "publisher": "SOHR",
                "published": "2016-01-17",
                "quote": "IS fighters took full control of A and B",
            }
        ],
        "note": "",
    }
    payload.update(overrides)
    return payload


def post(client: Client, url: str, payload=None, **headers):
    data = payload if isinstance(payload, (bytes, str)) else orjson.dumps(payload if payload is not None else {})
    return client.post(url, data=data, content_type="application/json", headers=headers)


def zone(client: Client, slug: str, date: str) -> dict:
    response = client.get(f"/api/v1/maps/test-map/zones?date={date}")
    assert response.status_code == 200
    return next(f["properties"] for f in response.json()["features"] if f["id"] == slug)


def login(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


# --- who may do what ---------------------------------------------------------------------------------------


def test_anonymous_gets_401_with_a_hint_and_nothing_is_written(grid, client):
    response = post(client, URL, body())
    assert response.status_code == 401
    assert response.json() == {"error": "log in first, or send the header Authorization: Token <key>"}
    assert response["WWW-Authenticate"].startswith("Token")
    assert ControlChange.objects.count() == 1


@pytest.mark.parametrize("role", ["staff", "outsider"])
def test_staff_without_a_group_and_outsiders_get_403(grid, people, role):
    client = login(getattr(people, role))
    response = post(client, URL, body())
    assert response.status_code == 403
    assert (
        response.json()["error"]
        == {
            "staff": "you are not allowed to record control changes",
            "outsider": "your account is not staff (no editor or reviewer access)",
        }[role]
    )
    change = ControlChange.objects.get()
    for url, method in [
        (f"/api/v1/changes/{change.pk}/publish", "post"),
        (f"/api/v1/changes/{change.pk}/reject", "post"),
        (f"/api/v1/changes/{change.pk}", "delete"),
        (f"/api/v1/changes/{change.pk}", "get"),
    ]:
        assert getattr(client, method)(url).status_code == 403, url
    assert ControlChange.objects.count() == 1


def test_an_editor_records_a_draft_but_cannot_publish_reject_withdraw_or_restore(grid, people):
    client = login(people.editor)
    response = post(client, URL, body())
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["review_state"] == "draft"
    assert created["places"] == ["a", "b"]
    assert created["actor"] == "isis"
    assert created["created_by"] == "edna"
    assert response["Location"] == f"/api/v1/changes/{created['id']}"
    # the preview says what it changes: two places change hands, from gov to isis
    assert created["preview"]["changing_hands"] == 2
    assert created["preview"]["area_km2"]["by_actor"]["isis"]["gained"] == pytest.approx(
        grid.place("a").area_km2 + grid.place("b").area_km2, abs=1e-3
    )
    change_url = f"/api/v1/changes/{created['id']}"
    assert post(client, change_url + "/publish").status_code == 403
    assert post(client, change_url + "/reject", {"reason": "no"}).status_code == 403
    assert post(client, change_url + "/restore", {"version": 1}).status_code == 403
    assert client.delete(change_url).status_code == 403
    assert client.get(change_url).json()["review_state"] == "draft"
    # the public does not see drafts
    assert zone(client, "a", "2016-02-01")["actor"] == "gov"


def test_a_reviewer_publishes_and_the_public_map_shows_it_then_withdraws_and_it_is_gone(grid, people, client):
    change_id = post(login(people.editor), URL, body()).json()["id"]
    reviewer = login(people.reviewer)
    response = post(reviewer, f"/api/v1/changes/{change_id}/publish")
    assert response.status_code == 200
    assert response.json()["review_state"] == "published"
    assert response.json()["reviewed_by"] == "rafiq"
    assert zone(client, "a", "2016-01-16")["actor"] == "isis"
    assert zone(client, "a", "2016-01-15")["actor"] == "gov"
    assert zone(client, "c", "2016-01-16")["actor"] == "gov"

    again = post(reviewer, f"/api/v1/changes/{change_id}/publish")
    assert again.status_code == 400
    assert again.json() == {"error": "this change is already published", "field": "review_state"}

    response = reviewer.delete(f"/api/v1/changes/{change_id}", data=orjson.dumps({"reason": "wrong district"}))
    assert response.status_code == 200
    assert response.json()["review_state"] == "withdrawn"
    assert response.json()["review_note"] == "wrong district"
    assert ControlChange.objects.filter(pk=change_id).exists()  # kept in the record
    assert zone(client, "a", "2016-01-16")["actor"] == "gov"


def test_a_reviewer_rejects_a_draft_with_a_reason_and_only_a_draft(grid, people):
    change_id = post(login(people.editor), URL, body()).json()["id"]
    reviewer = login(people.reviewer)
    no_reason = post(reviewer, f"/api/v1/changes/{change_id}/reject", {"reason": "  "})
    assert no_reason.status_code == 400
    assert no_reason.json() == {"error": "say why the change is rejected, so the editor can fix it", "field": "reason"}
    response = post(reviewer, f"/api/v1/changes/{change_id}/reject", {"reason": "SOHR says contested, not held"})
    assert response.status_code == 200
    assert response.json()["review_state"] == "rejected"
    assert response.json()["review_note"] == "SOHR says contested, not held"
    published = ControlChange.objects.filter(review_state=ReviewState.PUBLISHED).get()
    refused = post(reviewer, f"/api/v1/changes/{published.pk}/reject", {"reason": "late"})
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "only a draft can be rejected; this change is published",
        "field": "review_state",
    }


def test_a_token_works_without_csrf_and_a_bad_token_is_refused(grid, people):
    _token, key = services.api_token_create(user=people.editor, name="scraper")
    client = Client(enforce_csrf_checks=True)
    response = post(client, URL, body(), Authorization=f"Token {key}")
    assert response.status_code == 201, response.content
    assert response.json()["created_by"] == "edna"
    change = ControlChange.objects.get(pk=response.json()["id"])
    assert change.history.earliest().history_user == people.editor

    wrong = post(client, URL, body(), Authorization="Token not-a-key")
    assert wrong.status_code == 401
    assert wrong.json() == {"error": "this API token is not valid", "field": "Authorization"}
    malformed = post(client, URL, body(), Authorization=f"Bearer {key}")
    assert malformed.status_code == 401
    assert malformed.json()["field"] == "Authorization"
    people.editor.is_active = False
    people.editor.save()
    assert post(client, URL, body(date="2016-02-01"), Authorization=f"Token {key}").status_code == 401


def test_a_reviewer_token_can_publish(grid, people):
    _token, key = services.api_token_create(user=people.reviewer, name="desk")
    change_id = post(login(people.editor), URL, body()).json()["id"]
    response = post(Client(), f"/api/v1/changes/{change_id}/publish", Authorization=f"Token {key}")
    assert response.status_code == 200
    assert response.json()["reviewed_by"] == "rafiq"


def test_a_session_needs_its_csrf_token(grid, people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.editor)
    refused = post(client, URL, body())
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]
    client.get("/admin/")  # a page with a form (logout) sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    assert post(client, URL, body(), **{"X-CSRFToken": token}).status_code == 201


def test_the_public_list_of_changes_still_answers_get(grid, client):
    response = client.get(URL)
    assert response.status_code == 200
    assert [c["place"] for c in response.json()["changes"]] == ["a", "b", "c"]


def test_unknown_map_is_404(grid, people):
    response = post(login(people.editor), "/api/v1/maps/nowhere/changes", body())
    assert response.status_code == 404
    assert response.json() == {"error": "no map 'nowhere'"}


def test_unknown_change_is_404(grid, people):
    response = post(login(people.reviewer), "/api/v1/changes/999999/publish")
    assert response.status_code == 404
    assert response.json() == {"error": "no control change 999999"}


# --- every rule and bad input, each with its exact error ----------------------------------------------------

FUTURE = (dt.date.today() + dt.timedelta(days=2)).isoformat()


@pytest.mark.parametrize(
    "overrides, field, error",
    [
        ({"date": "2017-02-30"}, "date", "date '2017-02-30' is not a real date"),
        ({"date": "16/01/2017"}, "date", "date must be a date written YYYY-MM-DD, got '16/01/2017'"),
        ({"date": 20170116}, "date", "date must be a date written YYYY-MM-DD, got 20170116"),
        ({"date": FUTURE}, "date", f"date {FUTURE} is in the future"),
        # Bounds (issue 14; before, all four were recorded): the map's dates, long texts, links that are not web pages.
        ({"date": "0001-01-01"}, "date", "date 0001-01-01 is outside this map's dates, 2015-01-01 to 2017-12-31"),
        ({"date": "2018-01-01"}, "date", "date 2018-01-01 is outside this map's dates, 2015-01-01 to 2017-12-31"),
        ({"note": "n" * 20_001}, "note", "the note is too long (20001 characters; at most 20000)"),
        (
            {"sources": [{"title": "T", "quote": "q" * 5_001}]},
            "sources[0].quote",
            "the quote is too long (5001 characters; at most 5000)",
        ),
        (
            {"sources": [{"title": "T", "url": "ftp://example.org/report.pdf"}]},
            "sources[0].url",
            "the URL must be a web address starting with http:// or https://, got 'ftp://example.org/report.pdf'",
        ),
        (
            {"sources": [{"title": "T", "url": "javascript:alert(1)"}]},
            "sources[0].url",
            "the URL must be a web address starting with http:// or https://, got 'javascript:alert(1)'",
        ),
        ({"places": []}, "places", "a control change needs at least one place (a list of place slugs)"),
        ({"places": "a"}, "places", "a control change needs at least one place (a list of place slugs)"),
        ({"places": ["a", 7]}, "places", "places must be a list of place slugs"),
        ({"places": ["a", "atlantis"]}, "places", "unknown place 'atlantis'"),
        ({"places": ["elsewhere"]}, "places", "'elsewhere' is not a zone of the map test-map"),
        ({"actor": "martians"}, "actor", "unknown actor 'martians'"),
        ({"actor": ""}, "actor", "a control change needs an actor (its slug)"),
        ({"status": "besieged"}, "status", "status must be one of held, contested, got 'besieged'"),
        ({"confidence": "certain"}, "confidence", "confidence must be one of high, medium, low, got 'certain'"),
        ({"sources": []}, "sources", "a control change needs at least one source"),
        ({"sources": "SOHR"}, "sources", "a control change needs at least one source"),
        ({"sources": ["SOHR"]}, "sources[0]", "each source must be an object with a title"),
        (
            {"sources": [{"url": "https://example.org/x"}]},
            "sources[0].title",
            "a source needs a title (the headline of the article or report)",
        ),
        ({"sources": [{"title": "T", "url": "not a url"}]}, "sources[0].url", "Enter a valid URL."),
        (
            {"sources": [{"title": "T", "published": "yesterday"}]},
            "sources[0].published",
            "published must be a date written YYYY-MM-DD, got 'yesterday'",
        ),
        ({"sources": [{"id": 999999}]}, "sources[0].id", "unknown source 999999"),
        ({"sources": [{"title": "T", "author": "me"}]}, "sources[0].author", None),
        ({"colour": "red"}, "colour", None),
        ({"note": ["a list"]}, "note", "note must be text"),
        # PostgreSQL cannot hold a NUL in text (it used to be a 500 there); refused on both databases.
        ({"note": "a\x00b"}, "note", "note contains a NUL character (\\0), which no text may hold"),
        (
            {"sources": [{"title": "T", "quote": "x\x00"}]},
            "sources[0].quote",
            "sources[0].quote contains a NUL character (\\0), which no text may hold",
        ),
    ],
)
def test_each_bad_input_gets_a_400_naming_its_field(grid, people, overrides, field, error):
    sources_before = Source.objects.count()
    response = post(login(people.editor), URL, body(**overrides))
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    if error is not None:
        assert response.json()["error"] == error
    else:
        assert response.json()["error"].startswith(f"unknown field '{field.split('.')[-1]}'")
    assert ControlChange.objects.count() == 1
    assert Source.objects.count() == sources_before


def test_the_text_limits_are_settings_and_the_limit_itself_is_taken(grid, people, settings):
    settings.CHANGE_NOTE_MAX_CHARS, settings.SOURCE_QUOTE_MAX_CHARS = 10, 5
    client = login(people.editor)
    refused = body(note="n" * 11)
    refused["sources"][0]["quote"] = "q" * 5
    assert post(client, URL, refused).json() == {
        "error": "the note is too long (11 characters; at most 10)",
        "field": "note",
    }
    long_quote = body(note="n" * 10)
    assert post(client, URL, long_quote).json() == {
        "error": "the quote is too long (40 characters; at most 5)",
        "field": "sources[0].quote",
    }
    at_the_limits = body(note="n" * 10)
    at_the_limits["sources"][0]["quote"] = "q" * 5
    assert post(client, URL, at_the_limits).status_code == 201


def test_missing_date_and_bodies_that_are_not_objects(grid, people):
    client = login(people.editor)
    payload = body()
    del payload["date"]
    assert post(client, URL, payload).json() == {"error": "a control change needs a date (YYYY-MM-DD)", "field": "date"}
    assert post(client, URL, b"{not json").json() == {"error": "the body is not valid JSON"}
    assert post(client, URL, [1, 2]).json() == {"error": "the body must be a JSON object"}


def test_nothing_is_half_written_when_a_later_part_is_refused(grid, people):
    """A good new source followed by a bad one, or a good source and an unknown actor: no source is saved."""
    client = login(people.editor)
    good = body()["sources"][0]
    before = Source.objects.count()
    assert post(client, URL, body(sources=[good, {"title": ""}])).status_code == 400
    assert post(client, URL, body(actor="martians")).status_code == 400
    assert post(client, URL, body(date=FUTURE)).status_code == 400
    assert Source.objects.count() == before
    assert ControlChange.objects.count() == 1


def test_a_change_that_alters_nothing_says_so(grid, people):
    client = login(people.editor)
    same_source = {"id": grid.source.pk}
    response = post(client, URL, body(actor="gov", places=["a", "c"], confidence="medium", sources=[same_source]))
    assert response.status_code == 400
    assert response.json() == {
        "field": "places",
        "error": "this change alters nothing: on 2016-01-16 Gov already held A, C. "
        "It cites no new source and the same confidence as the change already in effect.",
    }
    contested = post(client, URL, body(actor="gov", status="contested", places=["a"], sources=[same_source]))
    assert contested.status_code == 201  # held -> contested is a change
    confirmation = post(client, URL, body(actor="gov", places=["a"], confidence="medium"))
    assert confirmation.status_code == 201  # a new source confirming the holder adds to the record


def test_the_same_article_cited_twice_is_one_source(grid, people):
    client = login(people.editor)
    first = post(client, URL, body()).json()
    second = post(client, URL, body(date="2016-02-01", places=["c"])).json()
    assert first["sources"][0]["id"] == second["sources"][0]["id"]
    other_quote = body(date="2016-03-01", places=["c"])
    other_quote["sources"][0]["quote"] = "another passage"
    third = post(client, URL, other_quote).json()
    assert third["sources"][0]["id"] != first["sources"][0]["id"]


def test_errors_come_in_arabic_when_asked(grid, people):
    client = login(people.editor)
    response = post(client, URL, body(date="2017-02-30"), **{"Accept-Language": "ar"})
    assert response.status_code == 400
    assert response.json() == {"error": "التاريخ '2017-02-30' غير موجود في التقويم (date)", "field": "date"}
    by_param = post(client, URL + "?lang=ar", body(sources=[]))
    assert by_param.json() == {"error": "يحتاج تغيير السيطرة إلى مصدر واحد على الأقل", "field": "sources"}
    same = body(actor="gov", places=["a"], confidence="medium", sources=[{"id": grid.source.pk}])
    unchanged = post(client, URL + "?lang=ar", same)
    assert unchanged.json()["error"].startswith("هذا التغيير لا يغيّر شيئًا: في 2016-01-16 كان Gov يسيطر أصلًا على ألف")
    assert post(client, URL + "?lang=xx", body()).json()["field"] == "lang"


# --- preview, history and restore ----------------------------------------------------------------------------


def test_preview_says_what_would_change_without_saving(grid, people):
    client = login(people.editor)
    grid.change("2017-01-01", ["b"], "isis")
    payload = body(places=["a", "b"], sources=[])
    response = post(client, URL + "/preview", payload)
    assert response.status_code == 200, response.content
    preview = response.json()
    rows = {row["place"]: row for row in preview["places"]}
    assert rows["a"]["from_actor"] == "gov" and rows["a"]["changes_hands"] is True
    assert rows["b"]["until"] == "2017-01-01"  # b's next published change ends this one's effect
    assert preview["changing_hands"] == 2
    assert preview["alters_nothing"] is False
    nothing = post(client, URL + "/preview", body(actor="gov", places=["a"], sources=[])).json()
    assert nothing["alters_nothing"] is True
    assert nothing["message"].startswith("this change alters nothing")
    assert ControlChange.objects.count() == 2
    assert Source.objects.count() == 1
    bad = post(client, URL + "/preview", body(places=["atlantis"]))
    assert bad.status_code == 400 and bad.json()["field"] == "places"


def test_history_lists_each_step_and_a_restore_undoes_a_publish(grid, people, client):
    change_id = post(login(people.editor), URL, body()).json()["id"]
    reviewer = login(people.reviewer)
    post(reviewer, f"/api/v1/changes/{change_id}/publish")
    assert zone(client, "a", "2016-02-01")["actor"] == "isis"

    history = reviewer.get(f"/api/v1/changes/{change_id}/history").json()["versions"]
    assert [(v["by"], v["reason"], v["review_state"]) for v in history] == [
        ("rafiq", "published", "published"),
        ("edna", "recorded", "draft"),
        ("edna", "recorded", "draft"),
        ("edna", "recorded", "draft"),
    ]
    draft_version = history[1]["version"]
    assert history[1]["places"] == ["a", "b"]
    response = post(reviewer, f"/api/v1/changes/{change_id}/restore", {"version": draft_version})
    assert response.status_code == 200, response.content
    assert response.json()["review_state"] == "draft"
    assert zone(client, "a", "2016-02-01")["actor"] == "gov"  # the derived state followed

    newest = reviewer.get(f"/api/v1/changes/{change_id}/history").json()["versions"][0]
    assert (newest["by"], newest["reason"]) == ("rafiq", f"restored version {draft_version}")

    # and restoring the published version puts it back
    post(reviewer, f"/api/v1/changes/{change_id}/restore", {"version": history[0]["version"]})
    assert zone(client, "a", "2016-02-01")["actor"] == "isis"

    empty = history[-1]["version"]  # the first save, before places and sources were set
    refused = post(reviewer, f"/api/v1/changes/{change_id}/restore", {"version": empty})
    assert refused.status_code == 400
    assert refused.json()["field"] == "version"
    unknown = post(reviewer, f"/api/v1/changes/{change_id}/restore", {"version": "latest"})
    assert unknown.json()["field"] == "version"


def test_the_schema_documents_every_write_endpoint(client, db):
    paths = client.get("/api/v1/schema").json()["paths"]
    assert set(paths["/api/v1/maps/{slug}/changes"]) == {"get", "post"}
    assert set(paths["/api/v1/changes/{id}"]) == {"get", "patch", "delete"}
    for action in ("publish", "reject", "restore"):
        assert set(paths[f"/api/v1/changes/{{id}}/{action}"]) == {"post"}
    assert set(paths["/api/v1/changes/{id}/history"]) == {"get"}
    post = paths["/api/v1/maps/{slug}/changes"]["post"]
    assert {"201", "400", "401", "403", "404"} <= set(post["responses"])
    assert post["requestBody"]["content"]["application/json"]["schema"]["required"] == [
        "date",
        "places",
        "actor",
        "sources",
    ]


# --- hostile values in every field -------------------------------------------------------------------------

HOSTILE_JSON = [
    None,
    "",
    " ",
    "x",
    0,
    -1,
    10**30,
    1.5,
    True,
    [],
    {},
    ["a"],
    {"a": 1},
    "2016-02-30",
    "٢٠١٦-٠١-١٦",
    "<script>alert(1)</script>",
    "\x00",
    "a" * 5000,
]


@pytest.mark.parametrize("field", sorted(["date", "places", "actor", "status", "confidence", "sources", "note"]))
def test_hostile_values_in_each_field_are_refused_or_recorded_never_a_500(grid, people, field):
    """Each value is either a good draft (201) or a 400 naming the field (or a part of it), and a refused one
    writes nothing, on both databases."""
    client = login(people.editor)
    for value in HOSTILE_JSON + [[value] for value in HOSTILE_JSON[:8]]:
        changes, sources = ControlChange.objects.count(), Source.objects.count()
        response = post(client, URL, json.dumps(body(**{field: value})))  # json: orjson refuses 10**30
        assert response.status_code in (201, 400), (field, value, response.status_code, response.content[:300])
        if response.status_code == 400:
            payload = response.json()
            assert payload["error"], (field, value)
            assert str(payload.get("field", "")).startswith(field), (field, value, payload)
            assert (ControlChange.objects.count(), Source.objects.count()) == (changes, sources), (field, value)
        else:
            assert ControlChange.objects.count() == changes + 1


# --- Tokens are checked afresh on every request (issue 14) ----------------------------------------------------


def _publish(change_id: int, key: str):
    return post(Client(), f"/api/v1/changes/{change_id}/publish", Authorization=f"Token {key}")


def test_a_reviewer_without_staff_status_cannot_publish_with_a_token(grid, people):
    """Unticking "staff status" ends API access at once, even for a user still in Reviewers."""
    _token, key = services.api_token_create(user=people.reviewer, name="desk")
    change_id = post(login(people.editor), URL, body()).json()["id"]
    people.reviewer.is_staff = False
    people.reviewer.save()
    refused = _publish(change_id, key)
    assert refused.status_code == 403
    assert refused.json() == {
        "error": "this API token's user is not staff (no editor or reviewer access)",
        "field": "Authorization",
    }
    assert ControlChange.objects.get(pk=change_id).review_state == ReviewState.DRAFT
    # A session kept from before the untick is refused the same way.
    session = post(login(people.reviewer), f"/api/v1/changes/{change_id}/publish")
    assert session.status_code == 403 and "not staff" in session.json()["error"]
    people.reviewer.is_staff = True
    people.reviewer.save()
    assert _publish(change_id, key).status_code == 200


def test_leaving_reviewers_ends_a_tokens_right_to_publish_at_once(grid, people):
    from django.contrib.auth.models import Group

    _token, key = services.api_token_create(user=people.reviewer, name="desk")
    change_id = post(login(people.editor), URL, body()).json()["id"]
    people.reviewer.groups.remove(Group.objects.get(name="Reviewers"))
    refused = _publish(change_id, key)
    assert refused.status_code == 403 and refused.json()["error"] == "you are not allowed to publish control changes"
    assert ControlChange.objects.get(pk=change_id).review_state == ReviewState.DRAFT


def test_a_token_expires_after_the_configured_days_and_notes_its_last_use(grid, people, settings):
    settings.API_TOKEN_DAYS = 90
    before = dt.datetime.now(dt.UTC)
    token, key = services.api_token_create(user=people.reviewer, name="desk")
    assert dt.timedelta(days=90) <= token.expires_at - before < dt.timedelta(days=90, minutes=1)
    assert token.last_used_at is None
    change_id = post(login(people.editor), URL, body()).json()["id"]
    ControlChange.objects.filter(pk=change_id)  # the draft exists
    token.expires_at = dt.datetime(2020, 1, 31, tzinfo=dt.UTC)
    token.save()
    expired = _publish(change_id, key)
    assert expired.status_code == 401
    assert expired.json()["error"] == "this API token expired on 2020-01-31; ask for a new one"
    token.refresh_from_db()
    assert token.last_used_at is None  # a refused token was not used
    token.expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    token.save()
    assert _publish(change_id, key).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at >= before


def test_a_revoked_token_is_refused(grid, people):
    token, key = services.api_token_create(user=people.editor, name="scraper")
    assert post(Client(), URL, body(), Authorization=f"Token {key}").status_code == 201
    services.api_token_revoke(token=token)
    refused = post(Client(), URL, body(date="2016-02-01"), Authorization=f"Token {key}")
    assert refused.status_code == 401
    assert refused.json()["error"] == "this API token was revoked; ask for a new one"
    assert not ControlChange.objects.filter(date=dt.date(2016, 2, 1)).exists()


def test_api_tokens_command_creates_lists_and_revokes(grid, people, capsys):
    from django.core.management import call_command

    call_command("api_tokens", "--create", "rafiq", "--name", "desk", "--days", "7")
    key = capsys.readouterr().out.strip()
    token = people.reviewer.api_tokens.get()
    assert token.state() == "active"
    assert abs(token.expires_at - token.created_at - dt.timedelta(days=7)) < dt.timedelta(minutes=1)
    change_id = post(login(people.editor), URL, body()).json()["id"]
    second = post(login(people.editor), URL, body(date="2016-03-01")).json()["id"]
    assert _publish(change_id, key).status_code == 200

    call_command("api_tokens", "--list")
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "id\tuser\tname\tcreated\texpires\tlast used\tstate"
    row = lines[1].split("\t")
    assert row[:3] == [str(token.pk), "rafiq", "desk"] and row[-1] == "active" and row[5] != "-"

    call_command("api_tokens", "--revoke", str(token.pk))
    assert capsys.readouterr().out.strip() == f"revoked token {token.pk} (rafiq / desk)"
    call_command("api_tokens", "--list", "--user", "rafiq")
    assert capsys.readouterr().out.strip().splitlines()[1].endswith("\trevoked")
    assert _publish(second, key).status_code == 401
    with pytest.raises(Exception, match="no token with id 999"):
        call_command("api_tokens", "--revoke", "999")


def test_the_admin_lists_tokens_and_revokes_them(grid, people):
    from django.contrib.auth.models import User

    token, key = services.api_token_create(user=people.editor, name="scraper")
    boss = User.objects.create_superuser("boss", "boss@example.org", "pw-boss-1234")
    admin = login(boss)
    listing = admin.get("/admin/mapapp/apitoken/")
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "scraper" in text and "edna" in text and "active" in text and token.key_hash not in text
    done = admin.post("/admin/mapapp/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}, follow=True)
    assert done.status_code == 200 and "1 tokens revoked." in done.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert post(Client(), URL, body(), Authorization=f"Token {key}").status_code == 401
    # Editors see no tokens at all.
    assert login(people.editor).get("/admin/mapapp/apitoken/").status_code == 403
