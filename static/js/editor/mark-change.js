// The "Mark control change" page: the chosen map's zones on the chosen date (before), the same map after the
// change (preview), a searchable list of the zones, sources, a pasted article, and Save, which records one
// draft through the write API (POST /api/v1/maps/<slug>/changes). Selection is kept in one Set; the map, the
// list and the article highlights all show it. Text from the database goes in through textContent only.
// Ground that is not whole zones is drawn on the "before" map with Leaflet-Geoman (static/vendor/leaflet-geoman):
// the drawn shapes travel as the change's `geometry`, and the preview shows the zones publishing would split.
// A line drawn across zones (the line tool) cuts them: the pieces on the side the editor picks (left or right of
// the line as drawn) travel as the change's `cut`, beside or instead of drawn shapes.
import { COLORS, zoneStyle } from "../map-style.js";
import { renderPlaceList, whyNot } from "./article-places.js";
import { asText, callJson, fmt, fold, onMap, showBasemap } from "./common.js";
import { createEventPicker } from "./mark-events.js";

const config = JSON.parse(document.getElementById("mark-config").textContent);
const words = config.words;
const form = document.getElementById("mark-form");
const mapSelect = document.getElementById("id_map");
const dateInput = document.getElementById("id_date");
const actorSelect = document.getElementById("id_actor");
const confidenceSelect = document.getElementById("id_confidence");
const placeList = document.getElementById("place-list");
const search = document.getElementById("place-search");
const selectedCount = document.getElementById("selected-count");
const summary = document.getElementById("preview-summary");
const previewTable = document.getElementById("preview-table");
const formErrors = document.getElementById("form-errors");
const savedNote = document.getElementById("saved-note");
const sourceRows = document.getElementById("source-rows");
const sourceTemplate = document.getElementById("source-template");
const clearGround = document.getElementById("clear-ground");
const groundState = document.getElementById("ground-state");
const groundSummary = document.getElementById("ground-summary");
const groundHeadline = document.getElementById("ground-headline");
const groundSplits = document.getElementById("ground-splits");
const cutSide = document.getElementById("cut-side");

const selected = new Set(); // place slugs
let features = []; // GeoJSON features of the zones on the chosen date
let byPlace = new Map(); // slug -> feature
let mapInfo = null;
let beforeMap = null;
let afterMap = null;
let beforeLayer = null;
let afterLayer = null;
let basemaps = [];
let fitted = false;
let previewTimer = null;
let previewSeq = 0;
let lastPreview = null;
let eventPicker = null; // the events near the change (mark-events.js), made when the maps are
let drawn = null; // the shapes drawn on the before map (a FeatureGroup), or null without Geoman
let groundLayer = null; // the ground as snapped to the zones, shown on the after map

const arabic = config.language === "ar";
function placeName(p) {
  return arabic && p.name_ar ? p.name_ar : p.name_en;
}
function actorName(slug) {
  if (!slug) return words.unknown;
  const actor = (mapInfo.actors || []).find((a) => a.slug === slug);
  return actor ? actor.name : slug;
}
function actorColor(slug) {
  const actor = (mapInfo.actors || []).find((a) => a.slug === slug);
  return actor ? actor.color : COLORS.unknown;
}
function status() {
  const checked = form.querySelector("input[name=status]:checked");
  return checked ? checked.value : "held";
}

// --- the two maps ---------------------------------------------------------------------------------------

onMap(
  (container) => container.id === "mark-map" || container.id === "preview-map",
  function (map) {
    if (map.getContainer().id === "mark-map") beforeMap = map;
    else afterMap = map;
    if (beforeMap && afterMap) start();
  }
);

function beforeStyle(feature) {
  const style = zoneStyle(feature.properties);
  if (selected.has(feature.id)) {
    style.color = COLORS.selected;
    style.weight = 4;
    style.dashArray = null;
  }
  return style;
}

function afterProperties(feature) {
  if (!selected.has(feature.id)) return feature.properties;
  return Object.assign({}, feature.properties, { color: actorColor(actorSelect.value), status: status() });
}

function afterStyle(feature) {
  const style = zoneStyle(afterProperties(feature));
  if (selected.has(feature.id)) {
    style.color = COLORS.selected;
    style.weight = 3;
  }
  return style;
}

