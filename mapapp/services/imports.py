"""A monitor's dated snapshots recorded as control changes (manage.py import_control; docs/contract.md).

Each snapshot says "the ground ACTOR holds (or contests) on date D". For each date, in order, what changed since
the record before it is recorded, and nothing else: the ground the snapshot gives the actor that the record does
not, and (with `else_actor`) the map's ground outside the snapshot that the record does not give `else_actor`.
The first date is a baseline ("before": held before that date). Each change cites a source naming the snapshot;
a date whose snapshot a live change already cites is skipped, so importing the same snapshots twice records
nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.core.exceptions import ValidationError
from django.db import transaction

from gazetteer.models import Place
from mapapp import versioning
from mapapp.lib import geo
from mapapp.models import Actor, ControlChange, ControlStatus, DatePrecision, Map, ReviewState
from mapapp.previews import ZoneFootprints
from mapapp.selectors import zone_states_at
from mapapp.services.changes import control_change_record
from mapapp.services.parts import edges_deferred, zones_coarsen
from mapapp.services.sources import source_get_or_create


@dataclass
class ImportResult:
    dates: int = 0
    changes: int = 0
    skipped: int = 0  # dates already recorded from the same snapshot
    parts_made: int = 0
    zones_before: int = 0
    zones_after: int = 0
    merged: int = 0
    km2_last: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    change_ids: list[int] = field(default_factory=list)


class _Record:
    """The ground each actor holds on a date by the record, from the map's zones (their footprints kept between
    dates, mapapp.previews.ZoneFootprints, which the split plans share)."""

    def __init__(self, map: Map):
        self.map = map
        self.zones = ZoneFootprints(map)

    def ground(self, *, on: dt.date, actor: Actor, status: str | None) -> shapely.MultiPolygon:
        states = zone_states_at(map=self.map, on=on)
        places, footprints = self.zones.current()
        return geo.union(
            [
                footprint
                for place, footprint in zip(places, footprints, strict=True)
                if (state := states.get(place.pk)) is not None
                and state.actor_id == actor.pk
                and (status is None or state.status == status)
            ]
        )

    def gained(
        self, *, on: dt.date, actor: Actor, status: str, target: shapely.Geometry, tolerance_deg: float, min_km2: float
    ) -> tuple[shapely.MultiPolygon, list[Place]]:
        """What of `target` the record does not give `actor` with `status` on `on`: (ground, whole zones). The
        zones it does not give them are clipped to the target; only those that reach into it are overlaid (near
        the front, on most dates; uniting the thousands the actor holds to subtract them was a third of a date).

        A zone too thin or too small to be cut well (under twice the tolerance wide on average, or twice the
        minimum part in area) is weighed here as its split would weigh it (geo.split_footprint): its piece in the
        target is ground when the zone can be cut there, and the zone is taken whole, as a place of the change,
        when it would go whole to the target. As ground such a zone is about as thin as the tolerance, and snapped
        it could vanish, so the zone kept its old side date after date (islands of the other side behind the
        front, bench/bench_precision.py); taken whole when it could be cut, a thin band crossed by the front at a
        shallow angle was wrong along all its length on one side of the crossing."""
        states = zone_states_at(map=self.map, on=on)
        places, footprints = self.zones.current()
        others = [
            (place, footprint)
            for place, footprint in zip(places, footprints, strict=True)
            if (state := states.get(place.pk)) is None or state.actor_id != actor.pk or state.status != status
        ]
        if not others or target.is_empty:
            return shapely.MultiPolygon(), []
        shapes = np.asarray([footprint for _place, footprint in others], dtype=object)
        reaching = np.sort(shapely.STRtree(shapes).query(target, predicate="intersects"))
        shapes = shapes[reaching]
        pieces = shapely.intersection(shapes, target, grid_size=geo.SPLIT_GRID)
        zone_km2 = np.asarray([others[i][0].area_km2 or 0.0 for i in reaching.tolist()])
        small = (2 * shapely.area(shapes) / shapely.length(shapes) < 2 * tolerance_deg) | (zone_km2 < 2 * min_km2)
        cuttable = ~small
        whole = np.zeros(len(shapes), dtype=bool)
        # A zone whose overlay with the target has no area (most of the small ones: the other side's thin parts
        # along the front touch the target only along it) is left alone by its split too, whose first step is
        # the same overlay with the target clipped around the zone: weighing each such zone again was most of a
        # date's time in gained() (bench/bench_precision.py).
        for index in np.flatnonzero(small).tolist():
            if geo.polygonal(pieces[index]).is_empty:
                continue
            inside, outside = geo.split_footprint(
                shapes[index],
                geo.clip_around(target, shapes[index], margin_deg=2 * tolerance_deg),
                tolerance_deg=tolerance_deg,
                min_area_km2=min_km2,
            )
            whole[index] = inside is not None and outside is None
            cuttable[index] = inside is not None and outside is not None
        zones = [others[i][0] for i in reaching[whole].tolist()]
        ground = geo.polygonal(shapely.union_all(pieces[cuttable], grid_size=geo.SPLIT_GRID))
        return ground, zones


def _cited(map: Map, label: str, actors: list[Actor]) -> bool:
    """A live change of this import's actors already cites this snapshot (recorded by an earlier import)."""
    return ControlChange.objects.filter(
        actor__in=actors,
        map=map,
        review_state__in=(ReviewState.DRAFT, ReviewState.PUBLISHED),
        sources__quote=label,
    ).exists()


