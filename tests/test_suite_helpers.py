"""The suite's own machinery (tests/conftest.py): what it writes back in place of the post_migrate signal after a
test's flush is what the signal itself writes."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal

from mapapp.models import Map
from tests.conftest import _post_migrate_rows_again


def _post_migrate_state():
    """What post_migrate makes, without the ids (a flush does not give the same ones back on PostgreSQL)."""
    return (
        set(ContentType.objects.values_list("app_label", "model")),
        set(Permission.objects.values_list("content_type__app_label", "codename", "name")),
        {group.name: set(group.permissions.values_list("codename", flat=True)) for group in Group.objects.all()},
    )


@pytest.mark.django_db(transaction=True)
def test_the_rows_written_back_after_a_flush_are_those_post_migrate_makes(django_db_setup):
    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
    emit_post_migrate_signal(0, False, "default")
    signalled = _post_migrate_state()
    assert {"Editors", "Reviewers"} <= set(signalled[2])

    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
    _post_migrate_rows_again(0, False, "default")  # the first time in the process: the signal, its rows kept
    # A flush that also resets the sequences (PostgreSQL's TRUNCATE ... RESTART IDENTITY): the rows come back
    # with their ids, and the sequences are moved past them, so that the next row made gets an id of its own.
    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True, reset_sequences=True)
    _post_migrate_rows_again(0, False, "default")
    assert _post_migrate_state() == signalled
    assert ContentType.objects.get_for_model(Map) == ContentType.objects.get(app_label="mapapp", model="map")
    group = Group.objects.create(name="Made after")
    permission = Permission.objects.create(
        codename="made_after", name="Made after", content_type=ContentType.objects.get_for_model(Map)
    )
    group.permissions.add(permission)
    assert group.permissions.get() == permission


@pytest.mark.django_db(transaction=True)
def test_the_flush_after_a_test_empties_every_table(demo, people):
    from django.core.management.color import no_style
    from django.db import connection

    from tests.conftest import _sql_flush_of_the_tables_with_rows

    names = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with connection.cursor() as cursor:
        filled = [name for name in names if _rows(cursor, name)]
        assert {"mapapp_map", "gazetteer_place", "auth_user", "auth_group_permissions"} <= set(filled)
        connection.ops.execute_sql_flush(_sql_flush_of_the_tables_with_rows(no_style(), connection, False, False))
        assert [name for name in names if _rows(cursor, name)] == []


def _rows(cursor, name: str) -> int:
    from django.db import connection

    cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")
    return cursor.fetchone()[0]
