"""The cluster test (`make cluster-test` runs it through scripts/cluster.sh, against the cluster it starts).

1. A change published through app server 1 is read through app server 2 at once: at the data version the
   publish answered, app server 2 answers with the change even when its replica has not replayed it yet (the
   router reads the primary then); without `?v=` the replica catches up (the lag is printed).
2. A bounded read load through nginx (at least 2,000 requests from 16 clients, loopback only) has no error
   while app server 2 is stopped and started again.
3. Public reads reach the replica: its pg_stat_database counts the transactions of the load's requests that
   reached an app server (nginx's one-second micro-cache answers the rest, deploy/cluster-nginx.conf).
4. nginx answers a repeated `?v=` read itself, never a read with a session or a token; after a publish the new
   version is read through it at once, and the old version is redirected a second later.
Prints the load's throughput and p50/p95 latency. Exits non-zero on any failure.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SLUG = "deir-ez-zor"
CLIENTS = 16
MIN_REQUESTS = 2000
MAX_REQUESTS = 20000


def fail(message: str) -> None:
    print(f"cluster-test: FAILED: {message}", flush=True)
    sys.exit(1)


def request(base: str, path: str, *, method="GET", body=None, headers=None) -> tuple[int, dict, bytes]:
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        sent = {"Accept-Encoding": "identity", **(headers or {})}
        if payload is not None:
            sent["Content-Type"] = "application/json"
        connection.request(method, path, body=payload, headers=sent)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def get_json(base: str, path: str) -> dict:
    status, _headers, content = request(base, path)
    if status != 200:
        fail(f"GET {base}{path}: {status} {content[:300]!r}")
    return json.loads(content)


def reviewer_token() -> str:
    """A reviewer and a write-API token for it, made on the primary through the services."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mapapp.settings")
    import django

    django.setup()
    from django.contrib.auth.models import Group, User

    from mapapp import services

    user, _created = User.objects.get_or_create(username="cluster-reviewer", defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name="Reviewers"))
    _token, key = services.api_token_create(user=user, name="cluster test")
    return key


def replica_transactions(port: int) -> int:
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=port, user="frontline", password="frontline", dbname="postgres") as c:
        row = c.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = 'frontline_cluster'"
        ).fetchone()
        recovering = c.execute("SELECT pg_is_in_recovery()").fetchone()[0]
    if not recovering:
        fail(f"port {port} is not a standby")
    return int(row[0])


def publish_one(app1: str, app2: str, token: str) -> tuple[str, str, str, int, float]:
    """Record and publish through app server 1 a change of one zone's holder on the map's last day: (zone id, new
    holder, that day, the version the publish answered, when it was published)."""
    maps = {m["slug"]: m for m in get_json(app2, "/api/v1/maps/")["maps"]}
    end = maps[SLUG]["end"]
    zones = get_json(app2, f"/api/v1/maps/{SLUG}/zones?date={end}")["features"]
    actors = [a["slug"] for a in get_json(app2, f"/api/v1/maps/{SLUG}/history")["actors"]]
    zone = next(z for z in zones if z["properties"].get("actor"))
    holder = zone["properties"]["actor"]
    taker = next(a for a in actors if a != holder)
    auth = {"Authorization": f"Token {token}"}
    status, _h, content = request(
        app1,
        f"/api/v1/maps/{SLUG}/changes",
        method="POST",
        headers=auth,
        body={
            "date": end,
            "places": [zone["id"]],
            "actor": taker,
            "sources": [{"title": "Cluster test wire", "url": "https://example.org/cluster-test"}],
        },
    )
    if status not in (200, 201):
        fail(f"recording a change through app server 1: {status} {content[:300]!r}")
    change = json.loads(content)
    started = time.perf_counter()
    status, _h, content = request(app1, f"/api/v1/changes/{change['id']}/publish", method="POST", headers=auth)
    if status != 200:
        fail(f"publishing through app server 1: {status} {content[:300]!r}")
    version = {m["slug"]: m["version"] for m in json.loads(content)["maps"]}[SLUG]
    return zone["id"], taker, end, version, started