function drawZones() {
  if (beforeLayer) beforeLayer.remove();
  if (afterLayer) afterLayer.remove();
  const collection = { type: "FeatureCollection", features: features };
  beforeLayer = L.geoJSON(collection, {
    style: beforeStyle,
    // Geoman leaves the zones alone (they are not the editor's to reshape) but snaps drawn corners to them.
    pmIgnore: true,
    snapIgnore: false,
    onEachFeature: function (feature, layer) {
      layer.bindTooltip(asText(placeName(feature.properties)), { sticky: true });
      layer.on("click", function (event) {
        if (eventPicker && eventPicker.takeClick(event.latlng)) return; // placing an event, not choosing a zone
        if (!drawing()) toggle(feature.id);
      });
      layer.on("add", function () {
        const element = layer.getElement();
        if (element) element.setAttribute("data-place", feature.id);
      });
    },
  }).addTo(beforeMap);
  afterLayer = L.geoJSON(collection, {
    style: afterStyle,
    interactive: true,
    onEachFeature: function (feature, layer) {
      layer.bindTooltip(asText(placeName(feature.properties)), { sticky: true });
      layer.on("add", function () {
        const element = layer.getElement();
        if (element) element.setAttribute("data-place", feature.id);
      });
    },
  }).addTo(afterMap);
  if (!fitted && beforeLayer.getBounds().isValid()) {
    beforeMap.fitBounds(beforeLayer.getBounds());
    afterMap.fitBounds(beforeLayer.getBounds());
    fitted = true;
  }
}

function restyle() {
  if (beforeLayer) beforeLayer.setStyle(beforeStyle);
  if (afterLayer) afterLayer.setStyle(afterStyle);
}

// --- the list of places ---------------------------------------------------------------------------------

function buildList() {
  placeList.textContent = "";
  const sorted = features.slice().sort((a, b) => placeName(a.properties).localeCompare(placeName(b.properties)));
  sorted.forEach(function (feature) {
    const p = feature.properties;
    const item = document.createElement("li");
    item.dataset.place = feature.id;
    item.dataset.search = fold([p.name_en, p.name_ar, feature.id].join(" "));
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.value = feature.id;
    box.checked = selected.has(feature.id);
    box.addEventListener("change", function () {
      toggle(feature.id, box.checked);
    });
    label.appendChild(box);
    const english = document.createElement("span");
    english.className = "name-en";
    english.textContent = p.name_en;
    label.appendChild(english);
    if (p.name_ar) {
      const ar = document.createElement("span");
      ar.className = "name-ar";
      ar.lang = "ar";
      ar.dir = "rtl";
      ar.textContent = p.name_ar;
      label.appendChild(ar);
    }
    const holder = document.createElement("span");
    holder.className = "holder";
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = p.color || COLORS.unknown;
    holder.appendChild(swatch);
    holder.append(p.actor ? `${actorName(p.actor)} (${words[p.status] || p.status})` : words.unknown);
    label.appendChild(holder);
    item.appendChild(label);
    placeList.appendChild(item);
  });
  filterList();
}

function filterList() {
  const wanted = fold(search.value);
  placeList.querySelectorAll("li").forEach(function (item) {
    item.hidden = wanted !== "" && !item.dataset.search.includes(wanted);
  });
}

function toggle(slug, on) {
  if (!byPlace.has(slug)) return;
  const want = on === undefined ? !selected.has(slug) : on;
  if (want) selected.add(slug);
  else selected.delete(slug);
  const box = placeList.querySelector(`input[value="${CSS.escape(slug)}"]`);
  if (box) box.checked = want;
  document.querySelectorAll(`#article-matches [data-place="${CSS.escape(slug)}"]`).forEach(function (mark) {
    mark.classList.toggle("is-selected", want);
  });
  const listed = document.querySelector(`#article-places input[value="${CSS.escape(slug)}"]`);
  if (listed) listed.checked = want;
  selectedCount.textContent = selected.size ? `(${selected.size} ${words.selected})` : "";
  document.body.dataset.selected = Array.from(selected).sort().join(",");
  restyle();
  schedulePreview();
}

// --- loading the zones on a date ------------------------------------------------------------------------

function setProblem(field, message) {
  const [head, tail] = splitField(field);
  let target = null;
  if (head !== null) {
    const row = sourceRows.children[head];
    if (row) target = row.querySelector(`[data-problem-for="${tail}"]`);
  }
  if (!target) target = form.querySelector(`[data-problem-for="${CSS.escape(field || "")}"]`);
  if (target) target.textContent = message;
  return target;
}

