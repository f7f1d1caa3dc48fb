"""Settings for the test suite: the production settings plus the test-only app."""

from carnet.settings import *  # noqa: F403
from carnet.settings import DATA_DIR, DATABASES, INSTALLED_APPS, STATIC_ROOT, STORAGES

INSTALLED_APPS = [*INSTALLED_APPS, "carnet.testing"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"] == "carnet.core.sqlite":
    # A file, not Django's default in-memory database: the browser tests' server thread
    # and the concurrency tests need real connections with WAL and locking.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test_carnet.sqlite3")}

# Tests run without collectstatic: {% static %} must not need the manifest, and
# whitenoise finds the (empty) collected folder it expects.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Background jobs run at once in the test that starts them (inside its transaction); the
# browser journeys switch back to threads.
CARNET_JOBS = "inline"
