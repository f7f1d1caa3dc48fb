"""Django settings for Carnet.

Everything is configured through optional environment variables (see README):
``CARNET_DATA_DIR``, ``DATABASE_URL``, ``CARNET_SECRET_KEY``, ``CARNET_DEBUG``,
``CARNET_ALLOWED_HOSTS``, ``CARNET_MAX_UPLOAD_MB``, ``CARNET_MAX_IMPORT_MB``, ``CARNET_JOBS``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("CARNET_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """The configured key, else one generated once and kept in the data dir."""
    configured = os.environ.get("CARNET_SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _truthy(os.environ.get("CARNET_DEBUG"))
ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("CARNET_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
    if host.strip()
]
CSRF_TRUSTED_ORIGINS = [f"http://{h}" for h in ALLOWED_HOSTS] + [
    f"https://{h}" for h in ALLOWED_HOSTS
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves the API docs' Swagger UI from its own static files, not a CDN
    "carnet.core",
    "carnet.accounts",
    "carnet.clients",
    "carnet.addresses",
    "carnet.contacts",
    "carnet.files",
    "carnet.customfields",
    "carnet.jobs",
    "carnet.imports",
    "carnet.duplicates",
    "carnet.banking",
    "carnet.payments",
    "carnet.sales",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "carnet.core.middleware.LanguageMiddleware",
    "carnet.core.problems.ProblemDetailsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "carnet.accounts.middleware.OrganizationMiddleware",
]

ROOT_URLCONF = "carnet.urls"
WSGI_APPLICATION = "carnet.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "carnet.accounts.context_processors.organization",
            ],
        },
    },
]

DEFAULT_SQLITE_URL = f"sqlite:///{DATA_DIR / 'carnet.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or DEFAULT_SQLITE_URL, conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, waiting for the write lock in turn (see its docstring).
    DATABASES["default"]["ENGINE"] = "carnet.core.sqlite"
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at
        # BEGIN so that concurrent writers wait instead of failing mid-transaction.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA busy_timeout=20000; PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "clients:list"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("Anglais"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "files")},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Uploaded client files: the size limit of one file, in MB (CARNET_MAX_UPLOAD_MB, 20 by
# default). Files above 2.5 MB stream to a temporary file rather than memory; form fields
# stay small, and one request carries a bounded number of files.
_max_upload_mb = os.environ.get("CARNET_MAX_UPLOAD_MB", "20").strip()
if not (_max_upload_mb.isascii() and _max_upload_mb.isdigit() and int(_max_upload_mb) > 0):
    raise ValueError(
        f"CARNET_MAX_UPLOAD_MB must be a positive whole number of MB, not {_max_upload_mb!r}"
    )
CARNET_MAX_UPLOAD_MB = int(_max_upload_mb)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 20

# Where background jobs (large imports and exports) run: "thread" in the process that
# created them (the default), "worker" in `carnet jobs work` processes, "inline" at once.
CARNET_JOBS = os.environ.get("CARNET_JOBS", "thread").strip() or "thread"
if CARNET_JOBS not in {"thread", "worker", "inline"}:
    raise ValueError(f"CARNET_JOBS must be thread, worker or inline, not {CARNET_JOBS!r}")

# Client files to import: the size limit of one file, in MB (CARNET_MAX_IMPORT_MB).
_max_import_mb = os.environ.get("CARNET_MAX_IMPORT_MB", "250").strip()
if not (_max_import_mb.isascii() and _max_import_mb.isdigit() and int(_max_import_mb) > 0):
    raise ValueError(
        f"CARNET_MAX_IMPORT_MB must be a positive whole number of MB, not {_max_import_mb!r}"
    )
CARNET_MAX_IMPORT_MB = int(_max_import_mb)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"carnet": {"level": "INFO"}},
}

CARNET_PAGE_SIZE = 50
