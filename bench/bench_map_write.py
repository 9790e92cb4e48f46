"""Maps of thousands of zones through the write API and the map admin (issue 12), at the sizes the suite leaves to
the bench: tests/mapapp/test_map_api.py checks the same requests on 576 zones, tests/mapapp/test_map_admin.py the
same admin pages on 600.

The write API on a SIDE x SIDE grid of 0.01-degree squares (3,600 zones): POST /api/v1/maps with every zone, a
change of every zone and one of half of them, POST /api/v1/changes/publish of both, the zones on a date, and a PUT
of 2,000 zones. The map admin on COLUMNS x ROWS squares (5,000 zones): the map created by drawing its area, its
change page, an edit of its title. Each figure is one request through the real views with Django's test client
(no network), in a child process with a throwaway SpatiaLite file (settings are per process); every answer is
checked, so a figure is never the time of a refusal.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SIDE = 60  # 3,600 zones through the API
COLUMNS, ROWS = 100, 50  # 5,000 zones in the admin


def _ring(x: float, y: float, width: float, height: float) -> list[list[float]]:
    # Rounded so that neighbouring cells share their vertices exactly.
    x1, y1 = round(x + width, 6), round(y + height, 6)
    return [[x, y], [x1, y], [x1, y1], [x, y1], [x, y]]


def _cells(prefix: str, columns: int, rows: int, west: float) -> list[str]:
    import shapely

    from gazetteer.services import places_bulk_create
    from mapapp.lib import geo

    places_bulk_create(
        places=[
            {
                "slug": f"{prefix}-{i:03d}-{j:03d}",
                "name_en": f"Cell {i} {j}",
                "kind": "area",
                "footprint": geo.geos_multipolygon(
                    shapely.Polygon(_ring(round(west + i / 100, 6), round(35.0 + j / 100, 6), 0.01, 0.01))
                ),
                "footprint_approximate": False,
            }
            for i in range(columns)
            for j in range(rows)
        ]
    )
    return [f"{prefix}-{i:03d}-{j:03d}" for i in range(columns) for j in range(rows)]


def _timed(figures: dict, name: str, request, expect: int):
    began = time.perf_counter()
    response = request()
    figures[name] = (time.perf_counter() - began) * 1000
    assert response.status_code == expect, (name, response.status_code, response.content[:300])
    return response


def _child() -> dict:
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.test import Client

    from mapapp.models import Actor, Map

    call_command("migrate", verbosity=0)
    reviewer = User.objects.create(username="rafiq", is_staff=True, is_superuser=True)
    reviewer.groups.add(Group.objects.get(name="Reviewers"))
    client = Client()
    client.force_login(reviewer)

    def send(method: str, url: str, payload):
        return lambda: getattr(client, method)(url, data=json.dumps(payload), content_type="application/json")

    figures: dict = {}
    grid = _cells("cell", SIDE, SIDE, 36.0)
    actors = [{"slug": "army", "name": "Army", "color": "#aa0000"}, {"slug": "rebels", "name": "Rebels",
                                                                    "color": "#00aa00"}]  # fmt: skip
    area = {"type": "Polygon", "coordinates": [_ring(36.0, 35.0, SIDE / 100, SIDE / 100)]}
    body = {"slug": "front", "title": "The front", "start": "2020-01-01", "end": "2020-12-31", "actors": actors,
            "area": area, "zones": grid}  # fmt: skip
    _timed(figures, "create", send("post", "/api/v1/maps", body), 201)
    assert Map.objects.get(slug="front").places.count() == SIDE * SIDE
    source = {"title": "Monitor snapshot", "url": "https://example.org/snapshot"}
    change = {"date": "2020-02-01", "places": grid, "actor": "army", "sources": [source]}
    first = _timed(figures, "change_all", send("post", "/api/v1/maps/front/changes", change), 201)
    assert len(first.json()["places"]) == SIDE * SIDE
    change = {**change, "date": "2020-03-01", "places": grid[: SIDE * SIDE // 2], "actor": "rebels"}
    second = _timed(figures, "change_half", send("post", "/api/v1/maps/front/changes", change), 201)
    ids = [first.json()["id"], second.json()["id"]]
    _timed(figures, "publish", send("post", "/api/v1/changes/publish", {"ids": ids}), 200)
    zones = _timed(figures, "zones", lambda: Client().get("/api/v1/maps/front/zones?date=2020-03-01"), 200)
    holders = [feature["properties"]["actor"] for feature in zones.json()["features"]]
    assert holders.count("army") == holders.count("rebels") == SIDE * SIDE // 2
    _timed(figures, "put", send("put", "/api/v1/maps/front/zones", {"zones": grid[:2000]}), 200)
    assert Map.objects.get(slug="front").places.count() == 2000

    # The admin: zones by drawing the area over COLUMNS x ROWS squares east of the API's grid.
    _cells("block", COLUMNS, ROWS, 37.0)
    actor = Actor.objects.get(slug="army")
    outline = {"type": "MultiPolygon", "coordinates": [[_ring(37.0, 35.0, COLUMNS / 100, ROWS / 100)]]}
    form = {"slug": "grid", "title_en": "The grid", "title_ar": "الشبكة", "description_en": "", "description_ar": "",
            "start": "2020-01-01", "end": "2020-12-31", "default_date": "2020-06-30", "is_public": "on", "credit": "",
            "frame_ancestors": "", "area": json.dumps(outline), "zones_from": "within", "zones_kind": "area",
            "actors": [actor.pk]}  # fmt: skip
    _timed(figures, "admin_create", lambda: client.post("/admin/mapapp/map/add/", form), 302)
    map_ = Map.objects.get(slug="grid")
    zones_in_admin = map_.places.count()
    assert zones_in_admin == COLUMNS * ROWS
    url = f"/admin/mapapp/map/{map_.pk}/change/"
    page = _timed(figures, "admin_page", lambda: client.get(url), 200)
    assert f"the map has {zones_in_admin} zones" in page.content.decode()
    edit = {**form, "title_en": "The grid, renamed", "zones_from": "keep", "area": ""}
    _timed(figures, "admin_edit", lambda: client.post(url, edit), 302)
    assert Map.objects.get(pk=map_.pk).places.count() == zones_in_admin
    figures["admin_zones"] = zones_in_admin
    return figures


def run() -> list[tuple[str, float, str]]:
    folder = tempfile.mkdtemp(prefix="bench-map-write-")
    try:
        env = {**os.environ, "DATABASE_URL": f"spatialite:///{folder}/maps.sqlite3", "PYTHONPATH": str(ROOT)}
        env.setdefault("DJANGO_SETTINGS_MODULE", "mapapp.settings")
        env.setdefault("SECRET_KEY", "bench")
        result = subprocess.run(
            [PYTHON, "-m", "bench.bench_map_write", "--child"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if result.returncode != 0:
            raise RuntimeError(result.stderr.strip()[-2000:])
        figures = json.loads(result.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    zones = f"{SIDE * SIDE:,} zones"
    return [
        (f"API: POST /api/v1/maps with {zones}", figures["create"], "ms"),
        (f"API: a change of all {zones}", figures["change_all"], "ms"),
        (f"API: a change of {SIDE * SIDE // 2:,} of them", figures["change_half"], "ms"),
        ("API: publish both changes in one request", figures["publish"], "ms"),
        (f"API: GET zones on a date ({zones})", figures["zones"], "ms"),
        ("API: PUT 2,000 zones", figures["put"], "ms"),
        (f"admin: create a map of {figures['admin_zones']:,} zones by drawing its area", figures["admin_create"], "ms"),
        ("admin: its change page", figures["admin_page"], "ms"),
        ("admin: rename it, keeping its zones", figures["admin_edit"], "ms"),
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(_child()))
    else:
        for figure in run():
            print(figure)
