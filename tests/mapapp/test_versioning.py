"""Caches that never lie: every kind of edit that changes what a map shows moves its data version and the ETag
of every answer about it, whoever makes the edit (a service, the admin's plain model form, a shell: here the
edits are plain model saves, as the admin's forms make them, so the test shows the signals do the work and not
the services). The revert test is the one the issue found failing: rename, rename back, and the ETag the
client kept from before must not get a 304 (its body has the first name; the map's now has the second)."""

from __future__ import annotations

import datetime as dt
import os

import orjson
import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gazetteer.models import Place, PlaceName
from mapapp import services, versioning
from mapapp.models import Actor, ControlChange, Map, Siege, SiegePlace, SiegeSupply, Source
from tests.conftest import world_once_per_module

D = dt.date.fromisoformat
GEOMETRY = "/api/v1/maps/squares/geometry"
HISTORY = "/api/v1/maps/squares/history"


def _squares(world):
    world.place("a", 0.0, 0.0, name_ar="أ")
    world.place("b", 0.01, 0.0)
    world.place("c", 0.02, 0.0)
    world.place("elsewhere", 5.0, 5.0)  # on no map
    world.change("2015-01-01", ["a", "b"], "gov")
    world.change("2015-03-01", ["c"], "rebels")
    world.map(slug="squares", start="2015-02-01", end="2016-12-31", default="2015-07-01", zones=[
        world.place("a"), world.place("b"), world.place("c")
    ])  # fmt: skip
    services.siege_record(
        slug="siege-a",
        name_en="Siege of A",
        besieged_actor=world.actor("gov"),
        besieging_actors=[world.actor("rebels")],
        start=D("2015-04-01"),
        end=D("2016-01-01"),
        places=[(world.place("a"), None)],
        sources=[world.source],
        publish=True,
    )


# Written once for the module; each test's edits are rolled back before the next.
_squares_once, world = world_once_per_module(_squares)


@pytest.fixture
def squares(world):
    return world


def version() -> int:
    return Map.objects.get(slug="squares").data_version


class Seen:
    """What a client holds after reading the map's answers once: ETags and bodies."""

    def __init__(self, client, urls=(GEOMETRY, HISTORY)):
        self.client = client
        self.version = version()
        self.answers = {url: client.get(url) for url in urls}
        for response in self.answers.values():
            assert response.status_code == 200

    def assert_stale(self):
        """The version moved on, every ETag changed, and revalidating an old ETag gets the new body, not 304."""
        assert version() > self.version
        for url, before in self.answers.items():
            again = self.client.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
            assert again.status_code == 200, f"{url} answered {again.status_code} to the ETag of an older record"
            assert again["ETag"] != before["ETag"]

    def assert_fresh(self):
        """Nothing shown changed: same version, and the old ETags still get 304."""
        assert version() == self.version
        for url, before in self.answers.items():
            assert self.client.get(url, HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 304


def geometry(client) -> dict:
    return {f["id"]: f for f in orjson.loads(client.get(GEOMETRY).content)["features"]}


def history(client) -> dict:
    return orjson.loads(client.get(HISTORY).content)


def test_rename_then_revert_never_answers_304_with_the_old_name(client, squares):
    first = Seen(client)
    place = Place.objects.get(slug="a")
    place.name_en = "Renamed"
    place.save()  # as the admin's place form saves it
    renamed = Seen(client)
    first.assert_stale()
    assert geometry(client)["a"]["properties"]["name_en"] == "Renamed"
    place.name_en = "A"
    place.save()
    renamed.assert_stale()
    first.assert_stale()  # same name as at first, yet the first ETag must not match: versions only go up
    assert geometry(client)["a"]["properties"]["name_en"] == "A"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name_ar", "ألف"),
        ("kind", "village"),
        ("label_point", Point(0.004, 0.004, srid=4326)),
        ("footprint_approximate", False),
    ],
)
def test_a_place_edit_of_what_the_map_shows_moves_the_version(client, squares, field, value):
    seen = Seen(client)
    place = Place.objects.get(slug="a")
    setattr(place, field, value)
    place.save()
    seen.assert_stale()


