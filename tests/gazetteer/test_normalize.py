"""Normalisation tables: spellings a reader takes for the same name share a key; different names do not."""

import io

import pytest
from django.contrib.gis.geos import Point

from gazetteer.normalize import (
    exact_key,
    loose_keys,
    name_words,
    search_key,
    token_readings,
    tokenize,
    without_generic,
)

SAME_ARABIC = [
    # (spelling, another spelling of the same name)
    ("الجورة", "الجوره"),  # ة / ه
    ("الجورة", "جورة"),  # the article
    ("الجُورَة", "الجورة"),  # diacritics
    ("الجـــورة", "الجورة"),  # tatweel
    ("أبو كمال", "ابو كمال"),  # alef with hamza above
    ("إدلب", "ادلب"),  # alef with hamza below
    ("آلاء", "الاء"),  # alef with madda
    ("ٱلرقة", "الرقة"),  # alef wasla
    ("مشفى الأسد", "مشفي الاسد"),  # ى / ي
    ("اللواء ١٣٧", "اللواء 137"),  # Arabic-Indic digits
    ("اللواء ۱۳۷", "لواء 137"),  # Eastern Arabic-Indic digits, and the article
    ("دير الزور", "دير  الزور"),  # spaces
    ("جسر المؤسسة", "جسر الموسسه"),  # ؤ
    ("قرية الشيخ", "قريه شيخ"),
]

DIFFERENT_ARABIC = [
    ("دير الزور", "مطار دير الزور العسكري"),  # the generic word stays: the airport is not the city
    ("الجورة", "حي الجورة"),  # ... and حي too, in the key (search reads past it, see without_generic)
    ("الجورة", "الجفرة"),
    ("جبل هرابش", "هرابش"),
]

SAME_LATIN = [
    ("al-Joura", "Jura"),  # article, ou/u
    ("Joura", "Joora"),  # oo
    ("Jorah", "Jura"),  # o/u and final ah
    ("JOURA", "joura"),  # case
    ("Qusur", "Kousour"),  # q/k, ou/u
    ("al-Qusour", "Qusoor"),
    ("Deir ez-Zor", "Deir al-Zour"),  # article forms, ou
    ("Deir ez-Zor", "Deir Ezzor"),  # the article written into the word
    ("Deir ez-Zor", "Dayr Azzor"),  # ei/ay, assimilated article
    ("Ar-Raqqah", "Rakka"),  # ar-, q/k, doubled letters, final ah
    ("ar-Raqqa", "al-Raqqah"),
    ("Husseiniyah", "Husayniyah"),  # doubled letters, ei/ay
    ("Hamidiyeh", "Hamidiyah"),  # final eh/ah
    ("Hamidiya", "al-Hamidiyah"),  # final a/ah
    ("Jneineh", "Jnaina"),  # ei/ai, final eh
    ("Shaykh Yasin", "Sheikh Yassin"),  # ey/ay, doubled letters
    ("Jabal al-Tharda", "Jebel at-Tharda"),  # at-, and the generic word's own spellings
    ("Tell Abyad", "Tall Abyad"),
    ("Thurdah", "Turda"),  # th/t
    ("`Ayyash", "Ayash"),  # ayn sign, doubled letters
    ("al-Sab' Biyar", "as-Sab Biyar"),  # apostrophes
    ("Muri'iyah", "Muriyah"),
    ("Ḩalab", "Halab"),  # accents
    ("Qaţanā", "Qatana"),
    ("Dār‘ā", "Daraa"),
    ("137th Brigade", "137 Brigade"),  # ordinals
    ("Tadmor", "Tadmur"),
    ("Deir-ez-Zor", "deir ez zor"),  # hyphens
]

DIFFERENT_LATIN = [
    ("Deir ez-Zor", "Deir ez-Zor Military Airport"),
    ("Jura", "Jafra"),
    ("Harabesh", "Harabesh hill"),
    ("Kamal", "Jamal"),
]


@pytest.mark.parametrize("one, other", SAME_ARABIC + SAME_LATIN)
def test_spellings_of_one_name_share_a_key(one, other):
    assert search_key(one) == search_key(other)
    assert search_key(one)


@pytest.mark.parametrize("one, other", DIFFERENT_ARABIC + DIFFERENT_LATIN)
def test_different_names_keep_different_keys(one, other):
    assert search_key(one) != search_key(other)


@pytest.mark.parametrize(
    "name, key",
    [
        ("الجُورَة", "جوره"),
        ("مطار دير الزور العسكري", "مطار دير زور عسكري"),
        ("اللواء ١٣٧", "لواء 137"),
        ("al-Joura", "jura"),
        ("Deir ez-Zor", "dayr zur"),
        ("Ar-Raqqah", "raka"),
        ("The cemetery", "cemetery"),
        ("137th Brigade", "137 brigada"),
    ],
)
def test_keys_are_readable(name, key):
    assert search_key(name) == key


