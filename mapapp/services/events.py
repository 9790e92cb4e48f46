"""Writes to a map's events (mapapp/events/): the admin, the import command and tests all call these.

Keyword-only, validated, saved in one transaction; every write bumps the map's data version so the events
API's cached answers (keyed on it) expire.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Required, TypedDict, Unpack

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from mapapp.events.formats import EventRow, FileError, RowError, SourceRef, read_rows
from mapapp.events.models import Event, EventDatePrecision, EventOrigin, EventState, GeoPrecision
from mapapp.events.selectors import change_maps
from mapapp.models import Actor, ControlChange, Map, Source
from mapapp.services.sources import source_get_or_create
from mapapp.versioning import maps_bump

# The fields an EventRow sets on an Event, as they are (the rest: location, actors, sources).
_PLAIN_FIELDS = (
    "date",
    "date_end",
    "date_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "location_name",
    "admin_area",
    "geo_precision",
    "fatalities_best",
    "fatalities_low",
    "fatalities_high",
    "notes",
)


def _touch(map: Map) -> None:
    # Events are not among the rows mapapp/versioning.py watches through model signals (an import writes
    # thousands in bulk, which signals would not see): every write here moves the map's version itself.
    maps_bump(Q(pk=map.pk))


def event_validate(
    *,
    map: Map,
    on,
    date_end=None,
    event_type: str,
    location,
    date_precision: str = EventDatePrecision.DAY,
    geo_precision: str = GeoPrecision.EXACT,
    fatalities_best: int | None = None,
    fatalities_low: int | None = None,
    fatalities_high: int | None = None,
    actors: Sequence[Actor] = (),
) -> None:
    """The rules every event keeps: a real date inside the map's dates, a point inside the map's area, a type,
    known precisions, fatality estimates low <= best <= high, actors of this map. ValidationError by field."""
    errors: dict[str, str] = {}
    if isinstance(on, dt.datetime) or not isinstance(on, dt.date):
        errors["date"] = _("date must be a real date (YYYY-MM-DD), got %(value)s") % {"value": repr(on)}
    else:
        reason = outside_dates_reason(map=map, on=on)
        if reason:
            errors["date"] = reason
        if date_end is not None and (not isinstance(date_end, dt.date) or date_end < on):
            errors["date_end"] = _("the last day %(end)s is before the first %(start)s") % {
                "end": date_end,
                "start": on,
            }
    if not (event_type or "").strip():
        errors["event_type"] = _("an event needs a type (e.g. Battles)")
    if not isinstance(location, Point):
        errors["location"] = _("an event needs a point (longitude, latitude)")
    else:
        reason = outside_area_reason(map=map, point=location)
        if reason:
            errors["location"] = reason
    if date_precision not in EventDatePrecision.values:
        errors["date_precision"] = _("date precision must be one of %(choices)s") % {
            "choices": ", ".join(EventDatePrecision.values)
        }
    if geo_precision not in GeoPrecision.values:
        errors["geo_precision"] = _("place precision must be one of %(choices)s") % {
            "choices": ", ".join(GeoPrecision.values)
        }
    for name, value in (("fatalities_best", fatalities_best), ("fatalities_low", fatalities_low),
                        ("fatalities_high", fatalities_high)):  # fmt: skip
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            errors[name] = _("fatalities must be a whole number, 0 or more")
    if not errors and fatalities_best is not None:
        if fatalities_low is not None and fatalities_low > fatalities_best:
            errors["fatalities_low"] = _("the low estimate is above the best estimate")
        if fatalities_high is not None and fatalities_high < fatalities_best:
            errors["fatalities_high"] = _("the high estimate is below the best estimate")
    allowed = set(map.actors.values_list("pk", flat=True)) if actors else set()
    foreign = [actor.slug for actor in actors if actor.pk not in allowed]
    if foreign:
        errors["actors"] = _("not actors of this map: %(slugs)s") % {"slugs": ", ".join(foreign)}
    if errors:
        raise ValidationError(errors)


def outside_dates_reason(*, map: Map, on: dt.date) -> str:
    if map.start <= on <= map.end:
        return ""
    return _("%(date)s is outside the map's dates %(start)s..%(end)s") % {
        "date": on.isoformat(),
        "start": map.start.isoformat(),
        "end": map.end.isoformat(),
    }


def outside_area_reason(*, map: Map, point: Point, prepared=None) -> str:
    """Why the point is not on the map (empty when it is): a map without zones takes points anywhere."""
    if map.area is None:
        return ""
    area = prepared if prepared is not None else map.area.prepared
    if area.covers(point if point.srid == 4326 or point.srid is None else point.transform(4326, clone=True)):
        return ""
    return _("the point %(lon).5f, %(lat).5f is outside the map's area") % {"lon": point.x, "lat": point.y}


def _stamp(event: Event, *, by, reason: str) -> None:
    if by is not None and getattr(by, "is_authenticated", False):
        event._history_user = by
    event._change_reason = reason[:100]


class EventFields(TypedDict, total=False):
    """What an editor says of an event, the same to event_create and event_update. `on` (the first day),
    `event_type` and `location` (a WGS84 point) are required; the rest default to empty or unknown."""

    on: Required[dt.date]
    event_type: Required[str]
    location: Required[Point]
    date_end: dt.date | None
    date_precision: str
    sub_event_type: str
    actor1: str
    actor2: str
    actors: Sequence[Actor]
    location_name: str
    admin_area: str
    geo_precision: str
    fatalities_best: int | None
    fatalities_low: int | None
    fatalities_high: int | None
    sources: Sequence[Source]
    notes: str


_TEXT_FIELDS = ("event_type", "sub_event_type", "actor1", "actor2", "location_name", "admin_area", "notes")


def _checked_values(map: Map, fields: EventFields) -> tuple[dict, list[Actor], list[Source]]:
    """The model's values for `fields` (text stripped, a point without SRID taken as WGS84) once event_validate
    has passed them, with the actors and sources to link."""
    location = fields["location"]
    if isinstance(location, Point) and location.srid is None:
        location = Point(location.x, location.y, srid=4326)
    actors, sources = list(fields.get("actors", ())), list(fields.get("sources", ()))
    values = {
        "date": fields["on"],
        "date_end": fields.get("date_end"),
        "date_precision": fields.get("date_precision", EventDatePrecision.DAY),
        "location": location,
        "geo_precision": fields.get("geo_precision", GeoPrecision.EXACT),
        "fatalities_best": fields.get("fatalities_best"),
        "fatalities_low": fields.get("fatalities_low"),
        "fatalities_high": fields.get("fatalities_high"),
        **{name: (fields.get(name) or "").strip() for name in _TEXT_FIELDS},
    }
    event_validate(
        map=map, on=values["date"], date_end=values["date_end"], event_type=values["event_type"], location=location,
        date_precision=values["date_precision"], geo_precision=values["geo_precision"],
        fatalities_best=values["fatalities_best"], fatalities_low=values["fatalities_low"],
        fatalities_high=values["fatalities_high"], actors=actors,
    )  # fmt: skip
    return values, actors, sources


def _save(event: Event, *, actors: list[Actor], sources: list[Source], by, reason: str) -> Event:
    event.full_clean(exclude=["map"])
    _stamp(event, by=by, reason=reason)
    event.save()
    event.actors.set(actors)
    event.sources.set(sources)
    _touch(event.map)
    return event


@transaction.atomic
def event_create(
    *,
    map: Map,
    origin: str = EventOrigin.EDITOR,
    external_id: str = "",
    by=None,
    publish: bool = False,
    **fields: Unpack[EventFields],
) -> Event:
    """Add an event on `on` (to `date_end` inclusive) at `location` (WGS84). A draft unless `publish`."""
    values, actors, sources = _checked_values(map, fields)
    external_id = external_id.strip()
    if external_id and Event.objects.filter(map=map, origin=origin, external_id=external_id).exists():
        raise ValidationError({"external_id": _("this map already has the %(origin)s event %(id)s") % {
            "origin": origin, "id": external_id}})  # fmt: skip
    event = Event(
        map=map,
        origin=origin,
        external_id=external_id,
        review_state=EventState.PUBLISHED if publish else EventState.DRAFT,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        **values,
    )
    return _save(event, actors=actors, sources=sources, by=by, reason="added")


@transaction.atomic
def event_update(*, event: Event, by=None, **fields: Unpack[EventFields]) -> Event:
    """Edit an event in place (its map, origin, external id and review state stay)."""
    values, actors, sources = _checked_values(event.map, fields)
    event = Event.objects.select_for_update().get(pk=event.pk)
    for name, value in values.items():
        setattr(event, name, value)
    return _save(event, actors=actors, sources=sources, by=by, reason="edited")


@transaction.atomic
def change_events_link(*, change: ControlChange, events: Sequence[Event]) -> list[Event]:
    """Make `events` the events that explain `change` (any earlier links not among them are undone). Each must
    be an event of a map the change is on (mapapp.events.selectors.change_maps): ValidationError on `events`.
    The maps of every event linked or unlinked move their data version: their popups list the linked changes."""
    maps = {map_.pk for map_ in change_maps(change=change)}
    wanted = {event.pk: event for event in events}
    foreign = [str(pk) for pk, event in wanted.items() if event.map_id not in maps]
    if foreign:
        raise ValidationError({"events": _("not events of a map this change is on: %(ids)s") % {
            "ids": ", ".join(foreign)}})  # fmt: skip
    through = Event.changes.through
    before = set(through.objects.filter(controlchange_id=change.pk).values_list("event_id", flat=True))
    gone, added = before - set(wanted), set(wanted) - before
    if not gone and not added:
        return list(wanted.values())
    through.objects.filter(controlchange_id=change.pk, event_id__in=gone).delete()
    through.objects.bulk_create([through(controlchange_id=change.pk, event_id=pk) for pk in sorted(added)])
    touched = set(Event.objects.filter(pk__in=gone | added).values_list("map_id", flat=True))
    maps_bump(Q(pk__in=touched))
    return list(wanted.values())


@transaction.atomic
def event_changes_link(*, event: Event, changes: Sequence[ControlChange]) -> list[ControlChange]:
    """Make `changes` the control changes `event` explains (any earlier links not among them are undone): the
    same links as change_events_link, edited from the event's side. Each must be a change on the event's map:
    ValidationError on `changes`. The event's map moves its data version (its popup lists the linked changes)."""
    wanted = {change.pk: change for change in changes}
    foreign = [
        str(pk) for pk, change in wanted.items() if event.map_id not in {m.pk for m in change_maps(change=change)}
    ]
    if foreign:
        raise ValidationError({"changes": _("not changes on this event's map: %(ids)s") % {
            "ids": ", ".join(foreign)}})  # fmt: skip
    through = Event.changes.through
    before = set(through.objects.filter(event_id=event.pk).values_list("controlchange_id", flat=True))
    gone, added = before - set(wanted), set(wanted) - before
    if gone or added:
        through.objects.filter(event_id=event.pk, controlchange_id__in=gone).delete()
        through.objects.bulk_create([through(controlchange_id=pk, event_id=event.pk) for pk in sorted(added)])
        maps_bump(Q(pk=event.map_id))
    return list(wanted.values())


