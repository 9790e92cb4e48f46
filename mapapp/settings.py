"""Settings for Frontline Atlas, read from environment variables.

Every variable is listed in README.md. Each is read through a small typed helper that fails loudly on a
value it cannot understand, so a typo in production stops the start instead of silently using a default.
"""

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_HASHES
from django.core.exceptions import ImproperlyConfigured

from mapapp.lib.params import parse_bool

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return parse_bool(raw.strip().lower())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected one of true/false/1/0/yes/no/on/off") from None


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r}: expected an integer") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        # No fallback: a key in the repository or a file the app reads would sign every session and password
        # reset with a key others can know. `make run` makes a random one under var/ and passes it in.
        raise ImproperlyConfigured(
            "SECRET_KEY is not set: set the SECRET_KEY environment variable (`make run` makes one in "
            "var/secret_key), or DEBUG=true for a local run"
        )
    # DEBUG only: a key made for this process, so sessions do not outlive a restart.
    SECRET_KEY = secrets.token_urlsafe(50)

# HTTPS=true: the site is served over HTTPS, through a proxy that terminates TLS and sets X-Forwarded-Proto
# (README, "Running in production"). Everything `check --deploy` asks for follows from it.
HTTPS = env_bool("HTTPS", False)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    # The proxy must set (and overwrite) X-Forwarded-Proto; only then may Django trust it to say "https".
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
# The editor's scripts read the CSRF token from the page's form field (static/js/editor/common.js), never from
# the cookie, so no script needs to read either cookie.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "leaflet",
    "simple_history",
    "csp",
    "axes",
    "django_tasks",
    "django_tasks.backends.database",
    "gazetteer",
    "mapapp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before the CSP: a policy governs documents, and a static file's (a script, a stylesheet) is never read; it
    # was a third of each static answer's headers, 11 KB of a cold map's 40 requests.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "mapapp.middleware.DatabaseBusyMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "mapapp.middleware.QueryLanguageMiddleware",
    "mapapp.middleware.PublicReadCorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # After CsrfViewMiddleware, so it sees whether this answer carries a CSRF token (never compressed: BREACH).
    "mapapp.compression.CompressionMiddleware",
    # Public reads go to the replica when DATABASE_REPLICA_URL is set (mapapp/routers.py).
    "mapapp.routers.ReplicaReadsMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Inside CompressionMiddleware: it cuts the identity body, and compression leaves Range requests alone.
    "mapapp.ranges.RangeMiddleware",
    # Inside the ranges: ?as_of= and the publication delay remake the answer, which ranges then cut.
    "mapapp.asof.AsOfMiddleware",
    # Innermost but for axes: its hook runs once the URL is resolved, and serves a kept view's repeated answers as
    # bytes (mapapp/answers.py); the outer middleware add their headers to both paths alike.
    "mapapp.answers.KeptAnswersMiddleware",
    # Last, as django-axes asks: it answers a locked-out login with its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mapapp.urls"
WSGI_APPLICATION = "mapapp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SpatiaLite by default (a file under var/); DATABASE_URL=postgis://user:pass@host:port/name for PostGIS.
DATABASE_URL = env_str("DATABASE_URL", "")
if not DATABASE_URL:
    (BASE_DIR / "var").mkdir(exist_ok=True)
    DATABASE_URL = f"spatialite:///{BASE_DIR / 'var' / 'frontline.sqlite3'}"
if DATABASE_URL.split(":", 1)[0] not in ("spatialite", "postgis"):
    raise ImproperlyConfigured(
        f"DATABASE_URL={DATABASE_URL!r}: use spatialite:///path/to/file.sqlite3 or postgis://user:pass@host/name"
    )
