"""Actors: the sides that hold ground, and who fights beside whom."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from mapapp.models import (
    Actor,
)


@transaction.atomic
def actor_create(*, slug: str, name_en: str, name_ar: str = "", color: str, sort_order: int = 0) -> Actor:
    if len(color) != 7 or color[0] != "#" or any(ch not in "0123456789abcdefABCDEF" for ch in color[1:]):
        raise ValidationError({"color": f"colour must look like #1f77b4, got {color!r}"})
    actor = Actor(slug=slug, name_en=name_en, name_ar=name_ar, color=color.lower(), sort_order=sort_order)
    actor.full_clean()
    actor.save()
    return actor


@transaction.atomic
def actor_set_allies(*, actor: Actor, allies: Sequence[Actor]) -> Actor:
    """Set the sides `actor` fights beside (symmetrical: each ally gets `actor` too). Pocket detection does
    not count an ally's ground as enclosing."""
    if any(ally.pk == actor.pk for ally in allies):
        raise ValidationError({"allies": "an actor cannot be its own ally"})
    actor.allies.set(allies)  # every map's data version moves (mapapp/versioning.py)
    return actor


@transaction.atomic
def actors_ensure(*, specs: Sequence[tuple[str, str, str]]) -> list[Actor]:
    """The actors [(slug, name, colour)], each the existing actor of that slug or created (name and colour
    are the new actor's; an existing one keeps its own)."""
    actors = []
    for slug, name, color in specs:
        actor = Actor.objects.filter(slug=slug).first()
        if actor is None:
            actor = actor_create(slug=slug, name_en=name, color=color)
        if actor not in actors:
            actors.append(actor)
    return actors
