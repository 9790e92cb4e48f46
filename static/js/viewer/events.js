// The events layer: points of what happened (battles, strikes, shelling, supply drops) in the days up to the
// shown date, beside the ground. The reader turns it on or off, picks the window (1, 7 or 30 days up to and
// including the shown day) and the types shown. Markers cluster at low zoom (Leaflet.markercluster, vendored).
//
// Events are fetched a calendar month at a time from /api/v1/maps/<slug>/events at the map's data version (so
// each month is cached for good until the record changes), and the window is cut from them in the browser: a
// slider step costs no request once its months are here. Popups are built from DOM nodes with textContent:
// whatever an event's text holds, it is shown as text.
//
// The map's types and its events per day come once from /events/days: the type filter, and the strip of
// event counts drawn along the slider's timeline (bars hanging from its top; control changes rise from below).
//
// createEventsLayer({ map, apiRoot, slug, version, calendar, i18n, start, end, ticks }) -> { update(day), ... }
const WINDOWS = [1, 7, 30];
const DEFAULT_WINDOW = 7;
// Distinct, colour-blind-aware hues (Okabe-Ito), given to types in their sorted order.
const TYPE_COLOURS = ["#e69f00", "#56b4e9", "#009e73", "#d55e00", "#cc79a7", "#0072b2", "#f0e442", "#000000"];
const CLUSTER_UNTIL_ZOOM = 11;
const SVG_NS = "http://www.w3.org/2000/svg";

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

// Text from the record, in whatever script it is written: its own direction inside the interface's.
function recorded(tag, className, text) {
  const node = element(tag, className, text);
  node.dir = "auto";
  return node;
}

function monthKey(iso) {
  return iso.slice(0, 7);
}

function monthRange(key) {
  const [year, month] = key.split("-").map(Number);
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return [key + "-01", key + "-" + String(last).padStart(2, "0")];
}

function isHttp(url) {
  return /^https?:\/\//i.test(url || "");
}

