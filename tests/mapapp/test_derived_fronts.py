"""The stored front segments and pocket pieces (mapapp.services.fronts) against a recomputation from scratch.

A seeded random record on a small grid: changes published on random dates (most of them back-dated before
later ones), drafts published later, withdrawals, a change carrying ground that splits zones, allies made and
unmade. After every step, on every date where something starts or ends (and the day before), the fronts and
pockets answers read from the stored rows are byte for byte those worked out from the control periods alone
(the per-request computation the rows replace, which as_of reads still use), and the stored rows are those a
derivation of the whole map from scratch writes. Run it on PostGIS too (DATABASE_URL=postgis://...).

Each run builds its own record, and each is minutes of CPU on PostGIS: the xdist workers take them one by one
(tests/balance.py's SPREAD), so nothing else belongs in this file; the stored rows' other tests are in
test_derived_rows.py.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.exceptions import ValidationError

from mapapp import analytics, frontlines, services
from mapapp.models import ControlChange, ControlPeriod, FrontSegment, PocketBacklog, PocketPiece, ReviewState
from mapapp.services import fronts

SIZE = 0.01
COLS, ROWS = 5, 4
START, END = dt.date(2015, 1, 1), dt.date(2016, 12, 31)


def stored_rows(map_):
    segments = sorted(
        FrontSegment.objects.filter(map=map_).values_list(
            "edge_id", "actor_a_id", "status_a", "actor_b_id", "status_b", "valid_from", "valid_to"
        )
    )
    fields = ("actor_id", "place_ids", "area_m2", "on_outer_edge", "border_actor_ids", "border_unknown")
    rows = PocketPiece.objects.filter(map=map_).values_list(*fields, "valid_from", "valid_to", "geojson")
    pieces = sorted((a, tuple(ids), area, edge, tuple(border), *rest) for a, ids, area, edge, border, *rest in rows)
    return segments, pieces


def boundary_dates(map_) -> list[dt.date]:
    days = {START - dt.timedelta(days=1), START, END}
    for valid_from, valid_to in ControlPeriod.objects.filter(place__maps=map_).values_list("valid_from", "valid_to"):
        days.update({valid_from, valid_from - dt.timedelta(days=1)})
        if valid_to is not None:
            days.update({valid_to, valid_to - dt.timedelta(days=1)})
    return sorted(days)


def assert_stored_equal_recomputed(map_, step: str) -> int:
    """Returns how many fronts were compared (so the test knows it compared something). Days left in the
    pockets' backlog are read around until the worker's catch-up (run here) derives them."""
    days = boundary_dates(map_)
    # The pockets worked out from the periods, once a day: the catch-up below writes stored rows only.
    recomputed_pockets = {day: analytics.pockets_geojson(map=map_, on=day, stored=False) for day in days}
    for day in days:
        assert analytics.pockets_geojson(map=map_, on=day) == recomputed_pockets[day], (step, day)
    fronts.pockets_catch_up(map=map_)
    assert not PocketBacklog.objects.filter(map=map_).exists()
    compared = 0
    assert boundary_dates(map_) == days  # the catch-up changed no period
    for day in days:
        stored = frontlines.front_edges(map=map_, on=day, stored=True)
        recomputed = frontlines.front_edges(map=map_, on=day, stored=False)
        assert stored == recomputed, (step, day)
        compared += len(stored)
        # stored rows grouped as the database's vendor groups them (by pair on PostgreSQL) against the periods'
        # fronts grouped edge by edge here
        assert frontlines.fronts_geojson(map=map_, on=day, stored=True) == frontlines.fronts_geojson(
            map=map_, on=day, stored=False, by_edge=True
        ), (step, day)
        assert analytics.pockets_geojson(map=map_, on=day, stored=True) == recomputed_pockets[day], (step, day)
    kept = stored_rows(map_)
    services.map_derived_rebuild(map=map_)
    assert stored_rows(map_) == kept, step
    return compared


def record(world, *args, **kwargs):
    """A change, or None where it would alter nothing (refused, and nothing written)."""
    try:
        return world.change(*args, **kwargs)
    except ValidationError:
        return None


def random_day(rng) -> dt.date:
    return START + dt.timedelta(days=rng.randrange((END - START).days))


@pytest.mark.parametrize(
    "seed, inline_dates",
    # 0: every window of the pockets waits in the backlog for the worker (a big map's back-dated changes).
    [(1, fronts.INLINE_DATES), (2, fronts.INLINE_DATES), (3, fronts.INLINE_DATES), (4, 0)],
)
def test_stored_fronts_and_pockets_equal_a_recomputation_after_random_edits(world, monkeypatch, seed, inline_dates):
    monkeypatch.setattr(fronts, "INLINE_DATES", inline_dates)
    rng = random.Random(seed)
    for slug in ("red", "blue", "green"):
        world.actor(slug)
    for col in range(COLS):
        for row in range(ROWS):
            world.place(f"g{col}{row}", x=col * SIZE, y=row * SIZE, size=SIZE)
    map_ = world.map(start=START.isoformat(), end=END.isoformat(), default=END.isoformat())
    actors = list(world.actors.values())
    # A baseline: every zone but a few held by someone from the start (the rest of unknown control).
    for place in list(map_.places.order_by("slug"))[:-3]:
        record(world, START, [place], rng.choice(actors))
    drafts: list[ControlChange] = []
    compared = 0
    for step in range(14):
        zones = list(map_.places.order_by("pk"))
        roll = rng.random()
        if step == 7:  # ground that cuts a column of zones in two: edges are rederived
            col = rng.randrange(COLS)
            x0, x1 = col * SIZE, col * SIZE + SIZE / 2
            ground = MultiPolygon(Polygon.from_bbox((x0, 0, x1, ROWS * SIZE / 2)), srid=4326)
            record(world, random_day(rng), [], rng.choice(actors), geometry=ground, map=map_)
            what = "split"
            assert map_.places.filter(kind="part").exists()  # the zones were cut: new edges
        elif roll < 0.45:  # a change on a random day: mostly before others already recorded
            places = rng.sample(zones, rng.randint(1, 3))
            status = rng.choice(["held", "held", "contested"])
            record(world, random_day(rng), places, rng.choice(actors), status=status)
            what = "publish"
        elif roll < 0.6:  # a draft now, published at a later step
            places = rng.sample(zones, rng.randint(1, 2))
            draft = record(world, random_day(rng), places, rng.choice(actors), publish=False)
            drafts += [draft] if draft else []
            what = "draft"
        elif roll < 0.7 and drafts:
            try:
                services.control_change_publish(change=drafts.pop(0))
            except ValidationError:  # it would alter nothing now: refused, nothing written
                pass
            what = "publish a draft"
        elif roll < 0.85:
            published = list(ControlChange.objects.filter(review_state=ReviewState.PUBLISHED).order_by("pk"))
            services.control_change_withdraw(change=rng.choice(published))
            what = "withdraw"
        else:  # allies made or unmade: no row is derived again, enclosure is judged when read
            actor, other = rng.sample(actors, 2)
            services.actor_set_allies(actor=actor, allies=[] if other in actor.allies.all() else [other])
            what = "allies"
        map_.refresh_from_db()
        compared += assert_stored_equal_recomputed(map_, f"step {step}: {what}")
    assert compared > 0
    assert FrontSegment.objects.filter(map=map_).exists()
    assert PocketPiece.objects.filter(map=map_).exists()
