"""The OpenAPI description tells the truth: every public GET path it lists, called on the demo with each of its
documented parameters, answers 200 with JSON of the shape it documents, and every GeoJSON answer is valid
(RFC 7946: geometries valid by shapely, rings closed, longitude/latitude in range, no NaN, ids strings or numbers).

The checker reads the subset of JSON Schema the description uses (type, enum, properties, required, items,
additionalProperties, minItems/maxItems, minimum, format: date), so no validator library is needed.
"""

import datetime as dt
import itertools
import math

import orjson
import pytest
import shapely
from shapely.geometry import shape

from mapapp.openapi import schema

DATES = ["2014-01-01", "2014-07-14", "2016-06-01", "2017-01-16", "2017-03-01", "2017-09-05", "2017-11-10", "2017-12-31"]
TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "null": type(None),
}


def problems(value, rules: dict, where: str = "$") -> list[str]:
    """What is wrong with `value` by the JSON Schema `rules` (the subset described above)."""
    found = []
    types = rules.get("type")
    if types is not None:
        types = [types] if isinstance(types, str) else types
        ok = any(
            isinstance(value, TYPES[name]) and not (isinstance(value, bool) and name in ("integer", "number"))
            for name in types
        )
        if not ok:
            return [f"{where}: {type(value).__name__} {str(value)[:60]!r}, documented as {'/'.join(types)}"]
    if "enum" in rules and value not in rules["enum"]:
        found.append(f"{where}: {value!r} is not one of {rules['enum']}")
    if isinstance(value, float) and not math.isfinite(value):
        found.append(f"{where}: {value} is not a finite number")
    if isinstance(value, int | float) and not isinstance(value, bool) and "minimum" in rules:
        if value < rules["minimum"]:
            found.append(f"{where}: {value} is below the minimum {rules['minimum']}")
    if isinstance(value, str) and rules.get("format") == "date":
        try:
            dt.date.fromisoformat(value)
            assert len(value) == 10
        except (ValueError, AssertionError):
            found.append(f"{where}: {value!r} is not a YYYY-MM-DD date")
    if isinstance(value, dict):
        for name in rules.get("required", []):
            if name not in value:
                found.append(f"{where}: {name!r} is missing")
        properties = rules.get("properties", {})
        extra = rules.get("additionalProperties", True)
        for name, item in value.items():
            if name in properties:
                found += problems(item, properties[name], f"{where}.{name}")
            elif extra is False:
                found.append(f"{where}: {name!r} is not documented")
            elif isinstance(extra, dict):
                found += problems(item, extra, f"{where}.{name}")
    if isinstance(value, list):
        if len(value) < rules.get("minItems", 0) or len(value) > rules.get("maxItems", math.inf):
            found.append(f"{where}: {len(value)} items, documented {rules.get('minItems')}..{rules.get('maxItems')}")
        if "items" in rules:
            for index, item in enumerate(value):
                found += problems(item, rules["items"], f"{where}[{index}]")
    return found


def geojson_problems(collection: dict) -> list[str]:
    """RFC 7946 for a FeatureCollection, with shapely's validity for each geometry."""
    found = []
    if collection.get("type") != "FeatureCollection" or not isinstance(collection.get("features"), list):
        return ["not a FeatureCollection"]
    for index, feature in enumerate(collection["features"]):
        where = f"features[{index}]"
        if feature.get("type") != "Feature" or "properties" not in feature or "geometry" not in feature:
            found.append(f"{where}: not a Feature with geometry and properties")
            continue
        if "id" in feature and not isinstance(feature["id"], str | int | float):
            found.append(f"{where}: id {feature['id']!r} is neither a string nor a number")
        geometry = feature["geometry"]
        if geometry is None:
            continue
        rings = []
        if geometry["type"] == "Polygon":
            rings = geometry["coordinates"]
        elif geometry["type"] == "MultiPolygon":
            rings = [ring for polygon in geometry["coordinates"] for ring in polygon]
        for ring in rings:
            if len(ring) < 4 or ring[0] != ring[-1]:
                found.append(f"{where}: a ring is not closed ({len(ring)} positions)")
        geom = shape(geometry)
        coords = shapely.get_coordinates(geom)
        if geom.is_empty:
            found.append(f"{where}: empty {geometry['type']}")
        elif not geom.is_valid:
            found.append(f"{where}: invalid: {shapely.is_valid_reason(geom)}")
        if not all(math.isfinite(c) for c in coords.flat):
            found.append(f"{where}: NaN or infinite coordinates")
        elif not ((coords[:, 0] >= -180).all() and (coords[:, 0] <= 180).all() and (abs(coords[:, 1]) <= 90).all()):
            found.append(f"{where}: coordinates out of longitude/latitude range (latitude first?)")
    return found


