"""Zones refined as the record demands (docs/contract.md, "a change with geometry").

A control change may carry the ground itself. Publishing it splits every zone of its map that the boundary crosses
into parts: places of kind "part" whose parent is the zone (or, for a part split again, the zone it came from).
Each part inherits the whole history of what it was cut from (the changes and sieges that covered it), so every
earlier date draws and measures as before; the map's zones become the parts, and the map's ZoneEdges are rebuilt
where the split happened so that fronts, sieges, pockets and areas work unchanged. Coarsening undoes what the
record no longer needs: parts of one parent with the same whole history that share an edge are merged back.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
import shapely
from django.db import transaction
from django.db.models import Q

from gazetteer import services as gazetteer_services
from gazetteer.models import Place, PlaceKind
from mapapp.lib import geo
from mapapp.models import ControlChange, Map, ReviewState, SiegePlace, ZoneEdge
from mapapp.previews import GroundSplit, ZoneFootprints, ground_split_plan
from mapapp.services.fronts import derived_after_edges, derived_deferred
from mapapp.services.maps import zone_edges_rebuild
from mapapp.services.periods import control_periods_rebuild
from mapapp.versioning import maps_bump

PART_SUFFIX_AR = "جزء"
_LIVE_STATES = (ReviewState.PUBLISHED, ReviewState.DRAFT)


def _root(place: Place) -> Place:
    return place.parent if place.kind == PlaceKind.PART and place.parent_id else place


def _part_slugs(roots: Iterable[Place]) -> dict[int, int]:
    """{root id: highest part number used so far}, so new part slugs never collide with old ones."""
    highest: dict[int, int] = defaultdict(int)
    for parent_id, slug in Place.objects.filter(kind=PlaceKind.PART, parent__in=list(roots)).values_list(
        "parent_id", "slug"
    ):
        found = re.search(r"-part-(\d+)$", slug)
        if found:
            highest[parent_id] = max(highest[parent_id], int(found.group(1)))
    return highest


def _inherit(sources_to_parts: dict[int, list[Place]]) -> None:
    """Each new part is covered by every change and siege that covered what it was cut from."""
    through = ControlChange.places.through
    rows = [
        through(controlchange_id=change_id, place_id=part.pk)
        for change_id, place_id in through.objects.filter(place_id__in=list(sources_to_parts)).values_list(
            "controlchange_id", "place_id"
        )
        for part in sources_to_parts[place_id]
    ]
    through.objects.bulk_create(rows, batch_size=2000)
    siege_rows = [
        SiegePlace(siege_id=siege_id, place=part, until=until)
        for siege_id, place_id, until in SiegePlace.objects.filter(place_id__in=list(sources_to_parts)).values_list(
            "siege_id", "place_id", "until"
        )
        for part in sources_to_parts[place_id]
    ]
    SiegePlace.objects.bulk_create(siege_rows, batch_size=2000)


# The maps whose ZoneEdges wait to be derived, inside edges_deferred(); None outside it.
_deferred_edges: ContextVar[set[int] | None] = ContextVar("deferred_edges", default=None)


@contextmanager
def edges_deferred(*, pockets_later: bool = False) -> Iterator[None]:
    """Splits and merges inside leave the ZoneEdges of the maps they change for later; on leaving (without an
    error) each such map's edges are derived once, whole. An import of hundreds of dates splits zones at every
    date, and rebuilding the edges around each split cost more than the splits (docs/contract.md, import_control).
    Nothing inside reads the edges of a map it changed, except coarsening, which derives them first.
    `pockets_later`: see services.fronts.derived_deferred."""
    if _deferred_edges.get() is not None:  # already deferred by an outer block
        yield
        return
    # The fronts and pockets wait too, and are derived once after the edges (services.fronts).
    with derived_deferred(pockets_later=pockets_later):
        token = _deferred_edges.set(set())
        try:
            yield
            waiting = _deferred_edges.get()
        finally:
            _deferred_edges.reset(token)
        _edges_catch_up(waiting)


def _edges_catch_up(map_ids: set[int]) -> None:
    for map_ in Map.objects.filter(pk__in=map_ids):
        zone_edges_rebuild(map=map_)
    if map_ids:
        maps_bump(Q(pk__in=map_ids))  # edges are written in bulk, past the signals
    map_ids.clear()


def _edges_replace(*, map: Map, removed_ids: set[int], new_zones: Sequence[Place]) -> None:
    """The map's ZoneEdges where zones were replaced: the edges of the removed zones go, and the edges of the
    new ones with each other, with the removed zones' neighbours, and on the map's outer edge are derived
    (inside edges_deferred: later, all at once)."""
    waiting = _deferred_edges.get()
    if waiting is not None:
        waiting.add(map.pk)
        return
    touching = ZoneEdge.objects.filter(map=map).filter(Q(place_a_id__in=removed_ids) | Q(place_b_id__in=removed_ids))
    neighbour_ids = set()
    for place_a_id, place_b_id in touching.values_list("place_a_id", "place_b_id"):
        neighbour_ids.update(pk for pk in (place_a_id, place_b_id) if pk is not None)
    touching.delete()
    new_ids = {place.pk for place in new_zones}
    neighbours = list(map.places.filter(pk__in=neighbour_ids - removed_ids - new_ids))
    group = [*new_zones, *neighbours]
    footprints = [geo.to_shapely(place.footprint) for place in group]
    rows = []
    area = geo.to_shapely(map.area)
    for i, j, lines in geo.shared_edges(footprints, only=set(range(len(new_zones))), area=area):
        place_a, place_b = group[i], (group[j] if j is not None else None)
        if place_b is not None and place_b.pk < place_a.pk:
            place_a, place_b = place_b, place_a
        rows.append(
            ZoneEdge(map=map, place_a=place_a, place_b=place_b, geom=geo.to_geos(lines), length_km=geo.length_km(lines))
        )
    ZoneEdge.objects.bulk_create(rows, batch_size=2000)
    derived_after_edges(map=map, place_ids=new_ids)


def _replace_zones(*, map: Map, old: Sequence[Place], new: Sequence[Place]) -> None:
    """The map shows `new` instead of `old` (a place in both stays, reshaped); parts no map shows any longer
    leave the gazetteer (their history lives on in what replaced them)."""
    through = Map.places.through
    old_ids = {place.pk for place in old}
    new_ids = {place.pk for place in new}
    through.objects.filter(map_id=map.pk, place_id__in=old_ids - new_ids).delete()
    through.objects.bulk_create(
        [through(map_id=map.pk, place_id=place.pk) for place in new if place.pk not in old_ids], batch_size=2000
    )
    _edges_replace(map=map, removed_ids=old_ids, new_zones=new)
    orphans = [
        place
        for place in old
        if place.kind == PlaceKind.PART
        and place.pk not in new_ids
        and not through.objects.filter(place_id=place.pk).exists()
    ]
    if orphans:
        gazetteer_services.places_delete(places=orphans)


@transaction.atomic
def zones_split(
    *,
    map: Map,
    ground,
    name_en: str = "",
    name_ar: str = "",
    note: str = "",
    plan: GroundSplit | None = None,
    zones: ZoneFootprints | None = None,
) -> tuple[list, list]:
    """Split the map's zones along `ground` (a shapely (Multi)Polygon, WGS84). Returns (covered, parts): the
    zones and new parts now wholly inside the ground, and every part made or reshaped. Snapping and the minimum
    part follow the map's settings (ground_split_plan); `plan` is that plan when the caller has just worked it
    out, with `zones` the footprints it was worked out from (an import's, kept between dates), which learn the
    places made and reshaped here as they are written.

    A zone becomes two new parts (the zone stays in the gazetteer as their parent). A part cut again keeps the
    piece outside the ground itself (its footprint shrinks; it already has its history) and only the inside is
    a new part: a front that moves every day cuts the same parts again and again, and making two places and
    deleting one each time was most of an import's work. A zone or part shown by several maps is split on each
    of them alike, so every map that shows it still tiles its area and shows the change on the inside part."""
    if plan is None:
        plan = ground_split_plan(map=map, ground=ground)
    if not plan.splits:
        return list(plan.covered), []
    roots = {_root(zone).pk: _root(zone) for zone, _inside, _outside in plan.splits}
    numbers = _part_slugs(roots.values())
    rows, sides = [], []
    reshaped: list[tuple[Place, object]] = []
    for zone, inside, outside in plan.splits:
        root = _root(zone)
        pieces = [(True, inside), (False, outside)]
        if zone.kind == PlaceKind.PART:
            reshaped.append((zone, geo.geos_multipolygon(outside)))
            pieces = pieces[:1]
        for is_inside, piece in pieces:
            numbers[root.pk] += 1
            given = is_inside and name_en
            name_ar_part = f"{root.name_ar} ({PART_SUFFIX_AR})" if root.name_ar else ""
            rows.append(
                {
                    "slug": f"{root.slug[:100]}-part-{numbers[root.pk]}",
                    "name_en": name_en if given else f"{root.name_en} (part)",
                    "name_ar": name_ar if given else name_ar_part,
                    "kind": PlaceKind.PART,
                    "parent": root,
                    "footprint": geo.geos_multipolygon(piece),
                    "footprint_approximate": zone.footprint_approximate,
                    "footprint_method": f"part of {zone.slug} split by a change's boundary {note}".strip(),
                }
            )
            sides.append((zone, is_inside))
    parts = gazetteer_services.places_bulk_create(places=rows)
    kept = gazetteer_services.places_reshape(reshaped=reshaped)
    by_zone: dict[int, list[Place]] = defaultdict(list)
    covered = list(plan.covered)
    for part, (zone, is_inside) in zip(parts, sides, strict=True):
        by_zone[zone.pk].append(part)
        if is_inside:
            covered.append(part)
    _inherit(by_zone)
    made = {zone_id: list(pieces) for zone_id, pieces in by_zone.items()}
    for part in kept:
        made[part.pk].append(part)
    # Every map showing a zone that was cut shows its pieces instead.
    through = Map.places.through
    on_maps: dict[int, list[int]] = defaultdict(list)
    for map_id, place_id in through.objects.filter(place_id__in=list(made)).values_list("map_id", "place_id"):
        on_maps[map_id].append(place_id)
    noded = _noded_zones(map=map, plan=plan, other_maps=[pk for pk in on_maps if pk != map.pk])
    if zones is not None:
        zones.remember([*parts, *kept, *noded])
    split_zones = {zone.pk: zone for zone, _inside, _outside in plan.splits}
    for shown in Map.objects.filter(pk__in=list(on_maps)).order_by("pk"):
        old = [split_zones[pk] for pk in on_maps[shown.pk]]
        _replace_zones(map=shown, old=old, new=[piece for zone in old for piece in made[zone.pk]])
    noded_on = through.objects.filter(place_id__in=[place.pk for place in noded]).values_list("map_id", flat=True)
    # parts and their links are written in bulk, past the signals
    maps_bump(Q(pk__in=[map.pk, *on_maps, *noded_on]))
    return covered, [*parts, *kept]


def _noded_zones(*, map: Map, plan: GroundSplit, other_maps: list[int]) -> list[Place]:
    """The zones beside the cuts take the corners the cuts made on their edges (the plan's `noded`, on `map`,
    and those of the other maps showing a zone that was cut), so that neighbours still share their edges corner
    for corner: their shape and area change by no more than the split grid. Returns the places reshaped."""
    reshaped = [(zone, geo.geos_multipolygon(footprint)) for zone, footprint in plan.noded]
    if other_maps and len(plan.corners):
        handled = {zone.pk for zone, _inside, _outside in plan.splits} | {zone.pk for zone, _shape in plan.noded}
        near = shapely.envelope(shapely.multipoints(plan.corners)).buffer(geo.NODE_TOLERANCE)
        for place in (
            Place.objects.filter(maps__in=other_maps, footprint__intersects=geo.to_geos(near))
            .exclude(pk__in=handled)
            .distinct()
            .order_by("pk")
        ):
            footprint = geo.with_corners(geo.to_shapely(place.footprint), plan.corners)
            if footprint is not None:
                reshaped.append((place, geo.geos_multipolygon(footprint)))
    return gazetteer_services.places_reshape(reshaped=reshaped)


def _history_keys(parts: Sequence[Place]) -> dict[int, tuple]:
    """{part id: its whole history}: the live changes (published and drafts) and the sieges that cover it."""
    changes: dict[int, set] = defaultdict(set)
    through = ControlChange.places.through
    for place_id, change_id in through.objects.filter(
        place_id__in=[p.pk for p in parts], controlchange__review_state__in=_LIVE_STATES
    ).values_list("place_id", "controlchange_id"):
        changes[place_id].add(change_id)
    sieges: dict[int, set] = defaultdict(set)
    for place_id, siege_id, until in SiegePlace.objects.filter(place_id__in=[p.pk for p in parts]).values_list(
        "place_id", "siege_id", "until"
    ):
        sieges[place_id].add((siege_id, until))
    return {p.pk: (frozenset(changes[p.pk]), frozenset(sieges[p.pk])) for p in parts}


@transaction.atomic
def zones_coarsen(*, map: Map, parents: Iterable[Place] | None = None) -> int:
    """Merge the parts of one parent (all, or those of `parents`) that share an edge and whose whole histories
    are identical, so the map has the fewest zones that explain the record. A parent left as one part covering
    all of it becomes a zone again. Returns how many zones the map lost."""
    waiting = _deferred_edges.get()
    if waiting is not None and map.pk in waiting:
        waiting.discard(map.pk)
        _edges_catch_up({map.pk})  # coarsening reads which parts share an edge
    parts_qs = map.places.filter(kind=PlaceKind.PART).order_by("pk")
    if parents is not None:
        parts_qs = parts_qs.filter(parent__in=[_root(place) for place in parents])
    parts = list(parts_qs.select_related("parent"))
    if not parts:
        return 0
    keys = _history_keys(parts)
    by_id = {part.pk: part for part in parts}
    # Union-find over edges shared by parts of one parent with the same history.
    leader = {part.pk: part.pk for part in parts}

    def find(pk: int) -> int:
        while leader[pk] != pk:
            leader[pk] = leader[leader[pk]]
            pk = leader[pk]
        return pk

    for place_a_id, place_b_id in ZoneEdge.objects.filter(
        map=map, place_a_id__in=list(by_id), place_b_id__in=list(by_id)
    ).values_list("place_a_id", "place_b_id"):
        a, b = by_id[place_a_id], by_id[place_b_id]
        if a.parent_id == b.parent_id and keys[a.pk] == keys[b.pk]:
            root_a, root_b = find(a.pk), find(b.pk)
            if root_a != root_b:
                leader[max(root_a, root_b)] = min(root_a, root_b)
    groups: dict[int, list[Place]] = defaultdict(list)
    for part in parts:
        groups[find(part.pk)].append(part)
    lost = 0
    rebuilt: list[Place] = []
    for members in groups.values():
        if len(members) == 1:
            continue
        footprint = shapely.union_all([geo.to_shapely(m.footprint) for m in members], grid_size=geo.SPLIT_GRID)
        kept, gone = members[0], members[1:]
        gazetteer_services.place_set_footprint(
            place=kept,
            footprint=geo.geos_multipolygon(geo.polygonal(footprint)),
            approximate=kept.footprint_approximate,
            method=kept.footprint_method,
            announce=False,
        )
        # Every map showing the merged part shows it whole (a split is made on every map showing the zone alike).
        for shown in Map.objects.filter(places=kept).order_by("pk"):
            _replace_zones(map=shown, old=[kept, *gone], new=[kept])
        lost += len(gone)
        rebuilt.append(kept)
    lost += _restore_whole_parents(map=map, parents={part.parent_id for part in parts})
    control_periods_rebuild(places=[place for place in rebuilt if Place.objects.filter(pk=place.pk).exists()])
    if lost:
        maps_bump(Q(pk=map.pk))  # parts and their links are written in bulk, past the signals
    return lost


def _restore_whole_parents(*, map: Map, parents: set[int]) -> int:
    """A parent whose parts on this map have merged back into one part covering all of it is a zone again: it
    takes the part's history (the changes recorded since the split covered only the part)."""
    restored = 0
    for parent in Place.objects.filter(pk__in=parents):
        remaining = list(map.places.filter(kind=PlaceKind.PART, parent=parent))
        if len(remaining) != 1 or parent.footprint is None:
            continue
        part = remaining[0]
        missing = abs(geo.area_km2(parent.footprint) - geo.area_km2(part.footprint)) * 1e6
        if missing > 1.0:  # the parent is not all on this map as one part
            continue
        through = ControlChange.places.through
        have = set(through.objects.filter(place_id=parent.pk).values_list("controlchange_id", flat=True))
        through.objects.bulk_create(
            [
                through(controlchange_id=change_id, place_id=parent.pk)
                for change_id in through.objects.filter(place_id=part.pk).values_list("controlchange_id", flat=True)
                if change_id not in have
            ]
        )
        sieges = set(SiegePlace.objects.filter(place=parent).values_list("siege_id", flat=True))
        SiegePlace.objects.bulk_create(
            [
                SiegePlace(siege_id=siege_id, place=parent, until=until)
                for siege_id, until in SiegePlace.objects.filter(place=part).values_list("siege_id", "until")
                if siege_id not in sieges
            ]
        )
        # The parent's own footprint (not the part's rounded one) comes back, so the map is as before the split,
        # but with the corners its neighbours took from the cuts on its edges (geo.with_corners): they keep them,
        # and the two must still share the edge corner for corner.
        neighbours = map.places.filter(footprint__intersects=part.footprint).exclude(pk=part.pk)
        corners = [shapely.get_coordinates(geo.to_shapely(place.footprint)) for place in neighbours]
        if corners:
            noded = geo.with_corners(geo.to_shapely(parent.footprint), np.concatenate(corners))
            if noded is not None:
                (parent,) = gazetteer_services.places_reshape(reshaped=[(parent, geo.geos_multipolygon(noded))])
        _replace_zones(map=map, old=[part], new=[parent])
        control_periods_rebuild(places=[parent])
        restored += 1
    return restored
