"""Writes to the map's record. The admin, the API, management commands and tests all call these.

Every function is keyword-only, validates its input, and saves inside one transaction. Control periods are
derived here and only here (control_periods_rebuild), in the same transaction as the change that alters them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.contrib.gis.geos import MultiPolygon
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from gazetteer.models import Place
from mapapp import geo
from mapapp.models import (
    Actor,
    Confidence,
    ControlChange,
    ControlPeriod,
    ControlStatus,
    DatePrecision,
    Map,
    ReviewState,
    Siege,
    SiegePlace,
    SiegeSupply,
    Source,
    SupplyMethod,
    ZoneEdge,
)


def _require_date(value, field: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationError({field: f"{field} must be a date (YYYY-MM-DD), got {value!r}"})
    return value


def maps_touch(*, places: Iterable[Place] | None = None, maps: Iterable[Map] | None = None) -> None:
    """Bump the data version of the maps showing these places (or these maps): caches keyed on it expire."""
    if places is not None:
        place_ids = [place.pk for place in places]
        Map.objects.filter(places__in=place_ids).distinct().update(data_version=F("data_version") + 1)
    if maps is not None:
        Map.objects.filter(pk__in=[m.pk for m in maps]).update(data_version=F("data_version") + 1)


@transaction.atomic
def actor_create(*, slug: str, name_en: str, name_ar: str = "", color: str, sort_order: int = 0) -> Actor:
    if len(color) != 7 or color[0] != "#" or any(ch not in "0123456789abcdefABCDEF" for ch in color[1:]):
        raise ValidationError({"color": f"colour must look like #1f77b4, got {color!r}"})
    actor = Actor(slug=slug, name_en=name_en, name_ar=name_ar, color=color.lower(), sort_order=sort_order)
    actor.full_clean()
    actor.save()
    return actor


@transaction.atomic
def source_create(
    *, title: str, url: str = "", publisher: str = "", published: dt.date | None = None, quote: str = ""
) -> Source:
    source = Source(url=url, title=title.strip(), publisher=publisher.strip(), published=published, quote=quote)
    source.full_clean()
    source.save()
    return source


@transaction.atomic
def map_create(
    *,
    slug: str,
    title_en: str,
    title_ar: str = "",
    description_en: str = "",
    description_ar: str = "",
    start: dt.date,
    end: dt.date,
    default_date: dt.date,
    actors: Sequence[Actor] = (),
    zones: Sequence[Place] = (),
    credit: str = "",
    frame_ancestors: str = "",
) -> Map:
    _require_date(start, "start")
    _require_date(end, "end")
    _require_date(default_date, "default_date")
    if start > end:
        raise ValidationError({"end": f"the map ends ({end}) before it starts ({start})"})
    if not start <= default_date <= end:
        raise ValidationError({"default_date": f"default date {default_date} is outside {start}..{end}"})
    map_ = Map(
        slug=slug,
        title_en=title_en,
        title_ar=title_ar,
        description_en=description_en,
        description_ar=description_ar,
        start=start,
        end=end,
        default_date=default_date,
        credit=credit,
        frame_ancestors=frame_ancestors,
    )
    map_.full_clean()
    map_.save()
    map_.actors.set(actors)
    map_set_zones(map=map_, zones=zones)
    return map_


@transaction.atomic
def map_set_zones(*, map: Map, zones: Sequence[Place]) -> Map:
    """Set the map's zones; its `area` becomes the union of their footprints."""
    missing = [place.slug for place in zones if place.footprint is None]
    if missing:
        raise ValidationError({"zones": f"places without a footprint cannot be zones: {', '.join(missing)}"})
    map.places.set(zones)
    _map_geometry_refresh(map=map, zones=zones)
    return map


