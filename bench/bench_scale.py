"""/zones on a date at country scale, each figure beside its anchor and the ratio (issue 15's first row).

For each zone count in BENCH_SCALE_ZONES (default "5000"; "5000,50000" adds the 50,000-zone map, whose build
takes minutes the first time) and each database (BENCH_SCALE_BACKENDS, default "postgis,spatialite"):

- ours: the /zones view (mapapp.api.zones) answering `?date=` uncached (called directly, so no kept answer is
  served), median over DATES dates spread over the four years;
- the same SQL (mapapp.selectors.zones_features_sql, the statement the view runs) on the same dates: on PostGIS
  in `psql` as a subprocess (`\\timing`, output to /dev/null, unaligned); on SpatiaLite on a bare sqlite3
  connection with mod_spatialite (no Django). Ours and it take turns date by date (a burst of load on the shared
  machine falls on both). Target: ours <= 1.2x it, in wall time and in CPU: on PostGIS the CPU of this process
  and of its backend beside psql's and its backend's (read from /proc, printed as client + server), on
  SpatiaLite this process's CPU for each;
- Django's `geojson` serializer over the same zones (geometry and their own fields, no state: less than /zones
  says). Target: ours >= 25x faster;
- how many control periods the in-effect lookup reads for one date (PostGIS EXPLAIN ANALYZE: rows the period
  scans returned plus those they read and dropped) beside the map's periods: the GiST range index of migration
  0011 reads only the periods covering the date.

The maps are `make_synthetic_map --zones N` (slug syria-synthetic), built once per database and kept. At the
default 5,000 zones they are bench_analytics' (its PostGIS database and var/bench-analytics.sqlite3); other counts
have their own: PostGIS database frontline_bench_<N> (BENCH_SCALE_POSTGIS_URL's server), var/bench-scale-<N>.sqlite3.
A first build is timed and printed (target at 50,000 zones on PostGIS: under 5 minutes). BENCH_REBUILD=1 builds
again.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import bench_analytics

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SLUG = bench_analytics.SLUG
ZONE_COUNTS = [int(part) for part in os.environ.get("BENCH_SCALE_ZONES", "5000").split(",") if part.strip()]
BACKENDS = [part.strip() for part in os.environ.get("BENCH_SCALE_BACKENDS", "postgis,spatialite").split(",")]
POSTGIS_SERVER = os.environ.get("BENCH_SCALE_POSTGIS_URL", "postgis://frontline:frontline@127.0.0.1:5432")
DATES = 6
TARGET_SQL_RATIO = 1.2
TARGET_SERIALIZER_RATIO = 25


def database_url(backend: str, zones: int) -> str:
    if zones == bench_analytics.ZONES:  # bench_analytics' map: built once for both benches
        return bench_analytics.POSTGIS_URL if backend == "postgis" else bench_analytics.SPATIALITE_URL
    if backend == "postgis":
        return f"{POSTGIS_SERVER.rstrip('/')}/frontline_bench_{zones}"
    return f"spatialite:///{ROOT / 'var' / f'bench-scale-{zones}.sqlite3'}"


def _ensure_postgres_database(url: str) -> None:
    import psycopg

    base, name = url.replace("postgis://", "postgresql://", 1).rsplit("/", 1)
    try:
        psycopg.connect(f"{base}/postgres", connect_timeout=3).close()
    except psycopg.OperationalError:
        subprocess.run([str(ROOT / "scripts" / "setup.sh"), "--postgis"], cwd=ROOT, check=True)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def _ensure_map(url: str, zones: int) -> tuple[str, float | None]:
    """Migrate, and build the map unless it is there with `zones` zones. (how, build seconds or None)."""
    bench_analytics._manage(url, "migrate", "--noinput", "-v", "0")
    if _child_process(url, "probe", zones).get("zones") == zones and not os.environ.get("BENCH_REBUILD"):
        return "reused", None
    began = time.perf_counter()
    bench_analytics._manage(url, "make_synthetic_map", "--zones", str(zones), "--slug", SLUG, "--replace")
    seconds = time.perf_counter() - began
    return f"built in {seconds:.0f} s", seconds


def _child_process(url: str, what: str, zones: int) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "mapapp.settings"}
    result = subprocess.run(
        [PYTHON, "-m", "bench.bench_scale", what, str(zones)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"measuring on {url.split(':')[0]}: {result.stderr.strip()[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _figures(label: str, measured: dict, built: float | None, zones: int) -> list[tuple[str, float, str]]:
    ours, sql, serializer = measured["ours"], measured["sql"], measured["serializer"]
    anchor = "psql" if measured["postgis"] else "bare sqlite3 + mod_spatialite"
    rows: list[tuple[str, float, str]] = [
        (f"{label}: zones / control periods", measured["zones"], f"zones / {measured['periods']:,} periods"),
        (f"{label}: /zones answer, uncompressed", measured["bytes"], "B"),
        (f"{label}: /zones?date uncached, median of {DATES} dates", ours, "ms"),
        (f"{label}: the same SQL in {anchor}, median", sql, "ms"),
        (f"{label}: /zones / same SQL (target <= {TARGET_SQL_RATIO})", round(ours / sql, 3), "x"),
    ]
    cpu = measured["cpu"]
    ours_cpu, sql_cpu = cpu["ours_client"] + cpu["ours_server"], cpu["sql_client"] + cpu["sql_server"]
    where = "process + backend" if measured["postgis"] else "one process"
    rows += [
        (
            f"{label}: CPU per /zones ({where}), mean",
            round(ours_cpu, 1),
            f"ms ({cpu['ours_client']} + {cpu['ours_server']})" if measured["postgis"] else "ms",
        ),
        (
            f"{label}: CPU per same SQL ({where}), mean",
            round(sql_cpu, 1),
            f"ms ({cpu['sql_client']} + {cpu['sql_server']})" if measured["postgis"] else "ms",
        ),
        (f"{label}: CPU /zones / same SQL (target <= {TARGET_SQL_RATIO})", round(ours_cpu / sql_cpu, 3), "x"),
        (f"{label}: Django geojson serializer, same zones (no state)", serializer, "ms"),
        (f"{label}: serializer / /zones (target >= {TARGET_SERIALIZER_RATIO})", round(serializer / ours, 1), "x"),
    ]
    if "periods_read" in measured:
        rows += [
            (f"{label}: periods read by the in-effect lookup, one date", measured["periods_read"], "periods"),
            (
                f"{label}: periods read / periods in the table",
                round(measured["periods_read"] / measured["periods_in_table"], 3),
                f"x ({measured['period_access']})",
            ),
        ]
    if built is not None:
        goal = " (target < 300 s)" if zones >= 50_000 and measured["postgis"] else ""
        rows.append((f"{label}: make_synthetic_map --zones {zones}{goal}", round(built, 1), "s"))
    return rows


def run() -> list[tuple[str, float, str]]:
    (ROOT / "var").mkdir(exist_ok=True)
    results: list[tuple[str, float, str]] = []
    failed = []
    for zones in ZONE_COUNTS:
        for backend in BACKENDS:
            label = f"{'PostGIS' if backend == 'postgis' else 'SpatiaLite'} {zones // 1000}k"
            url = database_url(backend, zones)
            try:  # one backend failing must not hide the other's figures
                if backend == "postgis":
                    _ensure_postgres_database(url)
                how, built = _ensure_map(url, zones)
                print(f"   {label}: {zones}-zone map {how}", flush=True)
                rows = _figures(label, _child_process(url, "measure", zones), built, zones)
            except Exception as exc:
                print(f"   {label} FAILED: {type(exc).__name__}: {exc}", flush=True)
                failed.append(label)
                continue
            results += rows
    if failed:
        for figure, value, unit in results:  # the runner prints these only when every backend worked
            print(f"   {figure:<64} {value:>14,} {unit}", flush=True)
        raise RuntimeError(f"bench_scale failed on {', '.join(failed)}")
    return results


# --- the child: one database ----------------------------------------------------------------------------


def _median_ms(call, repeat: int = 1) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def _cpu_ms(stat: str) -> float:
    """User + system CPU in ms from a /proc/<pid>/stat line (fields 14 and 15)."""
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def _psql_ms(url: str, statements: list[str]) -> tuple[list[float], float, float]:
    """Each statement's time in psql (\\timing), its output thrown away; and the CPU ms the statements took in the
    server's backend and in psql itself (from /proc, read by psql's shell escape before and after them). The first
    statement runs once untimed before them: a new backend loads PostGIS and fills its catalogue caches on its first
    geometry query (10-20 ms), which the view's long-lived connection paid long ago."""
    if not shutil.which("psql"):
        raise RuntimeError("psql is not installed (Debian: postgresql-client)")
    with tempfile.TemporaryDirectory() as folder:
        before, after, script = (Path(folder) / name for name in ("before", "after", "script.sql"))
        cpu = "\\! cat /proc/$BENCH_BACKEND/stat /proc/$PPID/stat > {}\n"  # $PPID: psql, the shell's parent
        script.write_text(
            "\\timing on\nSELECT pg_backend_pid() AS backend \\gset\n\\setenv BENCH_BACKEND :backend\n"
            + f"{statements[0].strip()};\n"
            + cpu.format(before)
            + "".join(f"{statement.strip()};\n" for statement in statements)
            + cpu.format(after)
        )
        output = subprocess.run(
            ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-o", "/dev/null", "-f", str(script),
             url.replace("postgis://", "postgresql://", 1)],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        (backend_0, client_0), (backend_1, client_1) = (
            [_cpu_ms(line) for line in path.read_text().splitlines()] for path in (before, after)
        )
    times = [float(ms.replace(",", "")) for ms in re.findall(r"^Time: ([\d.,]+) ms", output, re.M)][2:]
    if len(times) != len(statements):
        raise RuntimeError(f"psql printed {len(times)} timings for {len(statements)} statements: {output[-500:]}")
    return times, backend_1 - backend_0, client_1 - client_0


