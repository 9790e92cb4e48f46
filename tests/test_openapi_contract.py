"""The OpenAPI description tells the truth, both ways.

From the server to the description: every public GET path it lists, called on the demo with each of its
documented parameters, answers 200 with JSON of the shape it documents, and every GeoJSON answer is valid
(RFC 7946: geometries valid by shapely, rings closed, longitude/latitude in range, no NaN, ids strings or numbers).
The checker reads the subset of JSON Schema the description uses (type, enum, properties, required, items,
additionalProperties, minItems/maxItems, minimum, format: date).

From the description to the server: schemathesis generates requests the description calls valid (its examples,
the boundaries of every limit, then random ones; deterministic and bounded) for every public operation, and each
must get a 2xx answer of the documented status, content type and schema. Where validity depends on data rather
than on the schema, the request is first moved onto the demo (see `onto_the_demo`), and the refusals it would
otherwise get are checked by their own test below.
"""

import datetime as dt
import itertools
import math
import re

import hypothesis
import orjson
import pytest
import schemathesis
import shapely
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from shapely.geometry import shape

from mapapp import timelapse
from mapapp.openapi import FILM_DONE, FILM_JOB, schema
from mapapp.services import films
from tests.conftest import ogc_item_id
from tests.jobs import run_jobs

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
        # issue 16: the record before the demo was loaded (empty) and after; OGC's JSON (f=html is a page)
        "as_of": ["2000-01-01T00:00:00Z", "2100-01-01"],
        "f": ["json"],
        "datetime": ["2016-06-01", "2016-01-01/2016-12-31", "../2015-01-01", "2017-01-16/.."],
        "place": ["al-joura"],
        "zone": ["al-joura"],
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


JSON_MEDIA = ("application/json", "application/geo+json")
# Reads of what a background job made: no request the schema can generate names one before the job has run, so
# these are checked on a film really made (test_a_film_is_answered_as_described), not generated.
MADE_BY_A_JOB = {"/api/v1/films/{id}", "/maps/{slug}/films/{name}"}


def json_get_paths():
    for path, operations in schema()["paths"].items():
        operation = operations.get("get")
        if operation is None or operation.get("security") or path in MADE_BY_A_JOB:
            continue
        content = operation["responses"]["200"].get("content", {})
        media = next((media for media in JSON_MEDIA if "schema" in content.get(media, {})), None)
        if media is None:
            continue  # HTML, a picture or a file: checked elsewhere (the GeoJSON export below)
        yield pytest.param(path, operation, media, id=path)


@pytest.mark.parametrize(("path", "operation", "media"), list(json_get_paths()))
def test_every_answer_is_what_the_description_says(client, demo, settings, path, operation, media):
    settings.SITE_URL = "http://testserver"
    url = path.replace("{slug}", demo.slug).replace("{item_id}", str(ogc_item_id(path, demo)))
    answer = operation["responses"]["200"]["content"][media].get("schema")
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
        assert response["Content-Type"] == media, f"GET {url}: served as {response['Content-Type']}"
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
    """docs/contract.md's read API table: each read is described, with the properties it promises."""
    paths = schema()["paths"]

    def properties(path, *keys):
        content = paths[path]["get"]["responses"]["200"]["content"]
        node = next(content[media] for media in JSON_MEDIA if media in content)["schema"]
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


# --- Schema-valid requests get a 2xx answer (schemathesis) -----------------------------------------------------

