"""A process killed in the middle of an import leaves the database as it was.

The import runs in a real ``carnet`` process on a database of its own (a SQLite file in a
temporary data dir, or a temporary PostgreSQL database on the test server), is killed
with SIGKILL while it writes, and the database is then read back.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from .helpers import csv_bytes

CARNET = [sys.executable, "-m", "carnet"]


def _carnet(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CARNET, *args], env=env, capture_output=True, text=True, check=True)


@pytest.fixture
def own_database(tmp_path):
    """The environment of a ``carnet`` process with its own empty, migrated database."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = {
        **os.environ,
        "CARNET_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "carnet.settings",
    }
    env.pop("DATABASE_URL", None)
    database = settings.DATABASES["default"]
    dropped = None
    if database["ENGINE"] == "django.db.backends.postgresql":
        import psycopg

        name = f"carnet_kill_{uuid.uuid4().hex[:10]}"
        params = {
            "host": database["HOST"] or "127.0.0.1",
            "port": database["PORT"] or 5432,
            "user": database["USER"],
            "password": database["PASSWORD"] or None,
            "dbname": "postgres",
            "autocommit": True,
        }
        with psycopg.connect(**params) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
        env["DATABASE_URL"] = (
            f"postgres://{database['USER']}{password}@{params['host']}:{params['port']}/{name}"
        )
        dropped = (params, name)
    _carnet(env, "migrate")
    _carnet(
        env,
        "org",
        "create",
        "kill",
        "--name",
        "Kill SARL",
        "--admin",
        "k@kill.fr",
        "--password",
        "kill-password-1",
    )
    yield env, data_dir
    if dropped is not None:
        import psycopg

        params, name = dropped
        with psycopg.connect(**params) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _counts(env: dict[str, str], data_dir: Path) -> dict[str, int]:
    script = (
        "import django, json; django.setup()\n"
        "from django.db import connection\n"
        "tables = ['clients_client', 'core_changerecord', 'addresses_address',\n"
        "          'imports_importrow']\n"
        "out = {}\n"
        "with connection.cursor() as c:\n"
        "    for t in tables:\n"
        "        c.execute(f'SELECT COUNT(*) FROM {t}')\n"
        "        out[t] = c.fetchone()[0]\n"
        "    if connection.vendor == 'sqlite':\n"
        "        c.execute(\"SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'\")\n"
        "        out['triggers'] = c.fetchone()[0]\n"
        "        c.execute('PRAGMA integrity_check')\n"
        "        out['integrity'] = c.fetchone()[0] == 'ok'\n"
        "print(json.dumps(out))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def _wait_for_writing(
    data_dir: Path, process: subprocess.Popen[bytes], timeout: float = 120
) -> None:
    """Until the import has written a few thousand rows of its transaction."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the import ended before it could be killed"
        for path in (data_dir / "jobs").glob("*.json"):
            try:
                snapshot = json.loads(path.read_text())
            except ValueError:
                continue
            if snapshot.get("phase") == "commit" and snapshot.get("done", 0) >= 3000:
                return
        time.sleep(0.05)
    raise AssertionError("the import never got to writing")


def test_a_killed_import_leaves_nothing_behind(own_database, tmp_path):
    env, data_dir = own_database
    small = tmp_path / "small.csv"
    small.write_bytes(
        csv_bytes(
            [["Nom", "Adresse", "Code postal", "Ville"], ["Déjà là", "1 rue", "75001", "Paris"]]
        )
    )
    _carnet(env, "import", "clients", str(small), "--org", "kill")
    before = _counts(env, data_dir)
    assert before["clients_client"] == 1
    rows = [["Nom", "E-mail", "Adresse", "Code postal", "Ville"]]
    rows += [
        [f"Client {i}", f"c{i}@exemple.fr", f"{i} rue", "75001", "Paris"] for i in range(40_000)
    ]
    big = tmp_path / "big.csv"
    big.write_bytes(csv_bytes(rows))
    process = subprocess.Popen(
        [*CARNET, "import", "clients", str(big), "--org", "kill", "--quiet"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_writing(data_dir, process)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    after = _counts(env, data_dir)
    assert after == before
    if "triggers" in after:
        assert after["integrity"]
    # And the next import works, search index included.
    _carnet(env, "import", "clients", str(small), "--org", "kill", "--no-key")
    assert _counts(env, data_dir)["clients_client"] == before["clients_client"] + 1
    if "DATABASE_URL" not in env:
        database = sqlite3.connect(data_dir / "carnet.sqlite3")
        hits = database.execute(
            "SELECT COUNT(*) FROM clients_client_fts WHERE clients_client_fts MATCH '\"deja\"'"
        ).fetchone()[0]
        assert hits == 2
