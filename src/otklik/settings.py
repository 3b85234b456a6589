"""Otklik settings: one module, every knob from the environment (see README "Configuration").

Nothing here opens a connection or reads the database; it only reads the environment and
the data directory (where a generated secret key is kept on the first run).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from otklik.core.clientaddr import parse_networks
from otklik.notify.emailurl import parse_email_timeout, parse_email_url

BASE_DIR = Path(__file__).resolve().parent


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise SystemExit(f"{name}={value!r} is not a whole number") from exc


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return float(value)
    except ValueError as exc:
        raise SystemExit(f"{name}={value!r} is not a number") from exc


_Parsed = TypeVar("_Parsed")  # not upper case: Django takes every upper-case name here for a setting


def _env_email(parse: Callable[[str], _Parsed], name: str, default: str) -> _Parsed:
    """A parsed e-mail setting; a bad one stops the start with one line naming it (never a traceback,
    never the password: the parser's message leaves it out)."""
    try:
        return parse(os.environ.get(name, "").strip() or default)
    except ImproperlyConfigured as exc:
        raise SystemExit(str(exc)) from None


DATA_DIR = Path(os.environ.get("OTKLIK_DATA_DIR") or Path.cwd() / "var").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    from_env = os.environ.get("OTKLIK_SECRET_KEY", "").strip()
    if from_env:
        return from_env
    path = DATA_DIR / "secret_key"
    if not path.exists():
        # Written once, readable only by the owner, so sessions survive restarts. Several processes
        # may start at once (a web server and workers): each writes its own file, and the first to
        # link it into place wins, so nobody ever reads a half-written or second key.
        tmp = DATA_DIR / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("OTKLIK_DEBUG")


def _default_base_url() -> str:
    """Where `otklik serve` listens (OTKLIK_ADDR), so links in notifications work out of the box;
    a wildcard address is reached through the loopback. Behind a proxy set OTKLIK_BASE_URL."""
    host, _, port = os.environ.get("OTKLIK_ADDR", "127.0.0.1:8000").rpartition(":")
    host = host.strip("[]")
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 (a wildcard is mapped to the loopback, not bound)
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port or '8000'}"