def test_a_footprint_change_moves_the_version_and_the_geometry(client, squares):
    from tests.conftest import square

    seen = Seen(client)
    place = Place.objects.get(slug="c")
    place.footprint = square(0.02, 0.0, size=0.005)
    place.save()
    seen.assert_stale()
    assert geometry(client)["c"]["geometry"]["coordinates"][0][0][2] == [0.025, 0.005]


def test_an_edit_nothing_shows_leaves_caches_alone(client, squares):
    seen = Seen(client)
    place = Place.objects.get(slug="a")
    place.notes = "checked against a 2016 satellite picture"
    place.save()
    elsewhere = Place.objects.get(slug="elsewhere")  # on no map
    elsewhere.name_en = "Still elsewhere"
    elsewhere.save()
    seen.assert_fresh()


def test_a_name_variant_added_or_removed_moves_the_version(client, squares):
    seen = Seen(client, urls=["/api/v1/maps/squares/export"])
    name = PlaceName.objects.create(place=Place.objects.get(slug="b"), name="Bee", language="en", search_key="bee")
    seen.assert_stale()
    again = Seen(client, urls=["/api/v1/maps/squares/export"])
    name.delete()
    again.assert_stale()


@pytest.mark.parametrize(("field", "value"), [("name_en", "Government"), ("color", "#ff0000"), ("sort_order", 9)])
def test_an_actor_edit_moves_the_version(client, squares, field, value):
    seen = Seen(client)
    actor = Actor.objects.get(slug="gov")
    setattr(actor, field, value)
    actor.save()
    seen.assert_stale()
    shown = {a["slug"]: a for a in history(client)["actors"]}["gov"]
    if field in shown:
        assert shown[field] == value


def test_recolouring_an_actor_in_the_admin_form_moves_the_version(client, squares, admin_client):
    seen = Seen(client)
    actor = Actor.objects.get(slug="gov")
    response = admin_client.post(
        f"/admin/mapapp/actor/{actor.pk}/change/",
        {"slug": "gov", "name_en": "Gov", "name_ar": "", "color": "#00aa00", "sort_order": "0"},
    )
    assert response.status_code == 302, response.content[:2000]
    seen.assert_stale()
    assert {a["slug"]: a for a in history(client)["actors"]}["gov"]["color"] == "#00aa00"


def test_allies_move_the_version(client, squares):
    seen = Seen(client, urls=["/api/v1/maps/squares/pockets"])
    Actor.objects.get(slug="gov").allies.add(Actor.objects.get(slug="rebels"))
    seen.assert_stale()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title_en", "Squares, renamed"),
        ("description_en", "Three squares."),
        ("credit", "Drawn by the desk"),
        ("end", D("2017-06-30")),
        ("default_date", D("2015-08-01")),
        ("frame_ancestors", "https://news.example"),
        ("publish_delay_hours", 24),
    ],
)
def test_a_map_edit_moves_its_version(client, squares, field, value):
    seen = Seen(client)
    map_ = Map.objects.get(slug="squares")
    setattr(map_, field, value)
    map_.save()
    seen.assert_stale()
    assert map_.data_version == version()  # the instance in hand is kept in step


def test_a_stale_map_instance_never_writes_an_older_version_back(client, squares):
    held = Map.objects.get(slug="squares")  # read before the edits below
    place = Place.objects.get(slug="a")
    place.name_en = "Elsewhere"
    place.save()
    bumped = version()
    held.credit = "late edit"
    held.save()
    assert version() > bumped


def test_zones_added_or_removed_move_the_version(client, squares):
    seen = Seen(client)
    map_ = Map.objects.get(slug="squares")
    map_.places.remove(Place.objects.get(slug="c"))
    seen.assert_stale()
    assert set(geometry(client)) == {"a", "b"}
    again = Seen(client)
    Place.objects.get(slug="elsewhere").maps.add(map_)  # from the other side of the link
    again.assert_stale()


