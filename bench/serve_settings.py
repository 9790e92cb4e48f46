"""Settings for bench_serve's gunicorn: the application's, with a hello-world view beside it (bench/serve_urls.py)."""

from mapapp.settings import *  # noqa: F403

ROOT_URLCONF = "bench.serve_urls"
