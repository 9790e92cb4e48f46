"""Shared fixtures: the demo record, small square worlds you can compute in your head, and Chromium."""

from __future__ import annotations

import copy
import datetime as dt
import os
from pathlib import Path

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

# The workers' share of the suite by what its files cost (tests/balance.py): its hooks, registered here.
from tests.balance import (  # noqa: F401
    pytest_runtest_logreport,
    pytest_sessionfinish,
    pytest_xdist_make_scheduler,
)

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by tests around it are
# still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
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


def _transactional(item) -> bool:
    """Whether the test commits for real (live server, transaction=True): it cannot share a rolled-back demo."""
    marker = item.get_closest_marker("django_db")
    names = getattr(item, "fixturenames", ())
    return bool(marker and marker.kwargs.get("transaction")) or "live_server" in names or "transactional_db" in names


def _migrations_digest() -> str:
    """A digest of what a migrated test database depends on: Django, the engine, the apps, the migrations and the
    pinned requirements."""
    import hashlib

    import django
    from django.conf import settings

    digest = hashlib.sha256(
        f"{django.__version__} {settings.DATABASES['default']['ENGINE']} {settings.INSTALLED_APPS}".encode()
    )
    for path in sorted([ROOT / "requirements.txt", *ROOT.glob("*/migrations/*.py"), *ROOT.glob("*/*/migrations/*.py")]):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _is_postgresql() -> bool:
    from django.conf import settings

    return "postg" in settings.DATABASES["default"]["ENGINE"]


def _migrated_copy() -> Path | None:
    """Where a freshly migrated SpatiaLite test database is kept between runs (var/test-cache/), under a digest of
    the migrations and the pinned requirements; None on PostgreSQL, which keeps a template database instead."""
    from django.conf import settings

    if "spatialite" not in settings.DATABASES["default"]["ENGINE"]:
        return None
    return ROOT / "var" / "test-cache" / f"migrated-spatialite-{_migrations_digest()[:20]}.sqlite3"


# On PostgreSQL the migrated test database is kept on the server as a database named after the same digest;
# each worker's test database is then a file-level copy of it (CREATE DATABASE ... TEMPLATE), a second or two
# instead of a migration from nothing.
_TEMPLATE_PREFIX = "fa_tmpl_"
_TEMPLATES_KEPT = 3  # the newest few: helpers and clones on other migrations share the server


def _template_name() -> str:
    return f"{_TEMPLATE_PREFIX}{_migrations_digest()[:12]}"


def _test_database_name() -> str:
    from django.db import connection

    return connection.creation._get_test_db_name()


def _server_cursor():
    """An autocommit cursor on the server's maintenance database (CREATE and DROP DATABASE cannot run in a
    transaction, nor from a connection to the database they copy)."""
    import psycopg
    from django.conf import settings

    database = settings.DATABASES["default"]
    connection = psycopg.connect(
        dbname="postgres",
        user=database["USER"],
        password=database["PASSWORD"],
        host=database["HOST"] or None,
        port=database["PORT"] or None,
        autocommit=True,
    )
    return connection, connection.cursor()


