// Zone names on the map: a zone's name where it is big enough on screen to carry it, at most a few hundred at
// once, biggest zones first, none overlapping another or a "Besieged" badge (siege-badges.js). Placed again
// after every zoom or pan. Names go in as text (textIcon), never as HTML.

const MAX_LABELS = 250;
const LABEL_HALF_HEIGHT = 8; // 11px type on a 14px line (site.css), with a pixel to spare

// A marker icon showing `text` as text (a span filled through textContent).
export function textIcon(text, className) {
  const span = document.createElement("span");
  span.textContent = text;
  return L.divIcon({ className, html: span, iconSize: null });
}

// The point each zone's label and badge sit on (the feature's `label` property, [lng, lat]), or null.
export function labelPoints(features) {
  return features.map((f) => (f.properties.label ? L.latLng(f.properties.label[1], f.properties.label[0]) : null));
}

// keepClearOf(): boxes ({x0, x1, y0, y1}, in the map container's pixels) no label may overlap.
export function createZoneLabels({ map, features, points, zoneBounds, i18n, keepClearOf }) {
  const zoneCount = features.length;
  const markers = new Map();
  const group = L.layerGroup().addTo(map);
  const measure = document.createElement("canvas").getContext("2d");
  const widths = new Map();
  // Names are wider or narrower than their letter count suggests, Arabic especially: measure in the label font.
  function labelWidth(text) {
    if (!widths.has(text)) {
      measure.font = "600 11px " + getComputedStyle(map.getContainer()).fontFamily;
      widths.set(text, measure.measureText(text).width);
    }
    return widths.get(text);
  }

  // The zones in view whose box on screen is big enough for their name.
  function candidates() {
    const view = map.getBounds();
    const zoom = map.getZoom();
    const found = [];
    for (let z = 0; z < zoneCount; z++) {
      const bounds = zoneBounds[z];
      if (!points[z] || !bounds.isValid() || !view.intersects(bounds)) continue;
      const sw = map.project(bounds.getSouthWest(), zoom);
      const ne = map.project(bounds.getNorthEast(), zoom);
      const name = i18n.name(features[z].properties);
      const w = Math.abs(ne.x - sw.x);
      const h = Math.abs(sw.y - ne.y);
      if (w >= Math.min(name.length * 6.5, 110) && h >= 16) found.push({ z, size: w * h, name });
    }
    return found;
  }

  // Biggest zones first; a label whose box would overlap one already placed is left out.
  function choose(found) {
    found.sort((a, b) => b.size - a.size);
    const wanted = new Set();
    const placed = keepClearOf();
    for (const { z, name } of found) {
      if (wanted.size >= MAX_LABELS) break;
      const at = map.latLngToContainerPoint(points[z]);
      const half = labelWidth(name) / 2 + 2;
      const box = { x0: at.x - half, x1: at.x + half, y0: at.y - LABEL_HALF_HEIGHT, y1: at.y + LABEL_HALF_HEIGHT };
      if (placed.some((o) => box.x0 < o.x1 && o.x0 < box.x1 && box.y0 < o.y1 && o.y0 < box.y1)) continue;
      placed.push(box);
      wanted.add(z);
    }
    return wanted;
  }

  function refresh() {
    const wanted = choose(candidates());
    for (const [z, marker] of markers) {
      if (!wanted.has(z)) {
        group.removeLayer(marker);
        markers.delete(z);
      }
    }
    for (const z of wanted) {
      if (markers.has(z)) continue;
      const marker = L.marker(points[z], {
        icon: textIcon(i18n.name(features[z].properties), "zone-label"),
        interactive: false,
        keyboard: false,
      });
      markers.set(z, marker);
      group.addLayer(marker);
    }
    map.getContainer().dataset.labelsZoom = String(map.getZoom()); // the zoom the names were last placed for
  }

  return { refresh };
}
