"""Bad input on the API: always a 4xx problem detail with a useful French message, never a
500 and never a partial write."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client as HttpClient

from carnet.clients import services
from carnet.clients.models import Category, Client, ClientTag, Tag
from carnet.conftest import ApiClient
from carnet.core.models import ChangeRecord
from carnet.customfields.models import CustomFieldValue
from carnet.customfields.services import create_custom_field


def state() -> tuple[int, ...]:
    return (
        Client.objects.count(),
        ChangeRecord.objects.count(),
        Tag.objects.count(),
        Category.objects.count(),
        ClientTag.objects.count(),
        CustomFieldValue.objects.count(),
    )


@pytest.fixture
def existing(organization, owner) -> Client:
    create_custom_field(organization, owner, {"name": "A", "slug": "a", "type": "text"})
    create_custom_field(organization, owner, {"name": "Score", "type": "integer"})
    return services.create_client(
        organization, owner, {"name": "Garage Lemoine", "email": "g@lemoine.fr", "tags": ["VIP"]}
    )


@pytest.fixture
def unchanged(existing) -> Iterator[None]:
    """Fails the test if anything was written."""
    before = state()
    version = existing.version
    yield
    assert state() == before
    existing.refresh_from_db()
    assert existing.version == version


def assert_problem(response: Any, status: int | tuple[int, ...]) -> dict[str, Any]:
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == response.status_code
    assert body["type"] == "about:blank"
    assert body["title"]
    assert body["detail"]
    for error in body.get("errors", []):
        assert set(error) == {"field", "code", "message"}
        assert error["message"]
    return body


def b64(value: Any) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# --- Bodies that are not JSON objects -----------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("{bad", 400),
        ('{"name": "x",}', 400),
        ("{'name': 'x'}", 400),
        ('{"name": NaN}', 400),
        ('{"name": "x", "share_capital": Infinity}', 400),
        ('{"name": "x", "custom_fields": {"a": 1e400}}', 400),
        ('{"name": "x"} trailing', 400),
        ("[" * 100_000 + "]" * 100_000, 400),
        ("", 422),
        ("null", 422),
        ("[]", 422),
        ('"name"', 422),
        ("42", 422),
        ('[{"name": "x"}]', 422),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(api, unchanged, raw, status):
    body = assert_problem(api.post("/clients", raw=raw), status)
    if status == 400:
        assert "JSON" in body["detail"]
    else:
        assert body["errors"][0]["field"] == "body"


def test_a_body_that_is_not_utf8_is_refused(api, unchanged):
    assert_problem(api.post("/clients", raw=b'{"name": "\xff\xfe"}'), 400)


def test_malformed_json_says_where(api, unchanged):
    body = assert_problem(api.post("/clients", raw='{\n  "name": "x",\n  oops\n}'), 400)
    assert "ligne 3" in body["detail"]


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
        "multipart/form-data; boundary=x",
        "",
    ],
)
def test_a_body_not_declared_as_json_is_refused(existing, api, unchanged, content_type):
    for method, path in (("post", "/api/v1/clients"), ("patch", f"/api/v1/clients/{existing.pk}")):
        response = getattr(api.http, method)(
            path, '{"name": "Autre"}', content_type=content_type, headers=api._headers(None)
        )
        body = assert_problem(response, 415)
        assert "application/json" in body["detail"]


def test_a_json_media_type_with_charset_or_suffix_is_accepted(existing, api):
    response = api.http.patch(
        f"/api/v1/clients/{existing.pk}",
        '{"name": "Garage Lemoine & Fils"}',
        content_type="application/merge-patch+json; charset=utf-8",
        headers=api._headers(None),
    )
    assert response.status_code == 200


def test_a_huge_body_is_refused(api, unchanged, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = assert_problem(api.post("/clients", {"name": "x", "notes": "n" * 20_000}), 413)
    assert "volumineux" in body["detail"]


# --- Values the schema refuses ------------------------------------------------------------
@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"name": 42}, "name", "invalid_type"),
        ({"name": ["x"]}, "name", "invalid_type"),
        ({"name": {"fr": "x"}}, "name", "invalid_type"),
        ({"name": True}, "name", "invalid_type"),
        ({"name": "x" * 201}, "name", "too_long"),
        ({"notes": "x" * 20_001}, "notes", "too_long"),
        ({"email": "a" * 250 + "@x.fr"}, "email", "too_long"),
        ({"kind": "alien"}, "kind", "invalid_choice"),
        ({"kind": 1}, "kind", "invalid_choice"),
        ({"civility": "dr"}, "civility", "invalid_choice"),
        ({"country": "FRA"}, "country", "too_long"),
        ({"country": "ZZ"}, "country", "invalid_country"),
        ({"employee_count": "beaucoup"}, "employee_count", "invalid_number"),
        ({"employee_count": -1}, "employee_count", "out_of_range"),
        ({"employee_count": 10**30}, "employee_count", "out_of_range"),
        ({"employee_count": 1.5}, "employee_count", "invalid_number"),
        ({"share_capital": "beaucoup"}, "share_capital", "invalid_number"),
        ({"share_capital": -5}, "share_capital", "out_of_range"),
        ({"share_capital": "1e999999"}, "share_capital", "out_of_range"),
        ({"share_capital": [1]}, "share_capital", "invalid_number"),
        ({"marketing_email": "peut-être"}, "marketing_email", "invalid_type"),
        ({"owner": "personne"}, "owner", "invalid_number"),
        ({"owner": 0}, "owner", "out_of_range"),
        ({"owner": 2**70}, "owner", "out_of_range"),
        ({"owner": 987654}, "owner", "unknown_user"),
        ({"tags": "a,b"}, "tags", "invalid_type"),
        ({"tags": [1, 2]}, "tags", "invalid_type"),
        ({"tags": ["t"] * 51}, "tags", "too_many"),
        ({"tags": [f"t{i}" for i in range(51)]}, "tags", "too_many"),
        ({"tags": ["x" * 65]}, "tags", "too_long"),
        ({"category": ["a"]}, "category", "invalid_type"),
        ({"custom_fields": ["a"]}, "custom_fields", "invalid_type"),
        ({"custom_fields": {"a": [1]}}, "custom_fields", "invalid_type"),
        ({"custom_fields": {"a": {"b": 1}}}, "custom_fields", "invalid_type"),
        (
            {"custom_fields": {"Mauvaise clé": 1}},
            "custom_fields.Mauvaise clé",
            "unknown_custom_field",
        ),
        ({"custom_fields": {"inconnu": "x"}}, "custom_fields.inconnu", "unknown_custom_field"),
        ({"custom_fields": {f"k{i}": i for i in range(101)}}, "custom_fields", "too_many"),
        ({"custom_fields": {"a": "x" * 201}}, "custom_fields.a", "too_long"),
        ({"custom_fields": {"a": 12}}, "custom_fields.a", "invalid_type"),
        ({"custom_fields": {"score": "beaucoup"}}, "custom_fields.score", "invalid_number"),
        ({"custom_fields": {"score": 2**60}}, "custom_fields.score", "out_of_range"),
        ({"siret": 73282932000074}, "siret", "invalid_type"),
        ({"siret": "1234"}, "siret", "invalid_length"),
        ({"vat_number": "XX123"}, "vat_number", "unknown_country"),
        ({"phone": "pas un numéro"}, "phone", "invalid_phone"),
        ({"website": "javascript:alert(1)"}, "website", "invalid_url"),
        ({"unknown": 1}, "unknown", "unknown_field"),
        ({"id": 5}, "id", "unknown_field"),
        ({"version": 5}, "version", "unknown_field"),
        ({"vat_regime": "export"}, "vat_regime", "unknown_field"),
        ({"name": "a\x00b"}, "name", "invalid_character"),
        ({"tags": ["a\x00"]}, "tags", "invalid_character"),
        ({"custom_fields": {"a": "\x00"}}, "custom_fields.a", "invalid_character"),
        ({"notes": "\x00"}, "notes", "invalid_character"),
    ],
)
def test_a_bad_value_is_named_with_a_code_and_a_french_message(
    api, existing, unchanged, payload, field, code
):
    for response in (
        api.post("/clients", {"name": "Nouveau", **payload}),
        api.patch(f"/clients/{existing.pk}", payload),
    ):
        body = assert_problem(response, 422)
        errors = {e["field"]: e for e in body["errors"]}
        assert field in errors, body
        assert errors[field]["code"] == code, body


def test_messages_are_french(api, unchanged):
    body = assert_problem(
        api.post("/clients", {"name": 42, "kind": "alien", "zzz": 1, "notes": "x" * 20_001}), 422
    )
    messages = {e["field"]: e["message"] for e in body["errors"]}
    assert messages == {
        "name": "Une valeur texte est attendue.",
        "kind": "Valeur non autorisée. Valeurs possibles : individual, company.",
        "zzz": "Ce champ n'existe pas.",
        "notes": "20000 caractères au maximum.",
    }
    assert body["detail"] == "4 valeurs sont invalides : voir « errors »."


def test_a_refused_create_leaves_no_tag_category_or_history_behind(api, unchanged):
    response = api.post(
        "/clients",
        {"name": "X", "tags": ["Nouvelle"], "category": "Nouvelle", "siret": "73282932000075"},
    )
    assert_problem(response, 422)


def test_a_refused_change_leaves_the_client_as_it_was(api, existing, unchanged):
    response = api.patch(
        f"/clients/{existing.pk}",
        {"name": "Nouveau nom", "tags": ["Autre"], "email": "pas-un-email"},
    )
    assert_problem(response, 422)
    existing.refresh_from_db()
    assert existing.name == "Garage Lemoine"
    assert [t.name for t in existing.tags.all()] == ["VIP"]


# --- List parameters ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"limit": str(2**80)}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"limit": "1e3"}, "limit"),
        ({"limit": "10.5"}, "limit"),
        ({"archived": "yes"}, "archived"),
        ({"kind": "alien"}, "kind"),
        ({"sort": "nom"}, "sort"),
        ({"sort": "-id"}, "sort"),
        ({"country": "FRA"}, "country"),
        ({"country": "1"}, "country"),
        ({"owner": "abc"}, "owner"),
        ({"owner": "-1"}, "owner"),
        ({"owner": "²"}, "owner"),
        ({"owner": str(2**80)}, "owner"),
        ({"tag": [f"t{i}" for i in range(11)]}, "tag"),
        ({"q": "ab\x00c"}, "q"),
        ({"category": "\x00"}, "category"),
        ({"tag": ["ok", "\x00"]}, "tag"),
    ],
)
def test_a_bad_list_parameter_is_refused(api, existing, params, field):
    body = assert_problem(api.get("/clients", **params), 422)
    assert [e["field"] for e in body["errors"]] == [field]


def test_several_bad_list_parameters_are_reported_together(api, existing):
    body = assert_problem(api.get("/clients", limit="0", sort="nom", archived="peut-être"), 422)
    assert {e["field"] for e in body["errors"]} == {"limit", "sort", "archived"}
    assert all(e["message"] for e in body["errors"])


def test_a_long_search_is_cut_not_refused(api, existing):
    assert api.get("/clients", q="lemoine" * 2000).status_code == 200


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!",
        "zzz",
        "a",
        "=" * 8,
        "\u00e9t\u00e9",
        b64(bytes(range(256))),
        b64(b"junk that is not json"),
        b64({"sort": "name"}),
        b64([]),
        b64(["name", "garage", 1]),
        b64(["name", 5, 1, False]),
        b64(["name", "a\x00", 1, False]),
        b64(["name", "garage", -1, False]),
        b64(["name", "garage", 0, False]),
        b64(["name", "garage", 2**70, False]),
        b64(["name", "garage", "1", False]),
        b64(["name", "garage", True, False]),
        b64(["name", "garage", 1, "no"]),
        b64(["-name", "garage", 1, False]),
        b64(b"[" * 100_000),
        b64(["name", ["x"], 1, False]),
    ],
)
def test_a_garbage_cursor_is_refused(api, existing, cursor):
    body = assert_problem(api.get("/clients", cursor=cursor), 422)
    assert body["errors"][0] == {
        "field": "cursor",
        "code": "invalid_cursor",
        "message": "Curseur de pagination invalide : repartez de la première page.",
    }


@pytest.mark.parametrize(
    ("sort", "value"),
    [
        ("created_at", "pas une date"),
        ("created_at", "2026-13-45T00:00:00+00:00"),
        ("created_at", "2026-01-01T00:00:00"),  # no time zone
        ("created_at", "0001-01-01T00:00:00+14:00"),
        ("created_at", 12),
        ("revenue", "beaucoup"),
        ("revenue", "NaN"),
        ("revenue", "Infinity"),
        ("revenue", "1e999999"),
        ("revenue", 12.5),
        ("revenue", None),
    ],
)
def test_a_forged_cursor_value_is_refused(api, existing, sort, value):
    assert_problem(api.get("/clients", sort=sort, cursor=b64([sort, value, 1, False])), 422)


# --- Identifiers in the path --------------------------------------------------------------
BAD_IDS = ["abc", "1.5", "-1", "0", "1e3", str(2**63), str(2**70), "9" * 5000, "%20", "١٢", "0x10"]


@pytest.mark.parametrize("client_id", BAD_IDS)
def test_an_id_that_names_no_client_is_not_found(api, unchanged, client_id):
    for method, path in (
        ("get", "/clients/{}"),
        ("patch", "/clients/{}"),
        ("delete", "/clients/{}"),
        ("post", "/clients/{}/archive"),
        ("post", "/clients/{}/unarchive"),
        ("post", "/clients/{}/restore"),
        ("get", "/clients/{}/history"),
    ):
        call = getattr(api, method)
        response = (
            call(path.format(client_id), {"name": "X"})
            if method == "patch"
            else call(path.format(client_id))
        )
        assert_problem(response, 404)


# --- Methods and paths --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("put", "/clients/{id}", {"GET", "PATCH", "DELETE"}),
        ("post", "/clients/{id}", {"GET", "PATCH", "DELETE"}),
        ("delete", "/clients", {"GET", "POST"}),
        ("patch", "/clients", {"GET", "POST"}),
        ("put", "/clients", {"GET", "POST"}),
        ("get", "/clients/{id}/archive", {"POST"}),
        ("delete", "/clients/{id}/history", {"GET"}),
    ],
)
def test_a_wrong_method_is_a_405_problem(api, existing, unchanged, method, path, allowed):
    url = "/api/v1" + path.format(id=existing.pk)
    if method == "get":
        response = api.http.get(url, headers=api._headers(None))
    else:
        response = getattr(api.http, method)(
            url, "{}", content_type="application/json", headers=api._headers(None)
        )
    body = assert_problem(response, 405)
    assert {m.strip() for m in response["Allow"].split(",")} == allowed
    assert method.upper() in body["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nope",
        "/api/v1/clients/1/nope",
        "/api/v1/clients/",
        "/api/v1/",
        "/api/v1/clients/1/history/x",
    ],
)
def test_an_unknown_api_path_is_a_404_problem(api, path):
    body = assert_problem(api.get(path), 404)
    assert "/api/v1/docs" in body["detail"]


def test_an_unknown_path_outside_the_api_version_is_a_404_problem(api, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    for path in ("/api/v2/clients", "/api/"):
        assert_problem(HttpClient().get(path), 404)


# --- Crashes ------------------------------------------------------------------------------
def test_a_crash_is_a_500_problem_without_details(api, existing, monkeypatch, caplog):
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(services, "get_client", broken)
    api.http.raise_request_exception = False
    response = api.get(f"/clients/{existing.pk}/history")
    body = assert_problem(response, 500)
    assert "secret internals" not in response.content.decode()
    assert "enregistrée" in body["detail"]
    assert "secret internals" in caplog.text  # logged with its traceback


def test_problem_details_follow_the_requested_language(organization, owner, existing):
    from carnet.accounts.services import create_api_token

    english = ApiClient(create_api_token(organization, owner), language="en")
    response = english.get("/clients", limit="0")
    body = assert_problem(response, 422)
    assert response["Content-Language"] == "en"
    assert body["errors"][0]["code"] == "out_of_range"
