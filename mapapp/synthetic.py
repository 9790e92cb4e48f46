"""A country-sized synthetic map for benchmarks: Voronoi zones of real Syrian localities with an invented,
seeded control history. Built through the services, like any other record (the changes through the bulk path,
services.control_changes_bulk_publish, which records and publishes them all at once).

Zones: the Voronoi cells of `zones` localities (a seeded sample of the Who's On First localities in
bench/data/syria-localities.csv.gz) clipped to the country outline (bench/data/syria-outline.geojson.gz). Past
the gazetteer's ~10,300 distinct points (a 50,000-zone map), every locality is used and the rest are seeded points
scattered around randomly chosen localities, so the zones stay dense where the settlements are.
History: four invented sides start from territories grown around a few seed zones; every few days one side
pushes across a front and takes a cluster of zones (sometimes contested first, held a few days later); now and
then a side encircles enemy ground, which is later relieved or taken. A bigger map has more fronts moving at
once: one push per 5,000 zones on each day something happens (about six periods per zone over four years at
50,000 zones). Enclosed pockets that last get a recorded siege. Nothing here is a real event: places, map and
sources say so.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gzip
import json
import os
import random
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import connection

from gazetteer.models import Place
from gazetteer.services import places_bulk_create
from mapapp import analytics, services, versioning
from mapapp.lib import geo
from mapapp.models import Actor, ControlStatus, Map, PocketPiece, SupplyMethod

DATA = Path(__file__).resolve().parent.parent / "bench" / "data"
LOCALITIES = DATA / "syria-localities.csv.gz"
OUTLINE = DATA / "syria-outline.geojson.gz"

SIDES = [
    # slug suffix, English, Arabic, colour, seed zones
    ("government", "Government (synthetic)", "الحكومة (افتراضي)", "#c62828", 4),
    ("rebels", "Rebels (synthetic)", "المعارضة (افتراضي)", "#2e7d32", 3),
    ("isis", "ISIS (synthetic)", "داعش (افتراضي)", "#3b3b3b", 2),
    ("sdf", "SDF (synthetic)", "قسد (افتراضي)", "#f2b705", 2),
]
MAX_ZONES = 100_000
# Seeded points beyond the gazetteer: a normal scatter of about this many degrees (~6 km) around a locality.
SCATTER_DEGREES = 0.06
CREDIT = (
    "Synthetic data for benchmarks: invented control history over Voronoi zones of real localities. "
    'Localities and outline: Data from Who\'s On First. <a href="http://whosonfirst.mapzen.com#License">License</a> '
    "(GeoNames CC BY 4.0)."
)


@dataclass
class Locality:
    lon: float
    lat: float
    name: str
    name_ar: str
    county: str


def read_localities() -> list[Locality]:
    with gzip.open(LOCALITIES, "rt", encoding="utf-8", newline="") as handle:
        return [
            Locality(float(row["lon"]), float(row["lat"]), row["name"], row["name_ar"], row["county"])
            for row in csv.DictReader(handle)
        ]


def read_outline() -> shapely.MultiPolygon:
    with gzip.open(OUTLINE, "rt", encoding="utf-8") as handle:
        collection = json.load(handle)
    return geo.as_multipolygon(shapely.geometry.shape(collection["features"][0]["geometry"]))


def _scattered(candidates: list[Locality], count: int, outline, seen: set, rng: random.Random) -> list[Locality]:
    """`count` seeded points inside the outline, each near a randomly chosen locality, named after it."""
    points: list[Locality] = []
    while len(points) < count:
        batch = []
        for _ in range(max(1000, (count - len(points)) * 2)):
            base = rng.choice(candidates)
            batch.append((base, base.lon + rng.gauss(0, SCATTER_DEGREES), base.lat + rng.gauss(0, SCATTER_DEGREES)))
        inside = shapely.contains_xy(outline, [lon for _b, lon, _l in batch], [lat for _b, _l, lat in batch])
        for (base, lon, lat), keep in zip(batch, inside.tolist(), strict=True):
            point = (round(lon, 6), round(lat, 6))
            if keep and point not in seen and len(points) < count:
                seen.add(point)
                name_ar = f"قرب {base.name_ar}" if base.name_ar else ""
                points.append(Locality(point[0], point[1], f"Near {base.name}", name_ar, base.county))
    return points


def voronoi_zones(zones: int, rng: random.Random) -> list[tuple[Locality, shapely.MultiPolygon]]:
    """`zones` localities (a seeded sample, one per distinct point, inside the outline; all of them and seeded
    points near them when more are asked than the gazetteer has) and their Voronoi cells clipped to the outline.
    Neighbouring cells share their edges vertex for vertex."""
    outline = read_outline()
    shapely.prepare(outline)
    seen: set[tuple[float, float]] = set()
    candidates = []
    for locality in read_localities():
        point = (locality.lon, locality.lat)
        if point not in seen and shapely.contains_xy(outline, *point):
            seen.add(point)
            candidates.append(locality)
    if not 3 <= zones <= MAX_ZONES:
        raise ValidationError({"zones": f"zones must be between 3 and {MAX_ZONES}, got {zones}"})
    if zones <= len(candidates):
        chosen = rng.sample(candidates, zones)
    else:
        chosen = candidates + _scattered(candidates, zones - len(candidates), outline, seen, rng)
    chosen.sort(key=lambda loc: (loc.lon, loc.lat))
    points = shapely.MultiPoint([(loc.lon, loc.lat) for loc in chosen])
    unordered = shapely.get_parts(shapely.voronoi_polygons(points, extend_to=outline.envelope))
    # Each generator lies strictly inside its own cell; match them (GEOS 3.11 has no ordered Voronoi output).
    point_index, cell_index = shapely.STRtree(unordered).query(shapely.get_parts(points), predicate="within")
    cell_of_point = dict(zip(point_index.tolist(), cell_index.tolist(), strict=True))
    cells = unordered[[cell_of_point[index] for index in range(len(chosen))]]
    clipped = shapely.intersection(cells, outline)
    result = []
    for locality, cell in zip(chosen, clipped, strict=True):
        try:
            result.append((locality, geo.as_multipolygon(cell)))
        except ValueError:  # a cell clipped to a line or nothing: no ground there
            continue
    return [(locality, cell) for locality, cell in result if not cell.is_empty]


def _actors(prefix: str) -> dict[str, Actor]:
    actors = {}
    for index, (suffix, name_en, name_ar, color, _seeds) in enumerate(SIDES):
        slug = f"{prefix}-{suffix}"
        actor = Actor.objects.filter(slug=slug).first()
        actors[suffix] = actor or services.actor_create(
            slug=slug, name_en=name_en, name_ar=name_ar, color=color, sort_order=50 + index
        )
    return actors


class History:
    """The invented war: who holds each zone, moved forward one event at a time and recorded as it goes."""

    def __init__(self, *, places: list[Place], graph: analytics.ZoneGraph, actors: dict[str, Actor], rng, record):
        self.places = {place.pk: place for place in places}
        self.graph = graph
        self.actors = actors
        self.rng = rng
        self.record: Callable = record
        self.owner: dict[int, str] = {}
        # Pushes take more zones on a finer map, so that fronts move about as far on the ground.
        self.scale = max(1.0, (len(places) / 1000) ** 0.5)
        # And more fronts move at once: one push per 5,000 zones on each day something happens.
        self.pushes = max(1, round(len(places) / 5000))
        self.status: dict[int, str] = {}
        # Every ordered pair of neighbours, sorted once: the fronts are those whose owners differ, in this order.
        # Kept as arrays of positions in self.ids, beside an array of owners, so that finding the day's fronts
        # is one comparison over the pairs (a 50,000-zone map has 300,000 of them, and hundreds of days).
        pairs = np.array(
            sorted((a, b) for a, neighbours in graph.neighbours.items() for b in neighbours), dtype=np.int64
        ).reshape(-1, 2)
        self.ids = np.array(sorted(self.places), dtype=np.int64)
        self.pair_ids = pairs
        self.pair_a, self.pair_b = np.searchsorted(self.ids, pairs[:, 0]), np.searchsorted(self.ids, pairs[:, 1])
        self.side_of = {suffix: index for index, (suffix, *_rest) in enumerate(SIDES)}
        self.owner_at = np.full(len(self.ids), -1, dtype=np.int64)

    def initial(self, on: dt.date) -> None:
        """Grow each side's territory around its seed zones, breadth first, taking turns."""
        ids = sorted(self.places)
        queue: deque[tuple[int, str]] = deque()
        for suffix, *_rest, seeds in SIDES:
            for place_id in self.rng.sample(ids, seeds):
                if place_id not in self.owner:
                    self.owner[place_id] = suffix
                    queue.append((place_id, suffix))
        while queue:
            place_id, suffix = queue.popleft()
            neighbours = sorted(self.graph.neighbours.get(place_id, ()))
            self.rng.shuffle(neighbours)
            for neighbour in neighbours:
                if neighbour not in self.owner:
                    self.owner[neighbour] = suffix
                    queue.append((neighbour, suffix))
        for place_id in ids:  # islands no front reaches
            self.owner.setdefault(place_id, SIDES[0][0])
        self.owner_at[:] = [self.side_of[self.owner[place_id]] for place_id in self.ids.tolist()]
        for suffix, *_ in SIDES:
            mine = [place_id for place_id in ids if self.owner[place_id] == suffix]
            if mine:
                self.record(on, mine, suffix, ControlStatus.HELD, f"Opening positions of the {suffix} (synthetic)")
        self.status = dict.fromkeys(ids, ControlStatus.HELD)

    def fronts(self) -> list[tuple[int, int]]:
        """(zone, enemy neighbour) pairs, sorted."""
        differ = self.owner_at[self.pair_a] != self.owner_at[self.pair_b]
        return list(map(tuple, self.pair_ids[differ].tolist()))

    def take(self, on: dt.date, place_ids: list[int], suffix: str, status: str, title: str) -> None:
        place_ids = [p for p in place_ids if (self.owner[p], self.status[p]) != (suffix, status)]
        if not place_ids:
            return
        for place_id in place_ids:
            self.owner[place_id] = suffix
            self.status[place_id] = status
        self.owner_at[np.searchsorted(self.ids, place_ids)] = self.side_of[suffix]
        self.record(on, sorted(place_ids), suffix, status, title)

    def push(self, on: dt.date, pending: list, fronts: list[tuple[int, int]]) -> None:
        """One side crosses a front (one of `fronts`, as they stood at the start of the day) and takes a cluster
        of the other's zones behind it. A front that an earlier push of the day has closed is left alone."""
        if not fronts:
            return
        attacker_zone, target = self.rng.choice(fronts)
        attacker, defender = self.owner[attacker_zone], self.owner[target]
        if attacker == defender:
            return
        size = round(self.rng.randint(2, 24) * self.scale)
        cluster, queue, seen = [], deque([target]), {target}
        while queue and len(cluster) < size:
            place_id = queue.popleft()
            cluster.append(place_id)
            for neighbour in sorted(self.graph.neighbours.get(place_id, ())):
                if neighbour not in seen and self.owner[neighbour] == defender:
                    seen.add(neighbour)
                    queue.append(neighbour)
        title = f"The {attacker} advance on {self.places[target].name_en} (synthetic)"
        if self.rng.random() < 0.25:
            self.take(on, cluster, attacker, ControlStatus.CONTESTED, title)
            pending.append((on + dt.timedelta(days=self.rng.randint(3, 20)), cluster, attacker))
        else:
            self.take(on, cluster, attacker, ControlStatus.HELD, title)

    def encircle(self, on: dt.date, pending: list) -> None:
        """A side takes the ring of zones two steps around a piece of enemy ground: a pocket, cut off. Later the
        pocket falls or is relieved (the ring taken back)."""
        fronts = self.fronts()
        if not fronts:
            return
        attacker_zone, centre = self.rng.choice(fronts)
        attacker, defender = self.owner[attacker_zone], self.owner[centre]
        inner = {centre} | {n for n in self.graph.neighbours.get(centre, ()) if self.owner[n] == defender}
        ring = {n for place_id in inner for n in self.graph.neighbours.get(place_id, ()) if n not in inner} - {
            p for p in self.places if self.owner[p] == attacker
        }
        if not ring or any(place_id in self.graph.outer for place_id in inner):
            return
        self.take(on, sorted(ring), attacker, ControlStatus.HELD, f"The {attacker} encircle a pocket (synthetic)")
        later = on + dt.timedelta(days=self.rng.randint(45, 300))
        if self.rng.random() < 0.5:
            pending.append((later, sorted(inner), attacker))  # the pocket falls
        else:
            pending.append((later, sorted(ring), defender))  # relieved

    def run(self, start: dt.date, end: dt.date) -> None:
        self.initial(start)
        pending: list[tuple[dt.date, list[int], str]] = []
        day = start + dt.timedelta(days=self.rng.randint(2, 9))
        while day <= end:
            due = sorted((p for p in pending if p[0] <= day), key=lambda p: p[0])
            pending = [p for p in pending if p[0] > day]
            for due_day, place_ids, suffix in due:
                self.take(due_day, place_ids, suffix, ControlStatus.HELD, f"The {suffix} secure ground (synthetic)")
            if self.rng.random() < 0.06:
                self.encircle(day, pending)
            else:
                fronts = self.fronts()  # once a day: on a big map, working them out is most of the cost
                for _push in range(self.pushes):
                    self.push(day, pending, fronts)
            day += dt.timedelta(days=self.rng.randint(2, 9))


