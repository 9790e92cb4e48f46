"""The map at a date as a picture, drawn on the server with matplotlib (Agg, no pyplot: thread-safe).

Used where scripts cannot run: link previews (og:image, Twitter cards), oEmbed thumbnails and the <noscript>
fallback of the embed. Zones in their holders' colours (contested ones hatched), besieged ground outlined,
front lines where zones of different holders meet, the project's outline and river where it ships them, a
legend, the title, the date and the map's credit.

Arabic: matplotlib 3.11 (pinned) lays text out with libraqm, which joins Arabic letters and orders mixed
right-to-left and left-to-right runs itself (checked by tests/mapapp/test_embed_image.py), so strings are drawn
as they are, in Noto Sans Arabic with Noto Sans for Latin (fonts-noto-core). Pre-shaping them with
arabic-reshaper/python-bidi, as older matplotlib needed, would now reverse them twice. A picture asked for with
lang=ar is laid out right to left.

Pictures are cached as files under settings.EMBED_IMAGE_CACHE_DIR, one folder per map and data version: a
write to the map bumps its version, so the next request draws afresh and the old folder is removed. The cache
holds at most EMBED_IMAGE_CACHE_MB: after each drawing the least recently used pictures go first (a hit touches
its file). The views a picture may be asked for are on a grid (mapapp.embed.image_size), so few are drawn.
"""

from __future__ import annotations

import hashlib
import json
import math
import textwrap
from collections import defaultdict
from io import BytesIO
from pathlib import Path

import numpy as np
import shapely
from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils import formats, translation
from django.utils.translation import gettext as _

from gazetteer.normalize import is_arabic
from mapapp import asof, embed, frontlines, selectors, viewer
from mapapp.lib import geo
from mapapp.lib.filecache import VersionedFileCache
from mapapp.models import Map

# Part of every cache key: bump it when the drawing changes, so cached pictures are drawn again.
RENDER_VERSION = 2

FONT_FAMILY = ["Noto Sans", "Noto Sans Arabic", "DejaVu Sans"]
ARABIC_FONT_FAMILY = ["Noto Sans Arabic", "Noto Sans", "DejaVu Sans"]
UNKNOWN_FILL = "#c9c9c4"
SIEGE_COLOR = "#6a1b9a"
FRONT_COLOR = "#111111"
EDGE_GRID = 1e-7  # degrees (about 1 cm): shared boundaries are intersected on this grid

THEMES = {
    "light": {"background": "#f6f5f1", "land": "#e9ebe4", "ink": "#1b1b1b", "muted": "#5f5f5a", "edge": "#ffffff"},
    "dark": {"background": "#1d1f21", "land": "#2b2e31", "ink": "#f1f1ee", "muted": "#b0b0a8", "edge": "#1d1f21"},
}


def font_family(text: str) -> list[str]:
    """Arabic text in an Arabic face (Latin parts fall back to Noto Sans); other text in Noto Sans, whose line
    height suits Latin better than the Arabic faces'."""
    return ARABIC_FONT_FAMILY if is_arabic(text) else FONT_FAMILY


# --- Cache ------------------------------------------------------------------------------------------------


def cache_key(map: Map, options) -> str:
    # A picture of the record as once published (?as_of=, a publication delay: mapapp.asof) is keyed by that
    # record too: the data version names only today's.
    key = (
        f"{RENDER_VERSION}:{map.slug}:{map.data_version}:{options.date.isoformat()}:"
        f"{options.width}x{options.height}:{options.lang}:{options.theme}:{options.zoom}:{options.center}:{options.legend}"
        f"{asof.record_key()}"
    )
    return hashlib.blake2b(key.encode(), digest_size=12).hexdigest()


def _cache() -> VersionedFileCache:
    return VersionedFileCache(
        Path(settings.EMBED_IMAGE_CACHE_DIR), settings.EMBED_IMAGE_CACHE_MB * 1024 * 1024, pattern="*.png"
    )


def _cache_path(map: Map, options) -> Path:
    return _cache().folder(map.slug, map.data_version) / f"{cache_key(map, options)}.png"


def cached_png(map: Map, options) -> bytes | None:
    """The cached picture for (map, data version, options), or None when it would have to be drawn. A hit
    marks the file as just used, which is what the size cap evicts by."""
    return _cache().read(_cache_path(map, options))


def map_png(map: Map, options) -> bytes:
    """The picture for (map, data version, options), drawn once and then read from the file cache."""
    png = cached_png(map, options)
    if png is not None:
        return png
    png = render_png(map, options)
    _cache().write(_cache_path(map, options), png)
    return png


# --- Drawing ----------------------------------------------------------------------------------------------