def publish_through_one_read_through_other(app1: str, app2: str, token: str) -> None:
    zone_id, taker, end, version, started = publish_one(app1, app2, token)
    # At once, through the other app server, at the version the publish answered.
    path = f"/api/v1/maps/{SLUG}/zones?date={end}&v={version}"
    status, _h, content = request(app2, path)
    if status != 200:
        fail(f"GET {app2}{path} right after the publish: {status} {content[:200]!r}")
    seen = {z["id"]: z["properties"].get("actor") for z in json.loads(content)["features"]}
    if seen[zone_id] != taker:
        fail(f"app server 2 still shows {zone_id} under {seen[zone_id]} at v={version}, not {taker}")
    print(
        f"cluster-test: published {zone_id} -> {taker} through :{app1.rsplit(':', 1)[1]}; read through "
        f":{app2.rsplit(':', 1)[1]} at v={version} at once ({(time.perf_counter() - started) * 1000:.0f} ms)"
    )
    # Without ?v= the answer comes from the replica: it catches up within its lag.
    for _ in range(200):
        listed = {m["slug"]: m for m in get_json(app2, "/api/v1/maps/")["maps"]}[SLUG]["version"]
        if listed >= version:
            break
        time.sleep(0.01)
    else:
        fail("the replica did not reach the published version within 2 s")
    print(f"cluster-test: the replica showed v={version} without ?v= after "
          f"{(time.perf_counter() - started) * 1000:.0f} ms")  # fmt: skip


def read_load(lb: str, restart) -> int:
    """At least MIN_REQUESTS GETs from CLIENTS threads (keep-alive), until `restart` has finished too."""
    maps = {m["slug"]: m for m in get_json(lb, "/api/v1/maps/")["maps"]}[SLUG]
    v, day = maps["version"], maps["default_date"]
    paths = [
        "/api/v1/maps/",
        f"/api/v1/maps/{SLUG}/geometry?v={v}",
        f"/api/v1/maps/{SLUG}/history?v={v}",
        f"/api/v1/maps/{SLUG}/zones?date={day}&v={v}",
        f"/api/v1/maps/{SLUG}/fronts?date={day}&v={v}",
        f"/api/v1/maps/{SLUG}/timeline?v={v}",
        f"/api/v1/maps/{SLUG}/zones?date={day}",
        "/api/v1/places?q=jora",
    ]
    url = urllib.parse.urlsplit(lb)
    lock = threading.Lock()
    count = 0
    latencies: list[float] = []
    errors: list[str] = []
    hits: list[bool] = []  # whether nginx's micro-cache answered (deploy/cluster-nginx.conf)
    restarted = threading.Event()

    def next_index() -> int | None:
        nonlocal count
        with lock:
            if count >= MAX_REQUESTS or (count >= MIN_REQUESTS and restarted.is_set()):
                return None
            count += 1
            return count

    def client(worker: int) -> None:
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        while (index := next_index()) is not None:
            path = paths[(index + worker) % len(paths)]
            began = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Accept-Encoding": "gzip, br"})
                response = connection.getresponse()
                response.read()
                status = response.status
                served_by_nginx = response.getheader("X-Cache") == "HIT"
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
                status = f"{type(error).__name__}: {error}"
                served_by_nginx = False
            took = time.perf_counter() - began
            with lock:
                latencies.append(took)
                hits.append(served_by_nginx)
                if status != 200:
                    errors.append(f"{path}: {status}")
        connection.close()

    def controller() -> None:
        while count < MIN_REQUESTS // 5:
            time.sleep(0.05)
        restart()
        restarted.set()

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS + 1) as pool:
        pool.submit(controller)
        for future in [pool.submit(client, worker) for worker in range(CLIENTS)]:
            future.result()
    elapsed = time.perf_counter() - started
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p95 = latencies[int(len(latencies) * 0.95) - 1] * 1000
    print(f"cluster-test: {len(latencies)} requests from {CLIENTS} clients through nginx in {elapsed:.1f} s: "
          f"{len(latencies) / elapsed:.0f} req/s, p50 {p50:.1f} ms, p95 {p95:.1f} ms, {len(errors)} errors "
          "(app server 2 stopped and started again meanwhile)")  # fmt: skip
    if errors:
        fail(f"{len(errors)} errors under load, e.g. {errors[:5]}")
    print(f"cluster-test: nginx's micro-cache answered {sum(hits)} of them; {hits.count(False)} reached an app server")
    return hits.count(False)


def cache_status(headers: dict) -> str | None:
    """nginx's X-Cache header (HIT, MISS, BYPASS, EXPIRED), whatever its case."""
    return {name.lower(): value for name, value in headers.items()}.get("x-cache")


