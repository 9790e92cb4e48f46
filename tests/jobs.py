"""Running queued jobs in a test the way the worker (`manage.py db_worker`) does: django-tasks' own Worker takes
each ready task from the database queue and runs it (its run_task). The command's loop wraps the taking in an
exclusive transaction that cannot open inside a test's transaction; a transactional test can call the command
itself (tests/mapapp/test_jobs.py does), and `worker_thread` runs the whole loop beside a live server."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from django.db import connection
from django_tasks.backends.database.management.commands.db_worker import Worker
from django_tasks.backends.database.models import DBTaskResult


def _worker(**kwargs) -> Worker:
    options = dict(
        queue_names=["*"], interval=0.1, batch=False, backend_name="default", startup_delay=False, max_tasks=None
    )
    return Worker(**{**options, **kwargs, "worker_id": "test-worker"})


def run_jobs() -> int:
    """Run every task that is ready now, in order, as the worker would; returns how many ran."""
    worker = _worker(batch=True)
    ran = 0
    while (task := DBTaskResult.objects.ready().order_by("enqueued_at").first()) is not None:
        task.claim(worker.worker_id)
        worker.run_task(task)
        ran += 1
    return ran


@contextmanager
def worker_thread():
    """django-tasks' worker loop in a thread (with its own database connection) for as long as the block runs:
    for a transactional test with a live server (the browser tests)."""
    worker = _worker()

    def loop():
        try:
            worker.run()
        finally:
            connection.close()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        worker.running = False
        thread.join(timeout=30)
