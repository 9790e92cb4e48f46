"""A map's zones with all their names, as GeoJSON, CSV or GeoPackage: a snapshot of who held each zone on a date,
or the full interval history (one row per control period). Only published records.

Rows are built from a fixed number of queries (zones, names, periods or states, actors, sources); geometry comes
from the database as GeoJSON or WKT text and is passed through (GeoJSON) or parsed once (GeoPackage).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np
import orjson
import pyogrio.raw
import shapely
from django.contrib.gis.db.models.functions import AsWKB
from django.db.models import F

from gazetteer.models import PlaceName
from mapapp import selectors, standards
from mapapp.events.export import add_events_layer
from mapapp.linkedplaces import linked_places
from mapapp.models import ControlPeriod, Map

FORMATS = {
    "geojson": ("application/geo+json", "geojson"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "gpkg": ("application/geopackage+sqlite3", "gpkg"),
    "lpf": ("application/geo+json", "lpf.json"),
}
CSV_DECIMALS = 7  # about 1 cm, finer than any footprint; the float noise of a longer print says nothing
CRS = "EPSG:4326"  # every coordinate we write: WGS84 longitude, latitude (CSV says so in its `crs` column)
DATE_COLUMNS = {"since", "valid_from", "valid_to", "held_since"}
COLUMNS_SNAPSHOT = ["place", "name_en", "name_ar", "names", "kind", "actor", "actor_name", "status", "since"]
COLUMNS_HISTORY = ["place", "name_en", "name_ar", "names", "kind", "actor", "actor_name", "status", "valid_from"]
COLUMNS_SNAPSHOT += ["confidence", "sources", "approximate", "area_km2", "label_lon", "label_lat"]
COLUMNS_HISTORY += ["valid_to", "held_since", "confidence", "sources", "approximate", "area_km2"]
COLUMNS_HISTORY += ["label_lon", "label_lat"]


def _zones(map: Map, geometry: str) -> list[dict]:
    # GeoJSON is the text stored with the footprint (Place.footprint_geojson: wound as RFC 7946 says, to
    # GEOJSON_PRECISION digits); the tables get WKB, wound and rounded in Python.
    if geometry == "geojson":
        function = F("footprint_geojson")
    else:
        function = AsWKB(standards.ForcePolygonCCW("footprint"))
    rows = (
        map.places.order_by("slug")
        .annotate(geometry_text=function)
        .values("id", "slug", "name_en", "name_ar", "kind", "footprint_approximate", "area_km2", "label_point")
        .annotate(geometry_text=function)
    )
    zones = list(rows)
    names: dict[int, list[dict]] = defaultdict(list)
    for place_id, name, language, kind in (
        PlaceName.objects.filter(place__maps=map)
        .order_by("place_id", "kind", "language", "name")
        .values_list("place_id", "name", "language", "kind")
    ):
        names[place_id].append({"name": name, "language": language, "kind": kind})
    for zone in zones:
        zone["names"] = names[zone["id"]]
    return zones


def _base(zone: dict) -> dict:
    point = zone["label_point"]
    return {
        "place": zone["slug"],
        "name_en": zone["name_en"],
        "name_ar": zone["name_ar"],
        "names": zone["names"],
        "kind": zone["kind"],
        "approximate": zone["footprint_approximate"],
        "area_km2": round(zone["area_km2"], 4) if zone["area_km2"] is not None else None,
        "label_lon": round(point.x, 6) if point is not None else None,
        "label_lat": round(point.y, 6) if point is not None else None,
    }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def export_rows(*, map: Map, on: dt.date | None, geometry: str) -> list[tuple[dict, str | None]]:
    """[(properties, geometry text)], in zone order (then period order). `on` None: the full history."""
    zones = _zones(map, geometry)
    actors = selectors.actors_by_id()
    rows: list[tuple[dict, str | None]] = []
    if on is not None:
        states = selectors.zone_states_at(map=map, on=on)
        sources = selectors.sources_of_changes(s.change_id for s in states.values())
        for zone in zones:
            state = states.get(zone["id"])
            actor = actors.get(state.actor_id) if state else None
            rows.append(
                (
                    {
                        **_base(zone),
                        "actor": actor.slug if actor else None,
                        "actor_name": actor.name_en if actor else None,
                        "status": state.status if state else "unknown",
                        "since": _iso(state.since) if state else None,
                        "confidence": state.confidence if state else None,
                        "sources": sources.get(state.change_id, []) if state else [],
                    },
                    zone["geometry_text"],
                )
            )
        return rows
    periods: dict[int, list[tuple]] = defaultdict(list)
    for row in (
        ControlPeriod.objects.filter(place__maps=map)
        .order_by("place_id", "valid_from")
        .values_list(
            "place_id", "actor_id", "status", "valid_from", "valid_to", "held_since", "change__confidence", "change_id"
        )
    ):
        periods[row[0]].append(row)
    sources = selectors.sources_of_changes({row[7] for rows_ in periods.values() for row in rows_})
    for zone in zones:
        for _, actor_id, status, valid_from, valid_to, held_since, confidence, change_id in periods[zone["id"]] or [
            (None, None, "unknown", None, None, None, None, None)
        ]:
            actor = actors.get(actor_id)
            rows.append(
                (
                    {
                        **_base(zone),
                        "actor": actor.slug if actor else None,
                        "actor_name": actor.name_en if actor else None,
                        "status": status,
                        "valid_from": _iso(valid_from),
                        "valid_to": _iso(valid_to),
                        "held_since": _iso(held_since),
                        "confidence": confidence,
                        "sources": sources.get(change_id, []) if change_id else [],
                        "change": change_id,
                    },
                    zone["geometry_text"],
                )
            )
    return rows


def _flat(properties: dict, columns: list[str]) -> dict:
    """One row for a table: names and sources as text, in the column order."""
    flat = dict(properties)
    flat["names"] = "; ".join(f"{n['name']} ({n['language']}, {n['kind']})" for n in properties["names"])
    flat["sources"] = "; ".join(f"{s['title']} <{s['url']}>" if s["url"] else s["title"] for s in properties["sources"])
    return {column: flat.get(column) for column in columns}


def export_map(*, map: Map, on: dt.date | None, format: str, base_url: str = "") -> bytes:
    """The export file's bytes (see the module doc). `format`: geojson, csv, gpkg or lpf (Linked Places, whose
    identifiers start with `base_url`, the site's address)."""
    columns = COLUMNS_SNAPSHOT if on is not None else COLUMNS_HISTORY
    if format == "geojson":
        rows = export_rows(map=map, on=on, geometry="geojson")
        return orjson.dumps(
            {
                "type": "FeatureCollection",
                "map": map.slug,
                "date": _iso(on),
                "kind": "snapshot" if on is not None else "history",
                "features": [
                    {
                        "type": "Feature",
                        # A snapshot has one feature per zone, named by its slug; a history has several per zone,
                        # so no id (RFC 7946 wants a string or a number there, never null).
                        **({"id": properties["place"]} if on is not None else {}),
                        "geometry": orjson.Fragment(text) if text else None,
                        "properties": {c: properties.get(c) for c in columns},
                    }
                    for properties, text in rows
                ],
            }
        )
    if format == "lpf":
        return linked_places(map=map, rows=export_rows(map=map, on=on, geometry="geojson"), base_url=base_url)
    rows = [
        (properties, standards.oriented(shapely.from_wkb(bytes(wkb))) if wkb is not None else None)
        for properties, wkb in export_rows(map=map, on=on, geometry="wkb")
    ]
    if format == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=[*columns, "wkt", "crs"], lineterminator="\r\n")
        writer.writeheader()
        for properties, geometry in rows:
            row = _flat(properties, columns)
            for column in ("label_lon", "label_lat"):
                row[column] = round(row[column], CSV_DECIMALS) if row[column] is not None else None
            text = shapely.to_wkt(geometry, rounding_precision=CSV_DECIMALS, trim=True) if geometry else ""
            writer.writerow({**row, "wkt": text, "crs": CRS})
        # With a byte-order mark, spreadsheet programs read the Arabic as UTF-8 instead of a local code page.
        return out.getvalue().encode("utf-8-sig")
    if format == "gpkg":
        return _geopackage(rows, columns, "zones" if on is not None else "history", map=map)
    raise ValueError(f"unknown format {format!r}")