def documented_values(parameter: dict, demo) -> list[str]:
    """Values a reader would send for a documented parameter."""
    rules = parameter["schema"]
    name = parameter["name"]
    special = {
        "url": ["http://testserver/maps/deir-ez-zor/?date=2016-06-01&lang=ar", "/embed/deir-ez-zor/?theme=dark"],
        "q": ["joura", "دير الزور"],
        "map": [demo.slug],
        "v": [str(type(demo).objects.get(pk=demo.pk).data_version)],  # the record bumped it after loading
        "maxwidth": ["300", "5000"],
        "maxheight": ["150"],
        "type": ["Battles", "Battles,Shelling"],
        "bbox": ["39.9,35.2,40.3,35.5", "-180,-90,180,90"],
    }
    if name in special:
        return special[name]
    if "enum" in rules:
        return list(rules["enum"])
    if rules.get("format") == "date":
        return DATES
    if rules.get("type") == "boolean":
        return ["true", "false"]
    if rules.get("type") == "integer":
        return [str(rules.get("minimum", 1)), str(rules.get("maximum", 10))]
    raise AssertionError(f"no value for {name} {rules}")


def json_get_paths():
    for path, operations in schema()["paths"].items():
        operation = operations.get("get")
        if operation is None or operation.get("security"):
            continue
        if "application/json" not in operation["responses"]["200"].get("content", {}):
            continue  # HTML, a picture or a file: checked elsewhere (the GeoJSON export below)
        yield pytest.param(path, operation, id=path)


@pytest.mark.parametrize(("path", "operation"), list(json_get_paths()))
def test_every_answer_is_what_the_description_says(client, demo, settings, path, operation):
    settings.SITE_URL = "http://testserver"
    url = path.replace("{slug}", demo.slug)
    answer = operation["responses"]["200"]["content"]["application/json"].get("schema")
    assert answer, f"{path}: the description does not say what it answers"
    queries = operation.get("parameters", [])
    required = {p["name"]: documented_values(p, demo)[0] for p in queries if p["in"] == "query" and p["required"]}
    calls = [dict(required)]
    for parameter in queries:
        if parameter["in"] == "query":
            calls += [{**required, parameter["name"]: value} for value in documented_values(parameter, demo)]
    if {"from", "to"} <= {p["name"] for p in queries}:  # every documented range the demo offers
        calls += [{"from": a, "to": b} for a, b in itertools.combinations(DATES, 2)]
    for query in calls:
        response = client.get(url, query)
        assert response.status_code == 200, f"GET {url} {query}: {response.status_code} {response.content[:300]}"
        body = orjson.loads(response.content)
        wrong = problems(body, answer)
        assert not wrong, f"GET {url} {query}:\n" + "\n".join(wrong[:10])
        if body.get("type") == "FeatureCollection":
            wrong = geojson_problems(body)
            assert not wrong, f"GET {url} {query}:\n" + "\n".join(wrong[:10])


def test_the_geojson_export_is_valid_geojson(client, demo):
    for query in ({"format": "geojson"}, {"format": "geojson", "date": "2017-03-01"}):
        response = client.get(f"/api/v1/maps/{demo.slug}/export", query)
        assert response.status_code == 200
        wrong = geojson_problems(orjson.loads(response.content))
        assert not wrong, f"{query}:\n" + "\n".join(wrong[:10])


def test_the_description_covers_the_v1_contract():
    """PRODUCT.md's v1 table: each read is described, with the properties it promises."""
    paths = schema()["paths"]

    def properties(path, *keys):
        node = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        for key in keys:
            node = node["properties"][key] if key != "[]" else node["items"]
        return set(node["properties"])

    feature = ("features", "[]", "properties")
    assert {"slug", "title", "start", "end", "default_date", "bbox"} <= properties("/api/v1/maps/", "maps", "[]")
    assert {"place", "name_en", "name_ar", "kind", "actor", "actor_name", "color", "status", "since", "besieged",
            "confidence", "sources"} <= properties("/api/v1/maps/{slug}/zones", *feature)  # fmt: skip
    assert {"date", "place", "name_en", "name_ar", "from_actor", "to_actor", "status", "confidence",
            "sources"} <= properties("/api/v1/maps/{slug}/changes", "changes", "[]")  # fmt: skip
    assert {"actors", "length_km"} <= properties("/api/v1/maps/{slug}/fronts", *feature)
    assert {"siege", "name", "besieged_actor", "besieging_actors", "start", "end", "days", "places"} <= properties(
        "/api/v1/maps/{slug}/sieges", *feature
    )
    assert {"start", "end", "events"} <= properties("/api/v1/maps/{slug}/timeline")
    assert {"actor", "enclosed", "area_km2", "places", "siege"} <= properties("/api/v1/maps/{slug}/pockets", *feature)
    assert {"actors", "series"} <= properties("/api/v1/maps/{slug}/stats/area")
    assert {"slug", "name_en", "name_ar", "kind", "score", "point"} <= properties("/api/v1/places", "results", "[]")
