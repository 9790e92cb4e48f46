"""CPU per request of a kept answer and a 304 against a hello-world view, in one process through Django's WSGI
handler (no server, no network): what the app itself spends on each, beside bench_serve's figures over gunicorn.

BENCH_HIT_SLUG=deir-ez-zor DATABASE_URL=spatialite:///... SECRET_KEY=x python -m bench.hit_cpu [REQUESTS]
"""

from __future__ import annotations

import io
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.serve_settings")

import django  # noqa: E402 (settings first)

django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402

from mapapp.models import Map  # noqa: E402

APP = WSGIHandler()


def environ(path: str, query: str = "", headers: dict | None = None) -> dict:
    found = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000", "wsgi.url_scheme": "http", "HTTP_HOST": "127.0.0.1:8000", "REMOTE_ADDR": "127.0.0.1",
    }  # fmt: skip
    for name, value in (headers or {}).items():
        found["HTTP_" + name.upper().replace("-", "_")] = value
    return found


def call(env: dict) -> tuple[str, dict, bytes]:
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(headers)

    body = b"".join(APP({**env, "wsgi.input": io.BytesIO()}, start_response))
    return answer["status"], answer["headers"], body


def main(requests: int) -> None:
    slug = os.environ.get("BENCH_HIT_SLUG", "deir-ez-zor")
    version = Map.objects.get(slug=slug).data_version
    geometry = f"/api/v1/maps/{slug}/geometry"
    kept = environ(geometry, f"v={version}", {"Accept-Encoding": "br, gzip"})
    call(kept)
    _status, headers, _body = call(kept)
    cases = {
        "hello": environ("/__hello"),
        "hello 304": environ("/__hello304"),
        "?v= answer": kept,
        "304": environ(geometry, f"v={version}", {"Accept-Encoding": "br, gzip", "If-None-Match": headers["ETag"]}),
    }
    for _round in range(3):
        figures = []
        for name, env in cases.items():
            began = time.process_time()
            for _ in range(requests):
                call(env)
            figures.append(f"{name} {1e6 * (time.process_time() - began) / requests:.0f} µs")
        print(", ".join(figures))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
