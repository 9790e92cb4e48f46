"""ZoneEdge: the boundaries a map's zones share, derived from their footprints."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gazetteer.services import place_set_footprint
from mapapp.lib import geo
from mapapp.models import ZoneEdge
from tests.conftest import square

SIZE = 0.01  # degrees


def grid(world, n=3):
    """An n x n grid of SIZE squares; zone `g<col><row>` has its south-west corner at (col, row) * SIZE."""
    for col in range(n):
        for row in range(n):
            world.place(f"g{col}{row}", x=col * SIZE, y=row * SIZE, size=SIZE)
    return world.map()


def edges_by_slug(map_):
    return {
        (edge.place_a.slug, edge.place_b.slug if edge.place_b else None): edge
        for edge in ZoneEdge.objects.filter(map=map_).select_related("place_a", "place_b")
    }


def test_a_grid_shares_one_edge_per_side_by_side_pair_and_none_at_corners(world):
    edges = edges_by_slug(grid(world))
    shared = {pair for pair in edges if pair[1] is not None}
    # 3 columns x 2 vertical neighbours + 3 rows x 2 horizontal neighbours; diagonal neighbours share a point only
    assert len(shared) == 12
    assert ("g00", "g11") not in shared and ("g01", "g10") not in shared
    assert ("g00", "g01") in shared and ("g00", "g10") in shared


def test_edge_lengths_are_geodesic_and_ordered_pairs(world):
    map_ = grid(world)
    ids = {slug: place.pk for slug, place in world.places.items()}
    for (slug_a, slug_b), edge in edges_by_slug(map_).items():
        if slug_b is not None:
            assert ids[slug_a] < ids[slug_b]
        assert edge.length_km == pytest.approx(geo.length_km(edge.geom))
    vertical = edges_by_slug(map_)[("g00", "g10")]  # along the meridian x = 0.01, one SIZE of latitude
    horizontal = edges_by_slug(map_)[("g00", "g01")]  # along the parallel y = 0.01, one SIZE of longitude
    assert vertical.length_km == pytest.approx(1.10574, abs=1e-4)
    assert horizontal.length_km == pytest.approx(1.11319, abs=1e-4)


def test_the_outer_edge_is_the_grid_perimeter_and_misses_the_centre(world):
    map_ = grid(world)
    outer = {slug_a: edge for (slug_a, slug_b), edge in edges_by_slug(map_).items() if slug_b is None}
    assert "g11" not in outer
    assert len(outer) == 8
    perimeter = geo.length_km(geo.to_shapely(map_.area).boundary)
    assert sum(edge.length_km for edge in outer.values()) == pytest.approx(perimeter, rel=1e-9)
    assert outer["g00"].length_km == pytest.approx(1.10574 + 1.11319, abs=2e-4)  # a corner zone: two sides


def test_a_hole_in_the_map_is_not_its_outer_edge(world):
    for col in range(3):
        for row in range(3):
            if (col, row) != (1, 1):
                world.place(f"g{col}{row}", x=col * SIZE, y=row * SIZE, size=SIZE)
    map_ = world.map()
    outer = {slug_a for (slug_a, slug_b) in edges_by_slug(map_) if slug_b is None}
    # g10 touches the hole only (its south side is the map's edge): the hole itself counts for nothing
    assert ZoneEdge.objects.get(map=map_, place_a=world.places["g10"], place_b=None).length_km == pytest.approx(
        1.11319, abs=1e-4
    )
    assert outer == {slug for slug in world.places}


def test_changing_a_footprint_derives_the_edges_again(world):
    map_ = grid(world, n=2)
    assert ("g00", "g10") in edges_by_slug(map_)
    # g10 moves away east: it no longer touches g00 and g01
    place_set_footprint(place=world.places["g10"], footprint=square(0.05, 0.0, SIZE), approximate=True)
    pairs = set(edges_by_slug(map_))
    assert ("g00", "g10") not in pairs and ("g01", "g10") not in pairs
    assert ("g10", None) in pairs
    map_.refresh_from_db()
    assert map_.area.extent[2] == pytest.approx(0.06)


def test_rebuild_zone_edges_command(world, capsys):
    map_ = grid(world, n=2)
    ZoneEdge.objects.filter(map=map_).delete()
    call_command("rebuild_zone_edges", "--map", map_.slug)
    assert ZoneEdge.objects.filter(map=map_, place_b__isnull=False).count() == 4
    assert ZoneEdge.objects.filter(map=map_, place_b__isnull=True).count() == 4
    with pytest.raises(CommandError, match="no map 'nope'"):
        call_command("rebuild_zone_edges", "--map", "nope")
