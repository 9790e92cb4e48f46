"""The rules by which control periods are derived from the record (mapapp.services.control_periods_rebuild)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from mapapp import services
from mapapp.models import ControlPeriod, ReviewState

D = dt.date.fromisoformat


def periods(place):
    return [
        (p.valid_from.isoformat(), p.valid_to.isoformat() if p.valid_to else None, p.actor.slug, p.status)
        for p in ControlPeriod.objects.filter(place=place).select_related("actor").order_by("valid_from")
    ]


def test_a_change_opens_a_half_open_period_in_effect_on_its_own_date(world):
    world.change("2015-03-01", ["a"], "gov")
    world.change("2015-06-01", ["a"], "isis")
    assert periods(world.place("a")) == [
        ("2015-03-01", "2015-06-01", "gov", "held"),
        ("2015-06-01", None, "isis", "held"),
    ]
    in_effect = ControlPeriod.objects.in_effect
    assert in_effect(D("2015-02-28")).filter(place=world.place("a")).count() == 0
    assert in_effect(D("2015-03-01")).get(place=world.place("a")).actor.slug == "gov"
    assert in_effect(D("2015-05-31")).get(place=world.place("a")).actor.slug == "gov"
    assert in_effect(D("2015-06-01")).get(place=world.place("a")).actor.slug == "isis"


def test_a_back_dated_change_splits_the_period_it_falls_into(world):
    world.change("2015-01-01", ["a"], "gov")
    world.change("2016-01-01", ["a"], "isis")
    world.change("2015-06-15", ["a"], "rebels")  # recorded last, dated between the two
    assert periods(world.place("a")) == [
        ("2015-01-01", "2015-06-15", "gov", "held"),
        ("2015-06-15", "2016-01-01", "rebels", "held"),
        ("2016-01-01", None, "isis", "held"),
    ]


def test_a_withdrawn_change_counts_for_nothing_and_the_state_is_derived_again(world):
    world.change("2015-01-01", ["a", "b"], "gov")
    wrong = world.change("2015-06-01", ["a", "b"], "isis")
    world.change("2016-01-01", ["a"], "rebels")
    services.control_change_withdraw(change=wrong, reason="misread the report")
    wrong.refresh_from_db()
    assert wrong.review_state == ReviewState.WITHDRAWN
    assert periods(world.place("a")) == [
        ("2015-01-01", "2016-01-01", "gov", "held"),
        ("2016-01-01", None, "rebels", "held"),
    ]
    assert periods(world.place("b")) == [("2015-01-01", None, "gov", "held")]


def test_two_changes_of_one_place_on_one_day_the_one_recorded_last_wins(world):
    world.change("2015-01-01", ["a"], "gov")
    world.change("2015-06-01", ["a"], "isis")
    world.change("2015-06-01", ["a"], "rebels", status="contested")
    assert periods(world.place("a")) == [
        ("2015-01-01", "2015-06-01", "gov", "held"),
        ("2015-06-01", None, "rebels", "contested"),
    ]


def test_drafts_are_not_public_until_published(world):
    world.change("2015-01-01", ["a"], "gov")
    draft = world.change("2015-06-01", ["a"], "isis", publish=False)
    assert periods(world.place("a")) == [("2015-01-01", None, "gov", "held")]
    services.control_change_publish(change=draft)
    assert periods(world.place("a"))[-1] == ("2015-06-01", None, "isis", "held")


def test_since_is_the_start_of_an_unbroken_run_of_the_same_holder(world):
    world.change("2015-01-01", ["a"], "gov")
    world.change("2015-03-01", ["a"], "gov", confidence="high")  # confirms; alters no holder
    world.change("2015-05-01", ["a"], "isis")
    rows = list(ControlPeriod.objects.filter(place=world.place("a")).order_by("valid_from"))
    assert [(r.valid_from, r.held_since) for r in rows] == [
        (D("2015-01-01"), D("2015-01-01")),
        (D("2015-03-01"), D("2015-01-01")),
        (D("2015-05-01"), D("2015-05-01")),
    ]


def test_rebuild_command_derives_the_same_periods(world):
    from django.core.management import call_command

    world.change("2015-01-01", ["a", "b"], "gov")
    world.change("2015-06-01", ["b"], "isis")
    before = periods(world.place("a")) + periods(world.place("b"))
    ControlPeriod.objects.all().delete()
    call_command("rebuild_control_periods", verbosity=0)
    assert periods(world.place("a")) + periods(world.place("b")) == before


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"on": "2015-13-01"}, "date"),
        ({"on": dt.date.today() + dt.timedelta(days=3)}, "date"),
        ({"places": []}, "places"),
        ({"actor": None}, "actor"),
        ({"sources": []}, "sources"),
        ({"status": "besieged"}, "status"),
        ({"confidence": "certain"}, "confidence"),
    ],
)
def test_a_change_needs_a_real_date_places_an_actor_and_a_source(world, kwargs, field):
    arguments = {
        "on": D("2015-01-01"),
        "places": [world.place("a")],
        "actor": world.actor("gov"),
        "sources": [world.source],
    }
    arguments.update(kwargs)
    with pytest.raises(ValidationError) as excinfo:
        services.control_change_record(**arguments)
    assert field in excinfo.value.message_dict
    assert not ControlPeriod.objects.exists()


def test_the_database_refuses_a_period_that_ends_before_it_starts(world):
    change = world.change("2015-01-01", ["a"], "gov")
    with pytest.raises(IntegrityError), transaction.atomic():
        ControlPeriod.objects.create(
            place=world.place("a"),
            actor=world.actor("gov"),
            status="held",
            valid_from=D("2015-05-01"),
            valid_to=D("2015-04-01"),
            held_since=D("2015-05-01"),
            change=change,
        )
