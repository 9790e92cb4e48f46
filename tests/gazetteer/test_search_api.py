"""GET /api/v1/places?q= on the demo gazetteer and on small worlds: ranking, both scripts, validation."""

import pytest

URL = "/api/v1/places"
REQUIRED = "q is required: a place name in any script, or the start of one"


def search(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def slugs(results):
    return [r["slug"] for r in results]


@pytest.mark.parametrize(
    "q, slug",
    [
        ("al-Joura", "al-joura"),
        ("Jura", "al-joura"),
        ("Jourah", "al-joura"),
        ("الجورة", "al-joura"),
        ("الجوره", "al-joura"),
        ("جورة", "al-joura"),
        ("حي الجورة", "al-joura"),
        ("والجورة", "al-joura"),
        ("Deir al-Zour", "deir-ez-zor"),
        ("Dayr az Zawr", "deir-ez-zor"),
        ("دير الزور", "deir-ez-zor"),
        ("مطار دير الزور العسكري", "deir-ez-zor-airport"),
        ("Harabish", "harabesh"),
        ("هرابش", "harabesh"),
        ("جبل هرابش", "jabal-harabesh"),
        ("Thurdah", "jabal-al-tharda"),
        ("الثردة", "jabal-al-tharda"),
        ("Huweiqa district", "al-hweiqa"),
        ("Rakka", "raqqa"),
        ("اللواء ١٣٧", "brigade-137"),
        ("Tadmor", "palmyra"),
    ],
)
def test_every_spelling_finds_its_place_first(client, demo, q, slug):
    assert search(client, q=q)[0]["slug"] == slug


def test_results_have_the_contract_shape(client, demo):
    (first, *_) = search(client, q="Jura")
    assert set(first) == {"slug", "name_en", "name_ar", "kind", "score", "point", "matched"}
    assert first == {
        "slug": "al-joura",
        "name_en": "al-Joura",
        "name_ar": "الجورة",
        "kind": "district",
        "score": 0.97,
        "point": first["point"],
        "matched": "Jura",
    }
    from gazetteer.models import Place

    label = Place.objects.get(slug="al-joura").label_point
    assert first["point"] == [round(label.x, 6), round(label.y, 6)]


def test_a_misspelling_is_found_by_fuzzy_matching(client, demo):
    results = search(client, q="Harabech")
    assert results[0]["slug"] == "harabesh"
    assert results[0]["score"] < 0.6


def test_typing_the_start_of_a_name_finds_it(client, demo):
    assert search(client, q="Deir")[0]["slug"] == "deir-ez-zor"
    assert search(client, q="الحوي")[0]["slug"] == "al-hweiqa"


def test_limit_and_map_filter(client, demo):
    assert len(search(client, q="Deir", limit=1)) == 1
    everywhere = slugs(search(client, q="Deir ez-Zor", limit=20))
    on_map = slugs(search(client, q="Deir ez-Zor", limit=20, map="deir-ez-zor"))
    assert "deir-ez-zor" in everywhere and "deir-ez-zor" not in on_map  # the city is not one of the map's zones
    assert on_map and set(on_map) <= set(everywhere)
    assert on_map[0] == "deir-ez-zor-airport"


def test_a_warm_search_costs_one_query(client, demo, django_assert_num_queries):
    search(client, q="Jura")
    with django_assert_num_queries(1):
        search(client, q="Qusur")


def test_a_new_name_is_searchable_at_once(client, demo):
    from gazetteer.models import Place
    from gazetteer.services import place_names_add

    assert search(client, q="Jwrah") == [] or search(client, q="Jwrah")[0]["score"] < 0.9
    place_names_add(place=Place.objects.get(slug="al-joura"), names=[("Jwrah", "en", "variant")])
    assert search(client, q="Jwrah")[0] == {**search(client, q="Jwrah")[0], "slug": "al-joura", "score": 0.97}


@pytest.mark.parametrize(
    "params, field, message",
    [
        ({}, "q", REQUIRED),
        ({"q": "   "}, "q", REQUIRED),
        ({"q": "x" * 201}, "q", "q is too long (201 characters; at most 200)"),
        ({"q": "«»!?"}, "q", "q has no letters or digits"),
        ({"q": "Jura", "limit": "0"}, "limit", "limit must be a whole number from 1 to 50, got '0'"),
        ({"q": "Jura", "limit": "51"}, "limit", "limit must be a whole number from 1 to 50, got '51'"),
        ({"q": "Jura", "limit": "ten"}, "limit", "limit must be a whole number from 1 to 50, got 'ten'"),
        ({"q": "Jura", "limit": "-1"}, "limit", "limit must be a whole number from 1 to 50, got '-1'"),
        ({"q": "Jura", "sort": "name"}, "sort", "unknown parameter 'sort' (allowed: limit, map, q)"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(client, demo, params, field, message):
    response = client.get(URL, params)
    assert response.status_code == 400
    assert response.json() == {"error": message, "field": field}


def test_unknown_map_is_404(client, demo):
    response = client.get(URL, {"q": "Jura", "map": "nowhere"})
    assert response.status_code == 404
    assert response.json() == {"error": "no map 'nowhere'"}


def test_post_is_405(client, demo):
    response = client.post(URL, {"q": "Jura"})
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_a_name_changed_elsewhere_is_seen_without_the_services(client, demo):
    """Another process (or the admin's inline) saving a name does not reach this process's index directly; the
    per-request signature sees the change."""
    from gazetteer.models import PlaceName

    assert search(client, q="Jura")[0]["slug"] == "al-joura"
    name = PlaceName.objects.get(place__slug="al-joura", name="Jura")
    name.name = "Djoura Quarter"
    name.save()  # no service, no invalidate(): only the history row tells
    assert search(client, q="Djoura Quarter")[0] == {
        **search(client, q="Djoura Quarter")[0],
        "slug": "al-joura",
        "score": 0.97,
    }


@pytest.mark.parametrize("q", ["Harabech", "Jourra", "Tharda jabal", "Zour Deir", "الرشدیة", "Baghiliya"])
def test_fuzzy_candidates_are_token_sort_ratio_over_every_key(demo, q):
    # The index keeps each key with its words sorted so that a query compares against 30,000 keys at the price
    # of plain ratio; the candidates and scores must be token_sort_ratio's, key for key.
    from rapidfuzz import fuzz, process

    from gazetteer.index import get_index, sort_words
    from gazetteer.normalize import name_words

    index = get_index()
    key = " ".join(name_words(q))
    reference = {(k, s) for k, s, _ in process.extract(key, index.keys, scorer=fuzz.token_sort_ratio, limit=None)}
    fast = {
        (index.keys[at], s)
        for _, s, at in process.extract(sort_words(key), index.sorted_keys, scorer=fuzz.ratio, limit=None)
    }
    assert fast == reference
    assert any(s >= 72 for _, s in reference)  # the query is near some name: the comparison is not vacuous
