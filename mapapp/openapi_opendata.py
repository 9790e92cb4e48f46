"""The open-record part of the OpenAPI description (issue 16): change feeds, `as_of` on the map's reads, and OGC API
- Features. Kept apart from mapapp.openapi so that description stays readable; mapapp.openapi.schema() merges it
in, handing over its shared pieces (the slug parameter, the error answers, its query-parameter builder)."""

from __future__ import annotations

from collections.abc import Callable

AS_OF_READS = ("zones", "geometry", "history", "fronts", "sieges", "pockets", "changes", "timeline", "stats/area")


def add_as_of(paths: dict, *, query: Callable) -> None:
    """as_of on every read of a map and its picture (mapapp.asof serves it for all of them)."""
    as_of = query(
        "as_of",
        {"type": "string", "format": "date-time", "example": "2017-02-01T12:00:00Z"},
        "the record as the public saw it at this moment (ISO 8601; a date alone is the end of that day, UTC), "
        "before later corrections and back-dated changes; from the record's own history",
    )
    for name in (*AS_OF_READS, "export"):
        paths[f"/api/v1/maps/{{slug}}/{name}"]["get"]["parameters"].append(as_of)
    paths["/embed/{slug}/image.png"]["get"]["parameters"].append(as_of)


def opendata_paths(*, slug: dict, error: dict, not_found: dict, query: Callable) -> dict:
    place = query(
        "place",
        {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$", "example": "al-joura"},
        "only changes touching this place (a gazetteer slug) or its parts; 400 for a place the gazetteer lacks",
    )
    f = query("f", {"type": "string", "enum": ["json", "html"]}, "format; without it the Accept header decides")
    lang = query(
        "lang",
        {"type": "string", "enum": ["en", "ar"]},
        "language of the entries' text (titles, summaries, names); without it Accept-Language decides, else English",
    )

    def feed(summary: str, media_type: str) -> dict:
        description = (
            "One entry per published change of the map (title, the date in effect, when it became public, who holds "
            "what, km², sources, links to the map on that date and to the change's page in the public corrections "
            "log /maps/{slug}/changes/) and one per correction: `withdrawn`, `unpublished` (a version from before "
            "publication restored), `restored`, `corrected` (a published change edited), with the reviewer's "
            "reason. Newest first, at most 1,000. The map's publication delay holds entries back. ETag and "
            "Last-Modified; 304 to If-None-Match or If-Modified-Since."
        )
        responses = {"200": {"description": "the feed", "content": {media_type: {}}}, "304": {"description": "not "
                     "modified"}, "400": error, "404": not_found}  # fmt: skip
        return {"get": {"summary": summary, "description": description, "parameters": [slug, place, lang],
                        "responses": responses}}  # fmt: skip

    def ogc(summary: str, params=(), description: str = "", media_type: str = "application/json", *, required) -> dict:
        answer = {"type": "object", "properties": {name: {} for name in required}, "required": list(required)}
        content = {media_type: {"schema": answer}, "text/html": {}}
        responses = {"200": {"description": "OK", "content": content}, "400": error, "404": not_found}
        return {"get": {"summary": summary, "description": description, "parameters": [*params, f],
                        "responses": responses}}  # fmt: skip

    day = "[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"  # the server takes any real day; 400 for others
    datetime_ = query(
        "datetime",
        {"type": "string", "pattern": f"^({day}|({day}|\\.\\.)/({day}|\\.\\.))$", "example": "2016-06-15"},
        "an instant (RFC 3339 date or date-time): the periods in effect that day, one per zone with a record; or "
        "an interval a/b (`..` or empty for an open end): the periods overlapping it; 400 when a is after b. "
        "Days are UTC.",
    )
    degrees = "-?[0-9]{1,2}(\\.[0-9]{1,6})?"
    bbox = query(
        "bbox",
        {"type": "string", "pattern": f"^{degrees},{degrees},{degrees},{degrees}$", "example": "40.0,35.2,40.3,35.4"},
        "west,south,east,north (CRS84; six numbers with heights are taken too); 400 when south is north of north",
    )
    return {
        "/maps/{slug}/feed.atom": feed("The map's changes and corrections, Atom 1.0.", "application/atom+xml"),
        "/maps/{slug}/feed.json": feed("The same, JSON Feed 1.1 (record in `_frontline`).", "application/feed+json"),
        "/ogc/": ogc("OGC API - Features landing page.", description="Links to the description, conformance, data.",
                     required=("title", "links")),
        "/ogc/conformance": ogc("Conformance classes: Part 1 core, GeoJSON, HTML.", required=("conformsTo",)),
        "/ogc/collections": ogc("Two collections per public map: `{slug}`, its control periods, and "
                                "`{slug}.events`, its published events.", required=("collections", "links")),
        "/ogc/collections/{slug}": ogc("A map's collection: extent (CRS84 bbox, first day) and links.", [slug],
                                       required=("id", "extent", "links")),
        "/ogc/collections/{slug}/items": ogc(
            "The map's control periods as GeoJSON features.",
            [
                slug,
                datetime_,
                bbox,
                query("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}, "items per page; "
                      "more than 1,000 gives 1,000"),
                query("offset", {"type": "integer", "minimum": 0, "maximum": 100_000_000, "default": 0}, "items to "
                      "skip (follow `next`)"),
            ],
            "Feature `id` = the period's id; properties `place`, `name_en`, `name_ar`, `actor`, `actor_name`, "
            "`status`, `valid_from` (inclusive), `valid_to` (exclusive, null while open), `held_since`, "
            "`confidence`, `change`, `sources` (titles <urls> joined with '; '). `numberMatched`, `numberReturned`, "
            "`links` (self, alternate, next, prev). Unknown parameters: 400.",
            media_type="application/geo+json",
            required=("type", "features", "numberMatched", "numberReturned", "links"),
        ),
        "/ogc/collections/{slug}/items/{item_id}": ogc(
            "One control period.",
            [slug, {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1},
                    "description": "a period's id (from the items); 404 for one the map lacks"}],
            media_type="application/geo+json",
            required=("type", "id", "properties", "links"),
        ),
        "/ogc/collections/{slug}.events": ogc("A map's events collection: extent (CRS84 bbox, its dates) and links.",
                                              [slug], required=("id", "extent", "links")),
        "/ogc/collections/{slug}.events/items": ogc(
            "The map's published events as GeoJSON points.",
            [
                slug,
                query("datetime", datetime_["schema"], "an instant: the events of that day (a span: holding it); an "
                      "interval a/b (`..` or empty for an open end): the events whose days meet it; 400 when a is "
                      "after b"),
                bbox,
                query("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}, "items per page; "
                      "more than 1,000 gives 1,000"),
                query("offset", {"type": "integer", "minimum": 0, "maximum": 100_000_000, "default": 0}, "items to "
                      "skip (follow `next`)"),
            ],
            "Feature `id` = the event's id, by date then id; properties `date`, `date_end`, `date_precision`, "
            "`event_type`, `sub_event_type`, `actor1`, `actor2`, `actors` (slugs joined with '; '), `location`, "
            "`admin_area`, `geo_precision`, `fatalities_best|low|high`, `sources` (titles <urls> joined with '; '), "
            "`changes` (ids of the published control changes it explains, joined with '; '), `notes`, `origin`, "
            "`external_id`. Unknown parameters: 400.",
            media_type="application/geo+json",
            required=("type", "features", "numberMatched", "numberReturned", "links"),
        ),
        "/ogc/collections/{slug}.events/items/{item_id}": ogc(
            "One event.",
            [slug, {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1},
                    "description": "an event's id (from the items); 404 for one the map lacks"}],
            media_type="application/geo+json",
            required=("type", "id", "properties", "links"),
        ),
    }  # fmt: skip
