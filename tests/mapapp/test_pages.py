"""Plain page routes."""

import re

import pytest


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


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("2016-02-30", "is not a date as YYYY-MM-DD"),
        ("yesterday", "is not a date as YYYY-MM-DD"),
        ("2020-01-01", "1 January 2020 is outside this map’s dates (1 January 2014 to 31 December 2017)"),
    ],
)
def test_a_bad_date_in_the_map_url_opens_the_default_date_and_says_why(client, demo, raw, says):
    response = client.get("/maps/deir-ez-zor/", {"date": raw})
    assert response.status_code == 200
    assert response.context["date"] == demo.default_date
    notice = re.search(r'<p class="viewer-notice" data-date-problem role="alert">(.*?)<button', response.text, re.S)
    assert notice and says in notice.group(1)
    assert f"the map shows {demo.default_date.day} " in notice.group(1)


def test_the_date_notice_escapes_what_was_typed_and_speaks_arabic(client, demo):
    response = client.get("/maps/deir-ez-zor/", {"date": "<b>x</b>", "lang": "ar"})
    assert response.status_code == 200
    assert "<b>x</b>" not in response.text and "&lt;b&gt;x&lt;/b&gt;" in response.text
    notice = re.search(r"data-date-problem role=\"alert\">(.*?)<button", response.text, re.S).group(1)
    assert "ليس تاريخًا" in notice


def test_a_good_date_or_none_shows_no_notice(client, demo):
    assert "data-date-problem" not in client.get("/maps/deir-ez-zor/", {"date": "2016-06-01"}).text
    assert "data-date-problem" not in client.get("/maps/deir-ez-zor/").text