def _map_geometry_refresh(*, map: Map, zones: Sequence[Place]) -> None:
    """The map's `area` (the union of its zones) and its ZoneEdges, both derived from the zones' footprints."""
    footprints = [geo.to_shapely(place.footprint) for place in zones]
    if footprints:
        area = geo.to_geos(geo.union(footprints))
        map.area = area if isinstance(area, MultiPolygon) else None
    else:
        map.area = None
    map.data_version += 1
    map.save(update_fields=["area", "data_version", "updated_at"])
    zone_edges_rebuild(map=map, zones=zones, footprints=footprints)


def zone_edges_rebuild(*, map: Map, zones: Sequence[Place] | None = None, footprints=None) -> int:
    """Derive the map's ZoneEdges again from its zones' footprints: one row per pair of zones sharing a line of
    boundary (place_a < place_b), and one per zone on the map's outer edge (place_b null), with geodesic
    lengths in km. Zones meeting at a point share no edge. Returns the number of edges written."""
    with transaction.atomic():
        if zones is None:
            zones = list(map.places.exclude(footprint__isnull=True).order_by("pk"))
        if footprints is None:
            footprints = [geo.to_shapely(place.footprint) for place in zones]
        rows = []
        for i, j, lines in geo.shared_edges(footprints):
            place_a, place_b = zones[i], (zones[j] if j is not None else None)
            if place_b is not None and place_b.pk < place_a.pk:
                place_a, place_b = place_b, place_a
            rows.append(
                ZoneEdge(
                    map=map,
                    place_a=place_a,
                    place_b=place_b,
                    geom=geo.to_geos(lines),
                    length_km=geo.length_km(lines),
                )
            )
        ZoneEdge.objects.filter(map=map).delete()
        ZoneEdge.objects.bulk_create(rows, batch_size=2000)
        return len(rows)


@transaction.atomic
def maps_refresh_geometry(*, places: Iterable[Place]) -> list[Map]:
    """After footprints change: the area and edges of every map showing these places, derived again."""
    maps = list(Map.objects.filter(places__in=[place.pk for place in places]).distinct())
    for map_ in maps:
        _map_geometry_refresh(map=map_, zones=list(map_.places.exclude(footprint__isnull=True).order_by("pk")))
    return maps


def _validate_change(*, on, places, actor, status, confidence, sources, date_precision) -> None:
    errors: dict[str, str] = {}
    if isinstance(on, dt.datetime) or not isinstance(on, dt.date):
        errors["date"] = f"date must be a real date (YYYY-MM-DD), got {on!r}"
    elif on > timezone.now().date():
        errors["date"] = f"date {on.isoformat()} is in the future"
    if not places:
        errors["places"] = "a control change needs at least one place"
    if actor is None:
        errors["actor"] = "a control change needs an actor"
    if status not in ControlStatus.values:
        errors["status"] = f"status must be one of {', '.join(ControlStatus.values)}, got {status!r}"
    if confidence not in Confidence.values:
        errors["confidence"] = f"confidence must be one of {', '.join(Confidence.values)}, got {confidence!r}"
    if date_precision not in DatePrecision.values:
        errors["date_precision"] = f"date precision must be one of {', '.join(DatePrecision.values)}"
    if not sources:
        errors["sources"] = "a control change needs at least one source"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def control_change_record(
    *,
    on: dt.date,
    places: Sequence[Place],
    actor: Actor,
    sources: Sequence[Source],
    status: str = ControlStatus.HELD,
    confidence: str = Confidence.MEDIUM,
    date_precision: str = DatePrecision.DAY,
    title: str = "",
    note: str = "",
    by=None,
    publish: bool = False,
) -> ControlChange:
    """Record that on `on` (inclusive) `places` came under `actor` with `status`, citing `sources`.

    Saved as a draft, which the public does not see, unless `publish` (then the derived periods follow at once,
    in this transaction).
    """
    _validate_change(
        on=on,
        places=places,
        actor=actor,
        status=status,
        confidence=confidence,
        sources=sources,
        date_precision=date_precision,
    )
    change = ControlChange(
        date=on,
        date_precision=date_precision,
        actor=actor,
        status=status,
        confidence=confidence,
        title=title.strip(),
        note=note.strip(),
        created_by=by,
        review_state=ReviewState.DRAFT,
    )
    change.full_clean()
    change.save()
    change.places.set(places)
    change.sources.set(sources)
    if publish:
        control_change_publish(change=change, by=by)
    return change