BASE_URL = os.environ.get("OTKLIK_BASE_URL", _default_base_url()).rstrip("/")
_base_host = urlsplit(BASE_URL).hostname or "127.0.0.1"
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("OTKLIK_ALLOWED_HOSTS", f"{_base_host},127.0.0.1,localhost,[::1]").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("OTKLIK_CSRF_TRUSTED_ORIGINS", BASE_URL).split(",") if o.strip()
]
if BASE_URL.startswith("https://"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "otklik.runtime.admin_site.AdminConfig",  # django.contrib.admin: sections in set-up order, declined model names
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # In INSTALLED_APPS so the API docs use ninja's bundled Swagger UI, not a CDN.
    "ninja",
    "otklik.core",
    "otklik.runtime",
    "otklik.accounts",
    "otklik.catalog",
    "otklik.routes",
    "otklik.tickets",
    "otklik.sla",
    "otklik.regulation",
    "otklik.notify",
    "otklik.feedback",
    "otklik.complaints",
    "otklik.quality",
    "otklik.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "otklik.core.middleware.BodySizeLimitMiddleware",
    "otklik.core.middleware.ApiErrorShapeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "otklik.accounts.middleware.UserLanguageMiddleware",
    # After the language is known (the 400 page speaks the person's), before any view reads the input.
    "otklik.core.middleware.UnstorableInputMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Inside the messages: after an admin's save, which regulation version it published (if any).
    "otklik.regulation.admin_messages.PublicationMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "otklik.runtime.urls"
# The live stream's process (otklik.asgi_stream) serves one URL: it loads no admin (whose
# autodiscovery imports every admin module) and no API framework (ninja, pydantic).
STREAM_PROCESS = os.environ.get("OTKLIK_PROCESS") == "stream"
if STREAM_PROCESS:
    INSTALLED_APPS = [a for a in INSTALLED_APPS if a not in ("otklik.runtime.admin_site.AdminConfig", "ninja")]
    ROOT_URLCONF = "otklik.runtime.stream_urls"
    # Who is asking and in which language; nothing that renders the site's pages or the admin's
    # messages (the stream answers JSON only, and refuses unstorable input itself).
    MIDDLEWARE = [
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.locale.LocaleMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "otklik.accounts.middleware.UserLanguageMiddleware",
    ]
WSGI_APPLICATION = "otklik.wsgi.application"
ASGI_APPLICATION = "otklik.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Before the apps' own: Django admin templates Otklik words differently (core/adminwords.py).
        "DIRS": [BASE_DIR / "core" / "templates"],
        "OPTIONS": {
            # Django's cached loader; constant translations and static URLs rendered once per language.
            "loaders": [
                (
                    "otklik.core.templatefold.Loader",
                    ["django.template.loaders.filesystem.Loader", "django.template.loaders.app_directories.Loader"],
                )
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "otklik.web.context.frame",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------
_default_db_url = f"sqlite:///{DATA_DIR / 'otklik.sqlite3'}"
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip() or _default_db_url
try:
    _db = dj_database_url.parse(DATABASE_URL)
except Exception as exc:
    raise SystemExit(f"DATABASE_URL={DATABASE_URL!r} is not a database URL: {exc}") from exc

if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at
        # BEGIN so two writers queue on busy_timeout instead of failing an upgrade.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 10,
    }
elif _db["ENGINE"] == "django.db.backends.postgresql":
    # Under ASGI every request runs its sync code in a fresh thread, so per-thread persistent
    # connections would never be reused: a process-wide psycopg pool is what makes them cheap.
    _db.setdefault("OPTIONS", {})
    # The planner's price of a random page read, for our sessions: PostgreSQL's default (4) assumes
    # spinning disks; on SSDs or a cached database 1.1 is the usual setting, and with 4 the planner
    # walked the whole primary key for an executor's open requests instead of their index (24,000
    # rows for 26 on the bench: 15 ms against 0.3 on every agent's workspace). Empty: the server's.
    _page_cost = os.environ.get("OTKLIK_DB_RANDOM_PAGE_COST", "1.1").strip()
    if _page_cost:
        try:
            _page_cost_value = float(_page_cost)
        except ValueError:
            raise SystemExit(f"OTKLIK_DB_RANDOM_PAGE_COST={_page_cost!r} is not a number") from None
        if not 0 < _page_cost_value <= 100:
            raise SystemExit(f"OTKLIK_DB_RANDOM_PAGE_COST={_page_cost!r}: between 0 and 100, please")
        _db["OPTIONS"]["options"] = f"-c random_page_cost={_page_cost_value:g}"
    _db["CONN_MAX_AGE"] = 0
    _db["CONN_HEALTH_CHECKS"] = True
    if not _env_bool("OTKLIK_DB_POOL", True):
        # A WSGI server keeps each worker's thread, so per-thread persistent connections work.
        _db["CONN_MAX_AGE"] = _env_int("OTKLIK_DB_CONN_MAX_AGE", 300)
    else:
        _db["OPTIONS"]["pool"] = {
            "min_size": _env_int("OTKLIK_DB_POOL_MIN", 2),
            "max_size": _env_int("OTKLIK_DB_POOL_MAX", 20),
            "timeout": 10,
        }
else:
    raise SystemExit(f"DATABASE_URL={DATABASE_URL!r}: only sqlite:// and postgres:// are supported")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) serve PostgreSQL; SQLite builds them without the extra columns, which
# is all it needs. Django would warn about that on every command.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_USER_MODEL = "accounts.User"
# Django's model backend and database sessions, each with its every-page read compiled once
# (accounts/backends.py, accounts/sessions.py; sessions signed in through Django's own backend
# before it go on with this one).
AUTHENTICATION_BACKENDS = ["otklik.accounts.backends.Backend"]
SESSION_ENGINE = "otklik.accounts.sessions"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/login"
LOGIN_REDIRECT_URL = "/"

# --- i18n -----------------------------------------------------------------------------
LANGUAGE_CODE = os.environ.get("OTKLIK_LANGUAGE", "ru")
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("OTKLIK_TIME_ZONE", "Europe/Moscow")
# Dates as each language writes them (07.12.2026 14:05; 7 Dec 2026, 14:05): core/dates.py uses them.
FORMAT_MODULE_PATH = ["otklik.core.formats"]
USE_TZ = True

# --- files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "files"
MAX_ATTACHMENT_BYTES = _env_int("OTKLIK_MAX_ATTACHMENT_MB", 20) * 1024 * 1024
# Uploads above this are streamed to a temporary file rather than held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- limits ---------------------------------------------------------------------------
MAX_SUBJECT_LENGTH = 200
MAX_TEXT_LENGTH = _env_int("OTKLIK_MAX_TEXT_LENGTH", 20_000)
# Complaints one person may file in any 24 hours (abuse guard; 0: no limit).
COMPLAINTS_PER_DAY = max(0, _env_int("OTKLIK_COMPLAINTS_PER_DAY", 5))
API_PAGE_SIZE_MAX = 100
# How long a verified API token is remembered in one process (0: look it up every time).
TOKEN_CACHE_SECONDS = _env_float("OTKLIK_TOKEN_CACHE_SECONDS", 5.0)

# --- e-mail ---------------------------------------------------------------------------
# Parsed once here: a bad OTKLIK_EMAIL_URL stops the start with a message naming it (never showing
# the password). The URL itself is not kept as a setting: Django's debug page would show it.
_email = _env_email(parse_email_url, "OTKLIK_EMAIL_URL", "console://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = _env_email(parse_email_timeout, "OTKLIK_EMAIL_TIMEOUT", "")
DEFAULT_FROM_EMAIL = os.environ.get("OTKLIK_EMAIL_FROM", "").strip() or f"Otklik <otklik@{_base_host}>"
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# How long a worker holds the notifications it claimed: a worker that dies leaves them to the
# others for this long. Longer than a batch can take to send (200 × the e-mail timeout at worst).
NOTIFY_LEASE_SECONDS = max(5, _env_int("OTKLIK_NOTIFY_LEASE_SECONDS", 120))
# Attempts for the channels without carriers (in-app, e-mail, calendar tasks); carriers set their own.
NOTIFY_MAX_ATTEMPTS = max(1, _env_int("OTKLIK_NOTIFY_MAX_ATTEMPTS", 5))
# How often an idle worker looks for due work. On PostgreSQL a committed transaction that queues
# notifications wakes the workers at once (LISTEN/NOTIFY); this is the fallback.
WORKER_POLL_SECONDS = max(0.1, _env_float("OTKLIK_WORKER_POLL_SECONDS", 1.0))
# Webhooks and SMS / messenger gateways may not reach internal addresses (loopback, private,
# link-local and cloud metadata …) unless listed here: comma-separated host names, IPs or CIDRs
# (e.g. "sms-gw.corp.local,10.0.5.0/24"). See otklik.core.outbound.
OUTBOUND_ALLOW = [s.strip() for s in os.environ.get("OTKLIK_OUTBOUND_ALLOW", "").split(",") if s.strip()]
# Reverse proxies whose X-Forwarded-For names the client (comma-separated IPs or CIDRs, e.g.
# "127.0.0.1,10.0.0.0/8"): limits per address (sign-in, notifier pairing) use the client's address,
# not the proxy's. Empty: the header is ignored. See otklik.core.clientaddr.
TRUSTED_PROXIES = [s.strip() for s in os.environ.get("OTKLIK_TRUSTED_PROXIES", "").split(",") if s.strip()]
try:
    parse_networks(TRUSTED_PROXIES)
except ImproperlyConfigured as _exc:
    raise SystemExit(str(_exc)) from None
# An SMS is cut to this many characters (one GSM-7 segment is 160, one UCS-2 segment 70).
SMS_MAX_LENGTH = max(10, _env_int("OTKLIK_SMS_MAX_LENGTH", 160))

# --- security -------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # Rating links (/feedback/<token>) rate without signing in: no log keeps a whole token.
    "filters": {
        "mask_tokens": {"()": "otklik.core.logmask.MaskTokens"},
        # A refused request (4xx) as one line, `GET /path 403 user=NAME`, never a traceback.
        "request_line": {"()": "otklik.core.requestlog.RequestLine"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_tokens"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("OTKLIK_LOG_LEVEL", "INFO")},
    "loggers": {
        # Replaces Django's own console handler (DEBUG only, no filter), which printed whole tokens.
        "django": {"handlers": ["console"], "level": os.environ.get("OTKLIK_LOG_LEVEL", "INFO"), "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # "Not Found: /feedback/…" and the like, masked where they are logged (whatever handles them).
        "django.request": {"filters": ["request_line", "mask_tokens"]},
        "django.security": {"filters": ["mask_tokens"]},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False, "filters": ["mask_tokens"]},
    },
}

# A fixed "now" for the whole application (tests and demos only; needs OTKLIK_DEBUG=1).
OTKLIK_NOW = os.environ.get("OTKLIK_NOW", "").strip() or None
if OTKLIK_NOW and not DEBUG:
    raise SystemExit("OTKLIK_NOW is for tests and demos only: set OTKLIK_DEBUG=1 as well")

# --- the live stream (Server-Sent Events) -------------------------------------------------
# GET /api/v1/notifications/stream is served by an ASGI process (uvicorn, a child of `otklik serve`),
# so open streams never hold a sync web worker; the web server answers that path with 307 to STREAM_URL.
_web_host, _colon, _web_port = os.environ.get("OTKLIK_ADDR", "127.0.0.1:8000").rpartition(":")
STREAM_ADDR = os.environ.get("OTKLIK_STREAM_ADDR", "").strip() or (
    f"{_web_host or '127.0.0.1'}:{int(_web_port) + 1 if _web_port.isdigit() else 8001}"
)
_stream_port = STREAM_ADDR.rpartition(":")[2]
_base_netloc = f"[{_base_host}]" if ":" in _base_host else _base_host
STREAM_URL = (
    os.environ.get("OTKLIK_STREAM_URL", "").strip() or f"{urlsplit(BASE_URL).scheme}://{_base_netloc}:{_stream_port}"
).rstrip("/")
STREAM_MAX_CONNECTIONS = max(1, _env_int("OTKLIK_STREAM_MAX_CONNECTIONS", 1000))
STREAM_PING_SECONDS = max(0.1, _env_float("OTKLIK_STREAM_PING_SECONDS", 15.0))
# How often a stream process looks for new deliveries; on PostgreSQL a NOTIFY makes it look at once.
STREAM_POLL_SECONDS = max(
    0.05, _env_float("OTKLIK_STREAM_POLL_SECONDS", 0.5 if _db["ENGINE"].endswith("sqlite3") else 2.0)
)
# The longest a transaction writing notifications may take to commit (and the clock skew between
# workers) for the stream still to send every row; at least a few polls.
STREAM_LOOKBACK_SECONDS = max(5.0, 4 * STREAM_POLL_SECONDS, _env_float("OTKLIK_STREAM_LOOKBACK_SECONDS", 60.0))
