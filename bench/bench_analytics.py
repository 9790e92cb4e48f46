"""Fronts, sieges and the area series on a country-sized map, on PostGIS and on SpatiaLite, each beside a plain
SQL query that gets the same answer the obvious way (ST_Union of the zones per actor), as a ratio.

The map is `make_synthetic_map --zones 5000` (Voronoi zones of real Syrian localities, four years of invented
history, sieges found by pocket detection). It is built once per database and kept: PostGIS in its own
database (BENCH_POSTGIS_URL, default postgis://frontline:frontline@127.0.0.1:5432/frontline_bench, created if
missing; PostgreSQL is started with scripts/setup.sh --postgis when it does not answer), SpatiaLite in
var/bench-analytics.sqlite3. Delete them (or set BENCH_REBUILD=1) to build again.

Each figure is measured in a child process with that database (Django settings are per process), through the
real views with Django's test client (no network): fronts and sieges on 12 dates spread over the four years
(median and slowest), and the monthly area series over the whole record (median of 5). The plain SQL:

- fronts: per actor, ST_Union of the footprints of the zones it holds that day; then, for each pair of actors
  whose unions meet, the geodesic length of the intersection of their boundaries;
- sieges: per siege in effect, ST_Union of the zones it besieges that day;
- area series: for every month, per actor, the geodesic area of ST_Union of the zones it holds.

Targets (issue #6), on PostGIS: fronts and sieges under 200 ms, the four-year monthly series under 2 s.

Fronts and pockets at a date from the stored front segments and pocket pieces (issue #15; mapapp.services.fronts),
called directly (no view, so no kept answer), 3 times on each of the 12 dates (median and p95), beside the
per-request computation they replace (front_edges over the periods in effect on each side; pockets_at with the
zone graph and the union of footprints on the spot) and, for fronts, the per-actor ST_Union above, as ratios.
Targets on PostGIS: fronts < 20 ms at 5k zones (< 50 ms at 50k) and >= 20x faster than the union; pockets p95
< 50 ms at 5k (< 200 ms at 50k). Beside their times, the CPU each answer took (mean): this process's and, on
PostGIS, its backend's (from /proc), which a busy shared machine does not inflate as it does wall times. The zone
count is BENCH_SYNTHETIC_ZONES (default 5000). BENCH_ANALYTICS_BACKENDS ("postgis,spatialite") picks the databases.
Also, with no target: the editor's write path on the big map (record a draft change of 20 zones through the
write API, publish it), rolled back so the map stays as built.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ZONES = int(os.environ.get("BENCH_SYNTHETIC_ZONES", "5000"))
SLUG = "syria-synthetic"
POSTGIS_URL = os.environ.get("BENCH_POSTGIS_URL", "postgis://frontline:frontline@127.0.0.1:5432/frontline_bench")
SPATIALITE_URL = f"spatialite:///{ROOT / 'var' / 'bench-analytics.sqlite3'}"
DATES = 12
WRITE_ZONES = 20


# --- the parent: databases, data, and the table ---------------------------------------------------------


def _manage(url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)}: {result.stderr.strip()[-2000:]}")
    return result


def _ensure_postgis() -> None:
    import psycopg

    url = POSTGIS_URL.replace("postgis://", "postgresql://", 1)
    base, name = url.rsplit("/", 1)
    try:
        psycopg.connect(f"{base}/postgres", connect_timeout=3).close()
    except psycopg.OperationalError:
        subprocess.run([str(ROOT / "scripts" / "setup.sh"), "--postgis"], cwd=ROOT, check=True)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def _ensure_map(url: str) -> str:
    """Migrate, and build the synthetic map unless it is already there with the right number of zones (a map
    built before the stored fronts and pockets existed gets them derived)."""
    _manage(url, "migrate", "--noinput", "-v", "0")
    probe = _measure_process(url, "probe")
    if probe.get("zones") != ZONES or os.environ.get("BENCH_REBUILD"):
        began = time.perf_counter()
        _manage(url, "make_synthetic_map", "--zones", str(ZONES), "--slug", SLUG, "--replace")
        return f"built in {time.perf_counter() - began:.0f} s"
    if not probe.get("derived"):
        began = time.perf_counter()
        _manage(url, "rebuild_control_periods")
        return f"reused, fronts and pockets derived in {time.perf_counter() - began:.0f} s"
    return "reused"


def _measure_process(url: str, what: str) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "mapapp.settings"}
    result = subprocess.run(
        [PYTHON, "-m", "bench.bench_analytics", what], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"measuring on {url.split(':')[0]}: {result.stderr.strip()[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _figures(label: str, target: dict[str, float], measured: dict) -> list[tuple[str, float, str]]:
    rows: list[tuple[str, float, str]] = [
        (f"{label}: zones", measured["zones"], "zones"),
        (f"{label}: shared edges", measured["edges"], "edges"),
        (f"{label}: control periods", measured["periods"], "periods"),
        (f"{label}: sieges recorded", measured["siege_count"], "sieges"),
    ]
    for key, title in (("fronts", "fronts on a date"), ("sieges", "sieges on a date")):
        ours, sql = measured[key], measured[f"{key}_sql"]
        goal = f" (target < {target[key]:.0f} ms)" if key in target else ""
        rows += [
            (f"{label}: {title}, median of {DATES} dates{goal}", ours["median"], "ms"),
            (f"{label}: {title}, slowest", ours["max"], "ms"),
            (
                f"{label}: {key}, plain SQL ST_Union per {'actor' if key == 'fronts' else 'siege'}, median",
                sql["median"],
                "ms",
            ),
            (f"{label}: {key}, ours / plain SQL", round(ours["median"] / sql["median"], 3), "x"),
        ]
    for key, title in (("fronts", "fronts"), ("pockets", "pockets")):
        stored, periods = measured[f"{key}_stored"], measured[f"{key}_periods"]
        goal = f" (target < {target[key + '_stored']:.0f} ms)" if key + "_stored" in target else ""
        rows += [
            (f"{label}: {title} at a date, stored rows, median{goal}", stored["median"], "ms"),
            (f"{label}: {title} at a date, stored rows, p95", stored["p95"], "ms"),
            (
                f"{label}: {title} at a date, stored rows, CPU per answer, mean",
                round(sum(stored["cpu"]), 1),
                f"ms ({stored['cpu'][0]} process + {stored['cpu'][1]} backend)" if label == "PostGIS" else "ms",
            ),
            (f"{label}: {title} at a date, computed per request (before), median", periods["median"], "ms"),
            (f"{label}: {title}, before / stored", round(periods["median"] / stored["median"], 2), "x"),
        ]
    rows.append(
        (
            f"{label}: fronts, ST_Union per actor / stored (target >= 20)",
            round(measured["fronts_sql"]["median"] / measured["fronts_stored"]["median"], 2),
            "x",
        )
    )
    rows.append((f"{label}: derive the map's fronts and pockets from scratch (no target)", measured["derive"], "ms"))
    ours, sql = measured["series"], measured["series_sql"]
    goal = f" (target < {target['series']:.0f} ms)" if "series" in target else ""
    rows += [
        (f"{label}: area series, {measured['months']} months{goal}", ours["median"], "ms"),
        (f"{label}: area series, plain SQL ST_Union per actor per month", sql["median"], "ms"),
        (f"{label}: area series, ours / plain SQL", round(ours["median"] / sql["median"], 4), "x"),
        (f"{label}: pockets on a date (no target), median", measured["pockets"]["median"], "ms"),
        (
            f"{label}: write API, draft change of {WRITE_ZONES} zones (no target), median",
            measured["draft"]["median"],
            "ms",
        ),
        (f"{label}: write API, publish it: periods derived (no target), median", measured["publish"]["median"], "ms"),
    ]
    return rows


def run() -> list[tuple[str, float, str]]:
    results: list[tuple[str, float, str]] = []
    failed = []
    backends = [part.strip() for part in os.environ.get("BENCH_ANALYTICS_BACKENDS", "postgis,spatialite").split(",")]
    for label, url, target in (
        (
            "PostGIS",
            POSTGIS_URL,
            {
                "fronts": 200,
                "sieges": 200,
                "series": 2000,
                "fronts_stored": 20 if ZONES <= 5000 else 50,
                "pockets_stored": 50 if ZONES <= 5000 else 200,
            },
        ),
        ("SpatiaLite", SPATIALITE_URL, {}),
    ):
        if label.lower() not in backends:
            continue
        try:  # one backend failing must not hide the other's figures
            if url == POSTGIS_URL:
                _ensure_postgis()
            how = _ensure_map(url)
            print(f"   {label}: {ZONES}-zone map {how}", flush=True)
            results += _figures(label, target, _measure_process(url, "measure"))
        except Exception as exc:
            print(f"   {label} FAILED: {type(exc).__name__}: {exc}", flush=True)
            failed.append(label)
    for figure, value, unit in results:  # the runner prints these only when every backend worked
        if failed:
            print(f"   {figure:<64} {value:>14,} {unit}", flush=True)
    if failed:
        raise RuntimeError(f"bench_analytics failed on {', '.join(failed)}")
    return results


# --- the child: one database, measured through the views ------------------------------------------------


def _timed(call, repeat: int = 1) -> list[float]:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return times


def _proc_cpu_ms(pid: int) -> float:
    """User + system CPU in ms of process `pid` so far (/proc/<pid>/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def cpu_clock(connection):
    """A function giving (this process's CPU ms, its PostgreSQL backend's CPU ms; 0 on SQLite) so far."""
    backend = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]

    def now() -> tuple[float, float]:
        return time.process_time() * 1000, _proc_cpu_ms(backend) if backend else 0.0

    return now