def _bare_sqlite(path: str, sql: str):
    """A call running the statement on a plain sqlite3 connection with mod_spatialite loaded (SQLite's own cost,
    no Django), given its parameters."""
    import sqlite3

    connection = sqlite3.connect(path)
    connection.enable_load_extension(True)
    connection.load_extension("mod_spatialite")
    named = re.sub(r"%\((\w+)\)s", r":\1", sql)

    def run(params: dict) -> None:
        bound = {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in params.items()}
        connection.execute(named, bound).fetchone()

    return run


def _periods_read(plan: dict, table: str) -> tuple[int, str]:
    """Rows the plan's scans of `table` returned or read and dropped, and how they reached it."""
    total, access = 0, set()
    stack = [plan]
    while stack:
        node = stack.pop()
        if node.get("Relation Name") == table:
            loops = node.get("Actual Loops", 1)
            total += loops * (
                node.get("Actual Rows", 0)
                + node.get("Rows Removed by Filter", 0)
                + node.get("Rows Removed by Index Recheck", 0)
            )
            access.add(f"{node['Node Type']}{' ' + node['Index Name'] if 'Index Name' in node else ''}")
        stack.extend(node.get("Plans", []))
    return total, ", ".join(sorted(access))


def _child(what: str, zones: int) -> dict:
    import datetime as dt

    import django

    django.setup()
    from django.conf import settings
    from django.core import serializers
    from django.db import connection
    from django.test import RequestFactory

    from gazetteer.models import Place
    from mapapp import api, selectors
    from mapapp.models import ControlPeriod, Map

    map_ = Map.objects.filter(slug=SLUG).first()
    if what == "probe":
        return {"zones": map_.places.count() if map_ else 0}
    span = (map_.end - map_.start).days
    dates = [map_.start + dt.timedelta(days=int(span * (i + 0.5) / DATES)) for i in range(DATES)]
    factory = RequestFactory()
    postgis = connection.vendor == "postgresql"

    def ours(day):
        response = api.zones(factory.get(f"/api/v1/maps/{SLUG}/zones", {"date": day.isoformat()}), slug=SLUG)
        assert response.status_code == 200, response.content[:500]
        return response

    size = len(ours(dates[0]).content)  # and warms the connection and the database's caches
    measured: dict = {
        "postgis": postgis,
        "zones": map_.places.count(),
        "periods": ControlPeriod.objects.filter(place__maps=map_).count(),
        "bytes": size,
    }
    repeat = 3 if zones <= 10_000 else 1
    sql_params = [selectors.zones_features_sql(map=map_, on=day, vendor=connection.vendor) for day in dates]
    # Ours and the anchor take turns, date by date, so that a burst of load on the shared machine falls on both.
    # CPU: ours is this process (the view and the driver) plus its PostgreSQL backend; psql's is psql plus its
    # backend; on SpatiaLite both run inside this process.
    ours_times, sql_times = [], []
    cpu = {"ours_client": 0.0, "ours_server": 0.0, "sql_client": 0.0, "sql_server": 0.0}
    if postgis:
        url = settings.DATABASES["default"]
        dsn = f"postgresql://{url['USER']}:{url['PASSWORD']}@{url['HOST']}:{url['PORT'] or 5432}/{url['NAME']}"
        statements = [connection.ops.compose_sql(sql, params) for sql, params in sql_params]
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = Path(f"/proc/{cursor.fetchone()[0]}/stat")
        for _round in range(repeat):
            for day, statement in zip(dates, statements, strict=True):
                client, server = time.process_time(), _cpu_ms(backend.read_text())
                ours_times.append(_median_ms(lambda d=day: ours(d)))
                cpu["ours_client"] += (time.process_time() - client) * 1000
                cpu["ours_server"] += _cpu_ms(backend.read_text()) - server
                (took,), server_ms, client_ms = _psql_ms(dsn, [statement])
                sql_times.append(took)
                cpu["sql_server"] += server_ms
                cpu["sql_client"] += client_ms
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {statements[0]}")
            plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        measured["periods_read"], measured["period_access"] = _periods_read(plan[0]["Plan"], "mapapp_controlperiod")
        measured["periods_in_table"] = ControlPeriod.objects.count()
    else:
        bare = _bare_sqlite(str(settings.DATABASES["default"]["NAME"]), sql_params[0][0])
        bare(sql_params[0][1])
        for _round in range(repeat):
            for day, (_sql, params) in zip(dates, sql_params, strict=True):
                client = time.process_time()
                ours_times.append(_median_ms(lambda d=day: ours(d)))
                cpu["ours_client"] += (time.process_time() - client) * 1000
                client = time.process_time()
                sql_times.append(_median_ms(lambda p=params: bare(p)))
                cpu["sql_client"] += (time.process_time() - client) * 1000
    measured["ours"] = round(statistics.median(ours_times), 1)
    measured["sql"] = round(statistics.median(sql_times), 1)
    measured["cpu"] = {key: round(total / len(ours_times), 1) for key, total in cpu.items()}
    zones_qs = Place.objects.filter(maps=map_).order_by("slug")
    fields = ("slug", "name_en", "name_ar", "kind", "footprint_approximate", "area_km2")

    def serialize():
        serializers.serialize("geojson", zones_qs, geometry_field="footprint", fields=fields)

    measured["serializer"] = round(_median_ms(serialize, 3 if zones <= 10_000 else 1), 1)
    return measured


if __name__ == "__main__":
    print(json.dumps(_child(sys.argv[1], int(sys.argv[2]))))
