"""The viewer on a synthetic map drawn from shared arcs (/topology): the arcs decode in the browser to the zones'
own polygons, neighbours keep sharing their edges when simplified for a zoom, and the colours on the canvas are
those /zones gives on sampled dates. (The same colour check runs at 10,000 zones in bench/bench_viewer.py.)"""

import datetime as dt

import orjson
import pytest
import shapely
from django.core.management import call_command
from shapely.ops import polylabel

from mapapp.lib import geo
from mapapp.models import Map
from tests.conftest import RecordRows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

READY = "[data-viewer][data-ready=true]"
SLUG = "arcs-test"
ZONES = 400


def _make_synthetic_map():
    call_command("make_synthetic_map", "--zones", str(ZONES), "--slug", SLUG, "--years", "1", "--seed", "5")
    return _the_synthetic_map()


def _the_synthetic_map():
    return Map.objects.get(slug=SLUG)


# Made by the command once (its Voronoi tiling, record and derived rows cost seconds of CPU), then written back by
# plain inserts for each test, whose tables are emptied after it; kept in var/test-cache/ between runs under a
# digest of the apps' code (tests/conftest.py's RecordRows).
_SyntheticRows = RecordRows(
    _make_synthetic_map, _the_synthetic_map, name="arcs-synthetic", keyed_by=("mapapp/synthetic.py",)
)


@pytest.fixture
def synthetic(db):
    return _SyntheticRows.load()


def open_map(page, live_server, query=""):
    page.goto(f"{live_server.url}/maps/{SLUG}/{query}")
    page.wait_for_selector(READY, timeout=60000)


# In the page: /topology decoded by the viewer's own module, against /geometry's GeoJSON of the same zones. For
# each zone, the same number of parts and of rings in each part, and every vertex of each ring within `close`
# degrees of the other's ring (both ways: no point added or lost). Then, at a coarse zoom's tolerance, every
# shared edge's remaining points are in the rings of both its zones, the very same points.
ROUND_TRIP = """
async ({ close }) => {
  const src = document.querySelector('script[type=module][src*="map-page"]').src;
  const { decodeTopology } = await import(new URL("viewer/topology.js", src).href);
  const topology = decodeTopology(await (await fetch("/api/v1/maps/%SLUG%/topology")).json());
  const geometry = await (await fetch("/api/v1/maps/%SLUG%/geometry")).json();
  const near = (p, ring) => {
    for (let i = 0; i + 1 < ring.length; i++) {
      const [ax, ay] = ring[i], [bx, by] = ring[i + 1];
      const dx = bx - ax, dy = by - ay, len = dx * dx + dy * dy;
      const t = len ? Math.max(0, Math.min(1, ((p[0] - ax) * dx + (p[1] - ay) * dy) / len)) : 0;
      if (Math.hypot(p[0] - ax - t * dx, p[1] - ay - t * dy) <= close) return true;
    }
    return false;
  };
  const problems = [];
  geometry.features.forEach((feature, z) => {
    const mine = topology.features[z];
    if (mine.id !== feature.id) return problems.push(["order", z, mine.id, feature.id]);
    const theirs = feature.geometry.type === "Polygon" ? [feature.geometry.coordinates] : feature.geometry.coordinates;
    const ours = mine.geometry.coordinates;
    if (ours.length !== theirs.length) return problems.push(["parts", feature.id, ours.length, theirs.length]);
    // Parts may come in another order: match each of ours to the part whose exterior holds its first point.
    for (const part of ours) {
      const match = theirs.find((other) => near(part[0][0], other[0]));
      if (!match || match.length !== part.length) return problems.push(["rings", feature.id]);
      for (let r = 0; r < part.length; r++) {
        const other = match.find((ring) => near(part[r][0], ring)) || match[r];
        if (!part[r].every((p) => near(p, other)) || !other.every((p) => near(p, part[r]))) {
          return problems.push(["ring", feature.id, r]);
        }
      }
    }
  });
  // Simplified for zoom 5: an edge's points left over are in both its zones' rings.
  const tolerance = topology.tolerance(5);
  let shared = 0, kept = 0, full = 0;
  const rings = topology.features.map((f, z) => new Set(topology.zoneLatLngs(z, tolerance).flat(2)));
  const fullCount = topology.features.reduce((n, f, z) => n + topology.zoneLatLngs(z, 0).flat(2).length, 0);
  for (const edge of topology.edges) {
    if (edge.b < 0) continue;
    shared++;
    for (const line of edge.lines) {
      for (const point of line) {
        if (rings[edge.a].has(point) !== rings[edge.b].has(point)) problems.push(["shared", edge.a, edge.b]);
      }
    }
  }
  for (const set of rings) kept += set.size;
  return { problems: problems.slice(0, 5), count: problems.length, zones: geometry.features.length, shared,
           kept, full: fullCount };
}
"""