function splitField(field) {
  const match = /^sources\[(\d+)\](?:\.(\w+))?$/.exec(field || "");
  if (!match) return [null, null];
  return [Number(match[1]), match[2] || "title"];
}

function clearProblems() {
  form.querySelectorAll(".field-problem").forEach((p) => (p.textContent = ""));
  formErrors.hidden = true;
  formErrors.textContent = "";
}

function loadZones() {
  clearProblems();
  document.body.dataset.loading = "true";
  summary.textContent = words.loading;
  const url = `/api/v1/maps/${encodeURIComponent(mapInfo.slug)}/zones?date=${encodeURIComponent(dateInput.value)}`;
  return callJson(url).then(function (answer) {
    document.body.dataset.loading = "false";
    if (answer.status !== 200) {
      setProblem(answer.data.field || "date", answer.data.error);
      summary.textContent = "";
      return;
    }
    features = answer.data.features.filter((f) => f.geometry);
    byPlace = new Map(features.map((f) => [f.id, f]));
    Array.from(selected).forEach((slug) => byPlace.has(slug) || selected.delete(slug));
    drawZones();
    buildList();
    toggleRefresh();
    document.body.dataset.zonesDate = answer.data.date;
  });
}

function toggleRefresh() {
  selectedCount.textContent = selected.size ? `(${selected.size} ${words.selected})` : "";
  document.body.dataset.selected = Array.from(selected).sort().join(",");
  restyle();
  schedulePreview();
}

function chooseMap(slug) {
  mapInfo = config.maps.find((m) => m.slug === slug) || config.maps[0];
  mapSelect.value = mapInfo.slug;
  dateInput.min = mapInfo.start;
  dateInput.max = mapInfo.end;
  if (!dateInput.value || dateInput.value < mapInfo.start || dateInput.value > mapInfo.end) {
    dateInput.value = config.date && config.date >= mapInfo.start && config.date <= mapInfo.end ? config.date : mapInfo.default_date;
  }
  actorSelect.textContent = "";
  mapInfo.actors.forEach(function (actor) {
    const option = document.createElement("option");
    option.value = actor.slug;
    option.textContent = actor.name;
    actorSelect.appendChild(option);
  });
  selected.clear();
  if (drawn) drawn.clearLayers(); // ground drawn on another map is not this map's
  fitted = false;
  basemaps.forEach((layer) => layer && layer.remove());
  basemaps = [];
  Promise.all([showBasemap(beforeMap, mapInfo.basemap), showBasemap(afterMap, mapInfo.basemap)]).then(
    (layers) => (basemaps = layers)
  );
  return loadZones();
}

// --- preview --------------------------------------------------------------------------------------------

function schedulePreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(runPreview, 200);
}

function changeBody() {
  const body = {
    date: dateInput.value,
    places: Array.from(selected).sort(),
    actor: actorSelect.value,
    status: status(),
    confidence: confidenceSelect.value,
  };
  const geometry = groundGeometry();
  if (geometry) body.geometry = geometry;
  const line = cutLine();
  if (line) body.cut = { line: line, side: cutSide.querySelector("input[name=cut_side]:checked").value };
  return body;
}

function runPreview() {
  const seq = ++previewSeq;
  if (eventPicker) {
    eventPicker.setDate(dateInput.value);
    eventPicker.refresh(mapInfo.slug, changeBody());
  }
  if (!selected.size && !groundGeometry() && !cutLine()) {
    summary.textContent = words.nothingSelected;
    previewTable.hidden = true;
    showGround(null);
    lastPreview = null;
    document.body.dataset.previewFor = "";
    return;
  }
  const body = changeBody();
  callJson(`/api/v1/maps/${encodeURIComponent(mapInfo.slug)}/changes/preview`, body, config.language).then(
    function (answer) {
      if (seq !== previewSeq) return; // a newer preview is on its way
      if (answer.status !== 200) {
        summary.textContent = answer.data.error || "";
        previewTable.hidden = true;
        showGround(null);
        document.body.dataset.previewFor = "refused";
        return;
      }
      lastPreview = answer.data;
      showPreview(answer.data);
      showGround(answer.data.ground || null);
      document.body.dataset.previewFor =
        body.places.join(",") + (body.geometry ? "+ground" : "") + (body.cut ? `+cut-${body.cut.side}` : "");
    }
  );
}

