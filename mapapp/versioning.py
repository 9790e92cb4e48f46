"""A map's data version, bumped by every write that changes what the map shows, through model signals.

Caches key on the version: `?v=<version>` answers are immutable for a year and ETags are built from it
(README, "Deploying"). So the version must move whenever anything served about a map moves, whoever writes:
the services, the admin's plain model forms, a shell. One mechanism does it, here: receivers on
pre_save/post_save/pre_delete/m2m_changed of every model whose fields reach a map's answers, connected once in
MapappConfig.ready(). No write path has to remember to call anything.

- A receiver compares the watched fields before and after a save (one primary-key read in pre_save), so an
  edit of something no answer shows (a place's notes, an editor's draft) leaves the caches alone.
- The bump is an UPDATE in the writer's transaction: readers see the new record and the new version together,
  never new data under an old version nor an old version after the commit.
- Deletes bump in pre_delete, while the rows that say which maps are affected still exist.
- Over-bumping is safe (a cache misses once); under-bumping lies, so where finding the exact maps would take a
  join over the whole record (an actor's name or colour) every map is bumped.

Writes that bypass signals (queryset.update(), bulk_create) must not touch watched rows; the services write
these rows one by one. Derived rows (control periods, zone edges) follow the record's signals; the commands
that derive everything again bump every map themselves (maps_bump).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from django.db import transaction
from django.db.models import F, Q
from django.db.models.signals import m2m_changed, post_save, pre_delete, pre_save
from django.dispatch import Signal
from django.utils import timezone

from gazetteer.models import Place, PlaceName
from mapapp.lib.http import etag_of
from mapapp.models import Actor, ControlChange, Map, ReviewState, Siege, SiegePlace, SiegeSupply, Source

# The fields each model shows in some public answer (geometry, history, zones, timeline, exports, pages,
# embeds, pictures). A save that changes none of them leaves the versions alone.
WATCHED: dict[type, tuple[str, ...]] = {
    Place: (
        "slug",
        "name_en",
        "name_ar",
        "kind",
        "parent_id",
        "footprint",
        "label_point",
        "footprint_approximate",
        "area_km2",
        "coord_basis",
        "uncertainty_m",
    ),
    PlaceName: ("place_id", "name", "language", "kind"),
    Actor: ("slug", "name_en", "name_ar", "color", "sort_order"),
    Map: (
        "slug",
        "title_en",
        "title_ar",
        "description_en",
        "description_ar",
        "area",
        "start",
        "end",
        "default_date",
        "frame_ancestors",
        "is_public",
        "credit",
        "publish_delay_hours",  # what the public may read of it (mapapp/asof.py)
    ),
    Source: ("url", "title", "publisher", "published", "quote"),
    ControlChange: ("date", "date_precision", "actor_id", "status", "confidence", "title", "note", "review_state"),
    Siege: (
        "slug",
        "name_en",
        "name_ar",
        "besieged_actor_id",
        "start",
        "start_precision",
        "end",
        "note",
        "review_state",
    ),
    SiegePlace: ("siege_id", "place_id", "until"),
    SiegeSupply: ("siege_id", "method", "start", "end", "note"),
}

_BEFORE = "_versioning_before"


# --- Bumping ---------------------------------------------------------------------------------------------


class _Held:
    """The bumps asked for inside bumps_held(): the maps' ids (found when asked, while the rows that say which maps
    are affected still exist: a deleted place's links are gone by the end), or every map, and the Map instances
    to bring up to date at the end."""

    def __init__(self) -> None:
        self.map_ids: set[int] = set()
        self.every_map = False
        self.instances: list[Map] = []
        # The maps of each place, found once a block: a place that joins a map in the block bumps that map
        # through the link's own signal, and one that leaves it only makes an answer miss once more.
        self.maps_of_place: dict[int, set[int]] = {}

    def maps_of(self, place_ids: Iterable[int]) -> set[int]:
        place_ids = set(place_ids)
        unknown = place_ids - self.maps_of_place.keys()
        if unknown:
            found: dict[int, set[int]] = {place_id: set() for place_id in unknown}
            through = Map.places.through
            for place_id, map_id in through.objects.filter(place_id__in=sorted(unknown)).values_list(
                "place_id", "map_id"
            ):
                found[place_id].add(map_id)
            self.maps_of_place.update(found)
        return set().union(*(self.maps_of_place[place_id] for place_id in place_ids))

    def covers(self, place_ids: Iterable[int]) -> bool:
        """Whether every map showing these places will be bumped at the end already (nothing to find out)."""
        return self.every_map or self.maps_of(place_ids) <= self.map_ids


_held: ContextVar[_Held | None] = ContextVar("versioning_held", default=None)


@contextmanager
def bumps_held() -> Iterator[None]:
    """Inside, bumps are noted instead of written; on leaving without an error, each map asked for moves to a new
    data version once, in one UPDATE. A bulk write (a synthetic map, a bulk publish, hundreds of siege places) so
    writes one UPDATE instead of one per row, each of which adds a row version of the map in PostgreSQL.

    The block is one transaction and the bump is its last write: readers see the new record and the new version
    together when it commits, never one without the other (an error rolls back both). Nested blocks: the outer
    one bumps."""
    if _held.get() is not None:
        yield
        return
    held = _Held()
    token = _held.set(held)
    try:
        with transaction.atomic():
            yield
            _held.reset(token)
            token = None
            if held.every_map:
                maps_bump()
            elif held.map_ids:
                maps_bump(Q(pk__in=sorted(held.map_ids)))
            for instance in held.instances:
                _refresh(instance)
    finally:
        if token is not None:
            _held.reset(token)


def maps_bump(maps: Q | None = None) -> None:
    """Add one to the data version of the maps matching `maps` (every map when None), in one UPDATE (noted
    instead inside bumps_held()).

    `updated_at` moves with it: (version, updated_at) names one state of a map's record even across a database
    restored from a backup or made again from scratch, where a version number alone may come round twice; the
    file caches key on both (mapapp/answers.py, mapapp/mapimage.py)."""
    held = _held.get()
    if held is not None:
        if maps is None:
            held.every_map = True
        elif not held.every_map:
            held.map_ids.update(Map.objects.filter(maps).values_list("pk", flat=True).distinct())
        return
    if maps is None:
        Map.objects.update(data_version=F("data_version") + 1, updated_at=timezone.now())
        _build_ahead(None)
        return
    map_ids = list(Map.objects.filter(maps).values_list("pk", flat=True).distinct())
    if map_ids:
        Map.objects.filter(pk__in=map_ids).update(data_version=F("data_version") + 1, updated_at=timezone.now())
        _build_ahead(map_ids)


# Sent after every bump with the maps' ids (None: every map): they have a new version that no kept answer holds
# yet. mapapp.answers listens (connected in MapappConfig.ready) and has the worker build what a viewer asks for
# first once the bump commits; a signal, because answers imports this module for its ETags.
data_version_bumped = Signal()


def _build_ahead(map_ids: list[int] | None) -> None:
    data_version_bumped.send(sender=Map, map_ids=map_ids)


def _maps_of_places(place_ids: Iterable[int]) -> Q | None:
    place_ids = list(place_ids)
    return Q(places__in=place_ids) if place_ids else None


def _bump_places(place_ids: Iterable[int]) -> None:
    held = _held.get()
    if held is not None:
        held.map_ids |= held.maps_of(place_ids)
        return
    maps = _maps_of_places(place_ids)
    if maps is not None:
        maps_bump(maps)


def _bump_map(instance: Map) -> None:
    """Bump one map and keep the instance in step, so a later save() of it cannot write an older version back."""
    held = _held.get()
    if held is not None:
        held.map_ids.add(instance.pk)
        held.instances.append(instance)
        return
    Map.objects.filter(pk=instance.pk).update(data_version=F("data_version") + 1, updated_at=timezone.now())
    _build_ahead([instance.pk])
    _refresh(instance)


def _refresh(instance: Map) -> None:
    """The instance's data version and moment read again from its row (if it still has one)."""
    row = Map.objects.filter(pk=instance.pk).values_list("data_version", "updated_at").first()
    if row is not None:
        instance.data_version, instance.updated_at = row