def test_the_arcs_decode_in_the_browser_to_the_zones_polygons_and_neighbours_share_simplified_edges(
    page, live_server, synthetic
):
    open_map(page, live_server)
    result = page.evaluate(ROUND_TRIP.replace("%SLUG%", SLUG), {"close": 1.5e-5})
    assert result["zones"] == ZONES
    assert result["count"] == 0, result["problems"]
    assert result["shared"] > ZONES  # a Voronoi tiling: about three shared edges per zone
    assert result["kept"] < result["full"]  # zoom 5 drops points
    assert page.js_errors == []


# In the page: on a date, for every zone, the viewer's fill against /zones' colour and status; and for the
# zones given (a point deep inside each, and how far it is from the zone's edge), the pixel on the zones' canvas.
COLOURS = """
async ({ iso, inner }) => {
  const viewer = window.frontlineViewer;
  viewer.setDay(viewer.calendar.dayOf(iso), "none");
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const answer = await (await fetch("/api/v1/maps/%SLUG%/zones?date=" + iso)).json();
  const hex = (c) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
  const renderer = viewer.layers.layers[0]._renderer;
  const ctx = renderer._container.getContext("2d");
  const ratio = renderer._container.width / renderer._container.clientWidth;
  const map = viewer.map;
  const wrong = [];
  let pixels = 0;
  for (const feature of answer.features) {
    const z = viewer.zoneIndex(feature.id);
    const options = viewer.layers.layers[z].options;
    const p = feature.properties;
    const contested = p.status === "contested";
    if (p.color === null) {
      if (options.fillOpacity >= 0.5) wrong.push([feature.id, "unknown", options.fillColor]);
      continue;
    }
    const same = contested
      ? options.fillColor instanceof CanvasPattern
      : options.fillColor.toLowerCase() === p.color.toLowerCase();
    if (!same) {
      wrong.push([feature.id, p.color, p.status, String(options.fillColor)]);
      continue;
    }
    const spot = inner[feature.id];
    if (!spot || contested) continue;
    const at = map.latLngToLayerPoint([spot[1], spot[0]]);
    const edge = map.latLngToLayerPoint([spot[1], spot[0] + spot[2]]);
    if (at.distanceTo(edge) < 5) continue;  // too small on screen to sample clear of its outline
    const x = Math.round((at.x - renderer._bounds.min.x) * ratio);
    const y = Math.round((at.y - renderer._bounds.min.y) * ratio);
    if (x < 0 || y < 0 || x >= renderer._container.width || y >= renderer._container.height) continue;
    const [r, g, b, a] = ctx.getImageData(x, y, 1, 1).data;
    const [er, eg, eb] = hex(p.color);
    pixels++;
    if (Math.abs(r - er) > 4 || Math.abs(g - eg) > 4 || Math.abs(b - eb) > 4 || Math.abs(a - 153) > 3) {
      wrong.push([feature.id, p.color, [r, g, b, a]]);
    }
  }
  return { zones: answer.features.length, pixels, wrong: wrong.slice(0, 5), count: wrong.length,
           contested: answer.features.filter((f) => f.properties.status === "contested").length };
}
"""


def test_the_viewer_paints_the_colours_zones_gives_on_sampled_dates(page, live_server, synthetic):
    # A point deep in each zone (its largest part's pole of inaccessibility) and its distance to the zone's edge.
    inner = {}
    for place in synthetic.places.all():
        shape = geo.to_shapely(place.footprint)
        part = max(shapely.get_parts(shape), key=lambda polygon: polygon.area)
        point = polylabel(part, tolerance=1e-4)
        inner[place.slug] = [point.x, point.y, part.boundary.distance(point)]
    open_map(page, live_server, "?renderer=canvas")
    assert page.locator("[data-viewer]").get_attribute("data-renderer") == "canvas"
    span = (synthetic.end - synthetic.start).days
    dates = [synthetic.start + dt.timedelta(days=d) for d in (span // 7, span // 3, span // 2, 2 * span // 3, span)]
    sampled = 0
    for day in dates:
        result = page.evaluate(COLOURS.replace("%SLUG%", SLUG), {"iso": day.isoformat(), "inner": inner})
        assert result["zones"] == ZONES
        assert result["count"] == 0, (day, result["wrong"])
        sampled += result["pixels"]
    assert sampled > ZONES * len(dates) // 2  # most zones read back from the canvas itself
    assert page.js_errors == []


def test_the_topology_read_states_its_version_and_is_cached_for_good(client, synthetic):
    synthetic.refresh_from_db()
    response = client.get(f"/api/v1/maps/{SLUG}/topology", {"v": synthetic.data_version})
    assert response.status_code == 200
    body = orjson.loads(response.content)
    assert body["version"] == synthetic.data_version and len(body["zones"]["id"]) == ZONES
    assert body["unshared"] == 0  # a synthetic map tiles its outline: every zone is drawn from its edges
