// The mark page's events: the events near the change being marked (POST /api/v1/maps/<slug>/events/near: within
// EVENT_LINK_KM and EVENT_LINK_DAYS of the selected zones and the date), each with a tick to link it to the change
// when it is saved and an Edit button; and a small form that adds a draft event (POST /api/v1/maps/<slug>/events)
// or edits one (PUT /api/v1/events/<id>), whose point is typed or picked on the "before" map. A new event comes
// back ticked. Text from the record goes in through textContent only.
import { callJson, fmt } from "./common.js";

const FIELDS = ["date", "event_type", "sub_event_type", "actor1", "actor2", "longitude", "latitude", "location_name",
  "fatalities_best", "notes", "source_url", "source_title"];

export function createEventPicker({ root, words, language, map }) {
  const list = root.querySelector("[data-events=list]");
  const status = root.querySelector("[data-events=status]");
  const editor = root.querySelector("[data-events=editor]");
  const heading = root.querySelector("[data-events=heading]");
  const problem = root.querySelector("[data-events=problem]");
  const pickButton = root.querySelector("[data-events=pick]");
  const saveButton = root.querySelector("[data-events=save]");
  const cancelButton = root.querySelector("[data-events=cancel]");
  const input = (key) => root.querySelector(`[data-event-key="${key}"]`);
  const ticked = new Set(); // event ids to link
  const shown = new Map(); // id -> row of the last answer
  let slug = null;
  let ask = null; // the last {date, places}
  let seq = 0;
  let editing = null; // id of the event in the form, or null for a new one
  let picking = false;
  let changeDate = ""; // the change's date: a new event's, until the editor types another
  let dateTouched = false;
  const markers = map ? L.layerGroup().addTo(map) : null;

  function describe(row) {
    const parts = [row.date, row.sub_event_type ? `${row.event_type} — ${row.sub_event_type}` : row.event_type];
    if (row.location_name) parts.push(row.location_name);
    const actors = [row.actor1, row.actor2].filter(Boolean).join(" — ");
    if (actors) parts.push(actors);
    return parts.join(" · ");
  }

  function render() {
    list.textContent = "";
    if (markers) markers.clearLayers();
    if (!shown.size) {
      status.textContent = ask && ask.places.length ? words.eventsNone : words.eventsPick;
      return;
    }
    status.textContent = "";
    for (const row of shown.values()) {
      const item = document.createElement("li");
      item.dataset.event = String(row.id);
      const label = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.checked = ticked.has(row.id);
      box.addEventListener("change", () => (box.checked ? ticked.add(row.id) : ticked.delete(row.id)));
      const text = document.createElement("span");
      text.dir = "auto";
      text.textContent = describe(row);
      const meta = document.createElement("span");
      meta.className = "event-near";
      meta.textContent = " " + fmt(words.eventNear, { km: row.km.toFixed(1), days: row.days > 0 ? "+" + row.days : row.days });
      if (row.review_state !== "published") meta.textContent += " · " + words.eventDraft;
      label.append(box, " ", text, meta);
      const edit = document.createElement("button");
      edit.type = "button";
      edit.className = "button event-edit";
      edit.textContent = words.eventEdit;
      edit.addEventListener("click", () => load(row.id));
      item.append(label, " ", edit);
      list.append(item);
      if (markers && row.longitude !== undefined) {
        markers.addLayer(L.circleMarker([row.latitude, row.longitude], { radius: 6, className: "mark-event-marker" }));
      }
    }
  }

  // Ask for the events near the change as it stands (zones and date); keeps the ticks of events still listed.
  function refresh(slugNow, body) {
    slug = slugNow;
    ask = { date: body.date, places: body.places };
    const mine = ++seq;
    if (!body.places.length || !body.date) {
      shown.clear();
      render();
      return Promise.resolve();
    }
    root.dataset.loading = "true";
    return callJson(`/api/v1/maps/${encodeURIComponent(slug)}/events/near`, ask, language).then(function (answer) {
      if (mine !== seq) return;
      root.dataset.loading = "false";
      if (answer.status !== 200) {
        status.textContent = answer.data.error || "";
        return;
      }
      shown.clear();
      for (const row of answer.data.events) shown.set(row.id, row);
      // Keep what the editor ticked and the events added here even when they fall out of the window.
      for (const id of ticked) if (!shown.has(id) && kept.has(id)) shown.set(id, kept.get(id));
      render();
    });
  }
  const kept = new Map(); // events added or edited here: id -> row

  function clearForm() {
    editing = null;
    for (const key of FIELDS) input(key).value = "";
    input("date").value = changeDate;
    dateTouched = false;
    delete editor.dataset.editing;
    heading.textContent = words.eventAdd;
    cancelButton.hidden = true;
    problem.textContent = "";
    delete problem.dataset.field;
  }

  function load(id) {
    callJson(`/api/v1/events/${id}`, undefined, language).then(function (answer) {
      if (answer.status !== 200) {
        problem.textContent = answer.data.error || "";
        return;
      }
      const event = answer.data;
      clearForm();
      editing = id;
      for (const key of FIELDS) {
        if (key in event && event[key] !== null) input(key).value = String(event[key]);
      }
      heading.textContent = fmt(words.eventEditing, { id: id });
      cancelButton.hidden = false;
      editor.open = true;
      editor.dataset.editing = String(id);
      input("event_type").focus();
    });
  }

  function body() {
    const value = (key) => input(key).value.trim();
    const number = (key) => (value(key) === "" ? null : Number(value(key)));
    const out = { date: value("date"), event_type: value("event_type"), longitude: number("longitude"),
      latitude: number("latitude") };
    for (const key of ["sub_event_type", "actor1", "actor2", "location_name", "notes"]) out[key] = value(key);
    if (value("fatalities_best") !== "") out.fatalities_best = number("fatalities_best");
    if (value("source_title") || value("source_url")) out.sources = [{ title: value("source_title"), url: value("source_url") }];
    return out;
  }

  function save() {
    problem.textContent = "";
    saveButton.disabled = true;
    const url = editing === null ? `/api/v1/maps/${encodeURIComponent(slug)}/events` : `/api/v1/events/${editing}`;
    const payload = body();
    const request = editing === null ? callJson(url, payload, language) : put(url, payload);
    return request
      .then(function (answer) {
        if (answer.status !== 200 && answer.status !== 201) {
          problem.textContent = answer.data.error || "";
          problem.dataset.field = answer.data.field || "";
          return;
        }
        const event = answer.data;
        const row = Object.assign({}, shown.get(event.id) || { km: 0, days: 0 }, event);
        kept.set(event.id, row);
        shown.set(event.id, row);
        ticked.add(event.id); // an event added or edited while marking a change is one that explains it
        status.dataset.saved = String(event.id);
        clearForm();
        editor.open = false;
        render();
        return refresh(slug, ask || { date: "", places: [] });
      })
      .catch(() => (problem.textContent = words.networkError))
      .finally(() => (saveButton.disabled = false));
  }

  function put(url, payload) {
    const target = new URL(url, window.location.href);
    if (language) target.searchParams.set("lang", language);
    const token = document.querySelector("input[name=csrfmiddlewaretoken]");
    return fetch(target, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "", "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(payload),
    }).then((response) => response.json().then((data) => ({ status: response.status, data: data })));
  }

  // The point of the event in the form: the next click on the "before" map sets it (and selects no zone).
  function setPicking(value) {
    picking = value;
    root.dataset.picking = String(value);
    pickButton.setAttribute("aria-pressed", String(value));
    if (map) map.getContainer().classList.toggle("picking-point", value);
  }

  function takeClick(latlng) {
    if (!picking) return false;
    input("longitude").value = latlng.lng.toFixed(5);
    input("latitude").value = latlng.lat.toFixed(5);
    setPicking(false);
    return true;
  }

  input("date").addEventListener("input", () => (dateTouched = true));
  pickButton.addEventListener("click", () => setPicking(!picking));
  saveButton.addEventListener("click", save);
  cancelButton.addEventListener("click", clearForm);
  clearForm();
  if (map) map.on("click", (event) => takeClick(event.latlng));

  return {
    refresh,
    takeClick,
    ids: () => Array.from(ticked).sort((a, b) => a - b),
    setDate(date) {
      changeDate = date;
      if (editing === null && !dateTouched) input("date").value = date;
    },
    reset() {
      ticked.clear();
      kept.clear();
      shown.clear();
      render();
    },
  };
}
