// The zones on the map, built once and restyled (never rebuilt) on each step: fill by who held the zone,
// contested zones hatched, besieged ground outlined with a marker per pocket, front lines, labels, and a brief
// highlight of the zones that changed since the previous step. Large maps draw on one canvas; small ones as
// SVG paths (crisper, and each zone is an element tests and tools can find).
import { besiegedPockets, edgesFromFootprints, edgesFromServer } from "./edges.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const UNKNOWN_FILL = "#c9c9c4";
const FLASH_MS = 900;
const CANVAS_ABOVE = 1500; // zones; above this the canvas renderer is faster than thousands of SVG paths
let instances = 0;

function svgPatterns(container, actors, prefix) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("width", "0");
  svg.setAttribute("height", "0");
  svg.style.position = "absolute";
  const defs = document.createElementNS(SVG_NS, "defs");
  svg.appendChild(defs);
  const ids = actors.map(function (actor, index) {
    const pattern = document.createElementNS(SVG_NS, "pattern");
    const id = prefix + "-hatch-" + index;
    pattern.setAttribute("id", id);
    pattern.setAttribute("patternUnits", "userSpaceOnUse");
    pattern.setAttribute("width", "8");
    pattern.setAttribute("height", "8");
    pattern.setAttribute("patternTransform", "rotate(45)");
    const ground = document.createElementNS(SVG_NS, "rect");
    ground.setAttribute("width", "8");
    ground.setAttribute("height", "8");
    ground.setAttribute("fill", actor.color);
    ground.setAttribute("fill-opacity", "0.25");
    const stripe = document.createElementNS(SVG_NS, "rect");
    stripe.setAttribute("width", "3.5");
    stripe.setAttribute("height", "8");
    stripe.setAttribute("fill", actor.color);
    stripe.setAttribute("fill-opacity", "0.85");
    pattern.append(ground, stripe);
    defs.appendChild(pattern);
    return "url(#" + id + ")";
  });
  container.appendChild(svg);
  return ids;
}

function canvasPatterns(actors) {
  return actors.map(function (actor) {
    const tile = document.createElement("canvas");
    tile.width = tile.height = 8;
    const ctx = tile.getContext("2d");
    ctx.fillStyle = actor.color;
    ctx.globalAlpha = 0.25;
    ctx.fillRect(0, 0, 8, 8);
    ctx.globalAlpha = 0.85;
    ctx.lineWidth = 3;
    ctx.strokeStyle = actor.color;
    ctx.beginPath();
    for (let k = -8; k <= 16; k += 8) {
      ctx.moveTo(k, 8);
      ctx.lineTo(k + 8, 0);
    }
    ctx.stroke();
    return ctx.createPattern(tile, "repeat");
  });
}

// Leaflet's canvas repaints the one rectangle that holds every changed path, so a few changed zones far apart
// repaint the whole map. This one repaints a small rectangle per changed path instead (falling back to the
// union when very many changed), which keeps a step on a country-sized map to the zones that changed.
const PatchCanvas = L.Canvas.extend({
  // After a pan or zoom Leaflet repaints everything; pending patches are then moot.
  _updatePaths() {
    this._dirtyBoxes = null;
    L.Canvas.prototype._updatePaths.call(this);
  },
  _extendRedrawBounds(layer) {
    if (!layer._pxBounds) return;
    const padding = (layer.options.weight || 0) + 1;
    this._dirtyBoxes = this._dirtyBoxes || [];
    this._dirtyBoxes.push(
      L.bounds(layer._pxBounds.min.subtract([padding, padding]), layer._pxBounds.max.add([padding, padding])),
    );
  },
  // Leaflet's own _draw, except that paths passing within 2 px of the patch are redrawn too: their anti-aliased
  // fringe reaches into it, and the patch was cleared.
  _draw() {
    const bounds = this._redrawBounds;
    const near = bounds && L.bounds(bounds.min.subtract([2, 2]), bounds.max.add([2, 2]));
    const ctx = this._ctx;
    ctx.save();
    if (bounds) {
      const size = bounds.getSize();
      ctx.beginPath();
      ctx.rect(bounds.min.x, bounds.min.y, size.x, size.y);
      ctx.clip();
    }
    this._drawing = true;
    for (let order = this._drawFirst; order; order = order.next) {
      const layer = order.layer;
      if (!near || (layer._pxBounds && layer._pxBounds.intersects(near))) layer._updatePath();
    }
    this._drawing = false;
    ctx.restore();
  },
  _redraw() {
    this._redrawRequest = null;
    const boxes = this._dirtyBoxes;
    this._dirtyBoxes = null;
    if (!boxes || boxes.length > 64) {
      if (boxes) {
        this._redrawBounds = L.bounds(boxes[0].min, boxes[0].max);
        for (const box of boxes) this._redrawBounds.extend(box.min).extend(box.max);
        this._redrawBounds.min._floor();
        this._redrawBounds.max._ceil();
      }
      this._clear();
      this._draw();
    } else {
      for (const box of boxes) {
        box.min._floor();
        box.max._ceil();
        this._redrawBounds = box;
        this._clear();
        this._draw();
      }
    }
    this._redrawBounds = null;
  },
});