def _database_exists(cursor, name: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    return cursor.fetchone() is not None


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _test_database_from_template() -> bool:
    """Make this worker's test database a copy of the kept template, if there is one (then Django finds nothing to
    migrate and keeps the database, which the next run replaces)."""
    template, target = _template_name(), _test_database_name()
    connection, cursor = _server_cursor()
    with connection:
        if not _database_exists(cursor, template):
            return False
        cursor.execute(f"DROP DATABASE IF EXISTS {_quoted(target)} WITH (FORCE)")  # a kept or interrupted run's
        cursor.execute(f"CREATE DATABASE {_quoted(target)} TEMPLATE {_quoted(template)}")
    return True


def _template_from_test_database() -> None:
    """Keep the freshly migrated test database as the template of the next runs: copied under a name of this
    process, then renamed, so that a worker sees a whole template or none (two workers that migrated at once
    both copy; the second rename fails and its copy goes). Older templates beyond the newest few are dropped."""
    from django.db import connections

    template, source = _template_name(), connections["default"].settings_dict["NAME"]  # the test database now
    partial = f"{template}_{os.getpid()}"
    connections.close_all()  # a database is copied only when nobody is connected to it
    connection, cursor = _server_cursor()
    with connection:
        if _database_exists(cursor, template):
            return
        cursor.execute(f"CREATE DATABASE {_quoted(partial)} TEMPLATE {_quoted(source)}")
        try:
            cursor.execute(f"ALTER DATABASE {_quoted(partial)} RENAME TO {_quoted(template)}")
        except Exception:
            cursor.execute(f"DROP DATABASE IF EXISTS {_quoted(partial)}")
        cursor.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s ORDER BY oid DESC",
            [f"{_TEMPLATE_PREFIX}%", template],
        )
        for (old,) in cursor.fetchall()[_TEMPLATES_KEPT - 1 :]:
            try:
                cursor.execute(f"DROP DATABASE IF EXISTS {_quoted(old)}")
            except Exception:  # being copied by another run right now: dropped by a later one
                pass


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Migrating the test database takes each worker about ten seconds of CPU: when a copy of one freshly migrated
    from the same migrations is kept (a file on SpatiaLite, a template database on PostgreSQL), start from it
    (Django then finds nothing to apply, and keeps the database, which the next run replaces)."""
    from django.conf import settings

    if _is_postgresql():
        return _test_database_from_template()
    copy = _migrated_copy()
    if copy is None or not copy.exists():
        return False
    target = Path(settings.DATABASES["default"]["TEST"]["NAME"])
    for leftover in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):  # a kept database's journal too
        leftover.unlink(missing_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}")
    partial.write_bytes(copy.read_bytes())
    partial.replace(target)
    return True


@pytest.fixture(scope="session")
def django_db_keepdb(request, django_db_modify_db_settings):
    return bool(request.config.getvalue("reuse_db") or django_db_modify_db_settings)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_modify_db_settings, django_db_blocker):
    """After a migration from nothing, keep a copy of the migrated database for the next run."""
    if django_db_modify_db_settings:
        yield
        return
    if _is_postgresql():
        with django_db_blocker.unblock():
            _template_from_test_database()
        yield
        return
    copy = _migrated_copy()
    if copy is None or copy.exists():
        yield
        return
    import sqlite3

    from django.db import connection

    copy.parent.mkdir(parents=True, exist_ok=True)
    partial = copy.with_name(f"{copy.name}.{os.getpid()}")
    with django_db_blocker.unblock():
        connection.ensure_connection()
        kept = sqlite3.connect(partial)
        connection.connection.backup(kept)  # a consistent copy of the open database, its journal included
        kept.close()
    partial.replace(copy)  # whole or not at all, whichever worker writes it
    for old in copy.parent.glob("migrated-spatialite-*.sqlite3"):  # copies of older migrations
        if old != copy:
            old.unlink(missing_ok=True)
    yield


def loaded_once_per_module(build, *, name: str | None = None):
    """A module-scoped fixture whose record `build()` writes once, inside a transaction rolled back when the
    module ends. Each test that asks for it (through a function fixture that also asks for `db`) runs in its
    own savepoint inside that transaction, so what a test writes is rolled back before the next one; the tests
    that do not ask for it run first (see pytest_collection_modifyitems), so they never see it."""

    def fixture(django_db_setup, django_db_blocker):
        from django.db import transaction

        outer = transaction.atomic()
        with django_db_blocker.unblock():
            outer.__enter__()
            built = build()
        yield built
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)

    # Its tests run after the module's others (pytest_collection_modifyitems). Marked on the function itself, which
    # is what the hook sees (FixtureDef.func): pytest 8.4 and later wrap a decorated fixture in an object of theirs.
    fixture._loaded_once_per_module = True
    return pytest.fixture(scope="module", name=name)(fixture)


def _load_demo():
    # Through the loader the first time (in the process, or since its code or data changed: var/test-cache/), then
    # by plain inserts of the rows it wrote (a fiftieth of the time): tests/mapapp/test_demo.py checks the loader.
    return _DemoRows.load()


_demo_for_module = loaded_once_per_module(_load_demo)


class RecordRows:
    """The rows a writer puts in the database, read back once after it ran for real, so that the next module, or
    a test that commits (and whose tables are emptied after it), gets the same record again by plain inserts
    instead of a second run of the writer's geometry work. Only tables that were empty before the first run are
    kept: what migrations put in (groups, content types) is the test database's own.

    With `keyed_by` (globs under the repository), the rows are also kept on disk in var/test-cache/, under a
    digest of those files, of the database's vendor and of the migrations and code of both apps: a later run
    reads them instead of running the writer, and runs it again as soon as any of that changes."""

    def __init__(self, build, reread, *, name: str = "", keyed_by: tuple[str, ...] = ()):
        self.build, self.reread, self.name, self.keyed_by = build, reread, name, keyed_by
        self.tables: dict[str, tuple[list[str], list[tuple]]] | None = None

    def load(self):
        from django.db import connection

        if self.tables is None and self.keyed_by:
            self.tables = self._from_disk()
        if self.tables is None:
            # The models' tables only: SpatiaLite's spatial index tables fill themselves from triggers.
            names = connection.introspection.django_table_names(only_existing=True, include_views=False)
            with connection.cursor() as cursor:
                empty = [name for name in names if self._count(cursor, name) == 0]
            built = self.build()
            self.tables = self._read(empty)
            if self.keyed_by:
                self._to_disk()
            return built
        self._write()
        return self.reread()

    def _read(self, names: list[str]) -> dict[str, tuple[list[str], list[tuple]]]:
        from django.db import connection

        quote = connection.ops.quote_name
        # Generated columns (Place.footprint_geojson) are the database's to write: an INSERT naming one is refused.
        generated = {
            model._meta.db_table: {field.column for field in model._meta.concrete_fields if field.generated}
            for model in _all_models()
        }
        tables = {}
        with connection.cursor() as cursor:
            for name in names:
                cursor.execute(f"SELECT * FROM {quote(name)}")
                rows = cursor.fetchall()
                if rows:
                    columns = [column[0] for column in cursor.description]
                    keep = [index for index, column in enumerate(columns) if column not in generated.get(name, ())]
                    if len(keep) < len(columns):
                        columns = [columns[index] for index in keep]
                        rows = [tuple(row[index] for index in keep) for row in rows]
                    tables[name] = (columns, rows)
        return tables

    def _write(self) -> None:
        from django.db import connection, transaction

        quote = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            for name, (columns, rows) in self.tables.items():
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {quote(name)} ({', '.join(map(quote, columns))}) VALUES ({marks})", rows
                )
            # Sequences are not moved by inserts that give the id: move them past the ids just written.
            models = {model._meta.db_table: model for model in _all_models() if model._meta.db_table in self.tables}
            for sql in connection.ops.sequence_reset_sql(_no_style(), list(models.values())):
                cursor.execute(sql)

    def _disk_path(self) -> Path:
        import hashlib

        import django
        from django.db import connection

        digest = hashlib.sha256(f"{connection.vendor} {django.__version__}".encode())
        globs = (*self.keyed_by, "gazetteer/**/*.py", "mapapp/**/*.py", "requirements.txt")
        for path in sorted({path for glob in globs for path in ROOT.glob(glob) if path.is_file()}):
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
        return ROOT / "var" / "test-cache" / f"{self.name}-{connection.vendor}-{digest.hexdigest()[:20]}.pickle"

    def _from_disk(self):
        import pickle

        path = self._disk_path()
        return pickle.loads(path.read_bytes()) if path.exists() else None

    def _to_disk(self) -> None:
        import pickle

        path = self._disk_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".pickle.{os.getpid()}")
        partial.write_bytes(pickle.dumps(self.tables, protocol=pickle.HIGHEST_PROTOCOL))
        partial.replace(path)  # whole or not at all, whichever worker writes it
        for old in path.parent.glob(f"{path.name.rsplit('-', 1)[0]}-*.pickle"):  # rows of code since changed
            if old != path:
                old.unlink(missing_ok=True)

    @staticmethod
    def _count(cursor, name: str) -> int:
        from django.db import connection

        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")
        return cursor.fetchone()[0]


def _load_demo_through_the_loader():
    from mapapp.demo.loader import load_demo

    return load_demo()


def _the_demo_map():
    from mapapp.models import Map

    return Map.objects.get(slug="deir-ez-zor")


# Kept in var/test-cache/ too: the loader's geometry work costs each test process about ten seconds of CPU.
_DemoRows = RecordRows(_load_demo_through_the_loader, _the_demo_map, name="demo", keyed_by=("mapapp/demo/data/*",))


def _all_models():
    from django.apps import apps

    return apps.get_models(include_auto_created=True)


def _no_style():
    from django.core.management.color import no_style

    return no_style()


def _emit_post_migrate():
    from django.core.management.sql import emit_post_migrate_signal

    emit_post_migrate_signal(0, False, "default")


# What post_migrate writes into an empty database (content types, permissions, the Editors and Reviewers groups
# with theirs: mapapp.roles), read back after it first ran in this process.
_PostMigrateRows = RecordRows(_emit_post_migrate, lambda: None)


def _post_migrate_rows_again(verbosity, interactive, database, **kwargs):
    """In place of the post_migrate signal after a test's flush: the first time the signal itself (and its rows
    kept), then those rows again by plain inserts (a seventh of the CPU: the receivers look up each permission
    and content type one by one)."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.sql import emit_post_migrate_signal

    if database != "default":
        return emit_post_migrate_signal(verbosity, interactive, database, **kwargs)
    _PostMigrateRows.load()
    ContentType.objects.clear_cache()  # ids it may have kept from before the flush


