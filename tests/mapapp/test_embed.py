"""The embed page, who may frame it, cookies, oEmbed and the map page's link previews (issue #7)."""

import datetime as dt
import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict

from mapapp import embed, services
from mapapp.models import Map
from tests.conftest import World, loaded_once_per_module

D = dt.date.fromisoformat


def _build_small_map():
    world = World()
    world.actor("gov", "#c62828")
    world.actor("isis", "#3b3b3b")
    for index, slug in enumerate(["north", "middle", "south"]):
        world.place(slug, x=0.0, y=index * 0.01, name_ar=f"حي {index}")
    world.change("2015-01-01", ["north", "middle", "south"], "gov")
    world.change("2016-03-01", ["north"], "isis")
    return world.map().pk


# Built once for the module (about a hundred tests read it); each test's writes are still rolled back.
_small_map_once = loaded_once_per_module(_build_small_map)


@pytest.fixture
def small_map(_small_map_once, db):
    return Map.objects.get(pk=_small_map_once)  # a fresh instance: a test may change its own


@pytest.fixture
def site(settings):
    settings.SITE_URL = "https://atlas.example"
    settings.ALLOWED_HOSTS = ["testserver", "atlas.example"]
    return settings.SITE_URL


def framed_map(world, slug, frame_ancestors):
    """A one-year map of the world's zones that the given sites may frame."""
    return services.map_create(
        slug=slug,
        title_en=slug.title(),
        start=D("2015-01-01"),
        end=D("2015-12-31"),
        default_date=D("2015-06-01"),
        zones=list(world.places.values()),
        frame_ancestors=frame_ancestors,
    )


def options(map_, query, lang="en"):
    return embed.parse_embed_options(map_, QueryDict(query), default_lang=lang)


# --- Options ------------------------------------------------------------------------------------------------


def test_options_default_to_the_maps_default_date_and_full_range(small_map):
    parsed = options(small_map, "")
    assert (parsed.date, parsed.first, parsed.last) == (D("2016-01-01"), D("2015-01-01"), D("2017-12-31"))
    assert (parsed.lang, parsed.controls, parsed.legend, parsed.theme) == ("en", "slider", True, "light")
    assert (parsed.zoom, parsed.center) == (None, None)


def test_every_option_is_read(small_map):
    parsed = options(
        small_map,
        "date=2016-05-01&from=2016-01-01&to=2016-12-31&lang=ar&controls=none&legend=off&zoom=12"
        "&center=35.33,40.14&theme=dark",
    )
    assert (parsed.date, parsed.first, parsed.last) == (D("2016-05-01"), D("2016-01-01"), D("2016-12-31"))
    assert (parsed.lang, parsed.controls, parsed.legend, parsed.theme) == ("ar", "none", False, "dark")
    assert (parsed.zoom, parsed.center) == (12, (35.33, 40.14))
    assert parsed.query(small_map) == {
        "date": "2016-05-01",
        "from": "2016-01-01",
        "to": "2016-12-31",
        "lang": "ar",
        "controls": "none",
        "legend": "off",
        "zoom": "12",
        "center": "35.33,40.14",
        "theme": "dark",
    }


def test_default_date_moves_into_a_range_that_leaves_it_out(small_map):
    assert options(small_map, "from=2017-02-01").date == D("2017-02-01")
    assert options(small_map, "to=2015-06-30").date == D("2015-06-30")


def test_the_language_defaults_to_the_negotiated_one(small_map):
    assert options(small_map, "", lang="ar").lang == "ar"
    assert options(small_map, "", lang="fr").lang == "en"


