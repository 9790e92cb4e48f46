"""The server-drawn picture of a map (/embed/<slug>/image.png): size, colours, Arabic, validation, cache."""

import io

import numpy as np
import pytest
from PIL import Image

from mapapp import embed, mapimage, services
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
        ("size=big", "size", "unknown option 'size'; the options are date, width, height, lang, theme"),
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
    services.maps_touch(maps=[map_])
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
