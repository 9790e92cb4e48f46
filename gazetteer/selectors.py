"""Reads of the gazetteer that take thought: search across every spelling, and places found in text."""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from gazetteer import evidence
from gazetteer.index import (
    ADMIN_KINDS,
    SETTLEMENT_KINDS,
    TIER_GENERIC,
    TIER_LOOSE,
    TIER_OFFICIAL,
    TIER_VARIANT,
    GazetteerIndex,
    NameEntry,
    get_index,
    prefix_keys,
    sort_words,
)
from gazetteer.models import PlaceKind
from gazetteer.normalize import (
    AMBIGUOUS_ARTICLES,
    ARTICLES,
    Reading,
    Token,
    exact_key,
    is_arabic,
    is_generic,
    loose_keys,
    name_words,
    token_readings,
    tokenize,
    without_generic,
    word_exact,
    word_readings,
)

# Scores, by how the query met the name. Exact names rank over variants, variants over fuzzy matches.
SCORE_EXACT_OFFICIAL = 1.0
SCORE_EXACT_VARIANT = 0.97
SCORE_KEY_OFFICIAL = 0.93  # the same name after folding articles and transliteration variants
SCORE_KEY_VARIANT = 0.9
SCORE_CORE = 0.85  # the same once generic words are set aside: "حي الجورة", "Harabesh hill"
SCORE_WORDS_START = 0.86  # two or more whole words that begin a longer name: "مطار دير الزور" is the airport's
SCORE_PREFIX = (0.6, 0.8)  # the query starts a name (or one of its words): typing in a search box
SCORE_FUZZY_MAX = 0.59  # rapidfuzz similarity, scaled below every other kind of match
FUZZY_CUTOFF = 72  # rapidfuzz token_sort_ratio, 0-100
MIN_PREFIX = 2


def places_search(*, q: str, limit: int = 10, place_ids: Collection[int] | None = None) -> list[dict]:
    """Places whose names meet `q`, best first, at most `limit`: exact names, then variants and folded
    spellings, then names the query begins, then fuzzy matches. `place_ids` restricts the search.

    Each result: slug, name_en, name_ar, kind, score (0-1), point [lon, lat], matched (the name that met q).
    Raises ValueError if q has no letters or digits.
    """
    index = get_index()
    words = name_words(q)
    exact = exact_key(q)
    if not words and not exact:
        raise ValueError("q has no letters or digits")
    key = " ".join(words)
    best: dict[int, tuple[float, str]] = {}

    def offer(entries: list[NameEntry], score_official: float, score_variant: float) -> None:
        for entry in entries:
            if place_ids is not None and entry.place_id not in place_ids:
                continue
            score = score_official if entry.official else score_variant
            if score > best.get(entry.place_id, (0.0, ""))[0]:
                best[entry.place_id] = (score, entry.name)

    offer(index.by_exact.get(exact, []), SCORE_EXACT_OFFICIAL, SCORE_EXACT_VARIANT)
    offer(index.by_key.get(key, []), SCORE_KEY_OFFICIAL, SCORE_KEY_VARIANT)
    core = " ".join(without_generic(words))
    for probe in {key, core} - {""}:
        offer(index.by_core.get(probe, []), SCORE_CORE, SCORE_CORE)
        if probe == core:
            offer(index.by_key.get(probe, []), SCORE_CORE, SCORE_CORE)
    # An Arabic query may carry a proclitic (والجورة, بالجورة): read it without, a little lower.
    tokens = tokenize(q)
    if tokens and is_arabic(tokens[0].raw):
        rest = words[1:]
        for reading in token_readings(tokens[0])[1:]:
            stripped = " ".join([reading.key, *rest])
            offer(index.by_key.get(stripped, []), SCORE_KEY_VARIANT - 0.02, SCORE_KEY_VARIANT - 0.03)
            offer(index.by_core.get(stripped, []), SCORE_CORE - 0.02, SCORE_CORE - 0.02)
    if len(tokens) > 1:  # a name written as one word, searched for as two: البو كمال for البوكمال
        joined = " ".join(name_words("".join(token.raw for token in tokens)))
        offer(index.by_key.get(joined, []), SCORE_KEY_VARIANT - 0.01, SCORE_KEY_VARIANT - 0.02)
    if len(key) >= MIN_PREFIX:
        low, high = SCORE_PREFIX
        for name_key, at_start in prefix_keys(index, key):
            if len(words) > 1 and name_key.startswith(key + " "):
                # Whole words that begin a longer name: they outrank the shorter name the query holds once a
                # generic word is set aside (مطار دير الزور: the airport, not the city).
                score = SCORE_WORDS_START
            else:
                # A longer share of the name typed scores higher; the start of the whole name over a later word.
                score = low + (high - low) * (len(key) / len(name_key)) * (1.0 if at_start else 0.8)
            offer(index.by_key[name_key], score, score - 0.01)
    if len(best) < limit and key:
        # token_sort_ratio, with the keys' words sorted once when the index was built (the same scores, half the time)
        for _, similarity, at in process.extract(
            sort_words(key), index.sorted_keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=limit * 4
        ):
            name_key = index.keys[at]
            score = round(SCORE_FUZZY_MAX * similarity / 100, 3)
            offer(index.by_key[name_key], score, score - 0.01)
    ranked = sorted(best.items(), key=lambda item: (-item[1][0], index.places[item[0]].slug))[:limit]
    return [_place_result(index, place_id, score, name) for place_id, (score, name) in ranked]


