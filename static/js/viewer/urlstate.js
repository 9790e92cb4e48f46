// What the reader sees lives in the URL: date, view (lat, lng, z), compare date and language, so a copied link
// opens the same map. Deliberate steps push a history entry (Back steps back through dates); dragging, playing
// and panning replace the current one.
import { parseIso } from "./days.js";

const KEYS = ["date", "compare", "lat", "lng", "z", "lang"];

function number(value, low, high) {
  if (value === null || value === "" || !/^-?\d+(\.\d+)?$/.test(value)) return null;
  const n = Number(value);
  return n >= low && n <= high ? n : null;
}

// The reader's state from a URL, every part validated (a bad part is left out, never trusted).
export function readState(href) {
  const params = new URL(href).searchParams;
  const lat = number(params.get("lat"), -90, 90);
  const lng = number(params.get("lng"), -180, 180);
  const zoom = number(params.get("z"), 0, 22);
  return {
    date: parseIso(params.get("date")),
    compare: parseIso(params.get("compare")),
    view: lat !== null && lng !== null && zoom !== null ? { lat, lng, zoom } : null,
    lang: params.get("lang"),
  };
}

export function createUrlState({ onRestore, win = window }) {
  // Only the known keys are rewritten; any other parameter in the URL is kept as it is.
  function write(parts, mode) {
    const url = new URL(win.location.href);
    for (const key of KEYS) {
      if (!(key in parts)) continue;
      const value = parts[key];
      if (value === null || value === undefined || value === "") url.searchParams.delete(key);
      else url.searchParams.set(key, String(value));
    }
    if (url.href === win.location.href) return;
    const state = { viewer: true };
    if (mode === "push") win.history.pushState(state, "", url);
    else win.history.replaceState(state, "", url);
  }

  function writeView(map) {
    const centre = map.getCenter();
    const zoom = map.getZoom();
    // Decimals enough for the zoom: about a pixel.
    const digits = Math.max(2, Math.min(6, Math.ceil(zoom * 0.3) + 1));
    write({ lat: centre.lat.toFixed(digits), lng: centre.lng.toFixed(digits), z: String(zoom) }, "replace");
  }

  win.addEventListener("popstate", function () {
    onRestore(readState(win.location.href));
  });

  return { write, writeView, read: () => readState(win.location.href) };
}

// The same URL in another language (the language switch is a link, kept up to date with the state).
export function withLanguage(href, lang) {
  const url = new URL(href);
  url.searchParams.set("lang", lang);
  return url.pathname + url.search + url.hash;
}