@transaction.atomic
def control_change_publish(*, change: ControlChange, by=None) -> ControlChange:
    """Make a draft public; the derived periods of its places are rebuilt in the same transaction."""
    if change.review_state == ReviewState.PUBLISHED:
        raise ValidationError({"review_state": "this change is already published"})
    if change.review_state == ReviewState.WITHDRAWN:
        raise ValidationError({"review_state": "a withdrawn change cannot be published again; record a new one"})
    change.review_state = ReviewState.PUBLISHED
    change.reviewed_by = by
    change.reviewed_at = timezone.now()
    change.save(update_fields=["review_state", "reviewed_by", "reviewed_at"])
    places = list(change.places.all())
    control_periods_rebuild(places=places)
    maps_touch(places=places)
    return change


@transaction.atomic
def control_change_withdraw(*, change: ControlChange, by=None, reason: str = "") -> ControlChange:
    """Take a published change out of the public record (it is kept, marked withdrawn); state is derived again."""
    if change.review_state == ReviewState.WITHDRAWN:
        raise ValidationError({"review_state": "this change is already withdrawn"})
    was_public = change.review_state == ReviewState.PUBLISHED
    change.review_state = ReviewState.WITHDRAWN
    change.reviewed_by = by
    change.reviewed_at = timezone.now()
    change.review_note = reason.strip()
    change.save(update_fields=["review_state", "reviewed_by", "reviewed_at", "review_note"])
    if was_public:
        places = list(change.places.all())
        control_periods_rebuild(places=places)
        maps_touch(places=places)
    return change


def control_periods_rebuild(*, places: Iterable[Place] | None = None) -> int:
    """Derive the control periods of `places` (all places when None) from their published changes.

    Rules (tested in tests/mapapp/test_derivation.py):
    - a change dated D is in effect from D: it opens the period [D, date of the place's next change);
    - two changes of the same place on the same day: the one recorded last (higher id) wins, the other opens
      no period (a zero-length period would say nothing);
    - a back-dated change splits the period it falls into; a withdrawn or draft change counts for nothing;
    - `held_since` is the start of the unbroken run of the same actor and status.
    Returns the number of periods written. Locks the places' rows first so that two transactions deriving
    the same place run one after the other and the second sees the first's change.
    """
    with transaction.atomic():
        place_qs = Place.objects.all() if places is None else Place.objects.filter(pk__in=[p.pk for p in places])
        place_ids = list(place_qs.select_for_update().order_by("pk").values_list("pk", flat=True))
        if not place_ids:
            return 0
        through = ControlChange.places.through
        rows = (
            through.objects.filter(place_id__in=place_ids, controlchange__review_state=ReviewState.PUBLISHED)
            .order_by("place_id", "controlchange__date", "controlchange_id")
            .values_list(
                "place_id",
                "controlchange_id",
                "controlchange__date",
                "controlchange__actor_id",
                "controlchange__status",
            )
        )
        last_of_day: dict[int, dict[dt.date, tuple]] = defaultdict(dict)
        for place_id, change_id, date, actor_id, status in rows:
            last_of_day[place_id][date] = (change_id, actor_id, status)  # ordered by id: the last one wins

        periods: list[ControlPeriod] = []
        for place_id, by_day in last_of_day.items():
            days = sorted(by_day)
            previous: ControlPeriod | None = None
            for index, day in enumerate(days):
                change_id, actor_id, status = by_day[day]
                valid_to = days[index + 1] if index + 1 < len(days) else None
                same_run = previous is not None and previous.actor_id == actor_id and previous.status == status
                period = ControlPeriod(
                    place_id=place_id,
                    actor_id=actor_id,
                    status=status,
                    valid_from=day,
                    valid_to=valid_to,
                    held_since=previous.held_since if same_run else day,
                    change_id=change_id,
                )
                periods.append(period)
                previous = period
        ControlPeriod.objects.filter(place_id__in=place_ids).delete()
        ControlPeriod.objects.bulk_create(periods, batch_size=2000)
        return len(periods)