@transaction.atomic
def event_set_review_state(*, event: Event, state: str, by=None) -> Event:
    """Publish an event or take it back to a draft (the public sees only published events)."""
    if state not in EventState.values:
        raise ValidationError({"review_state": _("state must be one of %(choices)s") % {
            "choices": ", ".join(EventState.values)}})  # fmt: skip
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.review_state != state:
        event.review_state = state
        _stamp(event, by=by, reason=state)
        event.save(update_fields=["review_state", "updated_at"])
        _touch(event.map)
    return event


# --- Import --------------------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did (or, dry, would do). `errors` and `skipped` are (line, message), by line."""

    format: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        verb = "would import" if self.dry_run else "imported"
        if self.errors:
            verb = "imported nothing:"
            return f"{verb} {len(self.errors)} bad row(s) of {self.rows}"
        return (
            f"{verb} {self.rows} row(s) ({self.format}): {self.created} new, {self.updated} updated, "
            f"{self.unchanged} unchanged, {len(self.skipped)} skipped"
        )


class ImportRefused(Exception):
    """Raised inside the import's transaction so that nothing of it stays; carries the report."""

    def __init__(self, report: ImportReport):
        super().__init__(report.summary())
        self.report = report


def _actor_lookup(map: Map) -> tuple[dict[str, Actor], dict[str, Actor]]:
    """The map's actors by slug, and by their English and Arabic names and slugs folded to lower case (an
    event's free-text actor naming one of the map's sides exactly is linked to it)."""
    actors = list(map.actors.all())
    by_name: dict[str, Actor] = {}
    for actor in actors:
        for name in (actor.slug, actor.name_en, actor.name_ar):
            if name:
                by_name.setdefault(name.strip().casefold(), actor)
    return {actor.slug: actor for actor in actors}, by_name


