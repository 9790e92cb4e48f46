// Shared by the editor pages: string templates, name folding for search, JSON calls with the CSRF token,
// and zone styling. Text from the database reaches the page through textContent only.
(function () {
  "use strict";

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (whole, key) {
      return key in values ? String(values[key]) : whole;
    });
  }

  // Fold what a reader takes for the same name: case, Latin accents, Arabic diacritics and tatweel, the
  // forms of alef, ta marbuta and alef maqsura, punctuation.
  function fold(text) {
    return (text || "")
      .normalize("NFKD")
      .replace(/[\u0300-\u036f\u064b-\u065f\u0670\u0640]/g, "")
      .replace(/[\u0622\u0623\u0625\u0671]/g, "\u0627")
      .replace(/\u0629/g, "\u0647")
      .replace(/\u0649/g, "\u064a")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, " ")
      .trim();
  }

  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // POST (or GET) JSON; resolves {status, data} whatever the status, rejects only when the server is
  // unreachable.
  function callJson(url, body, language) {
    const target = new URL(url, window.location.href);
    if (language) target.searchParams.set("lang", language);
    const options = {
      method: body === undefined ? "GET" : "POST",
      credentials: "same-origin",
      cache: "no-cache", // editors see the record as it is now: revalidate (a cheap 304) instead of max-age
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(target, options).then(function (response) {
      return response
        .json()
        .catch(function () {
          return { error: response.statusText };
        })
        .then(function (data) {
          return { status: response.status, data: data };
        });
    });
  }

  function zoneStyle(properties) {
    return {
      color: "#ffffff",
      weight: 1,
      fillColor: properties.color || "#bdbdbd",
      fillOpacity: properties.status === "contested" ? 0.35 : 0.7,
      dashArray: properties.status === "contested" ? "4 3" : null,
    };
  }

  function addBasemap(map, url) {
    if (!url) return Promise.resolve(null);
    return fetch(url)
      .then((r) => r.json())
      .then(function (data) {
        return L.geoJSON(data, {
          interactive: false,
          style: (f) =>
            f.properties.kind === "river"
              ? { color: "#6baed6", weight: 3, opacity: 0.9 }
              : { color: "#888888", weight: 1, fill: false, dashArray: "2 4" },
        })
          .addTo(map)
          .bringToBack();
      })
      .catch(function () {
        return null;
      });
  }

  window.FrontlineEditor = { fmt: fmt, fold: fold, callJson: callJson, zoneStyle: zoneStyle, addBasemap: addBasemap };
})();
