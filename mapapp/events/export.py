"""The map's published events as a layer of its GeoPackage export (gazetteer.export adds it beside the zones)."""

from __future__ import annotations

from pathlib import Path

import shapely

from mapapp.events.selectors import events_in_window
from mapapp.models import Map

COLUMNS = [
    "id", "date", "date_end", "date_precision", "event_type", "sub_event_type", "actor1", "actor2", "actors",
    "location", "admin_area", "geo_precision", "fatalities_best", "fatalities_low", "fatalities_high", "sources",
    "notes", "origin", "external_id",
]  # fmt: skip


def add_events_layer(*, map: Map, path: Path) -> int:
    """Write the map's published events (all its dates) as the layer `events` of the GeoPackage at `path`;
    returns how many (no layer when there are none). Sources as "title <url>" joined by "; "."""
    import geopandas as gpd  # lazy: geopandas takes a second to load; only a GeoPackage needs it

    events = events_in_window(map=map, first=map.start, last=map.end)
    if not events:
        return 0
    rows = []
    for event in events:
        rows.append(
            {
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
                    f"{source['title']} <{source['url']}>" if source["url"] else source["title"]
                    for source in event["sources"]
                ),
                "notes": event["notes"],
                "origin": event["origin"],
                "external_id": event["external_id"],
            }
        )
    frame = gpd.GeoDataFrame(
        rows,
        columns=COLUMNS,
        geometry=[shapely.Point(event["lon"], event["lat"]) for event in events],
        crs="EPSG:4326",
    )
    frame.to_file(path, layer="events", driver="GPKG", mode="a")
    return len(rows)
