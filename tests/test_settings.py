"""Settings helpers fail loudly on values they cannot understand, and every setting the code reads is in the
README's table."""

import ast
import functools
import gc
import re
from pathlib import Path

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


# --- Every setting the code reads is documented (as datasette tests its settings documentation) ---------------

ROOT = Path(__file__).resolve().parent.parent
# Where the code that reads the environment lives: both apps (settings included), the benchmarks, the set-up
# scripts' Python, the gunicorn configuration (deploy/) and the tests' own knobs (CHROMIUM_PATH). Not .venv, var/
# or migrations.
READERS = ["mapapp", "gazetteer", "bench", "scripts", "deploy", "tests", "manage.py"]
ENV_HELPERS = {"env_str", "env_bool", "env_int", "env_list"}
# Set by the code for Django or Playwright, never read as a setting of ours.
NOT_SETTINGS = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def _python_files():
    for name in READERS:
        path = ROOT / name
        if path.is_file():
            yield path
        else:
            # This file's own tests set made-up variables (FLAG, COUNT, ...) to exercise the helpers.
            yield from (p for p in path.rglob("*.py") if "migrations" not in p.parts and p != Path(__file__))


def _is_environ(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ"
    )


def variables_read(tree: ast.AST) -> tuple[set[str], list[str]]:
    """The environment variables a module reads by name, and any read whose name is not a literal."""
    names, unnamed = set(), []
    # The env_* helpers read the name they are given; their callers name it, and are checked.
    in_helpers = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name in ENV_HELPERS
        for inner in ast.walk(node)
    }

    def take(arg: ast.AST, where: ast.AST) -> None:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            names.add(arg.value)
        elif id(where) not in in_helpers:
            unnamed.append(f"line {where.lineno}: {ast.unparse(where)[:80]}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr in ("get", "getenv")
                and (_is_environ(func.value) or (func.attr == "getenv" and isinstance(func.value, ast.Name)))
            ):
                take(node.args[0], node)
            elif isinstance(func, ast.Name) and (func.id in ENV_HELPERS or func.id == "getenv"):
                take(node.args[0], node)
            elif isinstance(func, ast.Attribute) and func.attr in ENV_HELPERS:
                take(node.args[0], node)
        elif isinstance(node, ast.Subscript) and _is_environ(node.value) and isinstance(node.ctx, ast.Load):
            take(node.slice, node)
    return names, unnamed


def readme_settings() -> set[str]:
    """The variables in the first column of the README's settings table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Settings (environment variables)", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", section, flags=re.MULTILINE))


@functools.cache
def _reads() -> tuple[tuple[Path, set[str], list[str]], ...]:
    """What each file reads, parsed once for the two tests below. The parse makes millions of short-lived nodes,
    each batch of which would start a collection of the test process's whole heap: gc waits until the end."""
    gc.disable()
    try:
        return tuple(
            (path, *variables_read(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))))
            for path in _python_files()
        )
    finally:
        gc.enable()


def test_every_setting_the_code_reads_is_in_the_readme_table():
    read: dict[str, str] = {}
    unnamed: list[str] = []
    for path, names, dynamic in _reads():
        for name in names:
            read.setdefault(name, str(path.relative_to(ROOT)))
        unnamed += [f"{path.relative_to(ROOT)} {line}" for line in dynamic]
    read = {name: where for name, where in read.items() if name not in NOT_SETTINGS}
    assert not unnamed, "read the environment by a literal name, so the README table can be checked:\n" + "\n".join(
        unnamed
    )
    # The settings module is the main reader: if the parse found none of its variables, the parse is broken.
    assert {"DATABASE_URL", "SECRET_KEY", "DEBUG", "SITE_URL"} <= set(read)
    missing = sorted(f"{name} (read in {where})" for name, where in read.items() if name not in readme_settings())
    assert not missing, "add a row to the README's settings table for:\n" + "\n".join(missing)


def test_the_readme_table_lists_no_setting_the_code_does_not_read():
    read = set()
    for _path, names, _dynamic in _reads():
        read |= names
    stale = sorted(readme_settings() - read)
    assert not stale, f"the README documents settings nothing reads: {stale}"
