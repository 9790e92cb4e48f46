"""The record's publication history, read from the versions django-simple-history keeps of every control change:
when each change became public, and each correction after that (withdrawn, restored, corrected). What the feeds
and the public corrections log are made of.

A change's versions are walked in order. An event is a version that changed what the public sees:
- `published`: public for the first time;
- `withdrawn`: taken out of the public record (the reviewer's reason is the version's review note);
- `unpublished`: taken off by restoring a version from before it was published;
- `restored`: public again after it was taken off;
- `corrected`: still public, but its date, side, status, confidence, places or sources changed (an edit, or a
  restore of another published version).

A map's publication delay (Map.publish_delay_hours) holds every event back from the public that many hours.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.utils import timezone

from gazetteer.models import Place
from mapapp.models import ControlChange, Map, ReviewState, Siege, SiegePlace

PUBLIC_KINDS = ("published", "withdrawn", "unpublished", "restored", "corrected")
CORRECTIONS = ("withdrawn", "unpublished", "restored", "corrected")


@dataclass
class Event:
    kind: str  # one of PUBLIC_KINDS
    at: dt.datetime  # when it happened (the version's time)
    public_at: dt.datetime  # when the public could see it (at + the map's delay)
    change_id: int
    version_id: int
    date: dt.date
    actor_id: int
    status: str
    confidence: str
    title: str
    note: str
    reason: str
    place_ids: list[int] = field(default_factory=list)
    source_ids: list[int] = field(default_factory=list)
    previous: Event | None = None  # the public state before a correction, for "what changed"

    @property
    def is_correction(self) -> bool:
        return self.kind in CORRECTIONS


def place_and_parts(place: Place) -> set[int]:
    """The place's id and its parts' (children, their children ...). One query per level of nesting."""
    ids = {place.pk}
    level = {place.pk}
    while level:
        level = set(Place.objects.filter(parent_id__in=level).values_list("pk", flat=True)) - ids
        ids |= level
    return ids


def _delay(map: Map) -> dt.timedelta:
    return dt.timedelta(hours=map.publish_delay_hours or 0)


def public_now(map: Map, now: dt.datetime | None = None) -> dt.datetime:
    """The moment up to which the public sees the record's versions: now less the map's delay."""
    return (now or timezone.now()) - _delay(map)


def map_events(*, map: Map, place_ids: set[int] | None = None, seen_at: dt.datetime | None = None) -> list[Event]:
    """The publication events of the changes that ever touched the map's zones (or `place_ids` among them), oldest
    first, as the public could see them at `seen_at` (default now; the map's delay applies). Five queries."""
    history = ControlChange.history.model
    version_places = apps.get_model("mapapp", "HistoricalControlChange_places")
    version_sources = apps.get_model("mapapp", "HistoricalControlChange_sources")
    zone_ids = set(map.places.values_list("pk", flat=True))
    wanted = zone_ids if place_ids is None else zone_ids & place_ids
    change_ids = set(
        version_places.objects.filter(place_id__in=wanted).values_list("history__id", flat=True).distinct()
    )
    limit = public_now(map, seen_at)
    versions = list(
        history.objects.filter(id__in=change_ids, history_date__lte=limit).order_by("id", "history_date", "history_id")
    )
    places: dict[int, list[int]] = defaultdict(list)
    for version_id, place_id in (
        version_places.objects.filter(history_id__in=[v.history_id for v in versions])
        .order_by("place_id")
        .values_list("history_id", "place_id")
    ):
        places[version_id].append(place_id)
    sources: dict[int, list[int]] = defaultdict(list)
    for version_id, source_id in (
        version_sources.objects.filter(history_id__in=[v.history_id for v in versions])
        .order_by("source_id")
        .values_list("history_id", "source_id")
    ):
        sources[version_id].append(source_id)
    delay = _delay(map)
    events: list[Event] = []
    current: dict[int, Event | None] = {}
    ever_public: set[int] = set()
    for version in versions:
        public = version.review_state == ReviewState.PUBLISHED
        before = current.get(version.id)
        event = Event(
            kind="",
            at=version.history_date,
            public_at=version.history_date + delay,
            change_id=version.id,
            version_id=version.history_id,
            date=version.date,
            actor_id=version.actor_id,
            status=version.status,
            confidence=version.confidence,
            title=version.title,
            note=version.note,
            reason=version.review_note,
            place_ids=places[version.history_id],
            source_ids=sources[version.history_id],
            previous=before,
        )
        if public and before is None:
            event.kind = "restored" if version.id in ever_public else "published"
        elif not public and before is not None:
            event.kind = "withdrawn" if version.review_state == ReviewState.WITHDRAWN else "unpublished"
        elif public and _substance(before) != _substance(event):
            event.kind = "corrected"
        if public:
            ever_public.add(version.id)
            current[version.id] = event
        else:
            current[version.id] = None
        if event.kind and (
            place_ids is None or set(event.place_ids) & wanted or (before and set(before.place_ids) & wanted)
        ):
            events.append(event)
    events.sort(key=lambda e: (e.at, e.version_id))
    return events


def _substance(event: Event | None) -> tuple:
    if event is None:
        return ()
    return (event.date, event.actor_id, event.status, event.confidence, event.place_ids, event.source_ids)


def change_events(*, map: Map, change_id: int, seen_at: dt.datetime | None = None) -> list[Event]:
    """One change's publication events (its page in the corrections log)."""
    return [event for event in map_events(map=map, seen_at=seen_at) if event.change_id == change_id]


@dataclass
class SiegeEvent:
    kind: str  # published, withdrawn, restored or corrected
    at: dt.datetime
    public_at: dt.datetime
    siege_id: int
    version_id: int
    slug: str
    name: str
    start: dt.date
    end: dt.date | None
    reason: str
    name_ar: str = ""

    is_correction = property(lambda self: self.kind in CORRECTIONS)


def siege_events(*, map: Map, seen_at: dt.datetime | None = None) -> list[SiegeEvent]:
    """The publication events of the sieges of the map's zones, oldest first: first public, withdrawn, public
    again, and corrected (a public siege edited, with the reason siege_update was given). Two queries."""
    siege_ids = SiegePlace.objects.filter(place__maps=map).values("siege_id")
    versions = Siege.history.filter(id__in=siege_ids, history_date__lte=public_now(map, seen_at)).order_by(
        "id", "history_date", "history_id"
    )
    delay = _delay(map)
    events: list[SiegeEvent] = []
    public: dict[int, bool] = {}
    ever_public: set[int] = set()
    previous: dict[int, object] = {}
    for version in versions:
        now_public = version.review_state == ReviewState.PUBLISHED
        was_public = public.get(version.id, False)
        reason = version.history_change_reason or ""
        kind = ""
        if now_public and not was_public:
            kind = "restored" if version.id in ever_public else "published"
        elif was_public and not now_public:
            kind = "withdrawn"
        elif now_public and reason.startswith("edited") and not _same_save(previous.get(version.id), version):
            kind = "corrected"
        previous[version.id] = version
        public[version.id] = now_public
        if now_public:
            ever_public.add(version.id)
        if kind:
            events.append(
                SiegeEvent(
                    kind=kind,
                    at=version.history_date,
                    public_at=version.history_date + delay,
                    siege_id=version.id,
                    version_id=version.history_id,
                    slug=version.slug,
                    name=version.name_en,
                    name_ar=version.name_ar,
                    start=version.start,
                    end=version.end,
                    reason=reason.removeprefix("edited").removeprefix(":").strip(),
                )
            )
    events.sort(key=lambda e: (e.at, e.version_id))
    return events


def _same_save(earlier, version) -> bool:
    """One siege_update writes several versions (the siege, then each of its versioned many-to-many fields), all
    with its reason and within moments: one correction, not three."""
    return (
        earlier is not None
        and earlier.history_change_reason == version.history_change_reason
        and version.history_date - earlier.history_date < dt.timedelta(seconds=5)
    )
