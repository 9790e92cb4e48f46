"""Build approximate polygon footprints for the Deir ez-Zor demo places.

Run from the repository root::

    python scripts/build_demo_footprints.py

Reads ``mapapp/demo/data/places.csv`` and writes

* ``mapapp/demo/data/footprints.geojson``: one MultiPolygon Feature per place
  (``id`` = slug; properties ``slug``, ``name_en``, ``kind``, ``zone``,
  ``approximate``, ``method``, ``label_point``);
* ``static/data/deir-ez-zor-basemap.geojson``: an offline basemap with the
  study-area outline and an approximate line of the Euphrates.

Everything here is *made*, not surveyed: the 34 zones of the Deir ez-Zor map
tile a hand-drawn study area.  The airport is a 3.5 x 1.5 km rectangle along
its runway, Jabal al-Tharda is the bbox quoted by the source, and every other
zone is the Voronoi cell of its point (computed in UTM 37N), clipped to the
study area minus those two shapes.  All linework is noded once on a 1e-6
degree grid and polygonized, and zones are assembled from the resulting faces,
so neighbouring zones share their edges vertex for vertex.

The script asserts the geometric rules the demo's history relies on (no
overlaps, no gaps, shared edges, the 2016 siege pocket in one piece, the 2017
west and east pockets each in one piece and apart) and fails loudly otherwise.

Only shapely, pyproj, numpy, json and csv are used (no Django).  The output is
deterministic: the same input gives the same bytes.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from collections import deque
from pathlib import Path

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import (
    LineString,
    MultiPoint,
    MultiPolygon,
    Point,
    Polygon,
    box,
    mapping,
)
from shapely.geometry.polygon import orient

REPO = Path(__file__).resolve().parent.parent
DEMO_DATA = REPO / "mapapp" / "demo" / "data"
PLACES_CSV = DEMO_DATA / "places.csv"
FOOTPRINTS_OUT = DEMO_DATA / "footprints.geojson"
BASEMAP_OUT = REPO / "static" / "data" / "deir-ez-zor-basemap.geojson"

GRID = 1e-6  # degrees; coordinates are written with 6 decimals
UTM = "EPSG:32637"  # UTM zone 37N, metric CRS for Deir ez-Zor (40.1 E)

# --------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------

ZONES = [
    "deir-ez-zor-airport",
    "brigade-137",
    "panorama-roundabout",
    "panorama-base",
    "jabal-al-tharda",
    "jabal-harabesh",
    "al-baghiliyah",
    "ayyash",
    "assad-hospital",
    "military-housing",
    "al-jaryah",
    "al-jafra",
    "al-muriiyah",
    "al-husseiniyah",
    "jnena",
    "khasarat",
    "al-joura",
    "al-qusour",
    "harabesh",
    "cemeteries",
    "jamiyat-al-rawad",
    "al-jbeila",
    "al-hamidiyah",
    "al-rashdiyah",
    "sheikh-yassin",
    "al-ardi",
    "al-orfi",
    "al-kanamat",
    "al-hweiqa",
    "al-sinaa",
    "al-ommal",
    "huwijat-saqr",
    "hawijat-kati",
    "al-furat-university",
]
AIRPORT = "deir-ez-zor-airport"
THARDA = "jabal-al-tharda"

# Government-held besieged ground (see mapapp/demo/data/timeline.csv).
G_2016 = {
    "al-joura",
    "al-qusour",
    "brigade-137",
    "panorama-roundabout",
    "panorama-base",
    "assad-hospital",
    "al-furat-university",
    "jabal-al-tharda",
    "jabal-harabesh",
    "al-jaryah",
    "cemeteries",
    "al-ommal",
    "deir-ez-zor-airport",
    "harabesh",
    "military-housing",
}
WEST_2017 = {
    "al-joura",
    "al-qusour",
    "brigade-137",
    "panorama-roundabout",
    "panorama-base",
    "assad-hospital",
    "al-furat-university",
}
EAST_2017 = {"deir-ez-zor-airport", "harabesh", "military-housing"}

# Study area: a hand-drawn outline around the city and its outskirts
# (lon, lat).  Its southern edge runs along the southern edge of the Jabal
# al-Tharda bbox, the corners are cut where there is nothing of interest.
STUDY_AREA = [
    (40.000, 35.262),
    (40.000, 35.380),
    (40.030, 35.440),
    (40.110, 35.440),
    (40.200, 35.400),
    (40.230, 35.340),
    (40.230, 35.232),
    (40.060, 35.232),
    (40.000, 35.262),
]

AIRPORT_LENGTH_M = 3500.0
AIRPORT_WIDTH_M = 1500.0
AIRPORT_BEARING_DEG = 100.0  # runway 10/28: long axis ~10 deg off east-west
THARDA_BBOX = (40.096, 35.232, 40.143, 35.250)  # from the source notes

BRIDGE_LENGTH_M = 480.0
BRIDGE_WIDTH_M = 120.0

BUFFER_M = {  # far-away places, by kind
    "city": 5000.0,
    "town": 2500.0,
    "border-crossing": 1500.0,
    "junction": 1500.0,
    "area": 1500.0,
    "hills": 3000.0,
}
BADIA_BBOX = (36.6, 32.3, 41.0, 35.5)  # "bbox about 32.3-35.5 N, 36.6-41.0 E"

# Estimated points moved (within their uncertainty) so that the footprints
# satisfy the connectivity rules; lon, lat.  Sourced points are never moved.
NUDGES: dict[str, tuple[float, float]] = {}

# Extra Voronoi seeds (lon, lat) whose cells are merged into a zone.  South of
# the airport the nearest named points are far away; without this seed the
# airport cuts the military-housing cell in two and leaves a thin strip of
# al-Jafra along the runway's eastern end.  The ground south of the air base
# goes to al-Muri'iyah ("south-east of the airport").
HIDDEN_SEEDS: list[tuple[str, tuple[float, float]]] = [
    ("al-muriiyah", (40.180, 35.265)),
]

# Approximate Euphrates (lon, lat), drawn to be consistent with the places:
# the city on the south-west bank, al-Hweiqa between the main channel and a
# southern branch, al-Husseiniyah and Jnena on the north bank, Hawijat Kati
# and Huwijat Saqr islands between the main channel and a side channel.
# Branches start and end on vertices of the main channel.
_HWEIQA_SPLIT = (40.108, 35.372)
_HWEIQA_JOIN = (40.149, 35.3472)
_KATI_SPLIT = (40.155, 35.3475)
_KATI_JOIN = (40.179, 35.3505)
_SAQR_SPLIT = (40.188, 35.346)
_SAQR_JOIN = (40.2042, 35.321)
RIVER = {
    "Euphrates (main channel)": [
        (40.020, 35.460),
        (40.045, 35.438),
        (40.065, 35.430),
        (40.085, 35.405),
        (40.098, 35.386),
        _HWEIQA_SPLIT,
        (40.116, 35.3625),
        (40.122, 35.3585),
        (40.130, 35.356),
        (40.140, 35.353),
        (40.146, 35.349),
        _HWEIQA_JOIN,
        (40.151, 35.346),
        _KATI_SPLIT,
        (40.162, 35.349),
        (40.170, 35.3495),
        _KATI_JOIN,
        _SAQR_SPLIT,
        (40.196, 35.338),
        (40.200, 35.328),
        _SAQR_JOIN,
        (40.206, 35.318),
        (40.215, 35.308),
        (40.225, 35.295),
        (40.240, 35.280),
    ],
    "Euphrates (al-Hweiqa branch)": [
        _HWEIQA_SPLIT,
        (40.113, 35.362),
        (40.119, 35.355),
        (40.126, 35.350),
        (40.132, 35.3474),
        (40.138, 35.3465),
        (40.144, 35.3467),
        _HWEIQA_JOIN,
    ],
    "Euphrates (channel north of Hawijat Kati)": [
        _KATI_SPLIT,
        (40.1555, 35.356),
        (40.160, 35.3605),
        (40.169, 35.3615),
        (40.176, 35.357),
        _KATI_JOIN,
    ],
    "Euphrates (channel south-west of Huwijat Saqr)": [
        _SAQR_SPLIT,
        (40.181, 35.342),
        (40.178, 35.334),
        (40.183, 35.326),
        (40.192, 35.321),
        _SAQR_JOIN,
    ],
}
NORTH_BANK = {"al-husseiniyah", "jnena"}
ISLANDS = {"al-hweiqa", "hawijat-kati", "huwijat-saqr"}

# Quality thresholds
MAX_OVERLAP_M2 = 1.0
MAX_GAP_M2 = 1.0
MIN_SHARED_EDGE_M = 50.0  # a contact shorter than this does not connect
MIN_POCKET_GAP_M = 100.0
MIN_ZONE_KM2 = 0.2
MIN_COMPACTNESS = 0.15  # Polsby-Popper 4 pi A / P^2
CORE_BUFFER_M = -100.0  # every zone must survive a 100 m inward buffer


class CheckFailed(AssertionError):
    pass


def check(cond: bool, msg: str) -> None:
    if not cond:
        raise CheckFailed(msg)


# --------------------------------------------------------------------------
# Projection helpers
# --------------------------------------------------------------------------

_TO_UTM = Transformer.from_crs("EPSG:4326", UTM, always_xy=True)
_FROM_UTM = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)


def _apply(transformer: Transformer, geom):
    def fn(coords):
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, fn)


def to_utm(geom):
    """Project to UTM 37N, densified first so long lon/lat edges keep their
    shape (a straight lon/lat edge is slightly curved in UTM)."""
    return _apply(_TO_UTM, shapely.segmentize(geom, 0.0005))


def from_utm(geom):
    return _apply(_FROM_UTM, geom)


def local_buffer(lon: float, lat: float, radius_m: float) -> Polygon:
    """A circle of ``radius_m`` around (lon, lat), in lon/lat."""
    aeqd = CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m +no_defs")
    back = Transformer.from_crs(aeqd, "EPSG:4326", always_xy=True)
    return _apply(back, Point(0.0, 0.0).buffer(radius_m, quad_segs=16))


def round6(geom):
    return shapely.transform(geom, lambda c: np.round(c, 6))


def as_multipolygon(geom) -> MultiPolygon:
    if isinstance(geom, Polygon):
        parts = [geom]
    elif isinstance(geom, MultiPolygon):
        parts = list(geom.geoms)
    else:
        parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon)]
    parts = [orient(p, 1.0) for p in parts if not p.is_empty]
    return MultiPolygon(parts)


def polygons(geom) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [geom]
    return [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon)]


# --------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------


def read_places() -> list[dict]:
    with PLACES_CSV.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["lat"] = float(r["lat"])
        r["lon"] = float(r["lon"])
        r["uncertainty_m"] = float(r["uncertainty_m"]) if r["uncertainty_m"] else None
    return rows


def label_points(places: list[dict]) -> dict[str, tuple[float, float]]:
    """The point used for each place: the CSV point, or its nudge."""
    out = {}
    for p in places:
        lon, lat = p["lon"], p["lat"]
        if p["slug"] in NUDGES:
            check(p["coord_basis"] == "estimated", f"{p['slug']}: only estimated points may be nudged")
            nlon, nlat = NUDGES[p["slug"]]
            moved = to_utm(Point(lon, lat)).distance(to_utm(Point(nlon, nlat)))
            check(
                p["uncertainty_m"] is not None and moved <= p["uncertainty_m"],
                f"{p['slug']}: nudge of {moved:.0f} m exceeds its uncertainty",
            )
            lon, lat = nlon, nlat
        out[p["slug"]] = (lon, lat)
    return out


# --------------------------------------------------------------------------
# Zones: one noded coverage of the study area
# --------------------------------------------------------------------------


def airport_rectangle(lon: float, lat: float) -> Polygon:
    """3.5 x 1.5 km rectangle centred on the airport, along the runway (UTM)."""
    c = to_utm(Point(lon, lat))
    b = math.radians(AIRPORT_BEARING_DEG)
    ux, uy = math.sin(b), math.cos(b)  # along the runway
    vx, vy = -uy, ux  # across
    hl, hw = AIRPORT_LENGTH_M / 2, AIRPORT_WIDTH_M / 2
    corners = [
        (c.x + sl * hl * ux + sw * hw * vx, c.y + sl * hl * uy + sw * hw * vy)
        for sl, sw in ((-1, -1), (1, -1), (1, 1), (-1, 1))
    ]
    return from_utm(Polygon(corners))


def build_zones(points: dict[str, tuple[float, float]]):
    outline = Polygon(STUDY_AREA)
    airport = airport_rectangle(*points[AIRPORT])
    tharda = box(*THARDA_BBOX).difference(airport)  # trimmed if they overlap
    seeds = [(s, points[s]) for s in ZONES if s not in (AIRPORT, THARDA)]
    seeds += HIDDEN_SEEDS
    seeds_utm = [to_utm(Point(xy)) for _, xy in seeds]
    seed_xy = np.array([[p.x, p.y] for p in seeds_utm])

    cells = shapely.voronoi_polygons(
        MultiPoint(seeds_utm),
        extend_to=to_utm(outline).buffer(20000),
    )
    cell_lines = from_utm(shapely.union_all([c.boundary for c in cells.geoms]))
    linework = [
        outline.boundary,
        airport.boundary,
        tharda.boundary,
        cell_lines.intersection(outline.buffer(0.01)),
    ]
    noded = shapely.union_all(linework, grid_size=GRID)
    faces = [f for f in shapely.polygonize(list(noded.geoms)).geoms if outline.contains(f.point_on_surface())]

    def owner(face: Polygon) -> str:
        rp = face.point_on_surface()
        if airport.contains(rp):
            return AIRPORT
        if tharda.contains(rp):
            return THARDA
        p = to_utm(rp)
        d = np.hypot(seed_xy[:, 0] - p.x, seed_xy[:, 1] - p.y)
        return seeds[int(np.argmin(d))][0]

    face_owner = [owner(f) for f in faces]
    face_owner = _merge_stray_parts(faces, face_owner, points)
    zones = {}
    for slug in ZONES:
        mine = [f for f, o in zip(faces, face_owner, strict=True) if o == slug]
        check(mine, f"{slug}: no face assigned")
        zones[slug] = shapely.union_all(mine, grid_size=GRID)

    # The study area as written: the hand-drawn outline with the nodes where
    # zone boundaries meet it (on the 1e-6 grid, so up to ~0.1 m off the
    # hand-drawn straight edges).  Built from the noded linework, not from
    # the zones, so that "the zones tile the study area" is a real check.
    near = outline.boundary.buffer(2 * GRID)
    rim = [e for e in noded.geoms if e.within(near)]
    rim_faces = list(shapely.polygonize(rim).geoms)
    check(len(rim_faces) == 1, f"noded study-area outline gives {len(rim_faces)} faces")
    study_area = rim_faces[0]
    offset = shapely.hausdorff_distance(to_utm(study_area), to_utm(outline))
    check(offset < 0.5, f"noded outline is {offset:.2f} m off the hand-drawn one")
    print(f"  study-area outline noded on the 1e-6 grid: {offset:.3f} m from the hand-drawn one")
    return study_area, airport, tharda, zones


def _merge_stray_parts(faces, face_owner, points):
    """Give detached pieces of a Voronoi zone to their longest-shared neighbour.

    Cutting out the airport and Tharda can split a cell; the piece holding the
    label point stays, the others go to the neighbour they share the most
    boundary with.  (The airport and Tharda keep their shapes.)
    """
    face_owner = list(face_owner)
    tree = shapely.STRtree(faces)
    for _ in range(10):
        changed = False
        for slug in ZONES:
            idx = [i for i, o in enumerate(face_owner) if o == slug]
            if len(idx) < 2:
                continue
            parts = polygons(shapely.union_all([faces[i] for i in idx], grid_size=GRID))
            if len(parts) < 2:
                continue
            label = Point(points[slug])
            keep = [p for p in parts if p.covers(label)] or [max(parts, key=lambda p: p.area)]
            for part in parts:
                if part is keep[0]:
                    continue
                shared: dict[str, float] = {}
                for j in tree.query(part):
                    o = face_owner[j]
                    if o in (slug, AIRPORT, THARDA):
                        continue
                    length = to_utm(part.boundary.intersection(faces[j].boundary)).length
                    if length > 0:
                        shared[o] = shared.get(o, 0.0) + length
                check(shared, f"{slug}: detached piece with no neighbour")
                new = max(sorted(shared), key=lambda o: shared[o])
                for i in idx:
                    if part.covers(faces[i].point_on_surface()):
                        face_owner[i] = new
                print(f"  merged a detached {to_utm(part).area / 1e6:.3f} km2 piece of {slug} into {new}")
                changed = True
        if not changed:
            break
    return face_owner


# --------------------------------------------------------------------------
# Other places
# --------------------------------------------------------------------------


def bridge_strip(lon: float, lat: float) -> Polygon:
    """480 x 120 m strip across the main channel, centred on the bridge."""
    river = to_utm(LineString(RIVER["Euphrates (main channel)"]))
    c = to_utm(Point(lon, lat))
    d = river.project(c)
    a, b = river.interpolate(d - 50), river.interpolate(d + 50)
    fx, fy = b.x - a.x, b.y - a.y
    n = math.hypot(fx, fy)
    fx, fy = fx / n, fy / n  # along the river
    ux, uy = -fy, fx  # across the river = along the bridge
    hl, hw = BRIDGE_LENGTH_M / 2, BRIDGE_WIDTH_M / 2
    corners = [
        (c.x + sl * hl * ux + sw * hw * fx, c.y + sl * hl * uy + sw * hw * fy)
        for sl, sw in ((-1, -1), (1, -1), (1, 1), (-1, 1))
    ]
    return from_utm(Polygon(corners))


# --------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------


def shared_length_m(a, b) -> float:
    inter = a.intersection(b)
    lines = [g for g in shapely.get_parts(inter) if g.geom_type in ("LineString", "LinearRing")]
    return sum(to_utm(g).length for g in lines)


def adjacency(zones: dict[str, Polygon]):
    """(slug, slug) -> shared edge length in m, plus point-only contacts."""
    slugs = list(zones)
    geoms = [zones[s] for s in slugs]
    tree = shapely.STRtree(geoms)
    edges, point_contacts = {}, []
    for i, j in zip(*tree.query(geoms, predicate="intersects"), strict=True):
        if i >= j:
            continue
        a, b = geoms[i], geoms[j]
        inter = a.intersection(b)
        dims = {g.geom_type for g in shapely.get_parts(inter)}
        overlap = to_utm(a).intersection(to_utm(b)).area
        check(overlap < MAX_OVERLAP_M2, f"{slugs[i]} and {slugs[j]} overlap by {overlap:.2f} m2")
        length = shared_length_m(a, b)
        if length > 0:
            edges[(slugs[i], slugs[j])] = length
        elif dims <= {"Point", "MultiPoint"}:
            point_contacts.append((slugs[i], slugs[j]))
    return edges, point_contacts


def connected_components(members: set[str], edges: dict, min_len: float):
    nbrs = {m: set() for m in members}
    for (a, b), length in edges.items():
        if a in members and b in members and length >= min_len:
            nbrs[a].add(b)
            nbrs[b].add(a)
    seen, comps = set(), []
    for m in sorted(members):
        if m in seen:
            continue
        comp, todo = [], deque([m])
        seen.add(m)
        while todo:
            x = todo.popleft()
            comp.append(x)
            for y in sorted(nbrs[x]):
                if y not in seen:
                    seen.add(y)
                    todo.append(y)
        comps.append(sorted(comp))
    return comps, nbrs


def shortest_path(nbrs, start, goal):
    prev, todo = {start: None}, deque([start])
    while todo:
        x = todo.popleft()
        if x == goal:
            break
        for y in sorted(nbrs[x]):
            if y not in prev:
                prev[y] = x
                todo.append(y)
    if goal not in prev:
        return None
    path, x = [], goal
    while x is not None:
        path.append(x)
        x = prev[x]
    return path[::-1]


def check_group(name: str, members: set[str], zones, edges) -> list:
    union = shapely.union_all([zones[m] for m in sorted(members)])
    check(
        isinstance(union, Polygon),
        f"{name}: union is not one polygon ({union.geom_type}, {len(polygons(union))} parts)",
    )
    comps, nbrs = connected_components(members, edges, MIN_SHARED_EDGE_M)
    check(len(comps) == 1, f"{name}: not connected through shared edges >= {MIN_SHARED_EDGE_M} m: {comps}")
    return nbrs


def river_regions(outline: Polygon):
    """Land regions of the study area cut by the river lines."""
    lines = [LineString(c).intersection(outline) for c in RIVER.values()]
    noded = shapely.union_all([outline.boundary, *lines])
    return [f for f in shapely.polygonize(list(noded.geoms)).geoms if outline.contains(f.point_on_surface())]


def check_river(outline, points):
    regions = river_regions(outline)

    def region_of(slug):
        p = Point(points[slug])
        hits = [i for i, r in enumerate(regions) if r.contains(p)]
        check(len(hits) == 1, f"{slug}: lies on a river line")
        return hits[0]

    south = region_of("deir-ez-zor")
    north = region_of("al-husseiniyah")
    check(south != north, "the main channel does not separate the banks")
    for slug in NORTH_BANK:
        check(region_of(slug) == north, f"{slug} is not on the north bank")
    islands = {slug: region_of(slug) for slug in ISLANDS}
    check(len(set(islands.values())) == len(ISLANDS), "islands share a region")
    for slug, r in islands.items():
        check(r not in (north, south), f"{slug} is not on an island")
    for slug in ZONES:
        if slug not in NORTH_BANK | ISLANDS and slug != AIRPORT and slug != THARDA:
            check(region_of(slug) == south, f"{slug} is not on the south-west bank")
    for slug in ("deir-ez-zor-airport", "jabal-al-tharda"):
        check(region_of(slug) == south, f"{slug} is not on the south-west bank")
    return len(regions)


def run_checks(outline, zones, points, bridge):
    """All checks, on the zones exactly as written (rounded to 6 decimals)."""
    report = []
    for slug, g in zones.items():
        check(g.is_valid, f"{slug}: invalid geometry ({shapely.is_valid_reason(g)})")
        parts = polygons(g)
        check(len(parts) == 1, f"{slug}: {len(parts)} parts")
        check(g.contains(Point(points[slug])), f"{slug}: label point outside footprint")
        gm = to_utm(g)
        area_km2 = gm.area / 1e6
        pp = 4 * math.pi * gm.area / gm.length**2
        check(area_km2 >= MIN_ZONE_KM2, f"{slug}: too small ({area_km2:.3f} km2)")
        check(pp >= MIN_COMPACTNESS, f"{slug}: sliver (compactness {pp:.2f})")
        check(
            isinstance(gm.buffer(CORE_BUFFER_M), Polygon) and not gm.buffer(CORE_BUFFER_M).is_empty,
            f"{slug}: has a thin part (100 m inward buffer is not one polygon)",
        )
    report.append(
        f"all {len(zones)} zones valid, single-part, label inside, "
        f">= {MIN_ZONE_KM2} km2, compactness >= {MIN_COMPACTNESS}, "
        f"100 m inward buffer is one polygon"
    )

    geoms = [zones[s] for s in ZONES]
    check(bool(shapely.coverage_is_valid(geoms)), "coverage is not valid (edges of neighbours do not match exactly)")
    report.append("shapely.coverage_is_valid: neighbouring zones share edges vertex for vertex")

    union = shapely.union_all(geoms)
    check(
        isinstance(union, Polygon) and len(union.interiors) == 0,
        f"the zones' union is not one hole-free polygon ({union.geom_type})",
    )
    outline_m, union_m = to_utm(outline), to_utm(union)
    diff = union_m.symmetric_difference(outline_m).area
    sum_areas = sum(to_utm(g).area for g in geoms)
    check(diff < MAX_GAP_M2, f"union differs from the study area by {diff:.2f} m2")
    check(
        abs(sum_areas - outline_m.area) < MAX_GAP_M2,
        f"sum of zone areas differs from the study area by {sum_areas - outline_m.area:.2f} m2 (overlaps?)",
    )
    report.append(
        f"zones tile the study area ({outline_m.area / 1e6:.2f} km2): "
        f"|union xor outline| = {diff:.3g} m2, "
        f"|sum of areas - outline| = {abs(sum_areas - outline_m.area):.3g} m2"
    )

    edges, point_contacts = adjacency(zones)
    check(not point_contacts, f"zones touching at a point only: {point_contacts}")
    short = sorted((round(v, 1), k) for k, v in edges.items() if v < MIN_SHARED_EDGE_M)
    report.append(
        f"no pairwise overlap >= {MAX_OVERLAP_M2} m2; {len(edges)} neighbour "
        f"pairs, every touching pair shares a line (no point-only contacts)"
        + (f"; shortest edges: {short[:3]}" if short else "")
    )

    check_group("G 2016-06-01", G_2016, zones, edges)
    report.append(
        f"2016-06-01: the {len(G_2016)} government zones form one polygon, "
        f"connected through edges >= {MIN_SHARED_EDGE_M:.0f} m"
    )
    nbrs = check_group("WEST 2017", WEST_2017, zones, edges)
    check_group("EAST 2017", EAST_2017, zones, edges)
    west = shapely.union_all([zones[m] for m in sorted(WEST_2017)])
    east = shapely.union_all([zones[m] for m in sorted(EAST_2017)])
    gap = to_utm(west).distance(to_utm(east))
    check(not west.intersects(east), "WEST and EAST touch")
    check(gap > MIN_POCKET_GAP_M, f"WEST and EAST only {gap:.0f} m apart")
    report.append(f"2017-03-01 / 2017-06-15: WEST one polygon, EAST one polygon, {gap:.0f} m apart")
    path = shortest_path(nbrs, "brigade-137", "al-joura")
    check(path is not None, "brigade-137 is not connected to al-joura within WEST")
    check(
        any(s in path for s in ("panorama-roundabout", "panorama-base", "al-furat-university")),
        "brigade-137 does not connect through the Panorama / University cells",
    )
    report.append("brigade-137 -> al-joura within WEST: " + " -> ".join(path))

    check(outline.contains(bridge), "the bridge strip leaves the study area")
    return report, edges


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------


def feature_json(fid: str, geom, props: dict) -> str:
    feat = {"type": "Feature", "id": fid, "properties": props, "geometry": mapping(geom)}
    return json.dumps(feat, ensure_ascii=False, separators=(",", ":"))


def collection_text(features: list[str], extra: dict | None = None) -> str:
    head = {"type": "FeatureCollection"}
    if extra:
        head.update(extra)
    head_txt = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1]
    return head_txt + ',"features":[\n' + ",\n".join(features) + "\n]}\n"


def _clean(geom):
    """Round to 6 decimals and orient as RFC 7946 wants."""
    return as_multipolygon(round6(geom))


def main() -> int:
    places = read_places()
    by_slug = {p["slug"]: p for p in places}
    check(len(places) == 45, f"expected 45 places, found {len(places)}")
    check(set(ZONES) <= set(by_slug), "a zone slug is missing from places.csv")
    points = label_points(places)

    print("Building the zone coverage:")
    outline, _, _, zones_raw = build_zones(points)
    zones = {s: round6(g) for s, g in zones_raw.items()}
    bridge = round6(bridge_strip(*points["suspension-bridge"]))

    n_regions = check_river(outline, points)
    report, _ = run_checks(outline, zones, points, bridge)
    report.append(
        f"river: {n_regions} land regions; north-bank places, the three "
        f"islands and the south-west bank places are each on their side"
    )

    methods = {AIRPORT: "airport extent 3.5x1.5 km along runway 10/28", THARDA: "bbox from source"}
    features = []
    for p in places:
        slug, kind = p["slug"], p["kind"]
        lon, lat = points[slug]
        if slug in zones:
            geom = zones[slug]
            method = methods.get(slug, "voronoi cell clipped to study area")
            if slug in {owner for owner, _ in HIDDEN_SEEDS}:
                method += " (plus a hidden seed's cell)"
        elif slug == "deir-ez-zor":
            geom = outline
            method = "study area (union of its zones)"
        elif slug == "suspension-bridge":
            geom = bridge
            method = "strip 480x120 m across the river"
        elif slug == "syrian-badia":
            geom = box(*BADIA_BBOX)
            method = "bbox from source"
        else:
            check(kind in BUFFER_M, f"{slug}: no buffer size for kind {kind!r}")
            r = BUFFER_M[kind]
            geom = local_buffer(lon, lat, r)
            method = f"buffer {r / 1000:g} km ({kind})"
        geom = _clean(geom)
        check(geom.is_valid, f"{slug}: invalid after rounding")
        check(geom.contains(Point(lon, lat)), f"{slug}: label point outside footprint")
        props = {
            "slug": slug,
            "name_en": p["name_en"],
            "kind": kind,
            "zone": slug in zones,
            "approximate": True,
            "method": method,
            "label_point": [round(lon, 6), round(lat, 6)],
        }
        features.append(feature_json(slug, geom, props))

    fp_text = collection_text(features)

    # Re-read what we are about to write and run the checks again on it.
    written = json.loads(fp_text)
    check(len(written["features"]) == 45, "not 45 features")
    reread = {f["id"]: shapely.geometry.shape(f["geometry"]) for f in written["features"]}
    run_checks(outline, {s: reread[s] for s in ZONES}, points, reread["suspension-bridge"])
    check(all(g.is_valid for g in reread.values()), "invalid geometry in the output")

    note = (
        "Approximate, hand-drawn for the demo; not surveyed. The river line "
        "is drawn to agree with the demo places, not traced from imagery."
    )
    base = [
        feature_json(
            "study-area",
            _clean(outline),
            {
                "kind": "outline",
                "name": "Deir ez-Zor study area",
                "approximate": True,
                "note": "Outline of the demo's zones (they tile it). " + note,
            },
        )
    ]
    for name, coords in RIVER.items():
        line = round6(LineString(coords).intersection(outline))
        check(line.geom_type == "LineString", f"{name}: clipped river is {line.geom_type}")
        base.append(
            feature_json(
                "river-" + name.split("(")[1].rstrip(")").replace(" ", "-").lower(),
                line,
                {"kind": "river", "name": name, "approximate": True, "note": note},
            )
        )
    base_text = collection_text(base)

    for path, text in ((FOOTPRINTS_OUT, fp_text), (BASEMAP_OUT, base_text)):
        path.parent.mkdir(parents=True, exist_ok=True)
        old = path.read_text(encoding="utf-8") if path.exists() else None
        path.write_text(text, encoding="utf-8")
        state = "unchanged" if old == text else "written"
        print(f"\n{path.relative_to(REPO)}: {state} ({len(text)} bytes)", end="")
    print()

    print("\nZone areas (km2, UTM 37N):")
    for slug in sorted(ZONES, key=lambda s: -to_utm(zones[s]).area):
        tag = "W" if slug in WEST_2017 else "E" if slug in EAST_2017 else "g" if slug in G_2016 else " "
        print(f"  {tag} {slug:22s} {to_utm(zones[slug]).area / 1e6:7.2f}")
    print("  (W = 2017 west pocket, E = 2017 east pocket, g = lost between 2016 and 2017)")
    if NUDGES:
        print("\nNudged estimated points:")
        for slug, (nlon, nlat) in NUDGES.items():
            p = by_slug[slug]
            d = to_utm(Point(p["lon"], p["lat"])).distance(to_utm(Point(nlon, nlat)))
            print(f"  {slug}: ({p['lon']}, {p['lat']}) -> ({nlon}, {nlat}), {d:.0f} m of {p['uncertainty_m']:.0f} m")
    print("\nChecks passed:")
    for line in report:
        print("  - " + line)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except CheckFailed as exc:
        print(f"CHECK FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
