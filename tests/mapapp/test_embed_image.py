"""The server-drawn picture of a map (/embed/<slug>/image.png): size, colours, Arabic, validation, cache."""

import io
import re

import numpy as np
import pytest
from PIL import Image

from mapapp import embed, mapimage
from mapapp.models import Map


@pytest.fixture(autouse=True)
def image_cache(settings, tmp_path):
    settings.EMBED_IMAGE_CACHE_DIR = tmp_path / "images"
    return settings.EMBED_IMAGE_CACHE_DIR


def picture(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "image/png"
    return Image.open(io.BytesIO(response.content)).convert("RGB")


def hex_to_rgb(color):
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))


def share_of(image, color, tolerance=6):
    """Fraction of pixels within `tolerance` of `color` on every channel."""
    pixels = np.asarray(image).reshape(-1, 3).astype(int)
    near = np.all(np.abs(pixels - np.array(hex_to_rgb(color))) <= tolerance, axis=1)
    return near.mean()


def blend(color, alpha, background):
    fg, bg = np.array(hex_to_rgb(color)), np.array(hex_to_rgb(background))
    mixed = np.rint(fg * alpha + bg * (1 - alpha)).astype(int)
    return "#" + "".join(f"{channel:02x}" for channel in mixed)


@pytest.fixture
def two_sided(world):
    world.actor("gov", "#c62828")
    world.actor("rebels", "#2e7d32")
    for index, slug in enumerate(["west", "centre", "east"]):
        world.place(slug, x=index * 0.1, y=0.0, size=0.1)
    world.change("2015-01-01", ["west", "centre"], "gov")
    world.change("2015-01-01", ["east"], "rebels")
    world.change("2016-03-01", ["centre"], "rebels")
    return world.map()


def test_the_picture_has_the_size_asked_for_and_the_actors_colours(client, two_sided):
    image = picture(client.get("/embed/test-map/image.png?date=2015-06-01&width=640&height=360"))
    assert image.size == (640, 360)
    zones_fill = mapimage.THEMES["light"]["land"]
    # Zones are drawn at 85% opacity over the land colour.
    gov = share_of(image, blend("#c62828", 0.85, zones_fill))
    rebels = share_of(image, blend("#2e7d32", 0.85, zones_fill))
    assert gov > 0.05 and rebels > 0.02
    assert gov > rebels * 1.5  # two zones against one
    colours = {tuple(pixel) for pixel in np.asarray(image).reshape(-1, 3)[::7]}
    assert len(colours) > 50  # text, lines, legend: far from a blank picture


def test_the_picture_follows_the_date(client, two_sided):
    zones_fill = mapimage.THEMES["light"]["land"]
    before = picture(client.get("/embed/test-map/image.png?date=2015-06-01"))
    after = picture(client.get("/embed/test-map/image.png?date=2016-06-01"))
    gov = blend("#c62828", 0.85, zones_fill)
    rebels = blend("#2e7d32", 0.85, zones_fill)
    assert share_of(after, gov) < share_of(before, gov) * 0.7
    assert share_of(after, rebels) > share_of(before, rebels) * 1.5


def test_default_size_is_600_by_400(client, two_sided):
    assert picture(client.get("/embed/test-map/image.png")).size == (600, 400)


def test_demo_picture_shows_every_side_holding_ground_and_the_siege(client, demo):
    image = picture(client.get("/embed/deir-ez-zor/image.png?date=2016-06-01&width=1200&height=630"))
    assert image.size == (1200, 630)
    zones_fill = mapimage.THEMES["light"]["land"]
    assert share_of(image, blend("#c62828", 0.85, zones_fill)) > 0.03  # government
    assert share_of(image, blend("#3b3b3b", 0.85, zones_fill)) > 0.03  # ISIS
    assert share_of(image, mapimage.SIEGE_COLOR, tolerance=10) > 0.001  # the siege's outline
    assert share_of(image, mapimage.FRONT_COLOR, tolerance=10) > 0.001  # front lines


