"""gunicorn settings for Frontline Atlas (make run, make cluster, deploy/frontline-atlas.service).

Workers and threads follow the machine's cores unless WEB_WORKERS / WEB_THREADS say otherwise (README,
"Deploying"). Each worker is a process with its own connections and gazetteer index; threads let a worker
answer other requests while one waits on the database. The access log goes to stdout (systemd's journal, or
the terminal of `make run`). `kill -HUP <master pid>` (systemctl reload) starts new workers with the new code
and lets the old ones finish their requests: an upgrade without a dropped request.
"""

import os

_cores = os.cpu_count() or 1


def _whole(name: str, raw: str, default: int) -> int:
    if raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"{name}={raw!r}: expected a whole number above 0")
    return int(raw)


wsgi_app = "mapapp.wsgi:application"
workers = _whole("WEB_WORKERS", os.environ.get("WEB_WORKERS", ""), 2 * _cores)
threads = _whole("WEB_THREADS", os.environ.get("WEB_THREADS", ""), 4)
worker_class = "gthread"
# Not preloaded: a HUP then loads the new code in the new workers.
preload_app = False
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'
# A slow answer (a 5,000-zone export) may take a while; a stuck worker is still replaced.
timeout = 120
graceful_timeout = 30
keepalive = 5
# Behind nginx on the same machine: trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