function showPreview(preview) {
  summary.textContent = "";
  const headline = document.createElement("p");
  headline.className = "preview-headline";
  headline.textContent = fmt(words.changesHands, {
    count: preview.changing_hands,
    km2: preview.area_km2.changing_hands.toFixed(2),
  });
  summary.appendChild(headline);
  Object.entries(preview.area_km2.by_actor).forEach(function ([slug, entry]) {
    ["gained", "lost"].forEach(function (key) {
      if (!entry[key]) return;
      const line = document.createElement("p");
      line.className = `preview-${key}`;
      line.textContent = fmt(words[key], { actor: actorName(slug), km2: entry[key].toFixed(2) });
      summary.appendChild(line);
    });
  });
  if (preview.alters_nothing) {
    const warning = document.createElement("p");
    warning.className = "preview-nothing";
    warning.textContent = preview.message || words.noChange;
    summary.appendChild(warning);
  }
  const body = previewTable.tBodies[0];
  body.textContent = "";
  preview.places.forEach(function (row) {
    const tr = document.createElement("tr");
    tr.dataset.place = row.place;
    const cells = [
      arabic && row.name_ar ? row.name_ar : row.name_en,
      row.from_actor ? `${actorName(row.from_actor)} (${words[row.from_status] || row.from_status})` : words.unknown,
      `${actorName(row.to_actor)} (${words[row.to_status] || row.to_status})`,
      [
        row.changes ? (row.changes_hands ? "" : words.statusOnly) : words.noChange,
        row.until ? fmt(words.until, { date: row.until }) : "",
      ]
        .filter(Boolean)
        .join("; "),
    ];
    cells.forEach(function (text) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    });
    body.appendChild(tr);
  });
  previewTable.hidden = false;
}

// --- the drawn ground -----------------------------------------------------------------------------------

// True while a Geoman tool has the map's clicks (drawing, editing or removing shapes): a click then is not a
// zone picked.
function drawing() {
  const pm = beforeMap && beforeMap.pm;
  return Boolean(pm && (pm.globalDrawModeEnabled() || pm.globalEditModeEnabled() || pm.globalRemovalModeEnabled()));
}

function setUpDrawing() {
  if (!beforeMap.pm) return; // Geoman did not load: zones are still picked whole
  drawn = L.featureGroup().addTo(beforeMap);
  beforeMap.pm.setLang(config.language, config.drawWords, "en");
  beforeMap.pm.setGlobalOptions({
    layerGroup: drawn,
    snappable: true,
    snapDistance: 12,
    allowSelfIntersection: false,
    templineStyle: { color: COLORS.selected },
    hintlineStyle: { color: COLORS.selected, dashArray: "5,5" },
    pathOptions: { color: COLORS.selected, weight: 3, fillOpacity: 0.15 },
  });
  beforeMap.pm.addControls({
    position: "topleft",
    drawMarker: false,
    drawCircleMarker: false,
    drawPolyline: true,
    drawCircle: false,
    drawText: false,
    drawPolygon: true,
    drawRectangle: true,
    editMode: true,
    dragMode: false,
    cutPolygon: false,
    rotateMode: false,
    removalMode: true,
  });
  beforeMap.on("pm:create", function (event) {
    if (event.shape === "Line") {
      // One cut at a time: a new line replaces the one drawn before.
      drawn.eachLayer((layer) => layer !== event.layer && isLine(layer) && drawn.removeLayer(layer));
    }
    event.layer.on("pm:edit", groundChanged);
    groundChanged();
  });
  cutSide.addEventListener("change", schedulePreview);
  beforeMap.on("pm:remove", groundChanged);
  clearGround.addEventListener("click", function () {
    drawn.clearLayers();
    groundChanged();
  });
}

function isLine(layer) {
  return layer.toGeoJSON().geometry.type === "LineString";
}

// The cut line drawn across zones (a GeoJSON LineString, WGS84, in the order it was drawn), or null.
function cutLine() {
  if (!drawn) return null;
  const lines = drawn.getLayers().filter(isLine);
  return lines.length ? lines[lines.length - 1].toGeoJSON().geometry : null;
}

