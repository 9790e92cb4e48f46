// Leaflet's canvas repaints the one rectangle that holds every changed path, so a few changed zones far apart
// repaint the whole map. This one repaints a small rectangle per changed path instead (falling back to the
// union when very many changed), which keeps a step on a country-sized map to the zones that changed. Used by
// layers.js for the zones and by lines.js for fronts and sieges, on maps large enough to draw on a canvas.
//
// Leaflet also walks every path on the canvas for each rectangle it repaints (thousands of bounds tests per
// patch, ~15 ms a step at 5,000 zones). Here the paths' pixel boxes are kept in a grid of CELL-pixel cells, built
// again after a pan or zoom or when paths come or go, so a patch looks only at the paths in its cells.
const CELL = 128;
const KEY = 1 << 16; // cells per row in the key; the canvas is never that many cells wide

export const PatchCanvas = L.Canvas.extend({
  // After a pan or zoom Leaflet repaints everything; pending patches are then moot, and the paths' boxes moved.
  _updatePaths() {
    this._dirtyBoxes = null;
    this._grid = null;
    L.Canvas.prototype._updatePaths.call(this);
  },
  _initPath(layer) {
    this._grid = null;
    L.Canvas.prototype._initPath.call(this, layer);
  },
  _removePath(layer) {
    this._grid = null;
    L.Canvas.prototype._removePath.call(this, layer);
  },
  _bringToFront(layer) {
    this._grid = null;
    L.Canvas.prototype._bringToFront.call(this, layer);
  },
  _bringToBack(layer) {
    this._grid = null;
    L.Canvas.prototype._bringToBack.call(this, layer);
  },
  _buildGrid() {
    const grid = new Map();
    const wide = []; // paths spanning very many cells: looked at for every patch
    let order = 0;
    for (let link = this._drawFirst; link; link = link.next) {
      const layer = link.layer;
      layer._patchOrder = order++;
      const box = layer._pxBounds;
      if (!box) continue;
      const x0 = Math.floor(box.min.x / CELL);
      const x1 = Math.floor(box.max.x / CELL);
      const y0 = Math.floor(box.min.y / CELL);
      const y1 = Math.floor(box.max.y / CELL);
      if ((x1 - x0 + 1) * (y1 - y0 + 1) > 64) {
        wide.push(layer);
        continue;
      }
      for (let x = x0; x <= x1; x++) {
        for (let y = y0; y <= y1; y++) {
          const key = x * KEY + y;
          const cell = grid.get(key);
          if (cell) cell.push(layer);
          else grid.set(key, [layer]);
        }
      }
    }
    this._grid = { cells: grid, wide, stamp: 0 };
    return this._grid;
  },
  // The paths whose boxes meet `near`, in drawing order.
  _pathsNear(near) {
    const grid = this._grid || this._buildGrid();
    const stamp = ++grid.stamp;
    const found = [];
    const take = (layer) => {
      if (layer._patchStamp === stamp || !layer._pxBounds || !layer._pxBounds.intersects(near)) return;
      layer._patchStamp = stamp;
      found.push(layer);
    };
    grid.wide.forEach(take);
    const x1 = Math.floor(near.max.x / CELL);
    const y1 = Math.floor(near.max.y / CELL);
    for (let x = Math.floor(near.min.x / CELL); x <= x1; x++) {
      for (let y = Math.floor(near.min.y / CELL); y <= y1; y++) {
        const cell = grid.cells.get(x * KEY + y);
        if (cell) cell.forEach(take);
      }
    }
    return found.sort((a, b) => a._patchOrder - b._patchOrder);
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
    if (near) {
      for (const layer of this._pathsNear(near)) layer._updatePath();
    } else {
      for (let order = this._drawFirst; order; order = order.next) order.layer._updatePath();
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