def _held_covers(place_ids: Iterable[int]) -> bool:
    held = _held.get()
    return held is not None and held.covers(place_ids)


def _published(state: str | None) -> bool:
    return state == ReviewState.PUBLISHED


def _change_places(change_ids: Iterable[int]) -> list[int]:
    through = ControlChange.places.through
    return list(through.objects.filter(controlchange_id__in=list(change_ids)).values_list("place_id", flat=True))


def _siege_places(siege_id: int) -> list[int]:
    return list(SiegePlace.objects.filter(siege_id=siege_id).values_list("place_id", flat=True))


# --- ETags ------------------------------------------------------------------------------------------------


@functools.cache
def code_fingerprint() -> str:
    """A digest of the code that builds the answers (the Python of mapapp and gazetteer): a deploy that changes
    what an answer says changes every ETag, even where no data version moved."""
    digest = hashlib.blake2b(digest_size=8)
    root = Path(__file__).resolve().parent.parent
    for package in ("mapapp", "gazetteer"):
        for path in sorted((root / package).rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def etag(map: Map, *inputs: str) -> str:
    """The strong ETag of an answer about `map`: built from everything the answer depends on, the code, the map
    (its id: a map deleted and made again under its slug starts at version 1 again), its data version, and the
    other inputs (the query). Never from the body, so a 304 costs no building."""
    return etag_of("\x1f".join([code_fingerprint(), str(map.pk), map.slug, str(map.data_version), *inputs]))


# --- What an edit of each model touches -------------------------------------------------------------------


def _affected(instance, before: dict | None) -> None:
    """Bump the maps that show `instance`, as it was (`before`, None when new) or as it is now."""
    now = {name: getattr(instance, name) for name in WATCHED[type(instance)]}
    if isinstance(instance, Place):
        if before is not None:  # a new place is on no map yet
            _bump_places([instance.pk])
    elif isinstance(instance, PlaceName):
        _bump_places({now["place_id"], *(before and [before["place_id"]] or [])})
    elif isinstance(instance, Actor):
        # An actor shows wherever it holds or besieges ground, not only on maps that list it; finding those
        # takes a join over every period. Actors are few and rarely edited: every map.
        if before is not None:
            maps_bump()
    elif isinstance(instance, Map):
        if before is not None:
            _bump_map(instance)
    elif isinstance(instance, Source):
        if before is not None:
            cited = Q(places__control_changes__sources=instance, places__control_changes__review_state="published")
            besieged = Q(places__sieges__sources=instance, places__sieges__review_state="published")
            maps_bump(cited | besieged)
    elif isinstance(instance, ControlChange):
        if _published(now["review_state"]) or (before is not None and _published(before["review_state"])):
            _bump_places(_change_places([instance.pk]))
    elif isinstance(instance, Siege):
        if _published(now["review_state"]) or (before is not None and _published(before["review_state"])):
            _bump_places(_siege_places(instance.pk))
    elif isinstance(instance, SiegePlace):
        sieges = {now["siege_id"], *(before and [before["siege_id"]] or [])}
        places = {now["place_id"], *(before and [before["place_id"]] or [])}
        if _held_covers(places):
            return  # a siege's places, saved one by one in a held block: their maps are bumped at its end
        if Siege.objects.filter(pk__in=sieges, review_state=ReviewState.PUBLISHED).exists():
            _bump_places(places)
    elif isinstance(instance, SiegeSupply):
        sieges = {now["siege_id"], *(before and [before["siege_id"]] or [])}
        for siege_id in Siege.objects.filter(pk__in=sieges, review_state=ReviewState.PUBLISHED).values_list(
            "pk", flat=True
        ):
            _bump_places(_siege_places(siege_id))


def _watched_before(sender, instance, raw=False, **kwargs) -> None:
    """pre_save: remember the watched fields as the database has them (nothing for a new row)."""
    if raw or instance.pk is None:
        setattr(instance, _BEFORE, None)
        return
    fields = WATCHED[sender] + (("data_version",) if sender is Map else ())
    row = sender._base_manager.filter(pk=instance.pk).values(*fields).first()
    setattr(instance, _BEFORE, row)
    if sender is Map and row is not None and instance.data_version < row["data_version"]:
        # Never write back a version older than the stored one (an instance read before another bump).
        instance.data_version = row["data_version"]


def _watched_after(sender, instance, created, raw=False, **kwargs) -> None:
    """post_save: bump what the save changed."""
    if raw:
        return
    before = getattr(instance, _BEFORE, None)
    if not created and before is None:
        return  # saved without a pre_save read (cannot happen through Model.save)
    if before is not None:
        now = {name: getattr(instance, name) for name in WATCHED[sender]}
        if all(_same(before[name], now[name]) for name in now):
            return
    _affected(instance, before)


def _same(a, b) -> bool:
    if hasattr(a, "equals_exact") and hasattr(b, "equals_exact"):
        return a.srid == b.srid and a.equals_exact(b, 0)
    return a == b


def _on_delete(sender, instance, **kwargs) -> None:
    """pre_delete: the row and its links still exist; bump the maps that show it."""
    before = sender._base_manager.filter(pk=instance.pk).values(*WATCHED[sender]).first()
    if before is None:
        return
    if sender is Place:
        _bump_places([instance.pk])
    elif sender is Map:
        return  # a deleted map answers 404
    elif sender is ControlChange:
        if _published(before["review_state"]):
            _bump_places(_change_places([instance.pk]))
    elif sender is Siege:
        if _published(before["review_state"]):
            _bump_places(_siege_places(instance.pk))
    else:
        _affected(instance, before)


# --- Links (many-to-many) ---------------------------------------------------------------------------------


def _links_changed(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    """m2m_changed: a link added or removed changes what the maps on either end show. `pre_clear` is used
    instead of `post_clear` because after a clear the links that were there are gone."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    ids = set(pk_set or ())
    if sender is Map.places.through:
        if reverse:  # place.maps.add(map): instance is the place, pk_set the maps
            maps_bump(Q(pk__in=ids) if action != "pre_clear" else Q(places=instance))
        else:
            _bump_map(instance)
    elif sender is Map.actors.through:
        if reverse:
            maps_bump(Q(pk__in=ids) if action != "pre_clear" else Q(actors=instance))
        else:
            _bump_map(instance)
    elif sender is Actor.allies.through:
        maps_bump()  # pockets count allies' ground; an actor shows on any map (see _affected)
    elif sender is ControlChange.places.through:
        if reverse:  # place.control_changes.add(change)
            published = ControlChange.objects.filter(review_state=ReviewState.PUBLISHED)
            changes = published.filter(pk__in=ids) if action != "pre_clear" else published.filter(places=instance)
            if changes.exists():
                _bump_places([instance.pk])
        elif _published(instance.review_state):
            _bump_places(ids if action != "pre_clear" else _change_places([instance.pk]))
    elif sender is ControlChange.sources.through:
        if reverse:  # source.control_changes.add(change)
            published = ControlChange.objects.filter(review_state=ReviewState.PUBLISHED)
            changes = published.filter(pk__in=ids) if action != "pre_clear" else published.filter(sources=instance)
            _bump_places(_change_places(changes.values_list("pk", flat=True)))
        elif _published(instance.review_state):
            _bump_places(_change_places([instance.pk]))
    elif sender in (Siege.besieging_actors.through, Siege.sources.through):
        if reverse:
            field = "besieging_actors" if sender is Siege.besieging_actors.through else "sources"
            published = Siege.objects.filter(review_state=ReviewState.PUBLISHED)
            sieges = published.filter(pk__in=ids) if action != "pre_clear" else published.filter(**{field: instance})
            for siege_id in sieges.values_list("pk", flat=True):
                _bump_places(_siege_places(siege_id))
        elif _published(instance.review_state):
            _bump_places(_siege_places(instance.pk))


def connect() -> None:
    """Connect the receivers (MapappConfig.ready)."""
    for model in WATCHED:
        uid = f"versioning-{model._meta.label_lower}"
        pre_save.connect(_watched_before, sender=model, dispatch_uid=f"{uid}-pre-save")
        post_save.connect(_watched_after, sender=model, dispatch_uid=f"{uid}-post-save")
        pre_delete.connect(_on_delete, sender=model, dispatch_uid=f"{uid}-pre-delete")
    for through in (
        Map.places.through,
        Map.actors.through,
        Actor.allies.through,
        ControlChange.places.through,
        ControlChange.sources.through,
        Siege.besieging_actors.through,
        Siege.sources.through,
    ):
        m2m_changed.connect(_links_changed, sender=through, dispatch_uid=f"versioning-{through._meta.label_lower}")
