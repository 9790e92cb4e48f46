"""POST /api/v1/places/match: every place a text mentions, with offsets into the text as sent."""

from pathlib import Path

import orjson
import pytest
from django.test import Client

URL = "/api/v1/places/match"
DATA = Path(__file__).resolve().parents[2] / "mapapp" / "demo" / "data"


def match(client, text, **extra):
    response = client.post(URL, orjson.dumps({"text": text, **extra}), content_type="application/json")
    assert response.status_code == 200, response.content
    matches = response.json()["matches"]
    for found in matches:  # offsets are Python string indices into the text as sent
        assert text[found["start"] : found["end"]] == found["text"]
    return matches


def found(matches):
    """The confident mentions: the ones the mark page ticks."""
    return [(m["place"], m["text"]) for m in matches if m["confident"]]


def test_the_arabic_sample_article(client, demo):
    text = (DATA / "sample-article-ar.txt").read_text(encoding="utf-8")
    matches = match(client, text)
    assert found(matches) == [
        ("al-hamidiyah", "الحميدية"),  # حي الحميدية
        ("al-rashdiyah", "الرشدية"),  # وحي الرشدية
        ("deir-ez-zor", "دير الزور"),  # مدينة دير الزور
        ("al-hweiqa", "الحويقة"),
        ("huwijat-saqr", "حويجة صكر"),
        ("al-sinaa", "الصناعة"),  # منطقة الصناعة
        ("deir-ez-zor-airport", "مطار دير الزور العسكري"),  # the airport, not the city inside its name
        ("mayadin", "الميادين"),
        ("brigade-137", "اللواء 137"),
        ("al-joura", "الجورة"),  # أحياء الجورة
        ("al-qusour", "القصور"),  # والقصور: the conjunction is not part of the mention
        ("harabesh", "هرابش"),  # وهرابش
    ]
    assert matches[0]["start"] == text.index("الحميدية")
    assert matches[-1]["start"] == text.index("وهرابش") + 1
    assert matches[10]["start"] == text.index("والقصور") + 1
    assert matches[6]["matched"] == "مطار دير الزور العسكري"


def test_the_english_sample_article(client, demo):
    text = (DATA / "sample-article-en.txt").read_text(encoding="utf-8")
    assert found(match(client, text)) == [
        ("brigade-137", "137th Brigade"),
        ("deir-ez-zor", "Deir al-Zour"),
        ("al-joura", "Jura"),
        ("al-qusour", "Qusur"),
        ("harabesh", "Harabish"),
        ("panorama-roundabout", "Panorama roundabout"),  # the whole name, not the variant "Panorama"
        ("jabal-al-tharda", "Tharda"),
        ("al-baghiliyah", "al-Bughayliyah"),  # the article belongs to the mention
        ("al-hweiqa", "Huweiqa"),
        ("palmyra", "Palmyra"),
    ]


def test_results_carry_the_contract_fields(client, demo):
    (first,) = match(client, "Fighting in Jura.")
    assert first == {
        "place": "al-joura",
        "name_en": "al-Joura",
        "name_ar": "الجورة",
        "start": 12,
        "end": 16,
        "text": "Jura",
        "matched": "Jura",
        "alternatives": [],
        "confidence": 1.0,
        "confident": True,
        "evidence": [
            {"kind": "rare-word", "detail": "Zipf 2.6", "weight": 0.9},
            {"kind": "preposition", "detail": "in", "weight": 0.25},
        ],
        "chosen_by": ["the only place of that name"],
        "runners_up": [],
    }


ARABIC_CASES = [
    ("قصف على «الجورة» و«القصور» أمس", [("al-joura", "الجورة"), ("al-qusour", "القصور")]),
    ('قالوا إن "هرابش" سقطت', [("harabesh", "هرابش")]),
    ("اشتباكات بالجورة وبالقصور", [("al-joura", "الجورة"), ("al-qusour", "القصور")]),
    ("وصلت المساعدات للجورة", [("al-joura", "لجورة")]),  # li + al-: the alef is not written
    ("والجُورَة محاصرة", [("al-joura", "الجُورَة")]),  # diacritics in the text, offsets on the raw text
    ("حي الجوره وحي القصور", [("al-joura", "الجوره"), ("al-qusour", "القصور")]),  # ه for ة
    ("قرب اللواء ١٣٧ غرب المدينة", [("brigade-137", "اللواء ١٣٧")]),  # Arabic-Indic digits
    ("تقدم نحو مطار دير الزور", [("deir-ez-zor-airport", "مطار دير الزور")]),  # as "Deir ez-Zor airport"
    ("تقدم نحو مطار ديرالزور العسكري", [("deir-ez-zor-airport", "مطار ديرالزور العسكري")]),  # two words as one
    ("على حي \u200cالرشدية\u200c ودوار", [("al-rashdiyah", "الرشدية")]),  # joiners at a word's edges: not in it
    ("دخلوا الجورة\u200c والقصور", [("al-joura", "الجورة"), ("al-qusour", "القصور")]),
    ("قصف على ديرالزور وبديرالزور", [("deir-ez-zor", "ديرالزور"), ("deir-ez-zor", "ديرالزور")]),
    ("مطار دير الزور العسكري", [("deir-ez-zor-airport", "مطار دير الزور العسكري")]),
    ("معارك في جبل الثردة ثم في الثردة", [("jabal-al-tharda", "جبل الثردة"), ("jabal-al-tharda", "الثردة")]),
    ("دير، الزور", []),  # a comma ends a name
    ("قوات الأسد", []),  # مشفى الأسد is the hospital, not every "Assad"
    ("نهر الفرات", []),  # جامعة الفرات is the university, not the river
]

