"""The OpenAPI 3.1 description of the v1 API, served at /api/v1/schema. Extend it with every endpoint.

Written by hand, and held to the server both ways by tests/test_openapi_contract.py: every request this
description calls valid gets a 2xx answer (schemathesis generates them), and every answer has the documented
shape. So each parameter carries the server's exact limits (enums, lengths, patterns, ranges). What a schema
cannot say is said in the parameter's description, and the test names it: a date must also be inside the map's
own dates (`start`..`end` in /api/v1/maps/), and `from` not after `to`. The contract in words: docs/contract.md.
"""

from mapapp import openapi_opendata
from mapapp.services.films import MAX_FRAMES

DATE = {"type": "string", "format": "date", "example": "2017-06-15"}
# A query date of a map read: any real day by the schema, and inside that map's dates by the server (a map's
# range is data, not schema): 400 naming the parameter otherwise.
IN_MAP = "inside the map's dates (`start`..`end` in /api/v1/maps/; 400 otherwise)"
# Text we store or look up never holds a NUL (\0): PostgreSQL refuses it, SQLite would cut the text at it.
NO_NUL = "^[^\\x00]*$"
# A map slug, as Django's <slug:> path converter takes it.
SLUG_PATTERN = "^[-a-zA-Z0-9_]+$"
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
# A per-client rate limit (mapapp.lib.ratelimit): the message says the limit and when to try again.
TOO_MANY = {
    "description": "too many requests from this client; Retry-After says how many seconds to wait",
    "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
    "content": ERROR["content"],
}
NOT_FOUND = {"description": "unknown map", "content": {"application/json": {"schema": {"type": "object"}}}}
VERSION = {
    "name": "v",
    "in": "query",
    "required": False,
    "schema": {"type": "integer", "minimum": 0, "maximum": 999_999_999},
    "description": (
        "a whole number of at most nine digits: the map's data version (`version` in /api/v1/maps/): with the "
        "current one the answer is cached for a "
        "year (`Cache-Control: immutable`); an old one redirects (302) to the same query at the current version; "
        "without it the answer carries an ETag and max-age 60"
    ),
}

# Every read of a map's data takes ?v=: the viewer and the embed ask with it, so that a publish (which bumps
# the version) is seen at once instead of after a minute of stale caches.
VERSIONED_PATHS = (
    "zones",
    "changes",
    "timeline",
    "geometry",
    "topology",
    "history",
    "fronts",
    "sieges",
    "pockets",
    "stats/area",
)
SLUG = {
    "name": "slug",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": SLUG_PATTERN},
    "example": "deir-ez-zor",
    "description": "a public map's slug; another is 404",
}
REDIRECT = {"description": "`v` is not the current data version: the same query at the current one (`Location`)"}


def _get(summary: str, params=(), description: str = "") -> dict:
    return {
        "get": {
            "summary": summary,
            "description": description,
            "parameters": list(params),
            "responses": {"200": {"description": "OK"}, "400": ERROR, "404": NOT_FOUND},
        }
    }


# --- What the read endpoints answer (JSON Schema, as OpenAPI 3.1 takes it) ----------------------------------

STRING = {"type": "string"}
TEXT_OR_NULL = {"type": ["string", "null"]}
DATE_OR_NULL = {"type": ["string", "null"], "format": "date"}
NUMBER = {"type": "number"}
SLUGS = {"type": "array", "items": STRING}
LON_LAT = {"type": "array", "items": NUMBER, "minItems": 2, "maxItems": 2, "description": "[longitude, latitude]"}
SOURCE_OUT = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "title": STRING,
        "publisher": STRING,
        "url": {"type": "string", "description": "empty when the source has no address"},
        "published": DATE_OR_NULL,
        "quote": STRING,
    },
    "required": ["id", "title", "publisher", "url", "published"],
}
STATUS = {"type": "string", "enum": ["held", "contested", "unknown"]}
CONFIDENCE = {"type": ["string", "null"], "enum": ["high", "medium", "low", None]}


def _geometry(*types: str) -> dict:
    return {
        "type": "object",
        "description": "GeoJSON geometry, WGS84 longitude/latitude",
        "properties": {"type": {"type": "string", "enum": list(types)}, "coordinates": {"type": "array"}},
        "required": ["type", "coordinates"],
    }


def _features(geometry: dict, properties: dict, required: list[str], *, with_id: bool = False) -> dict:
    """A GeoJSON FeatureCollection with the foreign members `map` and `date`."""
    feature = {
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "geometry": geometry,
            "properties": {"type": "object", "properties": properties, "required": required},
        },
        "required": ["type", "geometry", "properties"],
    }
    if with_id:
        feature["properties"]["id"] = {"type": "string", "description": "the place slug"}
        feature["required"].append("id")
    return {
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "map": STRING,
            "date": {"type": "string", "format": "date"},
            "features": {"type": "array", "items": feature},
        },
        "required": ["type", "map", "date", "features"],
    }


