// The time controls: a native range input over the map's days (keyboard and screen readers for free), buttons
// to step by day and by change, a native date picker, play at a chosen speed, and a histogram of the changes
// from /timeline under the slider. Each move calls onStep(day, mode): mode "push" for a deliberate step (a new
// entry in the browser's history), "replace" while dragging or playing.
const SVG_NS = "http://www.w3.org/2000/svg";

export function createTimeControls({ root, calendar, start, end, i18n, nextChangeDay, onStep }) {
  const q = (name) => root.querySelector('[data-control="' + name + '"]');
  const slider = q("slider");
  const dateInput = q("date-input");
  const dateLabel = q("date-label");
  const play = q("play");
  const speed = q("speed");
  const ticks = q("ticks");
  let day = start;
  let dragging = false;
  let heldKey = false;
  let playing = null;

  slider.min = String(start);
  slider.max = String(end);
  slider.step = "1";
  if (dateInput) {
    dateInput.min = calendar.isoOf(start);
    dateInput.max = calendar.isoOf(end);
  }

  const clamp = (d) => Math.min(end, Math.max(start, d));

  function show(newDay) {
    day = newDay;
    slider.value = String(day);
    const text = i18n.date(calendar.dateOf(day));
    slider.setAttribute("aria-valuetext", text);
    if (dateLabel) {
      dateLabel.textContent = text;
      dateLabel.setAttribute("datetime", calendar.isoOf(day));
    }
    if (dateInput && document.activeElement !== dateInput) dateInput.value = calendar.isoOf(day);
  }

  function go(newDay, mode) {
    newDay = clamp(newDay);
    if (newDay === day && mode !== "push") return;
    show(newDay);
    onStep(newDay, mode);
  }

  function stepChange(direction) {
    const target = nextChangeDay(day, direction);
    const mode = heldKey ? "replace" : "push";
    if (target !== null && target >= start && target <= end) go(target, mode);
    else go(direction > 0 ? end : start, mode);
  }

  // Dragging: the first move of a drag adds one history entry, the rest replace it, so Back returns to where the
  // drag began. A key press fires input then change, so each press is its own entry.
  slider.addEventListener("input", function () {
    stopPlaying();
    go(Number(slider.value), dragging || heldKey ? "replace" : "push");
    dragging = true;
  });
  slider.addEventListener("change", function () {
    dragging = false;
  });
  slider.addEventListener("keydown", function (event) {
    // A held key scrubs: its repeats replace the history entry its first press added.
    heldKey = event.repeat;
    if (event.key === "PageUp" || event.key === "PageDown") {
      event.preventDefault();
      stopPlaying();
      stepChange(event.key === "PageUp" ? 1 : -1);
    }
  });
  slider.addEventListener("keyup", function () {
    heldKey = false;
  });

  const buttons = { "prev-day": -1, "next-day": 1 };
  for (const name of Object.keys(buttons)) {
    const button = q(name);
    if (button)
      button.addEventListener("click", function () {
        stopPlaying();
        go(day + buttons[name], "push");
      });
  }
  const prevChange = q("prev-change");
  const nextChange = q("next-change");
  if (prevChange) prevChange.addEventListener("click", () => (stopPlaying(), stepChange(-1)));
  if (nextChange) nextChange.addEventListener("click", () => (stopPlaying(), stepChange(1)));

  if (dateInput) {
    dateInput.addEventListener("change", function () {
      if (!dateInput.value) return;
      const picked = calendar.dayOf(dateInput.value);
      stopPlaying();
      go(picked, "push");
      dateInput.value = calendar.isoOf(day); // a date outside the range snaps to the nearest end
    });
  }

  // Play: `speed` is days of the war per second of watching.
  function setPlayButton(isPlaying) {
    if (!play) return;
    play.setAttribute("aria-pressed", isPlaying ? "true" : "false");
    play.setAttribute("aria-label", i18n.t(isPlaying ? "Pause" : "Play"));
    play.dataset.state = isPlaying ? "playing" : "paused";
  }
  function stopPlaying() {
    if (!playing) return;
    cancelAnimationFrame(playing.frame);
    playing = null;
    setPlayButton(false);
  }
  function startPlaying() {
    if (day >= end) go(start, "push");
    else onStep(day, "push");
    playing = { last: performance.now(), carry: 0, frame: 0 };
    setPlayButton(true);
    const tick = function (now) {
      if (!playing) return;
      const daysPerSecond = Number(speed ? speed.value : 30) || 30;
      playing.carry += ((now - playing.last) / 1000) * daysPerSecond;
      playing.last = now;
      const whole = Math.floor(playing.carry);
      if (whole >= 1) {
        playing.carry -= whole;
        go(day + whole, "replace");
      }
      if (day >= end) return stopPlaying();
      playing.frame = requestAnimationFrame(tick);
    };
    playing.frame = requestAnimationFrame(tick);
  }
  if (play) {
    setPlayButton(false);
    play.addEventListener("click", () => (playing ? stopPlaying() : startPlaying()));
  }

  // The histogram: one bar per day with changes, its height the square root of the zones changed.
  function drawTicks(timeline) {
    if (!ticks) return;
    while (ticks.firstChild) ticks.removeChild(ticks.firstChild);
    const width = 1000;
    const height = 24;
    ticks.setAttribute("viewBox", "0 0 " + width + " " + height);
    ticks.setAttribute("preserveAspectRatio", "none");
    const span = Math.max(1, end - start);
    const events = timeline.events.filter((e) => {
      const d = calendar.dayOf(e.date);
      return d >= start && d <= end;
    });
    const most = Math.max(1, ...events.map((e) => e.count));
    for (const event of events) {
      const d = calendar.dayOf(event.date);
      const bar = document.createElementNS(SVG_NS, "rect");
      const h = Math.max(3, Math.sqrt(event.count / most) * height);
      bar.setAttribute("x", String(((d - start) / span) * width - 2));
      bar.setAttribute("width", "4");
      bar.setAttribute("y", String(height - h));
      bar.setAttribute("height", String(h));
      bar.setAttribute("class", "tick");
      bar.dataset.date = event.date;
      const title = document.createElementNS(SVG_NS, "title");
      title.textContent = i18n.date(calendar.dateOf(d)) + (event.title ? " — " + event.title : "");
      bar.appendChild(title);
      ticks.appendChild(bar);
    }
  }

  return {
    show,
    go,
    drawTicks,
    stop: stopPlaying,
    isPlaying: () => playing !== null,
    get day() {
      return day;
    },
  };
}
