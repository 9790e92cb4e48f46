"""Control changes and the control periods derived from them (here and only here, in the same transaction)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gazetteer.models import Place
from mapapp.display import local_name, word
from mapapp.models import (
    Actor,
    Confidence,
    ControlChange,
    ControlPeriod,
    ControlStatus,
    DatePrecision,
    ReviewState,
    Source,
)
from mapapp.selectors import change_preview
from mapapp.services._record import stamp


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
    stamp(change, by=by, reason="recorded")
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
    stamp(change, by=by, reason="published")
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
    stamp(change, by=by, reason=f"restored version {version_id}")
    change.save()
    change.places.set(places)
    change.sources.set(sources)
    if was_public or change.review_state == ReviewState.PUBLISHED:
        _rebuild_and_touch({place.pk: place for place in [*places_before, *places]}.values())
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
