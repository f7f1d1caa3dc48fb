"""Leave room in the client table's pages on PostgreSQL.

A bulk action rewrites each changed client's row (its version and ``updated_at``). With
free space in the page, PostgreSQL keeps the new row version on the same page and skips
every index whose columns did not change (a HOT update); a full page makes it update all
of the table's indexes, trigram index included, for every row. SQLite rewrites rows in
place and needs nothing.
"""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE clients_client SET (fillfactor = 80)")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE clients_client RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("clients", "0007_search_text_phones_contacts")]
    operations = [migrations.RunPython(forward, backward)]
