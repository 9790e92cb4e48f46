"""Plain page routes."""


def test_home_page_lists_the_public_maps(client, demo):
    response = client.get("/")
    assert response.status_code == 200
    assert b'href="/maps/deir-ez-zor/"' in response.content


def test_favicon_requests_find_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert client.get(response["Location"]).status_code == 200


def test_unknown_map_page_is_a_404_page_not_json(client, db):
    response = client.get("/maps/nowhere/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_home_page_shows_the_demo_map_in_an_embed(client, demo):
    response = client.get("/")
    assert b'<iframe class="featured-embed" src="/embed/deir-ez-zor/"' in response.content
    assert "Siege of Deir ez-Zor, 2014–2017" in response.content.decode()


def test_home_page_in_arabic(client, demo):
    body = client.get("/?lang=ar").content.decode()
    assert 'dir="rtl"' in body
    assert "افتح الخريطة كاملة" in body
    assert "حصار دير الزور" in body