MAPS_OUT = {
    "type": "object",
    "properties": {
        "maps": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "slug": STRING,
                    "title": STRING,
                    "title_ar": STRING,
                    "start": DATE,
                    "end": DATE,
                    "default_date": DATE,
                    "bbox": {
                        "type": ["array", "null"],
                        "items": NUMBER,
                        "minItems": 4,
                        "maxItems": 4,
                        "description": "[west, south, east, north]",
                    },
                    "version": {"type": "integer", "description": "the map's data version (see `v`)"},
                },
                "required": ["slug", "title", "start", "end", "default_date", "bbox", "version"],
            },
        }
    },
    "required": ["maps"],
}
ZONES_OUT = _features(
    {**_geometry("MultiPolygon"), "type": ["object", "null"]},
    {
        "place": STRING,
        "name_en": STRING,
        "name_ar": STRING,
        "kind": STRING,
        "actor": TEXT_OR_NULL,
        "actor_name": TEXT_OR_NULL,
        "actor_name_ar": TEXT_OR_NULL,
        "color": {"type": ["string", "null"], "description": "#rrggbb"},
        "status": STATUS,
        "since": DATE_OR_NULL,
        "since_before": {
            "type": "boolean",
            "description": "true: held since some time before `since` (a baseline), not from it",
        },
        "besieged": {"type": "boolean"},
        "siege": TEXT_OR_NULL,
        "sieges": SLUGS,
        "confidence": CONFIDENCE,
        "sources": {"type": "array", "items": SOURCE_OUT},
        "approximate": {"type": "boolean"},
        "area_km2": {"type": ["number", "null"]},
    },
    ["place", "name_en", "name_ar", "kind", "actor", "actor_name", "color", "status", "since", "besieged",
     "confidence", "sources"],
    with_id=True,
)  # fmt: skip
CHANGES_OUT = {
    "type": "object",
    "properties": {
        "from": DATE,
        "to": DATE,
        "changes": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "date": DATE,
                    "place": STRING,
                    "name_en": STRING,
                    "name_ar": STRING,
                    "from_actor": TEXT_OR_NULL,
                    "from_status": STATUS,
                    "to_actor": STRING,
                    "status": {"type": "string", "enum": ["held", "contested"]},
                    "confidence": {"type": "string", "enum": ["high", "medium", "low"]},
                    "title": STRING,
                    "sources": {"type": "array", "items": SOURCE_OUT},
                },
                "required": ["date", "place", "name_en", "name_ar", "from_actor", "to_actor", "status",
                             "confidence", "sources"],
            },
        },
        "area_km2": {
            "type": "object",
            "description": "by actor slug",
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "gained": NUMBER,
                    "lost": NUMBER,
                    "net": NUMBER,
                    "gained_places": SLUGS,
                    "lost_places": SLUGS,
                },
                "required": ["gained", "lost", "net", "gained_places", "lost_places"],
            },
        },
        "changed_hands": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "place": STRING,
                    "from_actor": TEXT_OR_NULL,
                    "to_actor": TEXT_OR_NULL,
                    "area_km2": NUMBER,
                },
                "required": ["place", "from_actor", "to_actor", "area_km2"],
            },
        },
    },
    "required": ["changes", "area_km2", "changed_hands"],
}  # fmt: skip
TIMELINE_OUT = {
    "type": "object",
    "properties": {
        "start": DATE,
        "end": DATE,
        "events": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"date": DATE, "count": {"type": "integer", "minimum": 1}, "title": STRING},
                "required": ["date", "count", "title"],
            },
        },
    },
    "required": ["start", "end", "events"],
}
GEOMETRY_OUT = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "map": STRING,
        "version": {"type": "integer"},
        "features": {"type": "array"},
        "edges": {
            "type": "object",
            "properties": {"a": {"type": "array"}, "b": {"type": "array"}, "geometry": {"type": "array"}},
            "required": ["a", "b", "geometry"],
        },
    },
    "required": ["type", "map", "version", "features", "edges"],
}
TOPOLOGY_OUT = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "enum": ["Topology"]},
        "map": STRING,
        "version": {"type": "integer"},
        "scale": {"type": "number", "exclusiveMinimum": 0},
        "translate": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
        "arcs": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
        "zones": {
            "type": "object",
            "properties": {
                name: {"type": "array"}
                for name in ("id", "name_en", "name_ar", "kind", "approximate", "area_km2", "label", "polygons")
            },
            "required": ["id", "name_en", "name_ar", "kind", "approximate", "area_km2", "label", "polygons"],
        },
        "edges": {
            "type": "object",
            "properties": {"a": {"type": "array"}, "b": {"type": "array"}, "arc_count": {"type": "array"}},
            "required": ["a", "b", "arc_count"],
        },
    },
    "required": ["type", "map", "version", "scale", "translate", "arcs", "zones", "edges"],
}
HISTORY_OUT = {
    "type": "object",
    "properties": {
        "map": STRING,
        "version": {"type": "integer"},
        "epoch": DATE,
        "start": {"type": "integer"},
        "end": {"type": "integer"},
        "default": {"type": "integer"},
        "actors": {"type": "array"},
        "statuses": SLUGS,
        "confidences": SLUGS,
        "zones": {"type": "integer"},
        "periods": {"type": "object"},
        "changes": {"type": "object"},
        "sources": {"type": "object"},
        "sieges": {"type": "array"},
    },
    "required": ["map", "version", "epoch", "start", "end", "default", "actors", "zones", "periods", "changes"],
}
FRONTS_OUT = _features(
    _geometry("LineString"),
    {
        "actors": {**SLUGS, "minItems": 2, "maxItems": 2},
        "length_km": {"type": "number", "minimum": 0},
        "contested": {"type": "boolean"},
    },
    ["actors", "length_km", "contested"],
)
SIEGES_OUT = _features(
    _geometry("MultiPolygon"),
    {
        "siege": STRING,
        "name": STRING,
        "name_ar": STRING,
        "besieged_actor": STRING,
        "besieging_actors": SLUGS,
        "start": DATE,
        "end": DATE_OR_NULL,
        "days": {"type": "integer", "minimum": 1},
        "places": SLUGS,
        "parts": {"type": "integer", "minimum": 1},
        "area_km2": {"type": "number", "minimum": 0},
        "supply": {"type": "array", "items": {"type": "string", "enum": ["land", "air_bridge", "airdrop"]}},
    },
    ["siege", "name", "besieged_actor", "besieging_actors", "start", "end", "days", "places", "parts", "supply"],
)
POCKETS_OUT = _features(
    _geometry("Polygon", "MultiPolygon"),
    {
        "actor": STRING,
        "enclosed": {"type": "boolean"},
        "largest": {"type": "boolean"},
        "area_km2": {"type": "number", "minimum": 0},
        "places": SLUGS,
        "siege": TEXT_OR_NULL,
        "suggest_siege": {"type": "boolean"},
    },
    ["actor", "enclosed", "area_km2", "places", "siege"],
)
AREA_OUT = {
    "type": "object",
    "properties": {
        "actors": SLUGS,
        "step": {"type": "string", "enum": ["day", "week", "month"]},
        "series": {
            "type": "array",
            "items": {
                "type": "object",
                "description": "`date` and one number (km²) per actor in `actors`",
                "properties": {"date": DATE},
                "required": ["date"],
                "additionalProperties": {"type": "number", "minimum": 0},
            },
        },
    },
    "required": ["actors", "step", "series"],
}
OEMBED_OUT = {
    "type": "object",
    "properties": {
        "version": {"type": "string", "enum": ["1.0"]},
        "type": {"type": "string", "enum": ["rich"]},
        "title": STRING,
        "provider_name": STRING,
        "provider_url": STRING,
        "author_name": STRING,
        "html": STRING,
        "width": {"type": "integer", "minimum": 1},
        "height": {"type": "integer", "minimum": 1},
        "cache_age": {"type": "integer"},
        "thumbnail_url": STRING,
        "thumbnail_width": {"type": "integer", "minimum": 1},
        "thumbnail_height": {"type": "integer", "minimum": 1},
    },
    "required": ["version", "type", "title", "provider_name", "provider_url", "html", "width", "height"],
}

# The JSON each read endpoint answers with 200 (tests/test_openapi_contract.py checks the real answers).
# The reads whose answer is a GeoJSON FeatureCollection.
GEOJSON_ANSWERS = {"zones", "geometry", "fronts", "sieges", "pockets"}
READ_RESPONSES = {
    "/api/v1/maps/": MAPS_OUT,
    "/api/v1/maps/{slug}/zones": ZONES_OUT,
    "/api/v1/maps/{slug}/changes": CHANGES_OUT,
    "/api/v1/maps/{slug}/timeline": TIMELINE_OUT,
    "/api/v1/maps/{slug}/geometry": GEOMETRY_OUT,
    "/api/v1/maps/{slug}/topology": TOPOLOGY_OUT,
    "/api/v1/maps/{slug}/history": HISTORY_OUT,
    "/api/v1/maps/{slug}/fronts": FRONTS_OUT,
    "/api/v1/maps/{slug}/sieges": SIEGES_OUT,
    "/api/v1/maps/{slug}/pockets": POCKETS_OUT,
    "/api/v1/maps/{slug}/stats/area": AREA_OUT,
    "/oembed": OEMBED_OUT,
}


