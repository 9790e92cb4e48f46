"""The settings the suite runs with: the app's own, with a random SECRET_KEY for this run when the environment
has none (mapapp/settings.py refuses to start without one unless DEBUG, and keeps no key of its own)."""

import os
import secrets

os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

from mapapp.settings import *  # noqa: E402, F403
