"""The settings the suite runs with: the app's own, with a random SECRET_KEY for this run when the environment
has none (mapapp/settings.py refuses to start without one unless DEBUG, and keeps no key of its own)."""

import os
import secrets

os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

import atexit  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

from mapapp.settings import *  # noqa: E402, F403

# Each test process keeps its answers and pictures in a folder of its own (xdist workers have databases of their
# own, whose maps may share a slug and a version), removed when it ends.
_CACHES = Path(tempfile.mkdtemp(prefix="frontline-test-caches-"))
atexit.register(shutil.rmtree, _CACHES, ignore_errors=True)
ANSWER_CACHE_DIR = _CACHES / "answers"
EMBED_IMAGE_CACHE_DIR = _CACHES / "embed-images"

# Connections are closed after each request in tests, as before the production default kept them: live-server
# threads would otherwise hold connections that a PostGIS test database's flush and teardown wait for.
for _database in DATABASES.values():  # noqa: F405
    _database["CONN_MAX_AGE"] = 0

# Jobs run in this process in the tests (the worker's own code, called by tests/jobs.py or in a thread), so the
# live progress channel may be this process's memory; with several test processes (xdist) no file is shared.
CACHES = {**CACHES, "jobs": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "jobs"}}  # noqa: F405

# Hashing is slow on purpose (a million PBKDF2 rounds a password); the tests log in and fail to log in hundreds of
# times (the lockout tests, the browser's logins), so they hash with the fast hasher Django's own testing guide
# suggests. What they check (who may log in, the lockout) does not depend on the hasher.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Whitenoise reads every static file's details (about 220 of them, the admin's included) each time its middleware
# is made, and the test client makes the middleware again for each test's first request: 11 ms a test. Looked up
# when asked for instead (as under DEBUG), a static answer carries the same headers.
WHITENOISE_AUTOREFRESH = True