def _place_result(index: GazetteerIndex, place_id: int, score: float, matched: str) -> dict:
    place = index.places[place_id]
    return {
        "slug": place.slug,
        "name_en": place.name_en,
        "name_ar": place.name_ar,
        "kind": place.kind,
        "score": round(score, 3),
        "point": list(place.point),
        "matched": matched,
    }


# --- places in text -------------------------------------------------------------------------------------

# What may stand between two words of one name in a text: spaces, one line break, hyphens and dashes.
# Commas, full stops, quotes and brackets end a name.
_JOINER = re.compile(r"[ \t\u00a0\u200c\u200d\u0640\-\u2010\u2011\u2012\u2013]*(?:\r?\n[ \t\u00a0]*)?")
_HYPHEN_AFTER = re.compile(r"[\-\u2010\u2011]")
_LATIN_UPPER = re.compile(r"[A-Z\u00c0-\u00de]")


@dataclass
class _Word:
    readings: list[Reading]
    start: int
    end: int
    joined: bool  # may continue a name begun by the word before it
    article_start: int | None  # where an article just before it starts (al-Bughayliyah), if any
    # The readings it may end a name with: a possessive may go (Zor's), a proclitic may not (those start a name).
    endings: list[Reading] = field(default_factory=list)


def _words_of(text: str, tokens: list[Token]) -> list[_Word]:
    """The significant words of a text. Articles and "the" are set aside but remembered: they may sit inside
    a name (Deir al-Zour) and a highlighted name starts at its article (al-Bughayliyah). An Arabic word that is
    a word of its own (كبيرة "big") is not read as a proclitic and a name (ك + بيرة)."""
    words: list[_Word] = []
    gap_start = 0  # where the text since the last significant word begins
    gap_ok = True  # nothing but joiners and articles since the last significant word
    pending_article: int | None = None
    for token in tokens:
        gap_ok = gap_ok and _JOINER.fullmatch(text, gap_start, token.start) is not None
        at = token.start
        readings = [Reading(key, at + start, at + end, stripped) for key, start, end, stripped in _readings(token.raw)]
        if not readings:  # an article, "the", or nothing readable
            exact = word_exact(token.raw)
            hyphenated = _HYPHEN_AFTER.match(text, token.end) is not None
            if exact in ARTICLES and (exact not in AMBIGUOUS_ARTICLES or hyphenated):
                pending_article = token.start
            else:
                pending_article = None
            gap_start = token.end
            continue
        endings = [r for r in readings if r.start == token.start]
        words.append(_Word(readings, token.start, token.end, gap_ok and bool(words), pending_article, endings))
        pending_article = None
        gap_start = token.end
        gap_ok = True
    return words


