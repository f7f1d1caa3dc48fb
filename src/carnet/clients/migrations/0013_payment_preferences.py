"""A client's payment preferences.

On SQLite, Django adds a column with a non-null default by rebuilding the table, which
would drop the search index's triggers; the two text columns are added with
``ALTER TABLE … ADD COLUMN … DEFAULT ''`` instead, on both databases (the default stays
in the schema, harmlessly: every write names the columns).
"""

import django.db.models.deletion
from django.db import migrations, models

_TEXT_COLUMNS = {"payment_method": 16, "currency": 3}


def add_text_columns(apps, schema_editor):
    for name, length in _TEXT_COLUMNS.items():
        schema_editor.execute(
            f"ALTER TABLE clients_client ADD COLUMN {name} varchar({length}) NOT NULL DEFAULT ''"
        )


def remove_text_columns(apps, schema_editor):
    for name in _TEXT_COLUMNS:
        schema_editor.execute(f"ALTER TABLE clients_client DROP COLUMN {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0012_client_merged_into"),
        ("payments", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="client",
            name="carrier",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="clients",
                to="payments.carrier",
            ),
        ),
        migrations.AddField(
            model_name="client",
            name="default_vat_rate",
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=4, null=True),
        ),
        migrations.AddField(
            model_name="client",
            name="discount_amount",
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True),
        ),
        migrations.AddField(
            model_name="client",
            name="discount_percent",
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True),
        ),
        migrations.AddField(
            model_name="client",
            name="payment_terms_days",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="client",
            name="payment_terms_end_of_month",
            field=models.BooleanField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="client",
            name="pays_into",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="clients",
                to="payments.organizationbankaccount",
            ),
        ),
        migrations.AddField(
            model_name="client",
            name="price_category",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="clients",
                to="payments.pricecategory",
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="client",
                    name="payment_method",
                    field=models.CharField(blank=True, max_length=16),
                ),
                migrations.AddField(
                    model_name="client",
                    name="currency",
                    field=models.CharField(blank=True, max_length=3),
                ),
            ],
            database_operations=[migrations.RunPython(add_text_columns, remove_text_columns)],
        ),
    ]
