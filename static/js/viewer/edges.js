// Shared edges between zones, the basis of front lines and siege perimeters (drawn by lines.js): a front on
// day D is every edge whose two zones are held by different actors; a siege's perimeter is every edge with a
// besieged zone on one side only. Edges come from /geometry: ZoneEdge rows, derived on the server from the
// footprints whenever a map's zones or their footprints change (zone_edges_rebuild), the map's outer edge
// included, so any map with zones has them.

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
