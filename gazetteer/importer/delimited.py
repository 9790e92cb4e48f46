"""Reading CSV: a WKT column, or latitude/longitude columns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from gazetteer.importer.layer import Layer, crs_label, first_line, to_wgs84
from gazetteer.importer.options import LAT_LON_COLUMNS, WKT_COLUMNS, ImportFileError


def read_csv(path: Path, crs_override: str | None) -> Layer:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        if len(frame.columns) == 1 and ";" in frame.columns[0]:
            # Spreadsheets in locales with a decimal comma save CSV with semicolons.
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", sep=";")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{path.name}: not UTF-8 text ({first_line(exc)}); save it as CSV UTF-8 and import it again"
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ImportFileError(f"{path.name}: not a readable CSV ({first_line(exc)})") from None
    if frame.empty:
        raise ImportFileError(f"{path.name}: no rows under its header")
    wkt = next((c for c in WKT_COLUMNS if c in frame.columns), None)
    lat_lon = next(((lat, lon) for lat, lon in LAT_LON_COLUMNS if lat in frame.columns and lon in frame.columns), None)
    if wkt is None and lat_lon is None:
        raise ImportFileError(
            f"{path.name}: no geometry columns: expected a WKT column (wkt, geometry, geom) or latitude and "
            f"longitude columns (lat/lon, latitude/longitude); found {', '.join(frame.columns) or 'none'}"
        )
    shapes, errors = [], []
    for _, row in frame.iterrows():
        shape, error = None, None
        if wkt is not None:
            text = row[wkt].strip()
            if text:
                try:
                    shape = shapely.from_wkt(text)
                except shapely.errors.GEOSException:
                    error = f"{wkt} is not WKT: {text[:40]!r}"
        else:
            lat, lon = (row[c].strip() for c in lat_lon)
            if lat or lon:
                try:
                    shape = shapely.Point(float(lon.replace(",", ".")), float(lat.replace(",", ".")))
                except ValueError:
                    error = f"{lat_lon[0]}/{lat_lon[1]} are not numbers: {lat!r}, {lon!r}"
        shapes.append(shape)
        errors.append(error)
    crs = crs_override or "EPSG:4326"
    frame = frame.drop(columns=[wkt] if wkt else [])
    frame["geometry"] = list(to_wgs84(path.name, np.array(shapes, dtype=object), crs))
    frame["_error"] = errors
    return Layer(frame, "", crs_label(crs))