@pytest.mark.parametrize(
    "query, field, message",
    [
        ("date=2016-13-01", "date", "date '2016-13-01' is not a real date"),
        ("date=yesterday", "date", "date must be a date as YYYY-MM-DD, got 'yesterday'"),
        ("date=2019-01-01", "date", "date 2019-01-01 is outside this map's dates, 2015-01-01 to 2017-12-31"),
        ("date=2016-01-01&date=2016-02-01", "date", "date is given 2 times; give it once"),
        ("from=2014-01-01", "from", "from 2014-01-01 is outside this map's dates, 2015-01-01 to 2017-12-31"),
        ("from=2016-06-01&to=2016-01-01", "from", "from 2016-06-01 is after to 2016-01-01"),
        ("date=2015-03-01&from=2016-01-01", "date", "date 2015-03-01 is outside from..to, 2016-01-01 to 2017-12-31"),
        ("lang=fr", "lang", "lang must be one of en, ar; got 'fr'"),
        ("controls=full", "controls", "controls must be one of slider, none; got 'full'"),
        ("legend=yes", "legend", "legend must be one of on, off, true, false; got 'yes'"),
        ("theme=blue", "theme", "theme must be one of light, dark; got 'blue'"),
        ("zoom=0", "zoom", "zoom must be a whole number from 1 to 18, got '0'"),
        ("zoom=19", "zoom", "zoom must be a whole number from 1 to 18, got '19'"),
        ("zoom=1.5", "zoom", "zoom must be a whole number from 1 to 18, got '1.5'"),
        ("center=35.3", "center", "center must be latitude,longitude in degrees, got '35.3'"),
        ("center=abc,def", "center", "center must be latitude,longitude in degrees, got 'abc,def'"),
        ("center=95,40", "center", "center '95,40' is not on Earth: latitude -90..90, longitude -180..180"),
        ("colour=red", "colour", "unknown option 'colour'; the options are " + ", ".join(embed.EMBED_OPTIONS)),
    ],
)
def test_each_bad_option_is_named(small_map, query, field, message):
    with pytest.raises(embed.OptionError) as caught:
        options(small_map, query)
    assert caught.value.problems[0] == (field, message)


def test_all_bad_options_are_reported_at_once(small_map):
    with pytest.raises(embed.OptionError) as caught:
        options(small_map, "lang=fr&theme=blue&zoom=99")
    assert [field for field, _ in caught.value.problems] == ["lang", "theme", "zoom"]


# --- The page -----------------------------------------------------------------------------------------------


def test_embed_page_shows_the_map_without_site_chrome(client, small_map):
    response = client.get("/embed/test-map/?date=2016-05-01&lang=en")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="site-header"' not in html and "site.css" not in html
    assert 'data-control="slider"' in html
    assert 'data-actor="gov"' in html and 'data-actor="isis"' in html
    assert "Data as of" in html
    assert 'href="http://127.0.0.1:8000/maps/test-map/?date=2016-05-01&amp;lang=en"' in html
    assert "<noscript><img" in html and "/embed/test-map/image.png?date=2016-05-01&amp;width=600" in html
    # The viewer's heavier parts stay out of the embed.
    for module in ("chart.js", "compare.js", "panel.js", "map-page.js", "viewer.js"):
        assert module not in html


@pytest.mark.parametrize(("value", "legend"), [("on", True), ("off", False), ("true", True), ("false", False)])
def test_legend_reads_on_off_and_true_false(small_map, value, legend):
    parsed = options(small_map, f"legend={value}")
    assert parsed.legend is legend
    assert parsed.query(small_map).get("legend") == (None if legend else "off")  # written back as on/off


def test_fixed_date_and_no_legend(client, small_map):
    html = client.get("/embed/test-map/?date=2016-05-01&controls=none&legend=off").content.decode()
    assert 'data-control="slider"' not in html
    assert "embed-legend" not in html
    assert 'data-controls="none"' in html


def test_arabic_embed_is_right_to_left(client, small_map):
    html = client.get("/embed/test-map/?lang=ar").content.decode()
    assert '<html lang="ar" dir="rtl"' in html


def test_dark_theme(client, small_map):
    assert 'class="theme-dark"' in client.get("/embed/test-map/?theme=dark").content.decode()


def test_bad_options_give_a_readable_400_page_that_may_be_framed(client, small_map):
    response = client.get("/embed/test-map/?date=2019-01-01&lang=fr")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "date 2019-01-01 is outside this map&#x27;s dates, 2015-01-01 to 2017-12-31" in html
    assert "lang must be one of en, ar; got &#x27;fr&#x27;" in html
    assert "X-Frame-Options" not in response
    assert frame_ancestors(response) == "*"


def test_unknown_or_private_map_gives_404_page(client, small_map):
    assert client.get("/embed/no-such-map/").status_code == 404
    Map.objects.filter(slug="test-map").update(is_public=False)
    response = client.get("/embed/test-map/")
    assert response.status_code == 404
    assert "there is no public map" in response.content.decode()


