// How every map of the site looks, in one place: the public map page and the embed (static/js/viewer/layers.js)
// and the editor's maps (static/js/editor/) draw zones, lines and the basemap with these colours, so a zone
// reads the same to a reviewer as to a reader. Actors bring their own colours from the record (Actor.color);
// these are the colours of everything else. The map picture (mapapp/mapimage.py) repeats the unknown, front,
// siege and river colours: change them there too.

export const COLORS = {
  unknown: "#c9c9c4", // a zone nobody is recorded as holding on that day
  border: "#ffffff", // the outline between zones
  besieged: "#4a148c", // the outline of a besieged zone
  compared: "#000000", // the outline of a zone that changed hands between the compared dates
  flash: "#ffd400", // the brief outline of a zone that changed hands on the step just taken
  selected: "#0d47a1", // the chosen zone (the viewer's panel, the editor's selection)
  front: "#111111", // a front line: two holders either side of an edge
  siege: "#6a1b9a", // a siege perimeter, and the "Besieged" badge (site.css, embed.css)
  river: "#5b9bd5",
  outline: "#8a8a80", // the basemap's area outline
  land: "#ffffff",
};

// A zone on the editor's maps, from a /zones feature's properties ({color, status}): flat fill in the holder's
// colour, contested ground lighter and dashed (the viewer hatches it; the editor's small maps keep it simple).
export function zoneStyle(properties) {
  const contested = properties.status === "contested";
  return {
    color: COLORS.border,
    weight: 1,
    fillColor: properties.color || COLORS.unknown,
    fillOpacity: contested ? 0.35 : 0.7,
    dashArray: contested ? "4 3" : null,
  };
}

// The basemap (the map's area outline and its river, a GeoJSON file from the map's basemap URL) on a pane of
// its own under the zones, never catching the mouse. `small` is for small frames (the embed, the editor's
// maps): a thinner river and a lighter land wash, so the zones stay the loudest thing on a small map.
export function addBasemap(map, data, { small = false } = {}) {
  if (!map.getPane("basemap")) {
    map.createPane("basemap");
    map.getPane("basemap").style.zIndex = "350";
    map.getPane("basemap").style.pointerEvents = "none";
  }
  return L.geoJSON(data, {
    pane: "basemap",
    interactive: false,
    style: (feature) =>
      feature.properties.kind === "river"
        ? { color: COLORS.river, weight: small ? 4 : 5, opacity: 0.9, lineCap: "round" }
        : {
            color: COLORS.outline,
            weight: 1.5,
            fill: true,
            fillColor: COLORS.land,
            fillOpacity: small ? 0.3 : 0.5,
            dashArray: "3 4",
          },
  }).addTo(map);
}