def _query(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def schema() -> dict:
    paths = {
        "/api/v1/maps/": _get("The public maps: slug, title, dates, default date, bbox."),
        "/api/v1/maps/{slug}/zones": _get(
            "GeoJSON of the map's zones on a date, with who held each, since when, and on whose word.",
            [SLUG, _query("date", DATE, f"inclusive; defaults to the map's default date; {IN_MAP}")],
            "`besieged`: true while any published siege in effect that day besieges the zone (not relieved "
            "from it, held or contested by its besieged actor). `sieges`: the slugs of all those sieges, by "
            "start then slug (a zone can be inside two overlapping sieges); `siege`: the first of them, or null.",
        ),
        "/api/v1/maps/{slug}/changes": _get(
            "Published control changes dated in (from, to], and km² gained and lost by each actor.",
            [
                SLUG,
                _query("from", DATE, "exclusive; any real day; defaults to the day before the map's start"),
                _query("to", DATE, "inclusive; any real day; defaults to the map's end (or `from`, if later)"),
            ],
            "`area_km2`: {actor: {`gained`, `lost`, `net`, `gained_places`, `lost_places`}} compares who held "
            "each zone on `from` with who held it on `to` (held or contested), so a zone that changed hands and "
            "came back counts for nothing; areas are geodesic on the WGS84 ellipsoid (equal-area by "
            "construction), summed as whole m², so between two sides what one gains the other loses exactly. "
            "`changed_hands`: [{`place`, `from_actor`, `to_actor`, `area_km2`}], one per zone whose actor "
            "differs between the two dates (null: no record). `from` after `to`, both given: 400 (`from`).",
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
        "/api/v1/maps/{slug}/topology": _get(
            "The map's zones once, without state, as shared arcs: what /geometry says, quantized, each shared "
            "boundary sent once.",
            [SLUG, VERSION],
            "`arcs`: one flat list of whole numbers per arc, [x0, y0, dx1, dy1, ...] in units of `scale` degrees: "
            "the first point from the first point of the arc before (from `translate` for the first arc), each "
            "later pair the step from the point before. "
            "`zones`: columns in zone order (by slug, as /history numbers them): `id` (place slug), `name_en`, "
            "`name_ar`, `kind`, `approximate`, `area_km2`, `label` ([lon, lat]) and `polygons`: per zone a list "
            "of polygons, each a list of rings (exterior first, then holes), each ring a list of arc references "
            "(i: arc i as written; a negative r: arc -r-1 backwards, TopoJSON's ~i), or null for a zone without "
            "a footprint. `edges`: the stored boundaries neighbouring zones share, columns `a`, `b` (null: the "
            "map's outer edge) and `arc_count` (how many arcs: the edges' arcs come first, in edge order). A "
            "zone's rings are made of its edges' arcs, so neighbours share their points; a zone whose edges do "
            "not close its rings has arcs of its own. "
            "`?v=` as for geometry.",
        ),
        "/api/v1/maps/{slug}/history": _get(
            "The whole published record of control, compactly, so a client can work out any date itself.",
            [SLUG, VERSION],
            "Days are whole numbers from the map's start (`epoch` = day 0; earlier days are negative). "
            "`periods` are columns sorted by zone then start: `zone` (index into the geometry's features), "
            "`actor` (index into `actors`), `status` (index into `statuses`), `from` (inclusive day), `to` "
            "(exclusive day, null while open), `since` (day the unbroken hold began), `since_before` (1: it began "
            "some time before `since`, a baseline), `change` (index into "
            "`changes`). `changes` are columns `id`, `day`, `confidence` (index into `confidences`), `title`, "
            "`note`, `sources` (indexes into `sources`: columns `id`, `title`, `publisher`, `url`, `published`). "
            "`sieges`: `slug`, `name_en`, `name_ar`, `besieged` and `besieging` (actor indexes), `start`, `end` "
            "(exclusive, null while in effect), `zones` and `until` (the day each zone was relieved, exclusive, "
            "null: with the siege). A zone is besieged on day D when the siege is in effect, D < its `until`, "
            "and the besieged actor holds or contests it on D. ETag/304; `?v=` as for geometry.",
        ),
    }
    paths.update(embed_paths())
    paths.update(gazetteer_paths())
    paths.update(_analytics_paths())
    for name in VERSIONED_PATHS:
        operation = paths[f"/api/v1/maps/{{slug}}/{name}"]["get"]
        if VERSION not in operation["parameters"]:
            operation["parameters"].append(VERSION)
        operation["responses"]["302"] = REDIRECT
    _add_write_paths(paths)
    openapi_opendata.add_as_of(paths, query=_query)
    paths.update(openapi_opendata.opendata_paths(slug=SLUG, error=ERROR, not_found=NOT_FOUND, query=_query))
    paths.update(_events_paths())
    paths.update(_film_paths())
    for path, answer in READ_RESPONSES.items():
        ok = paths[path]["get"]["responses"]["200"]
        # GeoJSON answers are served as application/geo+json (RFC 7946), the others as application/json.
        media = "application/geo+json" if path.rsplit("/", 1)[-1] in GEOJSON_ANSWERS else "application/json"
        ok["content"] = {media: {"schema": answer}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Frontline Atlas API",
            "version": "1",
            "description": "Who controls which ground, since when, and on whose word. Dates are YYYY-MM-DD.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "token": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": (
                        "`Token <key>`; keys from `manage.py api_tokens --create <username>`; "
                        "they expire (API_TOKEN_DAYS) and can be revoked"
                    ),
                },
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "sessionid",
                    "description": "an admin login; send the csrftoken cookie's value as X-CSRFToken",
                },
            }
        },
    }


def embed_paths() -> dict:
    """Embeds and sharing (issue #7): the embed page, its picture, and oEmbed."""
    date = _query("date", DATE, f"the day shown; defaults to the map's default date; {IN_MAP}")
    return {
        "/embed/{slug}/": {
            "get": {
                "summary": "The map without site chrome, for iframes in other sites' pages.",
                "description": (
                    "HTML. May be framed by any site, or only by the map's allowed origins "
                    "(`Content-Security-Policy: frame-ancestors`; no X-Frame-Options). Sets no cookie. Bad options "
                    "give a readable HTML page with status 400 naming each one; an unknown map, 404. "
                    "The page tells its host page about itself with `window.parent.postMessage` objects "
                    "`{type, version: 1, slug, ...}`: `frontline-atlas:resize` with `height` (content height in "
                    "CSS pixels, sent on load and whenever it changes), `frontline-atlas:ready` and "
                    "`frontline-atlas:date` with `date` (YYYY-MM-DD). /static/js/embed-host.js, included once "
                    "in the host page, grows each embed's iframe to that height (never below the height the page "
                    'gave it); starting after the embeds, it posts them `{type: "frontline-atlas:hello", version: 1}` '
                    "and each answers with a resize. With scripts off, the page shows the picture below."
                ),
                "parameters": [
                    SLUG,
                    {**date, "description": f"{date['description']}; inside `from`..`to` when they are given"},
                    _query("from", DATE, f"first day of the slider; {IN_MAP}; not after `to`"),
                    _query("to", DATE, f"last day of the slider; {IN_MAP}"),
                    _query("lang", {"type": "string", "enum": ["en", "ar"]}, "interface language; ar is right to left"),
                    _query("controls", {"type": "string", "enum": ["slider", "none"]}, "none: a fixed date"),
                    _query(
                        "legend",
                        {"type": "string", "enum": ["on", "off", "true", "false"]},
                        "show the legend (default on; true/false read as on/off)",
                    ),
                    _query("zoom", {"type": "integer", "minimum": 1, "maximum": 18}, "zoom level"),
                    _query("center", CENTER, "latitude,longitude in degrees"),
                    _query("theme", {"type": "string", "enum": ["light", "dark"]}, "colours (default light)"),
                ],
                "responses": {
                    "200": {"description": "the embed", "content": {"text/html": {}}},
                    "400": {"description": "bad options, listed on an HTML page", "content": {"text/html": {}}},
                    "404": {"description": "unknown map", "content": {"text/html": {}}},
                },
            }
        },
        "/embed/{slug}/image.png": {
            "get": {
                "summary": "A picture of the map on a date, drawn on the server.",
                "description": (
                    "PNG: zones in their holders' colours (contested ones hatched), besieged ground outlined, "
                    "front lines, the legend, title, date and the map's credit; laid out right to left with "
                    "Arabic names for lang=ar. The link-preview image (og:image, twitter:image, 1200x630) of the "
                    "map pages, the oEmbed thumbnail and the embed's <noscript> fallback. By default it frames all "
                    "the map's zones; `zoom` and `center` frame it as the embed frames its map for the same "
                    "options (Web Mercator zoom level: a picture as wide as the embed spans the same ground; "
                    "either alone: the centre of the zones, or the whole zoom level that fits them), and are "
                    "checked the same way. The map pages pass their view (?lat=&lng=&z=) to their card image, "
                    "the embed its zoom and center to its fallback. Cached per map, data version and options "
                    "(the view included); ETag/304."
                ),
                "parameters": [
                    SLUG,
                    date,
                    _query("width", {"type": "integer", "minimum": 200, "maximum": 2000, "default": 600}, "pixels"),
                    _query("height", {"type": "integer", "minimum": 150, "maximum": 2000, "default": 400}, "pixels"),
                    _query("lang", {"type": "string", "enum": ["en", "ar"], "default": "en"}, "language of text"),
                    _query("theme", {"type": "string", "enum": ["light", "dark"], "default": "light"}, "colours"),
                    _query("zoom", {"type": "integer", "minimum": 1, "maximum": 18}, "zoom level, as the embed's"),
                    _query("center", CENTER, "latitude,longitude in degrees"),
                    _query(
                        "legend",
                        {"type": "string", "enum": ["on", "off", "true", "false"], "default": "on"},
                        "off: the map without its legend, as an embed with legend=off",
                    ),
                ],
                "responses": {
                    "200": {"description": "the picture", "content": {"image/png": {}}},
                    "304": {"description": "not modified (If-None-Match)"},
                    "400": ERROR,
                    "404": NOT_FOUND,
                    "429": TOO_MANY,
                },
            }
        },
        "/oembed": {
            "get": {
                "summary": "oEmbed 1.0 for the site's map pages and embeds (https://oembed.com/).",
                "description": (
                    "JSON, type `rich`: `html` is the embed's iframe and the host script that sizes it, "
                    "`width`/`height` fit maxwidth/maxheight "
                    "(600x400 scaled down at 3:2), `thumbnail_url` is the picture above, `provider_name`, "
                    "`provider_url`, `title`, `author_name` (the map's credit), `cache_age`. `url` may be a map "
                    "page or an embed, absolute (http or https, this site's host) or a path, with or without "
                    "the trailing slash; a map page's date, lang, lat/lng/z and an embed's options carry over "
                    "into the iframe. Other sites' URLs, other pages, malformed URLs and unknown maps: 404. "
                    "format other than json: 501. Map pages carry the discovery "
                    '`<link rel="alternate" type="application/json+oembed">`. Other parameters are ignored.'
                ),
                "parameters": [
                    _query(
                        "url",
                        {"type": "string", "minLength": 1, "example": "/maps/deir-ez-zor/?date=2017-01-16"},
                        "a map page or embed URL of this site (another: 404)",
                        required=True,
                    ),
                    _query("maxwidth", {"type": "integer", "minimum": 1}, "pixels"),
                    _query("maxheight", {"type": "integer", "minimum": 1}, "pixels"),
                    _query("format", {"type": "string", "enum": ["json"]}, "only json"),
                ],
                "responses": {
                    "200": {"description": "oEmbed JSON", "content": {"application/json": {}}},
                    "400": ERROR,
                    "404": {"description": "not one of this site's maps"},
                    "501": {"description": "format not available"},
                },
            }
        },
    }


