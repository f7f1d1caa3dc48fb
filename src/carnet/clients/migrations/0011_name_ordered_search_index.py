"""Key the SQLite trigram table by name order.

The FTS5 table becomes contentless, and its rowid is each client's name key
(``carnet.clients.search.name_key``: a code of the first five characters of its sort
name above its id), computed by the ``carnet_name_key`` function the application gives
every SQLite connection. FTS5 returns hits in rowid order, so a search sorted by name reads
them in name order and stops after a page, however many clients contain the term. The
triggers now follow renames too. PostgreSQL is unchanged.
"""

from django.db import migrations

TABLE = "clients_client_fts"
KEY_NEW = "carnet_name_key(new.sort_name, new.id)"
KEY_OLD = "carnet_name_key(old.sort_name, old.id)"

FORWARD = [
    f"DROP TRIGGER IF EXISTS {TABLE}_update",
    f"DROP TRIGGER IF EXISTS {TABLE}_delete",
    f"DROP TRIGGER IF EXISTS {TABLE}_insert",
    f"DROP TABLE IF EXISTS {TABLE}",
    f"CREATE VIRTUAL TABLE {TABLE} USING fts5(search_text, content='', "
    "tokenize='trigram', detail='full')",
    f"CREATE TRIGGER {TABLE}_insert AFTER INSERT ON clients_client BEGIN "
    f"INSERT INTO {TABLE}(rowid, search_text) VALUES ({KEY_NEW}, new.search_text); END",
    f"CREATE TRIGGER {TABLE}_delete AFTER DELETE ON clients_client BEGIN "
    f"INSERT INTO {TABLE}({TABLE}, rowid, search_text) "
    f"VALUES ('delete', {KEY_OLD}, old.search_text); END",
    f"CREATE TRIGGER {TABLE}_update AFTER UPDATE OF search_text, sort_name ON clients_client "
    "WHEN old.search_text IS NOT new.search_text OR old.sort_name IS NOT new.sort_name BEGIN "
    f"INSERT INTO {TABLE}({TABLE}, rowid, search_text) "
    f"VALUES ('delete', {KEY_OLD}, old.search_text); "
    f"INSERT INTO {TABLE}(rowid, search_text) VALUES ({KEY_NEW}, new.search_text); END",
    f"INSERT INTO {TABLE}(rowid, search_text) "
    "SELECT carnet_name_key(sort_name, id), search_text FROM clients_client",
]

BACKWARD = [
    f"DROP TRIGGER IF EXISTS {TABLE}_update",
    f"DROP TRIGGER IF EXISTS {TABLE}_delete",
    f"DROP TRIGGER IF EXISTS {TABLE}_insert",
    f"DROP TABLE IF EXISTS {TABLE}",
    f"CREATE VIRTUAL TABLE {TABLE} USING fts5(search_text, content='clients_client', "
    "content_rowid='id', tokenize='trigram', detail='full')",
    f"CREATE TRIGGER {TABLE}_insert AFTER INSERT ON clients_client BEGIN "
    f"INSERT INTO {TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"CREATE TRIGGER {TABLE}_delete AFTER DELETE ON clients_client BEGIN "
    f"INSERT INTO {TABLE}({TABLE}, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    f"CREATE TRIGGER {TABLE}_update AFTER UPDATE OF search_text ON clients_client "
    "WHEN old.search_text IS NOT new.search_text BEGIN "
    f"INSERT INTO {TABLE}({TABLE}, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    f"INSERT INTO {TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')",
]


def forward(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    from carnet.clients.search import register_sqlite_functions

    connection.ensure_connection()
    register_sqlite_functions(connection.connection)
    for statement in FORWARD:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("clients", "0010_sort_name_c_collation")]
    operations = [migrations.RunPython(forward, backward)]
