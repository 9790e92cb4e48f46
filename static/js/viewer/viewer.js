// The map viewer: loads the geometry and the compact history once, then works out and paints any date in the
// browser. Used by the public map page (static/js/map-page.js) and reusable by other pages (the embed): give it
// a Leaflet map, a root element holding the controls (found by data-* attributes, not ids) and a config.
//
// config: { slug, version, start, end, date, lang, strings, apiRoot, basemap, bbox, urlState (bool),
//           preferCanvas (optional bool), languageLinks (optional: links to keep in step with the state) }
import { addBasemap } from "../map-style.js";
import { mapApi } from "./api.js";
import { createAreaChart } from "./chart.js";
import { createCompare } from "./compare.js";
import { makeCalendar } from "./days.js";
import { buildHistory } from "./history.js";
import { makeI18n } from "./i18n.js";
import { createZoneLayers } from "./layers.js";
import { createZonePanel } from "./panel.js";
import { createTimeControls } from "./slider.js";
import { createDaySummary } from "./summary.js";
import { createUrlState, withLanguage } from "./urlstate.js";

// The phases of opening a map, as User Timing marks ("viewer:answers", ...): bench/bench_viewer.py reads them.
const mark = (name) => performance.mark("viewer:" + name);

export async function createViewer(config) {
  const { map, root } = config;
  const find = (selector) => root.querySelector(selector);
  const i18n = makeI18n(config.lang, config.strings || {});
  const calendar = makeCalendar(config.start);
  const api = mapApi(config.apiRoot || "/api/v1", config.slug, config.version, config.asOf);
  const status = find('[data-control="status"]');
  // The language links usually sit in the page header, outside the viewer's root.
  const languageLinks = config.languageLinks || document.querySelectorAll("[data-lang-link]");
  root.dataset.ready = "false";

  // Fractional zoom steps let the map fit its area snugly on any screen, phones included.
  map.options.zoomSnap = 0.25;
  map.options.zoomDelta = 0.5;
  const legend = find('[data-control="legend"]');
  if (legend && window.matchMedia && window.matchMedia("(max-width: 760px)").matches) legend.open = false;
  if (config.bbox) map.fitBounds([[config.bbox[1], config.bbox[0]], [config.bbox[3], config.bbox[2]]], { animate: false });
  const initialUrl = config.urlState ? createUrlState({ onRestore: () => {} }).read() : null;
  if (initialUrl && initialUrl.view) map.setView([initialUrl.view.lat, initialUrl.view.lng], initialUrl.view.zoom, { animate: false });

  const basemap = config.basemap ? api.basemap(config.basemap).catch(() => null) : Promise.resolve(null);
  mark("asked");
  const [geometry, raw, timeline, basemapData] = await Promise.all([
    api.zones(),
    api.history(),
    api.timeline().catch(() => ({ events: [] })),
    basemap,
  ]);
  mark("answers");
  if (basemapData) addBasemap(map, basemapData);

  const zoneAreas = geometry.features.map((f) => f.properties.area_km2 || 0);
  const history = buildHistory(raw, zoneAreas);
  const state = history.newState();
  mark("history");
  let day = Math.min(history.end, Math.max(history.start, calendar.dayOf(config.date)));
  let compareFrom = null;
  let lastRepaintMs = 0;
  let url = null;

  const layers = createZoneLayers({
    map,
    geometry,
    history,
    i18n,
    preferCanvas: config.preferCanvas === null ? undefined : config.preferCanvas,
    onSelect: (z) => selectZone(z),
    fit: (bounds) => {
      if (!(initialUrl && initialUrl.view) && bounds.isValid()) map.fitBounds(bounds, { padding: [8, 8], animate: false });
    },
  });
  mark("layers");

  let events = null; // the events layer (below), on maps with events
  const panelRoot = find('[data-panel="root"]');
  const panel = panelRoot
    ? createZonePanel({
        root: panelRoot,
        picker: find('[data-control="zone-picker"]'),
        geometry,
        history,
        calendar,
        i18n,
        onClose: () => selectZone(-1),
        onPick: (z) => selectZone(z, true),
        // The events inside a zone, once the events layer exists (maps with events); null otherwise.
        zoneEvents: (zone) => (events ? events.inZone(zone) : null),
        currentDay: () => day,
      })
    : null;

  const controls = createTimeControls({
    root,
    calendar,
    start: history.start,
    end: history.end,
    i18n,
    nextChangeDay: history.nextChangeDay,
    onStep: (newDay, mode) => setDay(newDay, mode),
  });
  controls.drawTicks(timeline);

  // Events beside the ground, on maps that have them (config.events), where the page loads Leaflet.markercluster:
  // the module is fetched only then, so the embed and maps without events never load it.
  events =
    config.events && L.markerClusterGroup
      ? (await import("./events.js")).createEventsLayer({ map, apiRoot: config.apiRoot, slug: config.slug,
          version: config.version, calendar, i18n, start: config.start, end: config.end,
          ticks: find('[data-control="ticks"]') })
      : null;

  const chartRoot = find('[data-chart="plot"]');
  const chart = chartRoot
    ? createAreaChart({
        root: chartRoot,
        readout: find('[data-chart="readout"]'),
        history,
        calendar,
        i18n,
        onPick: (picked) => {
          controls.stop();
          controls.show(picked);
          setDay(picked, "push");
        },
      })
    : null;

  const summaryRoot = find('[data-summary="root"]');
  const summary = summaryRoot ? createDaySummary({ root: summaryRoot, api, calendar, i18n, history }) : null;

  const compareRoot = find('[data-compare="root"]');
  const compare = compareRoot
    ? createCompare({
        root: compareRoot,
        calendar,
        history,
        i18n,
        onChange: (fromDay, toDay) => {
          setCompare(fromDay);
          if (toDay !== null) {
            controls.show(toDay);
            setDay(toDay, "push");
          } else {
            writeUrl("push");
          }
        },
      })
    : null;

  function selectZone(z, fromList) {
    layers.select(z);
    if (!panel) return;
    if (z < 0) panel.close();
    else {
      panel.open(z, state);
      if (fromList) {
        map.fitBounds(layers.layers[z].getBounds(), { maxZoom: Math.max(map.getZoom(), 13), animate: false });
        panelRoot.scrollIntoView({ block: "nearest" });
      }
    }
    root.dataset.panel = z < 0 ? "closed" : "open";
  }

  function setCompare(fromDay) {
    compareFrom = fromDay;
    let changed = null;
    if (compare) {
      compare.set(fromDay);
      changed = compare.update(day);
    } else if (fromDay !== null) {
      changed = history.compare(fromDay, day).changed;
    }
    layers.setCompare(fromDay === null ? null : changed);
    if (fromDay !== null && compareRoot && "open" in compareRoot) compareRoot.open = true;
    root.dataset.compare = fromDay === null ? "off" : "on";
  }

  // The URL follows the state, but not on every step: history.pushState is a same-document navigation for the
  // browser (milliseconds of the page's main thread, more on a big page, and the favicon looked at again). Steps
  // are written once they come to rest for URL_REST_MS: a run of steps (keys pressed again and again, a held
  // key, a drag, playing) is one write, a new history entry if any step of it was deliberate ("push"), else
  // the current entry replaced. Back then returns to where the run began. A click anywhere or leaving the page
  // writes what is waiting first; going back drops it.
  const URL_REST_MS = 300;
  let urlMode = null; // the write waiting: null, "push" or "replace"
  let urlTimer = null;
  function writeUrl(mode) {
    if (!url) return;
    // "written" once the URL says what is shown (tests and tools wait for it)
    if (root.dataset.url !== "pending") root.dataset.url = "pending";
    urlMode = urlMode === "push" || mode === "push" ? "push" : "replace";
    if (urlTimer) clearTimeout(urlTimer);
    urlTimer = setTimeout(flushUrl, URL_REST_MS);
  }
  function flushUrl() {
    if (urlTimer) clearTimeout(urlTimer);
    urlTimer = null;
    if (!urlMode) return;
    const mode = urlMode;
    urlMode = null;
    url.write({ date: calendar.isoOf(day), compare: compareFrom === null ? null : calendar.isoOf(compareFrom) }, mode);
    updateLanguageLinks();
    root.dataset.url = "written";
  }
  // Whatever a click leads to (a language link, the Share dialog reading the URL, the next button) starts from
  // the URL of what is shown: a waiting write is done first, in the capture phase, before the click's own work.
  document.addEventListener("click", flushUrl, true);
  window.addEventListener("pagehide", flushUrl);

  function updateLanguageLinks() {
    for (const link of languageLinks) {
      link.href = withLanguage(window.location.href, link.dataset.langLink);
    }
  }

  // One step: work out the state for `newDay`, restyle what changed, update the panel, chart and comparison.
  // mode: "push" (a deliberate step: new browser-history entry), "replace" (dragging, playing), "none".
  function setDay(newDay, mode) {
    const t0 = performance.now();
    day = newDay;
    history.stateAt(day, state);
    const changed = layers.paint(state);
    if (compare && compareFrom !== null) layers.setCompare(compare.update(day));
    else if (compare) compare.update(day);
    if (chart) chart.mark(day);
    if (panel) panel.update(state);
    if (summary) summary.update(day);
    if (events) events.update(day);
    lastRepaintMs = performance.now() - t0;
    root.dataset.date = calendar.isoOf(day);
    if (status && mode === "push") {
      status.textContent =
        i18n.date(calendar.dateOf(day)) +
        (changed.length ? " — " + i18n.t("%(n)s zones changed", { n: i18n.int(changed.length) }) : "");
    }
    if (mode === "push" || mode === "replace") writeUrl(mode);
    return changed;
  }

  function restore(fromUrl) {
    // Back or forward: the entry's URL is the state now; a write still waiting belonged to the entry left.
    if (urlTimer) clearTimeout(urlTimer);
    urlTimer = null;
    urlMode = null;
    root.dataset.url = "written";
    controls.stop();
    const restoredDay = fromUrl.date ? calendar.dayOf(fromUrl.date) : history.default;
    const clamped = Math.min(history.end, Math.max(history.start, restoredDay));
    if ((fromUrl.compare ? calendar.dayOf(fromUrl.compare) : null) !== compareFrom) {
      setCompare(fromUrl.compare ? Math.min(history.end, Math.max(history.start, calendar.dayOf(fromUrl.compare))) : null);
    }
    controls.show(clamped);
    setDay(clamped, "none");
    if (fromUrl.view) map.setView([fromUrl.view.lat, fromUrl.view.lng], fromUrl.view.zoom, { animate: false });
  }

  mark("controls");
  controls.show(day);
  setDay(day, "none");
  mark("painted");
  if (config.urlState) {
    url = createUrlState({ onRestore: restore });
    if (initialUrl.compare) setCompare(Math.min(history.end, Math.max(history.start, calendar.dayOf(initialUrl.compare))));
    writeUrl("replace");
    flushUrl();
    url.writeView(map);
    map.on("moveend", () => {
      url.writeView(map);
      updateLanguageLinks();
    });
  }
  layers.refreshLabels();
  root.dataset.ready = "true";
  root.dataset.renderer = layers.renderer;
  mark("ready");

  const viewer = {
    map,
    history,
    layers,
    calendar,
    i18n,
    events,
    setDay: (newDay, mode) => {
      controls.show(newDay);
      return setDay(newDay, mode || "push");
    },
    get day() {
      return day;
    },
    get lastRepaintMs() {
      return lastRepaintMs;
    },
    selectZone,
    zoneIndex: (slug) => geometry.features.findIndex((f) => f.id === slug),
    setCompare: (fromDay) => {
      setCompare(fromDay);
      writeUrl("push");
    },
  };
  return viewer;
}
