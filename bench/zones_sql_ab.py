"""A/B of the /zones statement, interleaved on one database (not run by `python -m bench`).

    DATABASE_URL=postgis://.../fa_scale3_bench PYTHONPATH=. .venv/bin/python bench/zones_sql_ab.py [ROUNDS [REV]]

Runs zones_geojson (the whole answer: statement, fetch, orjson) on the synthetic map (slug syria-synthetic, built by
`make_synthetic_map`) with each variant of the statement in turn, date by date over 6 dates spread over the record,
ROUNDS rounds (default 3), the order of the variants turned each round. Per variant: median wall ms, and mean CPU
ms of this process and of its PostgreSQL backend (from /proc), which load on a shared machine inflates less than
wall time. Every variant's answer is checked to be the same bytes as the current one's.

Variants: `now` (mapapp.selectors as it is); `per-zone geojson` (now, but each zone's GeoJSON made by ST_AsGeoJSON on
the request, as before Place.footprint_geojson); REV (default main: the statement in that git revision's
mapapp/selectors.py, run with its parameters, the precision included).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mapapp.settings")
os.environ.setdefault("SECRET_KEY", "bench")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from bench.bench_analytics import cpu_clock  # noqa: E402
from mapapp import selectors  # noqa: E402
from mapapp.models import Map  # noqa: E402

NOW = selectors._ZONES_POSTGRES if connection.vendor == "postgresql" else selectors._ZONES_SQLITE
STORED = "COALESCE(p.footprint_geojson, 'null')" if connection.vendor == "postgresql" else "p.footprint_geojson AS"
PER_ZONE = (
    "COALESCE(ST_AsGeoJSON(ST_ForcePolygonCCW(p.footprint), 6, 0), 'null')"
    if connection.vendor == "postgresql"
    else "AsGeoJSON(ST_ForcePolygonCCW(p.footprint), 6, 0) AS"
)
VARIANTS = {"now": NOW, "per-zone geojson": NOW.replace(STORED, PER_ZONE)}


def statement_of(rev: str) -> str:
    """The zones statement for this database in `rev`'s mapapp/selectors.py."""
    source = subprocess.run(
        ["git", "show", f"{rev}:mapapp/selectors.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    name = "_ZONES_POSTGRES" if connection.vendor == "postgresql" else "_ZONES_SQLITE"
    return re.search(rf'^{name} = """(.*?)"""', source, re.S | re.M).group(1)


def main(rounds: int, rev: str) -> None:
    assert VARIANTS["per-zone geojson"] != NOW, "the stored column is no longer in the statement"
    VARIANTS[rev] = statement_of(rev)
    features_sql = selectors.zones_features_sql

    def with_precision(**kwargs):  # an older statement may ask for it; an unused key is ignored
        sql, params = features_sql(**kwargs)
        return sql, {**params, "precision": selectors.GEOJSON_PRECISION}

    selectors.zones_features_sql = with_precision
    map_ = Map.objects.get(slug="syria-synthetic")
    span = (map_.end - map_.start).days
    dates = [map_.start + dt.timedelta(days=int(span * (i + 0.5) / 6)) for i in range(6)]
    clock = cpu_clock(connection)
    walls: dict[str, list[float]] = {name: [] for name in VARIANTS}
    cpus: dict[str, list[tuple[float, float]]] = {name: [] for name in VARIANTS}
    names = list(VARIANTS)
    expected = {}
    for day in dates:
        expected[day] = selectors.zones_geojson(map=map_, on=day)  # and warms the caches
    for round_ in range(rounds):
        order = names[round_ % len(names) :] + names[: round_ % len(names)]
        for day in dates:
            for name in order:
                selectors._ZONES_POSTGRES = selectors._ZONES_SQLITE = VARIANTS[name]
                began, cpu = time.perf_counter(), clock()
                body = selectors.zones_geojson(map=map_, on=day)
                walls[name].append((time.perf_counter() - began) * 1000)
                after = clock()
                cpus[name].append((after[0] - cpu[0], after[1] - cpu[1]))
                assert body == expected[day], (name, day)
    base = statistics.median(walls["now"])
    print(f"{len(map_.places.all())} zones, {rounds} rounds x {len(dates)} dates, {connection.vendor}")
    for name in names:
        wall = statistics.median(walls[name])
        process = statistics.mean(c[0] for c in cpus[name])
        backend = statistics.mean(c[1] for c in cpus[name])
        print(
            f"  {name:<20} wall median {wall:8.1f} ms ({wall / base:.2f}x now)   "
            f"CPU {process:7.1f} ms process + {backend:7.1f} ms backend = {process + backend:7.1f} ms"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3, sys.argv[2] if len(sys.argv) > 2 else "main")
