"""Writes to the gazetteer. Keyword-only, validate, save inside one transaction."""

from __future__ import annotations

from collections.abc import Iterable

import shapely
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, Point
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gazetteer import index as name_index
from gazetteer import signals
from gazetteer.models import NameKind, Place, PlaceKind, PlaceName
from gazetteer.normalize import clean_name, search_key
from mapapp.lib import geo
from mapapp.lib.bulk import bulk_insert_with_history, bulk_update_each


def _clean_footprint(footprint: GEOSGeometry | None) -> tuple[GEOSGeometry | None, str]:
    if footprint is None:
        return None, ""
    if footprint.srid not in (None, geo.WGS84):
        footprint = footprint.transform(geo.WGS84, clone=True)
    try:
        repaired, reason = geo.repair_polygonal(geo.to_shapely(footprint))
    except ValueError as exc:
        raise ValidationError({"footprint": f"the footprint cannot be used: {exc}"}) from None
    repaired, simplified = _within_vertex_limit(repaired)
    return geo.geos_multipolygon(repaired), "; ".join(part for part in (reason, simplified) if part)


def _within_vertex_limit(shape) -> tuple[object, str]:
    """A footprint above settings.FOOTPRINT_MAX_VERTICES is simplified (topology kept) until it is within it:
    one 80,000-vertex zone made a map's geometry 100 times heavier and its picture 9 times slower to draw.
    Returns the shape and what was done ("" when nothing was)."""
    limit = settings.FOOTPRINT_MAX_VERTICES
    before = shapely.get_num_coordinates(shape)
    if limit <= 0 or before <= limit:
        return shape, ""
    west, south, east, north = shape.bounds
    tolerance = max(east - west, north - south) / 100_000
    simpler = shape
    for _step in range(40):  # the tolerance doubles up to a millionth of the extent times 2**40: any shape
        if shapely.get_num_coordinates(simpler) <= limit:
            break
        simpler = shape.simplify(tolerance, preserve_topology=True)
        tolerance *= 2
    else:  # thousands of separate parts, each at least a triangle, cannot be brought under the limit
        raise ValidationError(
            {"footprint": f"the footprint has {before:,} points in too many separate parts to simplify to {limit:,}"}
        )
    try:
        simpler, _reason = geo.repair_polygonal(simpler)
    except ValueError as exc:
        raise ValidationError({"footprint": f"the footprint cannot be simplified: {exc}"}) from None
    return simpler, SIMPLIFIED.format(before=before, after=shapely.get_num_coordinates(simpler), limit=limit)


# The words the place admin recognises to say so (gazetteer.admin).
SIMPLIFIED = "simplified from {before:,} to {after:,} points (at most {limit:,}: FOOTPRINT_MAX_VERTICES)"


@transaction.atomic
def place_create(
    *,
    slug: str,
    name_en: str,
    name_ar: str = "",
    kind: str = PlaceKind.OTHER,
    label_point: Point | None = None,
    footprint: GEOSGeometry | None = None,
    footprint_approximate: bool = True,
    footprint_method: str = "",
    parent: Place | None = None,
    coord_basis: str = "sourced",
    uncertainty_m: int | None = None,
    variants: Iterable[tuple[str, str]] = (),
    source: str = "",
    notes: str = "",
) -> Place:
    """Create a place with its official names (en, ar) and spelling variants [(name, language), ...].

    An invalid footprint is repaired (the reason is kept in `footprint_method`) or refused with a
    ValidationError; a place without a label point gets its footprint's point on surface.
    """
    footprint, repair_reason = _clean_footprint(footprint)
    if label_point is None:
        if footprint is None:
            raise ValidationError({"label_point": "a place needs a point or a footprint"})
        label_point = footprint.point_on_surface
    label_point.srid = label_point.srid or geo.WGS84
    if repair_reason:
        footprint_method = f"{footprint_method} (repaired: {repair_reason})".strip()
    place = Place(
        slug=slug,
        name_en=clean_name(name_en),
        name_ar=clean_name(name_ar),
        kind=kind,
        label_point=label_point,
        footprint=footprint,
        footprint_approximate=footprint_approximate,
        footprint_method=footprint_method,
        parent=parent,
        coord_basis=coord_basis,
        uncertainty_m=uncertainty_m,
        area_km2=geo.area_km2(footprint) if footprint is not None else None,
        source=source,
        notes=notes,
    )
    place.full_clean()
    place.save()
    names = [(name_en, "en", NameKind.OFFICIAL)]
    if name_ar:
        names.append((name_ar, "ar", NameKind.OFFICIAL))
    names.extend((name, language, NameKind.VARIANT) for name, language in variants)
    place_names_add(place=place, names=names)
    place.repair_reason = repair_reason  # what was done to the footprint, for the caller to tell (the admin)
    return place


