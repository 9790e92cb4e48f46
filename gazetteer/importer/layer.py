"""A layer read from a file, in WGS84: what every reader returns, and the coordinate-system checks they share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from gazetteer.importer.options import ImportFileError
from mapapp.lib import geo


@dataclass
class Layer:
    frame: pd.DataFrame  # attribute columns, plus "geometry" (shapely or None, WGS84) and "_error"
    name: str
    crs: str


def check_srid(srid: int | None) -> str | None:
    if srid is None:
        return None
    try:
        CRS.from_epsg(srid)
    except CRSError:
        raise ImportFileError(f"unknown CRS EPSG:{srid} (--srid)") from None
    return f"EPSG:{srid}"


def to_wgs84(label: str, shapes: np.ndarray, crs: str) -> np.ndarray:
    try:
        source = CRS.from_user_input(crs)
    except (CRSError, TypeError):
        raise ImportFileError(f"{label}: unknown CRS {crs_label(crs)!r}; say which with --srid") from None
    shapes = shapely.force_2d(np.asarray(shapes, dtype=object))
    if source.equals(CRS.from_epsg(geo.WGS84), ignore_axis_order=True):
        return shapes
    transformer = Transformer.from_crs(source, CRS.from_epsg(geo.WGS84), always_xy=True)
    present = ~shapely.is_missing(shapes)
    shapes[present] = shapely.transform(shapes[present], lambda xy: np.column_stack(transformer.transform(*xy.T)))
    return shapes


def crs_label(crs: str) -> str:
    try:
        parsed = CRS.from_user_input(crs)
    except Exception:  # reported as unknown where it matters
        return str(crs)[:60]
    authority = parsed.to_authority()
    return f"{authority[0]}:{authority[1]}" if authority else parsed.name


def first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