class _Sources:
    """Sources by what they say, found or made once per import: the same publisher cited by a thousand events
    is one source."""

    def __init__(self):
        self.known: dict[SourceRef, Source] = {}

    def get(self, ref: SourceRef) -> Source:
        if ref not in self.known:
            self.known[ref] = source_get_or_create(title=ref.title, url=ref.url, publisher=ref.publisher,
                                                   quote=ref.quote)  # fmt: skip
        return self.known[ref]


def events_import(
    *,
    map: Map,
    rows: Iterable[tuple[int, EventRow | RowError]],
    format: str = "csv",
    dry_run: bool = False,
    publish: bool = True,
    by=None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import rows (as mapapp.events.formats.read_rows gives them) into the map's events, all or nothing.

    An event already imported from the same dataset (origin) with the same external id is updated in place;
    others are added (published, unless not `publish`: drafts for a reviewer). Rows dated outside the map's
    dates or placed outside its area are skipped with their reason. A row that cannot be read, or whose
    actors are not the map's, is an error: then nothing is written and the report lists every error by line.
    With `dry_run` everything is checked and counted, and nothing is written. `progress(rows read)` is called
    for every row (a background job's progress); an exception it raises rolls the import back.
    """
    report = ImportReport(format=format, dry_run=dry_run)
    try:
        with transaction.atomic():
            _import_rows(map=map, rows=rows, report=report, publish=publish, by=by, progress=progress)
            if report.errors or dry_run:
                raise ImportRefused(report)
            if report.created or report.updated:
                _touch(map)
    except ImportRefused:
        pass
    return report


def events_import_text(*, map: Map, text: str, format: str | None = None, dry_run: bool = False,
                       publish: bool = True, by=None, progress: Callable[[int], None] | None = None,
                       ) -> ImportReport:  # fmt: skip
    """Read a whole file's text (ACLED, UCDP GED or plain CSV; guessed from the header when `format` is None)
    and import it with events_import. A file that cannot be read at all reports one error on line 1."""
    try:
        format, rows = read_rows(text, format)
    except FileError as exc:
        report = ImportReport(format=format or "?", dry_run=dry_run)
        report.errors.append((1, str(exc)))
        return report
    return events_import(map=map, rows=rows, format=format, dry_run=dry_run, publish=publish, by=by, progress=progress)


def _import_rows(*, map: Map, rows, report: ImportReport, publish: bool, by, progress=None) -> None:
    by_slug, by_name = _actor_lookup(map)
    area = map.area.prepared if map.area is not None else None
    sources = _Sources()
    seen: dict[tuple[str, str], int] = {}
    accepted: list[tuple[EventRow, list[Actor]]] = []
    for line, row in rows:
        report.rows += 1
        if progress is not None:
            progress(report.rows)
        if isinstance(row, RowError):
            report.errors.append((line, row.args[0]))
            continue
        key = (row.origin, row.external_id)
        if key in seen:
            report.errors.append((line, f"id {row.external_id!r} is also on line {seen[key]}"))
            continue
        seen[key] = line
        unknown = [slug for slug in row.actor_slugs if slug not in by_slug]
        if unknown:
            report.errors.append((line, f"actors: not actors of this map: {', '.join(unknown)}"))
            continue
        reason = outside_dates_reason(map=map, on=row.date)
        if not reason and area is not None:
            reason = outside_area_reason(map=map, point=Point(row.longitude, row.latitude, srid=4326), prepared=area)
        if reason:
            report.skipped.append((line, reason))
            continue
        linked = {actor.pk: actor for actor in (by_slug[slug] for slug in row.actor_slugs)}
        for text in (row.actor1, row.actor2):
            actor = by_name.get(text.casefold()) if text else None
            if actor is not None:
                linked.setdefault(actor.pk, actor)
        accepted.append((row, list(linked.values())))
    if report.errors:
        return
    _write_rows(map=map, accepted=accepted, report=report, publish=publish, by=by, sources=sources)


def _write_rows(*, map: Map, accepted, report: ImportReport, publish: bool, by, sources: _Sources) -> None:
    """Add the new events and update the known ones in bulk (an import is thousands of rows)."""
    existing: dict[tuple[str, str], Event] = {}
    ids_by_origin: dict[str, list[str]] = {}
    for row, _actors in accepted:
        ids_by_origin.setdefault(row.origin, []).append(row.external_id)
    for origin, ids in ids_by_origin.items():
        for start in range(0, len(ids), 900):  # SQLite allows 999 parameters to a query
            for event in Event.objects.filter(map=map, origin=origin, external_id__in=ids[start : start + 900]):
                existing[(origin, event.external_id)] = event
    existing_sources = _m2m_ids(Event.sources.through, "source_id", [event.pk for event in existing.values()])
    existing_actors = _m2m_ids(Event.actors.through, "actor_id", [event.pk for event in existing.values()])

    new_events, new_links, changed, relinked = [], [], [], []
    user = by if getattr(by, "is_authenticated", False) else None
    for row, actors in accepted:
        values = {name: getattr(row, name) for name in _PLAIN_FIELDS}
        point = Point(row.longitude, row.latitude, srid=4326)
        source_ids = {sources.get(ref).pk for ref in row.sources}
        actor_ids = {actor.pk for actor in actors}
        event = existing.get((row.origin, row.external_id))
        if event is None:
            event = Event(
                map=map, location=point, origin=row.origin, external_id=row.external_id, created_by=user,
                review_state=EventState.PUBLISHED if publish else EventState.DRAFT, **values,
            )  # fmt: skip
            new_events.append(event)
            new_links.append((event, source_ids, actor_ids))
            continue
        same = all(getattr(event, name) == value for name, value in values.items()) and (
            abs(event.location.x - point.x) < 1e-9 and abs(event.location.y - point.y) < 1e-9
        )
        if (
            same
            and existing_sources.get(event.pk, set()) == source_ids
            and existing_actors.get(event.pk, set()) == actor_ids
        ):
            report.unchanged += 1
            continue
        for name, value in values.items():
            setattr(event, name, value)
        event.location = point
        changed.append(event)
        relinked.append((event, source_ids, actor_ids))
    report.created, report.updated = len(new_events), len(changed)
    if report.dry_run:
        return

    bulk_create_with_history(new_events, Event, batch_size=500, default_user=user, default_change_reason="imported")
    if changed:
        bulk_update_with_history(
            changed, Event, [*_PLAIN_FIELDS, "location"], batch_size=500, default_user=user,
            default_change_reason="re-imported",
        )  # fmt: skip
    if new_events and new_events[0].pk is None:  # a database that does not return ids from bulk inserts
        ids = dict(
            Event.objects.filter(map=map, external_id__in=[e.external_id for e in new_events]).values_list(
                "external_id", "pk"
            )
        )
        for event in new_events:
            event.pk = ids[event.external_id]
    links = [*new_links, *relinked]
    relinked_ids = [event.pk for event, _s, _a in relinked]
    for start in range(0, len(relinked_ids), 900):
        Event.sources.through.objects.filter(event_id__in=relinked_ids[start : start + 900]).delete()
        Event.actors.through.objects.filter(event_id__in=relinked_ids[start : start + 900]).delete()
    Event.sources.through.objects.bulk_create(
        [Event.sources.through(event_id=event.pk, source_id=pk) for event, ids, _a in links for pk in ids],
        batch_size=1000,
    )
    Event.actors.through.objects.bulk_create(
        [Event.actors.through(event_id=event.pk, actor_id=pk) for event, _s, ids in links for pk in ids],
        batch_size=1000,
    )


def _m2m_ids(through, column: str, event_ids: list[int]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for start in range(0, len(event_ids), 900):
        for event_id, other in through.objects.filter(event_id__in=event_ids[start : start + 900]).values_list(
            "event_id", column
        ):
            out.setdefault(event_id, set()).add(other)
    return out