# Connections are kept (60 s by default) and checked before reuse: a new PostgreSQL connection costs a connect and
# PostGIS's load in the new backend, a new SpatiaLite one the extension's load, each more than a kept answer.
DATABASE_CONN_MAX_AGE = env_int("DATABASE_CONN_MAX_AGE", 60)
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=DATABASE_CONN_MAX_AGE, conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"].endswith("spatialite"):
    # IMMEDIATE: a transaction takes the write lock when it begins, so two concurrent writers queue (up to the
    # timeout) instead of one failing with "database is locked" when it upgrades a read lock. WAL: readers never
    # wait for a writer nor block one (synchronous=NORMAL is durable in WAL but for the last commits on power
    # loss, never corrupt). A writer still waiting after SQLITE_BUSY_TIMEOUT seconds answers 503 with
    # Retry-After (mapapp.middleware.DatabaseBusyMiddleware); the README says when to move to PostGIS.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    )
    # The test database is a file beside it, not SQLite's shared-cache memory database, whose table locks fail
    # at once instead of waiting: concurrent tests then meet the locking production has.
    _db_file = Path(DATABASES["default"]["NAME"])
    DATABASES["default"].setdefault("TEST", {}).setdefault("NAME", str(_db_file.with_name(f"test-{_db_file.name}")))
# A streaming replica of the primary (PostGIS) for the public reads; mapapp/routers.py says which reads.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    if not DATABASES["default"]["ENGINE"].endswith("postgis") or not DATABASE_REPLICA_URL.startswith("postgis:"):
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL and itself to be postgis://... URLs")
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=DATABASE_CONN_MAX_AGE, conn_health_checks=True
    )
    # Tests see the primary through this alias too (a replica cannot be written to make a test database).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["mapapp.routers.ReplicaRouter"]

# Shared by every app server when CACHE_URL=redis://host:port/db (Django's Redis cache); otherwise each process
# has its own memory cache, which is right for one app server.
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif CACHE_URL in ("", "locmem://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured(f"CACHE_URL={CACHE_URL!r}: use redis://host:port/db or leave it empty")

# Background jobs (mapapp.services.jobs): queued in the database, run by `manage.py db_worker` beside the web
# server (make run, scripts/cluster.sh, deploy/frontline-atlas-worker.service).
TASKS = {"default": {"BACKEND": "django_tasks.backends.database.DatabaseBackend"}}
# A running job's progress and a cancel request travel through this cache, not the database: an import holds
# its transaction (on SQLite, the one write lock) until it ends, so a row written beside it could be neither
# seen nor written. Redis when CACHE_URL is (shared by every app server), else files every local process reads.
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES["jobs"] = {**CACHES["default"], "KEY_PREFIX": "jobs"}
else:
    CACHES["jobs"] = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(BASE_DIR / "var" / "cache" / "jobs"),
    }

# Debian 12 ships GDAL 3.6, which cannot block file/network access from spatial references (needs 3.9);
# imports read only files an editor uploads, and we say so in the README.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]
SPATIALITE_LIBRARY_PATH = env_str("SPATIALITE_LIBRARY_PATH", "mod_spatialite")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ar", "العربية")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "staticfiles")))
# Serve straight from static/ too, so a fresh checkout (and the test server) needs no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# STATIC_MANIFEST=true (make run, make cluster, deploy/): the files collectstatic wrote, under content-hashed
# names cached for a year, with gzip and brotli copies. Off by default, so tests and `make dev` serve static/
# as it is now, never a stale copy from an earlier collectstatic.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "mapapp.staticstorage.ManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

LOGIN_URL = "/admin/login/"

# The largest GIS file `import_places` (without --max-size) and the admin's place import accept, in MB: a 49 MB
# GeoJSON already takes about 100 s and 1 GB to read.
IMPORT_MAX_MB = env_int("IMPORT_MAX_MB", 50)

# Days a write-API token made by `manage.py api_tokens --create` (or create_api_token) stays valid.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90)

# Login lockout (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one username from one address, that
# pair is refused (429) for LOGIN_LOCKOUT_MINUTES, or until a reviewer deletes the attempt in the admin
# (Axes > Access attempts) or runs `manage.py axes_reset_username USERNAME`.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "mapapp.errors.login_locked_out"

# Per-client limits (mapapp.lib.ratelimit; 0 turns one off): bad API tokens and POST /api/v1/places/match a
# minute, pictures drawn (not read from the cache) a minute, GIS file uploads to the import page an hour.
RATE_LIMIT_TOKEN_FAILURES = env_int("RATE_LIMIT_TOKEN_FAILURES", 10)
RATE_LIMIT_PLACES_MATCH = env_int("RATE_LIMIT_PLACES_MATCH", 30)
RATE_LIMIT_PICTURES = env_int("RATE_LIMIT_PICTURES", 30)
RATE_LIMIT_FILMS = env_int("RATE_LIMIT_FILMS", 10)
RATE_LIMIT_IMPORTS = env_int("RATE_LIMIT_IMPORTS", 20)

