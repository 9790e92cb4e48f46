"""Search ranking on small gazetteers made for the purpose (no demo): exact > variant > prefix > fuzzy."""

from django.contrib.gis.geos import Point

from gazetteer.services import place_create

URL = "/api/v1/places"


def search(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def slugs(results):
    return [r["slug"] for r in results]


def test_exact_names_rank_over_variants_over_fuzzy(client, world):
    place_create(slug="panorama-square", name_en="Panorama", label_point=Point(0, 0, srid=4326))
    place_create(slug="panorama-base", name_en="Panorama base", variants=[("Panorama", "en")], label_point=Point(0, 0))
    place_create(slug="panorama-hotel", name_en="Panorama Hotel", label_point=Point(0, 0, srid=4326))
    place_create(slug="banorama", name_en="Banorama", label_point=Point(0, 0, srid=4326))
    results = search(client, q="Panorama")
    assert slugs(results) == ["panorama-square", "panorama-base", "panorama-hotel", "banorama"]
    scores = [r["score"] for r in results]
    assert scores[0] == 1.0  # the official name, exactly
    assert scores[1] == 0.97  # a variant, exactly
    assert 0.6 <= scores[2] < 0.8  # a name the query begins
    assert scores[3] < 0.6  # fuzzy
    assert scores == sorted(scores, reverse=True)


def test_folded_spellings_rank_under_exact_ones(client, world):
    place_create(slug="joura", name_en="Joura", label_point=Point(0, 0, srid=4326))
    place_create(slug="jura", name_en="Jura", label_point=Point(1, 1, srid=4326))
    results = search(client, q="Joura")
    assert slugs(results) == ["joura", "jura"]
    assert results[0]["score"] > results[1]["score"] >= 0.9


def test_two_words_of_a_name_written_as_one_and_the_reverse(client, world):
    place_create(
        slug="city", name_en="Deir ez-Zor", name_ar="دير الزور", variants=[("Deir al-Zour", "en")],
        label_point=Point(0, 0, srid=4326),
    )  # fmt: skip
    place_create(slug="town", name_en="Al-Bukamal", name_ar="البوكمال", label_point=Point(1, 1, srid=4326))
    for q in ("ديرالزور", "Deirezzor", "Deir Alzour"):
        assert slugs(search(client, q=q))[:1] == ["city"], q
        assert search(client, q=q)[0]["score"] >= 0.9, q
    assert slugs(search(client, q="البو كمال"))[:1] == ["town"]
    assert search(client, q="البو كمال")[0]["score"] >= 0.85


def test_whole_words_that_begin_a_name_outrank_the_name_inside_them(client, world):
    place_create(slug="city", name_en="Deir ez-Zor", name_ar="دير الزور", label_point=Point(0, 0, srid=4326))
    place_create(
        slug="airport", name_en="Deir ez-Zor Military Airport", name_ar="مطار دير الزور العسكري", kind="airport",
        label_point=Point(1, 1, srid=4326),
    )  # fmt: skip
    assert slugs(search(client, q="مطار دير الزور")) == ["airport", "city"]
    assert slugs(search(client, q="Deir ez-Zor Military"))[:1] == ["airport"]
    assert slugs(search(client, q="دير الزور")) == ["city", "airport"]
