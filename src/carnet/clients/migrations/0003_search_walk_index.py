"""The index the search walks in name order, testing ``search_text`` without reading rows.

Same leading columns as ``client_list_name``, plus ``search_text``: a query for a common
term ("mar") scans it from the first name on and stops at the 50th match, never touching
the table for entries that do not match (see ``carnet.clients.search``). PostgreSQL keeps
``search_text`` as an included, non-key column.
"""

from django.db import migrations

SQLITE_FORWARD = (
    "CREATE INDEX IF NOT EXISTS client_search_walk ON clients_client "
    "(organization_id, archived, sort_name, id, search_text) WHERE deleted_at IS NULL"
)
POSTGRES_FORWARD = (
    "CREATE INDEX IF NOT EXISTS client_search_walk ON clients_client "
    "(organization_id, archived, sort_name, id) INCLUDE (search_text) WHERE deleted_at IS NULL"
)
BACKWARD = "DROP INDEX IF EXISTS client_search_walk"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    schema_editor.execute(SQLITE_FORWARD if vendor == "sqlite" else POSTGRES_FORWARD)


def backward(apps, schema_editor):
    schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("clients", "0002_search_index")]
    operations = [migrations.RunPython(forward, backward)]
