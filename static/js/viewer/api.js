// The viewer's three loads, each once per page: the zones (as shared arcs, decoded by topology.js), the compact
// history of control, and the timeline for the slider's histogram, each cached for a year at its versioned URL
// (?v=<data version>).
import { decodeTopology } from "./topology.js";

function getJson(url, signal) {
  return fetch(url, { credentials: "same-origin", signal }).then(function (response) {
    if (!response.ok) throw new Error(url + " answered " + response.status);
    return response.json();
  });
}

export function mapApi(apiRoot, slug, version, asOf) {
  const base = apiRoot.replace(/\/$/, "") + "/maps/" + encodeURIComponent(slug) + "/";
  // asOf: the record as the public saw it at that moment (the page was opened with ?as_of=).
  const v = "?v=" + encodeURIComponent(version) + (asOf ? "&as_of=" + encodeURIComponent(asOf) : "");
  return {
    geometry: () => getJson(base + "geometry" + v),
    // The zones the viewer draws: /topology decoded once (features, edges, points per zoom).
    zones: () => getJson(base + "topology" + v).then(decodeTopology),
    history: () => getJson(base + "history" + v),
    timeline: () => getJson(base + "timeline" + v),
    // Per-date reads (the analytics endpoints), for what the browser does not work out itself. All carry the
    // data version: cached for good while it holds, and a publish is seen at once.
    fronts: (iso, signal) => getJson(base + "fronts" + v + "&date=" + iso, signal),
    sieges: (iso, signal) => getJson(base + "sieges" + v + "&date=" + iso, signal),
    basemap: (url) => getJson(url),
  };
}