# Bounded and deterministic: the same requests on every run, no example database, no network (the requests go
# to Django's WSGI handler in this process). Examples and boundary values come first, then a few random ones.
CONTRACT = SchemathesisConfig.from_dict(
    {
        "generation": {"mode": "positive", "max-examples": 10, "deterministic": True, "database": "none"},
        "phases": {"stateful": {"enabled": False}},
        # Drawing a picture takes 100-500 ms where a JSON read takes 5-50: the picture gets its examples and a
        # few random requests, not the 30 boundary combinations of its eight options (test_embed_image has those).
        "operations": [
            {
                "include-path": "/embed/{slug}/image.png",
                "generation": {"max-examples": 4},
                "phases": {"coverage": {"enabled": False}},
            }
        ],
    }
)
# The write API is left out: a valid write needs an editor's token and the record in a given state (a draft to
# publish, places of the map, a date not in the future), which no schema says; tests/mapapp/test_api_write*.py
# covers it case by case.
PUBLIC = schemathesis.openapi.from_dict(schema(), config=CONTRACT).exclude(
    func=lambda ctx: bool(ctx.operation.definition.raw.get("security")) or ctx.operation.path in MADE_BY_A_JOB
)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def app(settings, tmp_path):
    """Django's WSGI handler, called in this thread so it sees the test's transaction. A real request closes
    the database connection when it ends (close_old_connections), which would end the test's transaction: Django's
    test client switches that off in the same way."""
    settings.EMBED_IMAGE_CACHE_DIR = tmp_path / "images"
    settings.SITE_URL = "http://localhost"
    # Hundreds of generated requests from one client in seconds: the per-client limits (tested on their own in
    # tests/mapapp/test_rate_limits.py) would answer most of them 429 and leave the rest of the contract untested.
    settings.RATE_LIMIT_PLACES_MATCH = settings.RATE_LIMIT_PICTURES = settings.RATE_LIMIT_FILMS = 0
    settings.FILM_CACHE_DIR = tmp_path / "films"
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _fold(raw: str, first: dt.date, last: dt.date) -> str:
    """A real day moved into first..last, the same way every time."""
    day = dt.date.fromisoformat(raw)
    return (first + dt.timedelta(days=day.toordinal() % ((last - first).days + 1))).isoformat()


def onto_the_demo(case, demo) -> list[str]:
    """Move a schema-valid request onto what the demo holds, where validity depends on data, not on the schema,
    and say what was moved. Each refusal this avoids is documented in the description and tested below:
    - a map slug (path, `map`) and oEmbed's `url` must name a map that exists: the demo's;
    - a map read's dates must be inside the map's own dates (the schema allows any real day): folded into them,
      except `/changes`, which takes any real day;
    - `from` must not be after `to` when both are given: swapped; the embed's `date` must be inside its
      `from`..`to`: folded into them;
    - the events' `bbox` must have west < east and south < north: replaced by the demo's area;
    - the events' `zone` must be a zone of the map: al-joura; the export's events are not Linked Places: geojson;
    - a film's dates (in its body) inside the map's, `from` not after `to`, and at most MAX_FRAMES frames.
    """
    moved = []
    if "slug" in (case.path_parameters or {}):
        case.path_parameters["slug"] = demo.slug
    query = case.query if isinstance(case.query, dict) else {}
    if "map" in query:
        query["map"] = demo.slug
    if isinstance(case.body, dict) and "map" in case.body:
        case.body["map"] = demo.slug
    if case.operation.path.endswith("/films") and isinstance(case.body, dict):
        moved += _film_onto_the_demo(case.body, demo)
    if "url" in query:
        urls = [f"/maps/{demo.slug}/", f"http://localhost/embed/{demo.slug}/?date=2017-01-16&theme=dark"]
        query["url"] = urls[len(str(query["url"])) % len(urls)]
    any_day = case.operation.path.endswith("/changes")
    for name in ("date", "from", "to"):
        if name in query and not any_day:
            folded = _fold(query[name], demo.start, demo.end)
            if folded != query[name]:
                moved.append(f"{name} outside the map's dates")
                query[name] = folded
    if "place" in query:  # the feeds: a place the gazetteer holds
        query["place"] = "al-joura"
    if "zone" in query:  # the events of a zone: one of the map's zones
        query["zone"] = "al-joura"
    if query.get("layer") == "events" and query.get("format") == "lpf":  # Linked Places is for zones only
        moved.append("events as lpf")
        query["format"] = "geojson"
    if "item_id" in (case.path_parameters or {}):  # an OGC item: one of the demo's control periods, or its event
        case.path_parameters["item_id"] = ogc_item_id(case.operation.path, demo)
    if "/" in str(query.get("datetime", "")):  # an OGC interval: its start not after its end
        first, last = query["datetime"].split("/")
        if ".." not in (first, last) and first > last:
            moved.append("datetime interval backwards")
            query["datetime"] = f"{last}/{first}"
    if "bbox" in query:  # a bbox (events, OGC) must have west < east and south < north: the demo's area instead
        west, south, east, north = (float(part) for part in str(query["bbox"]).split(","))
        if not (west < east and south < north):
            moved.append("bbox corners out of order")
            query["bbox"] = "39.9,35.2,40.3,35.5"
    if "from" in query and "to" in query and query["from"] > query["to"]:
        moved.append("from after to")
        query["from"], query["to"] = query["to"], query["from"]
    if (
        case.operation.path.startswith("/embed/{slug}/")
        and "date" in query
        and not case.operation.path.endswith(".png")
    ):
        first = dt.date.fromisoformat(query.get("from", demo.start.isoformat()))
        last = dt.date.fromisoformat(query.get("to", demo.end.isoformat()))
        folded = _fold(query["date"], first, last)
        if folded != query["date"]:
            moved.append("date outside from..to")
            query["date"] = folded
    return moved


