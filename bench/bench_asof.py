"""`?as_of=`: a map's reads of the record as it stood at a past moment, beside the same reads of today's record, as a
ratio, on SpatiaLite and on PostGIS.

The record as it stood is read with SELECTs alone (mapapp/asof.py): every statement of the read gets WITH
expressions standing for the record's tables, built from the versions django-simple-history keeps, the control
periods derived from them in SQL. So every read of the past pays for that derivation; these figures say how much.

The map is `make_synthetic_map --zones N` (BENCH_ASOF_ZONES, default 2000; four years of invented history through
the services, so every change has its versions). It is built once per database and kept: SpatiaLite in
var/bench-asof.sqlite3, PostGIS in its own database (BENCH_ASOF_POSTGIS_URL, default
postgis://frontline:frontline@127.0.0.1:5432/frontline_bench_asof, created if missing). Delete them (or set
BENCH_REBUILD=1) to build again. The moment read is when half of the map's changes had been recorded, so the
record then differs from today's.

Each figure is the median of 5 reads through the real views with Django's test client (no network), in a child
process with that database: zones on a date, the viewer's history, fronts on a date, the GeoJSON export of the
whole interval history. No target: as_of is a reader's occasional question, not the map's every step.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ZONES = int(os.environ.get("BENCH_ASOF_ZONES", "2000"))
SLUG = "asof-synthetic"
POSTGIS_URL = os.environ.get(
    "BENCH_ASOF_POSTGIS_URL", "postgis://frontline:frontline@127.0.0.1:5432/frontline_bench_asof"
)
SPATIALITE_URL = f"spatialite:///{ROOT / 'var' / 'bench-asof.sqlite3'}"
REPEAT = 5


def _manage(url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": os.environ.get("SECRET_KEY", "bench")}
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)}: {result.stderr.strip()[-2000:]}")


def _ensure_postgis_database() -> None:
    import psycopg

    base, name = POSTGIS_URL.replace("postgis://", "postgresql://", 1).rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=5) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def _child_process(url: str, what: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "mapapp.settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench"),
    }
    result = subprocess.run([PYTHON, "-m", "bench.bench_asof", what], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"measuring on {url.split(':')[0]}: {result.stderr.strip()[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _ensure_map(url: str) -> None:
    _manage(url, "migrate", "--noinput", "-v", "0")
    if _child_process(url, "probe")["zones"] != ZONES or os.environ.get("BENCH_REBUILD"):
        _manage(url, "make_synthetic_map", "--zones", str(ZONES), "--slug", SLUG, "--replace")


def run() -> list[tuple[str, float, str]]:
    (ROOT / "var").mkdir(exist_ok=True)
    results: list[tuple[str, float, str]] = []
    databases = [("SpatiaLite", SPATIALITE_URL)]
    try:
        _ensure_postgis_database()
        databases.append(("PostGIS", POSTGIS_URL))
    except Exception as error:  # no PostgreSQL here: the SpatiaLite figures alone
        print(f"   PostGIS skipped: {error}", flush=True)
    for label, url in databases:
        _ensure_map(url)
        measured = _child_process(url, "measure")
        results.append((f"{label}: zones", measured["zones"], "zones"))
        results.append((f"{label}: versions of their changes", measured["versions"], "versions"))
        for name, (today, then) in measured["reads"].items():
            results += [
                (f"{label}: {name}, today's record, median", today, "ms"),
                (f"{label}: {name}, as_of, median", then, "ms"),
                (f"{label}: {name}, as_of / today", round(then / today, 2), "x"),
            ]
    return results


def _child(what: str) -> dict:
    import django

    django.setup()
    from django.test import Client

    from mapapp.models import ControlChange, Map

    map_ = Map.objects.filter(slug=SLUG).first()
    if what == "probe":
        return {"zones": map_.places.count() if map_ else 0}
    versions = list(
        ControlChange.history.filter(id__in=ControlChange.objects.filter(places__maps=map_).values("pk"))
        .order_by("history_date")
        .values_list("history_date", flat=True)
    )
    moment = versions[len(versions) // 2].isoformat()
    day = map_.start + (map_.end - map_.start) * 3 // 4
    client = Client()
    base = f"/api/v1/maps/{SLUG}"
    reads = {
        "zones on a date": (f"{base}/zones", {"date": day.isoformat()}),
        "history (the viewer's)": (f"{base}/history", {}),
        "fronts on a date": (f"{base}/fronts", {"date": day.isoformat()}),
        "export, interval history (GeoJSON)": (f"{base}/export", {}),
    }

    def median_ms(path, params) -> float:
        times = []
        for _ in range(REPEAT + 1):
            began = time.perf_counter()
            response = client.get(path, params)
            times.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, response.content[:300]
        return round(statistics.median(times[1:]), 1)  # the first warms the connection

    measured = {}
    for name, (path, params) in reads.items():
        measured[name] = (median_ms(path, params), median_ms(path, {**params, "as_of": moment}))
    return {"zones": map_.places.count(), "versions": len(versions), "reads": measured}


if __name__ == "__main__":
    print(json.dumps(_child(sys.argv[1])))
