"""make_synthetic_map: Voronoi zones of real localities with an invented history, built through the services."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from mapapp import selectors, services
from mapapp.models import ControlChange, ControlPeriod, Map, ZoneEdge
from tests.conftest import loaded_once_per_module


def _build_synthetic():
    call_command("make_synthetic_map", "--zones", "150", "--slug", "syn-test", "--years", "1", "--seed", "7")
    return Map.objects.get(slug="syn-test")


# Built once for the module (about 40 s on a busy machine); each test's writes are still rolled back. The tests
# that need an empty database come first in this file, before the module's transaction holds the map.
_synthetic_once = loaded_once_per_module(_build_synthetic)


@pytest.fixture
def synthetic(_synthetic_once, db):
    return _synthetic_once


def test_the_command_refuses_bad_input(db):
    with pytest.raises(CommandError, match="--start must be a date"):
        call_command("make_synthetic_map", "--zones", "10", "--start", "2014-13-01")
    with pytest.raises(CommandError, match="zones must be between 3 and"):
        call_command("make_synthetic_map", "--zones", "2")
    with pytest.raises(CommandError, match="years must be at least 1"):
        call_command("make_synthetic_map", "--zones", "10", "--years", "0")
    assert not Map.objects.exists()


def test_the_same_seed_gives_the_same_zones_and_history(db):
    def history(slug):
        call_command("make_synthetic_map", "--zones", "40", "--slug", slug, "--years", "1", "--seed", "3")
        map_ = Map.objects.get(slug=slug)
        index = {pk: n for n, pk in enumerate(map_.places.order_by("slug").values_list("pk", flat=True))}
        return sorted(
            (index[place_id], actor.split("-", 1)[1], status, valid_from, valid_to)
            for place_id, actor, status, valid_from, valid_to in ControlPeriod.objects.filter(
                place__maps=map_
            ).values_list("place_id", "actor__slug", "status", "valid_from", "valid_to")
        )

    first, second = history("syn-one"), history("syn-two")
    assert first == second and len(first) > 40


def test_the_zones_tile_the_country_and_share_edges(synthetic):
    zones = list(synthetic.places.all())
    assert 140 <= len(zones) <= 150  # a cell clipped to nothing is dropped
    assert all(place.footprint is not None and place.area_km2 > 0 for place in zones)
    total = sum(place.area_km2 for place in zones)
    assert total == pytest.approx(185_000, rel=0.02)  # Syria, mainland, as simplified
    neighbours = ZoneEdge.objects.filter(map=synthetic, place_b__isnull=False).count()
    assert neighbours > 2 * len(zones)  # a planar tiling: about three edges per zone
    assert ZoneEdge.objects.filter(map=synthetic, place_b__isnull=True).exists()


def test_every_zone_has_a_holder_from_the_first_day_and_the_periods_are_derived(synthetic):
    states = selectors.zone_states_at(map=synthetic, on=synthetic.start)
    assert len(states) == synthetic.places.count()
    assert ControlChange.objects.filter(places__maps=synthetic).distinct().count() > 20
    before = sorted(ControlPeriod.objects.values_list("place_id", "actor_id", "status", "valid_from", "valid_to"))
    services.control_periods_rebuild(places=list(synthetic.places.all()))
    after = sorted(ControlPeriod.objects.values_list("place_id", "actor_id", "status", "valid_from", "valid_to"))
    assert before == after
    assert synthetic.end == dt.date(2014, 12, 31)


def test_an_existing_slug_is_refused_unless_replaced(synthetic):
    with pytest.raises(CommandError, match="already exists"):
        call_command("make_synthetic_map", "--zones", "20", "--slug", "syn-test", "--years", "1")
    call_command("make_synthetic_map", "--zones", "20", "--slug", "syn-test", "--years", "1", "--replace")
    assert Map.objects.get(slug="syn-test").places.count() <= 20
