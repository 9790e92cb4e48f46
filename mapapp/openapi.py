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
