"""Trigram search index: FTS5 on SQLite (kept by triggers), pg_trgm GIN on PostgreSQL."""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE clients_client_fts USING fts5("
    "search_text, content='clients_client', content_rowid='id', tokenize='trigram', detail='none')",
    "CREATE TRIGGER clients_client_fts_insert AFTER INSERT ON clients_client BEGIN "
    "INSERT INTO clients_client_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER clients_client_fts_delete AFTER DELETE ON clients_client BEGIN "
    "INSERT INTO clients_client_fts(clients_client_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER clients_client_fts_update AFTER UPDATE OF search_text ON clients_client "
    "WHEN old.search_text IS NOT new.search_text BEGIN "
    "INSERT INTO clients_client_fts(clients_client_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO clients_client_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO clients_client_fts(clients_client_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS clients_client_fts_update",
    "DROP TRIGGER IF EXISTS clients_client_fts_delete",
    "DROP TRIGGER IF EXISTS clients_client_fts_insert",
    "DROP TABLE IF EXISTS clients_client_fts",
]
POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX clients_client_search_trgm ON clients_client "
    "USING gin (search_text gin_trgm_ops)",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS clients_client_search_trgm"]


def forward(apps, schema_editor):
    statements = SQLITE_FORWARD if schema_editor.connection.vendor == "sqlite" else POSTGRES_FORWARD
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    statements = (
        SQLITE_BACKWARD if schema_editor.connection.vendor == "sqlite" else POSTGRES_BACKWARD
    )
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("clients", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