def place_names_add(*, place: Place, names: Iterable[tuple[str, str, str]]) -> list[PlaceName]:
    """Add names [(name, language, kind)] to a place, skipping blanks and ones it already has."""
    existing = set(place.names.values_list("name", "language"))
    created = []
    for name, language, kind in names:
        name = clean_name(name)
        if not name or (name, language) in existing:
            continue
        existing.add((name, language))
        created.append(PlaceName(place=place, name=name, language=language, kind=kind, search_key=search_key(name)))
    # One by one, not in bulk: each save writes its history row and moves the data version of the maps showing
    # the place (the export lists every name) through the model signals. A place gains a few names at a time.
    for name in created:
        name.save()
    name_index.invalidate()
    return created


@transaction.atomic
def place_names_rekey() -> tuple[int, int]:
    """Recompute every name's search key; returns (keys changed, names)."""
    changed, total = [], 0
    for name in PlaceName.objects.only("id", "name", "search_key").iterator(chunk_size=2000):
        total += 1
        key = search_key(name.name)
        if key != name.search_key:
            name.search_key = key
            changed.append(name)
    PlaceName.objects.bulk_update(changed, ["search_key"], batch_size=2000)
    name_index.invalidate()
    return len(changed), total


@transaction.atomic
def place_set_footprint(
    *, place: Place, footprint: GEOSGeometry, approximate: bool, method: str = "", announce: bool = True
) -> tuple[Place, str]:
    """Replace a place's footprint; returns the place and the repair reason ("" if it was valid). `announce`
    False sends no footprints_changed: the caller (merging a zone's parts) derives the map's edges itself."""
    cleaned, reason = _clean_footprint(footprint)
    place.footprint = cleaned
    place.footprint_approximate = approximate
    place.footprint_method = f"{method} (repaired: {reason})".strip() if reason else method
    place.area_km2 = geo.area_km2(cleaned)
    place.save()
    if announce:
        # The maps that show this place change with it (mapapp listens; see gazetteer/signals.py).
        signals.footprints_changed.send(sender=Place, places=[place])
    return place, reason


@transaction.atomic
def places_reshape(*, reshaped: list[tuple[Place, GEOSGeometry]], method: str = "") -> list[Place]:
    """Give many places new footprints at once (a zone's part cut again keeps the piece outside the cut): the
    fast path of place_set_footprint, each footprint repaired or refused the same way, its area and label point
    derived again; history rows are written in bulk. Sends no footprints_changed: the caller derives the maps'
    edges itself."""
    places = []
    for place, footprint in reshaped:
        cleaned, reason = _clean_footprint(footprint)
        place.footprint = cleaned
        place.area_km2 = geo.area_km2(cleaned)
        place.label_point = cleaned.point_on_surface
        place.label_point.srid = geo.WGS84
        if method or reason:
            place.footprint_method = f"{method} (repaired: {reason})".strip() if reason else method
        places.append(place)
    # One UPDATE a row, compiled once (bulk_update_each: Django's bulk_update writes CASE expressions over the
    # geometries, which SpatiaLite ran about ten times slower); history rows in bulk.
    now = timezone.now()
    for place in places:
        place.updated_at = now
    bulk_update_each(Place, places, ["updated_at", "footprint", "area_km2", "label_point", "footprint_method"])
    Place.history.bulk_history_create(places, update=True)
    return places


@transaction.atomic
def places_delete(*, places: Iterable[Place]) -> int:
    """Delete places that nothing needs any longer (the parts of a zone merged back); their names go with them.
    A place that is another place's parent is refused (ProtectedError). Returns how many were deleted."""
    ids = [place.pk for place in places]
    deleted = Place.objects.filter(pk__in=ids).count()
    Place.objects.filter(pk__in=ids).delete()
    name_index.invalidate()
    return deleted


