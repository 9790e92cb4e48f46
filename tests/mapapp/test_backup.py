"""Backups that round-trip (issue 14): back up the demo record, change it (a published change, a corrected
source, a new user), restore, and every table is as it was: zones on several dates, every history row, users.
Through the real commands on the real database: SpatiaLite's online backup API, or pg_dump/pg_restore on
PostGIS (DATABASE_URL)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from mapapp import services
from mapapp.models import Actor, Source

pytestmark = pytest.mark.django_db(transaction=True)

DATES = ["2014-06-01", "2015-03-01", "2016-01-20", "2017-06-15", "2017-11-10"]


def zones_on(date: str) -> dict:
    answer = Client().get(f"/api/v1/maps/deir-ez-zor/zones?date={date}")
    assert answer.status_code == 200
    return {feature["id"]: feature for feature in answer.json()["features"]}


def every_row() -> dict[str, list]:
    """Every row of every table the apps keep, ordered by key: the record, its history, users, sessions. (Not
    the spatial extension's own catalogue views, which GeoDjango maps as unmanaged models.)"""
    return {
        model._meta.label: [tuple(row) for row in model.objects.order_by("pk").values_list()]
        for model in apps.get_models()
        if model._meta.managed
    }


def test_backup_change_restore_gives_back_exactly_the_backed_up_record(demo, tmp_path, capsys):
    editor = User.objects.create_user("edna", password="pw-edna-1234", is_staff=True)
    before_zones = {date: zones_on(date) for date in DATES}
    before = every_row()
    history = [label for label in before if label.split(".")[1].startswith("Historical")]
    assert sum(len(before[label]) for label in history) > 100  # the demo's own history is there to compare

    path = tmp_path / "site.backup"
    call_command("backup", str(path))
    assert path.stat().st_size > 0

    # Change the record every way: a published change, a corrected source, a new user, a withdrawn change.
    change = services.control_change_record(
        on=dt.date(2016, 1, 20),
        places=[demo.places.get(slug="al-joura")],
        actor=Actor.objects.get(slug="isis"),
        status="held",
        sources=[Source.objects.order_by("pk").first()],
        by=editor,
    )
    services.control_change_publish(change=change, by=editor)
    source = Source.objects.order_by("pk").last()
    services.source_update(source=source, title=source.title + " (corrected)", url=source.url)
    User.objects.create_user("intruder", password="pw-intruder-1234")
    assert zones_on("2016-01-20")["al-joura"]["properties"]["actor"] == "isis"
    assert every_row() != before

    call_command("restore", str(path), "--yes")
    assert capsys.readouterr().out.strip().endswith(f"restored from {path}")
    assert every_row() == before  # identical, and nothing added: history rows and users included
    assert {date: zones_on(date) for date in DATES} == before_zones
    assert not User.objects.filter(username="intruder").exists()


def test_backup_refuses_to_overwrite_and_restore_refuses_what_is_not_a_backup(db, tmp_path):
    existing = tmp_path / "there.backup"
    existing.write_text("not a backup")
    with pytest.raises(CommandError, match="there.backup already exists"):
        call_command("backup", str(existing))
    with pytest.raises(CommandError, match="there.backup"):
        call_command("restore", str(existing), "--yes")
    with pytest.raises(CommandError, match="no backup file missing.backup"):
        call_command("restore", "missing.backup", "--yes")