def _sql_flush_of_the_tables_with_rows(style, connection, reset_sequences=True, allow_cascade=False):
    """In place of Django's sql_flush after a test: only the tables that have rows, found by one query, are emptied.
    On PostgreSQL by DELETE (the foreign keys Django makes are checked at commit, when all is gone): TRUNCATE makes
    new files for each table and its indexes, 2 to 3 s a flush of all the tables here, against a tenth of that."""
    quote = connection.ops.quote_name
    names = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join(f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {quote(name)})" for name in names)
        )
        # At least one table: Django's flush writes the post_migrate rows back only when it ran some SQL, and a test
        # may leave every table empty (tests/test_suite_helpers.py does).
        filled = [name for (name,) in cursor.fetchall()] or ["django_content_type"]
    if connection.vendor == "postgresql":
        return [f"DELETE FROM {quote(name)}" for name in filled]
    return connection.ops.sql_flush(style, filled, reset_sequences=reset_sequences, allow_cascade=allow_cascade)


@pytest.fixture(scope="session", autouse=True)
def _quick_flush_after_each_test():
    """A test that commits (live server, transaction=True) ends with a flush of the database (Django's
    TransactionTestCase), after which the post_migrate signal made the content types, permissions and groups again
    one query at a time. Within that flush only, the tables with rows are emptied
    (_sql_flush_of_the_tables_with_rows) and the post_migrate rows written back (_post_migrate_rows_again); a flush
    a test calls itself is Django's own (tests/mapapp/test_editor_admin.py checks that the groups come back)."""
    from django.core.management.commands import flush
    from django.test import TransactionTestCase

    fixture_teardown = TransactionTestCase._fixture_teardown

    def _fixture_teardown(self):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(flush, "sql_flush", _sql_flush_of_the_tables_with_rows)
            patch.setattr(flush, "emit_post_migrate_signal", _post_migrate_rows_again)
            fixture_teardown(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TransactionTestCase, "_fixture_teardown", _fixture_teardown)
        yield