@lru_cache(maxsize=100_000)  # a text repeats its words: each is read once
def _readings(raw: str) -> tuple[tuple[str, int, int, bool], ...]:
    """The readings of a word of a text (normalize.word_readings), less the proclitic readings of an Arabic word
    that is a word of its own."""
    readings = word_readings(raw)
    if len(readings) > 1 and is_arabic(raw):
        readings = tuple(r for r in readings if not r[3] or not _a_word_of_its_own(raw, raw[r[1] : r[2]]))
    return readings


def _a_word_of_its_own(word: str, stem: str) -> bool:
    """Whether an Arabic word is itself a common word, more common than what is left once a proclitic is taken
    off: كبيرة (5.6) is "big", not ك + بيرة (3.1); بحلب (3.7) is ب + حلب (4.9); والرقة and وهرابش are rare."""
    own = evidence.zipf(word)
    return own >= evidence.RARE_ZIPF and own > evidence.zipf(stem)


CONFIDENT = 0.5  # a mention at least this sure is a place; below, it is shown with why not
SHOWN = 0.1  # below this (على with nothing around it) a mention is not worth an editor's glance
# What each kind of evidence adds to (or takes from) a name's prior, which its commonness sets (evidence.prior).
WEIGHT = {
    "cue": 0.5,  # قرية الباغوز, the village of Dabiq, Manbij countryside
    "preposition": 0.25,  # في الرقة, near Manbij, north of al-Bab
    "list": 0.3,  # one of a list of places: طفس واليادودة والمزيريب
    "map": 0.15,  # one of the zones of the map the text is matched for
    "known": 0.25,  # a seat or an administrative area: the places a text names without saying what they are
    "again": 0.15,  # the same place is named with confidence elsewhere in the text
    "inside-generic": -0.2,  # read without its generic word (الثردة for جبل الثردة)
    "kind-word": -0.5,  # the name is a word for a kind of place: مدينة, القرى
    "other-name": -0.6,  # part of the name of something else: قوات سوريا الديمقراطية, سد الفرات
    "capitalised-neighbour": -0.25,  # in English, inside a longer capitalised name: Tishreen Dam, Bashar al-Assad
    # A spelling the gazetteer lacks, close to one of its names (Tabqa for At Tabaqah): a rare word alone is then
    # not enough (people's names are rare words too, and many are near some village's), one more sign is.
    "spelling": -0.45,
    "abroad": -0.6,  # the name of a country, a capital or a great city abroad, and here only of villages: Ankara
}
# Choosing among same-named places (added to each place's prominence, index._rank).
CHOOSE_TIER = {TIER_OFFICIAL: 0.0, TIER_VARIANT: -0.05, TIER_GENERIC: -0.3, TIER_LOOSE: -0.1}
CHOOSE_KIND_CUE = 0.4  # ريف حلب / Aleppo province: the governorate; مدينة حلب / the city of Aleppo: the city
CHOOSE_FAR_KM = 300  # beyond this from every other place the text names, a place gets the whole distance penalty
CHOOSE_FAR = 0.5
LARGE_AREA_KM2 = 10_000
ANCHOR_MAX_KM2 = 50_000  # a country is no clue to where a text is
ANCHOR_WINDOW = 15  # mentions before and after an ambiguous one whose places say where the text is
# Between two names of a list: a comma, "and", "or" (Arabic و is joined to the next name: طفس واليادودة).
# Quotes and joiners around the names do not count («الجورة» و«القصور»).
_LIST_GAP = re.compile(r"\s*(?:[,،]|[,،]?\s*(?:and|or|as well as|و)(?=\s|$))\s*", re.IGNORECASE)
_QUOTES = str.maketrans(dict.fromkeys("\"'«»“”‘’()\u200c\u200d"))
_SENTENCE_END = re.compile(r"[.!?؟\n:]|^\s*$")
_CLEAN_GAP = re.compile(r"[ \t\u00a0\u200c\u200d\-\u2010\u2011]*")