@pytest.mark.parametrize("path", ["/embed/test-map/extra", "/embed/test-map/image.jpg", "/embed/"])
def test_a_wrong_address_under_embed_is_a_404_page_the_frame_can_show(client, small_map, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "X-Frame-Options" not in response
    assert frame_ancestors(response) == "*"
    assert f"there is no embed at {path}" in response.content.decode()
    assert not response.cookies


def test_post_is_refused(client, small_map):
    assert client.post("/embed/test-map/").status_code == 405


# --- Framing ------------------------------------------------------------------------------------------------


def frame_ancestors(response) -> str:
    """The sources of the frame-ancestors directive in the answer's Content-Security-Policy."""
    directives = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    return directives["frame-ancestors"]


def test_any_site_may_frame_the_embed_by_default(client, small_map):
    response = client.get("/embed/test-map/")
    assert "X-Frame-Options" not in response
    assert frame_ancestors(response) == "*"


def test_only_the_maps_origins_may_frame_it_when_it_lists_them(client, world):
    world.place("zone")
    framed_map(world, "narrow", "https://news.example  https://*.paper.example:8443")
    response = client.get("/embed/narrow/")
    assert "X-Frame-Options" not in response
    assert frame_ancestors(response) == "'self' https://news.example https://*.paper.example:8443"


@pytest.mark.parametrize("path", ["/", "/maps/test-map/", "/api/v1/maps/", "/oembed?url=x", "/admin/login/"])
def test_every_other_page_keeps_clickjacking_protection(client, small_map, path):
    response = client.get(path)
    assert response["X-Frame-Options"] == "DENY"
    assert frame_ancestors(response) == "'none'"


@pytest.mark.parametrize(
    "value",
    ["news.example; script-src *", "https://news.example,https://b.example", "'unsafe-inline'", "javascript:"],
)
def test_a_frame_ancestors_setting_that_is_not_origins_is_refused(world, value):
    world.place("zone")
    with pytest.raises(ValidationError) as caught:
        framed_map(world, "bad", value)
    assert "not an origin" in str(caught.value)
    assert not Map.objects.filter(slug="bad").exists()


def test_a_pages_address_is_refused_with_the_origin_to_write_instead(world):
    # Chromium matches frame-ancestors against the framing page's origin: a source with a path matches no page,
    # so a newsroom pasting its article's address would have blocked the embed on its own site.
    world.place("zone")
    with pytest.raises(ValidationError) as caught:
        framed_map(world, "pages", "https://news.example/ https://paper.example/world/2017/story.html")
    assert caught.value.message_dict["frame_ancestors"] == [
        "a page's address, not a site's: https://paper.example/world/2017/story.html. Browsers allow framing by "
        "whole sites (origins), so write https://paper.example"
    ]


def test_a_pages_address_that_slipped_in_allows_its_site(client, small_map):
    Map.objects.filter(slug="test-map").update(frame_ancestors="https://paper.example/world/story.html")
    assert frame_ancestors(client.get("/embed/test-map/")) == "'self' https://paper.example"


def test_a_broken_setting_that_slipped_in_never_reaches_the_header(client, small_map):
    # Saved around the services (an old row, a raw update): the header still carries no injected directive,
    # and an allow-list with nothing valid left does not open the map to every site.
    Map.objects.filter(slug="test-map").update(frame_ancestors="news.example;script-src 'unsafe-inline' *")
    assert frame_ancestors(client.get("/embed/test-map/")) == "'self'"


# --- Cookies ------------------------------------------------------------------------------------------------


def test_embed_image_and_oembed_set_no_cookie(client, small_map, site):
    client.cookies.clear()
    for path in (
        "/embed/test-map/?date=2016-05-01&lang=ar",
        "/embed/test-map/?lang=fr",  # the error page too
        "/embed/test-map/image.png?date=2016-05-01",
        "/oembed?url=" + quote("https://atlas.example/maps/test-map/"),
    ):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="ar")
        assert response.status_code in (200, 400), path
        assert not response.cookies, path
        assert "Set-Cookie" not in response, path
        assert "Cookie" not in response.get("Vary", ""), path


# --- oEmbed -------------------------------------------------------------------------------------------------


def oembed(client, url, **params):
    return client.get("/oembed", {"url": url, **params})


def iframe_src(payload):
    match = re.search(r'<iframe src="([^"]+)" width="(\d+)" height="(\d+)"', payload["html"])
    assert match, payload["html"]
    return match[1].replace("&amp;", "&"), int(match[2]), int(match[3])


