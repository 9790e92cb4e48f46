"""Fronts at a date against main's code, interleaved, on the synthetic map (not run by `python -m bench`).

    DATABASE_URL=postgis://.../fa_scale3_bench STEP=30 SECRET_KEY=x PYTHONPATH=. \
        .venv/bin/python manage.py shell -v 0 < bench/fronts_ab.py

Checks frontlines.fronts_geojson's bytes against main's fronts code (its Python, over the periods) every STEP days
of the record, then times both on 12 dates x 3 (main's: its stored-segments SQL joined to the edges), twice, with
the CPU of this process and of its backend per answer.
"""

import datetime as dt
import os
import statistics
import time
from collections import defaultdict

import shapely
from django.db import connection

from bench.bench_analytics import cpu_clock
from mapapp import frontlines
from mapapp.frontlines import front_edges
from mapapp.models import Actor, ControlStatus, Map

OLD_SQL = """
SELECT edge.id, segment.actor_a_id, segment.status_a, segment.actor_b_id, segment.status_b, ST_AsBinary(edge.geom)
FROM mapapp_frontsegment segment
JOIN mapapp_zoneedge edge ON edge.id = segment.edge_id
WHERE segment.map_id = %(map)s AND segment.valid_from <= %(on)s
    AND (segment.valid_to IS NULL OR segment.valid_to > %(on)s)
ORDER BY edge.id
"""


def old_rows(map, on):
    with connection.cursor() as cursor:
        cursor.execute(OLD_SQL, {"on": on, "map": map.pk})
        return [(*row[:5], bytes(row[5])) for row in cursor.fetchall()]


def old(*, map, on, stored=None):
    rows = front_edges(map=map, on=on, stored=False) if stored is False else old_rows(map, on)
    actor_slugs = dict(Actor.objects.values_list("pk", "slug"))
    geometries = shapely.from_wkb([row[5] for row in rows]) if rows else []
    groups = defaultdict(list)
    for (_edge_id, actor_a, status_a, actor_b, status_b, _wkb), geometry in zip(rows, geometries, strict=True):
        pair = sorted((actor_slugs[actor_a], actor_slugs[actor_b]))
        contested = ControlStatus.CONTESTED in (status_a, status_b)
        groups[(pair[0], pair[1], contested)].append(geometry)
    fronts = []
    for (actor_a, actor_b, contested), edge_geometries in sorted(groups.items()):
        parts = shapely.get_parts(edge_geometries)
        merged = shapely.line_merge(shapely.MultiLineString(list(parts)))
        lines = sorted(shapely.get_parts(merged), key=lambda line: (-line.length, line.coords[0]))
        fronts.extend(((actor_a, actor_b, contested), line) for line in lines)
    return frontlines.front_collection(map, on, fronts)


m = Map.objects.get(slug="syria-synthetic")
n = 0
day = m.start - dt.timedelta(days=3)
step = int(os.environ.get("STEP", "7"))
while day <= m.end + dt.timedelta(days=3):
    a = old(map=m, on=day, stored=False)
    b = frontlines.fronts_geojson(map=m, on=day)
    assert a == b, day
    n += 1
    day += dt.timedelta(days=step)
print("equal on", n, "dates")
span = (m.end - m.start).days
dates = [m.start + dt.timedelta(days=int(span * (i + 0.5) / 12)) for i in range(12)]
clock = cpu_clock(connection)
for f, name in ((old, "main (stored, join)"), (frontlines.fronts_geojson, "now")) * 2:
    t = []
    c0 = clock()
    for d in dates:
        for _ in range(3):
            a = time.perf_counter()
            f(map=m, on=d)
            t.append((time.perf_counter() - a) * 1000)
    c1 = clock()
    print(
        name,
        "median",
        round(statistics.median(t), 1),
        f"CPU per answer: process {(c1[0] - c0[0]) / len(t):.1f} backend {(c1[1] - c0[1]) / len(t):.1f}",
    )
