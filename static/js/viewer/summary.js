// "On this day": the length of the front lines and the sieges in force, from the analytics endpoints
// (/fronts and /sieges, geodesic lengths worked out on the server). The map itself never waits for these: they
// are asked for only once the date has stayed put for a moment (so not on every step of a drag or of play), and
// a newer date cancels an older request.
const SETTLE_MS = 350;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function createDaySummary({ root, api, calendar, i18n, history }) {
  const list = root.querySelector('[data-summary="list"]');
  const actorName = new Map(history.actors.map((actor) => [actor.slug, i18n.name(actor)]));
  const km = new Intl.NumberFormat(i18n.lang === "ar" ? "ar" : "en-GB", { maximumFractionDigits: 1, minimumFractionDigits: 1 });
  let timer = null;
  let pending = null;

  function render(iso, fronts, sieges) {
    while (list.firstChild) list.removeChild(list.firstChild);
    const total = fronts.features.reduce((sum, f) => sum + f.properties.length_km, 0);
    const front = el("li", "summary-fronts");
    front.textContent = total > 0
      ? i18n.t("Front lines: %(km)s km", { km: km.format(total) })
      : i18n.t("No front lines");
    front.dataset.km = total.toFixed(3);
    list.append(front);
    for (const feature of sieges.features) {
      const p = feature.properties;
      const item = el("li", "summary-siege");
      item.dir = "auto";
      item.textContent = i18n.t("%(name)s: day %(n)s, besieged by %(by)s", {
        name: i18n.lang === "ar" && p.name_ar ? p.name_ar : p.name,
        n: i18n.int(p.days),
        by: p.besieging_actors.map((slug) => actorName.get(slug) || slug).join(i18n.lang === "ar" ? "، " : ", "),
      });
      item.dataset.siege = p.siege;
      list.append(item);
    }
    root.dataset.date = iso;
  }

  function load(iso) {
    if (pending) pending.abort();
    pending = new AbortController();
    const signal = pending.signal;
    root.dataset.loading = "true";
    Promise.all([api.fronts(iso, signal), api.sieges(iso, signal)])
      .then(function ([fronts, sieges]) {
        if (signal.aborted) return;
        render(iso, fronts, sieges);
        root.dataset.loading = "false";
      })
      .catch(function (error) {
        if (error.name !== "AbortError") root.dataset.loading = "error";
      });
  }

  // Called on every step.
  function update(day) {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => load(calendar.isoOf(day)), SETTLE_MS);
  }

  return { update };
}
