"""The settings the suite runs with: the app's own, with a random SECRET_KEY for this run when the environment
has none (mapapp/settings.py refuses to start without one unless DEBUG, and keeps no key of its own)."""

import os
import secrets

os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

from mapapp.settings import *  # noqa: E402, F403

# Jobs run in this process in the tests (the worker's own code, called by tests/jobs.py or in a thread), so the
# live progress channel may be this process's memory; with several test processes (xdist) no file is shared.
CACHES = {**CACHES, "jobs": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "jobs"}}  # noqa: F405
