"""A full card number typed into a client's or a contact's free text (notes and the others)
is refused with the code ``card_number`` and a French message; SIRETs, IBANs and phone
numbers in the same texts go through."""

from __future__ import annotations

import pytest

from carnet.clients import services as client_services
from carnet.clients.models import Client
from carnet.clients.validation import clean_client_input
from carnet.contacts.validation import clean_contact_input
from carnet.core.errors import ValidationFailed

from .conftest import VISA


def codes(exc: ValidationFailed) -> dict[str, str]:
    return {error.field: error.code for error in exc.errors}


@pytest.mark.parametrize("field", ["notes", "name", "legal_form", "sector", "rcs", "reference"])
def test_a_card_number_in_a_client_text_is_refused(field: str) -> None:
    raw = {"name": "Menuiserie Girard", field: f"Carte du gérant : {VISA}"}
    if field == "reference":
        raw[field] = VISA.replace(" ", "")
    with pytest.raises(ValidationFailed) as info:
        clean_client_input(raw)
    assert codes(info.value)[field] == "card_number"
    message = str(info.value.for_field(field)[0].message)
    assert "carte bancaire" in message and "1111" in message


def test_a_card_number_in_a_tag_is_refused() -> None:
    with pytest.raises(ValidationFailed) as info:
        clean_client_input({"name": "Girard", "tags": ["VIP", "5555 5555 5555 4444"]})
    assert codes(info.value) == {"tags": "card_number"}


@pytest.mark.parametrize(
    "notes",
    [
        "SIRET 732 829 320 00074, paie à 30 jours",
        "SIRET 73282932000074",
        "IBAN FR76 3000 6000 0112 3456 7890 189",
        "Tél. 01 23 45 67 89 ou +33 6 12 34 56 78",
        "Commande 2024-000123 du 12/03/2024",
        "",
    ],
)
def test_ordinary_notes_go_through(notes: str) -> None:
    assert clean_client_input({"name": "Girard", "notes": notes})["notes"] == notes


def test_an_old_value_does_not_block_an_unrelated_change() -> None:
    existing = clean_client_input({"name": "Girard"})
    existing["notes"] = f"saisi avant : {VISA}"
    values = clean_client_input({"phone": "01 23 45 67 89"}, existing=existing)
    assert values["phone"] == "+33123456789"
    with pytest.raises(ValidationFailed):
        clean_client_input({"notes": existing["notes"]}, existing=existing)


@pytest.mark.parametrize("field", ["notes", "job_title", "last_name"])
def test_a_card_number_in_a_contact_text_is_refused(field: str) -> None:
    raw = {"last_name": "Durand", field: f"CB {VISA}"}
    with pytest.raises(ValidationFailed) as info:
        clean_contact_input(raw)
    assert codes(info.value)[field] == "card_number"


def test_contact_notes_with_a_siret_go_through() -> None:
    values = clean_contact_input({"last_name": "Durand", "notes": "SIRET 732 829 320 00074"})
    assert values["notes"] == "SIRET 732 829 320 00074"


def test_the_api_answers_422_in_french_and_writes_nothing(api, organization, owner) -> None:
    response = api.post("/clients", {"name": "Girard", "notes": f"Carte : {VISA} exp 12/27"})
    assert response.status_code == 422, response.content
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert errors["notes"]["code"] == "card_number"
    assert "ne doit jamais être enregistré" in errors["notes"]["message"]
    assert VISA not in response.content.decode()
    assert not Client.objects.filter(name="Girard").exists()

    client = client_services.create_client(organization, owner, {"name": "Girard"})
    response = api.patch(f"/clients/{client.pk}", {"notes": f"{VISA}"})
    assert response.status_code == 422
    client.refresh_from_db()
    assert client.notes == ""


def test_the_api_answers_in_english_when_asked(organization, owner) -> None:
    from carnet.accounts.services import create_api_token
    from carnet.conftest import ApiClient

    english = ApiClient(create_api_token(organization, owner), language="en")
    response = english.post("/clients", {"name": "Girard", "notes": VISA})
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "card_number"