// The drawn shapes as one GeoJSON Polygon or MultiPolygon (WGS84), or null when nothing is drawn. Overlapping
// shapes are fine: the server repairs the geometry (their union).
function groundGeometry() {
  if (!drawn) return null;
  const polygons = [];
  drawn.eachLayer(function (layer) {
    const geometry = layer.toGeoJSON().geometry;
    if (geometry.type === "Polygon") polygons.push(geometry.coordinates);
    else if (geometry.type === "MultiPolygon") geometry.coordinates.forEach((p) => polygons.push(p));
  });
  if (!polygons.length) return null;
  return polygons.length === 1
    ? { type: "Polygon", coordinates: polygons[0] }
    : { type: "MultiPolygon", coordinates: polygons };
}

function groundChanged() {
  const lines = drawn ? drawn.getLayers().filter(isLine).length : 0;
  const count = drawn ? drawn.getLayers().length - lines : 0;
  clearGround.disabled = count + lines === 0;
  const state = [count ? fmt(words.groundDrawn, { count: count }) : "", lines ? words.cutDrawn : ""];
  groundState.textContent = state.filter(Boolean).join(" ");
  cutSide.hidden = lines === 0;
  document.body.dataset.ground = String(count);
  document.body.dataset.cut = String(lines);
  schedulePreview();
}

// The preview's `ground`: the ground as snapped to the zones on the after map, and the zones it would split.
function showGround(ground) {
  if (groundLayer) groundLayer.remove();
  groundLayer = null;
  groundSplits.textContent = "";
  if (!ground) {
    groundSummary.hidden = true;
    return;
  }
  groundLayer = L.geoJSON(ground.geometry, {
    interactive: false,
    style: { color: COLORS.selected, weight: 3, fillColor: actorColor(actorSelect.value), fillOpacity: 0.45 },
  }).addTo(afterMap);
  groundHeadline.textContent = fmt(words.groundSummary, {
    km2: ground.area_km2.toFixed(2),
    split: ground.split.length,
    parts: ground.parts,
    covered: ground.covered.length,
  });
  ground.split.forEach(function (row) {
    const item = document.createElement("li");
    item.dataset.place = row.zone;
    const feature = byPlace.get(row.zone);
    item.textContent = fmt(words.groundSplit, {
      name: feature ? placeName(feature.properties) : row.zone,
      inside: row.inside_km2.toFixed(2),
      outside: row.outside_km2.toFixed(2),
    });
    groundSplits.appendChild(item);
  });
  groundSummary.hidden = false;
}

// --- sources --------------------------------------------------------------------------------------------

function addSource() {
  const row = sourceTemplate.content.firstElementChild.cloneNode(true);
  const index = sourceRows.children.length;
  row.querySelectorAll("[data-key]").forEach(function (input) {
    input.id = `source-${index}-${input.dataset.key}`;
    input.name = `sources[${index}].${input.dataset.key}`;
    const label = input.previousElementSibling;
    if (label && label.tagName === "LABEL") label.htmlFor = input.id;
  });
  row.querySelector(".remove-source").addEventListener("click", function () {
    if (sourceRows.children.length > 1) row.remove();
  });
  sourceRows.appendChild(row);
  return row;
}

function sourcesBody() {
  return Array.from(sourceRows.children)
    .map(function (row) {
      const source = {};
      row.querySelectorAll("[data-key]").forEach(function (input) {
        const value = input.value.trim();
        if (value) source[input.dataset.key] = value;
      });
      return source;
    })
    .filter((source) => Object.keys(source).length > 0);
}

// --- saving ---------------------------------------------------------------------------------------------

function save(event) {
  event.preventDefault();
  clearProblems();
  savedNote.hidden = true;
  const body = Object.assign(changeBody(), {
    title: document.getElementById("id_title").value,
    note: document.getElementById("id_note").value,
    sources: sourcesBody(),
    events: eventPicker ? eventPicker.ids() : [],
  });
  const button = document.getElementById("save-change");
  button.disabled = true;
  callJson(`/api/v1/maps/${encodeURIComponent(mapInfo.slug)}/changes`, body, config.language)
    .then(function (answer) {
      if (answer.status === 201) {
        savedNote.textContent = "";
        const text = document.createElement("span");
        text.textContent = fmt(words.saved, { id: answer.data.id }) + " ";
        savedNote.appendChild(text);
        const link = document.createElement("a");
        link.href = config.queueUrl;
        link.textContent = words.openQueue;
        savedNote.appendChild(link);
        savedNote.hidden = false;
        savedNote.dataset.changeId = answer.data.id;
        if (body.geometry || body.cut) {
          const note = document.createElement("span");
          note.textContent = " " + words.groundSaved;
          savedNote.appendChild(note);
          drawn.clearLayers();
          groundChanged();
        }
        Array.from(selected).forEach((slug) => toggle(slug, false));
        if (eventPicker) eventPicker.reset();
        return;
      }
      formErrors.textContent = `${words.fixErrors} ${answer.data.error}`;
      formErrors.hidden = false;
      formErrors.dataset.field = answer.data.field || "";
      const target = setProblem(answer.data.field, answer.data.error);
      if (target && target.scrollIntoView) target.scrollIntoView({ block: "center" });
    })
    .catch(function () {
      formErrors.textContent = words.networkError;
      formErrors.hidden = false;
    })
    .finally(function () {
      button.disabled = false;
    });
}

