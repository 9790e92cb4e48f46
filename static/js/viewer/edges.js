// Shared edges between zones, the basis of front lines and siege perimeters (drawn by layers.js): a front on
// day D is every edge whose two zones are held by different actors; a siege's perimeter is every edge with a
// besieged zone on one side only. Edges come from /geometry (ZoneEdge, derived on the server) when the map has them; otherwise they
// are found here once, from segments two footprints share vertex for vertex.

// Leaflet wants [lat, lng]; GeoJSON gives [lng, lat].
function toLatLngs(line) {
  return line.map((c) => [c[1], c[0]]);
}

export function edgesFromServer(edges) {
  const list = [];
  for (let i = 0; i < edges.a.length; i++) {
    const geometry = edges.geometry[i];
    const lines = geometry.type === "LineString" ? [geometry.coordinates] : geometry.coordinates;
    list.push({ a: edges.a[i], b: edges.b[i] === null ? -1 : edges.b[i], lines: lines.map(toLatLngs) });
  }
  return list;
}

function rings(geometry) {
  if (!geometry) return [];
  if (geometry.type === "Polygon") return geometry.coordinates;
  if (geometry.type === "MultiPolygon") return geometry.coordinates.flat();
  return [];
}

export function edgesFromFootprints(features) {
  const firstOwner = new Map(); // segment key -> [zone, segment]
  const pairs = new Map(); // "a|b" -> edge
  function add(a, b, segment) {
    const key = a + "|" + b;
    let edge = pairs.get(key);
    if (!edge) {
      edge = { a, b, lines: [] };
      pairs.set(key, edge);
    }
    edge.lines.push(segment);
  }
  features.forEach(function (feature, zone) {
    for (const ring of rings(feature.geometry)) {
      for (let i = 0; i + 1 < ring.length; i++) {
        const p = ring[i];
        const q = ring[i + 1];
        const pk = p[0] + "," + p[1];
        const qk = q[0] + "," + q[1];
        if (pk === qk) continue;
        const key = pk < qk ? pk + ";" + qk : qk + ";" + pk;
        const seen = firstOwner.get(key);
        if (seen === undefined) firstOwner.set(key, [zone, [[p[1], p[0]], [q[1], q[0]]]]);
        else if (seen[0] !== zone) {
          firstOwner.set(key, null);
          add(Math.min(zone, seen[0]), Math.max(zone, seen[0]), seen[1]);
        }
      }
    }
  });
  // Segments no other zone shares are the map's outer edge.
  for (const seen of firstOwner.values()) if (seen) add(seen[0], -1, seen[1]);
  return Array.from(pairs.values());
}

// Separate pieces of besieged ground (zones of the same siege touching along an edge): [[zone, ...], ...].
export function besiegedPockets(edges, state, zoneCount) {
  const parent = new Int32Array(zoneCount);
  for (let z = 0; z < zoneCount; z++) parent[z] = z;
  const find = (z) => {
    while (parent[z] !== z) z = parent[z] = parent[parent[z]];
    return z;
  };
  for (const edge of edges) {
    if (edge.b < 0) continue;
    const s = state.siege[edge.a];
    if (s >= 0 && s === state.siege[edge.b]) parent[find(edge.a)] = find(edge.b);
  }
  const groups = new Map();
  for (let z = 0; z < zoneCount; z++) {
    if (state.siege[z] < 0) continue;
    const root = find(z);
    if (!groups.has(root)) groups.set(root, []);
    groups.get(root).push(z);
  }
  return Array.from(groups.values());
}
