// The zone panel: what a reader sees after clicking a zone (or picking it from the list): its names in both
// languages, kind, who holds it and since when, how sure we are, the sources of the change that gave it to
// them, and its earlier history. Every piece of database text goes in through textContent.

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

// Free text from the database may be in either language whatever the interface's: let the browser pick.
function free(tag, className, text) {
  const node = el(tag, className, text);
  node.dir = "auto";
  return node;
}

// Events listed in the panel: those inside the zone in the EVENT_DAYS days up to the shown date, newest first.
const EVENT_DAYS = 30;
const EVENTS_LISTED = 10;

export function createZonePanel({ root, picker, geometry, history, calendar, i18n, onClose, onPick, zoneEvents,
  currentDay }) {
  const q = (name) => root.querySelector('[data-panel="' + name + '"]');
  const body = q("body");
  const heading = q("title");
  const closeButton = q("close");
  const features = geometry.features;
  let zone = -1;

  if (closeButton) closeButton.addEventListener("click", () => onClose());
  root.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && zone >= 0) onClose();
  });

  // A list of every zone, by name in the reader's language: the keyboard and screen-reader way to a zone. Thousands
  // of names sorted and made into options cost tens of milliseconds the opening map need not wait for: filled
  // when the page is next idle, or at once when the reader reaches the list first.
  function fillPicker() {
    if (picker.dataset.filled) return;
    picker.dataset.filled = "true";
    const order = features.map((f, z) => z);
    const collator = new Intl.Collator(i18n.lang);
    order.sort((a, b) => collator.compare(i18n.name(features[a].properties), i18n.name(features[b].properties)));
    const options = document.createDocumentFragment();
    for (const z of order) {
      const option = el("option", null, i18n.name(features[z].properties));
      option.value = String(z);
      options.appendChild(option);
    }
    picker.appendChild(options);
  }
  if (picker) {
    for (const event of ["focus", "pointerdown", "mouseover"]) picker.addEventListener(event, fillPicker);
    (window.requestIdleCallback || ((callback) => setTimeout(callback, 200)))(fillPicker, { timeout: 2000 });
    picker.addEventListener("change", function () {
      if (picker.value !== "") onPick(Number(picker.value));
    });
  }

  const day = (d) => i18n.date(calendar.dateOf(d));

  function actorLine(actorIndex, status) {
    const line = el("span", "actor");
    if (actorIndex >= 0) {
      const swatch = el("span", "swatch" + (status === "contested" ? " swatch-contested" : ""));
      swatch.style.setProperty("--swatch", history.actors[actorIndex].color);
      line.append(swatch, el("span", null, i18n.name(history.actors[actorIndex])));
    } else {
      line.append(el("span", "swatch swatch-unknown"), el("span", null, i18n.t("Unknown")));
    }
    return line;
  }

  function row(list, label, value) {
    list.append(el("dt", null, label));
    const dd = el("dd");
    if (value instanceof Node) dd.append(value);
    else dd.textContent = value;
    list.append(dd);
    return dd;
  }

  function sourcesList(change) {
    const list = el("ul", "sources");
    for (const source of change.sources) {
      const item = el("li", "source");
      if (source.url && /^https?:\/\//i.test(source.url)) {
        const link = free("a", null, source.title);
        link.href = source.url;
        link.rel = "noopener noreferrer";
        link.target = "_blank";
        item.append(link);
      } else {
        item.append(free("span", null, source.title));
      }
      const meta = [source.publisher, source.published ? i18n.date(new Date(source.published + "T00:00:00Z")) : ""];
      const text = meta.filter(Boolean).join(" · ");
      if (text) item.append(free("span", "source-meta", text));
      list.append(item);
    }
    return list;
  }

  // The zone's events near the shown day, filled in when they arrive (a request per zone, then from memory).
  function eventsSection(z) {
    const request = zoneEvents ? zoneEvents(features[z].id) : null;
    if (!request) return null;
    const section = el("section", "zone-events");
    section.dataset.panel = "events";
    section.dataset.loading = "true";
    section.append(el("h3", null, i18n.t("Events here")));
    const shownDay = currentDay();
    request
      .then((list) => {
        if (zone !== z || currentDay() !== shownDay) return; // the reader has moved on
        const near = list
          .filter((feature) => feature.day <= shownDay && feature.day > shownDay - EVENT_DAYS)
          .sort((a, b) => b.day - a.day || b.id - a.id);
        if (!near.length) {
          section.append(el("p", "note", i18n.t("No events here in the %(n)s days up to this date.", { n: i18n.int(EVENT_DAYS) })));
        } else {
          const items = el("ul", "zone-event-list");
          for (const feature of near.slice(0, EVENTS_LISTED)) {
            const p = feature.properties;
            const item = el("li", "zone-event");
            item.dataset.event = String(feature.id);
            const time = el("time", null, day(feature.day));
            time.dateTime = p.date;
            item.append(time, " ", free("span", "zone-event-type", p.sub_type ? p.type + " — " + p.sub_type : p.type));
            if (p.location) item.append(" · ", free("span", null, p.location));
            const actors = [p.actor1, p.actor2].filter(Boolean).join(" — ");
            if (actors) item.append(" · ", free("span", null, actors));
            if (p.fatalities && p.fatalities.best !== null && p.fatalities.best !== undefined) {
              item.append(" · ", el("span", null, i18n.t("Fatalities") + ": " + i18n.int(p.fatalities.best)));
            }
            items.append(item);
          }
          section.append(items);
          if (near.length > EVENTS_LISTED) {
            section.append(el("p", "note", i18n.t("and %(n)s more", { n: i18n.int(near.length - EVENTS_LISTED) })));
          }
        }
        section.dataset.count = String(near.length);
        section.dataset.loading = "false";
      })
      .catch(() => {
        section.dataset.loading = "error";
      });
    return section;
  }

  function render(state) {
    while (body.firstChild) body.removeChild(body.firstChild);
    const props = features[zone].properties;
    heading.textContent = i18n.name(props);
    const other = i18n.otherName(props);
    if (other) {
      const otherName = el("p", "other-name", other);
      otherName.lang = i18n.lang === "ar" ? "en" : "ar";
      otherName.dir = i18n.lang === "ar" ? "ltr" : "rtl";
      body.append(otherName);
    }
    const facts = el("dl", "facts");
    row(facts, i18n.t("Kind"), i18n.t("kind:" + props.kind));
    const p = state.period[zone];
    const periods = history.zonePeriods(zone);
    const currentPeriod = periods.find((item) => item.index === p);
    const statusName = currentPeriod ? currentPeriod.status : "unknown";
    row(facts, i18n.t("Held by"), actorLine(currentPeriod ? currentPeriod.actor : -1, statusName));
    row(facts, i18n.t("Status"), i18n.t("status:" + statusName));
    if (currentPeriod) {
      const since = row(facts, i18n.t(currentPeriod.sinceBefore ? "Held before" : "Since"), "");
      const time = el("time", null, day(currentPeriod.since));
      time.dateTime = calendar.isoOf(currentPeriod.since);
      since.append(time);
    }
    const change = currentPeriod ? history.changeInfo(currentPeriod.change) : null;
    if (change) row(facts, i18n.t("Confidence"), i18n.t("confidence:" + change.confidence));
    for (const s of history.siegesOf(state, zone)) {
      const siege = history.sieges[s];
      row(facts, i18n.t("Besieged"), i18n.name(siege) + " · " + i18n.t("since %(date)s", { date: day(siege.start) }));
    }
    if (props.area_km2) row(facts, i18n.t("Area"), i18n.km2(props.area_km2));
    body.append(facts);
    if (props.approximate) body.append(el("p", "note", i18n.t("The footprint is approximate.")));

    if (change) {
      const section = el("section", "change");
      section.append(el("h3", null, i18n.t("Change of %(date)s", { date: day(change.day) })));
      if (change.title) section.append(free("p", "change-title", change.title));
      if (change.note) section.append(free("p", "note", change.note));
      section.append(el("h4", null, i18n.t("Sources")));
      section.append(sourcesList(change));
      body.append(section);
    }

    const events = eventsSection(zone);
    if (events) body.append(events);

    if (periods.length) {
      const section = el("section", "zone-history");
      section.append(el("h3", null, i18n.t("History")));
      const list = el("ol", "periods");
      for (const item of periods.slice().reverse()) {
        const entry = el("li", item.index === p ? "period current" : "period");
        const when = item.to === null
          ? i18n.t("from %(from)s", { from: day(item.from) })
          : i18n.t("%(from)s to %(to)s", { from: day(item.from), to: day(item.to - 1) });
        entry.append(el("span", "period-dates", when), actorLine(item.actor, item.status));
        if (item.status === "contested") entry.append(el("span", "period-status", i18n.t("status:contested")));
        const periodChange = history.changeInfo(item.change);
        if (periodChange.sources.length) {
          const details = el("details");
          details.append(el("summary", null, i18n.t("Sources (%(n)s)", { n: i18n.int(periodChange.sources.length) })));
          details.append(sourcesList(periodChange));
          entry.append(details);
        }
        list.append(entry);
      }
      section.append(list);
      body.append(section);
    }
  }

  function open(z, state) {
    zone = z;
    root.hidden = false;
    root.dataset.zone = geometry.features[z].id;
    if (picker) {
      fillPicker();
      picker.value = String(z);
    }
    render(state);
  }

  function close() {
    zone = -1;
    root.hidden = true;
    delete root.dataset.zone;
    if (picker) picker.value = "";
  }

  return {
    open,
    close,
    update: (state) => zone >= 0 && render(state),
    get zone() {
      return zone;
    },
  };
}
