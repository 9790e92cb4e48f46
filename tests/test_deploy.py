"""Deployment posture (issue 14): no start without SECRET_KEY unless DEBUG, HTTPS=true turns on everything
`check --deploy` asks for, and the README's production settings pass it without a warning.

Each test starts a fresh Python, because settings are read once per process from the environment."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The variables these tests set themselves; everything else (PATH, the database) comes from the suite's run.
OURS = {
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "SECRET_KEY",
    "DEBUG",
    "HTTPS",
    "HSTS_SECONDS",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SITE_URL",
}
# What the README's placeholder stands for.
KEY = secrets.token_urlsafe(50)


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in OURS}
    clean.update(env, DJANGO_SETTINGS_MODULE="mapapp.settings")
    return subprocess.run(args, cwd=ROOT, env=clean, capture_output=True, text=True, timeout=300)


def readme_production_settings() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Running in production", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, flags=re.DOTALL).group(1)
    return dict(line.split("=", 1) for line in block.splitlines() if line.strip())


def test_without_secret_key_the_settings_refuse_to_start_naming_it():
    result = _run([sys.executable, "manage.py", "check"], DEBUG="false")
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def test_debug_starts_without_secret_key():
    result = _run([sys.executable, "manage.py", "check"], DEBUG="true")
    assert result.returncode == 0, result.stderr


def test_the_readme_production_settings_pass_check_deploy_without_a_warning():
    env = readme_production_settings()
    assert env["HTTPS"] == "true" and env["DEBUG"] == "false"
    env["SECRET_KEY"] = KEY  # the README's placeholder stands for a key like this one
    result = _run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_without_https_check_deploy_names_what_is_missing():
    # The same check, the same settings but HTTPS: it does see the gaps (so the test above is not vacuous).
    env = {**readme_production_settings(), "HTTPS": "false", "SECRET_KEY": KEY}
    result = _run([sys.executable, "manage.py", "check", "--deploy"], **env)
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stdout + result.stderr


CLIENT_SCRIPT = """
import django
django.setup()
from django.test import Client
client = Client()
plain = client.get("/admin/login/")
print("plain", plain.status_code, plain.headers.get("Location"))
secure = client.get("/admin/login/", headers={"X-Forwarded-Proto": "https"})
print("secure", secure.status_code, secure.headers.get("Strict-Transport-Security"))
for name, morsel in secure.cookies.items():
    print("cookie", name, bool(morsel["secure"]), bool(morsel["httponly"]))
"""


def test_https_redirects_sends_hsts_and_marks_cookies_secure_and_httponly():
    env = {"SECRET_KEY": KEY, "HTTPS": "true", "ALLOWED_HOSTS": "testserver"}
    out = _run([sys.executable, "-c", CLIENT_SCRIPT], **env)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "plain 301 https://testserver/admin/login/" in lines
    assert "secure 200 max-age=31536000; includeSubDomains; preload" in lines
    assert "cookie csrftoken True True" in lines


def test_without_https_the_same_request_is_served_over_http():
    out = _run([sys.executable, "-c", CLIENT_SCRIPT], SECRET_KEY=KEY, ALLOWED_HOSTS="testserver")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "plain 200 None" in lines
    assert "cookie csrftoken False True" in lines
