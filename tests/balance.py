"""Sharing the suite between the xdist workers by what its files cost, not by how many tests they hold.

`--dist loadfile` keeps a file on one worker (so a module's demo is loaded once) and hands the files out biggest
first by their number of tests: a file of a few slow tests (the random edits of test_derived_fronts, the country
gazetteer of test_geoparse) was handed out last and one worker ran it alone for minutes while the other had
finished. Here the controller keeps each test's time of the last run (var/test-cache/test-durations.json, written
at the end of a run that used it) and hands out the costliest file next, each time a worker runs low; a test it
has no time for counts the median. Files in SPREAD, whose tests share no record loaded once per module, are
handed out test by test."""

from __future__ import annotations

import json
import os
import statistics
from pathlib import Path

import pytest
from xdist.scheduler import LoadFileScheduling

ROOT = Path(__file__).resolve().parent.parent
DURATIONS = ROOT / "var" / "test-cache" / "test-durations.json"
# Files of slow, independent tests (each builds its own small world): one test is one unit of work.
SPREAD = {"tests/mapapp/test_derived_fronts.py"}

_measured: dict[str, float] = {}


def _known() -> dict[str, float]:
    try:
        return json.loads(DURATIONS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


class CostFirstScheduling(LoadFileScheduling):
    def __init__(self, config, log=None):
        super().__init__(config, log)
        self.durations = _known()
        self.typical = statistics.median(self.durations.values()) if self.durations else 1.0

    def _split_scope(self, nodeid: str) -> str:
        path = nodeid.split("::", 1)[0]
        return nodeid if path in SPREAD else path

    def _cost(self, work_unit: dict[str, bool]) -> float:
        return sum(self.durations.get(nodeid, self.typical) for nodeid in work_unit)

    def _assign_work_unit(self, node) -> None:
        costliest = max(self.workqueue, key=lambda scope: self._cost(self.workqueue[scope]))
        self.workqueue.move_to_end(costliest, last=False)  # the unit the parent class takes next
        super()._assign_work_unit(node)


@pytest.hookimpl(optionalhook=True)  # a hook of xdist's: a run with -p no:xdist has no such hook
def pytest_xdist_make_scheduler(config, log):
    if config.getoption("dist") == "loadfile":
        return CostFirstScheduling(config, log)
    return None


def pytest_runtest_logreport(report):
    # In the controller these are the workers' reports; in one process, its own.
    _measured[report.nodeid] = _measured.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session):
    if hasattr(session.config, "workerinput") or not _measured:
        return  # a worker: the controller writes what all of them measured
    run = {nodeid.split("::", 1)[0] for nodeid in _measured}  # files run now: their tests of before are gone
    kept = {
        nodeid: seconds
        for nodeid, seconds in _known().items()
        if nodeid.split("::", 1)[0] not in run and (ROOT / nodeid.split("::", 1)[0]).exists()
    }
    durations = {**kept, **{nodeid: round(seconds, 3) for nodeid, seconds in _measured.items()}}
    DURATIONS.parent.mkdir(parents=True, exist_ok=True)
    partial = DURATIONS.with_name(f"{DURATIONS.name}.{os.getpid()}")
    partial.write_text(json.dumps(durations, sort_keys=True, indent=0), encoding="utf-8")
    partial.replace(DURATIONS)  # whole or not at all, when runs end together


def simulate(workers: int = 2) -> None:
    """Print the busiest worker's share of the last run's times, handed out as xdist's loadfile does (most tests
    first) and as here (costliest first): `PYTHONPATH=. python -m tests.balance`."""
    import heapq

    durations = _known()
    typical = statistics.median(durations.values()) if durations else 1.0

    def units(split) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for nodeid in durations:
            grouped.setdefault(split(nodeid), []).append(nodeid)
        return grouped

    def busiest(order: list[list[str]]) -> float:
        loads = [0.0] * workers
        for unit in order:  # the next unit goes to the worker that finishes first
            heapq.heapreplace(loads, loads[0] + sum(durations.get(nodeid, typical) for nodeid in unit))
        return max(loads)

    by_file = units(lambda nodeid: nodeid.split("::", 1)[0])
    spread = units(lambda nodeid: nodeid if nodeid.split("::", 1)[0] in SPREAD else nodeid.split("::", 1)[0])
    total = sum(durations.values())
    most_tests = busiest(sorted(by_file.values(), key=len, reverse=True))
    costliest = busiest(sorted(spread.values(), key=lambda unit: -sum(durations[n] for n in unit)))
    print(f"{len(durations)} tests, {total:.0f} s in all, {total / workers:.0f} s a worker at best")
    print(f"most tests first (xdist loadfile): busiest worker {most_tests:.0f} s")
    print(f"costliest first (tests/balance.py): busiest worker {costliest:.0f} s")


if __name__ == "__main__":
    simulate()