@dataclass
class _Mention:
    start: int
    end: int
    word_start: int  # where the word that begins it starts, proclitics included (وبقرية ...)
    candidates: dict[int, int]  # place id -> best tier of the name read
    entries: list[tuple[int, NameEntry]]
    proclitic: str
    generic_inside: bool  # its name holds a generic word: جبل الثردة, Panorama roundabout
    evidence: list[dict] = field(default_factory=list)
    kind_cue: str | None = None  # "area" or "settlement", from the cue word before or after it
    confidence: float = 0.0
    place_id: int | None = None
    scores: dict[int, float] = field(default_factory=dict)
    chosen_by: list[str] = field(default_factory=list)

    @property
    def confident(self) -> bool:
        return self.confidence >= CONFIDENT


def places_match(*, text: str, place_ids: Collection[int] | None = None) -> list[dict]:
    """Every mention of a gazetteer place in `text`, in order, longest names first and without overlaps, with
    how sure the match is and why (docs/geoparsing.md):
    [{place, name_en, name_ar, start, end, text, matched, alternatives, confidence, confident, evidence,
    chosen_by, runners_up}]. `start` and `end` are offsets into `text` in code points (Python string indices),
    end exclusive; text[start:end] is the mention.

    Arabic words are read with and without proclitics (والجورة, بالجورة, للجورة) and the mention starts after
    them; a Latin article before a name is part of the mention. In a text that uses capitals, a Latin mention
    written all in lower case is taken only for a name stored in lower case ("panorama" is not Panorama).

    A name that is a common word of its language (على, مدينة, "Hit") is confident only with evidence around it:
    a place-type word, a preposition of place, a list of other places, the map's zones when `place_ids` is a
    map's. Of several places of the same name, the best known and the nearest to the text's other places wins;
    the others are the runners-up. Mentions that are barely a place (below SHOWN) are left out.
    """
    index = get_index()
    tokens = tokenize(text)
    words = _words_of(text, tokens)
    cased = _LATIN_UPPER.search(text) is not None
    mentions: list[_Mention] = []
    position = 0
    while position < len(words):
        found = _longest_at(index, words, position, place_ids, cased, text)
        if found is None and cased:
            found = _loose_at(index, words, position, place_ids, text)
        if found is None:
            position += 1
            continue
        length, first_reading, end, candidates = found
        first = words[position]
        start = first_reading.start
        if first.article_start is not None and start == first.start:
            start = first.article_start
        best: dict[int, int] = {}
        for tier, entry in candidates:
            best[entry.place_id] = min(tier, best.get(entry.place_id, tier))
        generic_inside = length > 1 and any(
            is_generic(r.key) for w in words[position : position + length] for r in w.readings[:1]
        )
        mentions.append(
            _Mention(
                start=start,
                end=end,
                word_start=min(first.start, start),
                candidates=best,
                entries=candidates,
                proclitic=text[first.start : first_reading.start] if first_reading.stripped else "",
                generic_inside=generic_inside,
            )
        )
        position += length
    starts = [token.start for token in tokens]
    for mention in mentions:
        _read_context(mention, text, tokens, starts, place_ids)
    _decide(index, mentions, text, place_ids is not None)
    return [_mention_result(index, m, text) for m in mentions if m.confidence >= SHOWN]


def _longest_at(index, words: list[_Word], position: int, place_ids, cased: bool, text: str):
    """The longest name that starts at `position`: (words, first reading, end, candidates) or None. A name grows
    word by word only while the words so far begin some name (index.prefixes), so most words cost one look-up."""
    word = words[position]
    spans = []  # (words, first reading, last reading, keys), the readings of the first word in order
    for first in word.readings:
        keys: tuple[str, ...] = (first.key,)
        spans.append((1, first, first, keys))
        if first.end != word.end:
            continue  # a possessive cannot sit inside a name
        at = position + 1
        while keys in index.prefixes and at < len(words) and words[at].joined:
            # The last word may lose a possessive (Zor's) but not a proclitic: those only start a name.
            for last in words[at].endings:
                spans.append((len(keys) + 1, first, last, (*keys, last.key)))
            keys = (*keys, words[at].readings[0].key)
            at += 1
    spans.sort(key=lambda span: -span[0])  # stable: longest first, then the readings in order
    for length, first, last, keys in spans:
        candidates = index.phrases.get(keys)
        if not candidates:
            continue
        if candidates[0][0] < TIER_GENERIC:
            # A whole name of some place beats a name read without its generic words, even when that place is
            # not among those asked for: "Deir ez-Zor" is the city, not its airport.
            candidates = [c for c in candidates if c[0] < TIER_GENERIC]
        if place_ids is not None:
            candidates = [c for c in candidates if c[1].place_id in place_ids]
        if not candidates:
            continue
        start, end = first.start, last.end
        if cased and not is_arabic(text[start:end]) and not _LATIN_UPPER.search(text[start:end]):
            candidates = [c for c in candidates if c[1].name == c[1].name.lower()]
            if not candidates:
                continue
        return length, first, end, candidates
    return None


