"""The control periods, derived from the published changes here and only here (in the caller's transaction)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction

from gazetteer.models import Place
from mapapp.lib.bulk import bulk_insert
from mapapp.models import ControlChange, ControlPeriod, DatePrecision, ReviewState
from mapapp.services.fronts import derived_after_periods


def control_periods_rebuild(*, places: Iterable[Place] | None = None) -> int:
    """Derive the control periods of `places` (all places when None) from their published changes.

    Rules (tested in tests/mapapp/test_derivation.py):
    - a change dated D is in effect from D: it opens the period [D, date of the place's next change);
    - two changes of the same place on the same day: the one recorded last (higher id) wins, the other opens
      no period (a zero-length period would say nothing);
    - a back-dated change splits the period it falls into; a withdrawn or draft change counts for nothing;
    - `held_since` is the start of the unbroken run of the same actor and status; `since_before` says that run
      starts with a "before" change (a baseline: held before that date, since when is not known).
    The fronts and pockets derived from periods follow (services.fronts.derived_after_periods), for the periods
    that came or went. Returns the number of periods written. Locks the places' rows first so that two
    transactions deriving the same place run one after the other and the second sees the first's change.
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
                "controlchange__date_precision",
            )
        )
        last_of_day: dict[int, dict[dt.date, tuple]] = defaultdict(dict)
        for place_id, change_id, date, actor_id, status, precision in rows:
            last_of_day[place_id][date] = (change_id, actor_id, status, precision)  # ordered by id: the last one wins

        periods: list[ControlPeriod] = []
        for place_id, by_day in last_of_day.items():
            days = sorted(by_day)
            previous: ControlPeriod | None = None
            for index, day in enumerate(days):
                change_id, actor_id, status, precision = by_day[day]
                valid_to = days[index + 1] if index + 1 < len(days) else None
                same_run = previous is not None and previous.actor_id == actor_id and previous.status == status
                period = ControlPeriod(
                    place_id=place_id,
                    actor_id=actor_id,
                    status=status,
                    valid_from=day,
                    valid_to=valid_to,
                    held_since=previous.held_since if same_run else day,
                    since_before=previous.since_before if same_run else precision == DatePrecision.BEFORE,
                    change_id=change_id,
                )
                periods.append(period)
                previous = period
        # Only the rows that differ are deleted and written: a publish derives the periods of every part it made,
        # each with the whole history it inherited, nearly all of them as they were (an import's dates multiply
        # them: bench/bench_precision.py).
        fields = ("place_id", "actor_id", "status", "valid_from", "valid_to")
        whole = (*fields, "held_since", "since_before", "change_id")
        existing = {
            row[1:]: row[0] for row in ControlPeriod.objects.filter(place_id__in=place_ids).values_list("pk", *whole)
        }
        wanted = {tuple(getattr(period, name) for name in whole): period for period in periods}
        gone = [pk for key, pk in existing.items() if key not in wanted]
        for start in range(0, len(gone), 5000):  # SQLite's limit on a statement's parameters
            ControlPeriod.objects.filter(pk__in=gone[start : start + 5000]).delete()
        bulk_insert(ControlPeriod, [period for key, period in wanted.items() if key not in existing])
        before = {key[: len(fields)] for key in existing}
        after = {key[: len(fields)] for key in wanted}
        derived_after_periods(changed=before ^ after)
        return len(periods)
