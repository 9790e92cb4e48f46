// The viewer's three loads, each once per page: geometry (cached for a year at its versioned URL), the compact
// history of control, and the timeline for the slider's histogram.
function getJson(url) {
  return fetch(url, { credentials: "same-origin" }).then(function (response) {
    if (!response.ok) throw new Error(url + " answered " + response.status);
    return response.json();
  });
}

export function mapApi(apiRoot, slug, version) {
  const base = apiRoot.replace(/\/$/, "") + "/maps/" + encodeURIComponent(slug) + "/";
  const v = "?v=" + encodeURIComponent(version);
  return {
    geometry: () => getJson(base + "geometry" + v),
    history: () => getJson(base + "history" + v),
    timeline: () => getJson(base + "timeline"),
    basemap: (url) => getJson(url),
  };
}