def control_import(
    *,
    map: Map,
    snapshots: Sequence,
    actor: Actor,
    else_actor: Actor | None = None,
    status: str = ControlStatus.HELD,
    source_title: str = "",
    source_url: str = "",
    publish: bool = False,
    by=None,
    dry_run: bool = False,
    progress: Callable[[int, int, dt.date, float], None] | None = None,
) -> ImportResult:
    """Record `snapshots` (mapapp.snapshots.Snapshot, sorted by date) on `map` as described above; coarsens the
    map after a published import. With `dry_run` everything is done and measured, then rolled back."""
    result = ImportResult()
    started = time.monotonic()
    result.zones_before = map.places.count()
    area = geo.to_shapely(map.area)
    min_km2 = map.min_part_m2 / 1e6
    tolerance = geo.metres_in_degrees(map.snap_tolerance_m)
    parts_before = Place.objects.filter(kind="part").count()
    with transaction.atomic():
        record = _Record(map)
        # The map's edges are derived once, after the last date (and before coarsening), not around each split;
        # its data version moves once, at the end, not once per change (versioning.bumps_held). Its fronts follow
        # in this transaction, and its pockets too on a record of a few dates; over more (fronts.INLINE_DATES)
        # the worker derives them after the commit, the pockets answer working them out from the periods until
        # then (docs/contract.md, "Derived tables").
        with versioning.bumps_held(), edges_deferred(pockets_later=True):
            for index, snapshot in enumerate(snapshots):
                result.dates += 1
                label = f"snapshot of {snapshot.on.isoformat()} ({snapshot.label})"
                ground = geo.polygonal(shapely.intersection(snapshot.ground, area, grid_size=geo.SPLIT_GRID))
                if _cited(map, label, [actor, *([else_actor] if else_actor else [])]):
                    result.skipped += 1
                else:
                    source = source_get_or_create(
                        title=source_title or snapshot.label, url=source_url, published=snapshot.on, quote=label
                    )
                    precision = DatePrecision.BEFORE if index == 0 else DatePrecision.DAY
                    wanted = [(actor, ground, status)]
                    if else_actor is not None:
                        wanted.append(
                            (
                                else_actor,
                                geo.polygonal(shapely.difference(area, ground, grid_size=geo.SPLIT_GRID)),
                                ControlStatus.HELD,
                            )
                        )
                    for who, target, how in wanted:
                        gained, whole = record.gained(
                            on=snapshot.on, actor=who, status=how, target=target, tolerance_deg=tolerance,
                            min_km2=min_km2,
                        )  # fmt: skip
                        if not whole and geo.area_km2(gained) < min_km2:
                            continue
                        try:
                            change = control_change_record(
                                on=snapshot.on,
                                actor=who,
                                status=how,
                                sources=[source],
                                places=whole,
                                geometry=geo.to_geos(gained) if geo.area_km2(gained) >= min_km2 else None,
                                map=map,
                                date_precision=precision,
                                title=f"{who.name_en}: {label}",
                                by=by,
                                publish=publish,
                                zones=record.zones,
                            )
                        except ValidationError as exc:
                            # Ground that snaps away to nothing, or that the record already gives the actor.
                            if {"geometry", "places"} & set(exc.message_dict):
                                continue
                            raise
                        result.changes += 1
                        result.change_ids.append(change.pk)
                if progress is not None:
                    progress(index + 1, len(snapshots), snapshot.on, time.monotonic() - started)
            result.parts_made = Place.objects.filter(kind="part").count() - parts_before
            if publish and result.changes:
                result.merged = zones_coarsen(map=map)
        result.zones_after = map.places.count()
        if snapshots:
            last = snapshots[-1].on
            for who in [actor, else_actor] if else_actor else [actor]:
                result.km2_last[who.slug] = round(geo.area_km2(record.ground(on=last, actor=who, status=None)), 4)
        if dry_run:
            transaction.set_rollback(True)
    result.seconds = time.monotonic() - started
    return result
