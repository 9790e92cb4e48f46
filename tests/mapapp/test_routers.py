"""The read replica: public reads go to it, everything else to the primary, and a read asked at a data version
newer than the replica has seen is answered from the primary.

The replica here is a real second database that lags: a copy of the test database taken before a publish
(SQLite's backup API on SpatiaLite, CREATE DATABASE ... TEMPLATE on PostGIS), registered as the `replica`
alias. The streaming replica itself is tested by `make cluster-test`."""

from __future__ import annotations

import datetime as dt
import sqlite3

import orjson
import pytest
from django.db import DatabaseError, connections
from django.db.utils import load_backend
from django.utils import timezone

from mapapp import routers
from mapapp.models import Map

D = dt.date.fromisoformat
ZONES = "/api/v1/maps/squares/zones?date=2015-07-01"


def holders(response) -> dict:
    assert response.status_code == 200, response.content
    return {f["id"]: f["properties"].get("actor") for f in orjson.loads(response.content)["features"]}


def _snapshot(tmp_path) -> dict:
    """A copy of the test database as it is now, as a connection settings dict; and how to drop it."""
    primary = connections["default"]
    settings_dict = dict(primary.settings_dict)
    if primary.vendor == "sqlite":
        path = tmp_path / "replica.sqlite3"
        primary.ensure_connection()
        with sqlite3.connect(path) as copy:
            primary.connection.backup(copy)
        settings_dict["NAME"] = str(path)
        return settings_dict
    import psycopg

    name = f"{settings_dict['NAME']}_replica"
    primary.close()  # a template database must have no other session
    params = {
        "host": settings_dict["HOST"] or "127.0.0.1",
        "port": settings_dict["PORT"] or 5432,
        "user": settings_dict["USER"],
        "password": settings_dict["PASSWORD"],
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        # Sessions an earlier test of this worker left on its test database (a live server thread's, a helper
        # thread's) would block the copy: they are this run's own, and end here.
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [settings_dict["NAME"]],
        )
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{settings_dict["NAME"]}"')
    settings_dict["NAME"] = name
    settings_dict["_drop"] = (params, name)
    return settings_dict


def _lagging(world, tmp_path, monkeypatch, *, read_only: bool = False):
    """The squares map with c held by rebels, copied to a `replica`; then, on the primary only, isis takes c.
    `read_only`: the replica refuses every write, as a streaming replica does (PostgreSQL's
    default_transaction_read_only, SQLite's query_only, set on each of its connections)."""
    world.place("a", 0.0, 0.0)
    world.place("b", 0.01, 0.0)
    world.place("c", 0.02, 0.0)
    world.change("2015-01-01", ["a", "b"], "gov")
    world.moment = timezone.now()
    world.change("2015-03-01", ["c"], "rebels")
    world.map(slug="squares", start="2015-02-01", end="2016-12-31", default="2015-07-01")
    replica_version = Map.objects.get(slug="squares").data_version
    settings_dict = _snapshot(tmp_path)
    drop = settings_dict.pop("_drop", None)
    world.change("2015-05-01", ["c"], "isis")
    if read_only:
        settings_dict["OPTIONS"] = dict(settings_dict.get("OPTIONS") or {})
        if drop is None:
            settings_dict["OPTIONS"]["init_command"] = "PRAGMA query_only = ON"
        else:
            settings_dict["OPTIONS"]["options"] = "-c default_transaction_read_only=on"
    # Registered as a connection made at run time (as Django's test case allows), not in settings.DATABASES.
    replica = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, routers.REPLICA)
    connections[routers.REPLICA] = replica
    monkeypatch.setattr(routers, "has_replica", lambda: True)
    try:
        yield replica_version, Map.objects.get(slug="squares").data_version
    finally:
        replica.close()
        del connections[routers.REPLICA]
        if drop is not None:
            import psycopg

            params, name = drop
            with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def lagging_replica(transactional_db, world, tmp_path, monkeypatch):
    yield from _lagging(world, tmp_path, monkeypatch)


@pytest.fixture
def read_only_replica(transactional_db, world, tmp_path, monkeypatch):
    yield from _lagging(world, tmp_path, monkeypatch, read_only=True)


def test_public_reads_come_from_the_replica(client, lagging_replica):
    replica_version, primary_version = lagging_replica
    assert primary_version > replica_version
    assert holders(client.get(ZONES))["c"] == "rebels"  # the replica has not seen isis take c yet
    listed = {m["slug"]: m["version"] for m in client.get("/api/v1/maps/").json()["maps"]}
    assert listed["squares"] == replica_version


def test_a_read_at_a_version_the_replica_has_not_seen_comes_from_the_primary(client, lagging_replica):
    _replica_version, primary_version = lagging_replica
    response = client.get(f"{ZONES}&v={primary_version}")
    assert holders(response)["c"] == "isis"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"


def test_a_read_at_the_replicas_version_is_answered_there(client, lagging_replica):
    replica_version, _primary_version = lagging_replica
    response = client.get(f"{ZONES}&v={replica_version}")
    assert holders(response)["c"] == "rebels"  # consistent with the version asked for, so cacheable as it


def test_logged_in_editors_and_writes_use_the_primary(client, admin_user, lagging_replica):
    client.force_login(admin_user)
    assert holders(client.get(ZONES))["c"] == "isis"


def test_reads_outside_a_request_use_the_primary(lagging_replica):
    _replica_version, primary_version = lagging_replica
    assert routers.read_alias() == routers.PRIMARY
    assert Map.objects.get(slug="squares").data_version == primary_version
    assert routers.ReplicaRouter().db_for_write(Map) == routers.PRIMARY


def test_as_of_reads_run_on_a_replica_that_refuses_writes(client, world, read_only_replica):
    """The record as it stood at a moment is read with SELECTs alone (mapapp.asof), so the replica answers it."""
    with pytest.raises(DatabaseError):
        with connections[routers.REPLICA].cursor() as cursor:
            cursor.execute("UPDATE mapapp_map SET credit = 'written'")
    assert holders(client.get(ZONES))["c"] == "rebels"
    then = holders(client.get(f"{ZONES}&as_of={world.moment.isoformat().replace('+', '%2B')}"))
    assert then == {"a": "gov", "b": "gov", "c": None}
    assert set(holders(client.get(f"{ZONES}&as_of=2001-01-01")).values()) == {None}
    history = client.get("/api/v1/maps/squares/history", {"as_of": world.moment.isoformat()})
    assert history.status_code == 200 and len(history.json()["periods"]["zone"]) == 2