@pytest.fixture
def demo(request):
    """The Deir ez-Zor demo map, loaded through the services once per process, then its rows written again:
    once per module for tests in a transaction (each test's writes are still rolled back), and for tests that
    commit (browser, concurrency) before each test (their tables are emptied after each)."""
    if _transactional(request.node):
        request.getfixturevalue("transactional_db")
        return _DemoRows.load()
    map_ = request.getfixturevalue("_demo_for_module")
    request.getfixturevalue("db")
    return map_


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


def fresh(thing):
    """The same record read again from the database: a model instance by its key, and each one inside a list, a
    tuple or a dict (other values as they are). A test that changes an object of a module's record in memory must
    not hand the change to the next test, whose database rolled it back."""
    from django.db.models import Model

    if isinstance(thing, Model):
        return type(thing)._default_manager.get(pk=thing.pk)
    if isinstance(thing, (list, tuple)):
        return type(thing)(fresh(item) for item in thing)
    if isinstance(thing, dict):
        return {key: fresh(value) for key, value in thing.items()}
    return thing


def _again(world: World) -> World:
    again = copy.copy(world)
    again.__dict__.update({name: fresh(value) for name, value in vars(world).items()})
    return again


World.again = _again
World.again.__doc__ = "This world with each of its objects (source, actors, places, what its builder kept) read again."


def _forget_kept_answers() -> None:
    """The answers and pictures kept by earlier tests: a module's record gives each test the same map, version and
    moment of its last bump, which an earlier test's rolled-back edits may have answered under."""
    import shutil

    from django.conf import settings

    from mapapp import answers

    answers.forget_memory()
    for folder in (settings.ANSWER_CACHE_DIR, settings.EMBED_IMAGE_CACHE_DIR):
        shutil.rmtree(folder, ignore_errors=True)