def _summary(times: list[float]) -> dict:
    ranked = sorted(times)
    p95 = ranked[min(len(ranked) - 1, round(0.95 * (len(ranked) - 1)))]
    return {"median": round(statistics.median(times), 1), "max": round(max(times), 1), "p95": round(p95, 1)}


def _sql(postgis: bool) -> dict[str, str]:
    from gazetteer.models import Place
    from mapapp.models import ControlPeriod, Map, Siege, SiegePlace

    tables = {
        "period": ControlPeriod._meta.db_table,
        "place": Place._meta.db_table,
        "zones": Map.places.through._meta.db_table,
        "siege": Siege._meta.db_table,
        "siege_place": SiegePlace._meta.db_table,
        "as_geojson": "ST_AsGeoJSON" if postgis else "AsGeoJSON",
    }
    length = "ST_Length({}::geography)" if postgis else "ST_Length({}, 1)"
    area = "ST_Area({}::geography)" if postgis else "ST_Area({}, 1)"
    held = """
        SELECT period.actor_id AS actor_id, ST_Union(place.footprint) AS geom
        FROM {period} period
        JOIN {place} place ON place.id = period.place_id
        JOIN {zones} zones ON zones.place_id = place.id AND zones.map_id = %(map)s
        WHERE period.valid_from <= %(on)s AND (period.valid_to IS NULL OR period.valid_to > %(on)s)
        GROUP BY period.actor_id
    """
    fronts = (
        "WITH held AS (" + held + ") "
        "SELECT a.actor_id, b.actor_id, "
        + length.format("ST_Intersection(ST_Boundary(a.geom), ST_Boundary(b.geom))")
        + " FROM held a JOIN held b ON a.actor_id < b.actor_id WHERE ST_Intersects(a.geom, b.geom)"
    )
    sieges = """
        SELECT siege.id, {as_geojson}(ST_Union(place.footprint))
        FROM {siege} siege
        JOIN {siege_place} sp ON sp.siege_id = siege.id AND (sp.until IS NULL OR sp.until > %(on)s)
        JOIN {place} place ON place.id = sp.place_id
        JOIN {zones} zones ON zones.place_id = place.id AND zones.map_id = %(map)s
        JOIN {period} period ON period.place_id = place.id AND period.actor_id = siege.besieged_actor_id
            AND period.valid_from <= %(on)s AND (period.valid_to IS NULL OR period.valid_to > %(on)s)
        WHERE siege.review_state = 'published'
            AND siege.start <= %(on)s AND (siege."end" IS NULL OR siege."end" > %(on)s)
        GROUP BY siege.id
    """
    series = "SELECT held.actor_id, " + area.format("held.geom") + " FROM (" + held + ") held"
    return {"fronts": fronts.format(**tables), "sieges": sieges.format(**tables), "series": series.format(**tables)}


