"""Rate limits: a login locked after repeated wrong passwords (django-axes) and lifted by time or by a reviewer;
per-client limits on bad API tokens, place matching, pictures drawn and import uploads, each a 429 with
Retry-After and a message saying what was limited.

Before: 40 wrong passwords were all tried and the right one still worked; nothing else was limited."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from mapapp import services
from tests.conftest import PASSWORD

LOGIN = "/admin/login/"


def log_in(client: Client, username: str, password: str):
    return client.post(f"{LOGIN}?next=/admin/", {"username": username, "password": password})


def lock_out(client: Client, username: str = "edna") -> None:
    for _attempt in range(5):  # LOGIN_FAILURE_LIMIT's default
        log_in(client, username, "wrong")
    response = log_in(client, username, PASSWORD)
    assert response.status_code == 429, "the right password after the lockout"
    assert "_auth_user_id" not in client.session


def test_a_login_is_locked_after_repeated_failures_and_the_right_password_is_refused(client, people, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for attempt in range(4):
        assert log_in(client, "edna", f"wrong{attempt}").status_code == 200  # the form again, with its error
    assert log_in(client, "edna", "wrong").status_code == 429  # the fifth failure locks
    response = log_in(client, "edna", PASSWORD)
    assert response.status_code == 429
    assert int(response["Retry-After"]) == 15 * 60
    assert "locked after 5 failed logins" in response.content.decode()
    assert "ask a reviewer to unlock it" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address is not locked out of the same account (the lock is the username with the address).
    other = Client(REMOTE_ADDR="10.0.0.2")
    assert log_in(other, "edna", PASSWORD).status_code == 302


def test_the_lockout_ends_by_itself_after_the_cool_off(client, people):
    lock_out(client)
    # The attempts are 16 minutes old: the 15-minute lockout is over.
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    response = log_in(client, "edna", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_a_reviewer_lifts_a_lockout_in_the_admin(client, people):
    lock_out(client)
    reviewer = Client()
    reviewer.force_login(people.reviewer)
    listing = reviewer.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "edna" in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="edna")
    response = reviewer.post(
        "/admin/axes/accessattempt/", {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert log_in(client, "edna", PASSWORD).status_code == 302


def test_an_editor_cannot_lift_a_lockout(client, people):
    lock_out(client, username="rafiq")
    editor = Client()
    editor.force_login(people.editor)
    assert editor.get("/admin/axes/accessattempt/").status_code == 403


def test_the_reset_command_lifts_a_lockout(client, people):
    lock_out(client)
    call_command("axes_reset_username", "edna", verbosity=0)
    assert log_in(client, "edna", PASSWORD).status_code == 302


# --- Per-client limits ------------------------------------------------------------------------------------------


def test_bad_api_tokens_are_limited_per_client_and_then_even_a_good_one_waits(client, demo, people, settings):
    settings.RATE_LIMIT_TOKEN_FAILURES = 3
    _token, key = services.api_token_create(user=people.editor, name="script")
    url = f"/api/v1/maps/{demo.slug}/changes/preview"
    for attempt in range(3):
        response = client.post(url, b"{}", content_type="application/json", HTTP_AUTHORIZATION=f"Token bad{attempt}")
        assert response.status_code == 401
    response = client.post(url, b"{}", content_type="application/json", HTTP_AUTHORIZATION="Token bad")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["field"] == "Authorization"
    assert response.json()["error"].startswith("too many requests with a bad API token from your address")
    good = client.post(url, b"{}", content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}")
    assert good.status_code == 429
    # Another client is not held up, and its good token works.
    other = Client(REMOTE_ADDR="10.0.0.9")
    response = other.post(url, b"{}", content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 400  # past authentication: the empty body is refused, naming a field
    assert "field" in response.json()


def test_place_matching_is_limited_per_client(client, demo, settings):
    settings.RATE_LIMIT_PLACES_MATCH = 2
    body = b'{"text": "Fighting in al-Joura"}'
    for _ in range(2):
        assert client.post("/api/v1/places/match", body, content_type="application/json").status_code == 200
    response = client.post("/api/v1/places/match", body, content_type="application/json")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["error"].startswith("too many texts matched from your address (at most 2 a minute)")
    assert response["Access-Control-Allow-Origin"] == "*"  # a page's script can read why
    other = Client(REMOTE_ADDR="10.0.0.3")
    assert other.post("/api/v1/places/match", body, content_type="application/json").status_code == 200


def test_only_pictures_that_must_be_drawn_count_against_the_limit(client, demo, settings, tmp_path):
    settings.RATE_LIMIT_PICTURES = 2
    settings.EMBED_IMAGE_CACHE_DIR = tmp_path / "images"
    url = f"/embed/{demo.slug}/image.png"
    for width in (300, 400):
        assert client.get(url, {"width": width}).status_code == 200
    # Cached pictures are still served, as often as asked.
    for _ in range(3):
        assert client.get(url, {"width": 300}).status_code == 200
    response = client.get(url, {"width": 500})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["error"].startswith("too many new pictures drawn for your address (at most 2 a minute)")
    assert len(list((tmp_path / "images").rglob("*.png"))) == 2  # the refused one was not drawn


def test_import_uploads_are_limited_per_editor(client, people, settings):
    settings.RATE_LIMIT_IMPORTS = 1
    client.force_login(people.editor)
    upload = SimpleUploadedFile("notes.txt", b"Jura")
    assert client.post("/admin/gazetteer/place/import/", {"file": upload}).status_code == 200
    response = client.post("/admin/gazetteer/place/import/", {"file": SimpleUploadedFile("notes.txt", b"Jura")})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600  # the rest of the clock hour: a window is a fixed hour
    assert "Too many files uploaded to import (at most 1 an hour)" in response.content.decode()


@pytest.mark.parametrize("name", ["RATE_LIMIT_TOKEN_FAILURES", "RATE_LIMIT_PLACES_MATCH", "RATE_LIMIT_PICTURES"])
def test_a_limit_of_zero_is_no_limit(settings, name):
    from mapapp.lib import ratelimit

    for _ in range(50):
        assert ratelimit.over_limit(scope=name, client="c", limit=0, window=60) is None
