"""The zones as shared arcs (/topology): the arcs round-trip to the zones' own polygons, neighbours share them."""

import orjson
import pytest
import shapely
from django.urls import reverse

from gazetteer.services import place_set_footprint
from mapapp import selectors
from mapapp.lib import geo, topo
from mapapp.models import ZoneEdge
from mapapp.topology import map_topology

# Quantization to 1e-5° moves a vertex at most half a unit each way; the edges were cut on a finer grid.
CLOSE = 1.5e-5


def assert_same_zones(topology: dict, map_) -> list:
    """Every zone decodes to its footprint: the same parts and holes, every ring within the quantization."""
    decoded, _edges = topo.decode(topology)
    zones = list(map_.places.order_by("slug"))
    assert topology["zones"]["id"] == [zone.slug for zone in zones]
    for zone, shape in zip(zones, decoded, strict=True):
        footprint = geo.to_shapely(zone.footprint)
        assert shapely.get_num_geometries(shape) == shapely.get_num_geometries(footprint), zone.slug
        rings = sum(shapely.get_num_interior_rings(shapely.get_parts(shape)))
        assert rings == sum(shapely.get_num_interior_rings(shapely.get_parts(footprint))), zone.slug
        assert shapely.hausdorff_distance(shape.boundary, footprint.boundary) <= CLOSE, zone.slug
        assert shape.area == pytest.approx(footprint.area, rel=1e-3), zone.slug
    return decoded


def arcs_of(polygons) -> set[int]:
    return {ref if ref >= 0 else ~ref for polygon in polygons for ring in polygon for ref in ring}


def test_the_demo_round_trips_through_shared_arcs(demo):
    topology = orjson.loads(map_topology(map=demo))
    assert_same_zones(topology, demo)
    assert topology["unshared"] == 0
    # Every zone is drawn from its stored edges, and each edge's arcs are drawn by both of its zones.
    index = {slug: i for i, slug in enumerate(topology["zones"]["id"])}
    polygons = topology["zones"]["polygons"]
    edges = topology["edges"]
    first = 0
    for a, b, count in zip(edges["a"], edges["b"], edges["arc_count"], strict=True):
        arcs = set(range(first, first + count))
        first += count
        assert arcs and set(arcs) <= arcs_of(polygons[a])
        if b is not None:
            assert set(arcs) <= arcs_of(polygons[b])
    # Fewer points than the polygons: shared boundaries travel once.
    points = sum(len(arc) // 2 for arc in topology["arcs"])
    footprints = sum(shapely.get_num_coordinates(geo.to_shapely(p.footprint)) for p in demo.places.all())
    assert points < footprints
    assert len(index) == demo.places.count()


def test_the_decoded_edges_are_the_stored_edges(demo):
    topology = orjson.loads(map_topology(map=demo))
    _zones, lines = topo.decode(topology)
    stored = list(ZoneEdge.objects.filter(map=demo).order_by("pk"))
    assert len(lines) == len(stored)
    for edge, line in zip(stored, lines, strict=True):
        assert shapely.hausdorff_distance(line, geo.to_shapely(edge.geom)) <= CLOSE


def test_a_zone_around_a_hole_in_the_map_gets_arcs_of_its_own_and_still_round_trips(world):
    # A ring of eight squares around an empty centre: the centre's hole is on no stored edge (the outer edge is
    # the union's exterior), so those zones' rings cannot close from edges alone.
    for col in range(3):
        for row in range(3):
            if (col, row) != (1, 1):
                world.place(f"r{col}{row}", x=col * 0.01, y=row * 0.01, size=0.01)
    map_ = world.map()
    topology = orjson.loads(map_topology(map=map_))
    assert_same_zones(topology, map_)
    assert 0 < topology["unshared"] < 8


def test_an_enclave_shares_its_whole_boundary_with_the_zone_around_it(world):
    world.place("outer", x=0, y=0, size=0.03)
    world.place("inner", x=0.01, y=0.01, size=0.01)
    outer = world.places["outer"]
    place_set_footprint(place=outer, approximate=False, footprint=geo.to_geos(
        shapely.MultiPolygon([shapely.Polygon(
            [(0, 0), (0.03, 0), (0.03, 0.03), (0, 0.03)],
            [[(0.01, 0.01), (0.02, 0.01), (0.02, 0.02), (0.01, 0.02)]],
        )])
    ))  # fmt: skip
    map_ = world.map()
    topology = orjson.loads(map_topology(map=map_))
    decoded = assert_same_zones(topology, map_)
    assert topology["unshared"] == 0
    inner, outer_ = topology["zones"]["polygons"][0], topology["zones"]["polygons"][1]
    assert len(outer_[0]) == 2  # the exterior and the hole
    assert arcs_of(inner) <= arcs_of(outer_)
    assert decoded[1].area == pytest.approx(0.03**2 - 0.01**2, rel=1e-3)


def test_the_endpoint_is_a_kept_versioned_read(client, demo):
    demo.refresh_from_db()
    url = reverse("api-topology", args=[demo.slug])
    response = client.get(url, {"v": demo.data_version})
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("public, max-age=31536000")
    body = orjson.loads(response.content)
    assert body["type"] == "Topology" and body["version"] == demo.data_version
    assert_same_zones(body, demo)
    old = client.get(url, {"v": demo.data_version - 1})
    assert old.status_code == 302 and f"v={demo.data_version}" in old["Location"]
    bad = client.get(url, {"v": "x"})
    assert bad.status_code == 400 and orjson.loads(bad.content)["field"] == "v"
    # A tenth or so of /geometry's bytes, for the same zones.
    geometry = selectors.map_geometry(map=demo)
    assert len(response.content) < 0.5 * len(geometry)
