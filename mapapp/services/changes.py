"""Control changes and the control periods derived from them (here and only here, in the same transaction)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gazetteer.models import Place, PlaceKind
from mapapp import versioning
from mapapp.display import local_name, word
from mapapp.lib import geo
from mapapp.lib.bulk import bulk_insert_values, bulk_insert_values_with_ids, bulk_insert_with_history
from mapapp.models import (
    Actor,
    Confidence,
    ControlChange,
    ControlStatus,
    DatePrecision,
    Map,
    ReviewState,
    Source,
)
from mapapp.previews import ZoneFootprints, change_preview, ground_split_plan
from mapapp.services._record import stamp
from mapapp.services.fronts import derived_deferred
from mapapp.services.parts import zones_coarsen, zones_split
from mapapp.services.periods import control_periods_rebuild


def ground_clean(*, geometry, map) -> MultiPolygon:
    """A change's ground as a valid WGS84 MultiPolygon on `map`'s area, or ValidationError {"geometry": ...}."""
    if map is None:
        raise ValidationError({"map": _("a change with a geometry needs the map whose zones it splits")})
    if not isinstance(geometry, GEOSGeometry):
        raise ValidationError({"geometry": _("the geometry must be a polygon or multipolygon")})
    if geometry.srid not in (None, geo.WGS84):
        geometry = geometry.transform(geo.WGS84, clone=True)
    shape = geo.to_shapely(geometry)
    if shape.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValidationError(
            {
                "geometry": _("the geometry must be a polygon or multipolygon, not a %(type)s")
                % {"type": shape.geom_type}
            }
        )
    try:
        shape, _reason = geo.repair_polygonal(shape)
    except ValueError as exc:
        raise ValidationError({"geometry": _("the geometry has no area: %(why)s") % {"why": exc}}) from None
    if map.area is None or not shape.intersects(geo.to_shapely(map.area)):
        raise ValidationError({"geometry": _("the geometry lies outside the map %(map)s") % {"map": map.slug}})
    return geo.geos_multipolygon(shape)


def control_change_validate(
    *, on, places, actor, status, confidence, sources, date_precision, geometry=None, note: str = ""
) -> None:
    """The rules every control change must keep; ValidationError {field: message} in the active language.
    Forms call this to show errors next to their fields; the services below call it before saving."""
    errors: dict[str, str] = {}
    if len(note) > settings.CHANGE_NOTE_MAX_CHARS:
        errors["note"] = _("the note is too long (%(count)s characters; at most %(limit)s)") % {
            "count": len(note),
            "limit": settings.CHANGE_NOTE_MAX_CHARS,
        }
    if isinstance(on, dt.datetime) or not isinstance(on, dt.date):
        errors["date"] = _("date must be a real date (YYYY-MM-DD), got %(value)s") % {"value": repr(on)}
    elif on > timezone.now().date():
        errors["date"] = _("date %(date)s is in the future") % {"date": on.isoformat()}
    if not places and geometry is None:
        errors["places"] = _("a control change needs at least one place or a geometry")
    if actor is None:
        errors["actor"] = _("a control change needs an actor")
    if status not in ControlStatus.values:
        errors["status"] = _("status must be one of %(choices)s, got %(value)s") % {
            "choices": ", ".join(ControlStatus.values),
            "value": repr(status),
        }
    if confidence not in Confidence.values:
        errors["confidence"] = _("confidence must be one of %(choices)s, got %(value)s") % {
            "choices": ", ".join(Confidence.values),
            "value": repr(confidence),
        }
    if date_precision not in DatePrecision.values:
        errors["date_precision"] = _("date precision must be one of %(choices)s") % {
            "choices": ", ".join(DatePrecision.values)
        }
    if not sources:
        errors["sources"] = _("a control change needs at least one source")
    if errors:
        raise ValidationError(errors)


def alters_nothing_message(*, on: dt.date, places: Sequence[Place], actor: Actor, status: str) -> str:
    """What to tell an editor whose change says what the record already says (in the active language)."""
    names = ", ".join(local_name(place) for place in places)
    if status == ControlStatus.HELD:
        message = _("this change alters nothing: on %(date)s %(actor)s already held %(places)s")
    else:
        message = _("this change alters nothing: on %(date)s %(places)s were already contested by %(actor)s")
    message = message % {"date": on.isoformat(), "places": names, "actor": local_name(actor)}
    hint = _("It cites no new source and the same confidence as the change already in effect.")
    return f"{message}. {hint}"


def _refuse_if_alters_nothing(*, on, places, actor, status, confidence, sources) -> None:
    """A change that says, for every place, what the change in effect on its date already says (same actor,
    status and confidence, no new source) would add nothing to the record."""
    preview = change_preview(on=on, places=places, actor=actor, status=status, confidence=confidence, sources=sources)
    if preview["alters_nothing"]:
        raise ValidationError({"places": alters_nothing_message(on=on, places=places, actor=actor, status=status)})


@transaction.atomic
def control_change_record(
    *,
    on: dt.date,
    places: Sequence[Place] = (),
    actor: Actor,
    sources: Sequence[Source],
    status: str = ControlStatus.HELD,
    confidence: str = Confidence.MEDIUM,
    date_precision: str = DatePrecision.DAY,
    title: str = "",
    note: str = "",
    geometry: GEOSGeometry | None = None,
    map: Map | None = None,
    by=None,
    publish: bool = False,
    zones: ZoneFootprints | None = None,
) -> ControlChange:
    """Record that on `on` (inclusive) `places` came under `actor` with `status`, citing `sources`.

    Instead of or beside places, `geometry` (a polygon or multipolygon, WGS84) on `map` is the ground itself:
    publishing splits the map's zones along it (mapapp.services.parts) and the change covers what lies inside.

    Saved as a draft, which the public does not see, unless `publish` (then the derived periods follow at once,
    in this transaction). Refused when every place already stands as the change says on `on` (by the
    published record): such a change would alter nothing.

    `zones` keeps the map's footprints between calls (an import records hundreds of changes on one map).

    Two changes recorded at the same moment are both kept; their order is their id (the order in which the
    database committed them), which is also what decides between two published changes of one place on one day.
    """
    control_change_validate(
        on=on,
        places=places,
        actor=actor,
        status=status,
        confidence=confidence,
        sources=sources,
        date_precision=date_precision,
        geometry=geometry,
        note=note.strip(),
    )
    plan = None
    if geometry is not None:
        geometry = ground_clean(geometry=geometry, map=map)
        plan = ground_split_plan(map=map, ground=geo.to_shapely(geometry), zones=zones)
        if not plan.covered and not plan.splits and not places:
            raise ValidationError(
                {"geometry": _("the geometry covers no part of the map's zones larger than its minimum")}
            )
        ground_places = [*plan.covered, *(zone for zone, _inside, _outside in plan.splits)]
        _refuse_if_alters_nothing(
            on=on,
            places=[*places, *ground_places],
            actor=actor,
            status=status,
            confidence=confidence,
            sources=sources,
        )
    else:
        _refuse_if_alters_nothing(
            on=on, places=places, actor=actor, status=status, confidence=confidence, sources=sources
        )
    change = ControlChange(
        date=on,
        date_precision=date_precision,
        geometry=geometry,
        map=map if geometry is not None else None,
        actor=actor,
        status=status,
        confidence=confidence,
        title=title.strip(),
        note=note.strip(),
        created_by=by if getattr(by, "is_authenticated", False) else None,
        review_state=ReviewState.DRAFT,
    )
    change.full_clean()
    stamp(change, by=by, reason="recorded")
    change.save()
    change.places.set(places)
    change.sources.set(sources)
    if publish:
        # the ground's plan, worked out above, is still the map's
        _publish(change=change, by=by, plan=plan, zones=zones)
    return change


@dataclass(frozen=True)
class PublishedChange:
    """One change for control_changes_bulk_publish."""

    on: dt.date
    places: Sequence[Place]
    actor: Actor
    status: str = ControlStatus.HELD
    confidence: str = Confidence.MEDIUM
    date_precision: str = DatePrecision.DAY
    title: str = ""


# control_periods_rebuild and the bumps take their places this many at a time (SQLite's limit on a statement's
# parameters is 32,766).
_BULK_PLACES = 5000


@versioning.bumps_held()  # one transaction; the bumps of its writes (the bulk ones' below) made once, at its end
def control_changes_bulk_publish(*, changes: Sequence[PublishedChange], sources: Sequence[Source], by=None) -> int:
    """Record and publish many changes of whole places at once, all citing `sources`: the fast path of
    control_change_record(publish=True) for generated records (make_synthetic_map), where one change at a time
    writes three history versions, each copying every place link. Each change is checked as control_change_record
    checks it, but not against the record (the caller knows each alters something), and gets one history version
    ("published", its place and source links copied with it, as mapapp/asof.py reads them); links are written
    in bulk; the periods of every place touched are derived once at the end and the maps showing them move to a
    new data version (bulk writes send no signals: mapapp/versioning.py). Returns the number of changes."""
    for change in changes:
        control_change_validate(
            on=change.on,
            places=change.places,
            actor=change.actor,
            status=change.status,
            confidence=change.confidence,
            sources=sources,
            date_precision=change.date_precision,
        )
    if not changes:
        return 0
    now = timezone.now()
    rows = [
        ControlChange(
            date=change.on,
            date_precision=change.date_precision,
            actor=change.actor,
            status=change.status,
            confidence=change.confidence,
            title=change.title.strip(),
            created_by=by if getattr(by, "is_authenticated", False) else None,
            review_state=ReviewState.PUBLISHED,
            reviewed_by=_reviewer(by),
            reviewed_at=now,
        )
        for change in changes
    ]
    rows = bulk_insert_with_history(ControlChange, rows, default_user=_reviewer(by), default_change_reason="published")
    version_of = dict(ControlChange.history.filter(id__in=[row.pk for row in rows]).values_list("id", "history_id"))
    for field, targets in (
        ("places", lambda index: [place.pk for place in changes[index].places]),
        ("sources", lambda _index: [source.pk for source in sources]),
    ):
        through = getattr(ControlChange, field).through
        other = ControlChange._meta.get_field(field).m2m_reverse_field_name()
        # Links and their copies as values (COPY on PostgreSQL), no model instance per row: tens of thousands of
        # each at 50,000 zones. A copy keeps its link's id, as simple_history's m2m copies do.
        links = [
            (row.pk, target) for index, row in enumerate(rows) for target in sorted(set(targets(index)))
        ]  # fmt: skip
        ids = bulk_insert_values_with_ids(through, ["controlchange_id", f"{other}_id"], links)
        copies = apps.get_model("mapapp", f"{ControlChange.history.model.__name__}_{field}")
        bulk_insert_values(
            copies,
            ["id", "controlchange_id", "history_id", f"{other}_id"],
            [
                (link_id, change_id, version_of[change_id], target)
                for link_id, (change_id, target) in zip(ids, links, strict=True)
            ],
        )
    place_ids = sorted({place.pk for change in changes for place in change.places})
    map_ids: set[int] = set()
    with derived_deferred():  # the maps' fronts and pockets derived once, whole, not once per chunk of places
        for start in range(0, len(place_ids), _BULK_PLACES):
            chunk = place_ids[start : start + _BULK_PLACES]
            control_periods_rebuild(places=list(Place.objects.filter(pk__in=chunk).only("pk")))
            map_ids.update(Map.places.through.objects.filter(place_id__in=chunk).values_list("map_id", flat=True))
    if map_ids:
        versioning.maps_bump(Q(pk__in=sorted(map_ids)))
    return len(rows)


def _locked(change: ControlChange) -> ControlChange:
    """The change's row, locked until the transaction ends, so two reviewers acting on it go one after the
    other and the second sees what the first did."""
    return ControlChange.objects.select_for_update().get(pk=change.pk)


def _reviewer(by):
    return by if getattr(by, "is_authenticated", False) else None


def _rebuild_and_touch(places: Iterable[Place]) -> None:
    """The periods of these places derived again; the change's own save and links moved the maps' data
    versions in this transaction (mapapp/versioning.py)."""
    control_periods_rebuild(places=list(places))


@transaction.atomic
def control_change_update(
    *,
    change: ControlChange,
    on: dt.date,
    places: Sequence[Place],
    actor: Actor,
    sources: Sequence[Source],
    status: str,
    confidence: str,
    date_precision: str = DatePrecision.DAY,
    title: str = "",
    note: str = "",
    by=None,
) -> ControlChange:
    """Edit a change (a draft, or, for reviewers, a published one). The derived periods of every place it
    covered before or covers now are rebuilt in this transaction when it is public."""
    control_change_validate(
        on=on,
        places=places,
        actor=actor,
        status=status,
        confidence=confidence,
        sources=sources,
        date_precision=date_precision,
        note=note.strip(),
    )
    change = _locked(change)
    if change.review_state == ReviewState.WITHDRAWN:
        raise ValidationError({"review_state": _("a withdrawn change cannot be edited; record a new one")})
    places_before = list(change.places.all())
    change.date = on
    change.date_precision = date_precision
    change.actor = actor
    change.status = status
    change.confidence = confidence
    change.title = title.strip()
    change.note = note.strip()
    change.full_clean()
    stamp(change, by=by, reason="edited")
    change.save()
    change.places.set(places)
    change.sources.set(sources)
    if change.review_state == ReviewState.PUBLISHED:
        _rebuild_and_touch({place.pk: place for place in [*places_before, *places]}.values())
    return change


@transaction.atomic
def control_change_set_ground(*, change: ControlChange, geometry: GEOSGeometry | None, map: Map | None = None, by=None):
    """Give a draft (or a rejected change) new ground, or take its ground away (`geometry` None), before it is
    published: nothing is split until then, so only the change itself is saved. `map` is the map whose zones the
    ground splits, needed when the change has none yet. A published change's ground has already split its map's
    zones: it is refused (withdraw it and record a new one). Refused too: ground that covers nothing of the map,
    and taking the ground from a change that has no places."""
    change = _locked(change)
    if change.review_state not in (ReviewState.DRAFT, ReviewState.REJECTED):
        raise ValidationError(
            {
                "review_state": _(
                    "only a draft's ground can be changed; this change is %(state)s (withdraw it and record a new one)"
                )
                % {"state": word(change.review_state)}
            }
        )
    if geometry is None:
        if not change.places.exists():
            raise ValidationError({"geometry": _("a control change needs at least one place or a geometry")})
        change.geometry, change.map = None, None
    else:
        map = map or change.map
        geometry = ground_clean(geometry=geometry, map=map)
        plan = ground_split_plan(map=map, ground=geo.to_shapely(geometry))
        if not plan.covered and not plan.splits and not change.places.exists():
            raise ValidationError(
                {"geometry": _("the geometry covers no part of the map's zones larger than its minimum")}
            )
        change.geometry, change.map = geometry, map
    stamp(change, by=by, reason="edited")
    change.save(update_fields=["geometry", "map"])
    return change


@transaction.atomic
def control_change_publish(*, change: ControlChange, by=None) -> ControlChange:
    """Make a draft (or a rejected change) public; the derived periods of its places are rebuilt in the same
    transaction. A change carrying ground splits the zones of its map first (mapapp.services.parts)."""
    return _publish(change=change, by=by, plan=None)


def _publish(*, change: ControlChange, by, plan, zones: ZoneFootprints | None = None) -> ControlChange:
    change = _locked(change)
    if change.review_state == ReviewState.PUBLISHED:
        raise ValidationError({"review_state": _("this change is already published")})
    if change.review_state == ReviewState.WITHDRAWN:
        raise ValidationError({"review_state": _("a withdrawn change cannot be published again; record a new one")})
    change.review_state = ReviewState.PUBLISHED
    change.reviewed_by = _reviewer(by)
    change.reviewed_at = timezone.now()
    stamp(change, by=by, reason="published")
    change.save(update_fields=["review_state", "reviewed_by", "reviewed_at"])
    parts: list[Place] = []
    if change.geometry is not None:
        covered, parts = zones_split(
            plan=plan,
            map=change.map,
            ground=geo.to_shapely(change.geometry),
            note=f"(change {change.pk})",
            zones=zones,
        )
        change.places.add(*covered)
    _rebuild_and_touch([*change.places.only("pk"), *parts])  # only their ids are needed, not their footprints
    return change


@transaction.atomic
def control_change_reject(*, change: ControlChange, by=None, reason: str) -> ControlChange:
    """Send a draft back: it stays in the record, marked rejected with the reviewer's reason. Only drafts can
    be rejected (a published change is withdrawn instead); the reason is required."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("say why the change is rejected, so the editor can fix it")})
    change = _locked(change)
    if change.review_state != ReviewState.DRAFT:
        raise ValidationError(
            {
                "review_state": _("only a draft can be rejected; this change is %(state)s")
                % {"state": word(change.review_state)}
            }
        )
    change.review_state = ReviewState.REJECTED
    change.reviewed_by = _reviewer(by)
    change.reviewed_at = timezone.now()
    change.review_note = reason
    stamp(change, by=by, reason="rejected")
    change.save(update_fields=["review_state", "reviewed_by", "reviewed_at", "review_note"])
    return change


