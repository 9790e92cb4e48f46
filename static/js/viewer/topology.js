// The zones from /topology (docs/contract.md): arcs quantized to 1e-5° and delta-encoded, each shared boundary
// sent once, decoded here once. Each arc's points become Leaflet LatLngs shared by the zones on both sides and by
// the edge's front line, so neighbours draw the very same points.
//
// Simplification per zoom keeps neighbours sharing their edges: it is done on the arcs, not on each zone's
// rings (Leaflet's own smoothing simplifies each path alone and opens slivers between neighbours). Every point
// gets a weight once (Douglas–Peucker: the largest tolerance at which it would still be kept, never more than
// its parent's), and a zone's rings at a zoom are its arcs' points whose weight passes that zoom's tolerance;
// an arc's two ends always stay, so the rings still meet where the arcs meet.
//
// decodeTopology(answer) -> { features, edges, zoneLatLngs(z, tolerance), tolerance(zoom), pointCount }
//   features: GeoJSON-like { id, properties, geometry (built when asked, full detail) } in zone order;
//   edges: [{ a, b (-1: the map's outer edge), lines: [[LatLng, ...], ...] }], as lines.js wants them.

// Perpendicular distance (degrees) of point i from the chord a–b, all indexes into flat [lng, lat, ...].
function distance(xy, i, a, b) {
  const ax = xy[2 * a];
  const ay = xy[2 * a + 1];
  const dx = xy[2 * b] - ax;
  const dy = xy[2 * b + 1] - ay;
  const px = xy[2 * i] - ax;
  const py = xy[2 * i + 1] - ay;
  const length2 = dx * dx + dy * dy;
  if (length2 === 0) return Math.hypot(px, py);
  const t = Math.max(0, Math.min(1, (px * dx + py * dy) / length2));
  return Math.hypot(px - t * dx, py - t * dy);
}

// Douglas–Peucker weights of an arc's points (n = xy.length / 2); ends Infinity. A closed arc (an enclave's
// whole boundary) keeps its far point too, so it never shrinks to a line.
function weights(xy) {
  const n = xy.length / 2;
  const weight = new Float64Array(n);
  weight[0] = weight[n - 1] = Infinity;
  const stack = [];
  if (n > 2 && xy[0] === xy[2 * n - 2] && xy[1] === xy[2 * n - 1]) {
    let far = 1;
    let best = -1;
    for (let i = 1; i < n - 1; i++) {
      const d = distance(xy, i, 0, 0);
      if (d > best) (best = d), (far = i);
    }
    weight[far] = Infinity;
    stack.push(0, far, Infinity, far, n - 1, Infinity);
  } else {
    stack.push(0, n - 1, Infinity);
  }
  while (stack.length) {
    const cap = stack.pop();
    const last = stack.pop();
    const first = stack.pop();
    if (last - first < 2) continue;
    let far = -1;
    let best = -1;
    for (let i = first + 1; i < last; i++) {
      const d = distance(xy, i, first, last);
      if (d > best) (best = d), (far = i);
    }
    const w = Math.min(best, cap);
    weight[far] = w;
    stack.push(first, far, w, far, last, w);
  }
  return weight;
}