@pytest.mark.parametrize(
    "one, other, same",
    [
        ("الجورة", "الجوره", True),  # orthographic folding is still the exact name
        ("الجُورَة", "الجورة", True),
        ("الجورة", "جورة", False),  # without the article: a variant, not the exact name
        ("Jura", "JURA", True),
        ("al-Joura", "Jura", False),
        ("Qaţanā", "Qatana", True),
    ],
)
def test_exact_keys_fold_only_what_no_reader_would_call_another_spelling(one, other, same):
    assert (exact_key(one) == exact_key(other)) is same


@pytest.mark.parametrize(
    "name, core",
    [
        ("حي الجورة", "جوره"),
        ("جبل الثردة", "ثرده"),
        ("منطقة المقابر", "مقابر"),
        ("مطار دير الزور العسكري", "دير زور عسكري"),
        ("Harabesh hill", "harabesh"),
        ("Jabal al-Tharda", "tarda"),
        ("al-Hweiqa district", "hwayka"),
        ("مشفى الأسد", "مشفي اسد"),  # not generic: the hospital is not "the Assad"
        ("Euphrates University", "euphrates university"),
        ("حي", ""),  # a generic word alone is no name
    ],
)
def test_generic_words_are_set_aside_for_the_core_of_a_name(name, core):
    assert " ".join(without_generic(name_words(name))) == core


@pytest.mark.parametrize(
    "word, reading, text",
    [
        ("والجورة", "جوره", "الجورة"),  # wa + al-
        ("بالجورة", "جوره", "الجورة"),  # bi + al-
        ("فالجورة", "جوره", "الجورة"),
        ("كالجورة", "جوره", "الجورة"),
        ("للجورة", "جوره", "لجورة"),  # li + al-, whose alef is not written
        ("وبالجورة", "جوره", "الجورة"),  # wa + bi + al-
        ("وهرابش", "هرابش", "هرابش"),  # wa without the article
        ("وَالجُورَة", "جوره", "الجُورَة"),  # with diacritics, the offsets still land on the raw word
        ("Zor's", "zur", "Zor"),  # an English possessive
        ("Zor’s", "zur", "Zor"),
    ],
)
def test_words_of_a_text_are_read_without_proclitics(word, reading, text):
    (token,) = tokenize(word)
    readings = token_readings(token)
    assert readings[0].start == 0 and readings[0].end == len(word)  # as written, first
    found = [r for r in readings if r.key == reading]
    assert found, [r.key for r in readings]
    assert word[found[0].start : found[0].end] == text


@pytest.mark.parametrize("word", ["ولي", "بلد", "كل", "ولد", "فم"])
def test_short_words_are_read_only_as_written(word):
    (token,) = tokenize(word)
    assert [(r.start, r.end, r.stripped) for r in token_readings(token)] == [(0, len(word), False)]


def test_tokens_keep_marks_and_apostrophes_inside_words():
    text = "«الجُورَة» and al-Sab' Biyar, Muri'iyah"
    assert [t.raw for t in tokenize(text)] == ["الجُورَة", "and", "al", "Sab", "Biyar", "Muri'iyah"]
    for token in tokenize(text):
        assert text[token.start : token.end] == token.raw


@pytest.mark.django_db
def test_rekey_recomputes_stale_keys():
    from django.core.management import call_command

    from gazetteer.models import PlaceName
    from gazetteer.services import place_create

    place = place_create(slug="al-joura", name_en="al-Joura", name_ar="الجورة", label_point=Point(0, 0, srid=4326))
    PlaceName.objects.filter(place=place).update(search_key="stale")
    out = io.StringIO()
    call_command("rekey_places", stdout=out)
    assert out.getvalue().strip() == "2 of 2 search keys changed"
    assert sorted(place.names.values_list("search_key", flat=True)) == ["jura", "جوره"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Tabqa", "At Tabaqah"),  # a short vowel
        ("Tadef", "Tādif"),  # e or i for the same short vowel
        ("al-Qaryatain", "Qariateine"),  # y or i, and the French mute e the text leaves off
        ("Shaddadi", "Ash Shaddadah"),  # the ending
        ("Kobane", "Kobani"),
        ("Deir ez-Zor", "Dayr az Zawr"),  # w or nothing for the long u
    ],
)
def test_transliterations_of_one_name_share_a_loose_key(text, name):
    assert set(loose_keys(search_key(text))) & set(loose_keys(search_key(name), of_name=True))


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Ghwayran", "Ghayran"),  # a consonant more
        ("Huweiqa", "Huwayk"),  # an ending the name does not have
        ("Tabqa", "Tabiyah"),
    ],
)
def test_different_names_do_not_share_a_loose_key(text, name):
    assert not set(loose_keys(search_key(text))) & set(loose_keys(search_key(name), of_name=True))


def test_arabic_script_has_no_loose_key():
    assert loose_keys(search_key("الطبقة")) == ()
