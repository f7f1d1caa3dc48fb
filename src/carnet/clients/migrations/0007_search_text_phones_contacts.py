"""Clients are now found by their telephone numbers and their contacts' names too:
recompute every ``search_text`` (the search index follows through its triggers)."""

from django.db import migrations

BATCH = 2000


def forward(apps, schema_editor):
    from carnet.clients.search import PHONE_FIELDS, SEARCHED_FIELDS, search_text

    Client = apps.get_model("clients", "Client")
    ClientContact = apps.get_model("contacts", "ClientContact")
    fields = ("id", "organization_id", "search_text", *SEARCHED_FIELDS, *PHONE_FIELDS)
    last_id = 0
    while True:
        rows = list(Client.objects.filter(id__gt=last_id).order_by("id").values(*fields)[:BATCH])
        if not rows:
            return
        last_id = rows[-1]["id"]
        names: dict[int, list[str]] = {}
        for client_id, first, last, email in ClientContact.objects.filter(
            client_id__in=[r["id"] for r in rows]
        ).values_list("client_id", "contact__first_name", "contact__last_name", "contact__email"):
            name = f"{first} {last}".strip() or email
            if name:
                names.setdefault(client_id, []).append(name)
        changed = []
        for row in rows:
            text = search_text(row, names.get(row["id"], ()))
            if text != row["search_text"]:
                changed.append(Client(id=row["id"], search_text=text))
        Client.objects.bulk_update(changed, ["search_text"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("clients", "0006_organizing"), ("contacts", "0001_initial")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
