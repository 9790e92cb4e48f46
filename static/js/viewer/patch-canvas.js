// Leaflet's canvas repaints the one rectangle that holds every changed path, so a few changed zones far apart
// repaint the whole map, and it walks every path on the canvas to find those to draw again (thousands of bounds
// tests, ~15 ms a step at 5,000 zones). This one keeps the paths in a grid of CELL-pixel cells (each path in
// every cell its drawn pixels reach, its stroke and anti-aliased fringe included; built again after a pan or
// zoom or when paths come or go). A step marks the cells its changed paths cover, joins them into rectangles,
// and clears each and draws, clipped to it, the paths in it: the zones that changed and their neighbours, not the
// map. A rectangle is a cheap clip; one clip of all the cells (a path of many rectangles) cost more to raster
// (a step at 10,000 zones, repaint and raster paired in one page: 0.79x the one clip with Leaflet's point walk,
// where Path2Ds under the one clip gave 0.88x). Used by
// layers.js for the zones, with lines.js's fronts and sieges on the same canvas, on maps large enough to draw on
// a canvas.
// Small cells: a step repaints less ground around each changed zone. At 10,000 zones, a step's repaint plus
// raster paired in one page against 64-pixel cells: 32 px 0.63-0.68x, 24 px 0.55-0.59x, 16 px 0.52-0.56x (60
// steps each, by change and by day; the grid, 25,000 entries at 24 px, builds in about a millisecond).
// options.cellSize overrides it (to measure).
const CELL = 24;
// How far beyond the view a canvas reaches (Leaflet's default is 0.1): a canvas's every pixel is copied to the
// compositor on each frame it changes, so it is kept small; a pan past it is drawn again at its end.
export const CANVAS_PADDING = 0.1;
const KEY = 1 << 16; // cells per row in the key; the canvas is never that many cells wide
// How far a path's pixels reach beyond its box: half the widest stroke the viewer draws (3.5 px: a flash, the
// chosen zone, a siege line) and the anti-aliased fringe. The same for every path, so a path whose style widens
// is still in every cell it reaches.
const PAD = 4;
let stamps = 0;

function cellsOf(box, pad, size, visit) {
  const x1 = Math.floor((box.max.x + pad) / size);
  const y1 = Math.floor((box.max.y + pad) / size);
  for (let x = Math.floor((box.min.x - pad) / size); x <= x1; x++) {
    for (let y = Math.floor((box.min.y - pad) / size); y <= y1; y++) visit(x * KEY + y, x, y);
  }
}

function addToCells(cells, layer, size) {
  if (!layer._pxBounds) return;
  cellsOf(layer._pxBounds, PAD, size, (key) => {
    const cell = cells.get(key);
    if (cell) cell.push(layer);
    else cells.set(key, [layer]);
  });
}

// The dirty cells as few rectangles: runs of cells along each row, a run stacked on the same run of the row
// above joining its rectangle. [x0, x1, y0, y1] in cells, inclusive.
function rectanglesOf(dirty) {
  const rows = new Map();
  for (const [x, y] of dirty.values()) {
    const row = rows.get(y);
    if (row) row.push(x);
    else rows.set(y, [x]);
  }
  const done = [];
  let open = new Map(); // "x0 x1" -> the rectangle whose last row is the row before
  for (const y of [...rows.keys()].sort((a, b) => a - b)) {
    const xs = rows.get(y).sort((a, b) => a - b);
    const next = new Map();
    for (let i = 0; i < xs.length; ) {
      let j = i;
      while (j + 1 < xs.length && xs[j + 1] === xs[j] + 1) j++;
      const key = xs[i] + " " + xs[j];
      const above = open.get(key);
      if (above && above[3] === y - 1) {
        above[3] = y;
        open.delete(key);
        next.set(key, above);
      } else next.set(key, [xs[i], xs[j], y, y]);
      i = j + 1;
    }
    for (const rect of open.values()) done.push(rect);
    open = next;
  }
  for (const rect of open.values()) done.push(rect);
  return done;
}

// A path's tier (options.patchTier, default 0) orders it on the canvas: a path is drawn above every path of a
// lower tier, whenever it was added (the fronts and siege lines share the zones' canvas: lines.js).
const TIER = 2 ** 40;
const tierOf = (layer) => layer.options.patchTier || 0;