# lat,lng as the embed reads it: latitude -90..90, longitude -180..180, at most 12 decimals.
_LAT = "-?(?:[0-8]?[0-9](?:\\.[0-9]{1,12})?|90(?:\\.0{1,12})?)"
_LNG = "-?(?:(?:1[0-7][0-9]|[0-9]{1,2})(?:\\.[0-9]{1,12})?|180(?:\\.0{1,12})?)"
CENTER = {"type": "string", "pattern": f"^{_LAT},{_LNG}$", "example": "35.33,40.14"}
# A search: 1-200 characters, at least one letter or digit in any script (tatweel, which only stretches a word,
# is not one), no NUL.
QUERY = {
    "type": "string",
    "minLength": 1,
    "maxLength": 200,
    "pattern": "^[^\\x00]*(?!\\u0640)[\\p{L}\\p{N}][^\\x00]*$",
    "example": "Joura",
}
MAP_SLUG = {"type": "string", "pattern": SLUG_PATTERN, "example": "deir-ez-zor"}

PLACE_RESULT = {
    "type": "object",
    "properties": {
        "slug": {"type": "string"},
        "name_en": {"type": "string"},
        "name_ar": {"type": "string"},
        "kind": {"type": "string"},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "point": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
        "matched": {"type": "string", "description": "the name of the place that met the query"},
    },
}
PLACE_MATCH = {
    "type": "object",
    "properties": {
        "place": {"type": "string", "description": "place slug"},
        "name_en": {"type": "string"},
        "name_ar": {"type": "string"},
        "start": {"type": "integer", "description": "offset of the mention in code points (inclusive)"},
        "end": {"type": "integer", "description": "offset just after the mention, in code points (exclusive)"},
        "text": {"type": "string", "description": "the mention as written: text[start:end]"},
        "matched": {"type": "string", "description": "the gazetteer name it was read as"},
        "alternatives": {
            "type": "array",
            "items": {"type": "string"},
            "description": "the other places of the same name (slugs), best first: the runners-up",
        },
        "confidence": {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "description": "how sure it is that the mention is a place: the sum of the evidence's weights",
        },
        "confident": {
            "type": "boolean",
            "description": "confidence >= 0.5: a place (the mark page ticks it); otherwise shown with why not",
        },
        "evidence": {
            "type": "array",
            "description": (
                "why: the first item is how common the name is as a word (`rare-word` or `common-word`, its "
                "wordfreq Zipf value in `detail`, the prior as `weight`); then any of `cue` (a place-type word "
                "beside it: قرية، ريف، village, province; `detail` is the word), `preposition` (في، قرب، near, "
                "north of), `list` (next to a confident place in a list; `detail` names it), `map` (a zone of "
                "the map), `known` (a seat or an administrative area), `again` (the same name confident "
                "elsewhere), and against: `kind-word` (the name is a word for a kind of place), `other-name` "
                "(part of the name of something else: قوات سوريا الديمقراطية), `capitalised-neighbour` (inside "
                "a longer capitalised name), `inside-generic` (read without its generic word), `spelling` (a "
                "spelling the gazetteer does not list, read as the close one in `detail`: Tabqa for At Tabaqah), "
                "`abroad` (the name of a country, a capital or a great city abroad, in `detail`: Ankara)"
            ),
            "items": {
                "type": "object",
                "properties": {
                    "kind": {"type": "string"},
                    "detail": {"type": "string"},
                    "weight": {"type": "number", "description": "what it adds to confidence (negative: takes)"},
                },
            },
        },
        "chosen_by": {
            "type": "array",
            "items": {"type": "string"},
            "description": "why this place of the name: the only one, the cue's kind, best known, nearest to "
            "the text's other places, on the map",
        },
        "runners_up": {
            "type": "array",
            "description": "the other places of the name with their scores (at most 5), best first",
            "items": {
                "type": "object",
                "properties": {
                    "place": {"type": "string"},
                    "name_en": {"type": "string"},
                    "name_ar": {"type": "string"},
                    "kind": {"type": "string"},
                    "score": {"type": "number"},
                },
            },
        },
    },
}


def _json_body(schema: dict, example: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema, "example": example}}}