# A spelling the gazetteer lacks is read as one of its names only when the two are this close (rapidfuzz ratio
# of the search keys, 0-100: Tabqa/Tabaqah 91, Shaddadi/Shaddadah 86, Qaryatain/Qariateine 84; Shahid/Shaddadah
# 62) and the word is long enough for closeness to mean something (five letters of its search key).
LOOSE_MIN_RATIO = 80
LOOSE_MIN_LETTERS = 5


def _loose_at(index, words: list[_Word], position: int, place_ids, text: str):
    """The longest name at `position` whose spelling differs from the text's in its vowels, i/u for y/w or its
    ending (normalize.loose_keys): a transliteration the gazetteer does not list (Tabqa for At Tabaqah). Only for Latin
    words that look like a name and are not words of the language: every word capitalised, and the words no more
    common than a rare word (evidence.RARE_ZIPF); the closest spelling wins, and its places are TIER_LOOSE."""
    first_word = words[position]
    if is_arabic(first_word.readings[0].key) or not _LATIN_UPPER.match(text, first_word.start):
        return None
    reach = 1
    while reach < index.max_words and position + reach < len(words) and words[position + reach].joined:
        if not _LATIN_UPPER.match(text, words[position + reach].start):
            break
        reach += 1
    for length in range(reach, 0, -1):
        span = words[position : position + length]
        first, last = span[0].readings[0], span[-1].endings[0] if length > 1 else span[0].endings[0]
        keys = [first.key] + [w.readings[0].key for w in span[1:-1]] + ([last.key] if length > 1 else [])
        joined = " ".join(keys)
        if len(joined) - joined.count(" ") < LOOSE_MIN_LETTERS:
            continue
        # sorted: the same answer in every process (a set's order of strings is not)
        phrases = sorted({phrase for loose in loose_keys(joined) for phrase in index.loose.get(loose, ())})
        if not phrases:
            continue
        if evidence.zipf(text[first.start : last.end]) > evidence.RARE_ZIPF:
            continue
        scored = [(fuzz.ratio(joined, " ".join(phrase)), phrase) for phrase in phrases]
        best = max(ratio for ratio, _ in scored)
        if best < LOOSE_MIN_RATIO:
            continue
        candidates = [
            (TIER_LOOSE, entry)
            for ratio, phrase in scored
            if ratio == best
            for tier, entry in index.phrases[phrase]
            if tier < TIER_GENERIC and (place_ids is None or entry.place_id in place_ids)
        ]
        if candidates:
            return length, first, last.end, candidates
    return None


def _add(mention: _Mention, kind: str, detail: str, weight: float | None = None) -> None:
    weight = WEIGHT[kind] if weight is None else weight
    mention.evidence.append({"kind": kind, "detail": detail, "weight": round(weight, 2)})


