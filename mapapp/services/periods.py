"""The control periods, derived from the published changes here and only here (in the caller's transaction)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction

from gazetteer.models import Place
from mapapp.lib.bulk import IDS_PER_QUERY, bulk_insert_values
from mapapp.models import ControlChange, ControlPeriod, DatePrecision, ReviewState
from mapapp.services.fronts import derived_after_periods

_PERIOD_COLUMNS = (
    "place_id", "actor_id", "status", "valid_from", "valid_to", "held_since", "since_before", "change_id",
)  # fmt: skip


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

        # Rows as values (COPY on PostgreSQL), in the columns of _PERIOD_COLUMNS, no ControlPeriod object per row.
        periods: list[tuple] = []
        for place_id, by_day in last_of_day.items():
            days = sorted(by_day)
            previous: tuple | None = None
            for index, day in enumerate(days):
                change_id, actor_id, status, precision = by_day[day]
                valid_to = days[index + 1] if index + 1 < len(days) else None
                same_run = previous is not None and previous[1] == actor_id and previous[2] == status
                period = (
                    place_id,
                    actor_id,
                    status,
                    day,
                    valid_to,
                    previous[5] if same_run else day,  # held_since
                    previous[6] if same_run else precision == DatePrecision.BEFORE,  # since_before
                    change_id,
                )
                periods.append(period)
                previous = period
        # Only the rows that differ are deleted and written: a publish derives the periods of every part it made,
        # each with the whole history it inherited, nearly all of them as they were (an import's dates multiply
        # them: bench/bench_precision.py). A row kept keeps its id.
        existing = {
            row[1:]: row[0]
            for row in ControlPeriod.objects.filter(place_id__in=place_ids).values_list("pk", *_PERIOD_COLUMNS)
        }
        wanted = set(periods)
        gone = [pk for key, pk in existing.items() if key not in wanted]
        for start in range(0, len(gone), IDS_PER_QUERY):
            ControlPeriod.objects.filter(pk__in=gone[start : start + IDS_PER_QUERY]).delete()
        bulk_insert_values(ControlPeriod, _PERIOD_COLUMNS, [period for period in periods if period not in existing])
        before = {key[:5] for key in existing}
        after = {period[:5] for period in periods}
        derived_after_periods(changed=before ^ after)
        return len(periods)