@transaction.atomic
def control_change_withdraw(*, change: ControlChange, by=None, reason: str = "") -> ControlChange:
    """Take a published change out of the public record (it is kept, marked withdrawn); state is derived again."""
    change = _locked(change)
    if change.review_state == ReviewState.WITHDRAWN:
        raise ValidationError({"review_state": _("this change is already withdrawn")})
    was_public = change.review_state == ReviewState.PUBLISHED
    change.review_state = ReviewState.WITHDRAWN
    change.reviewed_by = _reviewer(by)
    change.reviewed_at = timezone.now()
    change.review_note = reason.strip()
    stamp(change, by=by, reason="withdrawn")
    change.save(update_fields=["review_state", "reviewed_by", "reviewed_at", "review_note"])
    if was_public:
        places = list(change.places.all())
        _rebuild_and_touch(places)
        if change.geometry is not None:
            # Its splits are no longer needed where nothing else tells the parts apart.
            zones_coarsen(map=change.map, parents=[place for place in places if place.kind == PlaceKind.PART])
    return change


_RESTORED_FIELDS = (
    "date",
    "date_precision",
    "actor_id",
    "status",
    "confidence",
    "title",
    "note",
    "review_state",
    "review_note",
    "reviewed_by_id",
    "reviewed_at",
)


