"""A reader who follows a wrong link, or moves between pages, keeps the language they were reading in."""

import re

import pytest


@pytest.mark.parametrize(
    ("query", "lang", "title", "home"),
    [
        ("", "en", "Page not found", 'href="/"'),
        ("?lang=ar", "ar", "الصفحة غير موجودة", 'href="/?lang=ar"'),
    ],
)
@pytest.mark.parametrize("path", ["/maps/nowhere/", "/no-such-page"])
def test_a_wrong_address_gets_a_page_in_the_readers_language_leading_home(client, db, path, query, lang, title, home):
    # Before: a bare English "Not Found" page without a way back, whatever the language.
    response = client.get(path + query)
    assert response.status_code == 404
    body = response.content.decode()
    assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in body
    assert f"<h1>{title}</h1>" in body
    assert re.search(re.escape(home) + r">[^<]+</a>", body)


def test_a_wrong_api_address_is_still_json(client, db):
    response = client.get("/api/v1/maps/nowhere/timeline")
    assert response.status_code == 404
    assert response.json()["error"]


def test_links_between_pages_keep_arabic(client, demo):
    home = client.get("/?lang=ar").content.decode()
    # Before: the list of maps on the Arabic home page opened the maps in English.
    assert re.search(r'<li>\s*<a href="/maps/deir-ez-zor/\?lang=ar">', home)
    page = client.get("/maps/deir-ez-zor/?lang=ar").content.decode()
    assert '<a class="brand" href="/?lang=ar">' in page
    english = client.get("/maps/deir-ez-zor/").content.decode()
    assert '<a class="brand" href="/">' in english


def test_the_admin_login_says_frontline_atlas(client, db):
    # An anonymous visitor at /admin/ is sent to the login page, which named "Django administration".
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/admin/login/")
    body = response.content.decode()
    assert "Frontline Atlas" in body and "Django administration" not in body
