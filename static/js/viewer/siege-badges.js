// The "Besieged" badges: one per separate pocket of besieged ground (zones of one siege touching along an edge),
// on the pocket's largest zone. Zone labels keep clear of them (boxes()).
import { besiegedPockets } from "./edges.js";
import { textIcon } from "./labels.js";

export function createSiegeBadges({ map, features, points, edges, history, i18n }) {
  const zoneCount = features.length;
  const group = L.layerGroup().addTo(map);

  function paint(state) {
    group.clearLayers();
    for (const pocket of besiegedPockets(edges, state, zoneCount)) {
      let biggest = pocket[0];
      for (const z of pocket) if ((features[z].properties.area_km2 || 0) > (features[biggest].properties.area_km2 || 0)) biggest = z;
      if (!points[biggest]) continue;
      const siege = history.sieges[state.siege[biggest]];
      const marker = L.marker(points[biggest], {
        icon: textIcon(i18n.t("Besieged"), "siege-marker"),
        interactive: false,
        keyboard: false,
      });
      marker.siegeName = i18n.name(siege);
      group.addLayer(marker);
    }
  }

  // The badges' boxes in the map container's pixels. Worked out from the marker's point at the current zoom and
  // the badge's layout size (CSS: centred, its bottom 0.6 of its height above the point), not from where the
  // badge is drawn: at zoomend a zoom animation may not have placed it yet.
  function boxes() {
    return group.getLayers().flatMap((marker) => {
      const badge = marker.getElement() && marker.getElement().firstChild;
      if (!badge) return [];
      const at = map.latLngToContainerPoint(marker.getLatLng());
      const w = badge.offsetWidth;
      const h = badge.offsetHeight;
      const x0 = at.x + badge.offsetLeft - w / 2 - 1; // a pixel to spare on each side
      const y0 = at.y + badge.offsetTop - 1.6 * h - 1;
      return [{ x0, x1: x0 + w + 2, y0, y1: y0 + h + 2 }];
    });
  }

  return { paint, boxes, count: () => group.getLayers().length };
}
