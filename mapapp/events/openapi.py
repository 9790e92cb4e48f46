"""The events endpoint's part of the OpenAPI description (mapapp.openapi.schema adds it)."""

from __future__ import annotations


def events_paths() -> dict:
    from mapapp.openapi import DATE, DATE_OR_NULL, ERROR, NOT_FOUND, SLUG, STRING, VERSION, _query

    count = {"type": ["integer", "null"], "minimum": 0}
    properties = {
        "date": DATE,
        "date_end": DATE_OR_NULL,
        "date_precision": {"type": "string", "enum": ["day", "week", "month", "year"]},
        "type": STRING,
        "sub_type": STRING,
        "actor1": STRING,
        "actor2": STRING,
        "actors": {"type": "array", "items": STRING, "description": "slugs of the map's actors it involves"},
        "location": STRING,
        "admin_area": STRING,
        "geo_precision": {"type": "string", "enum": ["exact", "near", "district", "province", "country"]},
        "fatalities": {
            "type": "object",
            "properties": {"best": count, "low": count, "high": count},
            "required": ["best", "low", "high"],
        },
        "sources": {"type": "array", "items": {"type": "object", "required": ["id", "title", "publisher", "url"]}},
        "notes": STRING,
        "origin": {"type": "string", "enum": ["editor", "acled", "ucdp", "csv"]},
        "external_id": STRING,
    }
    feature = {
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "integer"},
            "geometry": {
                "type": "object",
                "properties": {"type": {"type": "string", "enum": ["Point"]}, "coordinates": {"type": "array"}},
                "required": ["type", "coordinates"],
            },
            "properties": {"type": "object", "properties": properties, "required": list(properties)},
        },
        "required": ["type", "id", "geometry", "properties"],
    }
    answer = {
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "map": STRING,
            "from": DATE,
            "to": DATE,
            "features": {"type": "array", "items": feature},
        },
        "required": ["type", "map", "from", "to", "features"],
    }
    parameters = [
        SLUG,
        _query("from", DATE, "first day, inclusive; defaults to the map's start"),
        _query("to", DATE, "last day, inclusive; defaults to the map's end"),
        _query("type", {"type": "string"}, "event types, comma-separated (or the parameter repeated); none: all"),
        _query("bbox", {"type": "string"}, "west,south,east,north in degrees (WGS84); points on an edge are in"),
        VERSION,
    ]
    days = {
        "type": "object",
        "properties": {
            "map": STRING,
            "types": {"type": "array", "items": STRING, "description": "every event type of the map, sorted"},
            "days": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "date": DATE,
                        "count": {"type": "integer", "minimum": 1},
                        "by_type": {
                            "type": "array",
                            "items": {"type": "integer", "minimum": 0},
                            "description": "the count of each type, in the order of `types`",
                        },
                    },
                    "required": ["date", "count", "by_type"],
                },
            },
        },
        "required": ["map", "types", "days"],
    }
    return {
        "/api/v1/maps/{slug}/events/days": {
            "get": {
                "summary": "The map's event types, and how many published events each day has, in all and by type.",
                "parameters": [SLUG, VERSION],
                "responses": {
                    "200": {"description": "OK", "content": {"application/json": {"schema": days}}},
                    "400": ERROR,
                    "404": NOT_FOUND,
                },
            }
        },
        "/api/v1/maps/{slug}/events": {
            "get": {
                "summary": "Published events (battles, strikes, shelling, supply drops) dated from..to, as GeoJSON.",
                "description": (
                    "Point events beside the record of control, imported from ACLED, UCDP GED or a CSV, or added "
                    "by editors; by date then id. `date_end` is set when the date is a span; `date_precision` "
                    "and `geo_precision` say how exactly date and place are known. `fatalities` are estimates "
                    "(null: not known); ACLED gives one figure, so its best, low and high are the same."
                ),
                "parameters": parameters,
                "responses": {
                    "200": {"description": "OK", "content": {"application/json": {"schema": answer}}},
                    "400": ERROR,
                    "404": NOT_FOUND,
                },
            }
        },
    }
