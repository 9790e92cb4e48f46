"""The open-record part of the OpenAPI description (issue 16): change feeds, the corrections log's reason on
restore, and OGC API - Features. Kept apart from mapapp.openapi so that description stays readable; merged in by
mapapp.openapi.schema()."""

from __future__ import annotations

from mapapp.openapi import ERROR, NOT_FOUND, SLUG, _query

_PLACE = _query("place", {"type": "string"}, "only changes touching this place (slug) or its parts")
_F = _query("f", {"type": "string", "enum": ["json", "html"]}, "format; without it the Accept header decides")


def _feed(summary: str, media_type: str) -> dict:
    return {
        "get": {
            "summary": summary,
            "description": (
                "One entry per published change of the map (title, the date in effect, when it became public, "
                "who holds what, km², sources, links to the map on that date and to the change's page in the "
                "public corrections log /maps/{slug}/changes/) and one per correction: `withdrawn`, "
                "`unpublished` (a version from before publication restored), `restored`, `corrected` (a "
                "published change edited), with the reviewer's reason. Newest first, at most 1,000. The map's "
                "publication delay holds entries back. ETag and Last-Modified; 304 to If-None-Match or "
                "If-Modified-Since."
            ),
            "parameters": [SLUG, _PLACE],
            "responses": {
                "200": {"description": "the feed", "content": {media_type: {}}},
                "304": {"description": "not modified"},
                "400": ERROR,
                "404": NOT_FOUND,
            },
        }
    }


def _ogc(summary: str, params=(), description: str = "", media_type: str = "application/json") -> dict:
    return {
        "get": {
            "summary": summary,
            "description": description,
            "parameters": [*params, _F],
            "responses": {
                "200": {"description": "OK", "content": {media_type: {}, "text/html": {}}},
                "400": ERROR,
                "404": NOT_FOUND,
            },
        }
    }


AS_OF_READS = ("zones", "geometry", "history", "fronts", "sieges", "pockets", "changes", "timeline", "stats/area")
AS_OF = _query(
    "as_of",
    {"type": "string", "example": "2017-02-01T12:00:00Z"},
    "the record as the public saw it at this moment (ISO 8601; a date alone is the end of that day, UTC), before "
    "later corrections and back-dated changes; from the record's own history",
)


def add_as_of(paths: dict) -> None:
    """as_of on every read of a map (mapapp.asof serves it for all of them)."""
    for name in (*AS_OF_READS, "export"):
        paths[f"/api/v1/maps/{{slug}}/{name}"]["get"]["parameters"].append(AS_OF)


def opendata_paths() -> dict:
    datetime_ = _query(
        "datetime",
        {"type": "string", "example": "2016-06-15"},
        "an instant (RFC 3339 date or date-time): the periods in effect that day, one per zone with a record; or "
        "an interval a/b (`..` or empty for an open end): the periods overlapping it. Days are UTC.",
    )
    return {
        "/maps/{slug}/feed.atom": _feed("The map's changes and corrections, Atom 1.0.", "application/atom+xml"),
        "/maps/{slug}/feed.json": _feed("The same, JSON Feed 1.1 (record in `_frontline`).", "application/feed+json"),
        "/ogc/": _ogc("OGC API - Features landing page.", description="Links to the description, conformance, data."),
        "/ogc/conformance": _ogc("Conformance classes: Part 1 core, GeoJSON, HTML."),
        "/ogc/collections": _ogc("One collection per public map; its items are the map's control periods."),
        "/ogc/collections/{slug}": _ogc("A map's collection: extent (CRS84 bbox, first day) and links.", [SLUG]),
        "/ogc/collections/{slug}/items": _ogc(
            "The map's control periods as GeoJSON features.",
            [
                SLUG,
                datetime_,
                _query("bbox", {"type": "string", "example": "40.0,35.2,40.3,35.4"}, "west,south,east,north (CRS84)"),
                _query("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}, "items per page; "
                       "more than 1,000 gives 1,000"),
                _query("offset", {"type": "integer", "minimum": 0, "default": 0}, "items to skip (follow `next`)"),
            ],
            "Feature `id` = the period's id; properties `place`, `name_en`, `name_ar`, `actor`, `actor_name`, "
            "`status`, `valid_from` (inclusive), `valid_to` (exclusive, null while open), `held_since`, "
            "`confidence`, `change`, `sources` (titles <urls> joined with '; '). `numberMatched`, `numberReturned`, "
            "`links` (self, alternate, next, prev). Unknown parameters: 400.",
            media_type="application/geo+json",
        ),
        "/ogc/collections/{slug}/items/{item_id}": _ogc(
            "One control period.",
            [SLUG, {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            media_type="application/geo+json",
        ),
    }  # fmt: skip
