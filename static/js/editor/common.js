// Shared by the editor pages (mark-change.js, review-queue.js): string templates, name folding for search,
// JSON calls with the CSRF token, the maps django-leaflet makes, and text for tooltips. Text from the database
// reaches the page through textContent only: Leaflet puts a string handed to bindTooltip or bindPopup in as
// HTML, so names go to it as elements (asText).
import { addBasemap } from "../map-style.js";

export function fmt(template, values) {
  return template.replace(/%\((\w+)\)s/g, function (whole, key) {
    return key in values ? String(values[key]) : whole;
  });
}

// Fold what a reader takes for the same name: case, Latin accents, Arabic diacritics and tatweel, the
// forms of alef, ta marbuta and alef maqsura, punctuation.
export function fold(text) {
  return (text || "")
    .normalize("NFKD")
    .replace(/[\u0300-\u036f\u064b-\u065f\u0670\u0640]/g, "")
    .replace(/[\u0622\u0623\u0625\u0671]/g, "\u0627")
    .replace(/\u0629/g, "\u0647")
    .replace(/\u0649/g, "\u064a")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

// A span showing `text` as text, for Leaflet's tooltips and popups. dir=auto: a name may be in either language
// whatever the page's.
export function asText(text) {
  const span = document.createElement("span");
  span.dir = "auto";
  span.textContent = text === undefined || text === null ? "" : String(text);
  return span;
}

function csrfToken() {
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

// POST (or GET) JSON; resolves {status, data} whatever the status, rejects only when the server is
// unreachable.
export function callJson(url, body, language) {
  const target = new URL(url, window.location.href);
  if (language) target.searchParams.set("lang", language);
  const options = {
    method: body === undefined ? "GET" : "POST",
    credentials: "same-origin",
    cache: "no-cache", // editors see the record as it is now: revalidate (a cheap 304) instead of max-age
    headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
  };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  return fetch(target, options).then(function (response) {
    return response
      .json()
      .catch(function () {
        return { error: response.statusText };
      })
      .then(function (data) {
        return { status: response.status, data: data };
      });
  });
}

// Calls `handler(map)` for each Leaflet map django-leaflet makes on the page whose container `wanted(container)`
// accepts. django-leaflet announces each map with a "map:init" event on window when the page has loaded, after
// this module has run; listening for it needs no global callback.
export function onMap(wanted, handler) {
  window.addEventListener("map:init", function (event) {
    const map = event.detail.map;
    if (wanted(map.getContainer())) handler(map);
  });
}

// The map's basemap (static/js/map-style.js), fetched from its URL; resolves the layer, or null when there is
// none or it cannot be had (the zones matter, the river is context).
export function showBasemap(map, url) {
  if (!url) return Promise.resolve(null);
  return fetch(url)
    .then((response) => response.json())
    .then((data) => addBasemap(map, data, { small: true }))
    .catch(() => null);
}