def _polygon_path(geometry):
    """A matplotlib Path for a (Multi)Polygon, holes included."""
    from matplotlib.path import Path as MplPath  # lazy: matplotlib loads in ~0.5 s and only a drawing needs it

    vertices, codes = [], []
    for polygon in getattr(geometry, "geoms", [geometry]):
        for ring in [polygon.exterior, *polygon.interiors]:
            coords = np.asarray(ring.coords)[:, :2]
            if len(coords) < 3:
                continue
            ring_codes = np.full(len(coords), MplPath.LINETO, dtype=np.uint8)
            ring_codes[0] = MplPath.MOVETO
            ring_codes[-1] = MplPath.CLOSEPOLY
            vertices.append(coords)
            codes.append(ring_codes)
    if not vertices:
        return None
    return MplPath(np.concatenate(vertices), np.concatenate(codes))


def _lines(geometry) -> list:
    """The linear parts of a geometry as coordinate arrays."""
    out = []
    for part in shapely.get_parts(geometry):
        if isinstance(part, shapely.LineString) and part.length > 0:
            out.append(np.asarray(part.coords)[:, :2])
        elif isinstance(part, shapely.MultiLineString | shapely.GeometryCollection | shapely.Polygon):
            if isinstance(part, shapely.Polygon):
                part = part.boundary
            out.extend(_lines(part))
    return out


def _front_lines(map: Map, on) -> list:
    """Where zones held by different actors meet on `on`: the same rule and query as the fronts API
    (frontlines.front_edges, over the map's stored shared edges), as coordinate arrays to draw."""
    return [line for *_sides, wkb in frontlines.front_edges(map=map, on=on) for line in _lines(shapely.from_wkb(wkb))]


def _basemap(map: Map) -> dict | None:
    path = finders.find(f"data/{map.slug}-basemap.geojson")
    if not path:
        return None
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def _fit_text(text: str, width_px: float, font_px: float, lines: int = 2) -> str:
    """Wrap to the picture's width (about 0.55 em a character) and cut what does not fit in `lines`."""
    per_line = max(12, int(width_px / (font_px * 0.55)))
    wrapped = textwrap.wrap(text, per_line)
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: max(0, per_line - 1)].rstrip() + "…"
    return "\n".join(wrapped)


