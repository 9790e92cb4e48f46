"""What every write of the record shares: date checks and the stamp of who changed it and why."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError


def require_date(value, field: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationError({field: f"{field} must be a date (YYYY-MM-DD), got {value!r}"})
    return value


def stamp(instance, *, by, reason: str) -> None:
    """Who and why, for the history record the next save writes (django-simple-history reads these)."""
    if by is not None and getattr(by, "is_authenticated", False):
        instance._history_user = by
    instance._change_reason = reason[:100]
