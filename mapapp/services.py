"""Writes to the map's record. The admin, the API, management commands and tests all call these.

Every function is keyword-only, validates its input, and saves inside one transaction. Control periods are
derived here and only here (control_periods_rebuild), in the same transaction as the change that alters them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.contrib.gis.geos import MultiPolygon
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from gazetteer.models import Place
from mapapp.lib import geo
from mapapp.models import (
    Actor,
    ApiToken,
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
from mapapp.selectors import change_preview

# Words of the record as an editor reads them, in the active language.
_WORDS = {
    "held": gettext_lazy("held"),
    "contested": gettext_lazy("contested"),
    "draft": gettext_lazy("draft"),
    "published": gettext_lazy("published"),
    "rejected": gettext_lazy("rejected"),
    "withdrawn": gettext_lazy("withdrawn"),
}


def word(value: str) -> str:
    return str(_WORDS.get(value, value))


def local_name(obj) -> str:
    """The Arabic name of a place or actor when the interface is in Arabic and it has one, else English."""
    if get_language() == "ar" and getattr(obj, "name_ar", ""):
        return obj.name_ar
    return obj.name_en


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


def control_change_validate(*, on, places, actor, status, confidence, sources, date_precision) -> None:
    """The rules every control change must keep; ValidationError {field: message} in the active language.
    Forms call this to show errors next to their fields; the services below call it before saving."""
    errors: dict[str, str] = {}
    if isinstance(on, dt.datetime) or not isinstance(on, dt.date):
        errors["date"] = _("date must be a real date (YYYY-MM-DD), got %(value)s") % {"value": repr(on)}
    elif on > timezone.now().date():
        errors["date"] = _("date %(date)s is in the future") % {"date": on.isoformat()}
    if not places:
        errors["places"] = _("a control change needs at least one place")
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


def _stamp(instance, *, by, reason: str) -> None:
    """Who and why, for the history record the next save writes (django-simple-history reads these)."""
    if by is not None and getattr(by, "is_authenticated", False):
        instance._history_user = by
    instance._change_reason = reason[:100]


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
    in this transaction). Refused when every place already stands as the change says on `on` (by the
    published record): such a change would alter nothing.

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
    )
    _refuse_if_alters_nothing(on=on, places=places, actor=actor, status=status, confidence=confidence, sources=sources)
    change = ControlChange(
        date=on,
        date_precision=date_precision,
        actor=actor,
        status=status,
        confidence=confidence,
        title=title.strip(),
        note=note.strip(),
        created_by=by if getattr(by, "is_authenticated", False) else None,
        review_state=ReviewState.DRAFT,
    )
    change.full_clean()
    _stamp(change, by=by, reason="recorded")
    change.save()
    change.places.set(places)
    change.sources.set(sources)
    if publish:
        control_change_publish(change=change, by=by)
    return change


def _locked(change: ControlChange) -> ControlChange:
    """The change's row, locked until the transaction ends, so two reviewers acting on it go one after the
    other and the second sees what the first did."""
    return ControlChange.objects.select_for_update().get(pk=change.pk)


def _reviewer(by):
    return by if getattr(by, "is_authenticated", False) else None


def _rebuild_and_touch(places: Iterable[Place]) -> None:
    places = list(places)
    control_periods_rebuild(places=places)
    maps_touch(places=places)


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
    _stamp(change, by=by, reason="edited")
    change.save()
    change.places.set(places)
    change.sources.set(sources)
    if change.review_state == ReviewState.PUBLISHED:
        _rebuild_and_touch({place.pk: place for place in [*places_before, *places]}.values())
    return change


@transaction.atomic
def control_change_publish(*, change: ControlChange, by=None) -> ControlChange:
    """Make a draft (or a rejected change) public; the derived periods of its places are rebuilt in the same
    transaction."""
    change = _locked(change)
    if change.review_state == ReviewState.PUBLISHED:
        raise ValidationError({"review_state": _("this change is already published")})
    if change.review_state == ReviewState.WITHDRAWN:
        raise ValidationError({"review_state": _("a withdrawn change cannot be published again; record a new one")})
    change.review_state = ReviewState.PUBLISHED
    change.reviewed_by = _reviewer(by)
    change.reviewed_at = timezone.now()
    _stamp(change, by=by, reason="published")
    change.save(update_fields=["review_state", "reviewed_by", "reviewed_at"])
    _rebuild_and_touch(change.places.all())
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
    _stamp(change, by=by, reason="rejected")
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
    _stamp(change, by=by, reason="withdrawn")
    change.save(update_fields=["review_state", "reviewed_by", "reviewed_at", "review_note"])
    if was_public:
        _rebuild_and_touch(change.places.all())
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
def control_change_restore(*, change: ControlChange, version_id: int, by=None) -> ControlChange:
    """Put a change back as it was in an earlier version (a history record of it): its fields, places,
    sources and review state. The derived periods of every place it covered in either version are rebuilt in
    this transaction, so restoring the version before a publish takes the change off the public map again.
    The restore is itself a new version: nothing in the history is lost."""
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
    _stamp(change, by=by, reason=f"restored version {version_id}")
    change.save()
    change.places.set(places)
    change.sources.set(sources)
    if was_public or change.review_state == ReviewState.PUBLISHED:
        _rebuild_and_touch({place.pk: place for place in [*places_before, *places]}.values())
    return change


@transaction.atomic
def source_get_or_create(
    *, title: str, url: str = "", publisher: str = "", published: dt.date | None = None, quote: str = ""
) -> Source:
    """The source with this URL and quote (or, without a URL, this title, publisher, date and quote) if the
    record has it already, else a new one: the same article cited by ten changes is one source."""
    title, url, publisher, quote = title.strip(), url.strip(), publisher.strip(), quote.strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("a source needs a title (the headline of the article or report)")
    if published is not None and (isinstance(published, dt.datetime) or not isinstance(published, dt.date)):
        errors["published"] = _("the publication date must be a date (YYYY-MM-DD)")
    elif published is not None and published > timezone.now().date():
        errors["published"] = _("the publication date %(date)s is in the future") % {"date": published.isoformat()}
    if errors:
        raise ValidationError(errors)
    same = Source.objects.filter(quote=quote)
    same = same.filter(url=url) if url else same.filter(url="", title=title, publisher=publisher, published=published)
    existing = same.order_by("id").first()
    if existing is not None:
        return existing
    return source_create(title=title, url=url, publisher=publisher, published=published, quote=quote)


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
def source_update(
    *, source: Source, title: str, url: str = "", publisher: str = "", published: dt.date | None = None, quote: str = ""
) -> Source:
    """Correct a source (a typo in its title, a better URL). Every change citing it cites the corrected one."""
    if not title.strip():
        raise ValidationError({"title": _("a source needs a title (the headline of the article or report)")})
    source.title, source.url, source.publisher = title.strip(), url.strip(), publisher.strip()
    source.published, source.quote = published, quote.strip()
    source.full_clean()
    source.save()
    maps_touch(places=Place.objects.filter(control_changes__sources=source).distinct())
    return source


def supply_problem(*, method: str, start, end) -> str:
    """What is wrong with one supply line (method, [start, end)), or "" (the siege form checks each row)."""
    if method not in SupplyMethod.values:
        return _("supply method must be one of %(choices)s, got %(value)s") % {
            "choices": ", ".join(SupplyMethod.values),
            "value": repr(method),
        }
    if start is None:
        return _("%(method)s: a supply line needs a start date") % {"method": method}
    if end is not None and end <= start:
        return _("%(method)s: ends (%(end)s) on or before it starts (%(start)s)") % {
            "method": method,
            "end": end.isoformat(),
            "start": start.isoformat(),
        }
    return ""


def siege_validate(
    *,
    besieged_actor,
    besieging_actors,
    start,
    end,
    start_precision,
    places,
    sources,
    supplies,
) -> None:
    """The rules of a siege; ValidationError {field: message} in the active language. The siege form calls
    this for its own fields so the reasons appear next to them; siege_record and siege_update call it too."""
    errors: dict[str, str] = {}
    if isinstance(start, dt.datetime) or not isinstance(start, dt.date):
        errors["start"] = _("the siege needs a start date (YYYY-MM-DD), got %(value)s") % {"value": repr(start)}
    elif start > timezone.now().date():
        errors["start"] = _("the siege start %(date)s is in the future") % {"date": start.isoformat()}
    elif end is not None and (isinstance(end, dt.datetime) or not isinstance(end, dt.date)):
        errors["end"] = _("the siege end must be a date (YYYY-MM-DD) or empty, got %(value)s") % {"value": repr(end)}
    elif end is not None and end <= start:
        errors["end"] = _("the siege ends (%(end)s) on or before it starts (%(start)s)") % {
            "end": end.isoformat(),
            "start": start.isoformat(),
        }
    if start_precision not in DatePrecision.values:
        errors["start_precision"] = _("date precision must be one of %(choices)s") % {
            "choices": ", ".join(DatePrecision.values)
        }
    if besieged_actor is None:
        errors["besieged_actor"] = _("say who is besieged")
    if not places:
        errors["places"] = _("a siege needs at least one besieged place")
    if not besieging_actors:
        errors["besieging_actors"] = _("a siege needs at least one besieging actor")
    elif besieged_actor is not None and besieged_actor in besieging_actors:
        errors["besieging_actors"] = _("an actor cannot besiege itself")
    if not sources:
        errors["sources"] = _("a siege needs at least one source")
    seen: set[int] = set()
    for place, until in places:
        if place.pk in seen:
            errors["places"] = _("%(place)s is listed twice") % {"place": place.name_en}
        seen.add(place.pk)
        if "start" in errors or "end" in errors:
            continue
        if until is not None and (until <= start or (end is not None and until > end)):
            errors["places"] = _("%(place)s: relieved on %(until)s, outside the siege %(start)s..%(end)s") % {
                "place": place.name_en,
                "until": until.isoformat(),
                "start": start.isoformat(),
                "end": end.isoformat() if end else _("open"),
            }
    for method, supply_start, supply_end, _note in supplies:
        problem = supply_problem(method=method, start=supply_start, end=supply_end)
        if problem:
            errors["supplies"] = problem
    if errors:
        raise ValidationError(errors)


def _siege_set_places_and_supplies(siege: Siege, places, supplies) -> None:
    SiegePlace.objects.filter(siege=siege).delete()
    SiegeSupply.objects.filter(siege=siege).delete()
    SiegePlace.objects.bulk_create([SiegePlace(siege=siege, place=place, until=until) for place, until in places])
    SiegeSupply.objects.bulk_create(
        [
            SiegeSupply(siege=siege, method=method, start=s_start, end=s_end, note=s_note)
            for method, s_start, s_end, s_note in supplies
        ]
    )


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
    [(method, start, end or None, note)] and its sources. A draft unless `publish`."""
    siege_validate(
        besieged_actor=besieged_actor,
        besieging_actors=besieging_actors,
        start=start,
        end=end,
        start_precision=start_precision,
        places=places,
        sources=sources,
        supplies=supplies,
    )
    siege = Siege(
        slug=slug,
        name_en=name_en,
        name_ar=name_ar,
        besieged_actor=besieged_actor,
        start=start,
        end=end,
        start_precision=start_precision,
        note=note,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        review_state=ReviewState.PUBLISHED if publish else ReviewState.DRAFT,
    )
    siege.full_clean()
    _stamp(siege, by=by, reason="recorded")
    siege.save()
    siege.besieging_actors.set(besieging_actors)
    siege.sources.set(sources)
    _siege_set_places_and_supplies(siege, places, supplies)
    if publish:
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