def test_a_source_edit_moves_the_version_when_a_published_change_cites_it(client, squares):
    seen = Seen(client)
    source = Source.objects.get(title="Test report")
    source.title = "Test report (corrected)"
    source.save()
    seen.assert_stale()
    assert "Test report (corrected)" in history(client)["sources"]["title"]


def test_a_source_only_drafts_cite_changes_nothing_public(client, squares):
    draft_source = services.source_create(title="Unchecked claim", url="https://example.org/claim")
    services.control_change_record(
        on=D("2015-09-01"),
        places=[squares.place("b")],
        actor=squares.actor("rebels"),
        sources=[draft_source],
    )
    seen = Seen(client)
    draft_source.publisher = "Someone"
    draft_source.save()
    seen.assert_fresh()


def test_publishing_and_withdrawing_by_a_plain_save_move_the_version(client, squares):
    change = services.control_change_record(
        on=D("2015-09-01"), places=[squares.place("b")], actor=squares.actor("rebels"), sources=[squares.source]
    )
    seen = Seen(client)
    change.review_state = "published"
    change.save()
    seen.assert_stale()
    again = Seen(client)
    change.review_state = "withdrawn"
    change.save()
    again.assert_stale()


def test_a_published_changes_places_and_note_move_the_version(client, squares):
    change = ControlChange.objects.published().get(places__slug="c")
    seen = Seen(client)
    change.places.add(Place.objects.get(slug="b"))
    seen.assert_stale()
    again = Seen(client)
    change.note = "two sources agree"
    change.save()
    again.assert_stale()


def test_siege_edits_move_the_version(client, squares):
    siege = Siege.objects.get(slug="siege-a")
    seen = Seen(client)
    siege.end = D("2015-12-01")
    siege.save()
    seen.assert_stale()

    seen = Seen(client)
    SiegePlace.objects.create(siege=siege, place=Place.objects.get(slug="b"))
    seen.assert_stale()

    seen = Seen(client)
    SiegeSupply.objects.create(siege=siege, method="airdrop", start=D("2015-05-01"))
    seen.assert_stale()

    seen = Seen(client)
    siege.besieging_actors.add(squares.actor("isis"))
    seen.assert_stale()

    seen = Seen(client)
    siege.review_state = "withdrawn"
    siege.save()
    seen.assert_stale()


def test_deleting_a_siege_moves_the_version(client, squares):
    seen = Seen(client)
    Siege.objects.get(slug="siege-a").delete()
    seen.assert_stale()
    assert not history(client)["sieges"]


def test_a_draft_siege_changes_nothing_public(client, squares):
    services.siege_record(
        slug="draft-siege",
        name_en="Rumoured siege",
        besieged_actor=squares.actor("rebels"),
        besieging_actors=[squares.actor("gov")],
        start=D("2015-05-01"),
        places=[(squares.place("c"), None)],
        sources=[squares.source],
    )
    seen = Seen(client)
    draft = Siege.objects.get(slug="draft-siege")
    draft.name_en = "Rumoured siege (unconfirmed)"
    draft.save()
    SiegeSupply.objects.create(siege=draft, method="land", start=D("2015-05-01"))
    seen.assert_fresh()


@pytest.mark.parametrize("command", ["rebuild_control_periods", "rebuild_zone_edges"])
def test_deriving_everything_again_moves_the_version(client, squares, command):
    from django.core.management import call_command

    seen = Seen(client)
    with open(os.devnull, "w") as quiet:
        call_command(command, stdout=quiet)
    seen.assert_stale()


# --- bumps_held: one bump per block -----------------------------------------------------------------------


def map_updates(queries) -> int:
    """The bumps among captured queries: UPDATEs adding one to maps' data versions (a save of a map's form writes
    its row too, with the version it has)."""
    return sum(1 for query in queries if '"data_version" = ("mapapp_map"."data_version" + 1)' in query["sql"])


