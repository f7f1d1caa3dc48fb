"""WSGI entry point, served by gunicorn through ``carnet serve``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carnet.settings")
application = get_wsgi_application()