def gazetteer_paths() -> dict:
    return {
        "/api/v1/places": {
            "get": {
                "summary": "Search the gazetteer across all names and spellings, in Arabic or Latin script.",
                "description": (
                    "Names are compared after normalisation (Arabic diacritics, tatweel, alef forms, ى/ي, ة/ه, "
                    "digits, the article ال and proclitics, generic words such as حي or جبل; Latin case, accents, "
                    "al-/el-/ad-/ash-/az-/ez- ..., and transliteration variants such as ou/u/oo, q/k, doubled "
                    "letters, ei/ey/ay, final a/ah/eh). Ranking, by `score`: 1.0 the exact official name; 0.97 the "
                    "exact spelling of a variant; 0.93/0.9 the same name once articles and transliteration "
                    'variants are folded; 0.85 the same once generic words are set aside ("حي الجورة", '
                    '"Harabesh hill"); 0.6-0.8 names that the query begins (as typed in a search box); below '
                    "0.6 fuzzy matches (misspellings). Ties by slug."
                ),
                "parameters": [
                    _query("q", QUERY, "a name or its start: at least one letter or digit", True),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 50, "default": 10}, "results"),
                    _query("map", MAP_SLUG, "only the zones of this public map (slug); 404 if unknown"),
                ],
                "responses": {
                    "200": {
                        "description": "best first",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"results": {"type": "array", "items": PLACE_RESULT}},
                                }
                            }
                        },
                    },
                    "400": ERROR,
                    "404": NOT_FOUND,
                },
            }
        },
        "/api/v1/maps/{slug}/export": {
            "get": {
                "summary": "Download the map's zones with all their names: a snapshot on a date, or the full history.",
                "description": (
                    "With `date`: one row per zone, who held it that day (`actor`, `actor_name`, `status` held/"
                    "contested/unknown, `since`, `confidence`, `sources`). Without `date`: the full interval "
                    "history, one row per control period, `valid_from` inclusive and `valid_to` exclusive (null "
                    "while open), `held_since`; a zone with no published change gets one row with status unknown. "
                    "Every row has `place` (slug), `name_en`, `name_ar`, `names` (every name with its language and "
                    "kind: official, variant ...), `kind`, `approximate` (footprint), `area_km2` (geodesic), "
                    "`label_lon`, `label_lat`, and the footprint. geojson: a FeatureCollection with foreign members "
                    "`map`, `date`, `kind` (snapshot/history); `names` and `sources` are arrays. csv: UTF-8 with a "
                    "byte-order mark, the footprint as `wkt` (coordinates to 7 decimals), `crs` (EPSG:4326, WGS84 "
                    "lon/lat), `names` and `sources` joined with '; '. gpkg: a GeoPackage (EPSG:4326) with layer "
                    "`zones` (snapshot) or `history`, dates as Date fields, and the map's published events as a "
                    "layer `events` when it has any. lpf: Linked Places Format 1.1 "
                    "(GeoJSON-LD), one feature per zone with `names`, `when` and a `controlledBy` relation per "
                    "period, its `when.timespans` ending on the period's last day. Polygons are wound as RFC 7946 "
                    "says; HTTP Range requests are served (GDAL /vsicurl/). Only published records. "
                    "Sent as an attachment named <slug>-<date or history>.<format>; ETag/304. "
                    "layer=events: the map's published events instead (of the day `date`, else all its dates), as "
                    "geojson (the features of /api/v1/maps/{slug}/events), csv (its columns flat, with `longitude`, "
                    "`latitude`, `crs`) or gpkg (one layer `events`), named <slug>-events-<date or all>.<format>; "
                    "lpf is for zones only (400 naming `format`)."
                ),
                "parameters": [
                    SLUG,
                    _query("date", DATE, f"the day of the snapshot, {IN_MAP}; omit for the history"),
                    _query(
                        "format",
                        {"type": "string", "enum": ["geojson", "csv", "gpkg", "lpf"], "default": "geojson"},
                        "file",
                    ),
                    _query(
                        "layer",
                        {"type": "string", "enum": ["zones", "events"], "default": "zones"},
                        "what the file holds: the zones (their state or history) or the map's events",
                    ),
                ],
                "responses": {
                    "200": {
                        "description": "the file",
                        "content": {
                            "application/geo+json": {},
                            "text/csv": {},
                            "application/geopackage+sqlite3": {},
                        },
                    },
                    "304": {"description": "not modified (If-None-Match)"},
                    "400": ERROR,
                    "404": NOT_FOUND,
                },
            }
        },
        "/api/v1/places/match": {
            "post": {
                "summary": "Find the gazetteer places a text mentions (an article in Arabic or English).",
                "description": (
                    'Every mention, in order and without overlaps, the longest name first ("مطار دير الزور '
                    'العسكري" is the airport, not the city). Offsets are Python string indices: Unicode code '
                    "points into the text exactly as sent, `end` exclusive, so `text[start:end]` is the mention. "
                    "JavaScript strings count UTF-16 units; they differ only after characters outside the Basic "
                    "Multilingual Plane (emoji), so convert with `Array.from(text)` if the text may hold them. "
                    "Arabic proclitics (و ب ل ف ك) are not part of a mention (والجورة -> الجورة); a Latin article is "
                    "(al-Bughayliyah). Punctuation such as «» and quotes ends a name. In a text with capitals, a "
                    "Latin mention all in lower case is taken only for a name stored in lower case. `map` keeps "
                    "the zones of that public map, and counts being one as evidence. Names are whole words; a "
                    "word that is itself a common word is not read as a proclitic and a name (كبيرة is not ك + "
                    "بيرة). Each mention has a `confidence` and its `evidence`: a name that is a common word of "
                    "its language (على, مدينة, Hit) is `confident` only with evidence around it (a cue word, a "
                    "preposition of place, a list of places, the map). Mentions below 0.1 are left out. Of "
                    "several places of one name, the best known (a seat, an administrative area, a town) and the "
                    "nearest to the text's other confident places is chosen (`chosen_by`), the others listed in "
                    "`runners_up`. A read-only POST (the text may be too long for a URL): no CSRF token is "
                    "needed. Body at most 100,000 characters of text."
                ),
                "requestBody": _json_body(
                    {
                        "type": "object",
                        "properties": {
                            "text": {"type": "string", "maxLength": 100000, "pattern": NO_NUL},
                            "map": {**MAP_SLUG, "description": "slug of a public map (404 if unknown)"},
                        },
                        "required": ["text"],
                        "additionalProperties": False,
                    },
                    {"text": "Fighting continued in Jura and والجورة", "map": "deir-ez-zor"},
                ),
                "responses": {
                    "200": {
                        "description": "the mentions, in text order",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"matches": {"type": "array", "items": PLACE_MATCH}},
                                }
                            }
                        },
                    },
                    "400": ERROR,
                    "404": NOT_FOUND,
                    "405": {"description": "not a POST"},
                    "429": TOO_MANY,
                },
            }
        },
    }


FILM_STATE = {"type": "string", "enum": ["queued", "running", "done", "failed", "cancelled", "stale"]}
FILM_JOB = {
    "type": "object",
    "properties": {
        "state": {"type": "string", "enum": ["queued", "running"]},
        "job": {"type": "integer"},
        "status_url": {"type": "string", "description": "GET it for the job's progress"},
    },
    "required": ["state", "job", "status_url"],
    "additionalProperties": False,
}
FILM_DONE = {
    "type": "object",
    "properties": {"state": {"type": "string", "enum": ["done"]}, "url": STRING},
    "required": ["state", "url"],
    "additionalProperties": False,
}


def _film_paths() -> dict:
    """Films for readers (mapapp/api_films.py): asked for, made in the background, then downloaded."""
    short = {"type": "string", "maxLength": 20, "pattern": NO_NUL}
    return {
        "/api/v1/maps/{slug}/films": {
            "post": {
                "summary": "Ask for a timelapse film (GIF or MP4) of a public map, made in the background.",
                "description": (
                    "The film of the record as it stands: the dates from `from` to `to` (inclusive; the map's own "
                    f"by default; {IN_MAP}) a `step` apart, at most {MAX_FRAMES:,} frames (400 `step` otherwise), "
                    "`from` not after `to` (400 `from`). 200 with the film's `url` when that film of the "
                    "current record exists; 202 with the job when it is being made, by this request or an "
                    "earlier one. Only a film that must be made counts against RATE_LIMIT_FILMS per client an "
                    "hour (429). An unknown field is refused (400 naming it). No login, no CSRF token: no "
                    "cookie is read."
                ),
                "parameters": [SLUG],
                "requestBody": _json_body(
                    {
                        "type": "object",
                        "properties": {
                            "from": {**DATE, "description": "first frame's day"},
                            "to": {**DATE, "description": "last frame's day"},
                            "step": {**short, "enum": ["day", "week", "month"]},
                            "format": {**short, "enum": ["gif", "mp4"]},
                            "lang": {**short, "enum": ["en", "ar"]},
                            "theme": {**short, "enum": ["light", "dark"]},
                        },
                        "additionalProperties": False,
                    },
                    {"from": "2017-01-01", "to": "2017-02-26", "step": "week", "format": "gif"},
                ),
                "responses": {
                    "200": {"description": "made", "content": {"application/json": {"schema": FILM_DONE}}},
                    "202": {"description": "being made", "content": {"application/json": {"schema": FILM_JOB}}},
                    "400": ERROR,
                    "404": NOT_FOUND,
                    "405": {"description": "not a POST"},
                    "429": TOO_MANY,
                },
            }
        },
        "/api/v1/films/{id}": {
            "get": {
                "summary": "How far a film's job is, and its download once done.",
                "description": (
                    "`done` of `total` frames drawn (`total` 0 until known). Once `done`: `url`, `frames` and "
                    "`bytes`. `stale`: the record changed while the film was made, or the film was removed to "
                    "make room (FILM_CACHE_MB): ask for it again. `failed`: `error` says why. Never cached."
                ),
                "parameters": [
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1},
                        "description": "the `job` a film request answered; another job's id is 404",
                    }
                ],
                "responses": {
                    "200": {
                        "description": "the job's state",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "state": FILM_STATE,
                                        "done": {"type": "integer", "minimum": 0},
                                        "total": {"type": "integer", "minimum": 0},
                                        "message": TEXT_OR_NULL,
                                        "error": TEXT_OR_NULL,
                                        "url": STRING,
                                        "frames": {"type": "integer", "minimum": 1},
                                        "bytes": {"type": "integer", "minimum": 1},
                                    },
                                    "required": ["state", "done", "total"],
                                }
                            }
                        },
                    },
                    "404": {"description": "no film job of that id", "content": ERROR["content"]},
                },
            }
        },
        "/maps/{slug}/films/{name}": {
            "get": {
                "summary": "A finished film, as an attachment.",
                "description": (
                    "Only while it is a film of the map's current record (an edit makes it 404: ask again). "
                    "Cached an hour."
                ),
                "parameters": [
                    SLUG,
                    {
                        "name": "name",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+\\.(gif|mp4)$"},
                        "description": "the name in the `url` the job gave",
                    },
                ],
                "responses": {
                    "200": {
                        "description": "the film",
                        "content": {"image/gif": {}, "video/mp4": {}},
                    },
                    "404": {"description": "no such film of the map as it stands now"},
                },
            }
        },
    }


