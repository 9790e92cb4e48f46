"""Areas and lengths are geodesic, not in degrees; invalid geometry is repaired with its reason or refused."""

import numpy as np
import pytest
import shapely

from mapapp.lib import geo


def test_area_of_a_one_degree_cell_at_the_equator_matches_the_ellipsoid():
    # The WGS84 cell from (0,0) to (1,1) has an area of about 12,308.8 km².
    assert geo.area_km2(shapely.box(0, 0, 1, 1)) == pytest.approx(12308.8, rel=1e-4)


def test_area_shrinks_with_latitude_as_it_should():
    at_equator = geo.area_km2(shapely.box(40, 0, 40.1, 0.1))
    at_deir_ez_zor = geo.area_km2(shapely.box(40, 35.3, 40.1, 35.4))
    # cos(35.35°) = 0.8157 on a sphere; the flattened ellipsoid gives 0.8193
    assert at_deir_ez_zor / at_equator == pytest.approx(0.8193, rel=1e-3)


def test_length_of_a_degree_of_latitude():
    assert geo.length_km(shapely.LineString([(40, 35), (40, 36)])) == pytest.approx(110.95, rel=1e-3)


def test_lengths_of_many_lines_in_one_call_equal_each_line_measured_alone():
    rng = np.random.default_rng(15)
    lines = [
        shapely.LineString(np.cumsum(rng.normal(0, 0.01, (int(rng.integers(2, 40)), 2)), axis=0) + (40, 35))
        for _ in range(300)
    ]
    lines += [shapely.LineString([(40, 35), (40, 35)]), shapely.LineString([(40, 35), (40, 36)])]
    lengths = geo.lengths_km(lines)
    assert list(lengths) == [geo.length_km(line) for line in lines]  # the same to the last bit, not approximately
    assert lengths[-2] == 0.0
    assert lengths[-1] == pytest.approx(110.95, rel=1e-3)
    assert len(geo.lengths_km([])) == 0


def test_a_bow_tie_is_repaired_and_the_reason_kept():
    bow_tie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    repaired, reason = geo.repair_polygonal(bow_tie)
    assert repaired.is_valid and repaired.geom_type == "MultiPolygon"
    assert "Self-intersection" in reason


def test_a_polygon_with_no_area_is_refused():
    with pytest.raises(ValueError, match="no area"):
        geo.repair_polygonal(shapely.Polygon([(0, 0), (1, 1), (2, 2), (0, 0)]))


def test_wkb_round_trip_keeps_srid_and_drops_z():
    geos = geo.to_geos(shapely.Polygon([(0, 0, 5), (1, 0, 5), (1, 1, 5), (0, 0, 5)]))
    assert geos.srid == 4326 and not geos.hasz
    assert geo.to_shapely(geos).equals(shapely.Polygon([(0, 0), (1, 0), (1, 1), (0, 0)]))


def _grid(n: int, size: float = 0.01) -> list:
    return [shapely.box(x * size, y * size, (x + 1) * size, (y + 1) * size) for x in range(n) for y in range(n)]


def test_union_of_zones_that_tile_is_one_polygon_without_inner_edges():
    merged = geo.union(_grid(4))
    assert merged.geom_type == "MultiPolygon" and len(merged.geoms) == 1
    assert merged.equals(shapely.box(0, 0, 0.04, 0.04))
    assert len(merged.geoms[0].exterior.coords) - 1 < 4 * 4 + 1  # the shared edges' vertices are not all kept


@pytest.mark.parametrize(
    "parts",
    [
        # Overlapping: not a coverage.
        [shapely.box(0, 0, 2, 2), shapely.box(1, 1, 3, 3)],
        # A T-junction: the big square's edge has no vertex where the two small ones meet.
        [shapely.box(0, 0, 2, 2), shapely.box(2, 0, 3, 1), shapely.box(2, 1, 3, 2)],
        # Apart, and touching at a corner only.
        [shapely.box(0, 0, 1, 1), shapely.box(5, 5, 6, 6), shapely.box(1, 1, 2, 2)],
    ],
    ids=["overlap", "t-junction", "apart"],
)
def test_union_of_zones_that_do_not_tile_exactly_is_still_right(parts):
    merged = geo.union(parts)
    expected = shapely.union_all(parts)
    assert merged.is_valid
    assert shapely.symmetric_difference(merged, expected).area < 1e-12
    assert len(merged.geoms) == len(getattr(expected, "geoms", [expected]))
