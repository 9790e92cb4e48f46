// The first map page: zones coloured by who held them on the chosen date, a legend, and a native range
// slider over the map's dates that repaints the map and keeps the date in the URL.
// Text from the database reaches the page through textContent only.
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("map-config").textContent);
  const DAY_MS = 86400000;
  const startMs = Date.parse(config.start + "T00:00:00Z");
  const endMs = Date.parse(config.end + "T00:00:00Z");

  function dayIndex(isoDate) {
    return Math.round((Date.parse(isoDate + "T00:00:00Z") - startMs) / DAY_MS);
  }
  function isoFromIndex(index) {
    return new Date(startMs + index * DAY_MS).toISOString().slice(0, 10);
  }

  function zoneStyle(feature) {
    const p = feature.properties;
    return {
      color: p.besieged ? "#111111" : "#ffffff",
      weight: p.besieged ? 2.5 : 1,
      fillColor: p.color || "#bdbdbd",
      fillOpacity: p.status === "contested" ? 0.35 : 0.7,
      dashArray: p.status === "contested" ? "4 3" : null,
    };
  }

  function popupContent(p) {
    const box = document.createElement("div");
    box.className = "zone-popup";
    const title = document.createElement("strong");
    title.textContent = p.name_en;
    box.appendChild(title);
    if (p.name_ar) {
      const ar = document.createElement("div");
      ar.lang = "ar";
      ar.dir = "rtl";
      ar.textContent = p.name_ar;
      box.appendChild(ar);
    }
    const holder = document.createElement("div");
    holder.className = "zone-holder";
    holder.textContent = p.actor
      ? `${p.actor_name} (${p.status}) since ${p.since}` + (p.besieged ? ", besieged" : "")
      : "Unknown";
    box.appendChild(holder);
    (p.sources || []).forEach(function (source) {
      const line = document.createElement("div");
      line.className = "zone-source";
      if (source.url) {
        const link = document.createElement("a");
        link.href = source.url;
        link.rel = "noopener";
        link.target = "_blank";
        link.textContent = source.title;
        line.appendChild(link);
      } else {
        line.textContent = source.title;
      }
      if (source.publisher) line.append(` · ${source.publisher}`);
      box.appendChild(line);
    });
    return box;
  }

  window.frontlineMapInit = function (map) {
    window.frontlineMap = map;
    const slider = document.getElementById("date-slider");
    const output = document.getElementById("date-output");
    slider.max = String(dayIndex(config.end));
    slider.value = String(dayIndex(config.date));

    if (config.basemap) {
      fetch(config.basemap)
        .then((r) => r.json())
        .then(function (data) {
          L.geoJSON(data, {
            interactive: false,
            style: (f) =>
              f.properties.kind === "river"
                ? { color: "#6baed6", weight: 3, opacity: 0.9 }
                : { color: "#888888", weight: 1, fill: false, dashArray: "2 4" },
          }).addTo(map).bringToBack();
        });
    }

    const zones = L.geoJSON(null, { style: zoneStyle }).addTo(map);
    zones.bindPopup((layer) => popupContent(layer.feature.properties));
    let fitted = false;
    let pending = null;

    function load(isoDate) {
      if (pending) pending.abort();
      pending = new AbortController();
      document.body.dataset.loading = "true";
      return fetch(`/api/v1/maps/${encodeURIComponent(config.slug)}/zones?date=${isoDate}`, {
        signal: pending.signal,
      })
        .then((r) => r.json())
        .then(function (data) {
          zones.clearLayers();
          zones.addData(data);
          if (!fitted && zones.getBounds().isValid()) {
            map.fitBounds(zones.getBounds());
            fitted = true;
          }
          document.body.dataset.date = data.date;
          document.body.dataset.loading = "false";
        })
        .catch(function (error) {
          if (error.name !== "AbortError") throw error;
        });
    }

    function setDate(isoDate, push) {
      output.textContent = isoDate;
      const url = new URL(window.location.href);
      url.searchParams.set("date", isoDate);
      window.history.replaceState({ date: isoDate }, "", url);
      return load(isoDate);
    }

    slider.addEventListener("input", function () {
      setDate(isoFromIndex(Number(slider.value)));
    });
    setDate(config.date);
  };
})();
