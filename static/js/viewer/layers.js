// The zones on the map, built once and restyled (never rebuilt) on each step: fill by who held the zone,
// contested zones hatched, besieged ground outlined with a badge per pocket, front lines, labels, and a brief
// highlight of the zones that changed since the previous step. Large maps draw on one canvas; small ones as
// SVG paths (crisper, and each zone is an element tests and tools can find).
//
// This module keeps what is shown for each zone and decides what to repaint on a step; the parts are drawn by
// zone-style.js (a zone's look), hatching.js (contested fills), lines.js (fronts and siege perimeters),
// siege-badges.js ("Besieged" badges), labels.js (names) and patch-canvas.js (the canvas renderer).
import { COLORS } from "../map-style.js";
import { edgesFromServer } from "./edges.js";
import { hatchFills } from "./hatching.js";
import { labelPoints, createZoneLabels } from "./labels.js";
import { createEdgeLines } from "./lines.js";
import { CANVAS_PADDING, PatchCanvas, paneRenderer } from "./patch-canvas.js";
import { createSiegeBadges } from "./siege-badges.js";
import { UNPAINTED, zoneStyle } from "./zone-style.js";

const FLASH_MS = 900;
const CANVAS_ABOVE = 1500; // zones; above this the canvas renderer is faster than thousands of SVG paths
let instances = 0;

