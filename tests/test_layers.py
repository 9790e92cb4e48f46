"""The layers run one way (docs/architecture-layers.md), read from the source with `ast`, not by importing it:

- gazetteer (the lower app) imports nothing of mapapp but its leaf library, mapapp.lib;
- mapapp.lib imports neither app's domain (nothing of gazetteer, nothing of mapapp outside mapapp.lib);
- no module imports inside a function, except the few lazy heavy imports and Django's ready() listed below.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# (module path, imported module) pairs that may be imported inside a function, and why.
FUNCTION_IMPORTS_ALLOWED = {
    # Django loads models only once every app is ready; receivers and roles import models.
    ("mapapp/apps.py", "mapapp"),
    ("mapapp/apps.py", "mapapp.roles"),
    ("mapapp/apps.py", "mapapp.services.fronts"),
    # Lazy: matplotlib takes about half a second to load and only a drawn picture needs it.
    ("mapapp/mapimage.py", "matplotlib.path"),
    ("mapapp/mapimage.py", "matplotlib.figure"),
    ("mapapp/mapimage.py", "matplotlib.lines"),
    ("mapapp/mapimage.py", "matplotlib.patches"),
    # Lazy: geopandas takes a second to load and only a GeoPackage export with events needs it.
    ("mapapp/events/export.py", "geopandas"),
    # Lazy, as in mapimage: the timelapse finds its font through matplotlib only when it draws.
    ("mapapp/timelapse.py", "matplotlib"),
}


def _modules(*folders: str) -> list[Path]:
    return sorted(
        path
        for folder in folders
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts and "__pycache__" not in path.parts
    )


def _imports(path: Path) -> list[tuple[str, ast.AST, bool]]:
    """[(imported module, node, inside a function)] for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import):
                found.extend((alias.name, child, in_function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:  # a relative import: resolve it against the file's package
                    package = path.relative_to(ROOT).with_suffix("").parts[: -child.level]
                    base = ".".join(package + ((child.module,) if child.module else ()))
                else:
                    base = child.module or ""
                found.append((base, child, in_function))
            visit(child, inside)

    visit(tree, False)
    return found


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _is_under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_there_are_modules_to_check():
    assert len(_modules("gazetteer")) > 10
    assert len(_modules("mapapp/lib")) >= 3


@pytest.mark.parametrize("path", _modules("gazetteer"), ids=_name)
def test_gazetteer_imports_only_mapapps_library(path):
    wrong = [
        f"line {node.lineno}: {module}"
        for module, node, _inside in _imports(path)
        if _is_under(module, "mapapp") and not _is_under(module, "mapapp.lib")
    ]
    assert not wrong, f"{_name(path)} imports mapapp's domain (send a gazetteer signal instead): {wrong}"


@pytest.mark.parametrize("path", _modules("mapapp/lib"), ids=_name)
def test_the_library_imports_neither_apps_domain(path):
    wrong = [
        f"line {node.lineno}: {module}"
        for module, node, _inside in _imports(path)
        if _is_under(module, "gazetteer") or (_is_under(module, "mapapp") and not _is_under(module, "mapapp.lib"))
    ]
    assert not wrong, f"{_name(path)} is in the leaf library but imports an app: {wrong}"


@pytest.mark.parametrize("path", _modules("gazetteer", "mapapp"), ids=_name)
def test_no_import_inside_a_function_unless_allowed(path):
    wrong = [
        f"line {node.lineno}: {module}"
        for module, node, inside in _imports(path)
        if inside and (_name(path), module) not in FUNCTION_IMPORTS_ALLOWED
    ]
    assert not wrong, f"{_name(path)} imports inside a function (move it to the top, or justify it here): {wrong}"


def test_the_allow_list_has_no_stale_entries():
    used = {
        (_name(path), module)
        for path in _modules("gazetteer", "mapapp")
        for module, _node, inside in _imports(path)
        if inside
    }
    assert FUNCTION_IMPORTS_ALLOWED <= used, sorted(FUNCTION_IMPORTS_ALLOWED - used)
