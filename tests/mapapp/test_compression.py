"""Compressed answers: brotli or gzip as the client accepts, Vary: Accept-Encoding, never a page with a CSRF token
(BREACH); GeoJSON answers say application/geo+json."""

from __future__ import annotations

import gzip

import brotli
import pytest

from mapapp.compression import choose_coding

GEOMETRY = "/api/v1/maps/deir-ez-zor/geometry"


@pytest.mark.parametrize(
    ("header", "coding"),
    [
        ("gzip, deflate, br", "br"),
        ("gzip", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("gzip;q=1.0, br;q=0.5", "gzip"),
        ("identity", None),
        ("", None),
        ("*", "br"),
        ("*;q=0", None),
        ("gzip;q=nonsense, br", "br"),
    ],
)
def test_the_coding_follows_accept_encoding(header, coding):
    assert choose_coding(header) == coding


def test_geometry_comes_compressed_with_brotli_or_gzip_and_the_same_bytes_inside(client, demo):
    plain = client.get(GEOMETRY)
    assert "Content-Encoding" not in plain
    assert "Accept-Encoding" in plain["Vary"]
    assert plain["Content-Type"] == "application/geo+json"
    br = client.get(GEOMETRY, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert br["Content-Encoding"] == "br"
    assert "Accept-Encoding" in br["Vary"]
    assert brotli.decompress(br.content) == plain.content
    assert int(br["Content-Length"]) == len(br.content) < len(plain.content) / 5
    gz = client.get(GEOMETRY, HTTP_ACCEPT_ENCODING="gzip")
    assert gz["Content-Encoding"] == "gzip"
    assert gzip.decompress(gz.content) == plain.content
    # Other bytes, the same meaning: a weak ETag, which still revalidates to a 304 that varies the same way.
    assert br["ETag"] == "W/" + plain["ETag"]
    again = client.get(GEOMETRY, HTTP_ACCEPT_ENCODING="br", HTTP_IF_NONE_MATCH=br["ETag"])
    assert again.status_code == 304
    assert "Accept-Encoding" in again["Vary"]


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/v1/maps/deir-ez-zor/zones", "application/geo+json"),
        ("/api/v1/maps/deir-ez-zor/fronts", "application/geo+json"),
        ("/api/v1/maps/deir-ez-zor/sieges", "application/geo+json"),
        ("/api/v1/maps/deir-ez-zor/pockets", "application/geo+json"),
        ("/api/v1/maps/deir-ez-zor/history", "application/json"),
        ("/api/v1/maps/deir-ez-zor/timeline", "application/json"),
        ("/api/v1/maps/deir-ez-zor/changes", "application/json"),
        ("/api/v1/maps/deir-ez-zor/export?format=geojson", "application/geo+json"),
        ("/api/v1/maps/deir-ez-zor/export?format=csv", "text/csv; charset=utf-8"),
        ("/api/v1/maps/", "application/json"),
        ("/api/v1/schema", "application/json"),
        ("/maps/deir-ez-zor/", "text/html; charset=utf-8"),
    ],
)
def test_every_json_geojson_and_page_answer_is_compressed(client, demo, path, content_type):
    response = client.get(path, HTTP_ACCEPT_ENCODING="br")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Encoding"] == "br"
    assert "Accept-Encoding" in response["Vary"]
    assert brotli.decompress(response.content)


def test_a_page_carrying_a_csrf_token_is_never_compressed(client, demo):
    login = client.get("/admin/login/", HTTP_ACCEPT_ENCODING="gzip, br")
    assert login.status_code == 200
    assert b"csrfmiddlewaretoken" in login.content  # the secret BREACH would guess byte by byte
    assert "Content-Encoding" not in login


def test_pictures_are_not_compressed_again(client, demo, settings, tmp_path):
    settings.EMBED_IMAGE_CACHE_DIR = tmp_path
    response = client.get("/embed/deir-ez-zor/image.png?width=300&height=200", HTTP_ACCEPT_ENCODING="br")
    assert response.status_code == 200
    assert "Content-Encoding" not in response
    assert response.content.startswith(b"\x89PNG")