export const PatchCanvas = L.Canvas.extend({
  // After a pan or zoom Leaflet repaints everything; pending patches are then moot, and the paths' boxes moved.
  _updatePaths() {
    this._dirtyBoxes = null;
    this._grid = null;
    L.Canvas.prototype._updatePaths.call(this);
  },
  // Leaflet appends a new path to the end of the draw list; here it goes to the end of its tier. With a grid
  // built, the path joins it in the next repaint (its box is known only once it is projected), not a new grid:
  // a step shows new front lines, and a whole grid costs a millisecond or more at 10,000 zones.
  _initPath(layer) {
    L.Canvas.prototype._initPath.call(this, layer);
    const tier = tierOf(layer);
    const order = layer._order;
    let before = order.prev;
    if (before && tierOf(before.layer) > tier) {
      while (before && tierOf(before.layer) > tier) before = before.prev;
      // unlink from the end ...
      this._drawLast = order.prev;
      this._drawLast.next = null;
      // ... and link in after `before` (or first)
      const after = before ? before.next : this._drawFirst;
      order.prev = before;
      order.next = after;
      after.prev = order;
      if (before) before.next = order;
      else this._drawFirst = order;
    }
    if (this._grid) {
      layer._patchOrder = tier * TIER + this._grid.next++;
      this._grid.added.push(layer);
    }
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
  _buildGrid(size) {
    const cells = new Map();
    let order = 0;
    for (let link = this._drawFirst; link; link = link.next) {
      const layer = link.layer;
      layer._patchOrder = tierOf(layer) * TIER + order++;
      addToCells(cells, layer, size);
    }
    this._grid = { cells, size, next: order, added: [] };
    return this._grid;
  },
  // The grid for this repaint: the one kept, with the paths added since it was built, or a new one.
  _gridFor(size) {
    const grid = this._grid;
    if (!grid || grid.size !== size) return this._buildGrid(size);
    for (const layer of grid.added) if (layer._order) addToCells(grid.cells, layer, size);
    grid.added = [];
    return grid;
  },
  // A changed path: the cells its box (as it is now, before a restyle moves it) reaches repaint.
  _extendRedrawBounds(layer) {
    if (!layer._pxBounds) return;
    (this._dirtyBoxes = this._dirtyBoxes || []).push(layer._pxBounds);
  },
  _redraw() {
    this._redrawRequest = null;
    const boxes = this._dirtyBoxes;
    this._dirtyBoxes = null;
    const cellSize = this.options.cellSize || CELL;
    const dirty = new Map();
    if (boxes) for (const box of boxes) cellsOf(box, PAD, cellSize, (key, x, y) => dirty.set(key, [x, y]));
    const size = this._bounds ? this._bounds.getSize() : null;
    const all = size ? Math.ceil(size.x / cellSize + 1) * Math.ceil(size.y / cellSize + 1) : 0;
    if (!boxes || !size || dirty.size > all / 2) {
      // Most of the canvas: one clear and one pass over everything is cheaper than the cells.
      this._redrawBounds = null;
      this._clear();
      this._draw();
      return;
    }
    const grid = this._gridFor(cellSize);
    const ctx = this._ctx;
    this._drawing = true;
    for (const [x0, x1, y0, y1] of rectanglesOf(dirty)) {
      const stamp = ++stamps; // counted across grids and canvases: a path's mark from an old grid never matches
      const paths = [];
      for (let x = x0; x <= x1; x++) {
        for (let y = y0; y <= y1; y++) {
          const cell = grid.cells.get(x * KEY + y);
          if (!cell) continue;
          for (const layer of cell) {
            if (layer._patchStamp === stamp) continue;
            layer._patchStamp = stamp;
            paths.push(layer);
          }
        }
      }
      const [left, top] = [x0 * cellSize, y0 * cellSize];
      const [width, height] = [(x1 - x0 + 1) * cellSize, (y1 - y0 + 1) * cellSize];
      ctx.clearRect(left, top, width, height);
      if (!paths.length) continue;
      paths.sort((a, b) => a._patchOrder - b._patchOrder);
      ctx.save();
      ctx.beginPath();
      ctx.rect(left, top, width, height);
      ctx.clip();
      for (const layer of paths) layer._updatePath();
      ctx.restore();
    }
    this._drawing = false;
  },
  // A path's outline as a Path2D, built from its projected, clipped points (`_parts`) once and kept until they
  // are computed again (Leaflet makes a new `_parts` array on every pan end, zoom or new points, never on a
  // restyle): a step's repaint fills and strokes the kept shapes instead of walking every ring point by point.
  _updatePoly(layer, closed) {
    if (!this._drawing) return;
    const parts = layer._parts;
    const options = layer.options;
    const stroke = options.stroke && options.weight !== 0;
    // A hidden line (lines.js turns a front or siege line off by its stroke, and keeps it) draws nothing: no
    // shape is built for it.
    if (!parts.length || (!options.fill && !stroke)) return;
    let path = layer._patchPath;
    if (!path || layer._patchPathOf !== parts) {
      path = new Path2D();
      for (const part of parts) {
        for (let j = 0; j < part.length; j++) {
          if (j) path.lineTo(part[j].x, part[j].y);
          else path.moveTo(part[j].x, part[j].y);
        }
        if (closed) path.closePath();
      }
      layer._patchPath = path;
      layer._patchPathOf = parts;
    }
    const ctx = this._ctx;
    if (options.fill) {
      ctx.globalAlpha = options.fillOpacity;
      ctx.fillStyle = options.fillColor || options.color;
      ctx.fill(path, options.fillRule || "evenodd");
    }
    if (stroke) {
      ctx.setLineDash(options._dashArray || []);
      ctx.globalAlpha = options.opacity;
      ctx.lineWidth = options.weight;
      ctx.strokeStyle = options.color;
      ctx.lineCap = options.lineCap;
      ctx.lineJoin = options.lineJoin;
      ctx.stroke(path);
    }
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
  const options = { pane: name, padding: useCanvas ? CANVAS_PADDING : 0.3 };
  return useCanvas ? new PatchCanvas(options) : L.svg(options);
}
