"""Every documented public GET endpoint, every documented parameter, hostile values: never a 500.

The endpoints and their parameters come from the OpenAPI description (/api/v1/schema), so an endpoint added
there is covered here without a new test. Each bad value must give a 2xx (the value was acceptable or
ignored as documented) or a 4xx that says what is wrong: JSON {"error", "field"} from the API and oEmbed, a
page or text naming the parameter from embeds and pictures.
"""

import json

import pytest

from mapapp.openapi import schema

HOSTILE = [
    "",
    " ",
    "x",
    "2016-02-30",
    "2016-13-01",
    "0000-01-01",
    "9999-12-31",
    "٢٠١٦-٠٦-٠١",
    "0",
    "-1",
    "99999999999999999999999",
    "9" * 5000,  # more digits than int() reads
    "²",  # isdigit() says yes, int() says no
    "١٢",  # Arabic-Indic digits
    "1e309",
    "NaN",
    "\x00",
    "<script>alert(1)</script>",
    "2016-01-01'--",
    "%",
    "a" * 2000,
]


def _get_operations():
    for path, operations in schema()["paths"].items():
        operation = operations.get("get")
        if operation is None:
            continue
        query = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
        yield pytest.param(path, query, id=path)


def _check(response, path, name, value):
    where = f"GET {path} {name}={value[:30]!r}"
    assert response.status_code < 500 or response.status_code == 501, f"{where}: {response.status_code}"
    if response.status_code < 400:
        return
    # oEmbed 1.0 answers a format it cannot give with 501 Not Implemented.
    allowed = (400, 404, 501) if (path, name) == ("/oembed", "format") else (400, 404)
    assert response.status_code in allowed, f"{where}: {response.status_code}"
    body = response.content.decode("utf-8", "replace")
    if response["Content-Type"].startswith("text/html"):
        assert "<script>alert(1)</script>" not in body, f"{where}: the value came back unescaped"
    if response["Content-Type"].startswith("application/json"):
        error = json.loads(body)
        assert error.get("error"), f"{where}: no error message"
        if response.status_code in (400, 501):
            assert error.get("field") == name, f"{where}: the error names {error.get('field')!r}"
    else:
        assert name in body, f"{where}: the error does not name {name!r}: {body[:200]}"


@pytest.mark.parametrize(("path", "params"), list(_get_operations()))
def test_hostile_values_in_every_documented_parameter_never_give_a_500(client, demo, settings, path, params):
    settings.SITE_URL = "http://testserver"
    url = path.replace("{slug}", demo.slug)
    # The other parameters an endpoint requires, set right, so each bad value meets its own check.
    good = {"/oembed": {"url": f"http://testserver/maps/{demo.slug}/"}, "/api/v1/places": {"q": "joura"}}.get(path, {})
    for name in params:
        for value in HOSTILE:
            query = {**good, name: value}
            _check(client.get(url, query), path, name, value)
    # A parameter twice, and one nobody documented.
    for name in params:
        _check(client.get(f"{url}?{name}=2016-06-01&{name}=x", good), path, name, "twice")
    response = client.get(url, {**good, "colour": "red"})
    assert response.status_code < 500


@pytest.mark.parametrize("value", HOSTILE)
def test_the_map_page_takes_any_query_without_a_500(client, demo, value):
    for name in ("date", "lang", "renderer", "compare", "lat", "lng", "z"):
        response = client.get(f"/maps/{demo.slug}/", {name: value})
        assert response.status_code == 200, (name, value)
        assert "<script>alert(1)</script>" not in response.content.decode()