// fit(bounds), optional: sets the map's view from the zones' bounds before they go on the map, so they are projected
// and drawn once, at that view (fitting after would project and clip every zone again).
export function createZoneLayers({ map, geometry, history, i18n, onSelect, preferCanvas, fit }) {
  const features = geometry.features;
  const zoneCount = features.length;
  const actors = history.actors;
  const useCanvas = preferCanvas === undefined ? zoneCount > CANVAS_ABOVE : preferCanvas;
  const renderer = useCanvas ? new PatchCanvas({ padding: CANVAS_PADDING }) : L.svg({ padding: 0.3 });
  const palette = {
    actors,
    hatches: hatchFills({ map, actors, useCanvas, prefix: "viewer" + ++instances }),
    // Hairline outlines on big maps, where thousands of white borders would grey the whole picture.
    outline: zoneCount > CANVAS_ABOVE ? 0.3 : 0.8,
  };

  const shownActor = new Int16Array(zoneCount).fill(-2);
  const shownStatus = new Int8Array(zoneCount).fill(-2);
  const shownSiege = new Int16Array(zoneCount).fill(-2);
  const flashUntil = new Float64Array(zoneCount);
  let selected = -1;
  let compareSet = null; // Set of zone indexes that changed hands between the compare dates, or null
  let current = null; // the state last painted

  function styleOf(z) {
    return zoneStyle(
      {
        actor: current ? current.actor[z] : -1,
        status: current ? current.status[z] : -1,
        besieged: current ? current.siege[z] >= 0 : false,
        compared: compareSet ? compareSet.has(z) : null,
        flashing: flashUntil[z] > performance.now(),
        selected: z === selected,
      },
      palette,
    );
  }

  const layers = [];
  let zones;
  let simplifiedFor = null; // the whole zoom the zones' points were last chosen for
  if (geometry.zoneLatLngs) {
    // Zones from /topology (topology.js): rings from shared arcs, simplified per zoom there (so Leaflet's own
    // per-path smoothing, which would part neighbours, is off).
    simplifiedFor = Math.floor(map.getZoom());
    const tolerance = geometry.tolerance(simplifiedFor);
    const options = { renderer, ...UNPAINTED, smoothFactor: 0 };
    zones = L.featureGroup(
      features.map(function (feature, z) {
        const layer = L.polygon(geometry.zoneLatLngs(z, tolerance), options);
        layer.feature = feature;
        layer.zoneIndex = z;
        layers.push(layer);
        return layer;
      }),
    );
    // Before the renderer projects the zones for a new zoom (its zoomend), give them that zoom's points.
    map.on("zoom", function () {
      const zoom = Math.floor(map.getZoom());
      if (zoom === simplifiedFor) return;
      simplifiedFor = zoom;
      const tolerance = geometry.tolerance(zoom);
      for (let z = 0; z < zoneCount; z++) layers[z]._setLatLngs(geometry.zoneLatLngs(z, tolerance));
    });
  } else {
    zones = L.geoJSON(geometry, {
      renderer,
      style: UNPAINTED,
      onEachFeature(feature, layer) {
        layer.zoneIndex = layers.length;
        layers.push(layer);
      },
    });
  }
  zones.on("click", function (event) {
    if (event.layer && event.layer.zoneIndex !== undefined) onSelect(event.layer.zoneIndex);
  });
  const bounds = zones.getBounds();
  if (fit) fit(bounds);
  zones.addTo(map);
  // SVG paths carry the zone's slug so a zone can be found on the page (tests, tools, styling).
  if (!useCanvas) {
    layers.forEach(function (layer, z) {
      if (layer._path) {
        layer._path.setAttribute("data-zone", features[z].id);
        layer._path.classList.add("zone");
      }
    });
  }

  const edges = Array.isArray(geometry.edges) ? geometry.edges : edgesFromServer(geometry.edges);
  const lines = createEdgeLines({ map, edges, zoneCount, canvas: useCanvas ? renderer : null });
  const points = labelPoints(features);
  const badges = createSiegeBadges({ map, features, points, edges, history, i18n });
  // The chosen zone's outline sits above the fronts and siege lines, which often run along its edge.
  const selectedOutline = L.geoJSON(null, {
    renderer: paneRenderer(map, "viewer-selected", 460, useCanvas),
    interactive: false,
    style: { color: COLORS.selected, weight: 3.5, opacity: 1, fill: false, dashArray: null },
  }).addTo(map);
  const labels = createZoneLabels({
    map,
    features,
    points,
    zoneBounds: layers.map((layer) => layer.getBounds()),
    i18n,
    keepClearOf: badges.boxes,
  });
  map.on("zoomend moveend", labels.refresh);

  let flashTimer = null;
  function scheduleUnflash() {
    if (flashTimer) clearTimeout(flashTimer);
    flashTimer = setTimeout(function () {
      flashTimer = null;
      const now = performance.now();
      for (let z = 0; z < zoneCount; z++) {
        if (flashUntil[z] !== 0 && flashUntil[z] <= now) {
          flashUntil[z] = 0;
          layers[z].setStyle(styleOf(z));
        }
      }
    }, FLASH_MS + 20);
  }

  // The repaint of one step: restyle only the zones whose state changed, flash them, redraw fronts and sieges.
  // Returns the indexes of the zones that changed.
  function paint(state, { flash = true } = {}) {
    current = state;
    const changed = [];
    const touched = []; // zones whose holder or siege changed: their edges need a look
    let siegesChanged = false;
    const now = performance.now();
    for (let z = 0; z < zoneCount; z++) {
      const a = state.actor[z];
      const s = state.status[z];
      const g = state.siege[z];
      if (a === shownActor[z] && s === shownStatus[z] && g === shownSiege[z]) continue;
      const first = shownActor[z] === -2;
      if (g !== shownSiege[z]) siegesChanged = true;
      if (a !== shownActor[z] || g !== shownSiege[z]) touched.push(z);
      if (!first && (a !== shownActor[z] || s !== shownStatus[z])) {
        changed.push(z);
        if (flash) flashUntil[z] = now + FLASH_MS;
      }
      shownActor[z] = a;
      shownStatus[z] = s;
      shownSiege[z] = g;
      layers[z].setStyle(styleOf(z));
    }
    if (touched.length) lines.paint(touched, state);
    if (siegesChanged) {
      badges.paint(state);
      labels.refresh();
    }
    if (flash && changed.length) scheduleUnflash();
    return changed;
  }

  function restyle(zonesToRestyle) {
    for (const z of zonesToRestyle) if (z >= 0) layers[z].setStyle(styleOf(z));
  }

  function select(z) {
    const previous = selected;
    selected = z;
    restyle([previous, z]);
    selectedOutline.clearLayers();
    if (z >= 0) selectedOutline.addData(features[z]);
    if (z >= 0 && !useCanvas) layers[z].bringToFront();
  }

  // Restyles only the zones whose membership of the compared set changed (all of them when turned on or off).
  function setCompare(changedZones) {
    const before = compareSet;
    compareSet = changedZones ? new Set(changedZones) : null;
    if (!before && !compareSet) return;
    if (!before || !compareSet) {
      for (let z = 0; z < zoneCount; z++) layers[z].setStyle(styleOf(z));
      return;
    }
    for (const z of before) if (!compareSet.has(z)) layers[z].setStyle(styleOf(z));
    for (const z of compareSet) if (!before.has(z)) layers[z].setStyle(styleOf(z));
  }

  return {
    renderer: useCanvas ? "canvas" : "svg",
    bounds,
    edges,
    layers,
    paint,
    select,
    setCompare,
    refreshLabels: labels.refresh,
    frontCount: lines.frontCount,
    siegeMarkerCount: badges.count,
    zoneOfLayer: (layer) => layer.zoneIndex,
  };
}
