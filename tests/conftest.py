"""Shared fixtures: the demo record, small square worlds you can compute in your head, and Chromium."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by tests around it are
# still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture
def demo(db):
    """The Deir ez-Zor demo map, loaded through the services."""
    from mapapp.demo.loader import load_demo

    return load_demo()


def square(x: float, y: float, size: float = 0.01) -> MultiPolygon:
    """A lon/lat square with its south-west corner at (x, y)."""
    return MultiPolygon(Polygon(((x, y), (x + size, y), (x + size, y + size), (x, y + size), (x, y))), srid=4326)


class World:
    """A tiny record to build tests on: places, actors and one source, all made through the services."""

    def __init__(self):
        from mapapp import services

        self.services = services
        self.source = services.source_create(title="Test report", publisher="Test wire", url="https://example.org/r")
        self.actors = {}
        self.places = {}

    def actor(self, slug: str, color: str = "#123456"):
        if slug not in self.actors:
            self.actors[slug] = self.services.actor_create(slug=slug, name_en=slug.title(), color=color)
        return self.actors[slug]

    def place(self, slug: str, x: float = 0.0, y: float = 0.0, size: float = 0.01, name_ar: str = ""):
        from gazetteer.services import place_create

        if slug not in self.places:
            footprint = square(x, y, size)
            self.places[slug] = place_create(
                slug=slug,
                name_en=slug.replace("-", " ").title(),
                name_ar=name_ar,
                kind="district",
                footprint=footprint,
                label_point=Point(x + size / 2, y + size / 2, srid=4326),
            )
        return self.places[slug]

    def change(self, on, places, actor, status="held", publish=True, **kwargs):
        if isinstance(on, str):
            on = dt.date.fromisoformat(on)
        return self.services.control_change_record(
            on=on,
            places=[self.place(p) if isinstance(p, str) else p for p in places],
            actor=self.actor(actor) if isinstance(actor, str) else actor,
            status=status,
            sources=[self.source],
            publish=publish,
            **kwargs,
        )

    def map(self, slug="test-map", start="2015-01-01", end="2017-12-31", default="2016-01-01", zones=None):
        return self.services.map_create(
            slug=slug,
            title_en=slug.title(),
            start=dt.date.fromisoformat(start),
            end=dt.date.fromisoformat(end),
            default_date=dt.date.fromisoformat(default),
            actors=list(self.actors.values()),
            zones=zones if zones is not None else list(self.places.values()),
        )


@pytest.fixture
def world(db):
    return World()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser page; on failure a screenshot lands in test-artifacts/<test name>.png."""
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        except Exception:  # a crashed page cannot be photographed; the failure itself is what matters
            pass
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


PASSWORD = "correct-horse-battery"
_PASSWORD_HASH = ""


@pytest.fixture
def people(db):
    """One user per role (password PASSWORD): editor and reviewer (staff, in their group), staff (staff, no
    group), outsider (no staff, no group)."""
    from types import SimpleNamespace

    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User

    global _PASSWORD_HASH
    _PASSWORD_HASH = _PASSWORD_HASH or make_password(PASSWORD)  # hashing is slow on purpose: do it once

    def user(username: str, group: str | None, staff: bool = True):
        person = User.objects.create(username=username, password=_PASSWORD_HASH, is_staff=staff)
        if group:
            person.groups.add(Group.objects.get(name=group))
        return person

    return SimpleNamespace(
        editor=user("edna", "Editors"),
        reviewer=user("rafiq", "Reviewers"),
        staff=user("stan", None),
        outsider=user("olga", None, staff=False),
    )


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: the rate limits' counts of one test never refuse another's requests."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _english_unless_asked():
    """Each test starts in the default language: a request with ?lang=ar or Accept-Language: ar activates
    Arabic in the thread, and services called directly afterwards would otherwise answer in it."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
