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
