"""The admin's list of enclosed pockets without a recorded siege, and map zones edited in the admin."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from mapapp import services
from mapapp.models import ZoneEdge
from tests.conftest import world_once_per_module

SIZE = 0.01


@pytest.fixture
def staff_client(client, db):
    user = get_user_model().objects.create_superuser("admin", "admin@example.org", "pw")
    client.force_login(user)
    return client


def _ringed(world):
    """3 × 3: red around, blue in the centre, no siege recorded."""
    for col in range(3):
        for row in range(3):
            name = "g11" if (col, row) == (1, 1) else f"g{col}{row}"
            world.place(name, x=col * SIZE, y=row * SIZE, size=SIZE)
    world.actor("red")
    world.actor("blue")
    world.change("2015-01-01", [slug for slug in world.places if slug != "g11"], "red")
    world.change("2015-01-01", ["g11"], "blue")
    return world.map()


# Written once for the module; each test's writes are rolled back before the next.
_ringed_once, world = world_once_per_module(_ringed)


@pytest.fixture
def ringed(world):
    return world, world.built


def test_an_enclosed_pocket_without_a_siege_is_listed_for_staff(staff_client, ringed):
    world, _map = ringed
    response = staff_client.get("/admin/pockets/?date=2016-01-01")
    assert response.status_code == 200
    text = response.content.decode()
    assert text.count("data-suggestion") == 1
    assert "Blue" in text and "G11" in text
    assert "Pocket suggestions" in staff_client.get("/admin/mapapp/siege/").content.decode()
    services.siege_record(
        slug="centre",
        name_en="Centre",
        besieged_actor=world.actor("blue"),
        besieging_actors=[world.actor("red")],
        start=dt.date(2015, 6, 1),
        places=[(world.place("g11"), None)],
        sources=[world.source],
        publish=True,
    )
    assert "data-suggestion" not in staff_client.get("/admin/pockets/?date=2016-01-01").content.decode()


def test_a_bad_date_is_named_not_a_crash(staff_client, ringed):
    response = staff_client.get("/admin/pockets/?date=2016-02-30")
    assert response.status_code == 200
    assert "date must be a date as YYYY-MM-DD, got &#x27;2016-02-30&#x27;" in response.content.decode()


def test_the_public_cannot_see_it(client, ringed):
    response = client.get("/admin/pockets/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_zones_changed_in_the_admin_get_their_edges_derived(staff_client, ringed):
    world, map_ = ringed
    assert ZoneEdge.objects.filter(map=map_).count() == 12 + 8
    url = f"/admin/mapapp/map/{map_.pk}/change/"
    form = staff_client.get(url).context["adminform"].form
    data = {key: value for key, value in form.initial.items() if value is not None}
    data.update(
        {
            "actors": [actor.pk for actor in world.actors.values()],
            # g00 and g10 chosen by drawing round them (the map admin has no field per zone)
            "zones_from": "within",
            "zones_kind": "district",
            "start": "2015-01-01",
            "end": "2017-12-31",
            "default_date": "2016-01-01",
            "area": f"MULTIPOLYGON((({0} {0}, {2 * SIZE} {0}, {2 * SIZE} {SIZE}, {0} {SIZE}, {0} {0})))",
        }
    )
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    pairs = {(edge.place_a_id, edge.place_b_id) for edge in ZoneEdge.objects.filter(map=map_)}
    g00, g10 = world.places["g00"].pk, world.places["g10"].pk
    assert pairs == {(g00, g10), (g00, None), (g10, None)}
