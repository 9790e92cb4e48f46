"""Sieges: when a zone counts as besieged, and what a siege record must hold."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from mapapp import selectors, services
from mapapp.models import Siege
from tests.conftest import world_once_per_module

D = dt.date.fromisoformat


def _besieged(world):
    world.actor("gov")
    world.actor("isis")
    world.change("2015-01-01", ["city", "airport"], "gov")
    world.place("airport", x=0.02)
    world.change("2016-06-01", ["city"], "isis")
    map_ = world.map()
    siege = services.siege_record(
        slug="the-siege",
        name_en="The siege",
        besieged_actor=world.actor("gov"),
        besieging_actors=[world.actor("isis")],
        start=D("2015-03-01"),
        end=D("2017-01-01"),
        places=[(world.place("city"), None), (world.place("airport"), D("2016-09-01"))],
        sources=[world.source],
        supplies=[("air_bridge", D("2015-03-01"), None, "")],
        publish=True,
    )
    return map_, siege


# Written once for the module (tests/conftest.py's world_once_per_module), each test in a savepoint rolled back
# after it; the tests below that build a world of their own ask for `world` and run before it is written.
# The two sieges on the same ground are another record: tests/mapapp/test_sieges_overlapping.py.
_besieged_once, besieged = world_once_per_module(_besieged)


@pytest.fixture
def besieged_world(besieged):
    return (besieged, *besieged.built)


def besieged_on(map_, day):
    states = selectors.zone_states_at(map=map_, on=D(day))
    ids = selectors.besieged_place_ids(map=map_, on=D(day), states=states)
    return sorted(map_.places.filter(pk__in=ids).values_list("slug", flat=True))


def test_a_siege_holds_from_its_start_inclusive_to_its_end_exclusive(besieged_world):
    _world, map_, _siege = besieged_world
    assert besieged_on(map_, "2015-02-28") == []
    assert besieged_on(map_, "2015-03-01") == ["airport", "city"]
    assert besieged_on(map_, "2016-12-31") == []  # the city fell, the airport was relieved
    assert besieged_on(map_, "2017-01-01") == []


def test_a_place_relieved_early_stops_being_besieged_on_its_own_date(besieged_world):
    _world, map_, _siege = besieged_world
    assert "airport" in besieged_on(map_, "2016-08-31")
    assert "airport" not in besieged_on(map_, "2016-09-01")


def test_ground_taken_by_the_besiegers_is_no_longer_besieged(besieged_world):
    _world, map_, _siege = besieged_world
    assert "city" in besieged_on(map_, "2016-05-31")
    assert "city" not in besieged_on(map_, "2016-06-01")


def test_a_draft_siege_is_not_public(world):
    world.actor("gov")
    world.change("2015-01-01", ["city"], "gov")
    map_ = world.map()
    services.siege_record(
        slug="draft-siege",
        name_en="Draft",
        besieged_actor=world.actor("gov"),
        besieging_actors=[world.actor("isis")],
        start=D("2015-03-01"),
        places=[(world.place("city"), None)],
        sources=[world.source],
    )
    assert besieged_on(map_, "2015-06-01") == []


@pytest.mark.parametrize(
    "change, field",
    [
        ({"end": D("2015-03-01")}, "end"),
        ({"places": []}, "places"),
        ({"besieging_actors": []}, "besieging_actors"),
        ({"sources": []}, "sources"),
        ({"supplies": [("by sea", D("2015-03-01"), None, "")]}, "supplies"),
        ({"supplies": [("land", D("2015-05-01"), D("2015-04-01"), "")]}, "supplies"),
        ({"start": "March 2015"}, "start"),
    ],
)
def test_a_siege_needs_sane_dates_places_besiegers_and_sources(world, change, field):
    arguments = {
        "slug": "s",
        "name_en": "S",
        "besieged_actor": world.actor("gov"),
        "besieging_actors": [world.actor("isis")],
        "start": D("2015-03-01"),
        "places": [(world.place("city"), None)],
        "sources": [world.source],
    }
    arguments.update(change)
    with pytest.raises(ValidationError) as excinfo:
        services.siege_record(**arguments)
    assert field in excinfo.value.message_dict
    assert not Siege.objects.exists()


def test_an_actor_cannot_besiege_itself(world):
    with pytest.raises(ValidationError) as excinfo:
        services.siege_record(
            slug="s",
            name_en="S",
            besieged_actor=world.actor("gov"),
            besieging_actors=[world.actor("gov")],
            start=D("2015-03-01"),
            places=[(world.place("city"), None)],
            sources=[world.source],
        )
    assert "itself" in excinfo.value.message_dict["besieging_actors"][0]