def _read_context(mention: _Mention, text: str, tokens: list[Token], starts: list[int], place_ids) -> None:
    """The evidence in the words around a mention (the prior, cues, prepositions, other names, the map)."""
    surface = text[mention.start : mention.end]
    arabic = is_arabic(surface)
    frequency = evidence.zipf(surface)
    if mention.proclitic.endswith("ل") and surface.startswith("ل"):  # للمدينة: ل + المدينة, the alef unwritten
        frequency = max(frequency, evidence.zipf("ال" + surface[1:]))
    _add(mention, "common-word" if frequency > evidence.RARE_ZIPF else "rare-word", f"Zipf {frequency:.1f}",
         evidence.prior(frequency))  # fmt: skip
    if mention.generic_inside:
        _add(mention, "cue", "its name says what it is")
    if evidence.is_kind_word(surface if not mention.proclitic.endswith("ل") else "ال" + surface[1:]):
        _add(mention, "kind-word", surface)
    if all(tier == TIER_GENERIC for tier in mention.candidates.values()):
        _add(mention, "inside-generic", "read without its generic word")
    if all(tier == TIER_LOOSE for tier in mention.candidates.values()):
        _add(mention, "spelling", mention.entries[0][1].name)
    at = bisect.bisect_left(starts, mention.word_start)
    before = tokens[at - 1] if at > 0 else None
    before2 = tokens[at - 2] if at > 1 else None
    after_at = bisect.bisect_left(starts, mention.end)
    after = tokens[after_at] if after_at < len(tokens) else None
    clean_before = before is not None and _CLEAN_GAP.fullmatch(text, before.end, mention.word_start) is not None
    clean_after = after is not None and _CLEAN_GAP.fullmatch(text, mention.end, after.start) is not None
    if arabic:
        if mention.proclitic[-1:] in ("ب", "ل"):
            _add(mention, "preposition", mention.proclitic)
        if clean_before:
            kind = evidence.arabic_word_kind(before.raw)
            if kind in ("cue", "area-cue"):
                _add(mention, "cue", before.raw)
                mention.kind_cue = "area" if kind == "area-cue" else (
                    "settlement" if evidence.is_settlement_cue(before.raw) else None)  # fmt: skip
            elif kind == "place" and mention.proclitic[-1:] not in ("ب", "ل"):
                _add(mention, "preposition", before.raw)
            elif kind == "other-head":
                _add(mention, "other-name", before.raw)
    else:
        lower = before.raw.lower() if before else ""
        pair = f"{before2.raw.lower()} {lower}" if before2 and before else ""
        sentence_start = before is None or _SENTENCE_END.search(text, before.end, mention.word_start) is not None
        if clean_before and pair in evidence.ENGLISH_CUES_BEFORE:
            _add(mention, "cue", pair)
            cue_word = pair.split()[0]
            mention.kind_cue = "area" if cue_word in evidence.ENGLISH_AREA_CUES else (
                "settlement" if cue_word in evidence.ENGLISH_SETTLEMENT_CUES else None)  # fmt: skip
        elif clean_before and lower in evidence.ENGLISH_PLACE_WORDS:
            _add(mention, "preposition", before.raw)
        elif clean_before and lower == "of" and before2 and before2.raw.lower() in evidence.ENGLISH_DIRECTIONS:
            _add(mention, "preposition", pair)
        elif clean_before and not sentence_start and before.raw[:1].isupper() and lower not in _ENGLISH_FUNCTION:
            _add(mention, "capitalised-neighbour", before.raw)
        if clean_after:
            next_word = after.raw.lower()
            if next_word in evidence.ENGLISH_CUES_AFTER:
                _add(mention, "cue", after.raw)
                mention.kind_cue = "area" if next_word in evidence.ENGLISH_AREA_CUES else (
                    "settlement" if next_word in evidence.ENGLISH_SETTLEMENT_CUES else None)  # fmt: skip
            elif after.raw[:1].isupper() and next_word not in _ENGLISH_FUNCTION:
                _add(mention, "capitalised-neighbour", after.raw)
    if place_ids is not None:
        _add(mention, "map", "one of the map's zones")


# Capitalised words beside a name that do not make it part of a longer one (a dateline's agency, a title).
_ENGLISH_FUNCTION = frozenset("the a an and or of in on at to from reuters afp ap".split())


def _confidence(mention: _Mention) -> float:
    return max(0.0, min(1.0, sum(item["weight"] for item in mention.evidence)))


