// Fronts and siege perimeters: one line per shared edge (edges.js), above the zones, sieges above fronts (on the
// zones' canvas, or each kind on an SVG pane of its own). A front is an edge with different holders either side; a perimeter, an edge with
// besieged ground on one side only. A step restyles only the edges of the zones that changed hands or came under
// or out of siege, so on a canvas only those edges' patches repaint. An edge gets its line the first time it is
// needed; a line no longer needed is hidden (stroke off), not removed.
import { COLORS } from "../map-style.js";
import { paneRenderer } from "./patch-canvas.js";

const SHOW = { stroke: true };
const HIDE = { stroke: false };

// canvas: the zones' canvas renderer (patch-canvas.js), on which the lines are drawn above the zones (tiers 1
// and 2), or null: SVG panes of their own. One canvas, not three: Chromium copies every canvas that changed in a
// frame whole to the compositor, and a step changes the zones and their fronts, often their sieges too.
export function createEdgeLines({ map, edges, zoneCount, canvas }) {
  const FRONT = {
    renderer: canvas || paneRenderer(map, "viewer-fronts", 450, false),
    patchTier: 1,
    color: COLORS.front,
    weight: 2.6,
    opacity: 1,
    interactive: false,
  };
  const SIEGE = {
    renderer: canvas || paneRenderer(map, "viewer-sieges", 455, false),
    patchTier: 2,
    color: COLORS.siege,
    weight: 3.5,
    opacity: 1,
    dashArray: "9 5",
    interactive: false,
  };
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

  // The edges around `zones` (indexes whose holder or siege changed), each looked at once, for `state`.
  function paint(zones, state) {
    const seen = new Set();
    for (const z of zones) {
      for (const i of edgesOfZone[z]) {
        if (seen.has(i)) continue;
        seen.add(i);
        paintEdge(i, state);
      }
    }
  }

  return { paint, frontCount: () => frontsShown };
}