@transaction.atomic
def places_bulk_create(*, places: list[dict]) -> list[Place]:
    """Create many places at once (imports, synthetic maps): the fast path of place_create, with the same
    checks: each dict takes place_create's keyword arguments (slug, name_en, name_ar, kind, label_point,
    footprint, footprint_approximate, footprint_method, coord_basis, uncertainty_m, parent, variants, source,
    notes). Footprints are repaired or refused as in place_create; slugs must be new. Official names and the
    variants [(name, language)] are added; history rows are written in bulk.
    All or nothing: the first bad row raises a ValidationError naming it."""
    allowed = {
        "slug", "name_en", "name_ar", "kind", "label_point", "footprint", "footprint_approximate",
        "footprint_method", "coord_basis", "uncertainty_m", "parent", "variants", "source", "notes",
    }  # fmt: skip
    slugs = [row.get("slug") for row in places]
    if len(set(slugs)) != len(slugs):
        raise ValidationError({"slug": "the same slug appears twice in one bulk create"})
    taken = set(Place.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    # The parents are checked once, in one query: clean_fields asked the database once a row (an import's parts
    # name a few hundred parents for thousands of rows; bench/bench_precision.py).
    parent_ids = {parent.pk for row in places if (parent := row.get("parent")) is not None and parent.pk is not None}
    missing = parent_ids - set(Place.objects.filter(pk__in=parent_ids).values_list("pk", flat=True))
    if missing:
        raise ValidationError({"parent": f"no place with id {sorted(missing)[0]} (a parent)"})
    rows: list[Place] = []
    for index, row in enumerate(places):
        unknown = set(row) - allowed
        if unknown:
            raise ValidationError({sorted(unknown)[0]: f"row {index}: not a place field"})
        if row["slug"] in taken:
            raise ValidationError({"slug": f"row {index}: a place {row['slug']!r} already exists"})
        try:
            footprint, reason = _clean_footprint(row.get("footprint"))
        except ValidationError as exc:
            raise ValidationError({"footprint": f"row {index} ({row['slug']}): {exc.messages[0]}"}) from None
        label_point = row.get("label_point") or (footprint.point_on_surface if footprint is not None else None)
        if label_point is None:
            raise ValidationError({"label_point": f"row {index} ({row['slug']}): a place needs a point or a footprint"})
        label_point.srid = label_point.srid or geo.WGS84
        method = row.get("footprint_method", "")
        place = Place(
            slug=row["slug"],
            name_en=row["name_en"],
            name_ar=row.get("name_ar", ""),
            kind=row.get("kind", PlaceKind.OTHER),
            label_point=label_point,
            footprint=footprint,
            footprint_approximate=row.get("footprint_approximate", True),
            footprint_method=f"{method} (repaired: {reason})".strip() if reason else method,
            coord_basis=row.get("coord_basis", "sourced"),
            uncertainty_m=row.get("uncertainty_m"),
            parent=row.get("parent"),
            area_km2=geo.area_km2(footprint) if footprint is not None else None,
            source=row.get("source", ""),
            notes=row.get("notes", ""),
        )
        place.clean_fields(exclude=["footprint", "label_point", "parent"])
        rows.append(place)
    created = bulk_insert_with_history(Place, rows, batch_size=1000)
    if not all(place.pk for place in created):  # SpatiaLite before Django sets pks on bulk_create: fetch them
        created = list(Place.objects.filter(slug__in=slugs))
    by_slug = {place.slug: place for place in created}
    names = []
    for row in places:
        place = by_slug[row["slug"]]
        seen = set()
        official = [(row["name_en"], "en", NameKind.OFFICIAL), (row.get("name_ar", ""), "ar", NameKind.OFFICIAL)]
        variants = [(name, language, NameKind.VARIANT) for name, language in row.get("variants", ())]
        for name, language, kind in official + variants:
            name = clean_name(name)
            if name and (name, language) not in seen:
                seen.add((name, language))
                names.append(
                    PlaceName(place=place, name=name, language=language, kind=kind, search_key=search_key(name))
                )
    bulk_insert_with_history(PlaceName, names)
    name_index.invalidate()
    return [by_slug[slug] for slug in slugs]


@transaction.atomic
def place_update(
    *,
    place: Place,
    name_en: str,
    name_ar: str = "",
    kind: str,
    parent: Place | None = None,
    label_point: Point | None = None,
    footprint: GEOSGeometry | None = None,
    footprint_approximate: bool = True,
    footprint_method: str = "",
    coord_basis: str = "sourced",
    uncertainty_m: int | None = None,
    source: str = "",
    notes: str = "",
) -> tuple[Place, str]:
    """Edit a place (the admin's place form). A new footprint goes through place_set_footprint: repaired,
    with the reason returned and kept in `footprint_method`, or refused. A new English or Arabic name is added
    as an official name; the old one stays findable. Returns (place, repair reason or "")."""
    ancestor = parent
    while ancestor is not None:
        if ancestor.pk == place.pk:
            raise ValidationError({"parent": _("a place cannot lie inside itself or inside one of its own parts")})
        ancestor = ancestor.parent
    place.name_en, place.name_ar, place.kind, place.parent = clean_name(name_en), clean_name(name_ar), kind, parent
    place.coord_basis, place.uncertainty_m, place.source, place.notes = coord_basis, uncertainty_m, source, notes
    old, old_label = Place.objects.filter(pk=place.pk).values_list("footprint", "label_point").first()
    reason = ""
    footprint_changed = footprint is not None and (old is None or not footprint.equals_exact(old, tolerance=0))
    if footprint is None and label_point is None:
        raise ValidationError({"label_point": "a place needs a point or a footprint"})
    place.label_point = label_point or old_label  # a new outline without a point gets its own point below
    if footprint_changed:
        place, reason = place_set_footprint(
            place=place, footprint=footprint, approximate=footprint_approximate, method=footprint_method
        )
    else:
        place.footprint_approximate, place.footprint_method = footprint_approximate, footprint_method
        if footprint is None and old is not None:
            place.footprint, place.area_km2 = None, None
    if label_point is None and (footprint_changed or place.label_point is None):
        label_point = place.footprint.point_on_surface
    if label_point is not None:
        label_point.srid = label_point.srid or geo.WGS84
        place.label_point = label_point
    place.full_clean()
    place.save()
    names = [(place.name_en, "en", NameKind.OFFICIAL)]
    if place.name_ar:
        names.append((place.name_ar, "ar", NameKind.OFFICIAL))
    place_names_add(place=place, names=names)
    return place, reason