def _film_onto_the_demo(body: dict, demo) -> list[str]:
    moved = []
    for name in ("from", "to"):
        if name in body and _fold(body[name], demo.start, demo.end) != body[name]:
            moved.append(f"film {name} outside the map's dates")
            body[name] = _fold(body[name], demo.start, demo.end)
    first = dt.date.fromisoformat(body.get("from", demo.start.isoformat()))
    last = dt.date.fromisoformat(body.get("to", demo.end.isoformat()))
    if first > last:
        moved.append("film from after to")
        first, last = last, first
    frames = len(timelapse.frame_dates(first, last, body.get("step", "week")))
    if frames > films.MAX_FRAMES:
        moved.append("film of too many frames")
        last = first + dt.timedelta(days=films.MAX_FRAMES - 1)
    body["from"], body["to"] = first.isoformat(), last.isoformat()
    return moved


# Schemathesis asks for gzip by default and reads the body as it comes over WSGI, undecoded: ask for the plain
# bytes (compression has its own tests, tests/mapapp/test_compression.py).
PLAIN = {"Accept-Encoding": "identity"}


@PUBLIC.parametrize()
@hypothesis.settings(
    deadline=None,
    # The demo is loaded once for all the requests of an operation: they only read it.
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture, hypothesis.HealthCheck.too_slow],
)
def test_every_schema_valid_request_is_answered(case, demo, app):
    onto_the_demo(case, demo)
    response = case.call(app=app, headers=PLAIN)
    if response.status_code == 302 and "v" in case.query:
        # Documented: a `v` other than the current data version sends the client to the current one.
        current = type(demo).objects.get(pk=demo.pk).data_version
        assert case.query["v"] != current
        assert f"v={current}" in response.headers["location"][0], response.headers
        case.validate_response(response, checks=CHECKS)
        case.query["v"] = current
        response = case.call(app=app, headers=PLAIN)
    assert 200 <= response.status_code < 300, (
        f"{case.operation.label} {case.query} {case.body if isinstance(case.body, dict) else ''}: "
        f"{response.status_code} {response.content[:300]!r}"
    )
    case.validate_response(response, checks=CHECKS)


def test_a_film_is_answered_as_described(client, demo, settings, tmp_path):
    """The film's three operations on a film really made: asked (202, then 200 once made), its job's status, and
    the file, each as the description says."""
    settings.FILM_CACHE_DIR = tmp_path / "films"
    operations = schema()["paths"]
    status_schema = operations["/api/v1/films/{id}"]["get"]["responses"]["200"]["content"]["application/json"]
    body = operations["/api/v1/maps/{slug}/films"]["post"]["requestBody"]["content"]["application/json"]["example"]
    asked = client.post(f"/api/v1/maps/{demo.slug}/films", data=orjson.dumps(body), content_type="application/json")
    assert asked.status_code == 202 and not problems(orjson.loads(asked.content), FILM_JOB)
    status_url = orjson.loads(asked.content)["status_url"]
    queued = orjson.loads(client.get(status_url).content)
    assert queued["state"] == "queued" and not problems(queued, status_schema["schema"])
    assert run_jobs() >= 1
    done = orjson.loads(client.get(status_url).content)
    assert done["state"] == "done" and not problems(done, status_schema["schema"])
    again = client.post(f"/api/v1/maps/{demo.slug}/films", data=orjson.dumps(body), content_type="application/json")
    assert again.status_code == 200 and not problems(orjson.loads(again.content), FILM_DONE)
    name_pattern = operations["/maps/{slug}/films/{name}"]["get"]["parameters"][1]["schema"]["pattern"]
    assert re.match(name_pattern, done["url"].rsplit("/", 1)[1])
    download = client.get(done["url"])
    assert download.status_code == 200 and download["Content-Type"] == "image/gif"
    assert client.get("/api/v1/films/999999").status_code == 404


