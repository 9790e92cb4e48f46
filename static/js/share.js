// The map page's "Share / Embed" dialog: the link to the view the reader is looking at (date, zoom and centre,
// language, all read from the page's URL, which the viewer keeps current), and the iframe code for an embed of
// it with the options a publisher picks, previewed live. The code is text for a textarea, never put into this
// page as HTML; the preview iframe is built with DOM calls. Its messages come translated in the config.
const config = JSON.parse(document.getElementById("share-config").textContent);
const dialog = document.querySelector('[data-share="dialog"]');
const openButton = document.querySelector('[data-share="open"]');
const field = (name) => dialog.querySelector('[data-share="' + name + '"]');

const ISO = /^\d{4}-\d{2}-\d{2}$/;
const NUMBER = /^-?\d{1,3}(\.\d+)?$/;

function attr(value) {
  return String(value).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

// What the reader sees now, from the URL the viewer keeps up to date.
function currentView() {
  const params = new URL(window.location.href).searchParams;
  const date = params.get("date");
  const lat = params.get("lat");
  const lng = params.get("lng");
  const zoom = params.get("z");
  return {
    date: date && ISO.test(date) ? date : config.date,
    lang: params.get("lang") === "ar" || params.get("lang") === "en" ? params.get("lang") : config.lang,
    center: lat && lng && NUMBER.test(lat) && NUMBER.test(lng) ? [lat, lng] : null,
    zoom: zoom && /^\d{1,2}$/.test(zoom) ? zoom : null,
  };
}

function linkFor(view) {
  const url = new URL(config.mapPath, config.siteUrl);
  url.searchParams.set("date", view.date);
  if (view.center && view.zoom) {
    url.searchParams.set("lat", view.center[0]);
    url.searchParams.set("lng", view.center[1]);
    url.searchParams.set("z", view.zoom);
  }
  url.searchParams.set("lang", view.lang);
  return url.href;
}

// The embed's options from the form; returns {src, width, height, error}.
function embedFor(view) {
  const width = Number(field("width").value);
  const height = Number(field("height").value);
  const size = (value) => Number.isInteger(value) && value >= config.minSize && value <= config.maxSize;
  if (!size(width)) return { error: config.messages.width };
  if (!size(height)) return { error: config.messages.height };
  const lang = field("lang").value;
  const from = field("from").value;
  const to = field("to").value;
  let date = view.date;
  if (from && to && from > to) return { error: config.messages.range };
  if (from && date < from) date = from;
  if (to && date > to) date = to;
  const url = new URL(config.embedPath, config.siteUrl);
  url.searchParams.set("date", date);
  if (from && from !== config.start) url.searchParams.set("from", from);
  if (to && to !== config.end) url.searchParams.set("to", to);
  url.searchParams.set("lang", lang);
  if (!field("slider").checked) url.searchParams.set("controls", "none");
  if (!field("legend").checked) url.searchParams.set("legend", "off");
  if (field("view").checked && view.center && view.zoom) {
    url.searchParams.set("zoom", view.zoom);
    url.searchParams.set("center", view.center[0] + "," + view.center[1]);
  }
  if (field("theme").value !== "light") url.searchParams.set("theme", field("theme").value);
  return { src: url.href, width, height, title: config.titles[lang] || config.title };
}

function codeFor(embed) {
  let code =
    '<iframe src="' + attr(embed.src) + '" width="' + embed.width + '" height="' + embed.height + '" title="' +
    attr(embed.title) + '" style="border:0;max-width:100%" loading="lazy" allowfullscreen></iframe>';
  if (field("resize").checked) code += '\n<script async src="' + attr(config.hostScript) + '"></' + "script>";
  return code;
}

let previewTimer = null;
let previewSrc = null;
function showPreview(embed) {
  if (previewTimer) clearTimeout(previewTimer);
  previewTimer = setTimeout(function () {
    const holder = field("preview");
    let frame = holder.querySelector("iframe");
    if (!frame) {
      frame = document.createElement("iframe");
      frame.style.border = "0";
      frame.style.maxWidth = "100%";
      holder.appendChild(frame);
    }
    frame.title = embed.title;
    frame.width = String(embed.width);
    frame.height = String(embed.height);
    if (previewSrc !== embed.src) {
      previewSrc = embed.src;
      frame.src = embed.src;
    }
  }, 250);
}

function update() {
  const view = currentView();
  field("link").value = linkFor(view);
  const embed = embedFor(view);
  const error = field("error");
  if (embed.error) {
    error.textContent = embed.error;
    error.hidden = false;
    field("code").value = "";
    return;
  }
  error.hidden = true;
  field("code").value = codeFor(embed);
  showPreview(embed);
}

function copy(name) {
  const input = field(name);
  input.select();
  const done = () => (field("copied").textContent = "✓");
  if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(input.value).then(done, () => {});
  else if (document.execCommand("copy")) done();
}

field("width").value = String(config.width);
field("height").value = String(config.height);
field("from").min = field("to").min = config.start;
field("from").max = field("to").max = config.end;
openButton.addEventListener("click", function () {
  field("lang").value = currentView().lang;
  field("copied").textContent = "";
  update();
  dialog.showModal();
});
dialog.addEventListener("input", update);
dialog.addEventListener("change", update);
field("copy-link").addEventListener("click", () => copy("link"));
field("copy-code").addEventListener("click", () => copy("code"));

// --- the film: asked of the server, made in the background, its progress shown, then offered for download ----
const film = (name) => dialog.querySelector('[data-film="' + name + '"]');
const FILM_POLL_MS = 1000;
let filmTimer = null;

function filmMessage(template, values) {
  return template.replace(/%\((\w+)\)s/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

function filmShow(state) {
  const root = film("root");
  root.dataset.state = state.state;
  film("progress").hidden = !(state.state === "queued" || state.state === "running");
  film("error").hidden = !state.error;
  film("error").textContent = state.error ? filmMessage(config.messages.filmFailed, { error: state.error }) : "";
  const bar = film("bar");
  if (state.total) {
    bar.max = state.total;
    bar.value = Math.min(state.done || 0, state.total);
    film("status").textContent = filmMessage(config.messages.filmFrames, { done: state.done || 0, total: state.total });
  } else {
    bar.removeAttribute("value");
    film("status").textContent = state.state === "queued" ? config.messages.filmQueued : config.messages.filmDrawing;
  }
  film("ready").hidden = !state.url;
  if (state.url) {
    film("download").href = state.url;
    film("download").title = config.messages.filmDone;
  }
  film("make").disabled = state.state === "queued" || state.state === "running";
}

function filmPoll(statusUrl) {
  clearTimeout(filmTimer);
  fetch(statusUrl, { credentials: "omit", cache: "no-store" })
    .then((response) => response.json())
    .then((state) => {
      filmShow(state);
      if (state.state === "queued" || state.state === "running") filmTimer = setTimeout(() => filmPoll(statusUrl), FILM_POLL_MS);
    })
    .catch(() => filmShow({ state: "failed", error: config.messages.filmNetwork }));
}

function filmMake() {
  clearTimeout(filmTimer);
  const body = {
    from: film("from").value,
    to: film("to").value,
    step: film("step").value,
    format: film("format").value,
    lang: field("lang").value,
    theme: field("theme").value,
  };
  filmShow({ state: "queued" });
  fetch(config.filmsPath, {
    method: "POST",
    credentials: "omit",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  })
    .then((response) => response.json().then((data) => ({ status: response.status, data: data })))
    .then(({ status, data }) => {
      if (status === 200) filmShow({ state: "done", url: data.url });
      else if (status === 202) filmPoll(data.status_url);
      else filmShow({ state: "failed", error: data.error });
    })
    .catch(() => filmShow({ state: "failed", error: config.messages.filmNetwork }));
}

film("from").min = film("to").min = config.start;
film("from").max = film("to").max = config.end;
film("from").value = config.start;
film("to").value = config.end;
film("make").addEventListener("click", filmMake);
