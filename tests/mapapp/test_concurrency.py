"""Two editors (or reviewers) acting on the same place at the same moment: both requests succeed, both end up in
the record in a defined order (their ids, the order the database committed them), and the derived periods
hold both. Real concurrent requests: one thread and one database connection each, released together by a
barrier. Runs on SpatiaLite and PostGIS (DATABASE_URL)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading

import orjson
import pytest
from django.db import connection, connections
from django.test import Client

from mapapp import services
from mapapp.models import ControlChange, ControlPeriod, ReviewState

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/maps/test-map/changes"


def together(*calls):
    """Run the calls at the same moment, each in its own thread with its own connection; their results."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list = []

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # reported below, with the thread's traceback lost but its message kept
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def token_client(user) -> tuple[Client, dict]:
    _token, key = services.api_token_create(user=user, name="test")
    return Client(), {"Authorization": f"Token {key}"}


@pytest.fixture
def grid(world):
    world.place("a", x=0.0)
    world.place("b", x=0.01)
    world.actor("gov")
    world.actor("isis")
    world.actor("rebels")
    world.map()
    world.change("2015-01-01", ["a", "b"], "gov")
    return world


def body(date: str, actor: str, places=("a",)) -> bytes:
    return orjson.dumps(
        {
            "date": date,
            "places": list(places),
            "actor": actor,
            "sources": [{"title": f"{actor} on {date}", "url": f"https://example.org/{actor}/{date}"}],
        }
    )


def test_two_editors_saving_changes_to_one_place_at_once_are_both_recorded_in_a_defined_order(grid, people):
    from django.contrib.auth.models import Group, User

    second_editor = User.objects.create(username="eddie", is_staff=True)
    second_editor.groups.add(Group.objects.get(name="Editors"))
    (first_client, first_auth), (second_client, second_auth) = token_client(people.editor), token_client(second_editor)
    for round_ in range(5):  # several rounds, so the two really overlap in some
        date = f"2016-0{round_ + 1}-10"
        responses = together(
            lambda date=date: first_client.post(
                URL, body(date, "isis"), content_type="application/json", headers=first_auth
            ),
            lambda date=date: second_client.post(
                URL, body(date, "rebels"), content_type="application/json", headers=second_auth
            ),
        )
        assert [r.status_code for r in responses] == [201, 201], [r.content for r in responses]
        ids = sorted(r.json()["id"] for r in responses)
        recorded = list(ControlChange.objects.filter(date=dt.date.fromisoformat(date)).order_by("id"))
        assert [c.pk for c in recorded] == ids
        assert {(c.created_by.username, c.actor.slug) for c in recorded} == {("edna", "isis"), ("eddie", "rebels")}
        assert all(c.review_state == ReviewState.DRAFT and c.sources.count() == 1 for c in recorded)


def test_two_reviewers_publishing_changes_of_one_place_at_once_lose_nothing(grid, people):
    """Each publish rebuilds the place's periods from all its published changes. Without the row lock in
    control_periods_rebuild, two at once would each see only their own change and the later commit would
    drop the other's period."""
    from django.contrib.auth.models import Group, User

    second_reviewer = User.objects.create(username="rita", is_staff=True)
    second_reviewer.groups.add(Group.objects.get(name="Reviewers"))
    clients = [token_client(people.reviewer), token_client(second_reviewer)]
    expected = [("2015-01-01", "gov")]
    for round_ in range(4):
        first_date, second_date = f"201{6 + round_}-03-01", f"201{6 + round_}-09-01"
        first = grid.change(first_date, ["a", "b"], "isis", publish=False)
        second_actor = "rebels" if round_ % 2 == 0 else "gov"  # not who holds `a` by then (drafts count for nothing)
        second = grid.change(second_date, ["a"], second_actor, publish=False)
        responses = together(
            *(
                (
                    lambda client=client, auth=auth, change=change: client.post(
                        f"/api/v1/changes/{change.pk}/publish", headers=auth
                    )
                )
                for (client, auth), change in zip(clients, (first, second), strict=True)
            )
        )
        assert [r.status_code for r in responses] == [200, 200], [r.content for r in responses]
        expected += [(first_date, "isis"), (second_date, second_actor)]
        periods = [
            (p.valid_from.isoformat(), p.actor.slug)
            for p in ControlPeriod.objects.filter(place=grid.place("a")).select_related("actor").order_by("valid_from")
        ]
        assert periods == expected
        assert ControlPeriod.objects.filter(place=grid.place("b")).count() == round_ + 2