LATIN_CASES = [
    ("Shelling hit “Jura” and 'Qusur' overnight.", [("al-joura", "Jura"), ("al-qusour", "Qusur")]),
    ("the districts (Harabesh, al-Joura)", [("harabesh", "Harabesh"), ("al-joura", "al-Joura")]),
    ("Deir ez-Zor's airport", [("deir-ez-zor", "Deir ez-Zor")]),  # possessive
    ("Deir ez-Zor Military Airport was shelled", [("deir-ez-zor-airport", "Deir ez-Zor Military Airport")]),
    ("DEIR EZZOR", [("deir-ez-zor", "DEIR EZZOR")]),
    ("Deir\nez-Zor", [("deir-ez-zor", "Deir\nez-Zor")]),  # one line break may split a name
    ("Deir.\n\nZor", []),
    ("Clashes near a panorama of the city", []),  # lower case in a cased text is not the Panorama roundabout
    ("an attack at Tanf", [("al-tanf", "Tanf")]),  # "at" is not taken for an article without a hyphen
    ("near at-Tanf", [("al-tanf", "at-Tanf")]),
    ("🙂🙂 Jura", [("al-joura", "Jura")]),  # offsets in code points, not UTF-16 units
    (
        "Deir Alzour, Dair Alzour and Aljoura",
        [("deir-ez-zor", "Deir Alzour"), ("deir-ez-zor", "Dair Alzour"), ("al-joura", "Aljoura")],
    ),
    ("Jabal Harabesh and Harabesh", [("jabal-harabesh", "Jabal Harabesh"), ("harabesh", "Harabesh")]),
]


@pytest.mark.parametrize("text, expected", ARABIC_CASES + LATIN_CASES)
def test_texts_of_our_own(client, demo, text, expected):
    assert found(match(client, text)) == expected


def test_offsets_count_code_points(client, demo):
    (jura,) = match(client, "🙂🙂 Jura")
    assert (jura["start"], jura["end"]) == (3, 7)


def test_a_shared_spelling_names_the_alternatives(client, demo):
    (panorama,) = match(client, "Clashes at Panorama.")
    assert panorama["place"] == "panorama-roundabout"
    assert panorama["alternatives"] == []  # "Panorama" is a variant of the roundabout only
    (tharda,) = match(client, "في البانوراما")
    assert {tharda["place"], *tharda["alternatives"]} == {"panorama-roundabout", "panorama-base"}


def test_map_filter_keeps_the_map_s_zones(client, demo):
    text = "From Palmyra to Jura"
    assert found(match(client, text)) == [("palmyra", "Palmyra"), ("al-joura", "Jura")]
    assert found(match(client, text, map="deir-ez-zor")) == [("al-joura", "Jura")]
    # The city is not a zone; its name must not be read as its airport's name without the word "airport".
    assert found(match(client, "Deir ez-Zor", map="deir-ez-zor")) == []


def test_a_text_without_places_has_no_matches(client, demo):
    assert match(client, "") == []
    assert match(client, "Nothing happened here today.") == []


def test_no_csrf_token_is_needed(demo):
    client = Client(enforce_csrf_checks=True)
    response = client.post(URL, orjson.dumps({"text": "Jura"}), content_type="application/json")
    assert response.status_code == 200
    assert response.json()["matches"][0]["place"] == "al-joura"


@pytest.mark.parametrize(
    "body, field, message",
    [
        (b"text=Jura", "text", 'the body must be JSON like {"text": "..."}'),
        (b"", "text", 'the body must be JSON like {"text": "..."}'),
        (b'["Jura"]', "text", 'the body must be a JSON object like {"text": "..."}'),
        (b"{}", "text", "text is required"),
        (b'{"text": 5}', "text", "text must be a string, got a number"),
        (b'{"text": ["Jura"]}', "text", "text must be a string, got an array"),
        (b'{"text": "Jura", "lang": "en"}', "lang", "unknown field 'lang' (allowed: map, text)"),
        (b'{"text": "Jura", "map": 3}', "map", "map must be a map slug"),
        (orjson.dumps({"text": "x" * 100_001}), "text", "text is too long (100001 characters; at most 100000)"),
        (b'{"text": "Jura", "map": "deir\\u0000"}', "map", "map contains a NUL character"),
    ],
)
def test_bad_bodies_are_400_naming_the_field(client, demo, body, field, message):
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    payload = response.json()
    assert payload["field"] == field
    assert payload["error"].startswith(message)


def test_unknown_map_is_404(client, demo):
    response = client.post(URL, orjson.dumps({"text": "Jura", "map": "nowhere"}), content_type="application/json")
    assert response.status_code == 404


def test_get_is_405(client, demo):
    response = client.get(URL, {"text": "Jura"})
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_schema_documents_search_and_match(client):
    paths = client.get("/api/v1/schema").json()["paths"]
    assert "get" in paths["/api/v1/places"]
    match_doc = paths["/api/v1/places/match"]["post"]
    assert "code points" in match_doc["description"]
    mention = match_doc["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["matches"]
    assert {"confidence", "confident", "evidence", "chosen_by", "runners_up"} <= set(mention["items"]["properties"])
    assert match_doc["requestBody"]["content"]["application/json"]["schema"]["required"] == ["text"]
