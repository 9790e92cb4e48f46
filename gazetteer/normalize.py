"""Search keys for place names: the same key for the spellings a reader would take for the same name.

Two levels, both built word by word from the same tokeniser that reads news text (so a name and the words
of an article that spell it always fold alike):

- `exact_key`: what no reader would call a different spelling. Case, accents and punctuation; Arabic
  diacritics and tatweel, the alef forms (أ إ آ ٱ), ى/ي, ة/ه, ؤ and ئ, Arabic-Indic digits.
- `search_key` (stored on PlaceName): also drops the article (ال, al-, el-, ad-, ash-, az-, ez- ...) and folds
  the transliteration variants that are the same name to a reader: ou/oo/o -> u, q -> k, doubled letters,
  ei/ey/ai -> ay, th/dh -> t/d, and the feminine endings a/ah/eh/iyah/iyeh.

Generic words (حي district, منطقة area, جبل mountain, مطار airport ...) are kept in keys, so that
"مطار دير الزور" is not "دير الزور"; `without_generic` gives the name without them, which search and
matching use as a weaker, fallback spelling.

Arabic proclitics (و ب ل ف ك, as in والجورة, بالجورة, للجورة) are not part of any name: `token_readings`
offers the words of a text both as written and without them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

# --- the tokeniser --------------------------------------------------------------------------------------

# Combining marks (Latin accents, Arabic harakat, Quranic marks), tatweel and zero-width joiners occur inside
# words; Python's \w does not count them, so they are listed.
_MARKS = "\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200c\u200d"
_LETTER = rf"(?:[^\W_]|[{_MARKS}])"
# Apostrophes and ayn/hamza signs inside a Latin word belong to it: Sab'a, Muri'iyah, `Ayyash.
_APOSTROPHES = "'\u2019\u02bc\u02bb\u02bf\u02be`\u00b4\u2018"
_WORD = re.compile(rf"{_LETTER}+(?:[{_APOSTROPHES}]{_LETTER}+)*")
_POSSESSIVE = re.compile(rf"[{_APOSTROPHES}]s$", re.IGNORECASE)


# Named tuples, not dataclasses: a long text makes thousands of each, and a tuple is made several times faster.
class Token(NamedTuple):
    start: int  # code-point offsets into the text as given
    end: int
    raw: str


_ZERO_WIDTH = "\u200c\u200d"


def tokenize(text: str) -> list[Token]:
    tokens = []
    for found in _WORD.finditer(text):
        word = found.group()
        if word[0] not in _ZERO_WIDTH and word[-1] not in _ZERO_WIDTH:
            tokens.append(Token(found.start(), found.end(), word))
            continue
        # A zero-width (non-)joiner belongs inside a word; at its edges (pasted from a web page) it is no part of
        # the word, and a mention that carried it would highlight and copy an invisible character.
        raw = word.strip(_ZERO_WIDTH)
        if raw:
            start = found.start() + word.index(raw)
            tokens.append(Token(start, start + len(raw), raw))
    return tokens


# Direction marks and embeddings (LRM, RLM, ALM, LRE ... PDF, LRI ... PDI) and the byte-order mark: invisible,
# copied along with Arabic names from web pages and word processors, and never part of a name.
_INVISIBLE = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"))


def clean_name(name: str) -> str:
    """A name as it is stored: no direction marks, whitespace folded, no joiner at either end."""
    return " ".join(name.translate(_INVISIBLE).split()).strip(_ZERO_WIDTH)


# --- Arabic ---------------------------------------------------------------------------------------------

_ARABIC_LETTERS = re.compile(r"[\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff]")
_ARABIC_MARKS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200c\u200d]")
_ARABIC_FOLD = str.maketrans(
    {
        "\u0623": "\u0627",  # أ
        "\u0625": "\u0627",  # إ
        "\u0622": "\u0627",  # آ
        "\u0671": "\u0627",  # ٱ
        "\u0672": "\u0627",
        "\u0673": "\u0627",
        "\u0649": "\u064a",  # ى -> ي
        "\u06cc": "\u064a",  # Persian ی
        "\u06d2": "\u064a",
        "\u0629": "\u0647",  # ة -> ه
        "\u06c0": "\u0647",
        "\u06c1": "\u0647",
        "\u0624": "\u0648",  # ؤ -> و
        "\u0626": "\u064a",  # ئ -> ي
        "\u06a9": "\u0643",  # Persian ک -> ك
        "\u06af": "\u0643",  # گ
        "\u06a4": "\u0641",  # ڤ (v in names like ڤيلا) -> ف
        **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
        **{chr(0x06F0 + d): str(d) for d in range(10)},  # Eastern Arabic-Indic (Persian/Urdu) digits
    }
)
_DIGITS = str.maketrans(
    {**{chr(0x0660 + d): str(d) for d in range(10)}, **{chr(0x06F0 + d): str(d) for d in range(10)}}
)
_ARABIC_ARTICLE = "\u0627\u0644"  # ال
_ARABIC_PROCLITICS_AND = "\u0648\u0641"  # و ف
_ARABIC_PROCLITICS_PREP = "\u0628\u0644\u0643"  # ب ل ك
_MIN_ARABIC_STEM = 3  # letters left after a proclitic is taken off; shorter words are read as written
# ... except the two-letter words that begin names: وتل رفعت, بحي الجورة, وأم حوش.
_SHORT_NAME_STEMS = frozenset({"\u062a\u0644", "\u062d\u064a", "\u0627\u0645"})  # تل حي ام


def is_arabic(text: str) -> bool:
    return bool(_ARABIC_LETTERS.search(text))


def _arabic_exact(word: str) -> str:
    return _ARABIC_MARKS.sub("", unicodedata.normalize("NFC", word)).translate(_ARABIC_FOLD)


def _arabic_search(exact: str) -> str:
    if exact.startswith(_ARABIC_ARTICLE) and len(exact) - 2 >= 2:
        return exact[2:]
    return exact


# --- Latin ----------------------------------------------------------------------------------------------

_LATIN_SPECIAL = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ð": "d", "þ": "th", "ł": "l", "ı": "i"})
# The Arabic article as transliterations spell it, assimilated to the next letter or not.
ARTICLES = frozenset(
    "al el il ul ad ed adh edh ath eth ash esh as es az ez at et ar er an en ud us ut uz ur un".split()
)
# Articles that are also ordinary English words are read as articles in a text only when hyphenated
# (ar-Raqqa, at-Tanf), never in "an attack at dawn".
AMBIGUOUS_ARTICLES = frozenset("an as at en er es et ar ur un us il".split())
STOPWORDS = frozenset({"the"})
_SUN_LETTER_ARTICLE = re.compile(r"^[ae](?=(t|d|r|z|s|n|l)\1)")  # Ezzor, Assad, Arraqqa: the article, assimilated
# Generic words transliterate differently in different traditions (French Djebel, German Dschebel).
_GENERIC_SPELLINGS = {
    "jebel": "jabal", "jbel": "jabal", "djebel": "jabal", "dschebel": "jabal", "gebel": "jabal", "jabel": "jabal",
    "tell": "tal", "tall": "tal", "tel": "tal", "hayy": "hay", "hai": "hay", "qaryat": "qarya", "kafar": "kafr",
}  # fmt: skip
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th|e|er|eme)?$")
_LATIN_RULES = [
    (re.compile(r"ee"), "i"),
    (re.compile(r"ou|oo"), "u"),
    (re.compile(r"(.)\1+"), r"\1"),  # doubled letters
    (re.compile(r"o"), "u"),
    (re.compile(r"ei|ey|ai"), "ay"),
    (re.compile(r"ck|q"), "k"),
    (re.compile(r"th"), "t"),
    (re.compile(r"dh"), "d"),
    (re.compile(r"dj"), "j"),
    (re.compile(r"(.)\1+"), r"\1"),  # and doubled again where the folds made new pairs
    (re.compile(r"(?<=..)(ah|eh|e)$"), "a"),  # the feminine ending: Jorah, Jneineh, Raqqah
]


def _latin_exact(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.translate(_LATIN_SPECIAL).casefold())
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    kept = kept.translate(_LATIN_SPECIAL).translate(_DIGITS)
    return "".join(ch for ch in kept if ch.isalnum())


def _latin_search(exact: str) -> str:
    if exact in ARTICLES or exact in STOPWORDS:
        return ""
    exact = _GENERIC_SPELLINGS.get(exact, exact)
    if len(exact) >= 5:
        exact = _SUN_LETTER_ARTICLE.sub("", exact)
    ordinal = _ORDINAL.match(exact)
    if ordinal:  # 137th Brigade, 1st Division: the number is the name
        return ordinal.group(1)
    for pattern, replacement in _LATIN_RULES:
        exact = pattern.sub(replacement, exact)
    return exact


# --- words and names ------------------------------------------------------------------------------------


# Words repeat (in a text, across names): folding each distinct word once makes matching a long article cheap.
@lru_cache(maxsize=100_000)
def word_exact(word: str) -> str:
    """One word of a name or a text, folded for exact comparison; "" if nothing is left."""
    if is_arabic(word):
        return _arabic_exact(word)
    return _latin_exact(word)


@lru_cache(maxsize=100_000)
def word_key(word: str) -> str:
    """One word folded into its search form; "" for an article or a word with no letters or digits."""
    if is_arabic(word):
        return _arabic_search(_arabic_exact(word))
    return _latin_search(_latin_exact(word))


@lru_cache(maxsize=100_000)
def exact_key(name: str) -> str:
    return " ".join(filter(None, (word_exact(token.raw) for token in tokenize(name))))


def search_key(name: str) -> str:
    """The stored key: both scripts, articles dropped, transliteration variants folded (see module doc)."""
    return " ".join(name_words(name))


def name_words(name: str) -> list[str]:
    return [key for key in (word_key(token.raw) for token in tokenize(name)) if key]


# Transliterations of one Arabic name differ most in what Arabic script leaves unwritten or writes with a letter
# that is also a vowel: its short vowels (Tabqa and Tabaqah, Tadef and Tadif), ي and و written y/w or i/u
# (Qaryatain and Qariateine), and the vowel it ends with (Shaddadi, Shaddadah). The loose keys keep what such
# spellings share: the consonants in order, whether the word ends in a vowel (any vowel: the ending is written -a,
# -ah, -e, -i), and i and u read either as the semivowels y and w (Qariateine as Qaryatayn) or as short vowels that
# go (Tadif as Tadef); a, e and o always go. A consonant or an ending one spelling has and the other lacks still
# tells them apart (Ghwayran is not Ghayran, Huweiqa is not Huwayk), except that a text may leave off the vowel a
# name ends with: gazetteers write the French mute e and the ة of the feminine (Qariateine, Sukhnah) that reports
# often drop (Qaryatain, Sukhna); a text that writes an ending the name does not have names something else.
# Spellings the gazetteer does not list are looked up among the names that share a loose key: a bucket, not a
# verdict, since matching then asks how close the two spellings are (selectors._loose_at).
_LOOSE_SEMIVOWELS = str.maketrans({"i": "y", "u": "w", "a": None, "e": None, "o": None})
_LOOSE_SHORT = str.maketrans(dict.fromkeys("aeiou"))
_LOOSE_ENDING = re.compile(r"(?<=[^aeiouyw])[aeiouyw]$")
_LOOSE_VOWEL_END = "_"


@lru_cache(maxsize=100_000)
def loose_keys(key: str, *, of_name: bool = False) -> tuple[str, ...]:
    """A Latin search key (one word or several) as its consonants and whether it ends in a vowel, i and u read as
    y and w and then as short vowels: "karyatayn" and "kariatayna" -> "krytyn"; "tadef" and "tadif" -> "tdf";
    "tabka" and "tabaka" -> "tbk_"; "shadadi" and "shadada" -> "shdd_". () for Arabic script, which does not write
    the vowels that make these variants. With `of_name` (a gazetteer name, not a text), also the keys without the
    vowel it ends with: "kariatayna" -> "krytyn_", "krtyn_", "krytyn", "krtyn"."""
    if is_arabic(key):
        return ()
    words = [_LOOSE_ENDING.sub(_LOOSE_VOWEL_END, word) for word in key.split(" ")]
    semivowels = " ".join(word.translate(_LOOSE_SEMIVOWELS) for word in words)
    short = " ".join(word.translate(_LOOSE_SHORT) for word in words)
    keys = [semivowels, short]
    if of_name:
        keys += [" ".join(word.removesuffix(_LOOSE_VOWEL_END) for word in k.split(" ")) for k in keys]
    return tuple(dict.fromkeys(keys))


# Generic words for the kind of place, in their search forms. Names keep them; `without_generic` drops them
# from the start (and, in Latin script, the end) of a name. Words that would leave a common word behind are
# not in the list (مشفى الأسد is not "الأسد", Euphrates University is not "Euphrates").
_GENERIC_ARABIC = {
    "حي", "احيا", "احياء", "منطقه", "مناطق", "جبل", "جبال", "مطار", "قريه", "بلده", "مدينه", "ناحيه", "تل", "تله",
    "تلال", "تلول", "دوار", "جسر", "جزيره", "قاعده", "مخيم", "حاجز", "معبر", "سد", "ساحه", "مزارع", "اوتوستراد",
}  # fmt: skip
_GENERIC_LATIN = {
    "district", "districts", "neighbourhood", "neighborhood", "quarter", "area", "village", "town", "city",
    "hill", "hills", "mount", "mountain", "mountains", "jabal", "jebel", "jbel", "djebel", "tal", "tell", "tall",
    "airport", "airbase", "roundabout", "square", "bridge", "island", "camp", "checkpoint", "crossing", "hay",
    "hayy", "farms", "dam",
}  # fmt: skip
GENERIC_WORDS = frozenset({word_key(w) for w in _GENERIC_ARABIC} | {word_key(w) for w in _GENERIC_LATIN})


def is_generic(key_word: str) -> bool:
    return key_word in GENERIC_WORDS


def without_generic(words: list[str]) -> list[str]:
    """The words of a name (search keys) without the generic words at its start (and, in Latin script, its
    end): ["جبل", "ثرده"] -> ["ثرده"]. [] when nothing specific would be left."""
    start, end = 0, len(words)
    while start < end and is_generic(words[start]):
        start += 1
    if words and not is_arabic(words[0]):
        while end > start and is_generic(words[end - 1]):
            end -= 1
    return words[start:end]


# --- reading the words of a text ------------------------------------------------------------------------


class Reading(NamedTuple):
    """One way to read a word of a text: its search key and the part of the word that carries it."""

    key: str
    start: int
    end: int
    stripped: bool  # a proclitic or a possessive was taken off


def token_readings(token: Token) -> list[Reading]:
    """The ways a word of a text can be read as (part of) a name, the word as written first.

    والجورة -> [والجورة, الجورة]; للجورة -> [للجورة, الجورة (read as ل + الجورة)]; Zor's -> [Zor's, Zor].
    """
    return [
        Reading(key, token.start + start, token.start + end, stripped)
        for key, start, end, stripped in word_readings(token.raw)
    ]


# A text repeats its words (و, في, the same names): each distinct word is read once, offsets within the word.
@lru_cache(maxsize=100_000)
def word_readings(raw: str) -> tuple[tuple[str, int, int, bool], ...]:
    """token_readings of a word on its own: (key, start, end, stripped), offsets within the word."""
    readings = [(word_key(raw), 0, len(raw), False)]
    if is_arabic(raw):
        exact = _arabic_exact(raw)
        # Marks inside the word shift code points: map folded positions back to the raw word's.
        positions = [i for i, ch in enumerate(raw) if not _ARABIC_MARKS.match(ch)]
        for skip, restored in _arabic_proclitic_cuts(exact):
            if skip >= len(positions):
                continue
            stem = restored + exact[skip:]
            readings.append((_arabic_search(stem), positions[skip], len(raw), True))
    else:
        match = _POSSESSIVE.search(raw)
        if match and match.start() >= 2:
            stem = raw[: match.start()]
            readings.append((word_key(stem), 0, len(stem), True))
    seen, unique = set(), []
    for reading in readings:
        if reading[0] and reading[0] not in seen:
            seen.add(reading[0])
            unique.append(reading)
    return tuple(unique)


def _arabic_proclitic_cuts(word: str) -> list[tuple[int, str]]:
    """(letters to skip, letters to restore) for each way of taking proclitics off the front of a word."""
    cuts: list[tuple[int, str]] = []
    offset = 0

    def long_enough(stem: str) -> bool:
        return len(stem) >= _MIN_ARABIC_STEM or stem in _SHORT_NAME_STEMS

    if word[:1] and word[0] in _ARABIC_PROCLITICS_AND and long_enough(word[1:]):
        offset = 1
        cuts.append((1, ""))
    rest = word[offset:]
    if rest[:1] and rest[0] in _ARABIC_PROCLITICS_PREP and long_enough(rest[1:]):
        if rest.startswith("\u0644\u0644"):  # ل + ال: the alef of the article is dropped in writing
            cuts.append((offset + 1, "\u0627"))
        else:
            cuts.append((offset + 1, ""))
    return cuts