def _choose(index: GazetteerIndex, mention: _Mention, anchors: list[tuple[float, float]], on_map: bool) -> None:
    """Pick the mention's place among those of the same name: prominence, the cue's kind, closeness."""
    scores: dict[int, float] = {}
    # The largest area of the name short of a country: "Deir al-Zor province" is the governorate, not the district.
    areas = [pid for pid in mention.candidates if index.places[pid].kind in ADMIN_KINDS]
    areas = [pid for pid in areas if index.places[pid].area_km2 < ANCHOR_MAX_KM2]
    largest = max(areas, key=lambda pid: index.places[pid].area_km2, default=None)
    for place_id, tier in mention.candidates.items():
        place = index.places[place_id]
        score = place.prominence + CHOOSE_TIER[tier]
        if mention.kind_cue == "area" and place.kind in ADMIN_KINDS:
            score += CHOOSE_KIND_CUE + (0.1 if place_id == largest else 0.0)
        elif mention.kind_cue == "settlement" and place.kind in SETTLEMENT_KINDS:
            score += CHOOSE_KIND_CUE
        scores[place_id] = score
    if anchors:
        # Settlements by their distance from the text's other places, the nearest losing nothing; an area is as
        # near as the nearest of them (the governorate of Raqqa is not nearer than Raqqa to a village by it).
        far = {
            place_id: CHOOSE_FAR
            * min(min(_flat_km(index.places[place_id].point, a) for a in anchors), CHOOSE_FAR_KM)
            / CHOOSE_FAR_KM
            for place_id in scores
            if index.places[place_id].kind not in ADMIN_KINDS
        }
        nearest = min(far.values(), default=0.0)
        for place_id in scores:
            scores[place_id] -= far.get(place_id, nearest) - nearest
    ranked = sorted(scores, key=lambda pid: (-scores[pid], index.places[pid].slug))
    mention.place_id = ranked[0]
    mention.scores = scores
    reasons = []
    if len(ranked) == 1:
        reasons.append("the only place of that name" + (" on the map" if on_map else ""))
    else:
        if mention.kind_cue:
            reasons.append(f"the cue says {'an area' if mention.kind_cue == 'area' else 'a town or village'}")
        reasons.append("best known")
        if anchors:
            reasons.append("nearest to the other places named")
        if on_map:
            reasons.append("on the map")
    mention.chosen_by = reasons


# The kinds of place a name abroad overrules: the least known (index._KIND_PROMINENCE). A district of a city, a
# base or an airport of the gazetteer is not named like a capital by chance.
_ABROAD_OVERRULES = frozenset({PlaceKind.VILLAGE, PlaceKind.LOCALITY})


def _read_abroad(index: GazetteerIndex, mention: _Mention, text: str) -> None:
    """A name of a country, a capital or a great city abroad (evidence.abroad) is that place, not a village or
    locality of the gazetteer of the same name, unless the text says otherwise (a cue: "the village of Ankara",
    قرية أنقرة). A place of the name of another kind or a seat is not overruled (the gazetteer's own Damascus), nor
    is one that lies by the city abroad (the gazetteer is of that country)."""
    if any(item["kind"] == "cue" for item in mention.evidence):
        return  # the text says what it is: قرية أنقرة (whose commonness as a word is the city's already)
    places = [index.places[pid] for pid in mention.candidates]
    if any(p.seat or p.kind not in _ABROAD_OVERRULES for p in places):
        return
    for place in evidence.abroad(text[mention.start : mention.end]):
        if place.point is None or all(_flat_km(place.point, p.point) > evidence.ABROAD_NEAR_KM for p in places):
            _add(mention, "abroad", place.what)
            return


def _flat_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance between two (lon, lat) points on a flat map of the region: within a percent of the great circle
    at a country's scale, and several times cheaper (a long text compares thousands of pairs)."""
    x = (a[0] - b[0]) * 111.32 * math.cos(math.radians((a[1] + b[1]) / 2))
    y = (a[1] - b[1]) * 110.57
    return math.hypot(x, y)


