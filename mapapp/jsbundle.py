"""One file for a page's ES modules: an entry module and every module it imports statically, for `make run`.

A cold map fetched the viewer as 22 modules, 22 answers of ~450 header bytes each and 22 compressed bodies that
share no dictionary; bundled, it is one answer (the Deir ez-Zor demo's cold map: see bench/bench_viewer.py). The
storage (mapapp/staticstorage.py) writes `<entry>.bundle.js` beside each entry in BUNDLED at collectstatic, and the
pages name it through `{% module_script %}` when the manifest lists it; elsewhere (tests, `make dev`) the modules
load one by one as written.

Each imported module runs in a function scope of its own, once, dependencies first, and hands back its exports:

    const __module3 = (() => { ...its code, `export` dropped...; return { createZoneLayers }; })();

and an import becomes `const { createZoneLayers } = __module3;`. The entry's own code follows at the top level.
Only what this codebase writes is understood: `import { a, b as c } from "./x.js";`, `import * as x from`,
`export function|class|const|let|var NAME`, `export { a, b as c };`; anything else (a default export, a re-export,
a cycle) stops the bundling with a ValueError naming the file. A dynamic `import("./x.js")` stays a separate
module, its path made relative to the bundle's folder.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

from django.contrib.staticfiles.storage import staticfiles_storage

BUNDLED = ("js/map-page.js", "js/embed.js")

IMPORT = re.compile(r"""^import\s+(?P<what>[^;'"]*?)\s*from\s*["'](?P<url>\.{1,2}/[^"']+)["']\s*;?[ \t]*\n?""", re.M)
BARE_IMPORT = re.compile(r"""^import\s*["'][^"']+["']""", re.M)
DYNAMIC_IMPORT = re.compile(r"""\bimport\(\s*(["'])(?P<url>\.{1,2}/[^"']+)\1\s*\)""")
EXPORT_DECLARATION = re.compile(r"^export\s+(?=(?:async\s+)?(?:function\*?|class|const|let|var)\s)", re.M)
DECLARED = re.compile(r"(?:async\s+)?(?:function\*?|class|const|let|var)\s+([A-Za-z_$][\w$]*)")
EXPORT_LIST = re.compile(r"^export\s*\{(?P<names>[^}]*)\}\s*;?[ \t]*\n?", re.M)
OTHER_EXPORT = re.compile(r"^export\b", re.M)
# Whole-line comments (the modules' prose, a fifth of the compressed bundle): a line that starts with // outside a
# template literal. A module with a template literal over several lines keeps its comments.
COMMENT_LINE = re.compile(r"^[ \t]*//.*\n", re.M)


def bundle(entry: str, read: Callable[[str], str]) -> str:
    """The bundle of `entry` (a static path such as "js/map-page.js"); `read(path)` gives a static file's text."""
    order: list[str] = []  # modules in the order they must run
    parsed: dict[str, tuple[str, list[tuple[str, str]], list[str]]] = {}
    visiting: set[str] = set()

    def visit(path: str) -> None:
        if path in parsed:
            return
        if path in visiting:
            raise ValueError(f"{path}: an import cycle, which the bundle cannot order")
        visiting.add(path)
        body, imports, exports = _parse(path, read(path))
        for dependency, _binding in imports:
            visit(dependency)
        visiting.discard(path)
        parsed[path] = (body, imports, exports)
        order.append(path)

    visit(entry)
    names = {path: f"__module{index}" for index, path in enumerate(order)}
    folder = posixpath.dirname(entry)
    out = [f"// {entry} and the modules it imports, bundled by mapapp/jsbundle.py at collectstatic.\n"]
    for path in order:
        body, imports, exports = parsed[path]
        body = _relocate_dynamic_imports(body, path, folder)
        head = "".join(f"const {binding} = {names[dependency]};\n" for dependency, binding in imports)
        if path == entry:
            if exports:
                raise ValueError(f"{path}: an entry module that exports ({', '.join(exports)}) cannot be bundled")
            out.append(f"// {path}\n{head}{body}")
        else:
            returned = ", ".join(exports)
            out.append(f"// {path}\nconst {names[path]} = (() => {{\n{head}{body}\nreturn {{ {returned} }};\n}})();\n")
    return "".join(out)


def _parse(path: str, text: str) -> tuple[str, list[tuple[str, str]], list[str]]:
    """A module's code without its imports and export keywords, its imports as (module path, binding) and the
    names it exports (`local: exported` where they differ)."""
    imports: list[tuple[str, str]] = []

    def take_import(match: re.Match) -> str:
        dependency = posixpath.normpath(posixpath.join(posixpath.dirname(path), match["url"]))
        what = match["what"].strip()
        if what.startswith("{") and what.endswith("}"):
            bindings = []
            for item in what[1:-1].split(","):
                item = item.strip()
                if not item:
                    continue
                parts = item.split()
                if len(parts) == 3 and parts[1] == "as":
                    bindings.append(f"{parts[0]}: {parts[2]}")
                elif len(parts) == 1:
                    bindings.append(parts[0])
                else:
                    raise ValueError(f"{path}: an import the bundle does not understand: {match[0].strip()}")
            imports.append((dependency, "{ " + ", ".join(bindings) + " }"))
        elif re.fullmatch(r"\*\s+as\s+[A-Za-z_$][\w$]*", what):
            imports.append((dependency, what.split()[-1]))
        else:
            raise ValueError(f"{path}: an import the bundle does not understand: {match[0].strip()}")
        return ""

    body = IMPORT.sub(take_import, text)
    if BARE_IMPORT.search(body) or re.search(r"^import\s", body, re.M):
        raise ValueError(f"{path}: an import the bundle does not understand")
    exports: list[str] = []
    for match in EXPORT_DECLARATION.finditer(body):
        declared = DECLARED.match(body, match.end())
        if not declared:
            raise ValueError(f"{path}: an export the bundle does not understand at offset {match.start()}")
        exports.append(declared[1])
    body = EXPORT_DECLARATION.sub("", body)

    def take_list(match: re.Match) -> str:
        for item in match["names"].split(","):
            parts = item.split()
            if len(parts) == 1:
                exports.append(parts[0])
            elif len(parts) == 3 and parts[1] == "as":
                exports.append(f"{parts[2]}: {parts[0]}")
            elif parts:
                raise ValueError(f"{path}: an export the bundle does not understand: {match[0].strip()}")
        return ""

    body = EXPORT_LIST.sub(take_list, body)
    if OTHER_EXPORT.search(body):
        raise ValueError(f"{path}: an export the bundle does not understand (default or re-export)")
    if not any(line.count("`") % 2 for line in body.splitlines()):
        body = COMMENT_LINE.sub("", body)
    return body, imports, exports


def _relocate_dynamic_imports(body: str, path: str, folder: str) -> str:
    def relocate(match: re.Match) -> str:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(path), match["url"]))
        relative = posixpath.relpath(target, folder)
        return f'import("{relative if relative.startswith(".") else "./" + relative}")'

    return DYNAMIC_IMPORT.sub(relocate, body)


def bundle_name(entry: str) -> str:
    """The bundle's static name for `entry` when the static files' manifest lists it (collectstatic under
    STATIC_MANIFEST made it), else `entry` itself: tests and `make dev` load the modules as written."""
    name = entry.removesuffix(".js") + ".bundle.js"
    hashed = getattr(staticfiles_storage, "hashed_files", None)
    return name if hashed and staticfiles_storage.hash_key(name) in hashed else entry
