"""An in-memory index of every name of every place, for search and for finding places in text.

Built from the database on first use and kept per process; rebuilt when the gazetteer changes. A change is
seen through a one-query signature (last ids and last history rows of places and names),
so edits made by other processes, by the admin or by a shell are picked up on the next request.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
import threading
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection

from gazetteer.models import NameKind, Place, PlaceKind, PlaceName
from gazetteer.normalize import exact_key, is_arabic, loose_keys, name_words, tokenize, without_generic

# How strongly a name identifies its place, best first. Used by search (as a score) and by matching.
TIER_OFFICIAL, TIER_VARIANT, TIER_GENERIC = 0, 1, 2
# A spelling of a text that no name has, read as a close transliteration of one (selectors._loose_at).
TIER_LOOSE = 3


@dataclass(frozen=True)
class PlaceEntry:
    id: int
    slug: str
    name_en: str
    name_ar: str
    kind: str
    point: tuple[float, float]  # lon, lat
    area_km2: float = 0.0
    # How well known the place is, for telling same-named places apart (see _prominence): its kind, its
    # administrative level, whether it is the seat its district or governorate is named after, how many names
    # the gazetteer gives it. The gazetteer holds no populations, so this stands in for one.
    prominence: float = 0.0
    seat: bool = False  # a town that names an administrative area (Manbij, of the Manbij district)


@dataclass(frozen=True)
class NameEntry:
    place_id: int
    name: str
    official: bool


def sort_words(key: str) -> str:
    """A key's words in sorted order, as rapidfuzz's token_sort_ratio compares them."""
    return " ".join(sorted(key.split()))


@dataclass
class GazetteerIndex:
    places: dict[int, PlaceEntry] = field(default_factory=dict)
    by_exact: dict[str, list[NameEntry]] = field(default_factory=lambda: defaultdict(list))
    by_key: dict[str, list[NameEntry]] = field(default_factory=lambda: defaultdict(list))
    # The name without its generic words (جبل الثردة -> ثرده, Harabesh hill -> harabesh): a weaker reading.
    by_core: dict[str, list[NameEntry]] = field(default_factory=lambda: defaultdict(list))
    # For matching text: the words of each key or core, and the best tier that spelling has for each place.
    phrases: dict[tuple[str, ...], list[tuple[int, NameEntry]]] = field(default_factory=lambda: defaultdict(list))
    max_words: int = 1
    keys: list[str] = field(default_factory=list)  # distinct search keys, for fuzzy matching
    # Each key with its words in order (sort_words), index for index with `keys`: fuzzy search compares these with
    # plain ratio, which is token_sort_ratio without sorting 30,000 keys' words again for every query.
    sorted_keys: list[str] = field(default_factory=list)
    # Sorted (suffix of a key starting at a word, key) pairs, for prefix search on any word of a name.
    word_suffixes: list[tuple[str, str]] = field(default_factory=list)
    # The Latin phrases (a place's whole name, not one read without its generic word) by their loose keys, the
    # consonants (normalize.loose_keys): where a spelling the gazetteer lacks looks for the names it may be.
    loose: dict[str, list[tuple[str, ...]]] = field(default_factory=lambda: defaultdict(list))
    # Every beginning of a phrase short of the whole (("دير",) of دير الزور): matching a text reads a name on
    # only while its words so far begin one.
    prefixes: set[tuple[str, ...]] = field(default_factory=set)

    def add(self, entry: NameEntry, raw_name: str) -> None:
        words = name_words(raw_name)
        if not words:
            return
        self.by_exact[exact_key(raw_name)].append(entry)
        self._add_words(entry, words, TIER_OFFICIAL if entry.official else TIER_VARIANT)
        # Two words of a name written as one, as news text and social media often do: ديرالزور, Deir Alzour,
        # Aljoura. A variant spelling, found by search and in text like any other.
        tokens = [token.raw for token in tokenize(raw_name)]
        spellings = [[*tokens[:at], tokens[at] + tokens[at + 1], *tokens[at + 2 :]] for at in range(len(tokens) - 1)]
        if len(tokens) > 2:
            spellings.append(["".join(tokens)])  # Deirezzor
        for spelling in spellings:
            joined = name_words(" ".join(spelling))
            if joined and joined != words:
                self._add_words(entry, joined, TIER_VARIANT)
        self.max_words = max(self.max_words, len(words))

    def _add_words(self, entry: NameEntry, words: list[str], tier: int) -> None:
        key = " ".join(words)
        if entry not in self.by_key[key]:
            self.by_key[key].append(entry)
            self.phrases[tuple(words)].append((tier, entry))
        core = without_generic(words)
        if core and core != words and entry not in self.by_core[" ".join(core)]:
            self.by_core[" ".join(core)].append(entry)
            self.phrases[tuple(core)].append((TIER_GENERIC, entry))

    def finish(self) -> None:
        self.keys = sorted(self.by_key)
        self.sorted_keys = [sort_words(key) for key in self.keys]
        suffixes = set()
        for key in self.keys:
            words = key.split(" ")
            for start in range(len(words)):
                suffixes.add((" ".join(words[start:]), key))
        self.word_suffixes = sorted(suffixes)
        for phrase, candidates in self.phrases.items():
            self.prefixes.update(phrase[:end] for end in range(1, len(phrase)))
            candidates.sort(key=lambda tier_entry: (tier_entry[0], self.places[tier_entry[1].place_id].slug))
            if candidates[0][0] < TIER_GENERIC and not is_arabic(phrase[0]):
                for loose in loose_keys(" ".join(phrase), of_name=True):
                    self.loose[loose].append(phrase)


_lock = threading.Lock()
_cached: tuple[tuple, GazetteerIndex] | None = None


def _signature() -> tuple:
    """What changes whenever a place or a name is written: the last ids, and the last history rows (every save
    and delete through the ORM, the services and the admin writes one). Primary-key lookups only, so it costs
    the same on a country-sized gazetteer as on the demo."""
    quote = connection.ops.quote_name
    parts = []
    for model in (Place, PlaceName):
        table, history = quote(model._meta.db_table), quote(model.history.model._meta.db_table)
        parts += [
            f"(SELECT MAX(id) FROM {table})",
            f"(SELECT MAX(history_id) FROM {history})",
            f"(SELECT history_date FROM {history} ORDER BY history_id DESC LIMIT 1)",
        ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return (connection.alias, connection.settings_dict["NAME"], *cursor.fetchone())


def _build() -> GazetteerIndex:
    # From the database the signature was read from (the primary), never from a read replica that may lag it:
    # an index built from older rows would be kept under the newer signature until the next edit.
    index = GazetteerIndex()
    places = Place.objects.using(connection.alias)
    for place in places.only("id", "slug", "name_en", "name_ar", "kind", "label_point", "area_km2"):
        point = place.label_point
        index.places[place.id] = PlaceEntry(
            place.id,
            place.slug,
            place.name_en,
            place.name_ar,
            place.kind,
            (round(point.x, 6), round(point.y, 6)),
            place.area_km2 or 0.0,
        )
    names_of: dict[int, int] = defaultdict(int)
    for place_id, name, kind in PlaceName.objects.using(connection.alias).values_list("place_id", "name", "kind"):
        index.add(NameEntry(place_id, name, kind == NameKind.OFFICIAL), name)
        names_of[place_id] += 1
    _rank(index, names_of)
    index.finish()
    return index


ADMIN_KINDS = frozenset({PlaceKind.REGION, PlaceKind.GOVERNORATE})
SETTLEMENT_KINDS = frozenset({PlaceKind.CITY, PlaceKind.TOWN, PlaceKind.VILLAGE, PlaceKind.LOCALITY})
# A place of each kind, before anything else is known of it: a city is better known than a village, and a
# district of a city better than a hill. Administrative areas rank by their size below (a governorate over a
# district), seats by the area they name.
_KIND_PROMINENCE = {
    PlaceKind.CITY: 0.6, PlaceKind.TOWN: 0.45, PlaceKind.AIRPORT: 0.4, PlaceKind.BORDER_CROSSING: 0.4,
    PlaceKind.BASE: 0.35, PlaceKind.DISTRICT: 0.3, PlaceKind.VILLAGE: 0.2, PlaceKind.LOCALITY: 0.2,
}  # fmt: skip


def _rank(index: GazetteerIndex, names_of: dict[int, int]) -> None:
    """Set each place's prominence, and mark the seats: settlements that share a name with an administrative
    area around them (the city of Aleppo and the governorate of Aleppo), the best known places of a country."""
    settlements_named: dict[int, set[int]] = defaultdict(set)  # area id -> settlements of the same name
    for candidates in index.phrases.values():
        tiers = [(tier, index.places[entry.place_id]) for tier, entry in candidates if tier < TIER_GENERIC]
        areas = [place.id for _, place in tiers if place.kind in ADMIN_KINDS]
        towns = {place.id for _, place in tiers if place.kind in SETTLEMENT_KINDS}
        for area in areas:
            settlements_named[area] |= towns
    seats: set[int] = set()
    for area_id, towns in settlements_named.items():
        if not towns:
            continue
        inside = Place.objects.filter(
            id__in=towns, label_point__within=Place.objects.filter(id=area_id).values("footprint")
        ).values_list("id", flat=True)
        seats.update(inside)  # the gazetteer may hold the town twice (Daraa: "Dar a" and "Dar'a")
    for place_id, place in list(index.places.items()):
        if place.kind in ADMIN_KINDS:
            # 0.45 for a district of 500 km², 0.65 for a governorate of 10,000 km² or more: below the town it is
            # named after (a bare "Aleppo" is the city; the text says "province" or "countryside" for the rest)
            rank = min(0.65, 0.1 + 0.13 * math.log10(max(place.area_km2, 1.0)))
        else:
            rank = _KIND_PROMINENCE.get(place.kind, 0.15)
        if place_id in seats:
            rank = max(rank, 0.7)
        if place.kind not in ADMIN_KINDS:  # more spellings, better known (areas are named in many languages)
            rank += min(0.15, 0.03 * max(names_of.get(place_id, 1) - 2, 0))
        index.places[place_id] = dataclasses.replace(place, prominence=round(rank, 3), seat=place_id in seats)


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 12742 * math.asin(math.sqrt(h))


def get_index() -> GazetteerIndex:
    """The index for the current state of the gazetteer (one query when nothing changed)."""
    global _cached
    signature = _signature()
    cached = _cached
    if cached is not None and cached[0] == signature:
        return cached[1]
    with _lock:
        if _cached is not None and _cached[0] == signature:
            return _cached[1]
        index = _build()
        _cached = (signature, index)
        return index


def invalidate() -> None:
    """Forget the index in this process (the services call it after writes; other processes see the
    signature change)."""
    global _cached
    _cached = None


def prefix_keys(index: GazetteerIndex, prefix: str, limit: int = 200) -> list[tuple[str, bool]]:
    """Keys with a word starting with `prefix`: [(key, whole key starts with it)], at most `limit`."""
    found: dict[str, bool] = {}
    position = bisect.bisect_left(index.word_suffixes, (prefix, ""))
    while position < len(index.word_suffixes) and len(found) < limit:
        suffix, key = index.word_suffixes[position]
        if not suffix.startswith(prefix):
            break
        found[key] = found.get(key, False) or key.startswith(prefix)
        position += 1
    return list(found.items())
