// The ground each side held over time (km²), drawn as plain SVG: one line per actor, the current date marked,
// and a click anywhere on the chart moves the map to that day. Right-to-left pages mirror the time axis, as
// the slider does.
const SVG_NS = "http://www.w3.org/2000/svg";

function svg(tag, attributes) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const key of Object.keys(attributes || {})) node.setAttribute(key, String(attributes[key]));
  return node;
}

export function createAreaChart({ root, readout, history, calendar, i18n, onPick }) {
  const start = history.start;
  const end = history.end;
  const series = history.areaSeries(start, end);
  const width = 600;
  const height = 200;
  // The km² labels go on the side where time begins: the left, or the right in a right-to-left page.
  const pad = i18n.rtl ? { left: 10, right: 44, top: 10, bottom: 22 } : { left: 44, right: 10, top: 10, bottom: 22 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  let top = 0;
  for (const values of series) for (const v of values) if (v > top) top = v;
  top = top > 0 ? top * 1.08 : 1;
  const span = Math.max(1, end - start);
  const x = (d) => {
    const fraction = (d - start) / span;
    return pad.left + (i18n.rtl ? 1 - fraction : fraction) * plotW;
  };
  const y = (v) => pad.top + plotH - (v / top) * plotH;

  const chart = svg("svg", { viewBox: "0 0 " + width + " " + height, class: "area-chart", role: "img" });
  chart.setAttribute("aria-label", i18n.t("Ground held by each side over time, in km²"));
  chart.append(svg("rect", { x: pad.left, y: pad.top, width: plotW, height: plotH, class: "plot" }));

  // Horizontal guides with km² labels, and a label per year along the bottom.
  for (const fraction of [0, 0.5, 1]) {
    const value = (top / 1.08) * fraction;
    chart.append(svg("line", { x1: pad.left, x2: pad.left + plotW, y1: y(value), y2: y(value), class: "guide" }));
    const labelX = i18n.rtl ? pad.left + plotW + 4 : pad.left - 4;
    const label = svg("text", { x: labelX, y: y(value) + 4, class: "axis axis-y" });
    label.textContent = i18n.int(value);
    chart.append(label);
  }
  const firstYear = calendar.dateOf(start).getUTCFullYear();
  const lastYear = calendar.dateOf(end).getUTCFullYear();
  for (let year = firstYear; year <= lastYear + 1; year++) {
    const d = calendar.dayOf(year + "-01-01");
    if (d < start || d > end) continue;
    chart.append(svg("line", { x1: x(d), x2: x(d), y1: pad.top, y2: pad.top + plotH, class: "guide" }));
    const label = svg("text", { x: x(d), y: height - 6, class: "axis axis-x" });
    label.textContent = i18n.year(calendar.dateOf(d));
    chart.append(label);
  }

  // At most one point per pixel column: a step in the data is kept, flat runs are not repeated.
  history.actors.forEach(function (actor, index) {
    const values = series[index];
    if (!values.some((v) => v > 0)) return;
    const points = [];
    let previous = null;
    for (let d = start; d <= end; d++) {
      const v = values[d - start];
      if (previous !== null && v !== previous) points.push(x(d).toFixed(1) + "," + y(previous).toFixed(1));
      if (v !== previous || d === end) points.push(x(d).toFixed(1) + "," + y(v).toFixed(1));
      previous = v;
    }
    const line = svg("polyline", { points: points.join(" "), class: "series", stroke: actor.color });
    line.dataset.actor = actor.slug;
    const title = svg("title");
    title.textContent = i18n.name(actor);
    line.append(title);
    chart.append(line);
  });

  const cursor = svg("line", { y1: pad.top, y2: pad.top + plotH, class: "cursor" });
  chart.append(cursor);
  chart.addEventListener("click", function (event) {
    const box = chart.getBoundingClientRect();
    const px = ((event.clientX - box.left) / box.width) * width;
    let fraction = Math.min(1, Math.max(0, (px - pad.left) / plotW));
    if (i18n.rtl) fraction = 1 - fraction;
    onPick(Math.round(start + fraction * span));
  });
  root.append(chart);

  // The readout lists the sides holding ground that day. Its items are made again only when that list changes;
  // on other steps only the figures change (a slider step rebuilt four items and their styles: two dozen layout
  // invalidations a step).
  let readoutFor = null; // the actors listed, as "0,2,3"
  let values = []; // actor index -> its figure's element
  function mark(day) {
    cursor.setAttribute("x1", x(day).toFixed(1));
    cursor.setAttribute("x2", x(day).toFixed(1));
    cursor.dataset.day = String(day);
    if (!readout) return;
    const holding = [];
    history.actors.forEach(function (actor, index) {
      if (series[index][day - start] > 0) holding.push(index);
    });
    const key = holding.join(",");
    if (key !== readoutFor) {
      readoutFor = key;
      values = [];
      while (readout.firstChild) readout.removeChild(readout.firstChild);
      for (const index of holding) {
        const actor = history.actors[index];
        const item = document.createElement("li");
        const swatch = document.createElement("span");
        swatch.className = "swatch";
        swatch.style.setProperty("--swatch", actor.color);
        const name = document.createElement("span");
        name.textContent = i18n.name(actor);
        const value = document.createElement("span");
        value.className = "value";
        values[index] = value;
        item.append(swatch, name, value);
        readout.append(item);
      }
    }
    for (const index of holding) {
      const text = i18n.km2(series[index][day - start]);
      if (values[index].textContent !== text) values[index].textContent = text;
    }
  }

  return { mark, series, element: chart };
}