def _child(what: str) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    # The views' figures are answers computed, not answers kept by an earlier run or an earlier request of this one
    # (mapapp/answers.py): read from var/cache/answers, a rerun measured the fronts view at 4.6 ms.
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != "mapapp.answers.KeptAnswersMiddleware"]

    from mapapp import analytics
    from mapapp.models import Actor, ControlPeriod, FrontSegment, Map, Siege, ZoneEdge

    map_ = Map.objects.filter(slug=SLUG).first()
    if what == "probe":
        derived = map_ is not None and FrontSegment.objects.filter(map=map_).exists()
        return {"zones": map_.places.count() if map_ else 0, "derived": derived}
    client = Client()
    span = (map_.end - map_.start).days
    dates = [map_.start + dt.timedelta(days=int(span * (i + 0.5) / DATES)) for i in range(DATES)]
    postgis = connection.vendor == "postgresql"
    queries = _sql(postgis)

    def get(url):
        response = client.get(url)
        assert response.status_code == 200, response.content[:500]
        return response

    def plain(name, **params):
        with connection.cursor() as cursor:
            cursor.execute(queries[name], {"map": map_.pk, **params})
            return cursor.fetchall()

    base = f"/api/v1/maps/{SLUG}"
    get(f"{base}/fronts?date={dates[0]}")  # warm the connection and the caches of the database
    measured = {
        "zones": map_.places.count(),
        "edges": ZoneEdge.objects.filter(map=map_).count(),
        "periods": ControlPeriod.objects.filter(place__maps=map_).count(),
        "siege_count": Siege.objects.filter(siege_places__place__maps=map_).distinct().count(),
        "months": analytics.count_steps(map_.start, map_.end, "month"),
    }
    for key in ("fronts", "sieges", "pockets"):
        times = [t for day in dates for t in _timed(lambda day=day, key=key: get(f"{base}/{key}?date={day}"))]
        measured[key] = _summary(times)
    for key in ("fronts", "sieges"):
        plain(key, on=dates[0])
        times = [t for day in dates for t in _timed(lambda day=day, key=key: plain(key, on=day))]
        measured[f"{key}_sql"] = _summary(times)
    measured.update(_stored(map_, dates))
    url = f"{base}/stats/area?from={map_.start}&to={map_.end}&step=month"
    measured["series"] = _summary(_timed(lambda: get(url), repeat=5))
    months = analytics.step_dates(map_.start, map_.end, "month")
    measured["series_sql"] = _summary(_timed(lambda: [plain("series", on=day) for day in months], repeat=1))
    measured.update(_writes(client, map_, dates[:6]))
    # The answers agree: the plain SQL's areas against the series' (same zones, same ellipsoid).
    series = get(url).json()["series"]
    slugs = dict(Actor.objects.values_list("pk", "slug"))
    for point, day in list(zip(series, months, strict=True))[:: max(1, len(months) // 4)]:
        for actor_id, area_m2 in plain("series", on=day):
            assert abs(point[slugs[actor_id]] - area_m2 / 1e6) < 1e-3 * max(1.0, area_m2 / 1e6), (day, actor_id)
    return measured


def _stored(map_, dates) -> dict:
    """Fronts and pockets at a date from the stored rows and computed per request (the functions, no view), and
    deriving the map's rows from scratch (rolled back). The two answers are checked to be the same bytes."""
    from django.db import connection, transaction

    from mapapp import analytics, frontlines, services

    clock = cpu_clock(connection)
    measured = {}
    for key, function in (("fronts", frontlines.fronts_geojson), ("pockets", analytics.pockets_geojson)):
        for stored in (True, False):
            function(map=map_, on=dates[0], stored=stored)  # warm
            began = clock()
            times = [
                t
                for day in dates
                for t in _timed(lambda day=day, f=function, s=stored: f(map=map_, on=day, stored=s), repeat=3)
            ]
            name = f"{key}_{'stored' if stored else 'periods'}"
            measured[name] = _summary(times)
            ended = clock()
            measured[name]["cpu"] = [round((ended[i] - began[i]) / len(times), 1) for i in (0, 1)]
        for day in dates[::4]:
            assert function(map=map_, on=day, stored=True) == function(map=map_, on=day, stored=False), (key, day)
    with transaction.atomic():
        measured["derive"] = round(_timed(lambda: services.map_derived_rebuild(map=map_))[0])
        transaction.set_rollback(True)
    return measured


def _writes(client, map_, dates) -> dict:
    """An editor's path on the big map through the write API (token auth): record a draft change of
    WRITE_ZONES zones, then publish it (the derived periods of those zones are rebuilt in its transaction). All
    inside one transaction rolled back at the end, so the benchmark map stays as it was."""
    import orjson
    from django.contrib.auth.models import Group, User
    from django.db import transaction
    from django.db.models import Q

    from mapapp import services
    from mapapp.models import ControlPeriod

    places = list(map_.places.order_by("pk").values_list("pk", "slug")[:WRITE_ZONES])
    actors = list(map_.actors.order_by("pk").values_list("pk", "slug"))
    draft, publish = [], []
    with transaction.atomic():
        user = User.objects.create(username="bench-reviewer", is_staff=True)
        user.groups.add(*Group.objects.filter(name__in=["Editors", "Reviewers"]))
        _token, key = services.api_token_create(user=user, name="bench")
        headers = {"Authorization": f"Token {key}"}
        for day in dates:
            held = set(
                ControlPeriod.objects.filter(place_id=places[0][0], valid_from__lte=day)
                .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
                .values_list("actor_id", flat=True)
            )
            payload = {
                "date": day.isoformat(),
                "places": [slug for _pk, slug in places],
                "actor": next(slug for pk, slug in actors if pk not in held),
                "status": "held",
                "confidence": "medium",
                "sources": [{"url": f"https://example.org/bench/{day}", "title": "Bench", "publisher": "Bench"}],
            }
            began = time.perf_counter()
            response = client.post(
                f"/api/v1/maps/{SLUG}/changes", orjson.dumps(payload), content_type="application/json", headers=headers
            )
            draft.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 201, response.content[:500]
            began = time.perf_counter()
            response = client.post(f"/api/v1/changes/{response.json()['id']}/publish", headers=headers)
            publish.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, response.content[:500]
        transaction.set_rollback(True)
    return {"draft": _summary(draft), "publish": _summary(publish)}


if __name__ == "__main__":
    print(json.dumps(_child(sys.argv[1])))
