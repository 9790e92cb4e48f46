"""The OpenAPI 3.1 description of the v1 API, served at /api/v1/schema. Extend it with every endpoint."""

DATE = {"type": "string", "format": "date", "example": "2017-06-15"}
ERROR = {
    "description": "bad parameter",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"error": {"type": "string"}, "field": {"type": "string"}},
                "required": ["error"],
            }
        }
    },
}
NOT_FOUND = {"description": "unknown map", "content": {"application/json": {"schema": {"type": "object"}}}}
VERSION = {
    "name": "v",
    "in": "query",
    "required": False,
    "schema": {"type": "integer", "minimum": 0},
    "description": "the map's data version; makes the answer immutable (cached for a year)",
}
SLUG = {
    "name": "slug",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "example": "deir-ez-zor",
}


def _get(summary: str, params=(), description: str = "") -> dict:
    return {
        "get": {
            "summary": summary,
            "description": description,
            "parameters": list(params),
            "responses": {"200": {"description": "OK"}, "400": ERROR, "404": NOT_FOUND},
        }
    }


def _query(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def schema() -> dict:
    paths = {
        "/api/v1/maps/": _get("The public maps: slug, title, dates, default date, bbox."),
        "/api/v1/maps/{slug}/zones": _get(
            "GeoJSON of the map's zones on a date, with who held each, since when, and on whose word.",
            [SLUG, _query("date", DATE, "inclusive; defaults to the map's default date")],
        ),
        "/api/v1/maps/{slug}/changes": _get(
            "Published control changes dated in (from, to], and km² gained and lost by each actor.",
            [SLUG, _query("from", DATE, "exclusive"), _query("to", DATE, "inclusive")],
        ),
        "/api/v1/maps/{slug}/timeline": _get("Dates with changes, for slider ticks.", [SLUG]),
        "/api/v1/maps/{slug}/geometry": _get(
            "The map's zones once, without state: GeoJSON of footprints and static properties for the viewer.",
            [SLUG, VERSION],
            "Features in zone order (by slug; a zone's index is its position), `id` = place slug, properties "
            "`name_en`, `name_ar`, `kind`, `area_km2` (geodesic), `approximate`, `label` ([lon, lat]). "
            "`edges`: the boundaries neighbouring zones share, as columns `a` (zone index), `b` (zone index, "
            "or null for the map's outer edge) and `geometry` (MultiLineString); empty until derived. "
            "With `?v=` equal to the map's data version (see /api/v1/maps/) the answer is cached for a year "
            "(`Cache-Control: immutable`); an old version redirects (302) to the current one.",
        ),
        "/api/v1/maps/{slug}/history": _get(
            "The whole published record of control, compactly, so a client can work out any date itself.",
            [SLUG, VERSION],
            "Days are whole numbers from the map's start (`epoch` = day 0; earlier days are negative). "
            "`periods` are columns sorted by zone then start: `zone` (index into the geometry's features), "
            "`actor` (index into `actors`), `status` (index into `statuses`), `from` (inclusive day), `to` "
            "(exclusive day, null while open), `since` (day the unbroken hold began), `change` (index into "
            "`changes`). `changes` are columns `id`, `day`, `confidence` (index into `confidences`), `title`, "
            "`note`, `sources` (indexes into `sources`: columns `id`, `title`, `publisher`, `url`, `published`). "
            "`sieges`: `slug`, `name_en`, `name_ar`, `besieged` and `besieging` (actor indexes), `start`, `end` "
            "(exclusive, null while in effect), `zones` and `until` (the day each zone was relieved, exclusive, "
            "null: with the siege). A zone is besieged on day D when the siege is in effect, D < its `until`, "
            "and the besieged actor holds or contests it on D. ETag/304; `?v=` as for geometry.",
        ),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Frontline Atlas API",
            "version": "1",
            "description": "Who controls which ground, since when, and on whose word. Dates are YYYY-MM-DD.",
        },
        "paths": paths,
    }
