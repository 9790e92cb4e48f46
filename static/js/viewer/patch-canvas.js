// Leaflet's canvas repaints the one rectangle that holds every changed path, so a few changed zones far apart
// repaint the whole map. This one repaints a small rectangle per changed path instead (falling back to the
// union when very many changed), which keeps a step on a country-sized map to the zones that changed. Used by
// layers.js for the zones and by lines.js for fronts and sieges, on maps large enough to draw on a canvas.
export const PatchCanvas = L.Canvas.extend({
  // After a pan or zoom Leaflet repaints everything; pending patches are then moot.
  _updatePaths() {
    this._dirtyBoxes = null;
    L.Canvas.prototype._updatePaths.call(this);
  },
  _extendRedrawBounds(layer) {
    if (!layer._pxBounds) return;
    const padding = (layer.options.weight || 0) + 1;
    this._dirtyBoxes = this._dirtyBoxes || [];
    this._dirtyBoxes.push(
      L.bounds(layer._pxBounds.min.subtract([padding, padding]), layer._pxBounds.max.add([padding, padding])),
    );
  },
  // Leaflet's own _draw, except that paths passing within 2 px of the patch are redrawn too: their anti-aliased
  // fringe reaches into it, and the patch was cleared.
  _draw() {
    const bounds = this._redrawBounds;
    const near = bounds && L.bounds(bounds.min.subtract([2, 2]), bounds.max.add([2, 2]));
    const ctx = this._ctx;
    ctx.save();
    if (bounds) {
      const size = bounds.getSize();
      ctx.beginPath();
      ctx.rect(bounds.min.x, bounds.min.y, size.x, size.y);
      ctx.clip();
    }
    this._drawing = true;
    for (let order = this._drawFirst; order; order = order.next) {
      const layer = order.layer;
      if (!near || (layer._pxBounds && layer._pxBounds.intersects(near))) layer._updatePath();
    }
    this._drawing = false;
    ctx.restore();
  },
  _redraw() {
    this._redrawRequest = null;
    const boxes = this._dirtyBoxes;
    this._dirtyBoxes = null;
    if (!boxes || boxes.length > 64) {
      if (boxes) {
        this._redrawBounds = L.bounds(boxes[0].min, boxes[0].max);
        for (const box of boxes) this._redrawBounds.extend(box.min).extend(box.max);
        this._redrawBounds.min._floor();
        this._redrawBounds.max._ceil();
      }
      this._clear();
      this._draw();
    } else {
      for (const box of boxes) {
        box.min._floor();
        box.max._ceil();
        this._redrawBounds = box;
        this._clear();
        this._draw();
      }
    }
    this._redrawBounds = null;
  },
});

// A renderer on a pane of its own (created once, above the zones, never catching the mouse): a patching canvas
// on large maps, SVG on small ones.
export function paneRenderer(map, name, zIndex, useCanvas) {
  if (!map.getPane(name)) {
    map.createPane(name);
    map.getPane(name).style.zIndex = String(zIndex);
    map.getPane(name).style.pointerEvents = "none";
  }
  const options = { pane: name, padding: 0.3 };
  return useCanvas ? new PatchCanvas(options) : L.svg(options);
}
