"""Reads of the gazetteer that take thought: search across every spelling, and places found in text."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from gazetteer.index import (
    TIER_GENERIC,
    TIER_OFFICIAL,
    TIER_VARIANT,
    GazetteerIndex,
    NameEntry,
    get_index,
    prefix_keys,
    sort_words,
)
from gazetteer.normalize import (
    AMBIGUOUS_ARTICLES,
    ARTICLES,
    Reading,
    exact_key,
    is_arabic,
    name_words,
    token_readings,
    tokenize,
    without_generic,
    word_exact,
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


def _words_of(text: str) -> list[_Word]:
    """The significant words of a text. Articles and "the" are set aside but remembered: they may sit inside
    a name (Deir al-Zour) and a highlighted name starts at its article (al-Bughayliyah)."""
    words: list[_Word] = []
    gap_start = 0  # where the text since the last significant word begins
    gap_ok = True  # nothing but joiners and articles since the last significant word
    pending_article: int | None = None
    for token in tokenize(text):
        gap_ok = gap_ok and _JOINER.fullmatch(text, gap_start, token.start) is not None
        readings = token_readings(token)
        if not readings:  # an article, "the", or nothing readable
            exact = word_exact(token.raw)
            hyphenated = _HYPHEN_AFTER.match(text, token.end) is not None
            if exact in ARTICLES and (exact not in AMBIGUOUS_ARTICLES or hyphenated):
                pending_article = token.start
            else:
                pending_article = None
            gap_start = token.end
            continue
        words.append(_Word(readings, token.start, token.end, gap_ok and bool(words), pending_article))
        pending_article = None
        gap_start = token.end
        gap_ok = True
    return words


def places_match(*, text: str, place_ids: Collection[int] | None = None) -> list[dict]:
    """Every mention of a gazetteer place in `text`, in order, longest names first and without overlaps:
    [{place, name_en, name_ar, start, end, text, matched, alternatives}]. `start` and `end` are offsets into
    `text` in code points (Python string indices), end exclusive; text[start:end] is the mention.

    Arabic words are read with and without proclitics (والجورة, بالجورة, للجورة) and the mention starts after
    them; a Latin article before a name is part of the mention. In a text that uses capitals, a Latin mention
    written all in lower case is taken only for a name stored in lower case ("panorama" is not Panorama).
    """
    index = get_index()
    words = _words_of(text)
    cased = _LATIN_UPPER.search(text) is not None
    matches: list[dict] = []
    position = 0
    while position < len(words):
        found = _longest_at(index, words, position, place_ids, cased, text)
        if found is None:
            position += 1
            continue
        length, start, end, candidates = found
        first = words[position]
        if first.article_start is not None and start == first.start:
            start = first.article_start
        place_id = candidates[0][1].place_id
        place = index.places[place_id]
        # Of the place's names that read this way, the one spelled as in the text.
        spelled = exact_key(text[start:end])
        names = [entry.name for _, entry in candidates if entry.place_id == place_id]
        matched = next((name for name in names if exact_key(name) == spelled), names[0])
        alternatives = []
        for tier, entry in candidates:
            slug = index.places[entry.place_id].slug
            if tier == candidates[0][0] and entry.place_id != place_id and slug not in alternatives:
                alternatives.append(slug)
        matches.append(
            {
                "place": place.slug,
                "name_en": place.name_en,
                "name_ar": place.name_ar,
                "start": start,
                "end": end,
                "text": text[start:end],
                "matched": matched,
                "alternatives": alternatives,
            }
        )
        position += length
    return matches


def _longest_at(index, words: list[_Word], position: int, place_ids, cased: bool, text: str):
    reach = 1
    while reach < index.max_words and position + reach < len(words) and words[position + reach].joined:
        reach += 1
    for length in range(reach, 0, -1):
        tail = words[position + 1 : position + length]
        for first in words[position].readings:
            if length > 1 and first.end != words[position].end:
                continue  # a possessive cannot sit inside a name
            # The last word may lose a possessive (Zor's) but not a proclitic: those only start a name.
            endings = [r for r in tail[-1].readings if r.start == tail[-1].start] if tail else [first]
            for last in endings:
                keys = [first.key] + [w.readings[0].key for w in tail[:-1]] + ([last.key] if tail else [])
                candidates = index.phrases.get(tuple(keys))
                if not candidates:
                    continue
                if candidates[0][0] < TIER_GENERIC:
                    # A whole name of some place beats a name read without its generic words, even when that
                    # place is not among those asked for: "Deir ez-Zor" is the city, not its airport.
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
                return length, start, end, candidates
    return None


__all__ = ["places_search", "places_match", "TIER_OFFICIAL", "TIER_VARIANT"]
