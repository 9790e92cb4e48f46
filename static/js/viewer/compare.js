// Compare two dates: the ground each side gained and lost (km²) between "from" and the map's current date
// ("to" is the slider's date, so scrubbing with a comparison on shows the gains since "from" as they build up).
// The zones that changed hands stand out on the map; the others fade.

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function createCompare({ root, calendar, history, i18n, onChange }) {
  const q = (name) => root.querySelector('[data-compare="' + name + '"]');
  const fromInput = q("from");
  const toInput = q("to");
  const toggle = q("toggle");
  const results = q("results");
  const summary = q("summary");
  let fromDay = null;
  let toDay = history.start;

  fromInput.min = toInput.min = calendar.isoOf(history.start);
  fromInput.max = toInput.max = calendar.isoOf(history.end);

  const clamp = (d) => Math.min(history.end, Math.max(history.start, d));

  function setToggle() {
    toggle.setAttribute("aria-pressed", fromDay === null ? "false" : "true");
    toggle.textContent = i18n.t(fromDay === null ? "Compare" : "Stop comparing");
    root.dataset.active = fromDay === null ? "false" : "true";
  }

  function render() {
    while (results.firstChild) results.removeChild(results.firstChild);
    if (fromDay === null) {
      summary.textContent = "";
      return null;
    }
    const outcome = history.compare(fromDay, toDay);
    summary.textContent = i18n.t("%(n)s zones changed hands between %(from)s and %(to)s", {
      n: i18n.int(outcome.changed.length),
      from: i18n.date(calendar.dateOf(fromDay)),
      to: i18n.date(calendar.dateOf(toDay)),
    });
    history.actors.forEach(function (actor, index) {
      const total = outcome.totals[index];
      if (total.gained === 0 && total.lost === 0) return;
      const row = el("tr");
      row.dataset.actor = actor.slug;
      const name = el("th");
      name.scope = "row";
      const swatch = el("span", "swatch");
      swatch.style.setProperty("--swatch", actor.color);
      name.append(swatch, el("span", null, i18n.name(actor)));
      const net = total.gained - total.lost;
      row.append(
        name,
        el("td", "gained", i18n.km2(total.gained)),
        el("td", "lost", i18n.km2(total.lost)),
        el("td", net > 0 ? "net up" : net < 0 ? "net down" : "net", i18n.signedKm2(net)),
      );
      results.append(row);
    });
    if (!results.firstChild) {
      const row = el("tr");
      const cell = el("td", "empty", i18n.t("No ground changed hands."));
      cell.colSpan = 4;
      row.append(cell);
      results.append(row);
    }
    return outcome.changed;
  }

  function set(day) {
    fromDay = day === null ? null : clamp(day);
    if (fromDay !== null) fromInput.value = calendar.isoOf(fromDay);
    setToggle();
  }

  // Called on every step of the slider: "to" follows the map's date.
  function update(day) {
    toDay = day;
    if (document.activeElement !== toInput) toInput.value = calendar.isoOf(day);
    return render();
  }

  toggle.addEventListener("click", function () {
    if (fromDay !== null) return onChange(null, null);
    const picked = fromInput.value ? calendar.dayOf(fromInput.value) : Math.max(history.start, toDay - 365);
    onChange(clamp(picked), null);
  });
  fromInput.addEventListener("change", function () {
    if (fromInput.value) onChange(clamp(calendar.dayOf(fromInput.value)), null);
  });
  toInput.addEventListener("change", function () {
    if (toInput.value) onChange(fromDay === null ? Math.max(history.start, toDay - 365) : fromDay, clamp(calendar.dayOf(toInput.value)));
  });
  setToggle();

  return {
    set,
    update,
    get from() {
      return fromDay;
    },
  };
}
