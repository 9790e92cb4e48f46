"""One file for a page's ES modules, for `make run`: esbuild (Debian's `esbuild` package, installed by
scripts/setup.sh) bundles an entry module with every module it imports and minifies it.

A cold map fetched the viewer as 22 modules, 22 answers of ~450 header bytes each and 22 compressed bodies that
share no dictionary; bundled, it is one answer (the Deir ez-Zor demo's cold map: see bench/bench_viewer.py). The
storage (mapapp/staticstorage.py) writes `<entry>.bundle.js` beside each entry in BUNDLED at collectstatic, and the
pages name it through `{% module_entry %}` when the manifest lists it; elsewhere (tests, `make dev`) the modules
load one by one as written. A module imported with `import()` (the events layer) is in the bundle too, run only
when the page asks for it: one file, no second request on a map with events.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from django.contrib.staticfiles.storage import staticfiles_storage

BUNDLED = ("js/map-page.js", "js/embed.js")
ESBUILD = "esbuild"
# ES2020 is what the viewer is written in (optional chaining, dynamic import); UTF-8 keeps the Arabic strings
# as written, not as \u escapes; licence comments go (the vendored libraries are not bundled: they stay files).
OPTIONS = ("--bundle", "--format=esm", "--minify", "--target=es2020", "--charset=utf8", "--legal-comments=none")


def bundle(source: Path) -> str:
    """The bundle of the entry module at `source` (a file in a static folder; its imports are read beside it).
    A module esbuild cannot read or bundle stops collectstatic with a ValueError naming the file and the fault."""
    esbuild = shutil.which(ESBUILD)
    if esbuild is None:
        raise ValueError("esbuild is not installed (scripts/setup.sh installs Debian's esbuild package)")
    done = subprocess.run(
        [esbuild, str(source), *OPTIONS, "--log-level=error"], capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise ValueError(f"{source}: esbuild could not bundle it: {done.stderr.strip()}")
    return done.stdout


def bundle_name(entry: str) -> str:
    """The bundle's static name for `entry` when the static files' manifest lists it (collectstatic under
    STATIC_MANIFEST made it), else `entry` itself: tests and `make dev` load the modules as written."""
    name = entry.removesuffix(".js") + ".bundle.js"
    hashed = getattr(staticfiles_storage, "hashed_files", None)
    return name if hashed and staticfiles_storage.hash_key(name) in hashed else entry
