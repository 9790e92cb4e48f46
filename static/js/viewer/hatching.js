// Contested ground is hatched in its holder's colour: one fill per actor, in the actor list's order. On SVG the
// fills are <pattern>s in a hidden <svg> of the map container (ids unique per viewer on the page, as an embed
// and a map may share one); on a canvas they are 8-pixel tiles repeated.
const SVG_NS = "http://www.w3.org/2000/svg";

function svgPatterns(container, actors, prefix) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("width", "0");
  svg.setAttribute("height", "0");
  svg.style.position = "absolute";
  const defs = document.createElementNS(SVG_NS, "defs");
  svg.appendChild(defs);
  const ids = actors.map(function (actor, index) {
    const pattern = document.createElementNS(SVG_NS, "pattern");
    const id = prefix + "-hatch-" + index;
    pattern.setAttribute("id", id);
    pattern.setAttribute("patternUnits", "userSpaceOnUse");
    pattern.setAttribute("width", "8");
    pattern.setAttribute("height", "8");
    pattern.setAttribute("patternTransform", "rotate(45)");
    const ground = document.createElementNS(SVG_NS, "rect");
    ground.setAttribute("width", "8");
    ground.setAttribute("height", "8");
    ground.setAttribute("fill", actor.color);
    ground.setAttribute("fill-opacity", "0.25");
    const stripe = document.createElementNS(SVG_NS, "rect");
    stripe.setAttribute("width", "3.5");
    stripe.setAttribute("height", "8");
    stripe.setAttribute("fill", actor.color);
    stripe.setAttribute("fill-opacity", "0.85");
    pattern.append(ground, stripe);
    defs.appendChild(pattern);
    return "url(#" + id + ")";
  });
  container.appendChild(svg);
  return ids;
}

function canvasPatterns(actors) {
  return actors.map(function (actor) {
    const tile = document.createElement("canvas");
    tile.width = tile.height = 8;
    const ctx = tile.getContext("2d");
    ctx.fillStyle = actor.color;
    ctx.globalAlpha = 0.25;
    ctx.fillRect(0, 0, 8, 8);
    ctx.globalAlpha = 0.85;
    ctx.lineWidth = 3;
    ctx.strokeStyle = actor.color;
    ctx.beginPath();
    for (let k = -8; k <= 16; k += 8) {
      ctx.moveTo(k, 8);
      ctx.lineTo(k + 8, 0);
    }
    ctx.stroke();
    return ctx.createPattern(tile, "repeat");
  });
}

// The hatch fill of each actor (a fillColor for Leaflet's path options), for the renderer in use.
export function hatchFills({ map, actors, useCanvas, prefix }) {
  return useCanvas ? canvasPatterns(actors) : svgPatterns(map.getContainer(), actors, prefix);
}