// --- a pasted article -----------------------------------------------------------------------------------

function findPlaces() {
  const box = document.getElementById("article-matches");
  const list = document.getElementById("article-places");
  const text = document.getElementById("article-text").value;
  box.textContent = "";
  list.textContent = "";
  if (!text.trim()) return;
  // Offsets are in code points (the API's places/match contract); Array.from counts the same way whatever the script.
  const chars = Array.from(text);
  const slice = (start, end) => chars.slice(start, end).join("");
  callJson("/api/v1/places/match", { text: text, map: mapInfo.slug })
    .then(function (answer) {
      if (answer.status === 404 || answer.status === 405) {
        box.textContent = words.matchUnavailable;
        return;
      }
      if (answer.status !== 200) {
        box.textContent = answer.data.error || "";
        return;
      }
      const matches = (answer.data.matches || []).slice().sort((a, b) => a.start - b.start);
      if (!matches.length) {
        box.textContent = words.noMatches;
        return;
      }
      let cursor = 0;
      matches.forEach(function (match) {
        if (match.start < cursor) return; // overlapping matches: keep the first
        box.append(slice(cursor, match.start));
        const mark = document.createElement("mark");
        mark.textContent = slice(match.start, match.end);
        mark.dataset.place = match.place;
        const isZone = byPlace.has(match.place);
        mark.className = isZone ? "place-match is-zone" : "place-match not-zone";
        mark.classList.add(match.confident ? "is-confident" : "is-doubtful");
        mark.dataset.confidence = String(match.confidence);
        if (!isZone) mark.title = words.notAZone;
        else if (!match.confident) mark.title = whyNot(match, words);
        else mark.title = placeName(byPlace.get(match.place).properties);
        if (isZone) {
          mark.tabIndex = 0;
          mark.setAttribute("role", "button");
          mark.classList.toggle("is-selected", selected.has(match.place));
          mark.addEventListener("click", () => toggle(match.place));
          mark.addEventListener("keydown", function (event) {
            if (event.key === "Enter" || event.key === " ") {
              event.preventDefault();
              toggle(match.place);
            }
          });
        }
        box.appendChild(mark);
        cursor = match.end;
      });
      box.append(slice(cursor));
      // The confident mentions of zones are ticked, which selects them; the others wait for the editor.
      const ticked = renderPlaceList(list, matches, {
        words: words,
        isZone: (slug) => byPlace.has(slug),
        isSelected: (slug) => selected.has(slug),
        name: placeName,
        toggle: toggle,
      });
      ticked.forEach((slug) => toggle(slug, true));
    })
    .catch(function () {
      box.textContent = words.networkError;
    });
}

// --- wiring ---------------------------------------------------------------------------------------------

function start() {
  setUpDrawing();
  addSource();
  const eventsRoot = document.querySelector("[data-events=root]");
  if (eventsRoot) eventPicker = createEventPicker({ root: eventsRoot, words: words, language: config.language, map: beforeMap });
  mapSelect.addEventListener("change", () => chooseMap(mapSelect.value));
  dateInput.addEventListener("change", loadZones);
  search.addEventListener("input", filterList);
  actorSelect.addEventListener("change", function () {
    restyle();
    schedulePreview();
  });
  form.querySelectorAll("input[name=status]").forEach((radio) =>
    radio.addEventListener("change", function () {
      restyle();
      schedulePreview();
    })
  );
  confidenceSelect.addEventListener("change", schedulePreview);
  document.getElementById("add-source").addEventListener("click", addSource);
  document.getElementById("find-places").addEventListener("click", findPlaces);
  form.addEventListener("submit", save);
  chooseMap(config.map).then(function () {
    document.body.dataset.ready = "true";
  });
}
