"""The map's published events in its exports: a layer of its GeoPackage beside the zones, and on their own
(/api/v1/maps/<slug>/export?layer=events) as GeoJSON, CSV or a GeoPackage of the one layer."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path

import shapely

from mapapp.events.selectors import events_geojson, events_in_window
from mapapp.models import Map

FORMATS = ("geojson", "csv", "gpkg")
CSV_DECIMALS = 7

COLUMNS = [
    "id", "date", "date_end", "date_precision", "event_type", "sub_event_type", "actor1", "actor2", "actors",
    "location", "admin_area", "geo_precision", "fatalities_best", "fatalities_low", "fatalities_high", "sources",
    "notes", "origin", "external_id", "changes",
]  # fmt: skip


def add_events_layer(*, map: Map, path: Path) -> int:
    """Write the map's published events (all its dates) as the layer `events` of the GeoPackage at `path`;
    returns how many (no layer when there are none). Sources as "title <url>" joined by "; "."""
    import geopandas as gpd  # lazy: geopandas takes a second to load; only a GeoPackage needs it

    events = events_in_window(map=map, first=map.start, last=map.end)
    if not events:
        return 0
    frame = gpd.GeoDataFrame(
        [_flat(event) for event in events],
        columns=COLUMNS,
        geometry=[shapely.Point(event["lon"], event["lat"]) for event in events],
        crs="EPSG:4326",
    )
    frame.to_file(path, layer="events", driver="GPKG", mode="a")
    return len(events)


def export_events(*, map: Map, on: dt.date | None, format: str) -> bytes:
    """The map's published events (of the day `on`, else all its dates) as a file: GeoJSON (the events API's
    features), CSV (COLUMNS, longitude, latitude, crs; UTF-8 with a byte-order mark, as the zones' CSV) or a
    GeoPackage whose one layer is `events` (empty when there are none)."""
    first, last = (on, on) if on is not None else (map.start, map.end)
    if format == "geojson":
        return events_geojson(map=map, first=first, last=last)
    events = events_in_window(map=map, first=first, last=last)
    if format == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=[*COLUMNS, "longitude", "latitude", "crs"], lineterminator="\r\n")
        writer.writeheader()
        for event in events:
            writer.writerow({**_flat(event), "longitude": round(event["lon"], CSV_DECIMALS),
                             "latitude": round(event["lat"], CSV_DECIMALS), "crs": "EPSG:4326"})  # fmt: skip
        return out.getvalue().encode("utf-8-sig")
    if format == "gpkg":
        import geopandas as gpd  # lazy, as in add_events_layer

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "events.gpkg"
            frame = gpd.GeoDataFrame(
                [_flat(event) for event in events],
                columns=COLUMNS,
                geometry=[shapely.Point(event["lon"], event["lat"]) for event in events],
                crs="EPSG:4326",
            )
            frame.to_file(path, layer="events", driver="GPKG")
            return path.read_bytes()
    raise ValueError(f"unknown format {format!r}")


def _flat(event: dict) -> dict:
    """One event as a table row: actors as slugs and sources as "title <url>", each joined by "; "."""
    return {
        "id": event["pk"],
        "date": event["date"].isoformat(),
        "date_end": event["date_end"].isoformat() if event["date_end"] else None,
        "date_precision": event["date_precision"],
        "event_type": event["event_type"],
        "sub_event_type": event["sub_event_type"],
        "actor1": event["actor1"],
        "actor2": event["actor2"],
        "actors": "; ".join(event["actors"]),
        "location": event["location_name"],
        "admin_area": event["admin_area"],
        "geo_precision": event["geo_precision"],
        "fatalities_best": event["fatalities_best"],
        "fatalities_low": event["fatalities_low"],
        "fatalities_high": event["fatalities_high"],
        "sources": "; ".join(
            f"{source['title']} <{source['url']}>" if source["url"] else source["title"] for source in event["sources"]
        ),
        "notes": event["notes"],
        "origin": event["origin"],
        "external_id": event["external_id"],
        "changes": "; ".join(str(change["id"]) for change in event["changes"]),
    }