def test_two_changes_of_one_place_on_one_day_the_later_committed_wins_whoever_publishes_first(grid, people):
    from django.contrib.auth.models import Group, User

    second_reviewer = User.objects.create(username="rita", is_staff=True)
    second_reviewer.groups.add(Group.objects.get(name="Reviewers"))
    clients = [token_client(people.reviewer), token_client(second_reviewer)]
    earlier = grid.change("2016-05-01", ["a"], "isis", publish=False)
    later = grid.change("2016-05-01", ["a"], "rebels", publish=False)
    together(
        *(
            (
                lambda client=client, auth=auth, change=change: client.post(
                    f"/api/v1/changes/{change.pk}/publish", headers=auth
                )
            )
            for (client, auth), change in zip(clients, (later, earlier), strict=True)
        )
    )
    assert ControlPeriod.objects.in_effect(dt.date(2016, 5, 1)).get(place=grid.place("a")).change_id == later.pk


# --- SQLite under contention (issue 14): WAL, writers queue, a lock that outlasts the wait is a 503 ------------

on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own locking")


@on_sqlite
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout():
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] == 20_000


def test_six_reviewers_publishing_at_once_all_succeed(world, people):
    """Six writers at the same moment, four rounds: every publish answers 200 (the probe saw one 500 in 396)."""
    from django.contrib.auth.models import Group, User

    places = [world.place(f"p{n}", x=n * 0.01) for n in range(6)]
    world.actor("isis")
    world.actor("rebels")
    world.map()
    reviewers = [people.reviewer]
    for n in range(5):
        reviewer = User.objects.create(username=f"reviewer{n}", is_staff=True)
        reviewer.groups.add(Group.objects.get(name="Reviewers"))
        reviewers.append(reviewer)
    clients = [token_client(reviewer) for reviewer in reviewers]
    for round_ in range(4):
        actor = ("isis", "rebels")[round_ % 2]
        drafts = [world.change(f"2016-0{round_ + 1}-01", [place], actor, publish=False) for place in places]
        responses = together(
            *(
                (lambda c=client, a=auth, d=draft: c.post(f"/api/v1/changes/{d.pk}/publish", headers=a))
                for (client, auth), draft in zip(clients, drafts, strict=True)
            )
        )
        assert [r.status_code for r in responses] == [200] * len(clients), [r.content for r in responses]
    assert ControlChange.objects.filter(review_state=ReviewState.PUBLISHED).count() == 4 * len(clients)


HOLD_THE_LOCK = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")  # the write lock, as a writer in the middle of a long transaction holds it
print("locked", flush=True)
sys.stdin.readline()  # until the test says so
db.execute("ROLLBACK")
"""


@on_sqlite
def test_a_write_lock_that_outlasts_the_busy_timeout_answers_503_with_retry_after(grid, people):
    """Another process holds SQLite's write lock longer than the busy timeout (1 s here): the publish answers
    503 with Retry-After and a JSON error, writes nothing, and the same request succeeds once the lock is gone."""
    draft = grid.change("2016-04-01", ["a"], "isis", publish=False)
    client, auth = token_client(people.reviewer)
    page = Client()
    page.force_login(people.reviewer)
    options = connection.settings_dict["OPTIONS"]
    saved_timeout = options["timeout"]
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LOCK, connection.settings_dict["NAME"]],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        options["timeout"] = 1
        connection.close()  # the next query opens a connection with the short timeout
        busy = client.post(f"/api/v1/changes/{draft.pk}/publish", headers=auth)
        assert busy.status_code == 503, busy.content
        assert busy["Retry-After"] == "5"
        assert "busy" in busy.json()["error"] and "nothing was saved" in busy.json()["error"]
        # A page outside the API answers the same way, as text: logging out deletes the session row.
        page_busy = page.post("/admin/logout/")
        assert page_busy.status_code == 503 and page_busy["Retry-After"] == "5"
        assert page_busy["Content-Type"].startswith("text/plain") and b"Try again" in page_busy.content
    finally:
        holder.communicate("go\n", timeout=30)
        options["timeout"] = saved_timeout
        connection.close()
    draft.refresh_from_db()
    assert draft.review_state == ReviewState.DRAFT
    again = client.post(f"/api/v1/changes/{draft.pk}/publish", headers=auth)
    assert again.status_code == 200, again.content
