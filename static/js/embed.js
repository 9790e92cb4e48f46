// The embed (/embed/<slug>/): the map viewer's zone layers and slider without the rest of the viewer (no side
// panel, chart, comparison or URL state), so a news page loads only what the map needs. Built from the viewer's
// modules in static/js/viewer/; the server has already validated every option in config.
//
// Messages to the host page (window.parent.postMessage, target "*": they carry nothing private), each an object
// with `type`, `version` (1), `slug` and:
//   {type: "frontline-atlas:resize", height}  the height the frame should have, in CSS pixels: the content's
//                                            need, at least the frame's first height; sent when the page is laid
//                                            out and whenever it changes (static/js/embed-host.js uses it)
//   {type: "frontline-atlas:ready", date}     the map has painted, at `date` (YYYY-MM-DD)
//   {type: "frontline-atlas:date", date}      the reader moved the slider to `date`
// and one it listens for from its parent: {type: "frontline-atlas:hello"} (the host script starting late), which
// it answers with a resize.
import { addBasemap } from "./map-style.js";
import { mapApi } from "./viewer/api.js";
import { makeCalendar } from "./viewer/days.js";
import { buildHistory } from "./viewer/history.js";
import { makeI18n } from "./viewer/i18n.js";
import { createZoneLayers } from "./viewer/layers.js";
import { createTimeControls } from "./viewer/slider.js";

const config = JSON.parse(document.getElementById("embed-config").textContent);
const strings = JSON.parse(document.getElementById("viewer-strings").textContent);
const root = document.querySelector("[data-embed]");
const framed = window.parent !== window;

function post(type, fields) {
  if (!framed) return;
  window.parent.postMessage({ type: "frontline-atlas:" + type, version: 1, slug: config.slug, ...fields }, "*");
}

// The height: what the content needs (the column with the map at its least height), never less than the height
// the host page gave the frame. A frame that grew for a wrapped legend shrinks back when the legend unwraps (the
// phone turned, the column widened); the column's own height could not say so, since it fills the frame.
const givenHeight = window.innerHeight;
const mapBox = root.querySelector(".embed-map");
let lastHeight = 0;
function neededHeight() {
  const least = parseFloat(getComputedStyle(mapBox).minHeight) || 0;
  return Math.ceil(root.getBoundingClientRect().height - mapBox.getBoundingClientRect().height + least);
}
function reportHeight() {
  const height = Math.max(givenHeight, neededHeight());
  if (height === lastHeight) return;
  lastHeight = height;
  root.dataset.height = String(height);
  post("resize", { height });
}
const watcher = new ResizeObserver(reportHeight);
watcher.observe(root);
watcher.observe(mapBox); // the legend wrapping in a tall enough frame shrinks the map, not the column
reportHeight();
// The host script asks again when it starts after this page has already told its height.
window.addEventListener("message", (event) => {
  if (event.source !== window.parent || !event.data || event.data.type !== "frontline-atlas:hello") return;
  lastHeight = 0;
  reportHeight();
});

async function start(map) {
  const i18n = makeI18n(config.lang, strings);
  const calendar = makeCalendar(config.start);
  const api = mapApi(config.apiRoot, config.slug, config.version);
  const status = root.querySelector('[data-control="status"]');
  const links = root.querySelectorAll("[data-embed-link]");
  const withControls = config.controls === "slider";
  if (config.bbox) map.fitBounds([[config.bbox[1], config.bbox[0]], [config.bbox[3], config.bbox[2]]]);

  // The zones are painted as soon as geometry and history are in; the outline and river and the slider's
  // histogram follow when they arrive, so neither delays the first paint.
  const timeline = withControls ? api.timeline().catch(() => null) : Promise.resolve(null);
  if (config.basemap) {
    api.basemap(config.basemap).then((data) => addBasemap(map, data, { small: true }), () => {});
  }
  const [geometry, raw] = await Promise.all([api.zones(), api.history()]);

  const history = buildHistory(raw, geometry.features.map((f) => f.properties.area_km2 || 0));
  const state = history.newState();
  const clamp = (d, low, high) => Math.min(high, Math.max(low, d));
  const first = clamp(calendar.dayOf(config.first), history.start, history.end);
  const last = clamp(calendar.dayOf(config.last), first, history.end);
  let day = clamp(calendar.dayOf(config.date), first, last);

  const layers = createZoneLayers({ map, geometry, history, i18n, onSelect: (z) => select(z === selected ? -1 : z) });
  if (config.center || config.zoom) {
    const centre = config.center ? L.latLng(config.center[0], config.center[1]) : layers.bounds.getCenter();
    const zoom = config.zoom !== null ? config.zoom : map.getBoundsZoom(layers.bounds);
    map.setView(centre, zoom, { animate: false });
  } else if (layers.bounds.isValid()) {
    map.fitBounds(layers.bounds, { padding: [6, 6] });
  }

  // A click on a zone says what it is and who held it, in one line (the full map has the sources).
  let selected = -1;
  function select(z) {
    selected = z;
    layers.select(z);
    describe();
  }
  function describe() {
    if (!status) return;
    if (selected < 0) {
      status.textContent = "";
      return;
    }
    const name = i18n.name(geometry.features[selected].properties);
    const actor = state.actor[selected];
    status.textContent =
      actor < 0
        ? name + " — " + i18n.t("Unknown")
        : name + " — " + i18n.t("Held by") + " " + i18n.name(history.actors[actor]);
  }

  function updateLinks() {
    for (const link of links) {
      const url = new URL(link.href);
      url.searchParams.set("date", calendar.isoOf(day));
      link.href = url.href;
    }
  }

  function setDay(newDay) {
    day = newDay;
    history.stateAt(day, state);
    layers.paint(state);
    root.dataset.date = calendar.isoOf(day);
    describe();
    updateLinks();
  }

  const controls = withControls
    ? createTimeControls({
        root,
        calendar,
        start: first,
        end: last,
        i18n,
        nextChangeDay: history.nextChangeDay,
        onStep: (newDay) => {
          setDay(newDay);
          post("date", { date: calendar.isoOf(day) });
        },
      })
    : null;
  if (controls) {
    controls.show(day);
    timeline.then((events) => events && controls.drawTicks(events));
  } else {
    const label = root.querySelector('[data-control="date-label"]');
    label.textContent = i18n.date(calendar.dateOf(day));
  }
  setDay(day);
  layers.refreshLabels();
  root.dataset.ready = "true";
  root.dataset.renderer = layers.renderer;
  root.dataset.paintedMs = String(Math.round(performance.now()));
  reportHeight();
  post("ready", { date: calendar.isoOf(day) });

  window.frontlineEmbed = {
    map,
    history,
    layers,
    calendar,
    get day() {
      return day;
    },
    setDay: (newDay) => {
      const clamped = clamp(newDay, first, last);
      if (controls) controls.show(clamped);
      setDay(clamped);
      return clamped;
    },
  };
}

window.frontlineEmbedInit = function (map) {
  start(map).catch(function (error) {
    root.dataset.ready = "error";
    const status = root.querySelector('[data-control="status"]');
    if (status) status.textContent = strings["The map could not be loaded."] || String(error);
    throw error;
  });
};
