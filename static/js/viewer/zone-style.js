// The look of one zone on the viewer's map for what is true of it at the moment (layers.js works that out):
// fill by holder (hatched when contested, grey when unknown), outlines for siege, comparison, a fresh change
// and the chosen zone, the later ones winning.
import { COLORS } from "../map-style.js";

// look: { actor (index, -1 unknown), status (1 contested), besieged, compared (null: no comparison; true/false:
// changed hands between the compared dates or not), flashing, selected }.
// paint: { actors, hatches (one fill per actor, hatching.js), outline (the border's weight) }.
export function zoneStyle(look, { actors, hatches, outline }) {
  const contested = look.status === 1;
  const style = { color: COLORS.border, weight: outline, opacity: 0.9, fillOpacity: 0.6, dashArray: null };
  if (look.actor < 0) {
    style.fillColor = COLORS.unknown;
    style.fillOpacity = 0.45;
  } else if (contested) {
    style.fillColor = hatches[look.actor];
    style.fillOpacity = 1;
  } else {
    style.fillColor = actors[look.actor].color;
  }
  if (look.besieged) {
    style.color = COLORS.besieged;
    style.weight = 1.2;
  }
  if (look.compared === true) {
    style.color = COLORS.compared;
    style.weight = 2.2;
    style.fillOpacity = contested ? 1 : 0.8;
  } else if (look.compared === false) {
    style.fillOpacity = contested ? 0.35 : 0.18;
    style.opacity = 0.4;
  }
  if (look.flashing) {
    style.color = COLORS.flash;
    style.weight = 3.5;
    style.opacity = 1;
  }
  if (look.selected) {
    style.color = COLORS.selected;
    style.weight = 3.5;
    style.opacity = 1;
  }
  return style;
}

// The style a zone has before its first paint (the geometry is in, the history not yet worked out).
export const UNPAINTED = { color: COLORS.border, weight: 0.8, fillColor: COLORS.unknown, fillOpacity: 0.45 };
