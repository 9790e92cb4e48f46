"""What a draft would do, read before it is published (docs/contract.md, the editors' preview): the record with
and without a change, and the zones a change's ground would cover and cut (the split plan that publishing
carries out, mapapp/services/parts.py). Selectors: they read and never write.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import shapely

from gazetteer.models import Place
from mapapp.lib import geo
from mapapp.models import (
    Actor,
    ControlChange,
    ControlPeriod,
    Map,
    ReviewState,
)

GEOJSON_PRECISION = 6  # about 0.1 m: finer than any footprint we hold


def _record_without(change, *, on: dt.date, place_ids) -> tuple[dict, dict]:
    """The published record of `place_ids` on `on` as if `change` were not in it, read from the changes by the
    derivation's own rule (the latest date wins; on one day the higher id): {place: (actor, status,
    confidence, change)} in effect on `on`, and {place: date of its next change after `on`}. One query."""
    through = ControlChange.places.through
    rows = (
        through.objects.filter(place_id__in=place_ids, controlchange__review_state=ReviewState.PUBLISHED)
        .exclude(controlchange_id=change.pk)
        .order_by("place_id", "controlchange__date", "controlchange_id")
        .values_list(
            "place_id",
            "controlchange__date",
            "controlchange__actor_id",
            "controlchange__status",
            "controlchange__confidence",
            "controlchange_id",
        )
    )
    before: dict[int, tuple] = {}
    next_start: dict[int, dt.date] = {}
    for place_id, day, actor_id, status, confidence, change_id in rows:
        if day <= on:
            before[place_id] = (actor_id, status, confidence, change_id)
        else:
            next_start.setdefault(place_id, day)
    return before, next_start


def change_preview(
    *, on: dt.date, places, actor: Actor, status: str, confidence=None, sources=None, excluding=None, areas=None
) -> dict:
    """What recording "on `on`, `places` came under `actor` with `status`" would do to the published record.

    `excluding` (a change already in the record, such as a published change shown in the review queue) is left
    out of the record compared against, so that its preview shows what it did rather than "no change".

    For each place: who held it on `on` before (by the published changes), who after, whether control
    changes, and until when the change would hold (the date of the place's next published change, exclusive;
    None when nothing later). `area_km2` sums the cached geodesic areas of the places that change hands (a new
    actor; a change of status alone moves no ground), gained by `actor` and lost by each previous holder.

    `alters_nothing` is true when, for every place, the change in effect on `on` already says the same: same
    actor and status and, when given, the same `confidence` and every one of `sources` (a confirmation with a
    new source or a firmer confidence does add to the record). Three queries. `areas` {place id: km²} counts
    only that much of a place (the part of a zone a change's ground covers).
    """
    places = list(places)
    place_ids = [place.pk for place in places]
    if excluding is not None and excluding.review_state == ReviewState.PUBLISHED:
        before, next_start = _record_without(excluding, on=on, place_ids=place_ids)
    else:
        before = {
            place_id: (actor_id, period_status, change_confidence, change_id)
            for place_id, actor_id, period_status, change_confidence, change_id in ControlPeriod.objects.in_effect(on)
            .filter(place_id__in=place_ids)
            .values_list("place_id", "actor_id", "status", "change__confidence", "change_id")
        }
        next_start = {}
        for place_id, valid_from in (
            ControlPeriod.objects.filter(place_id__in=place_ids, valid_from__gt=on)
            .order_by("place_id", "valid_from")
            .values_list("place_id", "valid_from")
        ):
            next_start.setdefault(place_id, valid_from)
    cited: dict[int, set[int]] = defaultdict(set)
    if sources is not None:
        through = ControlChange.sources.through
        for change_id, source_id in through.objects.filter(
            controlchange_id__in={state[3] for state in before.values()}
        ).values_list("controlchange_id", "source_id"):
            cited[change_id].add(source_id)
    new_source_ids = {source.pk for source in sources or ()}
    actors = {a.pk: a for a in Actor.objects.filter(pk__in={state[0] for state in before.values()} | {actor.pk})}

    rows = []
    by_actor: dict[str, dict[str, float]] = {}
    changing_hands_km2 = 0.0
    adds_anything = False
    for place in places:
        from_actor_id, from_status, from_confidence, from_change = before.get(place.pk, (None, "unknown", None, None))
        changes = from_actor_id != actor.pk or from_status != status
        hands = from_actor_id != actor.pk
        adds_anything |= (
            changes
            or (confidence is not None and confidence != from_confidence)
            or (sources is not None and not new_source_ids <= cited[from_change])
        )
        area = areas[place.pk] if areas is not None and place.pk in areas else (place.area_km2 or 0.0)
        if hands:
            changing_hands_km2 += area
            previous = actors[from_actor_id].slug if from_actor_id else None
            for actor_slug, key in ((actor.slug, "gained"), (previous, "lost")):
                if actor_slug is None:
                    continue
                entry = by_actor.setdefault(actor_slug, {"gained": 0.0, "lost": 0.0, "net": 0.0})
                entry[key] += area
        until = next_start.get(place.pk)
        rows.append(
            {
                "place": place.slug,
                "name_en": place.name_en,
                "name_ar": place.name_ar,
                "area_km2": round(area, 4),
                "from_actor": actors[from_actor_id].slug if from_actor_id else None,
                "from_status": from_status,
                "to_actor": actor.slug,
                "to_status": status,
                "changes": changes,
                "changes_hands": hands,
                "until": until.isoformat() if until else None,
            }
        )
    for entry in by_actor.values():
        entry["net"] = round(entry["gained"] - entry["lost"], 4)
        entry["gained"] = round(entry["gained"], 4)
        entry["lost"] = round(entry["lost"], 4)
    return {
        "date": on.isoformat(),
        "actor": actor.slug,
        "status": status,
        "places": rows,
        "changing_hands": sum(1 for row in rows if row["changes_hands"]),
        "area_km2": {"changing_hands": round(changing_hands_km2, 4), "by_actor": by_actor},
        "alters_nothing": not adds_anything,
    }


@dataclass(frozen=True)
class GroundSplit:
    """What a change's ground does to a map's zones: `covered` zones lie wholly inside it (within the map's
    tolerance), `splits` [(zone, inside, outside)] are cut by it (shapely MultiPolygons that tile the zone);
    `ground` is the boundary as snapped to the zones."""

    ground: shapely.MultiPolygon
    covered: tuple[Place, ...]
    splits: tuple[tuple[Place, shapely.MultiPolygon, shapely.MultiPolygon], ...]
    # Zones the ground does not cut whose edges gain the corners the cuts made on them (geo.with_corners).
    noded: tuple[tuple[Place, shapely.MultiPolygon], ...] = ()
    # The corners the cuts made (a zone of another map showing a cut zone takes those on its edges too).
    corners: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))


class ZoneFootprints:
    """A map's zones with their footprints as shapely geometries, kept between calls: an import asks for them at
    every date, and loading every footprint near a long front again each time (parts multiply along it) was a
    growing share of its time. Keyed by place, area and last update: a part cut again keeps its id and shrinks,
    a neighbour given the corners of a cut keeps its area, and each is read again; a place no longer on the map
    drops out. Each call asks the database only which places the map shows."""

    def __init__(self, map: Map):
        self.map = map
        self._kept: dict[tuple, tuple[Place, shapely.Geometry]] = {}

    def current(self) -> tuple[list[Place], list[shapely.Geometry]]:
        keys = list(self.map.places.order_by("pk").values_list("pk", "area_km2", "updated_at"))
        missing = [key[0] for key in keys if key not in self._kept]
        for place in Place.objects.filter(pk__in=missing).select_related("parent"):
            self._kept[(place.pk, place.area_km2, place.updated_at)] = (place, geo.to_shapely(place.footprint))
        wanted = set(keys)
        self._kept = {key: value for key, value in self._kept.items() if key in wanted}
        return [self._kept[key][0] for key in keys], [self._kept[key][1] for key in keys]

    def remember(self, places: list[Place]) -> None:
        """Places just written (parts made, footprints reshaped), kept as written: read again at the next call
        they were a growing share of an import's time. Each is keyed as the database has it (its area and
        last update), so the next call still drops or reads again whatever changed after this."""
        for place in places:
            self._kept[(place.pk, place.area_km2, place.updated_at)] = (place, geo.to_shapely(place.footprint))


def ground_split_plan(*, map: Map, ground, zones: ZoneFootprints | None = None) -> GroundSplit:
    """How `ground` (a shapely (Multi)Polygon in WGS84) would split the map's zones, saving nothing (the
    preview of a draft shows this; publishing applies it). The boundary is snapped to the vertices of the zones
    within the map's `snap_tolerance_m`; no piece under `min_part_m2` or narrower than the tolerance is made
    (it goes with its neighbour, see geo.split_footprint). `zones` keeps the map's footprints between calls (an
    import); without it the zones near the ground are read (one query)."""
    tolerance = geo.metres_in_degrees(map.snap_tolerance_m)
    if zones is None:
        search = geo.to_geos(shapely.envelope(ground).buffer(tolerance))
        places = list(map.places.filter(footprint__intersects=search).select_related("parent").order_by("pk"))
        footprints = [geo.to_shapely(zone.footprint) for zone in places]
    else:
        places, footprints = zones.current()
    if not footprints:
        return GroundSplit(geo.polygonal(ground), (), ())
    shapes = np.asarray(footprints, dtype=object)
    nearby = shapely.STRtree(shapes)
    # Snapping moves the ground's boundary only within the tolerance: the zones farther from it than that
    # have no vertex it could snap to (and uniting all their boundaries cost seconds for a long front).
    near_edge = np.unique(nearby.query(geo.line_chunks(ground), predicate="dwithin", distance=tolerance)[1])
    snapped = geo.snap_ground(ground, shapes[near_edge].tolist(), tolerance_deg=tolerance)
    if snapped.is_empty:
        return GroundSplit(snapped, (), ())
    # Which zones the ground leaves alone and which it covers is read off the ground shrunk and grown by half the
    # tolerance, without an overlay: a zone that does not reach into the shrunk ground meets the ground only in
    # pieces narrower than the tolerance (slivers, which split_footprint leaves to the rest of the zone), and one
    # inside the grown ground has only such slivers outside it. Only the zones left (and any zone so narrow that it is
    # both) are cut, each by the ground clipped to around it: a front's ground has thousands of vertices, and
    # overlaying all of them with each of the hundreds of zones along it was most of an import's time.
    candidates = np.sort(nearby.query(snapped, predicate="intersects"))
    inside = np.zeros(len(candidates), dtype=bool)
    if tolerance > 0 and len(candidates):
        shrunk, grown = shapely.buffer(snapped, -tolerance / 2), shapely.buffer(snapped, tolerance / 2)
        shapely.prepare(shrunk)
        shapely.prepare(grown)
        reaching = shapely.intersects(shrunk, shapes[candidates])
        within = shapely.contains(grown, shapes[candidates])
        # A zone narrow itself (under twice the tolerance wide on average) may lie mostly inside the ground and
        # still not reach the shrunk ground: split_footprint weighs it.
        thin = 2 * shapely.area(shapes[candidates]) / shapely.length(shapes[candidates]) < 2 * tolerance
        inside = reaching & within
        wanted = reaching | within | thin
        candidates, inside = candidates[wanted], inside[wanted]
    covered: list[Place] = [places[index] for index in candidates[inside].tolist()]
    splits: list[tuple] = []
    for index in candidates[~inside].tolist():
        inside_piece, outside_piece = geo.split_footprint(
            footprints[index],
            geo.clip_around(snapped, footprints[index], margin_deg=2 * tolerance),
            tolerance_deg=tolerance,
            min_area_km2=map.min_part_m2 / 1e6,
        )
        if inside_piece is None:
            continue
        if outside_piece is None:
            covered.append(places[index])
        else:
            splits.append((places[index], inside_piece, outside_piece))
    covered.sort(key=lambda place: place.pk)
    splits, noded, corners = _noded(places, footprints, nearby, splits)
    return GroundSplit(snapped, tuple(covered), tuple(splits), tuple(noded), corners)


def _noded(places, footprints, nearby, splits):
    """The splits with every corner a cut made on an edge put into the zones on the other side of that edge too
    (the other pieces of the cut and the zones left whole): each pair of neighbours then shares its edge corner
    for corner, as the zones tile the map (geo.with_corners)."""
    if not splits:
        return splits, [], np.empty((0, 2))
    index_of = {place.pk: index for index, place in enumerate(places)}
    corners = [geo.new_corners(footprints[index_of[zone.pk]], inside, outside) for zone, inside, outside in splits]
    corners = np.concatenate(corners) if corners else np.empty((0, 2))
    if not len(corners):
        return splits, [], corners
    touched = np.unique(nearby.query(shapely.points(corners), predicate="dwithin", distance=geo.NODE_TOLERANCE)[1])
    split_at = {zone.pk: k for k, (zone, _inside, _outside) in enumerate(splits)}
    splits = list(splits)
    noded = []
    for index in touched.tolist():
        place = places[index]
        if place.pk in split_at:
            k = split_at[place.pk]
            zone, inside, outside = splits[k]
            noded_inside, noded_outside = geo.with_corners(inside, corners), geo.with_corners(outside, corners)
            splits[k] = (
                zone,
                inside if noded_inside is None else noded_inside,
                outside if noded_outside is None else noded_outside,
            )
        else:
            footprint = geo.with_corners(footprints[index], corners)
            if footprint is not None:
                noded.append((place, footprint))
    return splits, noded, corners


def ground_cut(*, map: Map, line: shapely.LineString, side: str) -> shapely.MultiPolygon:
    """The ground an editor means by cutting the map's zones with `line` (a shapely LineString, WGS84): in every
    zone the line crosses from edge to edge, the pieces on `side` ("left" or "right" of the line as drawn,
    geo.cut_side). ValueError when the line cuts no zone through. One query."""
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', not {side!r}")
    zones = map.places.filter(footprint__intersects=geo.to_geos(line)).order_by("pk")
    pieces = [geo.cut_side(geo.to_shapely(zone.footprint), line, left=side == "left") for zone in zones]
    pieces = [piece for piece in pieces if not piece.is_empty]
    if not pieces:
        raise ValueError("cuts no zone through: draw it across a zone, from one of its edges to another")
    return geo.polygonal(shapely.union_all(pieces, grid_size=geo.SPLIT_GRID))


def ground_preview(
    *, map: Map, geometry, places=(), on: dt.date, actor: Actor, status: str, confidence=None, sources=None
) -> dict:
    """change_preview for a change carrying ground (a GEOS or shapely (Multi)Polygon) on `map`, beside whole
    `places`: each zone the ground covers or splits is a row, counted for the area inside the ground only, and
    `ground` says which zones it splits, which it covers whole, and the parts publishing would make, with the
    ground as snapped to the zones (`geometry`, GeoJSON to GEOJSON_PRECISION decimals) for the editor's map."""
    shape = geo.to_shapely(geometry) if not isinstance(geometry, shapely.Geometry) else geometry
    plan = ground_split_plan(map=map, ground=shape)
    areas = {zone.pk: geo.area_km2(inside) for zone, inside, _outside in plan.splits}
    touched = [*places, *plan.covered, *(zone for zone, _inside, _outside in plan.splits)]
    preview = change_preview(
        on=on, places=touched, actor=actor, status=status, confidence=confidence, sources=sources, areas=areas
    )
    preview["ground"] = {
        "area_km2": round(geo.area_km2(plan.ground), 4),
        "covered": [zone.slug for zone in plan.covered],
        "split": [
            {
                "zone": zone.slug,
                "inside_km2": round(geo.area_km2(inside), 4),
                "outside_km2": round(geo.area_km2(outside), 4),
            }
            for zone, inside, outside in plan.splits
        ],
        "parts": 2 * len(plan.splits),
        "geometry": json.loads(shapely.to_geojson(shapely.set_precision(plan.ground, 10**-GEOJSON_PRECISION))),
    }
    return preview
