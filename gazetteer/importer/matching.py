"""Which existing place a feature names: same name after normalisation, overlapping shapes, compatible kinds."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import shapely
from django.utils.text import slugify
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

from gazetteer.importer.features import Feature
from gazetteer.importer.options import KIND_FAMILIES, MERGE_MIN_SHARE, MERGE_POINT_DISTANCE_M
from gazetteer.models import Place, PlaceKind, PlaceName
from gazetteer.normalize import exact_key, is_arabic, search_key
from mapapp.lib import geo


@dataclass
class Candidate:
    place: Place | None  # None while only pending creation in this import
    slug: str
    kind: str
    shape: BaseGeometry | None  # footprint (MultiPolygon) or None
    point: shapely.Point
    approximate: bool
    names: set[tuple[str, str]]
    pending: dict | None = None  # the creation row, for places this import creates


def _kinds_compatible(one: str, other: str) -> bool:
    if one == other or PlaceKind.OTHER in (one, other):
        return True
    return any(one in family and other in family for family in KIND_FAMILIES)


def _distance_m(a: shapely.Point, b: shapely.Point) -> float:
    return Geod(ellps="WGS84").inv(a.x, a.y, b.x, b.y)[2]


def _overlap(feature: Feature, candidate: Candidate) -> float:
    """How much the feature and a place share: > 0 when they are the same ground, 0 when not."""
    shape = feature.shape
    if feature.is_point:
        if candidate.shape is not None and candidate.shape.covers(shape):
            return 1.0
        distance = _distance_m(shape, candidate.point)
        return 1.0 - distance / MERGE_POINT_DISTANCE_M if distance < MERGE_POINT_DISTANCE_M else 0.0
    if candidate.shape is not None:
        if not shape.intersects(candidate.shape):
            return 0.0
        shared = shape.intersection(candidate.shape).area
        if shared <= 0:
            return 0.0
        if candidate.approximate:  # a circle or a cell drawn around a point: any real outline over it will do
            return shared / min(shape.area, candidate.shape.area)
        # Two real outlines are one place when they cover much the same ground, not when one holds the other:
        # Who's On First's districts lie inside the governorates they are named after, and fill 19-76% of them.
        share = shared / max(shape.area, candidate.shape.area)
        return share if share >= MERGE_MIN_SHARE else 0.0
    return 1.0 if shape.covers(candidate.point) else 0.0


class Gazetteer:
    """The places a feature could be merged into, by search key: the database's and this import's own."""

    def __init__(self):
        self.by_key: dict[str, set[int]] = defaultdict(set)
        self.pending_by_key: dict[str, list[Candidate]] = defaultdict(list)
        for place_id, key in PlaceName.objects.values_list("place_id", "search_key"):
            self.by_key[key].add(place_id)
        self.loaded: dict[int, Candidate] = {}
        self.slugs = set(Place.objects.values_list("slug", flat=True))

    def candidates(self, feature: Feature) -> list[Candidate]:
        keys = {search_key(name) for name, _ in feature.names} - {""}
        ids = set().union(*(self.by_key.get(key, set()) for key in keys)) if keys else set()
        missing = ids - set(self.loaded)
        if missing:
            for place in Place.objects.filter(id__in=missing).prefetch_related("names"):
                self.loaded[place.id] = Candidate(
                    place,
                    place.slug,
                    place.kind,
                    geo.to_shapely(place.footprint) if place.footprint is not None else None,
                    geo.to_shapely(place.label_point),
                    place.footprint_approximate,
                    {(n.name, n.language) for n in place.names.all()},
                )
        found = [self.loaded[i] for i in ids]
        for key in keys:
            found.extend(c for c in self.pending_by_key.get(key, []) if c not in found)
        return found

    def new_slug(self, feature: Feature) -> str:
        base = slugify(exact_key(feature.name_en) if not is_arabic(feature.name_en) else "")[:100]
        if not base:
            base = slugify(feature.name_en)[:100] or f"place-{feature.number}"
        slug, n = base, 2
        while slug in self.slugs:
            slug, n = f"{base}-{n}", n + 1
        self.slugs.add(slug)
        return slug

    def add_pending(self, candidate: Candidate, feature: Feature) -> None:
        for name, _ in feature.names:
            key = search_key(name)
            if key:
                self.pending_by_key[key].append(candidate)


def best_match(feature: Feature, candidates: list[Candidate]) -> Candidate | None:
    scored = [(_overlap(feature, c), c) for c in candidates if _kinds_compatible(feature.kind, c.kind)]
    scored = [(score, c) for score, c in scored if score > 0]
    if not scored:
        return None
    return max(scored, key=lambda sc: sc[0])[1]
