// The review queue: each draft's small map shows the zones on the draft's date, with the draft's places
// outlined and coloured as they would be after it. One zones request per (map, date), shared by the cards.
(function () {
  "use strict";

  const E = window.FrontlineEditor;
  const zonesCache = new Map();

  function zonesOn(map, date) {
    const key = `${map}|${date}`;
    if (!zonesCache.has(key)) {
      zonesCache.set(
        key,
        E.callJson(`/api/v1/maps/${encodeURIComponent(map)}/zones?date=${encodeURIComponent(date)}`).then((a) => a.data)
      );
    }
    return zonesCache.get(key);
  }

  window.frontlineDraftMapInit = function (map) {
    const card = map.getContainer().closest(".draft-card");
    const config = JSON.parse(card.querySelector("script[type='application/json']").textContent);
    if (!config.map) return;
    const draftPlaces = new Set(config.places);
    E.addBasemap(map, config.basemap);
    zonesOn(config.map, config.date).then(function (collection) {
      if (!collection || !collection.features) return;
      const layer = L.geoJSON(collection, {
        style: function (feature) {
          if (!draftPlaces.has(feature.id)) {
            const style = E.zoneStyle(feature.properties);
            style.fillOpacity = 0.3;
            return style;
          }
          const style = E.zoneStyle({ color: config.color, status: config.status });
          style.color = "#1565c0";
          style.weight = 3;
          return style;
        },
        onEachFeature: function (feature, layer) {
          layer.bindTooltip(feature.properties.name_en, { sticky: true });
        },
      }).addTo(map);
      const focus = L.featureGroup(layer.getLayers().filter((l) => draftPlaces.has(l.feature.id)));
      const bounds = focus.getLayers().length ? focus.getBounds().pad(1.5) : layer.getBounds();
      if (bounds.isValid()) map.fitBounds(bounds);
      card.dataset.mapReady = "true";
    });
  };
})();
