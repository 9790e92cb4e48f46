"""What a newsroom's link checker, a CDN and a client-side script see of the public endpoints, whatever their
answer: HEAD works wherever GET does, and the reads may be fetched from pages of other origins (CORS).

The endpoints come from the OpenAPI description, so one added there is covered here without a new test.
"""

import orjson
import pytest

from mapapp.openapi import schema
from tests.conftest import ogc_item_id
from tests.jobs import run_jobs

# A query that gives a 200 for each documented GET path that needs one.
GOOD = {
    "/oembed": {"url": "http://testserver/maps/deir-ez-zor/"},
    "/api/v1/places": {"q": "joura"},
    "/api/v1/maps/{slug}/export": {"date": "2016-06-01", "format": "csv"},
    "/embed/{slug}/image.png": {"date": "2016-06-01", "width": "200", "height": "150"},
}


def public_get_paths():
    for path, operations in schema()["paths"].items():
        operation = operations.get("get")
        if operation is None or operation.get("security"):
            continue  # the write API's GETs are for editors
        yield pytest.param(path, id=path)


@pytest.fixture
def site(settings, tmp_path):
    settings.SITE_URL = "http://testserver"
    settings.EMBED_IMAGE_CACHE_DIR = tmp_path / "images"
    settings.FILM_CACHE_DIR = tmp_path / "films"


def address(client, demo, path: str) -> str:
    """The path with its parameters filled in from the demo; a film's (its job, its file) from a film really made:
    a one-frame GIF, asked for and made by the worker."""
    if "/films/" in path:
        body = orjson.dumps({"from": "2017-01-16", "to": "2017-01-16"})
        asked = orjson.loads(
            client.post(f"/api/v1/maps/{demo.slug}/films", body, content_type="application/json").content
        )
        run_jobs()
        if path.startswith("/api/"):
            return asked["status_url"]
        return orjson.loads(client.get(asked["status_url"]).content)["url"]
    return path.replace("{slug}", demo.slug).replace("{item_id}", str(ogc_item_id(path, demo)))


@pytest.mark.parametrize("path", list(public_get_paths()))
def test_head_answers_wherever_get_does(client, demo, site, path):
    url = address(client, demo, path)
    query = GOOD.get(path, {})
    got = client.get(url, query)
    assert got.status_code == 200, got.content[:300]
    head = client.head(url, query)
    assert head.status_code == 200, f"HEAD {url}: {head.status_code} {head.content[:200]!r}"
    assert (b"".join(head.streaming_content) if head.streaming else head.content) == b""
    assert head["Content-Type"] == got["Content-Type"]
    # ...and so do its errors: an unknown map is a 404, not a 405.
    if "{slug}" in path:
        missing = url.replace(f"/{demo.slug}", "/no-such-map", 1)
        assert client.head(missing, query).status_code == 404


ORIGIN = {"HTTP_ORIGIN": "https://news.example"}


EMBED_PAGE = "/embed/{slug}/"  # a page for iframes, not data: framing is governed by frame-ancestors


@pytest.mark.parametrize("path", [p for p in public_get_paths() if p.values[0] != EMBED_PAGE])
def test_public_reads_may_be_fetched_from_other_origins(client, demo, site, path):
    url = address(client, demo, path)
    response = client.get(url, GOOD.get(path, {}), **ORIGIN)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert "ETag" in response["Access-Control-Expose-Headers"]
    # A script can read why it was refused.
    refused = client.get(url, {**GOOD.get(path, {}), "colour": "red"}, **ORIGIN)
    if refused.status_code >= 400:
        assert refused["Access-Control-Allow-Origin"] == "*"


def test_the_embed_page_is_framed_not_read_by_other_origins_scripts(client, demo, site):
    response = client.get(EMBED_PAGE.replace("{slug}", demo.slug), **ORIGIN)
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response
    assert "frame-ancestors *" in response["Content-Security-Policy"]


def test_a_preflight_for_a_read_is_answered_and_one_for_a_write_is_not(client, demo):
    preflight = {
        **ORIGIN,
        "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "GET",
        "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "if-none-match",
    }
    response = client.options("/api/v1/maps/deir-ez-zor/zones", **preflight)
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "If-None-Match" in response["Access-Control-Allow-Headers"]

    match = {
        **ORIGIN,
        "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST",
        "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "content-type",
    }
    response = client.options("/api/v1/places/match", **match)
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response["Access-Control-Allow-Methods"]
    response = client.post("/api/v1/places/match", {"text": "al-Joura"}, content_type="application/json", **ORIGIN)
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"

    # Recording a change is for editors: no CORS, so a page elsewhere cannot even send it.
    for path in ("/api/v1/maps/deir-ez-zor/changes", "/api/v1/changes/1/publish"):
        response = client.options(path, **match)
        assert "Access-Control-Allow-Origin" not in response, path
    response = client.post("/api/v1/maps/deir-ez-zor/changes", {}, content_type="application/json", **ORIGIN)
    assert response.status_code in (401, 403) and "Access-Control-Allow-Origin" not in response
    # Pages are not data: no CORS on the map page.
    assert "Access-Control-Allow-Origin" not in client.get("/maps/deir-ez-zor/", **ORIGIN)