def test_legend_off_draws_the_map_without_its_legend(client, two_sided):
    # Zones are drawn at 85% opacity; the actors' own colours, unblended, are the legend's swatches.
    on = picture(client.get("/embed/test-map/image.png?date=2015-06-01"))
    off = picture(client.get("/embed/test-map/image.png?date=2015-06-01&legend=off"))
    also_off = picture(client.get("/embed/test-map/image.png?date=2015-06-01&legend=false"))
    for colour in ("#c62828", "#2e7d32"):
        assert share_of(on, colour, tolerance=2) > 0.0002  # some hundred pixels of swatch
        assert share_of(off, colour, tolerance=2) == 0
    assert np.array_equal(np.asarray(off), np.asarray(also_off))
    # the map itself is the same picture
    zones_fill = mapimage.THEMES["light"]["land"]
    gov = blend("#c62828", 0.85, zones_fill)
    assert share_of(off, gov) == pytest.approx(share_of(on, gov), rel=0.1)


def test_an_embed_with_its_legend_off_falls_back_to_a_picture_without_one(client, two_sided):
    html = client.get("/embed/test-map/?date=2015-06-01&legend=off").content.decode()
    [src] = re.findall(r'<noscript><img class="embed-fallback" src="([^"]+)"', html)
    assert "legend=off" in src
    assert (
        "legend"
        not in re.findall(
            r'<noscript><img class="embed-fallback" src="([^"]+)"', client.get("/embed/test-map/").content.decode()
        )[0]
    )
    off = picture(client.get(src.replace("&amp;", "&")))
    assert share_of(off, "#c62828", tolerance=2) == 0


def test_dark_theme_is_dark(client, two_sided):
    light = np.asarray(picture(client.get("/embed/test-map/image.png?theme=light"))).mean()
    dark = np.asarray(picture(client.get("/embed/test-map/image.png?theme=dark"))).mean()
    assert dark < light - 60


def test_arabic_is_joined_by_the_text_layout(client):
    """matplotlib 3.11 lays text out with libraqm: Arabic letters join. Joined, a word is drawn differently from
    the same letters kept apart with zero-width non-joiners; a layout that does not shape draws both alike."""
    from matplotlib import ft2font
    from matplotlib.figure import Figure

    assert ft2font.__libraqm_version__

    def draw(text):
        figure = Figure(figsize=(3, 1), dpi=100)
        figure.text(0.05, 0.4, text, family=mapimage.ARABIC_FONT_FAMILY, fontsize=20)
        out = io.BytesIO()
        figure.savefig(out, format="png")
        return np.asarray(Image.open(out).convert("L"))

    word = "دير الزور"
    apart = "\u200c".join(word)
    assert not np.array_equal(draw(word), draw(apart))


def test_arabic_picture_draws_the_arabic_title(client, demo):
    english = picture(client.get("/embed/deir-ez-zor/image.png?date=2016-06-01&lang=en"))
    arabic = picture(client.get("/embed/deir-ez-zor/image.png?date=2016-06-01&lang=ar"))
    assert english.size == arabic.size
    header = slice(0, 40)
    assert not np.array_equal(np.asarray(english)[header], np.asarray(arabic)[header])


@pytest.mark.parametrize(
    "query, field, message",
    [
        ("width=10", "width", "width must be a whole number of pixels from 200 to 2000, got '10'"),
        ("width=5000", "width", "width must be a whole number of pixels from 200 to 2000, got '5000'"),
        ("height=abc", "height", "height must be a whole number of pixels from 150 to 2000, got 'abc'"),
        ("height=-300", "height", "height must be a whole number of pixels from 150 to 2000, got '-300'"),
        ("date=2030-01-01", "date", "date 2030-01-01 is outside this map's dates, 2015-01-01 to 2017-12-31"),
        ("date=2016-02-30", "date", "date '2016-02-30' is not a real date"),
        ("lang=de", "lang", "lang must be one of en, ar; got 'de'"),
        ("theme=sepia", "theme", "theme must be one of light, dark; got 'sepia'"),
        (
            "size=big",
            "size",
            "unknown option 'size'; the options are date, width, height, lang, theme, zoom, center, legend",
        ),
    ],
)
def test_bad_picture_options_give_400_naming_the_field(client, two_sided, query, field, message):
    response = client.get(f"/embed/test-map/image.png?{query}")
    assert response.status_code == 400
    assert response.json() == {"error": message, "field": field}


