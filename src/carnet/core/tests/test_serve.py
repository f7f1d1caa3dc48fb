"""``carnet serve`` really serves: gunicorn, the pages, and the static files."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings

from carnet.server import static_files_are_stale

STARTUP_SECONDS = 90


def production_env(data_dir: Path) -> dict[str, str]:
    """The environment of a fresh install: production settings, SQLite in ``data_dir``."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CARNET_DEBUG"}}
    env.update(
        DJANGO_SETTINGS_MODULE="carnet.settings",
        CARNET_DATA_DIR=str(data_dir),
        PYTHONUNBUFFERED="1",
    )
    return env


def carnet(
    *args: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "carnet", *args],
        env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str], Path]]:
    env = production_env(tmp_path)
    migrated = carnet("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "carnet", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"carnet serve exited early:\n{process.stdout.read()}")  # type: ignore[union-attr]
            try:
                fetch(f"{base}/login/")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail(f"carnet serve did not answer within {STARTUP_SECONDS} s")
                time.sleep(0.3)
        yield base, process, tmp_path
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def test_it_serves_pages_and_static_files_with_gunicorn(server: Any) -> None:
    base, process, data_dir = server

    status, headers, body = fetch(f"{base}/login/")
    assert status == 200
    assert "gunicorn" in headers.get("Server", "").lower()
    assert b"<form" in body
    assert fetch(f"{base}/api/v1/openapi.json")[0] == 200
    assert fetch(f"{base}/api/v1/clients")[0] == 401

    # Static files: collected at start-up into the data dir, served by WhiteNoise.
    status, headers, body = fetch(f"{base}/static/django_htmx/htmx-2.min.js")
    assert status == 200
    assert "javascript" in headers["Content-Type"]
    assert b"htmx" in body
    manifest = json.loads((data_dir / "static" / "staticfiles.json").read_text())
    status, headers, _body = fetch(
        f"{base}/static/{manifest['paths']['django_htmx/htmx-2.min.js']}"
    )
    assert status == 200
    assert "immutable" in headers["Cache-Control"]
    assert fetch(f"{base}/static/nothing-here.js")[0] == 404

    # A graceful stop, with the address announced and every request logged.
    process.send_signal(signal.SIGTERM)
    output = process.communicate(timeout=30)[0]
    assert process.returncode == 0
    assert f"Carnet est en ligne : {base}" in output
    assert '"GET /login/ HTTP/1.1" 200' in output
    assert '"GET /static/nothing-here.js HTTP/1.1" 404' in output


def test_it_refuses_to_serve_a_database_that_is_not_migrated(tmp_path: Path) -> None:
    result = carnet("serve", "--port", str(free_port()), env=production_env(tmp_path), timeout=60)

    assert result.returncode == 1
    assert "lancez d'abord « carnet migrate »" in result.stderr
    assert "Traceback" not in result.stderr


def test_it_refuses_a_bad_port(tmp_path: Path) -> None:
    result = carnet("serve", "--port", "99999", env=production_env(tmp_path), timeout=60)

    assert result.returncode == 2
    assert "65535" in result.stderr


def test_it_collects_static_files_only_when_they_changed(tmp_path: Path) -> None:
    manifest_storage = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=manifest_storage, DEBUG=False):
        assert static_files_are_stale()

        call_command("collectstatic", interactive=False, verbosity=0)
        assert not static_files_are_stale()

        manifest = tmp_path / "staticfiles.json"
        content = json.loads(manifest.read_text())
        del content["paths"]["django_htmx/htmx-2.min.js"]
        manifest.write_text(json.dumps(content))
        assert static_files_are_stale()