function labelIcon(text, className) {
  const span = document.createElement("span");
  span.textContent = text;
  return L.divIcon({ className, html: span, iconSize: null });
}

export function createZoneLayers({ map, geometry, history, i18n, onSelect, preferCanvas }) {
  const prefix = "viewer" + ++instances;
  const features = geometry.features;
  const zoneCount = features.length;
  const actors = history.actors;
  const useCanvas = preferCanvas === undefined ? zoneCount > CANVAS_ABOVE : preferCanvas;
  const renderer = useCanvas ? new PatchCanvas({ padding: 0.3 }) : L.svg({ padding: 0.3 });
  const hatches = useCanvas ? canvasPatterns(actors) : svgPatterns(map.getContainer(), actors, prefix);

  // Hairline outlines on big maps, where thousands of white borders would grey the whole picture.
  const outline = zoneCount > CANVAS_ABOVE ? 0.3 : 0.8;
  const shownActor = new Int16Array(zoneCount).fill(-2);
  const shownStatus = new Int8Array(zoneCount).fill(-2);
  const shownSiege = new Int16Array(zoneCount).fill(-2);
  const flashUntil = new Float64Array(zoneCount);
  let selected = -1;
  let compareSet = null; // Set of zone indexes that changed hands between the compare dates, or null
  let current = null; // the state last painted

  function styleOf(z) {
    const actor = current ? current.actor[z] : -1;
    const status = current ? current.status[z] : -1;
    const besieged = current ? current.siege[z] >= 0 : false;
    const style = { color: "#ffffff", weight: outline, opacity: 0.9, fillOpacity: 0.6, dashArray: null };
    if (actor < 0) {
      style.fillColor = UNKNOWN_FILL;
      style.fillOpacity = 0.45;
    } else if (status === 1) {
      style.fillColor = hatches[actor];
      style.fillOpacity = 1;
    } else {
      style.fillColor = actors[actor].color;
    }
    if (besieged) {
      style.color = "#4a148c";
      style.weight = 1.2;
    }
    if (compareSet) {
      if (compareSet.has(z)) {
        style.color = "#000000";
        style.weight = 2.2;
        style.fillOpacity = status === 1 ? 1 : 0.8;
      } else {
        style.fillOpacity = status === 1 ? 0.35 : 0.18;
        style.opacity = 0.4;
      }
    }
    if (flashUntil[z] > performance.now()) {
      style.color = "#ffd400";
      style.weight = 3.5;
      style.opacity = 1;
    }
    if (z === selected) {
      style.color = "#0d47a1";
      style.weight = 3.5;
      style.opacity = 1;
    }
    return style;
  }

  const layers = [];
  const zones = L.geoJSON(geometry, {
    renderer,
    style: { color: "#ffffff", weight: 0.8, fillColor: UNKNOWN_FILL, fillOpacity: 0.45 },
    onEachFeature(feature, layer) {
      layer.zoneIndex = layers.length;
      layers.push(layer);
    },
  });
  zones.on("click", function (event) {
    if (event.layer && event.layer.zoneIndex !== undefined) onSelect(event.layer.zoneIndex);
  });
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

  const edges =
    geometry.edges && geometry.edges.a.length ? edgesFromServer(geometry.edges) : edgesFromFootprints(features);

  // Fronts and siege perimeters, one line per shared edge, each on a renderer of its own (sieges above fronts).
  // A step restyles only the edges of the zones that changed hands or came under or out of siege, so on a canvas
  // only those edges' patches repaint. An edge gets its line the first time it is needed; a line no longer
  // needed is hidden (stroke off), not removed.
  function linesRenderer(name, zIndex) {
    if (!map.getPane(name)) {
      map.createPane(name);
      map.getPane(name).style.zIndex = String(zIndex);
      map.getPane(name).style.pointerEvents = "none";
    }
    const options = { pane: name, padding: 0.3 };
    return useCanvas ? new PatchCanvas(options) : L.svg(options);
  }
  const frontRenderer = linesRenderer("viewer-fronts", 450);
  const siegeRenderer = linesRenderer("viewer-sieges", 455);
  const selectedRenderer = linesRenderer("viewer-selected", 460);
  const FRONT = { renderer: frontRenderer, color: "#111111", weight: 2.6, opacity: 1, interactive: false };
  const SIEGE = { renderer: siegeRenderer, color: "#6a1b9a", weight: 3.5, opacity: 1, dashArray: "9 5", interactive: false };
  const SHOW = { stroke: true };
  const HIDE = { stroke: false };
  const edgesOfZone = Array.from({ length: zoneCount }, () => []);
  edges.forEach(function (edge, i) {
    edgesOfZone[edge.a].push(i);
    if (edge.b >= 0) edgesOfZone[edge.b].push(i);
  });
  const frontLayer = new Array(edges.length).fill(null);
  const siegeLayer = new Array(edges.length).fill(null);
  const isFront = new Uint8Array(edges.length);
  const isSiege = new Uint8Array(edges.length);
  let frontsShown = 0;

  function toggle(store, flags, i, on, style) {
    if (flags[i] === on) return;
    flags[i] = on;
    if (store[i]) store[i].setStyle(on ? SHOW : HIDE);
    else if (on) store[i] = L.polyline(edges[i].lines, style).addTo(map);
  }

  function paintEdge(i, state) {
    const edge = edges[i];
    const a = state.actor[edge.a];
    const b = edge.b >= 0 ? state.actor[edge.b] : -1;
    const front = a >= 0 && b >= 0 && a !== b ? 1 : 0;
    frontsShown += front - isFront[i];
    toggle(frontLayer, isFront, i, front, FRONT);
    const inside = state.siege[edge.a] >= 0;
    const outside = edge.b >= 0 && state.siege[edge.b] >= 0;
    toggle(siegeLayer, isSiege, i, inside !== outside ? 1 : 0, SIEGE);
  }

  const siegeMarkers = L.layerGroup().addTo(map);
  // The chosen zone's outline sits above the fronts and siege lines, which often run along its edge.
  const selectedOutline = L.geoJSON(null, {
    renderer: selectedRenderer,
    interactive: false,
    style: { color: "#0d47a1", weight: 3.5, opacity: 1, fill: false, dashArray: null },
  }).addTo(map);

  // Labels: a zone's name where it is big enough on screen to carry it, at most a few hundred at once.
  const labelPoints = features.map((f) => (f.properties.label ? L.latLng(f.properties.label[1], f.properties.label[0]) : null));
  const zoneBounds = layers.map((layer) => layer.getBounds());
  const labelMarkers = new Map();
  const labels = L.layerGroup().addTo(map);
  const MAX_LABELS = 250;
  const LABEL_HALF_HEIGHT = 8; // 11px type on a 14px line (site.css), with a pixel to spare
  const measure = document.createElement("canvas").getContext("2d");
  const labelWidths = new Map();
  function labelWidth(text) {
    if (!labelWidths.has(text)) {
      measure.font = "600 11px " + getComputedStyle(map.getContainer()).fontFamily;
      labelWidths.set(text, measure.measureText(text).width);
    }
    return labelWidths.get(text);
  }

  function refreshLabels() {
    const view = map.getBounds();
    const zoom = map.getZoom();
    const candidates = [];
    for (let z = 0; z < zoneCount; z++) {
      const bounds = zoneBounds[z];
      if (!labelPoints[z] || !bounds.isValid() || !view.intersects(bounds)) continue;
      const sw = map.project(bounds.getSouthWest(), zoom);
      const ne = map.project(bounds.getNorthEast(), zoom);
      const name = i18n.name(features[z].properties);
      const w = Math.abs(ne.x - sw.x);
      const h = Math.abs(sw.y - ne.y);
      if (w >= Math.min(name.length * 6.5, 110) && h >= 16) candidates.push({ z, size: w * h, name });
    }
    // Biggest zones first; a label whose box would overlap one already placed is left out (names are wider or
    // narrower than their letter count suggests, Arabic especially, so the box is measured in the label font).
    candidates.sort((a, b) => b.size - a.size);
    const wanted = new Set();
    const placed = siegeMarkerBoxes();
    for (const { z, name } of candidates) {
      if (wanted.size >= MAX_LABELS) break;
      const at = map.latLngToContainerPoint(labelPoints[z]);
      const half = labelWidth(name) / 2 + 2;
      const box = { x0: at.x - half, x1: at.x + half, y0: at.y - LABEL_HALF_HEIGHT, y1: at.y + LABEL_HALF_HEIGHT };
      if (placed.some((o) => box.x0 < o.x1 && o.x0 < box.x1 && box.y0 < o.y1 && o.y0 < box.y1)) continue;
      placed.push(box);
      wanted.add(z);
    }
    for (const [z, marker] of labelMarkers) {
      if (!wanted.has(z)) {
        labels.removeLayer(marker);
        labelMarkers.delete(z);
      }
    }
    for (const z of wanted) {
      if (labelMarkers.has(z)) continue;
      const marker = L.marker(labelPoints[z], {
        icon: labelIcon(i18n.name(features[z].properties), "zone-label"),
        interactive: false,
        keyboard: false,
      });
      labelMarkers.set(z, marker);
      labels.addLayer(marker);
    }
    map.getContainer().dataset.labelsZoom = String(zoom); // the zoom the names were last placed for
  }
  map.on("zoomend moveend", refreshLabels);

  // The "Besieged" badges, in the map container's pixels: zone labels keep clear of them. Worked out from the
  // marker's point at the current zoom and the badge's layout size (CSS: centred, its bottom 0.6 of its height
  // above the point), not from where the badge is drawn: at zoomend a zoom animation may not have placed it yet.
  function siegeMarkerBoxes() {
    return siegeMarkers.getLayers().flatMap((marker) => {
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

  function paintSiegeMarkers(state) {
    siegeMarkers.clearLayers();
    for (const pocket of besiegedPockets(edges, state, zoneCount)) {
      // The marker sits on the largest zone of the pocket.
      let biggest = pocket[0];
      for (const z of pocket) if ((features[z].properties.area_km2 || 0) > (features[biggest].properties.area_km2 || 0)) biggest = z;
      if (!labelPoints[biggest]) continue;
      const siege = history.sieges[state.siege[biggest]];
      const icon = labelIcon(i18n.t("Besieged"), "siege-marker");
      const marker = L.marker(labelPoints[biggest], { icon, interactive: false, keyboard: false });
      marker.siegeName = i18n.name(siege);
      siegeMarkers.addLayer(marker);
    }
    refreshLabels();
  }

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
    if (touched.length) {
      const seen = new Set();
      for (const z of touched) {
        for (const i of edgesOfZone[z]) {
          if (seen.has(i)) continue;
          seen.add(i);
          paintEdge(i, state);
        }
      }
    }
    if (siegesChanged) paintSiegeMarkers(state);
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

  const bounds = zones.getBounds();
  return {
    renderer: useCanvas ? "canvas" : "svg",
    bounds,
    edges,
    layers,
    paint,
    select,
    setCompare,
    refreshLabels,
    frontCount: () => frontsShown,
    siegeMarkerCount: () => siegeMarkers.getLayers().length,
    zoneOfLayer: (layer) => layer.zoneIndex,
  };
}