def _analytics_paths() -> dict:
    on = _query("date", DATE, f"inclusive; defaults to the map's default date; {IN_MAP}")
    return {
        "/api/v1/maps/{slug}/fronts": _get(
            "GeoJSON lines where zones of different actors meet on a date.",
            [SLUG, on],
            "A filter over the shared edges of the map's zones (no union): every edge whose two zones have "
            "different actors (held or contested; zones of unknown control make no front), merged per pair of "
            "actors into continuous LineStrings, one feature each. Properties: `actors` (two slugs, sorted), "
            "`length_km` (geodesic), `contested` (a contested zone is on one side or both).",
        ),
        "/api/v1/maps/{slug}/sieges": _get(
            "GeoJSON of the besieged ground on a date, one feature per siege in effect.",
            [SLUG, on],
            "Geometry: the union of the zones the siege besieges that day (published siege in effect, the zone "
            "not yet relieved, held or contested by the besieged actor); sieges with no such zone are left out. "
            "Properties: `siege` (slug), `name`, `name_ar`, `besieged_actor`, `besieging_actors` (slugs), "
            "`start`, `end` (first day no longer in effect, or null), `days` (1 on the siege's first day), "
            "`places` (slugs), `parts` (separate pieces: zones linked by shared edges), `area_km2`, `supply` "
            "(methods in effect that day: `land`, `air_bridge`, `airdrop`). A zone inside two sieges in effect "
            "is in the `places` and geometry of each.",
        ),
        "/api/v1/maps/{slug}/pockets": _get(
            "GeoJSON of each actor's separate pieces of ground on a date, and which are enclosed.",
            [
                SLUG,
                on,
                _query("enclosed", {"type": "boolean", "default": False}, "only the enclosed pieces (true/false)"),
            ],
            "Pieces are connected through shared edges; an actor's ground is every zone it holds or contests. "
            "`enclosed`: the piece touches neither the map's outer edge nor the actor's other pieces (pieces are "
            "maximal), and every zone around it is held or contested by an actor that is neither the piece's actor "
            "nor its ally (unknown ground does not enclose); an actor's only or largest piece can be enclosed too. "
            "Properties: `actor`, `enclosed`, `largest`, "
            "`area_km2`, `places` (slugs), `siege` (slug of the siege in effect besieging most of it, or null), "
            "`suggest_siege` (enclosed and no siege recorded: a hint for editors).",
        ),
        "/api/v1/maps/{slug}/stats/area": _get(
            "km² of ground held by each actor at each step between two dates, for charts.",
            [
                SLUG,
                _query("from", DATE, f"first step, inclusive; defaults to the map's start; {IN_MAP}; not after `to`"),
                _query("to", DATE, f"last possible step, inclusive; defaults to the map's end; {IN_MAP}"),
                _query("step", {"type": "string", "enum": ["day", "week", "month"], "default": "month"}, "step"),
            ],
            'Answer: {"actors": [slugs], "step", "series": [{"date", "<actor>": km2, ...}]}. Steps are from, '
            "from + 1 step, ... up to to; a month step keeps the day of the month (or the month's last day). An "
            "actor's ground is every zone it holds or contests; areas are geodesic, summed as whole m². At most "
            "5000 steps. Computed by a sweep over the interval record, not by deriving the map at every step.",
        ),
    }


# --- the write API (issue #4): editors record drafts, reviewers publish, reject, withdraw and restore ---------

WRITE_SECURITY = [{"token": []}, {"session": []}]
CHANGE_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
SOURCE_IN = {
    "type": "object",
    "description": "a new source (the same URL and quote, or without a URL the same title, publisher, date and "
    "quote, is the same source and is reused), or {`id`} to cite a source already in the record",
    "properties": {
        "id": {"type": "integer"},
        "url": {"type": "string", "format": "uri"},
        "title": {"type": "string", "maxLength": 500},
        "publisher": {"type": "string", "maxLength": 300},
        "published": {"type": "string", "format": "date"},
        "quote": {"type": "string"},
    },
    "additionalProperties": False,
}
CHANGE_IN = {
    "type": "object",
    "properties": {
        "date": {**DATE, "description": "the change is in effect from this day (inclusive); not in the future"},
        "date_precision": {"type": "string", "enum": ["day", "month", "approx"], "default": "day"},
        "places": {
            "type": "array",
            "items": {"type": "string"},
            "minItems": 1,
            "description": "slugs of zones of this map; any number (a monitor's snapshot may move thousands)",
        },
        "geometry": {
            **_geometry("Polygon", "MultiPolygon"),
            "description": "the ground that came under the actor (WGS84), instead of or beside places: publishing "
            "splits the map's zones along it",
        },
        "cut": {
            "type": "object",
            "description": "zones cut with a line: in each zone the line crosses from edge to edge, the pieces on "
            "`side` of it (as drawn, from its first corner to its last) are ground of the change (with `geometry`, "
            "both); `cut.line` when it cuts no zone through",
            "properties": {"line": _geometry("LineString"), "side": {"type": "string", "enum": ["left", "right"]}},
            "required": ["line", "side"],
            "additionalProperties": False,
        },
        "actor": {"type": "string", "description": "slug of one of the map's actors"},
        "status": {"type": "string", "enum": ["held", "contested"], "default": "held"},
        "confidence": {"type": "string", "enum": ["high", "medium", "low"], "default": "medium"},
        "sources": {"type": "array", "items": SOURCE_IN, "minItems": 1, "maxItems": 50},
        "title": {"type": "string", "maxLength": 300},
        "note": {"type": "string"},
        "events": {
            "type": "array",
            "items": {"type": "integer"},
            "maxItems": 500,
            "description": "ids of events of this map that explain the change, linked to it when it is saved "
            "(`events[i]` when one is not an event of this map); see /api/v1/maps/{slug}/events/near",
        },
    },
    "required": ["date", "places", "actor", "sources"],
    "additionalProperties": False,
}
CHANGE_OUT = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "date": DATE,
        "places": {"type": "array", "items": {"type": "string"}},
        "actor": {"type": "string"},
        "status": {"type": "string"},
        "confidence": {"type": "string"},
        "review_state": {"type": "string", "enum": ["draft", "published", "rejected", "withdrawn"]},
        "review_note": {"type": "string"},
        "created_by": {"type": ["string", "null"]},
        "reviewed_by": {"type": ["string", "null"]},
        "sources": {"type": "array", "items": {"type": "object"}},
        "admin_url": {"type": "string"},
        "maps": {
            "type": "array",
            "description": "the maps showing the change's places, at their data versions after this request: "
            "read them with `?v=` to see the change at once, from any app server",
            "items": {
                "type": "object",
                "properties": {"slug": {"type": "string"}, "version": {"type": "integer"}},
                "required": ["slug", "version"],
            },
        },
    },
}
PREVIEW = {
    "type": "object",
    "description": "what the change does to the published record: per place `from_actor`, `from_status`, "
    "`to_actor`, `to_status`, `changes`, `changes_hands`, `until` (the place's next published change, exclusive); "
    "`changing_hands` (count), `area_km2`: {`changing_hands`, `by_actor`: {actor: {`gained`, `lost`, `net`}}} "
    "(geodesic km²), `alters_nothing`; with a `geometry`, `ground`: {`area_km2`, `covered` (zones taken whole), "
    "`split`: [{`zone`, `inside_km2`, `outside_km2`}], `parts` (how many publishing makes), `geometry` (the ground "
    "as snapped to the zones, GeoJSON)}",
}
WRITE_ERRORS = {
    "400": {**ERROR, "description": "refused: {error, field}; field names the input (`sources[1].url`)"},
    "401": {"description": "no login and no token, or a bad token (WWW-Authenticate: Token)"},
    "403": {"description": "logged in without the permission (or, for a session, without the CSRF token)"},
    "404": {"description": "unknown map or change"},
    "429": {**TOO_MANY, "description": "too many bad tokens from this client lately; Retry-After says how long"},
}


def _write(summary: str, description: str, *, body: dict | None = None, params=(), ok: str = "200", out=None):
    operation = {
        "summary": summary,
        "description": description,
        "security": WRITE_SECURITY,
        "parameters": list(params),
        "responses": {
            ok: {"description": "done", "content": {"application/json": {"schema": out or CHANGE_OUT}}},
            **WRITE_ERRORS,
        },
    }
    if body is not None:
        operation["requestBody"] = body
    return operation