@transaction.atomic
def siege_record(
    *,
    slug: str,
    name_en: str,
    name_ar: str = "",
    besieged_actor: Actor,
    besieging_actors: Sequence[Actor],
    start: dt.date,
    end: dt.date | None = None,
    start_precision: str = DatePrecision.DAY,
    places: Sequence[tuple[Place, dt.date | None]],
    sources: Sequence[Source],
    supplies: Sequence[tuple[str, dt.date, dt.date | None, str]] = (),
    note: str = "",
    by=None,
    publish: bool = False,
) -> Siege:
    """Record a siege over [start, end) of `places` [(place, until or None)], with how it was supplied
    [(method, start, end or None, note)] and its sources."""
    errors: dict[str, str] = {}
    if isinstance(start, dt.datetime) or not isinstance(start, dt.date):
        errors["start"] = f"start must be a date, got {start!r}"
    elif end is not None and end <= start:
        errors["end"] = f"the siege ends ({end}) on or before it starts ({start})"
    if not places:
        errors["places"] = "a siege needs at least one besieged place"
    if not besieging_actors:
        errors["besieging_actors"] = "a siege needs at least one besieging actor"
    elif besieged_actor in besieging_actors:
        errors["besieging_actors"] = "an actor cannot besiege itself"
    if not sources:
        errors["sources"] = "a siege needs at least one source"
    for place, until in places:
        if until is not None and (until <= start or (end is not None and until > end)):
            errors["places"] = f"{place.slug}: relieved on {until}, outside the siege {start}..{end or 'open'}"
    for method, supply_start, supply_end, _note in supplies:
        if method not in SupplyMethod.values:
            errors["supplies"] = f"supply method must be one of {', '.join(SupplyMethod.values)}, got {method!r}"
        elif supply_end is not None and supply_end <= supply_start:
            errors["supplies"] = f"{method}: ends ({supply_end}) on or before it starts ({supply_start})"
    if errors:
        raise ValidationError(errors)
    siege = Siege(
        slug=slug,
        name_en=name_en,
        name_ar=name_ar,
        besieged_actor=besieged_actor,
        start=start,
        end=end,
        start_precision=start_precision,
        note=note,
        created_by=by,
        review_state=ReviewState.PUBLISHED if publish else ReviewState.DRAFT,
    )
    siege.full_clean()
    siege.save()
    siege.besieging_actors.set(besieging_actors)
    siege.sources.set(sources)
    SiegePlace.objects.bulk_create([SiegePlace(siege=siege, place=place, until=until) for place, until in places])
    SiegeSupply.objects.bulk_create(
        [
            SiegeSupply(siege=siege, method=method, start=s_start, end=s_end, note=s_note)
            for method, s_start, s_end, s_note in supplies
        ]
    )
    maps_touch(places=[place for place, _until in places])
    return siege


@transaction.atomic
def actor_set_allies(*, actor: Actor, allies: Sequence[Actor]) -> Actor:
    """Set the sides `actor` fights beside (symmetrical: each ally gets `actor` too). Pocket detection does
    not count an ally's ground as enclosing."""
    if any(ally.pk == actor.pk for ally in allies):
        raise ValidationError({"allies": "an actor cannot be its own ally"})
    actor.allies.set(allies)
    maps_touch(maps=Map.objects.filter(actors__in=[actor, *allies]).distinct())
    return actor