class _Phases:
    """Wall and CPU seconds of each phase of a build, handed to `report(name, wall, cpu, database_cpu)` as each
    ends. database_cpu: the seconds the PostgreSQL backend serving this connection spent on the CPU, where it runs
    on this machine (/proc), else None. On a shared machine the wall time is mostly waiting for a core: the two
    CPU figures are what the build costs."""

    def __init__(self, report: Callable[[str, float, float, float | None], None] | None) -> None:
        self.report = report
        self.backend: Path | None = None
        if report is not None and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
            self.backend = stat if stat.exists() else None

    def _database_cpu(self) -> float | None:
        if self.backend is None:
            return None
        try:
            fields = self.backend.read_text().rsplit(")", 1)[1].split()
        except OSError:  # another machine's backend after all, or gone
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        wall, cpu, database = time.perf_counter(), time.process_time(), self._database_cpu()
        yield
        if self.report is not None:
            after = self._database_cpu()
            self.report(
                name,
                time.perf_counter() - wall,
                time.process_time() - cpu,
                None if database is None or after is None else after - database,
            )


def _record_sieges(
    *, map_: Map, actors: dict[str, Actor], source, start: dt.date, end: dt.date, phase: _Phases | None = None
) -> int:
    """A siege for every enclosed pocket of three zones or more that lasts from one month's first day to the
    next: from the first month it is seen to the first month it is gone.

    The pockets are read from the map's stored pocket pieces (derived when the changes were published): a piece
    is enclosed, as analytics.pieces_at judges it with no allies, when it is off the map's outer edge and every
    zone bordering it is another actor's (none of unknown control), and those actors are its besiegers."""
    places = {place.pk: place for place in map_.places.all()}
    pieces = [
        (valid_from, valid_to, frozenset(place_ids), actor_id, set(border_actor_ids))
        for valid_from, valid_to, place_ids, actor_id, border_actor_ids in PocketPiece.objects.filter(
            map=map_, on_outer_edge=False, border_unknown=False
        )
        .order_by("valid_from", "pk")
        .values_list("valid_from", "valid_to", "place_ids", "actor_id", "border_actor_ids")
        if border_actor_ids and len(place_ids) >= 3
    ]
    open_sieges: dict[frozenset, tuple[dt.date, int, set[int]]] = {}
    found: list[tuple[dt.date, dt.date | None, frozenset, int, set[int]]] = []
    month = dt.date(start.year, start.month, 1)
    while month <= end:
        pockets = {
            key: (actor_id, besiegers)
            for valid_from, valid_to, key, actor_id, besiegers in pieces
            if valid_from <= month and (valid_to is None or month < valid_to)
        }
        for key, (since, actor_id, besiegers) in list(open_sieges.items()):
            if key not in pockets:
                found.append((since, month, key, actor_id, besiegers))
                del open_sieges[key]
        for key, (actor_id, besiegers) in pockets.items():
            if key not in open_sieges:
                open_sieges[key] = (month, actor_id, besiegers)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    found.extend((since, None, key, actor_id, b) for key, (since, actor_id, b) in open_sieges.items())
    with phase("sieges: record") if phase is not None else contextlib.nullcontext():
        return _sieges_write(map_=map_, actors=actors, source=source, found=found, places=places)