def _add_write_paths(paths: dict) -> None:
    rules = (
        "Errors are in the request's language (Accept-Language, or ?lang=ar). Refused with 400 and the field: a "
        "date that is not YYYY-MM-DD, not a real date or in the future (`date`); no places, an unknown place or "
        "one that is not a zone of this map (`places`); an unknown actor or one not on this map (`actor`); no "
        "source, or a bad one (`sources`, `sources[i].title|url|published|id`); an unknown field (its name); a "
        "change that alters nothing, that is every place already stands as it says on that date by the published "
        "record, with the same confidence and no new source (`places`, saying so). Nothing is half-written: new "
        "sources are saved with the change or not at all. Two changes recorded at the same moment are both "
        "kept, ordered by id; of two published changes of one place on one day, the higher id wins."
    )
    paths.setdefault("/api/v1/maps/{slug}/changes", {})["post"] = _write(
        "Record one draft control change covering places of this map (editors).",
        "201 with the change (review_state `draft`) and its `preview`; Location: /api/v1/changes/{id}. " + rules,
        body=_json_body(
            CHANGE_IN,
            {
                "date": "2017-01-16",
                "places": ["al-jaryah", "cemeteries", "al-ommal"],
                "actor": "isis",
                "status": "held",
                "confidence": "high",
                "sources": [{"url": "https://example.org/sohr", "title": "ISIS advances", "publisher": "SOHR"}],
            },
        ),
        params=[SLUG],
        ok="201",
    )
    paths["/api/v1/maps/{slug}/changes/preview"] = {
        "post": _write(
            "What a change would do, without saving it (editors).",
            "Same body and checks as recording, except that sources are optional; the answer is the preview, "
            "with `message` when it alters nothing. Saves nothing.",
            body=_json_body(CHANGE_IN, {"date": "2017-06-20", "places": ["al-joura"], "actor": "isis"}),
            params=[SLUG],
            out=PREVIEW,
        )
    }
    paths["/api/v1/changes/{id}"] = {
        "get": _write("One control change, in any review state (editors).", "", params=[CHANGE_ID]),
        "patch": _write(
            "Give a draft new ground, or take it away (editors).",
            "Body {`geometry`: GeoJSON Polygon/MultiPolygon in WGS84, or null; `cut`: a line and a side, as when "
            "recording (the pieces on that side of every zone it crosses, united with `geometry` when both are "
            "given); `map`: the map whose zones it splits, when the change has none}; `geometry` or `cut` is "
            "needed. Only a draft or a rejected change: nothing is split before publishing, so only the change "
            "is saved (a new version in its history). 400 `review_state` for a published or withdrawn change; 400 "
            "`geometry` for bad ground, ground covering nothing of the map, or null on a change without places; "
            "400 `cut`, `cut.side` or `cut.line` for a bad cut; 400 `map` for an unknown map, or a cut on a change "
            "with no map and none named. The answer is the change with its `preview`.",
            body=_json_body(
                {
                    "type": "object",
                    "properties": {
                        "geometry": {"type": ["object", "null"]},
                        "cut": CHANGE_IN["properties"]["cut"],
                        "map": {"type": "string"},
                    },
                    "anyOf": [{"required": ["geometry"]}, {"required": ["cut"]}],
                },
                {
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [[[40.1, 35.3], [40.12, 35.3], [40.1, 35.32], [40.1, 35.3]]],
                    }
                },
            ),
            params=[CHANGE_ID],
        ),
        "delete": _write(
            "Withdraw a change (reviewers).",
            "It stays in the record, marked withdrawn, with the optional reason from the body {`reason`}; the "
            "derived state of its places is rebuilt at once, so the public map no longer shows it.",
            params=[CHANGE_ID],
        ),
    }
    _add_map_write_paths(paths)
    _add_event_write_paths(paths)
    paths["/api/v1/changes/{id}/publish"] = {
        "post": _write(
            "Publish a draft (reviewers): the public map shows it at once.",
            "400 `review_state` if it is already published or withdrawn.",
            params=[CHANGE_ID],
        )
    }
    paths["/api/v1/changes/{id}/reject"] = {
        "post": _write(
            "Reject a draft with a reason the editor sees (reviewers).",
            "Body {`reason`} (required). Only drafts; a published change is withdrawn instead.",
            body=_json_body(
                {"type": "object", "properties": {"reason": {"type": "string"}}, "required": ["reason"]},
                {"reason": "SOHR says contested, not held"},
            ),
            params=[CHANGE_ID],
        )
    }
    paths["/api/v1/changes/{id}/history"] = {
        "get": _write(
            "Every version of a change, newest first (editors).",
            "`versions`: [{`version`, `at`, `by`, `reason` (recorded, edited, published, rejected, withdrawn, "
            "restored version N), `type`, `date`, `actor`, `status`, `confidence`, `review_state`, `places`, "
            "`sources`}].",
            params=[CHANGE_ID],
            out={"type": "object"},
        )
    }
    paths["/api/v1/changes/{id}/restore"] = {
        "post": _write(
            "Put a change back as it was in an earlier version (reviewers).",
            "Body {`version`, `reason`}: a version number from its history, and why (shown in the public "
            "corrections log and the feeds). Fields, places, sources and review state "
            "return to that version's; the public map follows in the same transaction (restoring the version "
            "before a publish takes the change off the map). The restore is itself a new version.",
            body=_json_body(
                {
                    "type": "object",
                    "properties": {"version": {"type": "integer"}, "reason": {"type": "string"}},
                    "required": ["version"],
                },
                {"version": 42, "reason": "a second source confirms the first report"},
            ),
            params=[CHANGE_ID],
        )
    }


def _events_paths() -> dict:
    """Events beside the ground (issue #17): the events of a date range as GeoJSON points, and their counts by
    day and type."""
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
        "changes": {
            "type": "array",
            "items": {"type": "object", "required": ["id", "date", "title"]},
            "description": "the published control changes the event explains (their pages: "
            "/maps/{slug}/changes/{id}/), by date",
        },
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
    longitude = r"-?(?:180(?:\.0{1,12})?|(?:1[0-7][0-9]|[0-9]{1,2})(?:\.[0-9]{1,12})?)"
    latitude = r"-?(?:90(?:\.0{1,12})?|[0-8]?[0-9](?:\.[0-9]{1,12})?)"
    parameters = [
        SLUG,
        _query("from", DATE, f"first day, inclusive, {IN_MAP}; defaults to the map's start; not after `to`"),
        _query("to", DATE, f"last day, inclusive, {IN_MAP}; defaults to the map's end"),
        _query(
            "type",
            {"type": "string", "pattern": "^[^,\\x00]{1,100}(?:,[^,\\x00]{1,100}){0,49}$"},
            "event types as the events name them, comma-separated (or the parameter repeated), at most 50 of at "
            "most 100 characters; none: all",
        ),
        _query(
            "bbox",
            {"type": "string", "pattern": f"^{longitude},{latitude},{longitude},{latitude}$"},
            "west,south,east,north in degrees (WGS84), west < east and south < north (400 otherwise); points on "
            "an edge are in",
        ),
        _query(
            "zone",
            {"type": "string", "minLength": 1, "maxLength": 200, "example": "al-joura"},
            "only the events inside this zone (a place slug of the map's zones; 400 otherwise), its edge included",
        ),
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
                    "302": REDIRECT,
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
                    "302": REDIRECT,
                    "400": ERROR,
                    "404": NOT_FOUND,
                },
            }
        },
    }