def _decide(index: GazetteerIndex, mentions: list[_Mention], text: str, on_map: bool) -> None:
    """Two passes: each mention's place by prominence alone, then, once the sure mentions are known, by
    closeness to them too; evidence that needs the others (a list, a name said twice) is added in between."""
    for mention in mentions:
        _choose(index, mention, [], on_map)
        place = index.places[mention.place_id]
        # "Syrian" is a variant name of Syria, not the country named; Tabqa is the well-known town, spelled loosely.
        official = mention.candidates[mention.place_id] in (TIER_OFFICIAL, TIER_LOOSE)
        if (
            (place.seat or place.kind in ADMIN_KINDS)
            and official
            and mention.evidence[0]["weight"] > evidence.prior(evidence.EVERYDAY_ZIPF)
        ):
            if place.seat:
                _add(mention, "known", "a town an administrative area is named after")
            elif place.area_km2 >= LARGE_AREA_KM2:  # a governorate, a country: the best known names there are
                _add(mention, "known", "a large administrative area", WEIGHT["known"] + 0.1)
            else:
                _add(mention, "known", "an administrative area")
        _read_abroad(index, mention, text)
        mention.confidence = _confidence(mention)
    # Lists: a name beside a confident one, with only a comma, "and" or و between them, is one of a list.
    for _ in range(3):
        changed = False
        for number, mention in enumerate(mentions):
            if mention.confident or any(e["kind"] == "list" for e in mention.evidence):
                continue
            neighbours = []
            if number:
                neighbours.append((mentions[number - 1], mentions[number - 1].end, mention.word_start))
            if number + 1 < len(mentions):
                neighbours.append((mentions[number + 1], mention.end, mentions[number + 1].word_start))
            for other, gap_start, gap_end in neighbours:
                later = mention if other.start < mention.start else other
                gap = text[gap_start:gap_end].translate(_QUOTES)
                joined_and = later.proclitic.startswith("و") and gap.strip() in ("", "،", ",")
                if other.confident and (joined_and or _LIST_GAP.fullmatch(gap)):
                    _add(mention, "list", text[other.start : other.end])
                    mention.confidence = _confidence(mention)
                    changed = True
                    break
        if not changed:
            break
    # A name said again: the same place, spelled the same, confident elsewhere ("Syria" does not vouch for "Syrian").
    sure = {(m.place_id, exact_key(text[m.start : m.end])) for m in mentions if m.confident}
    for mention in mentions:
        key = (mention.place_id, exact_key(text[mention.start : mention.end]))
        if not mention.confident and key in sure and mention.evidence[0]["weight"] > 0:
            _add(mention, "again", "named with confidence elsewhere in the text")
            mention.confidence = _confidence(mention)
    # Closeness: the sure mentions' places are where the text is; ambiguous names take the place nearest them.
    # The places named nearby in the text count: a long text may be several reports from all over a country.
    sure_places = [
        m.place_id if m.confident and index.places[m.place_id].area_km2 < ANCHOR_MAX_KM2 else None for m in mentions
    ]
    for number, mention in enumerate(mentions):
        if len(mention.candidates) < 2:
            continue
        # Other places, not other readings of this name; a country says nothing of where in it the text is.
        nearby = sure_places[max(0, number - ANCHOR_WINDOW) : number + ANCHOR_WINDOW + 1]
        anchors = list({index.places[pid].point for pid in nearby if pid is not None and pid not in mention.candidates})
        if anchors:
            _choose(index, mention, anchors, on_map)


def _mention_result(index: GazetteerIndex, mention: _Mention, text: str) -> dict:
    place = index.places[mention.place_id]
    spelled = exact_key(text[mention.start : mention.end])
    names = [entry.name for _, entry in mention.entries if entry.place_id == mention.place_id]
    matched = next((name for name in names if exact_key(name) == spelled), names[0])
    runners = sorted(
        (pid for pid in mention.scores if pid != mention.place_id),
        key=lambda pid: (-mention.scores[pid], index.places[pid].slug),
    )
    return {
        "place": place.slug,
        "name_en": place.name_en,
        "name_ar": place.name_ar,
        "start": mention.start,
        "end": mention.end,
        "text": text[mention.start : mention.end],
        "matched": matched,
        "alternatives": [index.places[pid].slug for pid in runners],
        "confidence": round(mention.confidence, 2),
        "confident": mention.confident,
        "evidence": mention.evidence,
        "chosen_by": mention.chosen_by,
        "runners_up": [
            {
                "place": index.places[pid].slug,
                "name_en": index.places[pid].name_en,
                "name_ar": index.places[pid].name_ar,
                "kind": index.places[pid].kind,
                "score": round(mention.scores[pid], 2),
            }
            for pid in runners[:RUNNERS_UP]
        ],
    }


RUNNERS_UP = 5


__all__ = ["places_search", "places_match", "TIER_OFFICIAL", "TIER_VARIANT"]
