"""Settings for the test suite: the production settings plus the test-only app."""

from carnet.settings import *  # noqa: F403
from carnet.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "carnet.testing"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