def render_png(map: Map, options) -> bytes:
    """Draw the map on options.date at options.width x options.height pixels; returns PNG bytes."""
    from matplotlib.figure import Figure  # lazy (see _polygon_path): most processes never draw a picture
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, PathPatch

    on = options.date
    rtl = options.lang == "ar"
    theme = THEMES[options.theme]

    states = selectors.zone_states_at(map=map, on=on)
    besieged = selectors.besieged_place_ids(map=map, on=on, states=states)
    actors = selectors.actors_by_id()
    places = list(map.places.order_by("slug").values_list("pk", "footprint"))
    place_ids = [pk for pk, footprint in places if footprint is not None]
    footprints = [geo.to_shapely(footprint) for _pk, footprint in places if footprint is not None]

    width, height = options.width, options.height
    dpi = 100
    figure = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, facecolor=theme["background"])
    unit = min(width, height)
    title_px = max(11.0, min(28.0, unit * 0.045))
    small_px = max(8.0, min(16.0, unit * 0.026))
    pt = 72 / dpi  # font sizes are in points; we think in pixels

    with translation.override(options.lang):
        title = viewer.local_title(map, options.lang) or map.slug
        date_text = formats.date_format(on, "j F Y")
        credit = map.credit or ""
        legend_labels = {
            "contested": _("contested"),
            "besieged": _("besieged"),
            "front": _("front line"),
            "unknown": _("unknown"),
        }
        source_line = "Frontline Atlas"

    family = ARABIC_FONT_FAMILY if rtl else FONT_FAMILY
    header_px = title_px * 2.2
    footer_lines = _fit_text(credit, width - 16, small_px, lines=2) if credit else ""
    footer_px = small_px * (1.6 + 1.25 * (footer_lines.count("\n") + 1 if footer_lines else 0))

    # The title and the date on one line, the date on the trailing side; the title shortened to fit.
    edge_x, far_x = (1 - 8 / width, 8 / width) if rtl else (8 / width, 1 - 8 / width)
    align_start, align_end = ("right", "left") if rtl else ("left", "right")
    date_room = len(date_text) * small_px * 0.62 + 24
    max_title_chars = max(10, int((width - date_room - 24) / (title_px * 0.58)))
    if len(title) > max_title_chars:
        title = title[: max_title_chars - 1].rstrip() + "…"
    header_y = 1 - (header_px / 2) / height
    figure.text(
        edge_x, header_y, title, ha=align_start, va="center", fontsize=title_px * pt,
        fontweight="bold", color=theme["ink"], family=font_family(title),
    )  # fmt: skip
    if getattr(options, "show_date", True):  # a film's frames (mapapp.timelapse) write the date large instead
        figure.text(
            far_x, header_y, date_text, ha=align_end, va="center", fontsize=small_px * 1.15 * pt,
            color=theme["ink"], family=font_family(date_text),
        )  # fmt: skip
    footer = source_line + (" · " + footer_lines if footer_lines else "")
    figure.text(
        edge_x, 6 / height, footer, ha=align_start, va="bottom",
        fontsize=small_px * pt, color=theme["muted"], family=font_family(footer), linespacing=1.25,
    )  # fmt: skip

    map_bottom = footer_px / height
    map_top = 1 - header_px / height
    axes = figure.add_axes((0, map_bottom, 1, map_top - map_bottom))
    axes.set_axis_off()
    axes.set_facecolor(theme["land"])
    axes.add_patch(
        PathPatch(_polygon_path(shapely.box(-180, -90, 180, 90)), facecolor=theme["land"], edgecolor="none", zorder=0)
    )

    basemap = _basemap(map)
    if basemap:
        for feature in basemap.get("features", []):
            geometry = shapely.geometry.shape(feature["geometry"])
            kind = feature.get("properties", {}).get("kind")
            if kind == "river":
                for line in _lines(geometry):
                    axes.plot(line[:, 0], line[:, 1], color="#5b9bd5", linewidth=max(2.0, unit / 140), zorder=3,
                              solid_capstyle="round")  # fmt: skip
            elif geometry.geom_type in ("Polygon", "MultiPolygon"):
                path = _polygon_path(geometry)
                if path is not None:
                    axes.add_patch(PathPatch(path, facecolor="none", edgecolor=theme["muted"], linewidth=1,
                                             linestyle=(0, (3, 4)), zorder=1))  # fmt: skip

    shown_actors: set[int] = set()
    any_unknown = any_contested = False
    edge_width = max(0.4, unit / 900)
    for place_id, footprint in zip(place_ids, footprints, strict=True):
        path = _polygon_path(footprint)
        if path is None:
            continue
        state = states.get(place_id)
        actor = actors.get(state.actor_id) if state else None
        if actor is None:
            any_unknown = True
            patch = PathPatch(path, facecolor=UNKNOWN_FILL, edgecolor=theme["edge"], linewidth=edge_width,
                              alpha=0.8, zorder=2)  # fmt: skip
        elif state.status == "contested":
            shown_actors.add(actor.pk)
            any_contested = True
            patch = PathPatch(path, facecolor=_tint(actor.color, 0.3), edgecolor=actor.color, hatch="////",
                              linewidth=0, zorder=2)  # fmt: skip
            axes.add_patch(PathPatch(path, facecolor="none", edgecolor=theme["edge"], linewidth=edge_width, zorder=2))
        else:
            shown_actors.add(actor.pk)
            patch = PathPatch(path, facecolor=actor.color, edgecolor=theme["edge"], linewidth=edge_width,
                              alpha=0.85, zorder=2)  # fmt: skip
        axes.add_patch(patch)

    fronts = _front_lines(map, on)
    front_width = max(1.6, unit / 260)
    for line in fronts:
        axes.plot(line[:, 0], line[:, 1], color="#ffffff", linewidth=front_width * 2.2, alpha=0.8, zorder=4,
                  solid_capstyle="round")  # fmt: skip
        axes.plot(line[:, 0], line[:, 1], color=FRONT_COLOR, linewidth=front_width, zorder=5, solid_capstyle="round")

    by_siege: dict[int, list] = defaultdict(list)
    for place_id, footprint in zip(place_ids, footprints, strict=True):
        for siege_id in besieged.get(place_id, ()):  # a zone inside two sieges is in both outlines
            by_siege[siege_id].append(footprint)
    siege_width = max(2.0, unit / 200)
    for ground in by_siege.values():
        for line in _lines(shapely.union_all(ground, grid_size=EDGE_GRID).boundary):
            axes.plot(line[:, 0], line[:, 1], color=SIEGE_COLOR, linewidth=siege_width, linestyle=(0, (3, 1.6)),
                      zorder=6)  # fmt: skip

    # The view: the map's zones with a margin, stretched so a degree of longitude is as long as on the ground;
    # or, when asked for, the embed's view (zoom level and centre).
    if footprints:
        west, south, east, north = shapely.union_all(footprints).bounds
    elif map.area is not None:
        west, south, east, north = map.area.extent
    else:
        west, south, east, north = -1.0, -1.0, 1.0, 1.0
    map_height_px = (map_top - map_bottom) * height
    if options.zoom is None and options.center is None:
        _set_view(axes, west, south, east, north, width, map_height_px)
    else:
        _set_embed_view(axes, (west, south, east, north), options.zoom, options.center, width, map_height_px)

    handles = []
    for actor_id in sorted(shown_actors, key=lambda pk: (actors[pk].sort_order, actors[pk].slug)):
        actor = actors[actor_id]
        name = actor.name_ar if rtl and actor.name_ar else actor.name_en
        handles.append(Patch(facecolor=actor.color, edgecolor="none", label=name))
    if any_contested:
        handles.append(Patch(facecolor="#ffffff", edgecolor="#555555", hatch="////", label=legend_labels["contested"]))
    if by_siege:
        handles.append(Line2D([], [], color=SIEGE_COLOR, linewidth=2.5, linestyle=(0, (3, 1.6)),
                              label=legend_labels["besieged"]))  # fmt: skip
    if fronts:
        handles.append(Line2D([], [], color=FRONT_COLOR, linewidth=2.5, label=legend_labels["front"]))
    if any_unknown:
        handles.append(Patch(facecolor=UNKNOWN_FILL, edgecolor="none", label=legend_labels["unknown"]))
    if handles and options.legend:
        legend = axes.legend(
            handles=handles,
            loc="lower right" if rtl else "lower left",
            fontsize=small_px * pt,
            frameon=True,
            framealpha=0.92,
            facecolor=theme["background"],
            edgecolor="none",
            labelcolor=theme["ink"],
            markerfirst=not rtl,
            prop={"family": family, "size": small_px * pt},
            borderaxespad=0.6,
            handlelength=1.4,
        )
        legend.set_zorder(10)

    out = BytesIO()
    figure.savefig(out, format="png", dpi=dpi, facecolor=theme["background"], metadata={"Software": None})
    return out.getvalue()


