"""Sieges: who besieges which places, from when, and how they were supplied."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gazetteer.models import Place
from mapapp import versioning
from mapapp.display import word
from mapapp.lib.bulk import bulk_insert_with_history
from mapapp.models import (
    Actor,
    DatePrecision,
    ReviewState,
    Siege,
    SiegePlace,
    SiegeSupply,
    Source,
    SupplyMethod,
)
from mapapp.services._record import stamp


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
    # The places in bulk, each with its version (SiegePlace.history, read by mapapp.asof) as a save would write
    # it; bulk writes send no signals, so the maps showing them move on here when the siege is public, as the
    # rows' own saves would have moved them (mapapp/versioning.py). The delete sends its signals.
    SiegePlace.objects.filter(siege=siege).delete()
    SiegeSupply.objects.filter(siege=siege).delete()
    bulk_insert_with_history(SiegePlace, [SiegePlace(siege=siege, place=place, until=until) for place, until in places])
    if places and siege.review_state == ReviewState.PUBLISHED:
        versioning.maps_bump(Q(places__in=sorted({place.pk for place, _until in places})))
    # Each save also writes the supply's version (SiegeSupply.history, read by mapapp.asof); the delete above
    # wrote theirs through the post_delete signal.
    for method, s_start, s_end, s_note in supplies:
        SiegeSupply.objects.create(siege=siege, method=method, start=s_start, end=s_end, note=s_note)


def _siege_write(
    siege: Siege,
    *,
    name_en,
    name_ar,
    besieged_actor,
    besieging_actors,
    start,
    end,
    start_precision,
    places,
    sources,
    supplies,
    note,
    by,
    reason: str,
) -> Siege:
    """What recording and editing a siege share: the rules (siege_validate), every field it says, saved with who
    and why, then its besieging actors, sources, places and supplies replaced."""
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
    siege.name_en = name_en
    siege.name_ar = name_ar
    siege.besieged_actor = besieged_actor
    siege.start = start
    siege.end = end
    siege.start_precision = start_precision
    siege.note = note
    siege.full_clean()
    stamp(siege, by=by, reason=reason)
    siege.save()
    siege.besieging_actors.set(besieging_actors)
    siege.sources.set(sources)
    _siege_set_places_and_supplies(siege, places, supplies)
    return siege


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
    siege = Siege(
        slug=slug,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        review_state=ReviewState.PUBLISHED if publish else ReviewState.DRAFT,
    )
    _siege_write(
        siege,
        name_en=name_en,
        name_ar=name_ar,
        besieged_actor=besieged_actor,
        besieging_actors=besieging_actors,
        start=start,
        end=end,
        start_precision=start_precision,
        places=places,
        sources=sources,
        supplies=supplies,
        note=note,
        by=by,
        reason="recorded",
    )
    return siege


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
    reason: str = "",
) -> Siege:
    """Replace everything a siege says (its slug stays). Same rules as siege_record; the maps showing any
    place it covered before or covers now move on when it is public (mapapp/versioning.py). `reason`: why, for
    the history."""
    siege = Siege.objects.select_for_update().get(pk=siege.pk)
    _siege_write(
        siege,
        name_en=name_en,
        name_ar=name_ar,
        besieged_actor=besieged_actor,
        besieging_actors=besieging_actors,
        start=start,
        end=end,
        start_precision=start_precision,
        places=places,
        sources=sources,
        supplies=supplies,
        note=note,
        by=by,
        reason=f"edited: {reason.strip()}" if reason.strip() else "edited",
    )
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
    stamp(siege, by=by, reason=str(state))
    siege.save(update_fields=["review_state"])
    return siege