def test_unknown_map_picture_is_404(client, two_sided):
    assert client.get("/embed/nope/image.png").status_code == 404


def test_pictures_are_cached_per_data_version_with_an_etag(client, two_sided, image_cache):
    first = client.get("/embed/test-map/image.png?date=2015-06-01")
    etag = first["ETag"]
    [cached] = list(image_cache.glob("test-map/v*/*.png"))
    assert cached.read_bytes() == first.content
    # Served from the file: what is on disk is what is sent.
    cached.write_bytes(b"\x89PNG marker")
    assert client.get("/embed/test-map/image.png?date=2015-06-01").content == b"\x89PNG marker"
    assert client.get("/embed/test-map/image.png?date=2015-06-01", HTTP_IF_NONE_MATCH=etag).status_code == 304
    # A write to the map bumps its data version: a new picture and ETag, and the old folder goes.
    old_folder = cached.parent
    map_ = Map.objects.get(slug="test-map")
    map_.title_en = "Test map, retitled"  # drawn on the picture
    map_.save()
    second = client.get("/embed/test-map/image.png?date=2015-06-01")
    assert second["ETag"] != etag
    assert second.content.startswith(b"\x89PNG\r\n")
    assert not old_folder.exists()
    assert client.get("/embed/test-map/image.png?date=2015-06-01", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_cache_keys_differ_by_every_option(two_sided):
    map_ = Map.objects.get(slug="test-map")
    base = embed.ImageOptions(date=map_.default_date, width=600, height=400, lang="en", theme="light")
    variants = [
        base,
        embed.ImageOptions(date=map_.start, width=600, height=400, lang="en", theme="light"),
        embed.ImageOptions(date=map_.default_date, width=601, height=400, lang="en", theme="light"),
        embed.ImageOptions(date=map_.default_date, width=600, height=401, lang="en", theme="light"),
        embed.ImageOptions(date=map_.default_date, width=600, height=400, lang="ar", theme="light"),
        embed.ImageOptions(date=map_.default_date, width=600, height=400, lang="en", theme="dark"),
    ]
    assert len({mapimage.cache_key(map_, options) for options in variants}) == len(variants)


# --- The view: ?zoom=&center= as the embed takes them ------------------------------------------------------


def centre_colour(image, radius=3):
    """The commonest colour in a small window at the middle of the picture (the middle of its map area is a few
    pixels off, between the title above and the credit below)."""
    width, height = image.size
    window = np.asarray(image)[
        height // 2 - radius : height // 2 + radius + 1, width // 2 - radius : width // 2 + radius + 1
    ]
    colours, counts = np.unique(window.reshape(-1, 3), axis=0, return_counts=True)
    return tuple(int(channel) for channel in colours[counts.argmax()])


def close(colour, hex_colour, tolerance=6):
    return all(abs(a - b) <= tolerance for a, b in zip(colour, hex_to_rgb(hex_colour), strict=True))


@pytest.mark.parametrize("slug", ["al-joura", "al-hweiqa"])
def test_a_zoomed_picture_shows_the_zone_at_its_centre_in_its_holders_colour(client, demo, slug):
    from gazetteer.models import Place

    place = Place.objects.get(slug=slug)
    assert place.footprint.contains(place.label_point)
    zones = client.get("/api/v1/maps/deir-ez-zor/zones?date=2016-06-01").json()["features"]
    [zone] = [feature for feature in zones if feature["id"] == slug]
    assert zone["properties"]["status"] == "held"
    holder = blend(zone["properties"]["color"], 0.85, mapimage.THEMES["light"]["land"])

    lng, lat = place.label_point.coords
    query = f"date=2016-06-01&zoom=16&center={lat:.5f},{lng:.5f}"
    zoomed = picture(client.get(f"/embed/deir-ez-zor/image.png?{query}"))
    whole = picture(client.get("/embed/deir-ez-zor/image.png?date=2016-06-01"))
    assert zoomed.size == whole.size == (600, 400)
    assert close(centre_colour(zoomed), holder), (centre_colour(zoomed), holder)
    # Zoomed in on one district, its holder's colour fills much more of the picture than on the whole map.
    assert share_of(zoomed, holder) > 0.4
    assert share_of(zoomed, holder) > share_of(whole, holder) * 1.5


def test_zoom_alone_centres_on_the_zones_and_center_alone_keeps_the_fitting_zoom(client, demo):
    whole = np.asarray(picture(client.get("/embed/deir-ez-zor/image.png?date=2016-06-01")))
    near = np.asarray(picture(client.get("/embed/deir-ez-zor/image.png?date=2016-06-01&zoom=11")))
    far = np.asarray(picture(client.get("/embed/deir-ez-zor/image.png?date=2016-06-01&zoom=9")))
    moved = np.asarray(picture(client.get("/embed/deir-ez-zor/image.png?date=2016-06-01&center=35.40,40.05")))
    assert len({whole.tobytes(), near.tobytes(), far.tobytes(), moved.tobytes()}) == 4
    zones_fill = mapimage.THEMES["light"]["land"]
    government = blend("#c62828", 0.85, zones_fill)
    # Zooming out shrinks the zones; the same ground seen from further away.
    assert share_of(Image.fromarray(far), government) < share_of(Image.fromarray(near), government) / 3


def test_the_view_is_part_of_the_cache_key(client, demo, image_cache):
    client.get("/embed/deir-ez-zor/image.png?date=2016-06-01")
    client.get("/embed/deir-ez-zor/image.png?date=2016-06-01&zoom=15")
    client.get("/embed/deir-ez-zor/image.png?date=2016-06-01&zoom=15&center=35.337,40.117")
    client.get("/embed/deir-ez-zor/image.png?date=2016-06-01&zoom=15&center=35.35,40.135")
    assert len(list(image_cache.glob("deir-ez-zor/v*/*.png"))) == 4


@pytest.mark.parametrize(
    "query, field, message",
    [
        ("zoom=0", "zoom", "zoom must be a whole number from 1 to 18, got '0'"),
        ("zoom=19", "zoom", "zoom must be a whole number from 1 to 18, got '19'"),
        ("zoom=12.5", "zoom", "zoom must be a whole number from 1 to 18, got '12.5'"),
        ("zoom=12&zoom=13", "zoom", "zoom is given 2 times; give it once"),
        ("center=35.3", "center", "center must be latitude,longitude in degrees, got '35.3'"),
        ("center=north,east", "center", "center must be latitude,longitude in degrees, got 'north,east'"),
        (
            "center=95,40",
            "center",
            "center '95,40' is not on Earth: latitude -90..90, longitude -180..180",
        ),
    ],
)
def test_bad_view_gives_400_naming_the_field_as_the_embed_does(client, two_sided, query, field, message):
    response = client.get(f"/embed/test-map/image.png?{query}")
    assert response.status_code == 400
    assert response.json() == {"error": message, "field": field}
    # The embed refuses the same value with the same words.
    embed_page = client.get(f"/embed/test-map/?{query}")
    assert embed_page.status_code == 400
    assert message in embed_page.content.decode().replace("&#x27;", "'")


def test_noscript_fallback_and_oembed_thumbnail_carry_the_embeds_view(client, two_sided):
    html = client.get("/embed/test-map/?date=2016-05-01&zoom=12&center=0.05,0.15&theme=dark").content.decode()
    fallback = re.search(r'<noscript><img class="embed-fallback" src="([^"]+)"', html)[1].replace("&amp;", "&")
    assert fallback == (
        "/embed/test-map/image.png?date=2016-05-01&width=600&height=400&lang=en&theme=dark&zoom=12&center=0.05%2C0.15"
    )
    assert client.get(fallback).status_code == 200
    oembed = client.get(
        "/oembed", {"url": "http://testserver/embed/test-map/?date=2016-05-01&zoom=12&center=0.05,0.15"}
    ).json()
    assert "zoom=12&center=0.05%2C0.15" in oembed["thumbnail_url"]


def test_map_page_card_image_shows_the_pages_view(client, two_sided):
    html = client.get("/maps/test-map/?date=2016-05-01&lat=0.05&lng=0.15&z=12").content.decode()
    card = re.search(r'<meta property="og:image" content="([^"]+)"', html)[1].replace("&amp;", "&")
    assert card.endswith(
        "/embed/test-map/image.png?date=2016-05-01&width=1200&height=630&lang=en&zoom=12&center=0.05%2C0.15"
    )
    # A zoom the embed cannot take (20) is dropped from the card, as from the page's oEmbed answer; the centre
    # stays, at the zoom that fits the zones.
    html = client.get("/maps/test-map/?date=2016-05-01&lat=0.05&lng=0.15&z=20").content.decode()
    card = re.search(r'<meta property="og:image" content="([^"]+)"', html)[1].replace("&amp;", "&")
    assert card.endswith("image.png?date=2016-05-01&width=1200&height=630&lang=en&center=0.05%2C0.15")
    oembed = client.get("/oembed", {"url": "http://testserver/maps/test-map/?date=2016-05-01&lat=0.05&lng=0.15&z=20"})
    assert oembed.json()["thumbnail_url"].endswith("lang=en&center=0.05%2C0.15")


# --- A bounded cache: views on a grid, a size cap with the least recently used out first ------------------------


def test_nearby_views_share_one_picture(client, two_sided, image_cache):
    """Before: the key held the centre unrounded and any size, so every pixel and every jitter of a centre drew
    and kept a new picture."""
    first = client.get("/embed/test-map/image.png?date=2015-06-01&width=640&height=360&zoom=9&center=0.0001,0.1004")
    for query in ["width=645&height=369&zoom=9&center=0.00012,0.10041", "width=649&height=361&zoom=9&center=0,0.1"]:
        again = client.get(f"/embed/test-map/image.png?date=2015-06-01&{query}")
        assert again["ETag"] == first["ETag"] and again.content == first.content
    assert picture(first).size == (640, 360)
    assert len(list(image_cache.glob("test-map/v*/*.png"))) == 1
    # Sizes go down to the grid, never above what was asked; the bounds stay the bounds.
    assert picture(client.get("/embed/test-map/image.png?width=209&height=151")).size == (200, 150)
    assert picture(client.get("/embed/test-map/image.png?width=2000&height=2000")).size == (2000, 2000)


def test_the_cache_is_capped_and_the_least_recently_used_go_first(client, two_sided, image_cache, settings):
    sizes = [300, 400, 500, 600]
    url = "/embed/test-map/image.png?date=2015-06-01&width={}&height=300"
    client.get(url.format(sizes[0]))
    one = sum(p.stat().st_size for p in image_cache.rglob("*.png"))
    # Room for about two and a half of these pictures (bigger ones are bigger).
    settings.EMBED_IMAGE_CACHE_MB = (2.5 * one * 1.4) / (1024 * 1024)
    client.get(url.format(sizes[1]))
    client.get(url.format(sizes[0]))  # used again: now the most recent
    client.get(url.format(sizes[2]))
    client.get(url.format(sizes[3]))
    kept = {Image.open(p).size[0] for p in image_cache.rglob("*.png")}
    total = sum(p.stat().st_size for p in image_cache.rglob("*.png"))
    assert total <= settings.EMBED_IMAGE_CACHE_MB * 1024 * 1024
    assert 600 in kept and 400 not in kept  # the newest stays; the least recently used went first
    assert len(kept) < len(sizes)