def _field(column: str, values: list) -> np.ndarray:
    """A GeoPackage column with its type: dates as Date (datetime64[D]), numbers as Real, flags as Integer
    (0/1, null kept), the rest as text."""
    if column in DATE_COLUMNS:
        return np.array([value or "NaT" for value in values], dtype="datetime64[D]")
    if column == "approximate":
        return np.array(values, dtype=bool)
    if column in {"area_km2", "label_lon", "label_lat"}:
        return np.array([np.nan if value is None else value for value in values], dtype="float64")
    return np.array(values, dtype=object)


def _geopackage(rows: list[tuple[dict, shapely.Geometry | None]], columns: list[str], layer: str, *, map: Map) -> bytes:
    table = [_flat(properties, columns) for properties, _ in rows]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{layer}.gpkg"
        pyogrio.raw.write(
            str(path),
            np.array(
                [shapely.to_wkb(geometry) if geometry is not None else None for _, geometry in rows], dtype=object
            ),
            field_data=[_field(column, [row[column] for row in table]) for column in columns],
            fields=columns,
            layer=layer,
            driver="GPKG",
            geometry_type="MultiPolygon",
            crs=CRS,
        )
        add_events_layer(map=map, path=path)  # the map's events, all dates, as a second layer
        return path.read_bytes()