@pytest.mark.parametrize(
    "url",
    [
        "https://atlas.example/maps/test-map/",
        "https://atlas.example/maps/test-map",
        "http://atlas.example/maps/test-map/",
        "https://ATLAS.example:443/maps/test-map/",
        "https://atlas.example/maps/test-map/?date=2016-05-01&lang=en&lat=0.015&lng=0.005&z=13",
        "https://atlas.example/maps/test-map/?date=nonsense",
        "https://atlas.example/embed/test-map/",
        "https://atlas.example/embed/test-map",
        "https://atlas.example/embed/test-map/?date=2016-05-01&controls=none&theme=dark",
        "http://testserver/maps/test-map/",
        "/maps/test-map/",
        "  https://atlas.example/maps/test-map/#top ",
        "//atlas.example/maps/test-map/",
        "https://atlas.example/maps/test-map/?lang=ar",
        "http://atlas.example:80/embed/test-map?lang=ar&legend=false",
    ],
)
def test_oembed_answers_for_every_form_of_map_url(client, small_map, site, url):
    response = oembed(client, url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    payload = response.json()
    assert payload["version"] == "1.0"
    assert payload["type"] == "rich"
    assert payload["provider_name"] == "Frontline Atlas"
    assert payload["provider_url"] == "https://atlas.example/"
    assert payload["title"] == "Test-Map"  # no Arabic title: the English one, whatever the language
    src, width, height = iframe_src(payload)
    assert ("lang=ar" in src) is ("lang=ar" in url)
    assert (width, height) == (payload["width"], payload["height"]) == (600, 400)
    assert src.startswith("https://atlas.example/embed/test-map/?")
    assert payload["thumbnail_url"].startswith("https://atlas.example/embed/test-map/image.png?")
    assert (payload["thumbnail_width"], payload["thumbnail_height"]) == (600, 400)


def test_oembed_carries_the_views_options_into_the_iframe(client, small_map, site):
    payload = oembed(client, "https://atlas.example/maps/test-map/?date=2016-05-01&lang=ar&lat=0.015&lng=0.005&z=13")
    src, _, _ = iframe_src(payload.json())
    query = parse_qs(urlsplit(src).query)
    assert query == {"date": ["2016-05-01"], "lang": ["ar"], "zoom": ["13"], "center": ["0.015,0.005"]}
    assert payload.json()["title"] == "Test-Map"  # no Arabic title: the English one
    payload = oembed(client, "https://atlas.example/embed/test-map/?date=2016-05-01&controls=none&theme=dark")
    src, _, _ = iframe_src(payload.json())
    assert parse_qs(urlsplit(src).query) == {
        "date": ["2016-05-01"],
        "lang": ["en"],
        "controls": ["none"],
        "theme": ["dark"],
    }
    assert "theme=dark" in payload.json()["thumbnail_url"]


@pytest.mark.parametrize(
    "params, size",
    [
        ({"maxwidth": "300"}, (300, 200)),
        ({"maxheight": "200"}, (300, 200)),
        ({"maxwidth": "900", "maxheight": "900"}, (600, 400)),
        ({"maxwidth": "480", "maxheight": "100"}, (150, 100)),
        # Bigger than the embed is offered at, however big: no limit, not an error.
        ({"maxwidth": "99999999"}, (600, 400)),
        ({"maxwidth": "9" * 50, "maxheight": "0400"}, (600, 400)),
    ],
)
def test_oembed_honours_maxwidth_and_maxheight(client, small_map, site, params, size):
    payload = oembed(client, "https://atlas.example/maps/test-map/", **params).json()
    assert (payload["width"], payload["height"]) == size
    assert iframe_src(payload)[1:] == size
    if "thumbnail_url" in payload:
        assert payload["thumbnail_width"] <= int(params.get("maxwidth", 10**6))
        assert payload["thumbnail_height"] <= int(params.get("maxheight", 10**6))
    else:
        assert size == (150, 100)  # smaller than any picture we draw: no thumbnail rather than a too-big one


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/maps/test-map/",
        "https://atlas.example.evil.example/maps/test-map/",
        "https://user@evil.example/maps/test-map/",
        "ftp://atlas.example/maps/test-map/",
        "javascript:alert(1)",
        "atlas.example/maps/test-map/",
        "https://atlas.example/",
        "https://atlas.example/maps/",
        "https://atlas.example/api/v1/maps/test-map/zones",
        "https://atlas.example/embed/test-map/image.png",
        "https://atlas.example/maps/test-map/extra/",
        "https://atlas.example:99999/maps/test-map/",
        "https://atlas.example/maps/no-such-map/",
        "https://atlas.example/embed/test-map/?date=2030-01-01",
        "https://atlas.example/embed/test-map/?colour=red",
        "http://[::1/maps/test-map/",
        "//evil.example/maps/test-map/",
    ],
)
def test_oembed_refuses_foreign_and_malformed_urls_with_404(client, small_map, site, url):
    response = oembed(client, url)
    assert response.status_code == 404, url
    assert response.json()["field"] == "url"