POLYGONS_IN = {
    "type": "object",
    "description": "GeoJSON in WGS84 longitude/latitude: a Polygon or MultiPolygon, a Feature of one, or a "
    "FeatureCollection of them (united)",
}
ZONES_IN = {
    "oneOf": [
        {"type": "array", "items": {"type": "string"}, "minItems": 1, "description": "place slugs, any number"},
        {
            "type": "object",
            "description": "a GeoJSON FeatureCollection of named Polygon/MultiPolygon features (`name` or "
            "`name_en`, `name_ar`, `variants`, `kind`), imported as places as `manage.py import_places` does: a "
            "feature naming a place already in the gazetteer (same name, overlapping outline) is that place",
        },
    ]
}
MAP_IN = {
    "type": "object",
    "properties": {
        "slug": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$", "maxLength": 120},
        "title": {"type": "string", "maxLength": 300},
        "title_ar": {"type": "string", "maxLength": 300},
        "start": DATE,
        "end": DATE,
        "default_date": {**DATE, "description": "defaults to `end`"},
        "area": POLYGONS_IN,
        "zones": ZONES_IN,
        "actors": {
            "type": "array",
            "items": {
                "oneOf": [
                    {"type": "string", "description": "an existing actor's slug"},
                    {
                        "type": "object",
                        "properties": {
                            "slug": {"type": "string"},
                            "name": {"type": "string"},
                            "color": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
                        },
                        "required": ["slug", "name", "color"],
                        "additionalProperties": False,
                        "description": "created when no actor has this slug (an existing one is kept as it is)",
                    },
                ]
            },
        },
        "replace": {"type": "boolean", "default": False},
    },
    "required": ["slug", "title", "start", "end"],
    "additionalProperties": False,
}
MAP_OUT = {
    "type": "object",
    "properties": {
        "slug": {"type": "string"},
        "title": {"type": "string"},
        "title_ar": {"type": "string"},
        "start": DATE,
        "end": DATE,
        "default_date": DATE,
        "zones": {"type": "integer", "description": "how many zones the map has"},
        "area_km2": {"type": "number", "description": "geodesic area of the union of its zones"},
        "actors": {"type": "array", "items": {"type": "string"}},
    },
}


EVENT_IN = {
    "type": "object",
    "properties": {
        "date": DATE,
        "date_end": DATE,
        "date_precision": {"type": "string", "enum": ["day", "week", "month", "year"]},
        "event_type": {"type": "string", "minLength": 1, "maxLength": 100},
        "sub_event_type": {"type": "string", "maxLength": 100},
        "actor1": {"type": "string", "maxLength": 300},
        "actor2": {"type": "string", "maxLength": 300},
        "actors": {"type": "array", "items": {"type": "string"}, "description": "slugs of the map's actors"},
        "longitude": {"type": "number", "minimum": -180, "maximum": 180},
        "latitude": {"type": "number", "minimum": -90, "maximum": 90},
        "location_name": {"type": "string", "maxLength": 300},
        "admin_area": {"type": "string", "maxLength": 300},
        "geo_precision": {"type": "string", "enum": ["exact", "near", "district", "province", "country"]},
        "fatalities_best": {"type": ["integer", "null"], "minimum": 0},
        "fatalities_low": {"type": ["integer", "null"], "minimum": 0},
        "fatalities_high": {"type": ["integer", "null"], "minimum": 0},
        "notes": {"type": "string"},
        "sources": {"type": "array", "items": SOURCE_IN, "maxItems": 50},
    },
    "required": ["date", "event_type", "longitude", "latitude"],
    "additionalProperties": False,
}
EVENT_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _add_event_write_paths(paths: dict) -> None:
    """Editors' events (mapapp/events/api_write.py): the mark page adds, edits and links them."""
    rules = (
        "Refused with 400 and the field: a date outside the map's dates (`date`), a point outside its area "
        "(`location`), no type (`event_type`), actors not of this map (`actors`), low > best or high < best "
        "(`fatalities_low`, `fatalities_high`), an unknown field (its name)."
    )
    example = {"date": "2017-06-20", "event_type": "Battles", "longitude": 40.14, "latitude": 35.33}
    paths.setdefault("/api/v1/maps/{slug}/events", {})["post"] = _write(
        "Add one draft event on this map (editors).",
        "201 with the event (review_state `draft`); Location: /api/v1/events/{id}. " + rules,
        body=_json_body(EVENT_IN, example),
        params=[SLUG],
        ok="201",
        out={"type": "object"},
    )
    paths["/api/v1/events/{id}"] = {
        "get": _write("One event, draft or published (editors).", "", params=[EVENT_ID], out={"type": "object"}),
        "put": _write(
            "Edit an event (editors: drafts; reviewers: published events too).",
            "The whole event, as when adding it. " + rules,
            body=_json_body(EVENT_IN, example),
            params=[EVENT_ID],
            out={"type": "object"},
        ),
    }
    paths["/api/v1/maps/{slug}/events/near"] = {
        "post": _write(
            "The events near a change, to link to it (editors).",
            "Body {`date`, `places` (zone slugs) or `geometry` (its ground), `change`? (a saved change: its "
            "linked events come with `linked` true)}. Events of any review state within EVENT_LINK_KM km of "
            "the ground and EVENT_LINK_DAYS days of the date, nearest first: {`events`: [{`id`, `date`, "
            "`event_type`, ..., `km`, `days`, `linked`}]}.",
            body=_json_body(
                {
                    "type": "object",
                    "properties": {
                        "date": DATE,
                        "places": {"type": "array", "items": {"type": "string"}},
                        "geometry": POLYGONS_IN,
                        "change": {"type": "integer"},
                    },
                    "required": ["date"],
                },
                {"date": "2017-06-20", "places": ["al-joura"]},
            ),
            params=[SLUG],
            out={"type": "object"},
        )
    }


def _add_map_write_paths(paths: dict) -> None:
    """Maps of any size without code (issue 12): create a map, set its zones, publish many drafts at once."""
    square = [[36.0, 35.0], [36.5, 35.0], [36.5, 35.5], [36.0, 35.5], [36.0, 35.0]]
    paths["/api/v1/maps"] = {
        "post": _write(
            "Create a map over an area, as one zone or as the zones given (reviewers).",
            "201 with the map; `Location` its zones. Without `zones` the map starts as one zone, the area itself "
            "(a place `<slug>-area` made for it); with `zones` (place slugs, or a FeatureCollection imported as "
            "places) each zone must overlap the area (a zone that only touches it is outside); without `area` the "
            "zones alone make it. The map's stored area is the union of its zones. Actors are created when new. "
            "An existing slug is refused (`slug`) unless `replace` is true (which needs the right to change maps; "
            "200): that map gets these titles, dates and zones, these actors are added, and its record stays. "
            "Refused with 400 and the field, with nothing written (no place, actor or map): a missing slug or "
            "title, a date that is not YYYY-MM-DD or not real, an end before the start or a default date outside "
            "them, an area or zone that is not a polygon in longitude/latitude (`area`, `zones.features[i]`), an "
            "unknown place or actor, a zones file feature without a name or that is a point, zones outside the "
            "area, an unknown field.",
            body=_json_body(
                MAP_IN,
                {
                    "slug": "front",
                    "title": "The northern front",
                    "title_ar": "الجبهة الشمالية",
                    "start": "2024-01-01",
                    "end": "2024-12-31",
                    "area": {"type": "Polygon", "coordinates": [square]},
                    "actors": ["isis", {"slug": "sdf", "name": "SDF", "color": "#e0b000"}],
                },
            ),
            ok="201",
            out=MAP_OUT,
        )
    }
    paths.setdefault("/api/v1/maps/{slug}/zones", {})["put"] = _write(
        "Set the map's zones (reviewers).",
        "Body {`zones`: [place slugs]} (any number; each needs an outline) or a GeoJSON FeatureCollection, as the "
        "whole body, of named polygons imported as places. The map's area and shared edges are derived again, "
        "its data version moves on (cached answers expire). Refused with 400 `zones` naming the problem, with "
        "nothing written.",
        body=_json_body({"type": "object", "properties": {"zones": ZONES_IN}}, {"zones": ["al-joura", "al-qusour"]}),
        params=[SLUG],
        out=MAP_OUT,
    )
    paths["/api/v1/changes/publish"] = {
        "post": _write(
            "Publish several drafts in one transaction (reviewers).",
            "Body {`ids`: [change ids]}: all are published, or none. 400 with `field` `ids[i]` naming the first "
            "id that is unknown or cannot be published (already published, withdrawn), and its reason. Answers "
            "{`published`: [ids]}.",
            body=_json_body(
                {
                    "type": "object",
                    "properties": {"ids": {"type": "array", "items": {"type": "integer"}, "minItems": 1}},
                    "required": ["ids"],
                    "additionalProperties": False,
                },
                {"ids": [101, 102, 103]},
            ),
            out={"type": "object", "properties": {"published": {"type": "array", "items": {"type": "integer"}}}},
        )
    }