export function createEventsLayer(options) {
  const { map, calendar, i18n } = options;
  const base =
    (options.apiRoot || "/api/v1").replace(/\/$/, "") + "/maps/" + encodeURIComponent(options.slug) + "/events";
  const version = encodeURIComponent(options.version);
  const months = new Map(); // "YYYY-MM" -> Promise of features
  let days = null; // Promise of /events/days
  const markers = new Map(); // event id -> marker on the map
  let types = [];
  const hiddenTypes = new Set();
  let on = false;
  let windowDays = DEFAULT_WINDOW;
  let day = null;
  let generation = 0;

  // A cluster's icon, as markercluster's own (<div><span>count</span></div>, sized by count) but built as
  // elements: the library's HTML string is parsed again for every cluster whose count a step changes, which was
  // most of what the layer cost a step at low zoom (tens of clusters, each a trip through the HTML parser).
  function clusterIcon(group) {
    const count = group.getChildCount();
    const inner = document.createElement("div");
    inner.appendChild(element("span", null, String(count)));
    const size = count < 10 ? "small" : count < 100 ? "medium" : "large";
    return new L.DivIcon({ html: inner, className: "marker-cluster marker-cluster-" + size, iconSize: new L.Point(40, 40) });
  }

  const cluster = L.markerClusterGroup({
    iconCreateFunction: clusterIcon,
    disableClusteringAtZoom: CLUSTER_UNTIL_ZOOM,
    maxClusterRadius: 45,
    showCoverageOnHover: false,
    spiderfyOnMaxZoom: true,
    chunkedLoading: true,
    animate: false, // no zoom animation of clusters: each step adds and removes markers, and animating them cost the step
  });

  // --- the control -------------------------------------------------------------------------------------------
  const box = element("div", "events-control leaflet-bar");
  box.dataset.events = "control";
  box.dir = i18n.rtl ? "rtl" : "ltr";
  const toggleLabel = element("label", "events-toggle");
  const toggle = element("input");
  toggle.type = "checkbox";
  toggle.dataset.events = "toggle";
  toggleLabel.append(toggle, " ", element("span", null, i18n.t("Events")));
  const windowLabel = element("label", "events-window");
  const windowSelect = element("select");
  windowSelect.dataset.events = "window";
  for (const days of WINDOWS) {
    const option = element("option", null, days === 1 ? i18n.t("the day shown") : i18n.t("%(n)s days up to the day shown", { n: i18n.int(days) }));
    option.value = String(days);
    option.selected = days === windowDays;
    windowSelect.append(option);
  }
  windowLabel.append(element("span", null, i18n.t("Window") + " "), windowSelect);
  const typeList = element("fieldset", "events-types");
  typeList.dataset.events = "types";
  typeList.append(element("legend", null, i18n.t("Types")));
  const count = element("p", "events-count");
  count.dataset.events = "count";
  count.setAttribute("aria-live", "polite");
  const details = element("div", "events-details");
  details.hidden = true;
  details.append(windowLabel, typeList, count);
  box.append(toggleLabel, details);
  L.DomEvent.disableClickPropagation(box);
  L.DomEvent.disableScrollPropagation(box);

  const Control = L.Control.extend({ onAdd: () => box });
  new Control({ position: i18n.rtl ? "topleft" : "topright" }).addTo(map);

  toggle.addEventListener("change", () => setOn(toggle.checked));
  windowSelect.addEventListener("change", () => {
    windowDays = Number(windowSelect.value);
    refresh();
  });

  function colourOf(type) {
    const index = types.indexOf(type);
    return TYPE_COLOURS[(index < 0 ? types.length : index) % TYPE_COLOURS.length];
  }

  function setTypes(list) {
    if (list.join("\n") === types.join("\n")) return;
    types = list.slice();
    for (const node of typeList.querySelectorAll("label")) node.remove();
    for (const type of types) {
      const label = element("label", "events-type");
      const check = element("input");
      check.type = "checkbox";
      check.checked = !hiddenTypes.has(type);
      check.value = type;
      check.addEventListener("change", () => {
        if (check.checked) hiddenTypes.delete(type);
        else hiddenTypes.add(type);
        refresh();
      });
      const swatch = element("span", "events-swatch");
      swatch.style.background = colourOf(type);
      label.append(check, swatch, recorded("span", null, type)); // a type is data: text, in the record's words
      typeList.append(label);
    }
  }

  // --- data ----------------------------------------------------------------------------------------------------
  function month(key) {
    if (!months.has(key)) {
      // The API takes dates inside the map's own: the first and last months are cut to them.
      const [monthFirst, monthLast] = monthRange(key);
      const first = monthFirst < options.start ? options.start : monthFirst;
      const last = monthLast > options.end ? options.end : monthLast;
      const url = base + "?v=" + version + "&from=" + first + "&to=" + last;
      const promise = fetch(url, { credentials: "same-origin" })
        .then((response) => {
          if (!response.ok) throw new Error(url + " answered " + response.status);
          return response.json();
        })
        .then((body) => {
          for (const feature of body.features) feature.day = calendar.dayOf(feature.properties.date);
          return body.features;
        })
        .catch((error) => {
          months.delete(key); // try again on the next step
          throw error;
        });
      months.set(key, promise);
    }
    return months.get(key);
  }

  function loadDays() {
    if (!days) {
      const url = base + "/days?v=" + version;
      days = fetch(url, { credentials: "same-origin" })
        .then((response) => {
          if (!response.ok) throw new Error(url + " answered " + response.status);
          return response.json();
        })
        .then((body) => {
          setTypes(body.types);
          drawStrip(body.days);
          return body;
        })
        .catch((error) => {
          days = null;
          throw error;
        });
    }
    return days;
  }

  // Event counts along the slider's timeline, in the slider's own coordinates (slider.js drawTicks).
  const strip = options.ticks ? document.createElementNS(SVG_NS, "svg") : null;
  if (strip) {
    strip.setAttribute("class", "event-ticks");
    strip.setAttribute("aria-hidden", "true");
    strip.setAttribute("focusable", "false");
    strip.dataset.events = "strip";
    strip.style.display = "none";
    options.ticks.parentNode.insertBefore(strip, options.ticks.nextSibling);
  }

  function drawStrip(list) {
    if (!strip) return;
    const width = 1000;
    const height = 24;
    const first = calendar.dayOf(options.start);
    const span = Math.max(1, calendar.dayOf(options.end) - first);
    strip.setAttribute("viewBox", "0 0 " + width + " " + height);
    strip.setAttribute("preserveAspectRatio", "none");
    while (strip.firstChild) strip.removeChild(strip.firstChild);
    const most = Math.max(1, ...list.map((entry) => entry.count));
    for (const entry of list) {
      const d = calendar.dayOf(entry.date);
      const bar = document.createElementNS(SVG_NS, "rect");
      bar.setAttribute("x", String(((d - first) / span) * width - 1));
      bar.setAttribute("width", "2");
      bar.setAttribute("y", "0");
      bar.setAttribute("height", String(Math.max(2, Math.sqrt(entry.count / most) * height * 0.45)));
      bar.setAttribute("class", "event-tick");
      bar.dataset.date = entry.date;
      bar.dataset.count = String(entry.count);
      strip.appendChild(bar);
    }
  }

  function windowMonths(lastDay) {
    const keys = new Set();
    for (let d = lastDay - windowDays + 1; d <= lastDay; d++) {
      const iso = calendar.isoOf(d);
      if (iso < options.start || iso > options.end) continue;
      keys.add(monthKey(iso));
    }
    return [...keys];
  }

  // The months a step or two ahead of the window, either way, asked for before they are needed: a slider step
  // into a new month then finds it here instead of waiting for the network (a month is thousands of events).
  const AHEAD = 7;
  function prefetch(lastDay) {
    for (const d of [lastDay + AHEAD, lastDay - windowDays + 1 - AHEAD]) {
      const iso = calendar.isoOf(d);
      if (iso < options.start || iso > options.end) continue;
      month(monthKey(iso)).catch(() => {}); // a failure is retried when the month is needed
    }
  }

  // --- markers and popups --------------------------------------------------------------------------------------
  function popupFor(feature) {
    const p = feature.properties;
    const root = element("div", "event-popup");
    root.dir = i18n.rtl ? "rtl" : "ltr";
    root.append(recorded("strong", "event-type", p.sub_type ? p.type + " — " + p.sub_type : p.type));
    let when = i18n.date(calendar.dateOf(feature.day));
    if (p.date_end) when += " – " + i18n.date(calendar.dateOf(calendar.dayOf(p.date_end)));
    if (p.date_precision && p.date_precision !== "day") when += " (" + i18n.t("precision:" + p.date_precision) + ")";
    root.append(element("div", "event-date", when));
    if (p.location) root.append(recorded("div", "event-location", p.location));
    const actors = [p.actor1, p.actor2].filter(Boolean).join(" — ");
    if (actors) {
      const line = element("div", "event-actors");
      line.append(element("span", "event-label", i18n.t("Actors") + ": "), recorded("span", null, actors));
      root.append(line);
    }
    const f = p.fatalities || {};
    if (f.best !== null && f.best !== undefined) {
      let text = i18n.int(f.best);
      if (f.low !== null && f.high !== null && (f.low !== f.best || f.high !== f.best)) {
        text += " (" + i18n.int(f.low) + "–" + i18n.int(f.high) + ")";
      }
      const line = element("div", "event-fatalities");
      line.append(element("span", "event-label", i18n.t("Fatalities") + ": "), element("span", null, text));
      root.append(line);
    }
    if (p.sources && p.sources.length) {
      root.append(element("div", "event-label", i18n.t("Sources") + ":"));
      const list = element("ul", "event-sources");
      for (const source of p.sources) {
        const item = recorded("li");
        const title = source.publisher && source.publisher !== source.title ? source.title + " — " + source.publisher : source.title;
        if (isHttp(source.url)) {
          const link = element("a", null, title);
          link.href = source.url;
          link.rel = "noopener noreferrer";
          link.target = "_blank";
          item.append(link);
        } else {
          item.textContent = title;
        }
        list.append(item);
      }
      root.append(list);
    }
    if (p.changes && p.changes.length) {
      // The control changes this event explains, each a link to its page in the public corrections log.
      root.append(element("div", "event-label", i18n.t("Control changes it explains") + ":"));
      const list = element("ul", "event-changes");
      for (const change of p.changes) {
        const item = element("li");
        const link = element("a", null, i18n.date(calendar.dateOf(calendar.dayOf(change.date))));
        link.href = "/maps/" + encodeURIComponent(options.slug) + "/changes/" + encodeURIComponent(change.id) + "/";
        item.append(link);
        if (change.title) item.append(" ", recorded("span", null, change.title));
        item.dataset.change = String(change.id);
        list.append(item);
      }
      root.append(list);
    }
    if (p.notes) root.append(recorded("p", "event-notes", p.notes));
    return root;
  }

  // The events inside one zone (the zone panel's list), fetched once per zone at the map's data version.
  const zones = new Map(); // zone slug -> Promise of features
  function inZone(zone) {
    if (!zones.has(zone)) {
      const url = base + "?v=" + version + "&zone=" + encodeURIComponent(zone);
      zones.set(
        zone,
        fetch(url, { credentials: "same-origin" })
          .then((response) => {
            if (!response.ok) throw new Error(url + " answered " + response.status);
            return response.json();
          })
          .then((body) => {
            for (const feature of body.features) feature.day = calendar.dayOf(feature.properties.date);
            return body.features;
          })
          .catch((error) => {
            zones.delete(zone);
            throw error;
          })
      );
    }
    return zones.get(zone);
  }

  function markerFor(feature) {
    const [lng, lat] = feature.geometry.coordinates;
    const marker = L.circleMarker([lat, lng], {
      className: "event-marker",
      radius: 7,
      weight: 1.5,
      color: "#ffffff",
      fillColor: colourOf(feature.properties.type),
      fillOpacity: 0.9,
    });
    marker.feature = feature;
    marker.bindPopup(() => popupFor(feature), { maxWidth: 320 });
    return marker;
  }

  function show(features) {
    const wanted = new Map();
    for (const feature of features) wanted.set(feature.id, feature);
    const gone = [];
    for (const [id, marker] of markers) {
      if (!wanted.has(id)) {
        gone.push(marker);
        markers.delete(id);
      }
    }
    const added = [];
    for (const [id, feature] of wanted) {
      if (!markers.has(id)) {
        const marker = markerFor(feature);
        markers.set(id, marker);
        added.push(marker);
      }
    }
    if (gone.length) cluster.removeLayers(gone);
    if (added.length) cluster.addLayers(added);
    count.textContent = i18n.t("%(n)s events", { n: i18n.int(markers.size) });
    box.dataset.shown = String(markers.size);
  }

  function refresh() {
    if (!on || day === null) return Promise.resolve();
    const current = ++generation;
    const lastDay = day;
    const firstDay = lastDay - windowDays + 1;
    box.dataset.loading = "true";
    prefetch(lastDay);
    return Promise.all([loadDays(), ...windowMonths(lastDay).map(month)])
      .then(([, ...lists]) => {
        if (current !== generation) return; // a later step has asked since
        const features = [];
        for (const list of lists) {
          for (const feature of list) {
            if (feature.day >= firstDay && feature.day <= lastDay && !hiddenTypes.has(feature.properties.type)) {
              features.push(feature);
            }
          }
        }
        show(features);
        box.dataset.loading = "false";
        box.dataset.day = calendar.isoOf(lastDay);
      })
      .catch(() => {
        if (current === generation) box.dataset.loading = "error";
      });
  }

  function setOn(value) {
    on = value;
    toggle.checked = value;
    details.hidden = !value;
    box.dataset.on = String(value);
    if (strip) strip.style.display = value ? "" : "none";
    if (value) {
      // Leaflet.markercluster needs a highest zoom to know when to stop clustering; the page sets none.
      if (!Number.isFinite(map.getMaxZoom())) map.setMaxZoom(19);
      map.addLayer(cluster);
      return refresh();
    }
    map.removeLayer(cluster);
    return Promise.resolve();
  }

  return {
    inZone,
    popupFor,
    update(newDay) {
      day = newDay;
      return refresh();
    },
    setOn,
    setWindow(days) {
      windowDays = WINDOWS.includes(days) ? days : DEFAULT_WINDOW;
      windowSelect.value = String(windowDays);
      return refresh();
    },
    get shown() {
      return markers.size;
    },
    cluster,
    control: box,
  };
}
