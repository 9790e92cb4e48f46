"""Run every bench/bench_*.py module's `run() -> list[(name, value, unit)]` and print the figures.

python -m bench                 # all of them
python -m bench viewer          # only bench_viewer.py (names match by substring)
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def modules(selected: list[str]) -> list[str]:
    names = sorted(
        info.name for info in pkgutil.iter_modules([str(Path(__file__).parent)]) if info.name.startswith("bench_")
    )
    if selected:
        names = [name for name in names if any(part in name for part in selected)]
    return names


def main(argv: list[str]) -> int:
    # The benches keep their databases under var/, which a fresh clone does not have.
    (Path(__file__).resolve().parent.parent / "var").mkdir(exist_ok=True)
    failures = 0
    for name in modules(argv):
        print(f"== {name}", flush=True)
        began = time.perf_counter()
        try:
            results = importlib.import_module(f"bench.{name}").run()
        except Exception as exc:  # one broken bench must not hide the others' figures
            failures += 1
            print(f"   FAILED: {type(exc).__name__}: {exc}", flush=True)
            continue
        for figure, value, unit in results:
            shown = f"{value:,.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"
            print(f"   {figure:<64} {shown:>14} {unit}", flush=True)
        print(f"   ({time.perf_counter() - began:.1f} s)", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