def _sieges_write(*, map_: Map, actors: dict[str, Actor], source, found: list, places: dict[int, Place]) -> int:
    by_id = {actor.pk: suffix for suffix, actor in actors.items()}
    count = 0
    for since, until, key, actor_id, besiegers in sorted(found, key=lambda f: (f[0], min(f[2]))):
        if until is not None and until <= since + dt.timedelta(days=31):
            continue
        count += 1
        first = places[min(key)]
        services.siege_record(
            slug=f"{map_.slug}-siege-{count:03d}",
            name_en=f"Siege of {first.name_en} (synthetic)",
            name_ar=f"حصار {first.name_ar or first.name_en} (افتراضي)",
            besieged_actor=actors[by_id[actor_id]],
            besieging_actors=[actor for actor in actors.values() if actor.pk in besiegers],
            start=since,
            end=until,
            places=[(places[place_id], None) for place_id in sorted(key)],
            sources=[source],
            supplies=[(SupplyMethod.AIR_BRIDGE, since, until, "invented")],
            note="Synthetic: an enclosed pocket found by pocket detection on the first day of a month.",
            publish=True,
        )
    return count


@versioning.bumps_held()  # one transaction; the map's data version moves once, at the end
def make_synthetic_map(
    *,
    zones: int = 5000,
    slug: str = "syria-synthetic",
    years: int = 4,
    seed: int = 1,
    start=dt.date(2014, 1, 1),
    report: Callable[[str, float, float, float | None], None] | None = None,
) -> Map:
    """Create the map `slug` with `zones` Voronoi zones and `years` of invented history from `start`. `report`,
    if given, is called with each phase's name, wall seconds and CPU seconds (of this process, and of the
    database's backend where it can be read: _Phases) as it ends."""
    if Map.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"a map {slug!r} already exists; delete it first (--replace)"})
    if years < 1:
        raise ValidationError({"years": f"years must be at least 1, got {years}"})
    phase = _Phases(report)
    rng = random.Random(seed)
    with phase("voronoi zones"):
        cells = voronoi_zones(zones, rng)
    with phase("places"):
        places = _places(slug, cells)
    actors = _actors("syn")
    end = dt.date(start.year + years, start.month, start.day) - dt.timedelta(days=1)
    with phase("map, zones and edges"):
        map_ = services.map_create(
            slug=slug,
            title_en=f"Synthetic Syria, {len(places)} zones",
            title_ar=f"سوريا الافتراضية، {len(places)} منطقة",
            description_en="Invented control history over Voronoi zones of real localities, for benchmarks.",
            start=start,
            end=end,
            default_date=end,
            actors=list(actors.values()),
            zones=places,
            credit=CREDIT,
        )
    source = services.source_create(
        title="Synthetic record for benchmarks (no real events)", publisher="Frontline Atlas"
    )

    recorded: list[services.PublishedChange] = []

    def record(on, place_ids, suffix, status, title):
        recorded.append(
            services.PublishedChange(
                on=on,
                places=[by_id[place_id] for place_id in place_ids],
                actor=actors[suffix],
                status=status,
                title=title,
            )
        )

    by_id = {place.pk: place for place in places}
    with phase("history"):
        history = History(places=places, graph=analytics.zone_graph(map=map_), actors=actors, rng=rng, record=record)
        history.run(start, end)
    # The invented war only ever records what alters the record (History.take), so it is published in one go:
    # one change at a time through control_change_record costs minutes at 50,000 zones.
    with phase(f"publish {len(recorded)} changes"):
        services.control_changes_bulk_publish(changes=recorded, sources=[source])
    with phase("sieges"):
        _record_sieges(map_=map_, actors=actors, source=source, start=start, end=end, phase=phase)
    map_.refresh_from_db()
    return map_


def _places(slug: str, cells) -> list[Place]:
    return places_bulk_create(
        places=[
            {
                "slug": f"{slug}-{index:05d}",
                "name_en": locality.name or f"Locality {index}",
                "name_ar": locality.name_ar,
                "kind": "locality",
                "label_point": Point(locality.lon, locality.lat, srid=geo.WGS84),
                "footprint": geo.geos_multipolygon(cell),
                "footprint_method": "Voronoi cell of the locality point, clipped to the country (synthetic)",
                "notes": f"synthetic zone; {locality.county}".strip("; "),
                "source": "Who's On First (point); zone invented for benchmarks",
            }
            for index, (locality, cell) in enumerate(cells)
        ]
    )