def test_oembed_format_xml_is_not_implemented(client, small_map, site):
    response = oembed(client, "https://atlas.example/maps/test-map/", format="xml")
    assert response.status_code == 501
    assert response.json() == {"error": "format 'xml' is not available; only json", "field": "format"}


@pytest.mark.parametrize(
    "query, field, message",
    [
        ({}, "url", "url is required: the address of a map page or an embed"),
        ({"url": "https://atlas.example/maps/test-map/", "maxwidth": "wide"}, "maxwidth", "maxwidth must be"),
        ({"url": "https://atlas.example/maps/test-map/", "maxheight": "0"}, "maxheight", "maxheight must be"),
        ({"url": "https://atlas.example/maps/test-map/", "maxwidth": "-5"}, "maxwidth", "maxwidth must be"),
        ({"url": "https://atlas.example/maps/test-map/", "maxwidth": "²"}, "maxwidth", "maxwidth must be"),
        ({"url": "https://atlas.example/maps/test-map/", "maxheight": "000"}, "maxheight", "maxheight must be"),
        ({"url": "https://atlas.example/maps/test-map/", "maxwidth": " 300"}, "maxwidth", "maxwidth must be"),
    ],
)
def test_oembed_bad_parameters_give_400(client, small_map, site, query, field, message):
    response = client.get("/oembed", query)
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert response.json()["error"].startswith(message)


def test_oembed_for_a_private_map_is_404(client, small_map, site):
    Map.objects.filter(slug="test-map").update(is_public=False)
    assert oembed(client, "https://atlas.example/maps/test-map/").status_code == 404


# --- The map page's previews and discovery ------------------------------------------------------------------


def meta(html, attribute, name):
    match = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)"', html)
    assert match, name
    return match[1].replace("&amp;", "&")


def test_map_page_carries_oembed_discovery_and_card_tags(client, small_map, site):
    html = client.get("/maps/test-map/?date=2016-05-01").content.decode()
    link = re.search(r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"', html)
    assert link
    discovery = link[1].replace("&amp;", "&")
    assert discovery.startswith("https://atlas.example/oembed?")
    # The discovery link works: it answers for this very page.
    answer = client.get(discovery.removeprefix("https://atlas.example"))
    assert answer.status_code == 200 and answer.json()["type"] == "rich"
    image = meta(html, "property", "og:image")
    assert image == "https://atlas.example/embed/test-map/image.png?date=2016-05-01&width=1200&height=630&lang=en"
    assert meta(html, "name", "twitter:image") == image
    assert meta(html, "name", "twitter:card") == "summary_large_image"
    assert meta(html, "property", "og:title") == "Test-Map"
    assert meta(html, "property", "og:url") == "https://atlas.example/maps/test-map/?date=2016-05-01&lang=en"
    assert (meta(html, "property", "og:image:width"), meta(html, "property", "og:image:height")) == ("1200", "630")
    assert 'data-share="open"' in html


def test_map_page_cards_follow_the_language(client, small_map, site):
    html = client.get("/maps/test-map/?date=2016-05-01&lang=ar").content.decode()
    assert meta(html, "property", "og:image").endswith("lang=ar")
    assert meta(html, "property", "og:locale") == "ar_AR"


def test_openapi_documents_oembed_and_the_image(client):
    paths = client.get("/api/v1/schema").json()["paths"]
    assert "/oembed" in paths
    assert "/embed/{slug}/image.png" in paths
    assert "/embed/{slug}/" in paths


def test_the_embeds_preloaded_modules_are_exactly_its_import_graph():
    """The embed preloads every module it imports (one round trip instead of one per import level); a module
    added to or dropped from the viewer's graph must be added here too, or the embed loads it late or not at all."""
    import posixpath
    from pathlib import Path

    from mapapp.embed_views import EMBED_MODULES

    static = Path(__file__).resolve().parents[2] / "static"
    seen, todo = set(), ["js/embed.js"]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        source = (static / module).read_text()
        for target in re.findall(r'^import .* from "(\.\.?/[^"]+)";', source, re.M):
            todo.append(posixpath.normpath(posixpath.join(posixpath.dirname(module), target)))
    normalised = {str(Path(m)) for m in seen}
    assert normalised == set(EMBED_MODULES)