@transaction.atomic
def siege_update(
    *,
    siege: Siege,
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
) -> Siege:
    """Replace everything a siege says (its slug stays). Same rules as siege_record; the maps showing any
    place it covered before or covers now are touched when it is public."""
    siege_validate(
        besieged_actor=besieged_actor,
        besieging_actors=besieging_actors,
        start=start,
        end=end,
        start_precision=start_precision,
        places=places,
        sources=sources,
        supplies=supplies,
    )
    siege = Siege.objects.select_for_update().get(pk=siege.pk)
    places_before = list(siege.places.all())
    siege.name_en = name_en
    siege.name_ar = name_ar
    siege.besieged_actor = besieged_actor
    siege.start = start
    siege.end = end
    siege.start_precision = start_precision
    siege.note = note
    siege.full_clean()
    _stamp(siege, by=by, reason="edited")
    siege.save()
    siege.besieging_actors.set(besieging_actors)
    siege.sources.set(sources)
    _siege_set_places_and_supplies(siege, places, supplies)
    if siege.review_state == ReviewState.PUBLISHED:
        maps_touch(places=[*places_before, *(place for place, _until in places)])
    return siege


@transaction.atomic
def siege_set_review_state(*, siege: Siege, state: str, by=None) -> Siege:
    """Publish a siege, or withdraw it from the public map (kept in the record either way)."""
    if state not in (ReviewState.PUBLISHED, ReviewState.WITHDRAWN):
        raise ValidationError({"review_state": _("a siege can only be published or withdrawn")})
    siege = Siege.objects.select_for_update().get(pk=siege.pk)
    if siege.review_state == state:
        raise ValidationError({"review_state": _("this siege is already %(state)s") % {"state": word(state)}})
    siege.review_state = state
    _stamp(siege, by=by, reason=str(state))
    siege.save(update_fields=["review_state"])
    maps_touch(places=siege.places.all())
    return siege


def _token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """A new write-API token for `user`. Returns (token, key); the key is shown once and only its SHA-256
    is stored."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("give the token a name (what script uses it)")})
    if not user.is_active:
        raise ValidationError({"user": _("%(user)s is not an active user") % {"user": user.get_username()}})
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, key_hash=_token_hash(key))
    return token, key


def api_token_user(*, key: str):
    """The active user a token key belongs to (and note that it was used), or None."""
    if not key:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_token_hash(key)).first()
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
