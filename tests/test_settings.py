"""Settings helpers fail loudly on values they cannot understand."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from mapapp.settings import env_bool, env_int, env_list


def test_env_bool_reads_the_usual_spellings(monkeypatch):
    for raw, expected in [("true", True), ("1", True), ("On", True), ("no", False), ("0", False), ("", True)]:
        monkeypatch.setenv("FLAG", raw)
        assert env_bool("FLAG", True) is expected


def test_env_bool_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG='maybe'"):
        env_bool("FLAG", False)


def test_env_int_refuses_words(monkeypatch):
    monkeypatch.setenv("COUNT", "ten")
    with pytest.raises(ImproperlyConfigured, match="expected an integer"):
        env_int("COUNT", 1)


def test_env_list_splits_on_commas(monkeypatch):
    monkeypatch.setenv("HOSTS", "a.example, b.example,,")
    assert env_list("HOSTS", []) == ["a.example", "b.example"]
