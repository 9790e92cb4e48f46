"""More than one app server: the name index lives in each process's memory, so a name written through another
app server (another process, another machine) must be found here at once, with nothing but the shared database
between them. Shown with a real second process (manage.py shell) writing to the same test database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent


def database_url() -> str:
    """The test database as a DATABASE_URL for another process."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"spatialite:///{settings['NAME']}"
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    return f"postgis://{settings['USER']}:{settings['PASSWORD']}@{host}:{port}/{settings['NAME']}"


def another_app_server(code: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url(), "DATABASE_REPLICA_URL": ""}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]


def found(client, q: str) -> list[str]:
    response = client.get("/api/v1/places", {"q": q})
    assert response.status_code == 200, response.content
    return [result["slug"] for result in response.json()["results"]]


@pytest.mark.django_db(transaction=True)
def test_a_name_written_through_another_app_server_is_found_here_at_once(client, world):
    world.place("old-quarter", 0.0, 0.0)
    assert "old-quarter" in found(client, "Old Quarter")  # this process has built its index now
    assert "old-quarter" not in found(client, "Harat al-Qasabiya")
    another_app_server(
        "from gazetteer.models import Place\n"
        "from gazetteer.services import place_update\n"
        "place = Place.objects.get(slug='old-quarter')\n"
        "place_update(place=place, name_en='Harat al-Qasabiya', name_ar='حارة القصبية', kind=place.kind,\n"
        "             label_point=place.label_point)\n"
    )
    assert found(client, "Harat al-Qasabiya")[0] == "old-quarter"
    assert found(client, "حارة القصبية")[0] == "old-quarter"
    another_app_server(
        "from gazetteer.models import PlaceName\nPlaceName.objects.filter(name='حارة القصبية').delete()\n"
    )
    assert "old-quarter" not in found(client, "حارة القصبية")
