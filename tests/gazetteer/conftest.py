"""The demo gazetteer loaded once per module: its tests only read it (each still runs in its own savepoint)."""

import pytest
from django.db import transaction


@pytest.fixture(scope="module")
def demo_once(django_db_setup, django_db_blocker):
    from mapapp.demo.loader import load_demo

    with django_db_blocker.unblock():
        with transaction.atomic():
            yield load_demo()
            transaction.set_rollback(True)


@pytest.fixture
def demo(demo_once, db):
    """The Deir ez-Zor demo, loaded once for the module (overrides the per-test fixture of tests/conftest.py)."""
    return demo_once
