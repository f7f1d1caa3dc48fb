"""The documents API: create, change drafts, issue, refuse what an issued invoice forbids."""

from __future__ import annotations

from typing import Any

from carnet.accounts.models import Organization, User
from carnet.clients import services as clients
from carnet.clients.models import Client
from carnet.conftest import ApiClient
from carnet.sales.models import Document


def new_client(organization: Organization, owner: User, **extra: Any) -> Client:
    return clients.create_client(
        organization, owner, {"kind": "company", "name": "Atelier Roux", **extra}
    )


def invoice_body(client: Client, **extra: Any) -> dict[str, Any]:
    return {
        "type": "invoice",
        "client": client.pk,
        "date": "2026-11-02",
        "lines": [
            {
                "description": "Rénovation",
                "quantity": "2",
                "unit_price": "1250.50",
                "vat_rate": "10",
            },
            {"description": "Déplacement", "quantity": 1, "unit_price": 45, "vat_rate": 20},
        ],
        **extra,
    }


def test_it_creates_a_draft_with_totals(
    api: ApiClient, organization: Organization, owner: User
) -> None:
    client = new_client(organization, owner, payment_terms_days=30)
    response = api.post("/documents", invoice_body(client))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft" and body["number"] == ""
    assert body["total_excl_vat"] == "2546.00"
    assert body["total_vat"] == "259.10"  # 250.10 + 9.00
    assert body["total_incl_vat"] == "2805.10"
    assert body["due_date"] == "2026-12-02"
    assert body["lines"][0]["total_excl_vat"] == "2501.00"
    assert response["Location"] == f"/api/v1/documents/{body['id']}"


def test_issue_then_edit_is_refused(
    api: ApiClient, organization: Organization, owner: User
) -> None:
    client = new_client(organization, owner)
    created = api.post("/documents", invoice_body(client)).json()
    issued = api.post(f"/documents/{created['id']}/issue")
    assert issued.status_code == 200
    assert issued.json()["number"] == "FA-000001"
    assert issued.json()["status"] in ("issued", "overdue")
    assert issued.json()["client_snapshot"]["name"] == "Atelier Roux"
    refused = api.patch(f"/documents/{created['id']}", {"notes": "Corrigé"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "not_draft"
    assert "avoir" in refused.json()["detail"]
    assert api.delete(f"/documents/{created['id']}").status_code == 409


def test_bad_input_is_refused_with_french_messages(
    api: ApiClient, organization: Organization, owner: User
) -> None:
    client = new_client(organization, owner)
    body = invoice_body(client)
    body["lines"][0]["quantity"] = "-1"
    body["lines"][1]["vat_rate"] = "19.6"
    response = api.post("/documents", body)
    assert response.status_code == 422
    fields = {e["field"]: e for e in response.json()["errors"]}
    assert fields["lines[0].quantity"]["code"] == "negative_quantity"
    assert fields["lines[1].vat_rate"]["code"] == "invalid_vat_rate"
    assert "TVA" in fields["lines[1].vat_rate"]["message"]
    assert not Document.objects.exists()


def test_another_organizations_client_and_document(
    api: ApiClient, outsider_api: ApiClient, organization: Organization, owner: User
) -> None:
    client = new_client(organization, owner)
    created = api.post("/documents", invoice_body(client)).json()
    assert outsider_api.get(f"/documents/{created['id']}").status_code == 404
    assert outsider_api.post(f"/documents/{created['id']}/issue").status_code == 404
    assert outsider_api.post("/documents", invoice_body(client)).status_code == 422
    assert outsider_api.get("/documents").json()["items"] == []


def test_stale_if_match_gets_412(api: ApiClient, organization: Organization, owner: User) -> None:
    client = new_client(organization, owner)
    created = api.post("/documents", invoice_body(client)).json()
    assert (
        api.patch(
            f"/documents/{created['id']}", {"subject": "A"}, headers={"If-Match": '"1"'}
        ).status_code
        == 200
    )
    stale = api.patch(f"/documents/{created['id']}", {"subject": "B"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412


def test_list_filters_and_pages(api: ApiClient, organization: Organization, owner: User) -> None:
    client = new_client(organization, owner)
    ids = [
        api.post("/documents", invoice_body(client, date=f"2026-11-{day:02d}")).json()["id"]
        for day in range(1, 6)
    ]
    api.post(f"/documents/{ids[0]}/issue")
    first = api.get("/documents", limit=2).json()
    assert [d["id"] for d in first["items"]] == [ids[4], ids[3]]
    second = api.get("/documents", limit=2, cursor=first["next_cursor"]).json()
    assert [d["id"] for d in second["items"]] == [ids[2], ids[1]]
    drafts = api.get("/documents", status="draft").json()["items"]
    assert len(drafts) == 4
    assert api.get("/documents", status="nonsense").status_code == 422
    assert api.get("/documents", **{"from": "2026-11-04"}).json()["items"][-1]["id"] == ids[3]


def test_quote_accept_and_convert(api: ApiClient, organization: Organization, owner: User) -> None:
    client = new_client(organization, owner)
    quote = api.post("/documents", invoice_body(client, type="quote")).json()
    assert quote["valid_until"] == "2026-12-02"
    api.post(f"/documents/{quote['id']}/issue")
    accepted = api.post(f"/documents/{quote['id']}/status", {"status": "accepted"})
    assert accepted.json()["status"] == "accepted"
    converted = api.post(f"/documents/{quote['id']}/convert", {"type": "invoice"})
    assert converted.status_code == 201
    assert converted.json()["related"] == quote["id"]
    assert converted.json()["total_incl_vat"] == quote["total_incl_vat"]


def test_a_client_with_documents_cannot_be_deleted(
    api: ApiClient, organization: Organization, owner: User
) -> None:
    client = new_client(organization, owner)
    api.post("/documents", invoice_body(client))
    refused = api.delete(f"/clients/{client.pk}")
    assert refused.status_code == 409
    assert refused.json()["blockers"] == {"documents": 1}
    assert "Archivez" in refused.json()["detail"]
    assert api.post(f"/clients/{client.pk}/archive").status_code == 200


def test_sales_settings(api: ApiClient) -> None:
    assert api.get("/sales-settings").json()["fiscal_year_start_month"] == 1
    changed = api.patch(
        "/sales-settings", {"fiscal_year_start_month": 7, "siret": "732 829 320 00074"}
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["siret"] == "73282932000074"
    assert changed.json()["fiscal_year_start"].endswith("-07-01")
    bad = api.patch("/sales-settings", {"fiscal_year_start_month": 13, "siret": "73282932000075"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"fiscal_year_start_month", "siret"}