# The most points a place's footprint keeps: a bigger one is simplified on save (topology kept), and the editor
# is told so.
FOOTPRINT_MAX_VERTICES = env_int("FOOTPRINT_MAX_VERTICES", 5_000)

# The longest texts the record takes (characters), refused with a message naming the field above them.
CHANGE_NOTE_MAX_CHARS = env_int("CHANGE_NOTE_MAX_CHARS", 20_000)
SOURCE_QUOTE_MAX_CHARS = env_int("SOURCE_QUOTE_MAX_CHARS", 5_000)
# Events suggested for linking to a control change: within this many km of its ground and days of its date.
EVENT_LINK_KM = env_int("EVENT_LINK_KM", 10)
EVENT_LINK_DAYS = env_int("EVENT_LINK_DAYS", 3)

# Server-drawn map pictures (/embed/<slug>/image.png) are cached here as files, one folder per map data version.
EMBED_IMAGE_CACHE_DIR = Path(env_str("EMBED_IMAGE_CACHE_DIR", str(BASE_DIR / "var" / "cache" / "embed-images")))
# Their total size: above it, the least recently used pictures are removed after each new one is drawn.
EMBED_IMAGE_CACHE_MB = env_int("EMBED_IMAGE_CACHE_MB", 200)
# Films readers ask for in the Share / Embed dialog (mapapp/services/films.py): one folder per map data version.
FILM_CACHE_DIR = Path(env_str("FILM_CACHE_DIR", str(BASE_DIR / "var" / "cache" / "films")))
# Their total size: above it, the least recently downloaded films are removed after each new one is made.
FILM_CACHE_MB = env_int("FILM_CACHE_MB", 2000)

# The read API's answers, kept as bytes once per map data version (mapapp/answers.py), and their total size.
ANSWER_CACHE_DIR = Path(env_str("ANSWER_CACHE_DIR", str(BASE_DIR / "var" / "cache" / "answers")))
ANSWER_CACHE_MB = env_int("ANSWER_CACHE_MB", 500)

# The basemap. Empty MAP_TILES_URL means no tiles: the map draws zones, labels and the shipped outline and
# river only, which is how tests and offline deployments run. For a real deployment set
# MAP_TILES_URL=https://tile.openstreetmap.org/{z}/{x}/{y}.png and its attribution.
MAP_TILES_URL = env_str("MAP_TILES_URL", "")
MAP_TILES_ATTRIBUTION = env_str("MAP_TILES_ATTRIBUTION", "&copy; OpenStreetMap contributors" if MAP_TILES_URL else "")

LEAFLET_CONFIG = {
    "TILES": [("basemap", MAP_TILES_URL, {"attribution": MAP_TILES_ATTRIBUTION})] if MAP_TILES_URL else [],
    "ATTRIBUTION_PREFIX": "Frontline Atlas",
    "RESET_VIEW": False,
    "NO_GLOBALS": False,
}


# The Content-Security-Policy of every answer (django-csp; docs/contract.md, "Content-Security-Policy"). Scripts and
# styles come from this site only: no inline script, no eval; the few inline <script>s that django-leaflet writes
# carry the request's nonce. Embed pages replace frame-ancestors with the map's own list (mapapp.embed).
def _tiles_origin(url: str) -> list[str]:
    """The basemap's origin for img-src: https://{s}.tile.example/{z}/... -> https://*.tile.example."""
    match = re.match(r"^(https?://)([^/]+)", url)
    if not match:
        return []
    host = re.sub(r"\{[a-z]+\}", "*", match[2])
    return [match[1] + host]


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        # Only simple_history's history page writes a style attribute (style="border-top: 0"): that one, by hash.
        "style-src-attr": [UNSAFE_HASHES, "'sha256-XMXSevYjgSjXgRafBFDvtjwX+yyWLrxfso9DcNZ9UXM='"],
        "img-src": [SELF, "data:", *_tiles_origin(MAP_TILES_URL)],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
