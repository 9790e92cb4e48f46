"""What a newsroom's link checker, a CDN and a client-side script see of the public endpoints, whatever their
answer: HEAD works wherever GET does, and the reads may be fetched from pages of other origins (CORS).

The endpoints come from the OpenAPI description, so one added there is covered here without a new test.
"""

import pytest

from mapapp.openapi import schema

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


@pytest.mark.parametrize("path", list(public_get_paths()))
def test_head_answers_wherever_get_does(client, demo, site, path):
    url = path.replace("{slug}", demo.slug)
    query = GOOD.get(path, {})
    got = client.get(url, query)
    assert got.status_code == 200, got.content[:300]
    head = client.head(url, query)
    assert head.status_code == 200, f"HEAD {url}: {head.status_code} {head.content[:200]!r}"
    assert head.content == b""
    assert head["Content-Type"] == got["Content-Type"]
    # ...and so do its errors: an unknown map is a 404, not a 405.
    if "{slug}" in path:
        assert client.head(path.replace("{slug}", "no-such-map"), query).status_code == 404