def versioned_reads_through_nginx(lb: str, app1: str, token: str) -> None:
    """nginx answers a repeated ?v= read itself (X-Cache: HIT), and after a publish the new version is read
    through it at once, while the old version stops being served within the micro-cache's second."""
    maps = {m["slug"]: m for m in get_json(lb, "/api/v1/maps/")["maps"]}[SLUG]
    old = maps["version"]
    path = f"/api/v1/maps/{SLUG}/timeline?v={old}"
    for _ in range(5):  # the first fills nginx's cache; one of the next, within its second, is a hit
        status, headers, _b = request(lb, path)
        if cache_status(headers) == "HIT":
            break
    if status != 200 or cache_status(headers) != "HIT":
        fail(f"a repeated {path} through nginx: {status}, X-Cache {cache_status(headers)!r} (expected a HIT)")
    for header in ({"Cookie": "sessionid=x"}, {"Authorization": "Token x"}):
        _s, headers, _b = request(lb, path, headers=header)
        if cache_status(headers) == "HIT":
            fail(f"nginx answered a read with {list(header)[0]} from its cache")
    zone_id, taker, end, new, _started = publish_one(app1, app1, token)
    status, headers, body = request(lb, f"/api/v1/maps/{SLUG}/zones?date={end}&v={new}")
    if status != 200 or cache_status(headers) == "HIT":
        fail(f"the new version v={new} through nginx: {status}, X-Cache {cache_status(headers)!r}")
    seen = {z["id"]: z["properties"].get("actor") for z in json.loads(body)["features"]}
    if seen[zone_id] != taker:
        fail(f"through nginx at v={new}, {zone_id} is still under {seen[zone_id]}, not {taker}")
    # nginx keeps an answer one second counted in whole seconds of its clock: until the next second but one.
    waited = time.monotonic()
    time.sleep(2.05)
    status, headers, _b = request(lb, path)
    if status != 302:
        fail(
            f"the old version v={old} through nginx {time.monotonic() - waited:.1f} s after the publish: {status} "
            f"(X-Cache {cache_status(headers)!r}), not the redirect"
        )
    print(f"cluster-test: nginx answered a repeated ?v= read itself; after a publish v={new} was read through it "
          f"at once and v={old} redirected two seconds later")  # fmt: skip


def ab_rate(url: str, requests: int = 2000) -> float:
    """Requests per second by ApacheBench: keep-alive, CLIENTS at once, a browser's Accept-Encoding."""
    output = subprocess.run(
        ["ab", "-q", "-k", "-c", str(CLIENTS), "-n", str(requests), "-H", "Accept-Encoding: gzip, br", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    failed = int(re.search(r"Failed requests:\s+(\d+)", output).group(1))
    if failed or "Non-2xx" in output:
        fail(f"ab {url}: {failed} failed requests\n{output}")
    return float(re.search(r"Requests per second:\s+([\d.]+)", output).group(1))


def answer_versus_file(lb: str, files: Path) -> None:
    """A cached answer (?v=, immutable) through nginx and the app, next to nginx serving its bytes from a file."""
    version = {m["slug"]: m for m in get_json(lb, "/api/v1/maps/")["maps"]}[SLUG]["version"]
    path = f"/api/v1/maps/{SLUG}/geometry?v={version}"
    status, headers, body = request(lb, path, headers={"Accept-Encoding": "br"})
    if status != 200:
        fail(f"GET {path}: {status}")
    (files / "geometry.json").write_bytes(body)
    answer, file = ab_rate(lb + path), ab_rate(lb + "/__file/geometry.json")
    print(
        f"cluster-test: /geometry?v= through nginx and the app {answer:.0f} req/s; the same {len(body):,} bytes "
        f"from a file by nginx {file:.0f} req/s; ratio {answer / file:.3f} (issue 13's target: >= 0.25)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lb", required=True)
    parser.add_argument("--app", action="append", required=True)
    parser.add_argument("--replica-port", type=int, required=True)
    parser.add_argument("--primary-port", type=int, required=True)
    parser.add_argument("--files", required=True)
    args = parser.parse_args()
    app1, app2 = args.app

    publish_through_one_read_through_other(app1, app2, reviewer_token())

    def restart() -> None:
        began = time.perf_counter()
        subprocess.run([str(ROOT / "scripts/cluster.sh"), "app-stop", "2"], check=True)
        stopped = time.perf_counter()
        subprocess.run([str(ROOT / "scripts/cluster.sh"), "app-start", "2"], check=True)
        print(f"cluster-test: app server 2 stopped in {stopped - began:.1f} s, up again after "
              f"{time.perf_counter() - stopped:.1f} s")  # fmt: skip

    before = replica_transactions(args.replica_port)
    to_apps = read_load(args.lb, restart)
    time.sleep(1.5)  # backends report their statistics at most once a second
    reached = replica_transactions(args.replica_port) - before
    print(f"cluster-test: the replica counted {reached} transactions during the load")
    if reached < to_apps // 2:
        fail(f"public reads did not reach the replica ({reached} transactions there for {to_apps} requests that "
             "reached an app server)")  # fmt: skip
    versioned_reads_through_nginx(args.lb, app1, reviewer_token())
    answer_versus_file(args.lb, Path(args.files))
    print("cluster-test: passed")


if __name__ == "__main__":
    main()
