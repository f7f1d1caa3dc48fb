"""Sort names in byte order on PostgreSQL, as SQLite does.

``sort_name`` is folded (lower case, no accents), so byte order is alphabetical order; a
linguistic collation would also ignore spaces and punctuation, sort differently from
SQLite, and keep PostgreSQL from using the name indexes for "names starting with…"
(``LIKE 'ab%'`` uses a b-tree only under the C collation). The indexes on the column are
rebuilt with it.
"""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'ALTER TABLE clients_client ALTER COLUMN sort_name TYPE varchar(100) COLLATE "C"'
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE clients_client ALTER COLUMN sort_name TYPE varchar(100) "
            "COLLATE pg_catalog.default"
        )


class Migration(migrations.Migration):
    dependencies = [("clients", "0009_list_category_country_indexes")]
    operations = [migrations.RunPython(forward, backward)]