def world_once_per_module(build):
    """A small World whose record `build(world)` writes once for the module, for tests that only need each test's
    writes rolled back: returns (the module fixture, the test fixture), to be named in the module:

        _squares_once, world = world_once_per_module(_squares)

    The record is written inside a transaction held for the module (loaded_once_per_module) and each test runs in
    a savepoint of its own, rolled back after it, so tests never see each other's writes; the test fixture gives
    the World read again (World.again), what `build` returned as `world.built`. A test that commits (live server,
    transaction=True) gets a world built for it alone, as `demo` does."""
    once_name = f"_{build.__name__.strip('_')}_once"

    def _build():
        world = World()
        world.built = build(world)
        return world

    once = loaded_once_per_module(_build, name=once_name)

    def fixture(request):
        if _transactional(request.node):
            request.getfixturevalue("transactional_db")
            world = World()
            world.built = build(world)
            return world
        built = request.getfixturevalue(once_name)
        request.getfixturevalue("db")
        _forget_kept_answers()
        return built.again()

    fixture._module_record = once_name  # opened before the test's transaction (pytest_collection_modifyitems)
    return once, pytest.fixture(fixture)


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
    # Playwright's polling waits (wait_for_function with an expression) evaluate strings in the page, which the
    # site's Content-Security-Policy forbids ('unsafe-eval'): tests bypass the policy, except those marked `csp`,
    # which check the pages under it (tests/browser/test_csp.py) and wait without evaluating strings.
    enforce = request.node.get_closest_marker("csp") is not None
    context = browser.new_context(viewport={"width": 1200, "height": 800}, bypass_csp=not enforce)
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


def pytest_collection_modifyitems(config, items):
    """Every test under tests/browser is a browser test (so `-m "not browser"` leaves none behind); within a
    module, the tests that share the module's demo (or another record loaded_once_per_module) run after the
    others, which must not see it."""
    browser_dir = Path(__file__).resolve().parent / "browser"
    for item in items:
        if browser_dir in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)

    def shares_demo(item) -> bool:
        return "demo" in getattr(item, "fixturenames", ()) and not _transactional(item)

    def module_worlds(item) -> list[str]:
        """The module fixtures of the world_once_per_module fixtures the test asks for (unless it commits)."""
        if _transactional(item):
            return []
        definitions = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
        functions = [defs[-1].func for defs in definitions.values()]
        return [function._module_record for function in functions if hasattr(function, "_module_record")]

    def shares_a_module_record(item) -> bool:
        if shares_demo(item) or module_worlds(item):
            return True
        definitions = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
        return any(getattr(defs[-1].func, "_loaded_once_per_module", False) for defs in definitions.values())

    modules: dict[str, list] = {}
    for item in items:
        modules.setdefault(str(item.fspath), []).append(item)
    items[:] = [item for module in modules.values() for item in sorted(module, key=shares_a_module_record)]
    # The module's transaction opens before the test's own (a fixture such as `people` may ask for `db`
    # before `demo` does); otherwise the test's transaction would hold the module's demo.
    for item in items:
        if shares_demo(item) and "_demo_for_module" not in item.fixturenames:
            item.fixturenames.insert(0, "_demo_for_module")
        for name in module_worlds(item):
            if name not in item.fixturenames:
                item.fixturenames.insert(0, name)
            if "db" not in item.fixturenames:  # as for `demo` below: a test database is made only for names seen
                item.fixturenames.append("db")
        # `demo` asks for `db` or `transactional_db` only when it runs; pytest-django decides which test databases
        # to make from the names it sees at collection, so a run whose only database tests use `demo` would
        # otherwise load it into the development database.
        if "demo" in getattr(item, "fixturenames", ()):
            needed = "transactional_db" if _transactional(item) else "db"
            if needed not in item.fixturenames:
                item.fixturenames.append(needed)


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


def ogc_item_id(path: str, demo) -> int:
    """An OGC item of the demo for a documented item path: a control period, or for a map's events collection
    (`{slug}.events`) an event (one is added: the demo has none of its own)."""
    from mapapp import services
    from mapapp.events.models import Event
    from mapapp.models import ControlPeriod

    if ".events/" not in path:
        return ControlPeriod.objects.filter(place__maps=demo).order_by("pk").first().pk
    event = Event.objects.published().filter(map=demo).order_by("pk").first()
    if event is None:
        point = demo.area.point_on_surface
        event = services.event_create(
            map=demo, on=demo.default_date, event_type="Battles", location=point, notes="<b>text</b>", publish=True
        )
    return event.pk


def pytest_collection_finish(session):
    """What is alive once the tests are collected (Django, GEOS, the plugins, every test module) lives to the
    end: moved out of the collector's sight, so that the collections the tests' own allocations start no longer
    walk it each time."""
    import gc

    gc.collect()
    gc.freeze()
