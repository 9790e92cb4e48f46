"""services.control_changes_bulk_publish: many changes recorded and published at once leave the record as the
same changes published one at a time would: the same periods, each change with a published version whose place
and source links are copied (what `as_of` reads), the maps moved to a new data version."""

import datetime as dt

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction

from mapapp import services
from mapapp.models import Actor, ControlChange, ControlPeriod, Map, ReviewState

D = dt.date.fromisoformat


def _plan(demo):
    zones = list(demo.places.order_by("slug")[:6])
    isis, government = Actor.objects.get(slug="isis"), Actor.objects.get(slug="government")
    return [
        (D("2017-07-01"), zones[:4], isis, "held", "first"),
        (D("2017-07-09"), zones[2:5], government, "contested", "second"),
        (D("2017-07-20"), zones[2:5], government, "held", "third"),
        (D("2017-07-05"), zones[5:], government, "held", "back-dated between the others"),
    ]


def _periods(place_ids):
    return sorted(
        ControlPeriod.objects.filter(place_id__in=place_ids).values_list(
            "place_id", "actor_id", "status", "valid_from", "valid_to", "held_since", "since_before"
        )
    )


def test_bulk_publish_leaves_the_record_as_publishing_one_at_a_time(demo):
    source = services.source_create(title="Bulk test", publisher="Tests")
    plan = _plan(demo)
    place_ids = sorted({place.pk for _on, places, *_ in plan for place in places})
    with transaction.atomic():
        for on, places, actor, status, title in plan:
            services.control_change_record(
                on=on, places=places, actor=actor, status=status, sources=[source], title=title, publish=True
            )
        one_by_one = _periods(place_ids)
        transaction.set_rollback(True)

    version = Map.objects.get(pk=demo.pk).data_version
    count = services.control_changes_bulk_publish(
        changes=[
            services.PublishedChange(on=on, places=places, actor=actor, status=status, title=title)
            for on, places, actor, status, title in plan
        ],
        sources=[source],
    )
    assert count == len(plan)
    assert _periods(place_ids) == one_by_one
    assert Map.objects.get(pk=demo.pk).data_version > version

    made = ControlChange.objects.filter(sources=source).order_by("pk")
    assert [change.title for change in made] == [title for *_rest, title in plan]
    assert {change.review_state for change in made} == {ReviewState.PUBLISHED}
    copied_places = apps.get_model("mapapp", "HistoricalControlChange_places")
    copied_sources = apps.get_model("mapapp", "HistoricalControlChange_sources")
    for change, (_on, places, *_rest) in zip(made, plan, strict=True):
        [version_row] = ControlChange.history.filter(id=change.pk)
        assert (version_row.history_type, version_row.review_state) == ("+", ReviewState.PUBLISHED)
        assert version_row.history_change_reason == "published"
        assert sorted(
            copied_places.objects.filter(history_id=version_row.history_id).values_list("place_id", flat=True)
        ) == sorted(place.pk for place in places)
        assert list(
            copied_sources.objects.filter(history_id=version_row.history_id).values_list("source_id", flat=True)
        ) == [source.pk]


def test_bulk_publish_refuses_a_bad_change_and_writes_nothing(demo):
    source = services.source_create(title="Bulk test", publisher="Tests")
    zone = demo.places.order_by("slug").first()
    actor = Actor.objects.get(slug="isis")
    before = (ControlChange.objects.count(), ControlPeriod.objects.count())
    with pytest.raises(ValidationError) as refused:
        services.control_changes_bulk_publish(
            changes=[
                services.PublishedChange(on=D("2017-07-01"), places=[zone], actor=actor),
                services.PublishedChange(on=D("2017-07-02"), places=[], actor=actor),
            ],
            sources=[source],
        )
    assert "places" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.control_changes_bulk_publish(
            changes=[services.PublishedChange(on=D("2017-07-01"), places=[zone], actor=actor, status="won")],
            sources=[source],
        )
    assert "status" in refused.value.message_dict
    assert (ControlChange.objects.count(), ControlPeriod.objects.count()) == before
