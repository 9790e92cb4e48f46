"""Waiting for what a page learns by polling the server, without waiting out its polling delay: the page runs on
Playwright's clock (`page.clock.install()` before it opens; it keeps running with real time), and between two
looks at the page the test moves that clock past the next poll, so the page asks again as soon as the server has
answered the last time. Every poll still goes to the server and every answer is still read by the page."""

from __future__ import annotations

import time
from collections.abc import Callable

LOOK_MS = 250  # how long one look waits for the page to show what is expected


def until(page, assertion: Callable[[int], None], *, poll_ms: int, timeout_s: float = 30) -> None:
    """Run `assertion(timeout_ms)` (an `expect(...)` given that timeout) until it passes, moving the page's clock on
    by `poll_ms` after each look that fails; raises the last failure after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            assertion(LOOK_MS)
            return
        except AssertionError:
            if time.monotonic() >= deadline:
                raise
        page.clock.run_for(poll_ms)