export function decodeTopology(answer) {
  const scale = answer.scale;
  // Each arc's first point is counted from the arc before's first point (from `translate` for the first), each
  // later point from the point before.
  let [x0, y0] = answer.translate;
  const junctions = new Map();
  // Keyed by a number where the quantized point fits in one exactly (a string key costs an allocation per arc end).
  const FIT = 2 ** 26;
  const junction = (x, y, latlng) => {
    const key = Math.abs(x) < FIT && Math.abs(y) < FIT ? x * (2 * FIT) + y : x + "," + y;
    const found = junctions.get(key);
    if (found) return found;
    junctions.set(key, latlng);
    return latlng;
  };
  const arcs = answer.arcs.map(function (flat) {
    const xy = new Float64Array(flat.length);
    x0 += flat[0];
    y0 += flat[1];
    let x = x0;
    let y = y0;
    xy[0] = x * scale;
    xy[1] = y * scale;
    for (let i = 2; i < flat.length; i += 2) {
      x += flat[i];
      y += flat[i + 1];
      xy[i] = x * scale;
      xy[i + 1] = y * scale;
    }
    const n = flat.length / 2;
    const latlngs = new Array(n);
    for (let i = 0; i < n; i++) latlngs[i] = L.latLng(xy[2 * i + 1], xy[2 * i]);
    // Arcs meeting at a point share its LatLng too: each zone's ring and each line then holds the same objects.
    latlngs[0] = junction(x0, y0, latlngs[0]);
    latlngs[n - 1] = junction(x, y, latlngs[n - 1]);
    return { xy, latlngs, weight: weights(xy) };
  });

  // A ring (list of arc references; ~i is arc i backwards) as LatLngs whose weight passes `tolerance`.
  function ringLatLngs(ring, tolerance) {
    const out = [];
    for (let k = 0; k < ring.length; k++) {
      const ref = ring[k];
      const arc = arcs[ref >= 0 ? ref : ~ref];
      const n = arc.latlngs.length;
      // Each arc after the first starts where the one before ended: its first point is already in.
      if (ref >= 0) {
        for (let i = k === 0 ? 0 : 1; i < n; i++) if (arc.weight[i] >= tolerance) out.push(arc.latlngs[i]);
      } else {
        for (let i = k === 0 ? n - 1 : n - 2; i >= 0; i--) if (arc.weight[i] >= tolerance) out.push(arc.latlngs[i]);
      }
    }
    return out;
  }

  const zones = answer.zones;
  const polygons = zones.polygons;
  function zoneLatLngs(z, tolerance) {
    const shape = polygons[z];
    if (!shape) return [];
    return shape.map((polygon) => polygon.map((ring) => ringLatLngs(ring, tolerance)));
  }

  const features = zones.id.map(function (id, z) {
    const feature = {
      type: "Feature",
      id,
      properties: {
        name_en: zones.name_en[z],
        name_ar: zones.name_ar[z],
        kind: zones.kind[z],
        area_km2: zones.area_km2[z],
        approximate: zones.approximate[z],
        label: zones.label[z],
      },
    };
    // The GeoJSON geometry at full detail, for the few who want one (the chosen zone's outline).
    let geometry;
    Object.defineProperty(feature, "geometry", {
      enumerable: true,
      get() {
        if (geometry === undefined) {
          geometry = polygons[z]
            ? { type: "MultiPolygon", coordinates: zoneLatLngs(z, 0).map((p) => p.map((r) => closed(r))) }
            : null;
        }
        return geometry;
      },
    });
    return feature;
  });

  // The edges' arcs come first, in edge order: each edge has the next `arc_count` of them.
  let next = 0;
  const edges = answer.edges.arc_count.map(function (count, i) {
    const lines = [];
    for (let k = 0; k < count; k++) lines.push(arcs[next++].latlngs);
    return { a: answer.edges.a[i], b: answer.edges.b[i] === null ? -1 : answer.edges.b[i], lines };
  });

  return {
    features,
    edges,
    zoneLatLngs,
    pointCount: arcs.reduce((sum, arc) => sum + arc.latlngs.length, 0),
    // Half a pixel at `zoom` (degrees of longitude per pixel on Web Mercator), below which a point adds nothing.
    tolerance: (zoom) => (0.5 * 360) / (256 * Math.pow(2, zoom)),
  };
}

// A ring of LatLngs as closed GeoJSON coordinates.
function closed(ring) {
  const coordinates = ring.map((p) => [p.lng, p.lat]);
  const first = ring[0];
  const last = ring[ring.length - 1];
  if (ring.length && (first.lat !== last.lat || first.lng !== last.lng)) coordinates.push([first.lng, first.lat]);
  return coordinates;
}
