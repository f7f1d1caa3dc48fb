"""The OpenAPI document and the interactive docs page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client as HttpClient


@pytest.fixture
def openapi(db) -> dict[str, Any]:
    response = HttpClient().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def parameters(openapi: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        p["name"]: p["schema"] for p in openapi["paths"]["/api/v1/clients"]["get"]["parameters"]
    }


def test_it_describes_every_endpoint(openapi):
    assert openapi["openapi"].startswith("3.")
    operations = {(path, method) for path, item in openapi["paths"].items() for method in item}
    assert operations == {
        ("/api/v1/clients", "get"),
        ("/api/v1/clients", "post"),
        ("/api/v1/clients/{client_id}", "get"),
        ("/api/v1/clients/{client_id}", "patch"),
        ("/api/v1/clients/{client_id}", "delete"),
        ("/api/v1/clients/picker", "get"),
        ("/api/v1/clients/bulk", "post"),
        ("/api/v1/clients/{client_id}/archive", "post"),
        ("/api/v1/clients/{client_id}/unarchive", "post"),
        ("/api/v1/clients/{client_id}/restore", "post"),
        ("/api/v1/clients/{client_id}/history", "get"),
        ("/api/v1/clients/{client_id}/addresses", "get"),
        ("/api/v1/clients/{client_id}/addresses", "post"),
        ("/api/v1/clients/{client_id}/addresses/{address_id}", "patch"),
        ("/api/v1/clients/{client_id}/addresses/{address_id}", "delete"),
        ("/api/v1/clients/{client_id}/contacts", "get"),
        ("/api/v1/clients/{client_id}/contacts", "post"),
        ("/api/v1/clients/{client_id}/contacts/{contact_id}", "patch"),
        ("/api/v1/clients/{client_id}/contacts/{contact_id}", "delete"),
        ("/api/v1/contacts", "get"),
        ("/api/v1/contacts", "post"),
        ("/api/v1/contacts/{contact_id}", "get"),
        ("/api/v1/contacts/{contact_id}", "patch"),
        ("/api/v1/contacts/{contact_id}", "delete"),
        ("/api/v1/clients/{client_id}/files", "get"),
        ("/api/v1/clients/{client_id}/files", "post"),
        ("/api/v1/files", "get"),
        ("/api/v1/files/{file_id}", "get"),
        ("/api/v1/files/{file_id}", "patch"),
        ("/api/v1/files/{file_id}", "delete"),
        ("/api/v1/files/{file_id}/download", "get"),
        ("/api/v1/clients/{client_id}/vcard", "get"),
        ("/api/v1/contacts/{contact_id}/vcard", "get"),
        ("/api/v1/tags", "get"),
        ("/api/v1/tags", "post"),
        ("/api/v1/tags/{tag_id}", "patch"),
        ("/api/v1/tags/{tag_id}", "delete"),
        ("/api/v1/tags/{tag_id}/merge", "post"),
        ("/api/v1/categories", "get"),
        ("/api/v1/categories", "post"),
        ("/api/v1/categories/{category_id}", "patch"),
        ("/api/v1/categories/{category_id}", "delete"),
        ("/api/v1/categories/{category_id}/merge", "post"),
        ("/api/v1/category-groups", "get"),
        ("/api/v1/category-groups", "post"),
        ("/api/v1/category-groups/{group_id}", "patch"),
        ("/api/v1/category-groups/{group_id}", "delete"),
        ("/api/v1/saved-views", "get"),
        ("/api/v1/saved-views", "post"),
        ("/api/v1/saved-views/{view_id}", "get"),
        ("/api/v1/saved-views/{view_id}", "patch"),
        ("/api/v1/saved-views/{view_id}", "delete"),
        ("/api/v1/custom-fields", "get"),
        ("/api/v1/custom-fields", "post"),
        ("/api/v1/custom-fields/{field_id}", "get"),
        ("/api/v1/custom-fields/{field_id}", "patch"),
        ("/api/v1/custom-fields/{field_id}", "delete"),
        ("/api/v1/imports", "get"),
        ("/api/v1/imports", "post"),
        ("/api/v1/imports/template", "get"),
        ("/api/v1/imports/mappings", "get"),
        ("/api/v1/imports/mappings", "post"),
        ("/api/v1/imports/mappings/{mapping_id}", "delete"),
        ("/api/v1/imports/{import_id}", "get"),
        ("/api/v1/imports/{import_id}", "patch"),
        ("/api/v1/imports/{import_id}/rows", "get"),
        ("/api/v1/imports/{import_id}/commit", "post"),
        ("/api/v1/imports/{import_id}/rollback", "post"),
        ("/api/v1/imports/{import_id}/cancel", "post"),
        ("/api/v1/imports/{import_id}/errors", "get"),
        ("/api/v1/exports/clients", "get"),
        ("/api/v1/duplicates", "get"),
        ("/api/v1/duplicates/scan", "post"),
        ("/api/v1/duplicates/{group_id}/dismiss", "post"),
        ("/api/v1/clients/merge/preview", "post"),
        ("/api/v1/clients/merge", "post"),
        ("/api/v1/merges/{merge_id}", "get"),
        ("/api/v1/merges/{merge_id}/undo", "post"),
        ("/api/v1/clients/{client_id}/bank-accounts", "get"),
        ("/api/v1/clients/{client_id}/bank-accounts", "post"),
        ("/api/v1/clients/{client_id}/bank-accounts/{account_id}", "get"),
        ("/api/v1/clients/{client_id}/bank-accounts/{account_id}", "patch"),
        ("/api/v1/clients/{client_id}/bank-accounts/{account_id}", "delete"),
        ("/api/v1/clients/{client_id}/mandates", "get"),
        ("/api/v1/clients/{client_id}/mandates", "post"),
        ("/api/v1/clients/{client_id}/mandates/{mandate_id}", "get"),
        ("/api/v1/clients/{client_id}/mandates/{mandate_id}", "patch"),
        ("/api/v1/clients/{client_id}/cards", "get"),
        ("/api/v1/clients/{client_id}/cards", "post"),
        ("/api/v1/clients/{client_id}/cards/{card_id}", "patch"),
        ("/api/v1/clients/{client_id}/cards/{card_id}", "delete"),
        ("/api/v1/payment-settings/creditor", "get"),
        ("/api/v1/payment-settings/creditor", "put"),
        ("/api/v1/payment-settings/defaults", "get"),
        ("/api/v1/payment-settings/defaults", "patch"),
        ("/api/v1/payment-settings/price-categories", "get"),
        ("/api/v1/payment-settings/price-categories", "post"),
        ("/api/v1/payment-settings/price-categories/{item_id}", "patch"),
        ("/api/v1/payment-settings/price-categories/{item_id}", "delete"),
        ("/api/v1/payment-settings/carriers", "get"),
        ("/api/v1/payment-settings/carriers", "post"),
        ("/api/v1/payment-settings/carriers/{item_id}", "patch"),
        ("/api/v1/payment-settings/carriers/{item_id}", "delete"),
        ("/api/v1/payment-settings/bank-accounts", "get"),
        ("/api/v1/payment-settings/bank-accounts", "post"),
        ("/api/v1/payment-settings/bank-accounts/{account_id}", "patch"),
        ("/api/v1/payment-settings/bank-accounts/{account_id}", "delete"),
        ("/api/v1/documents", "get"),
        ("/api/v1/documents", "post"),
        ("/api/v1/documents/{document_id}", "get"),
        ("/api/v1/documents/{document_id}", "patch"),
        ("/api/v1/documents/{document_id}", "delete"),
        ("/api/v1/documents/{document_id}/issue", "post"),
        ("/api/v1/documents/{document_id}/status", "post"),
        ("/api/v1/documents/{document_id}/convert", "post"),
        ("/api/v1/documents/{document_id}/allocations", "put"),
        ("/api/v1/documents/{document_id}/pdf", "get"),
        ("/api/v1/payments", "get"),
        ("/api/v1/payments", "post"),
        ("/api/v1/payments/{payment_id}", "get"),
        ("/api/v1/payments/{payment_id}", "patch"),
        ("/api/v1/payments/{payment_id}", "delete"),
        ("/api/v1/clients/{client_id}/statistics", "get"),
        ("/api/v1/clients/{client_id}/statement", "get"),
        ("/api/v1/sales-settings", "get"),
        ("/api/v1/sales-settings", "patch"),
    }
    for item in openapi["paths"].values():
        for operation in item.values():
            assert operation["security"] == [{"TokenAuth": []}]
    assert openapi["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


def test_list_parameters_show_their_allowed_values(openapi):
    params = parameters(openapi)
    assert params["archived"]["enum"] == ["false", "true", "all"]
    assert params["sort"]["enum"] == [
        "name",
        "-name",
        "created_at",
        "-created_at",
        "revenue",
        "-revenue",
    ]
    assert params["kind"]["enum"] == ["individual", "company"]
    assert (
        params["limit"].items()
        >= {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}.items()
    )
    assert params["owner"]["type"] == "integer"
    assert params["tag"]["type"] == "array"
    assert params["trash"]["type"] == "boolean"
    assert {"q", "category", "country", "cursor"} <= set(params)


def test_errors_are_documented_as_problem_details(openapi):
    create = openapi["paths"]["/api/v1/clients"]["post"]["responses"]
    assert set(create) >= {"201", "400", "401", "409", "415", "422"}
    for status in ("400", "401", "409", "415", "422"):
        assert set(create[status]["content"]) == {"application/problem+json"}
        assert create[status]["content"]["application/problem+json"]["schema"] == {
            "$ref": "#/components/schemas/Problem"
        }
    assert "412" in openapi["paths"]["/api/v1/clients/{client_id}"]["patch"]["responses"]
    assert "404" in openapi["paths"]["/api/v1/clients/{client_id}"]["get"]["responses"]
    problem = openapi["components"]["schemas"]["Problem"]
    assert {"type", "status", "title", "detail", "errors"} <= set(problem["properties"])
    field_error = openapi["components"]["schemas"]["ProblemFieldError"]
    assert set(field_error["required"]) == {"field", "code", "message"}


def test_the_client_schema_has_version_and_a_read_only_vat_regime(openapi):
    schemas = openapi["components"]["schemas"]
    out = schemas["ClientOut"]["properties"]
    assert {"id", "version", "vat_regime", "archived", "created_at", "updated_at"} <= set(out)
    assert out["vat_regime"]["enum"] == ["standard", "reverse_charge", "export"]
    assert "vat_regime" not in schemas["ClientIn"]["properties"]
    assert schemas["ClientIn"]["additionalProperties"] is False
    patch = openapi["paths"]["/api/v1/clients/{client_id}"]["patch"]
    assert any(p["name"] == "If-Match" and p["in"] == "header" for p in patch["parameters"])


@pytest.fixture
def production_static(settings, tmp_path) -> None:
    """Static files as ``carnet serve`` has them: collected, hashed, served by WhiteNoise."""
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)


def test_the_docs_page_loads_its_assets_from_carnet_not_a_cdn(production_static):
    browser = HttpClient()  # a new client: WhiteNoise indexes the collected files
    response = browser.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    assert "/api/v1/openapi.json" in html
    for asset in assets:
        assert asset.startswith("/static/"), asset
        served = browser.get(asset)
        assert served.status_code == 200, asset
        assert b"".join(served.streaming_content if served.streaming else [served.content])
    assert "//cdn" not in html and "unpkg" not in html and "jsdelivr" not in html