@transaction.atomic
def control_change_restore(*, change: ControlChange, version_id: int, by=None, reason: str = "") -> ControlChange:
    """Put a change back as it was in an earlier version (a history record of it): its fields, places,
    sources and review state. The derived periods of every place it covered in either version are rebuilt in
    this transaction, so restoring the version before a publish takes the change off the public map again.
    The restore is itself a new version: nothing in the history is lost. `reason`, the reviewer's word on why,
    becomes the change's review note (the public corrections log shows it)."""
    change = _locked(change)
    version = change.history.filter(history_id=version_id).first()
    if version is None:
        raise ValidationError({"version": _("this change has no version %(id)s") % {"id": version_id}})
    place_ids = [row.place_id for row in version.places.all()]
    source_ids = [row.source_id for row in version.sources.all()]
    if not place_ids or not source_ids:
        raise ValidationError(
            {"version": _("that version was saved before its places and sources were set; pick a later one")}
        )
    places = list(Place.objects.filter(pk__in=place_ids))
    sources = list(Source.objects.filter(pk__in=source_ids))
    if len(places) != len(set(place_ids)) or len(sources) != len(set(source_ids)):
        raise ValidationError({"version": _("a place or source of that version no longer exists")})
    if not Actor.objects.filter(pk=version.actor_id).exists():
        raise ValidationError({"version": _("the actor of that version no longer exists")})
    was_public = change.review_state == ReviewState.PUBLISHED
    places_before = list(change.places.all())
    for field in _RESTORED_FIELDS:
        setattr(change, field, getattr(version, field))
    if reason.strip():
        change.review_note = reason.strip()
    stamp(change, by=by, reason=f"restored version {version_id}")
    change.save()
    change.places.set(places)
    change.sources.set(sources)
    if was_public or change.review_state == ReviewState.PUBLISHED:
        _rebuild_and_touch({place.pk: place for place in [*places_before, *places]}.values())
    return change