def _tint(color: str, strength: float) -> str:
    """`color` mixed with white: strength 1 is the colour, 0 is white."""
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    mix = [round(255 - (255 - channel) * strength) for channel in (red, green, blue)]
    return "#" + "".join(f"{channel:02x}" for channel in mix)


# Leaflet's Web Mercator: the world is 256 * 2**zoom pixels wide.
TILE_SIZE = 256


def fit_zoom(bounds, width_px: float, height_px: float) -> int:
    """The whole zoom level at which `bounds` (west, south, east, north) fits, as Leaflet's getBoundsZoom picks
    it (zoomSnap 1: rounded down), kept to the embed's 1..18."""
    west, south, east, north = bounds
    middle_lat = math.radians((south + north) / 2)
    span_lng = max(east - west, 1e-6)
    span_lat = max(north - south, 1e-6) / max(0.05, math.cos(middle_lat))  # in longitude-degree units
    zoom = min(math.log2(360 * width_px / (TILE_SIZE * span_lng)), math.log2(360 * height_px / (TILE_SIZE * span_lat)))
    return max(embed.MIN_ZOOM, min(embed.MAX_ZOOM, math.floor(zoom)))


def _set_embed_view(axes, bounds, zoom, center, width_px, height_px) -> None:
    """Frame the picture as the embed frames its map for ?zoom=&center= (embed.js): centred on `center` (default:
    the middle of the zones), at `zoom` (default: the zoom that fits the zones). A picture as wide as the embed
    spans the same ground from west to east."""
    west, south, east, north = bounds
    lat, lng = center if center is not None else ((south + north) / 2, (west + east) / 2)
    if zoom is None:
        zoom = fit_zoom(bounds, width_px, height_px)
    stretch = 1 / max(0.05, math.cos(math.radians(lat)))
    span_x = 360 * width_px / (TILE_SIZE * 2**zoom)
    span_y = span_x * (height_px / max(width_px, 1)) / stretch
    axes.set_xlim(lng - span_x / 2, lng + span_x / 2)
    axes.set_ylim(lat - span_y / 2, lat + span_y / 2)
    axes.set_aspect(stretch, adjustable="box")


def _set_view(axes, west, south, east, north, width_px, height_px) -> None:
    """Frame [west, east] x [south, north] with a 6% margin, filling the axes at the ground's aspect."""
    middle_lat = (south + north) / 2
    stretch = 1 / max(0.05, math.cos(math.radians(middle_lat)))  # y units per x unit on screen
    span_x = max(east - west, 1e-4) * 1.12
    span_y = max(north - south, 1e-4) * 1.12
    centre_x, centre_y = (west + east) / 2, (south + north) / 2
    # Grow the span that is short for the axes' shape so the picture is filled without distortion.
    want_ratio = height_px / max(width_px, 1)  # screen height / width
    if span_y * stretch / span_x < want_ratio:
        span_y = span_x * want_ratio / stretch
    else:
        span_x = span_y * stretch / want_ratio
    axes.set_xlim(centre_x - span_x / 2, centre_x + span_x / 2)
    axes.set_ylim(centre_y - span_y / 2, centre_y + span_y / 2)
    axes.set_aspect(stretch, adjustable="box")