# What the schema cannot say, the server refuses as the description says, naming the parameter.
REFUSED_BY_DATA = [
    ("/api/v1/maps/{slug}/zones", {"date": "2013-12-31"}, "date", "outside this map's dates"),
    ("/api/v1/maps/{slug}/fronts", {"date": "2018-01-01"}, "date", "outside this map's dates"),
    ("/api/v1/maps/{slug}/sieges", {"date": "1999-01-01"}, "date", "outside this map's dates"),
    ("/api/v1/maps/{slug}/pockets", {"date": "2030-01-01"}, "date", "outside this map's dates"),
    ("/api/v1/maps/{slug}/export", {"date": "2013-12-31"}, "date", "outside this map's dates"),
    ("/api/v1/maps/{slug}/stats/area", {"from": "2013-06-01"}, "from", "outside this map's dates"),
    ("/api/v1/maps/{slug}/stats/area", {"from": "2016-02-01", "to": "2016-01-01"}, "from", "is after to"),
    ("/api/v1/maps/{slug}/changes", {"from": "2016-02-01", "to": "2016-01-01"}, "from", "is after to"),
    ("/embed/{slug}/image.png", {"date": "2018-01-01"}, "date", "outside this map's dates"),
    ("/api/v1/places", {"q": "Joura", "map": "no-such-map"}, None, "no map 'no-such-map'"),
    ("/oembed", {"url": "https://elsewhere.example/maps/deir-ez-zor/"}, "url", "not a map of this site"),
    ("/maps/{slug}/feed.atom", {"place": "no-such-place"}, "place", "no place 'no-such-place'"),
    ("/ogc/collections/{slug}/items", {"datetime": "2017-01-01/2016-01-01"}, "datetime", "starts after it ends"),
    ("/ogc/collections/{slug}/items", {"bbox": "40,36,41,35"}, "bbox", "south <= north"),
    ("/api/v1/maps/{slug}/events", {"zone": "no-such-zone"}, "zone", "is not a zone of the map"),
    ("/api/v1/maps/{slug}/export", {"layer": "events", "format": "lpf"}, "format", "must be one of geojson, csv"),
]


@pytest.mark.parametrize(("path", "query", "field", "message"), REFUSED_BY_DATA)
def test_what_the_schema_cannot_say_is_refused_as_documented(client, demo, settings, tmp_path, path, query, field,
                                                             message):  # fmt: skip
    settings.EMBED_IMAGE_CACHE_DIR = tmp_path / "images"
    operation = schema()["paths"][path]["get"]
    documented = " ".join(p.get("description", "") for p in operation["parameters"]) + operation.get("description", "")
    assert "404" in documented or "400" in documented or "after `to`" in documented, path
    response = client.get(path.replace("{slug}", demo.slug), query)
    body = orjson.loads(response.content)
    assert response.status_code == (404 if field is None or "site" in message else 400), body
    assert message in body["error"] and body.get("field") == field, body


def test_one_bound_of_changes_alone_is_an_empty_range_not_a_refusal(client, demo):
    """`from` after the map's end (or `to` before its start) with the other bound left out: no changes, not a
    400 (the default bound follows the given one)."""
    for query in ({"from": "2019-01-01"}, {"to": "2013-01-01"}):
        response = client.get(f"/api/v1/maps/{demo.slug}/changes", query)
        assert response.status_code == 200, response.content
        assert orjson.loads(response.content)["changes"] == []