def test_edits_in_a_held_block_move_the_version_once_at_its_end(client, squares):
    other = squares.map(slug="other", zones=[squares.place("elsewhere")])
    other_version = other.data_version
    seen = Seen(client)
    siege = Siege.objects.get(slug="siege-a")
    with CaptureQueriesContext(connection) as captured, versioning.bumps_held():
        siege.end = D("2015-12-01")
        siege.save()
        SiegePlace.objects.create(siege=siege, place=Place.objects.get(slug="b"))
        SiegeSupply.objects.create(siege=siege, method="airdrop", start=D("2015-05-01"))
        siege.besieging_actors.add(squares.actor("isis"))
        ControlChange.objects.published().get(places__slug="c").places.add(Place.objects.get(slug="b"))
        assert version() == seen.version  # held: nothing written yet
        assert map_updates(captured.captured_queries) == 0
    assert map_updates(captured.captured_queries) == 1
    assert version() == seen.version + 1
    seen.assert_stale()  # the answers read before the block are not answered again
    (before,) = orjson.loads(seen.answers[HISTORY].content)["sieges"]
    (row,) = history(client)["sieges"]
    assert row["end"] == before["end"] - 31  # days: 2016-01-01 -> 2015-12-01
    assert len(row["zones"]) == 2
    assert Map.objects.get(slug="other").data_version == other_version  # a map nothing touched keeps its caches


def test_a_delete_in_a_held_block_bumps_the_maps_it_was_on(client, squares):
    seen = Seen(client)
    with versioning.bumps_held():
        Siege.objects.get(slug="siege-a").delete()  # its places' links are gone by the end of the block
    seen.assert_stale()
    assert not history(client)["sieges"]


def test_an_error_in_a_held_block_writes_nothing_and_keeps_the_caches(client, squares):
    seen = Seen(client)
    with pytest.raises(RuntimeError), versioning.bumps_held():
        Siege.objects.filter(slug="siege-a").update(end=D("2015-12-01"))
        Siege.objects.get(slug="siege-a").supplies.create(method="land", start=D("2015-05-01"))
        raise RuntimeError("refused")
    seen.assert_fresh()
    assert Siege.objects.get(slug="siege-a").end == D("2016-01-01")


def test_nested_held_blocks_and_map_saves_bump_once_and_never_go_back(client, squares):
    seen = Seen(client)
    map_ = Map.objects.get(slug="squares")
    with CaptureQueriesContext(connection) as captured, versioning.bumps_held():
        map_.title_en = "Squares, renamed"
        map_.save()
        with versioning.bumps_held():
            Actor.objects.filter(slug="gov").get().save()  # unchanged: no bump
            actor = Actor.objects.get(slug="rebels")
            actor.color = "#00ff00"
            actor.save()  # every map
        map_.description_en = "and described"
        map_.save()
    assert map_updates(captured.captured_queries) == 1
    assert version() == seen.version + 1
    assert map_.data_version == version()  # the instance is brought up to date: a later save keeps the version
    map_.save()
    assert version() == seen.version + 1
    seen.assert_stale()


def test_publishing_many_changes_through_the_api_bumps_once(client, squares, people):
    reviewer_client = Client()
    reviewer_client.force_login(people.reviewer)
    drafts = [
        services.control_change_record(
            on=D(f"2015-{month:02d}-01"), places=[squares.place("b")], actor=squares.actor("rebels"),
            sources=[squares.source],
        )
        for month in (9, 10, 11)
    ]  # fmt: skip
    seen = Seen(client)
    with CaptureQueriesContext(connection) as captured:
        response = reviewer_client.post(
            "/api/v1/changes/publish", {"ids": [change.pk for change in drafts]}, content_type="application/json"
        )
    assert response.status_code == 200, response.content
    assert map_updates(captured.captured_queries) == 1
    assert version() == seen.version + 1
    seen.assert_stale()
