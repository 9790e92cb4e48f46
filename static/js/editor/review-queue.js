// The review queue: each draft's small map shows the zones on the draft's date, with the draft's places
// outlined and coloured as they would be after it. One zones request per (map, date), shared by the cards.
import { COLORS, zoneStyle } from "../map-style.js";
import { asText, callJson, onMap, showBasemap } from "./common.js";

const zonesCache = new Map();

function zonesOn(map, date) {
  const key = `${map}|${date}`;
  if (!zonesCache.has(key)) {
    zonesCache.set(
      key,
      callJson(`/api/v1/maps/${encodeURIComponent(map)}/zones?date=${encodeURIComponent(date)}`).then((a) => a.data)
    );
  }
  return zonesCache.get(key);
}

function showDraft(map) {
  const card = map.getContainer().closest(".draft-card");
  const config = JSON.parse(card.querySelector("script[type='application/json']").textContent);
  if (!config.map) return;
  const draftPlaces = new Set(config.places);
  showBasemap(map, config.basemap);
  zonesOn(config.map, config.date).then(function (collection) {
    if (!collection || !collection.features) return;
    const layer = L.geoJSON(collection, {
      style: function (feature) {
        if (!draftPlaces.has(feature.id)) {
          const style = zoneStyle(feature.properties);
          style.fillOpacity = 0.3;
          return style;
        }
        const style = zoneStyle({ color: config.color, status: config.status });
        style.color = COLORS.selected;
        style.weight = 3;
        return style;
      },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(asText(feature.properties.name_en), { sticky: true });
        layer.on("add", function () {
          const element = layer.getElement();
          if (element) element.setAttribute("data-place", feature.id);
        });
      },
    }).addTo(map);
    const focus = L.featureGroup(layer.getLayers().filter((l) => draftPlaces.has(l.feature.id)));
    const bounds = focus.getLayers().length ? focus.getBounds().pad(1.5) : layer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds);
    card.dataset.mapReady = "true";
  });
}

onMap((container) => container.closest(".draft-card") !== null, showDraft);
