"""Cards through the services: brand, last 4 digits, expiry, holder and one primary card;
never a full card number, in any field; tenancy."""

from __future__ import annotations

import json

import pytest

from carnet.banking import services
from carnet.banking.models import Card
from carnet.core.errors import NotFound, ValidationFailed
from carnet.core.models import ChangeRecord

from .conftest import VISA, next_year


def codes(exc: ValidationFailed) -> dict[str, str]:
    return {error.field: error.code for error in exc.errors}


def card_data(**overrides):
    data = {
        "brand": "visa",
        "last4": "4242",
        "expiry_month": 9,
        "expiry_year": next_year(),
        "holder": "Jean Girard",
    }
    data.update(overrides)
    return data


@pytest.fixture
def card(organization, owner, company) -> Card:
    return services.create_card(organization, owner, company.pk, card_data())


def test_it_adds_a_card(organization, owner, company, card) -> None:
    card.refresh_from_db()
    assert (card.brand, card.last4, card.expiry_month, card.expiry_year) == (
        "visa",
        "4242",
        9,
        next_year(),
    )
    assert card.primary  # the first card
    assert card.expiry == f"09/{next_year()}"
    record = ChangeRecord.objects.get(action="card_add")
    assert record.changes["card"]["new"] == f"visa •••• 4242 · 09/{next_year()} · Jean Girard"


def test_values_are_read_as_typed(organization, owner, company) -> None:
    card = services.create_card(
        organization,
        owner,
        company.pk,
        card_data(brand=" Mastercard ", last4="42 42", expiry_month="03", expiry_year="45"),
    )
    assert (card.brand, card.last4, card.expiry_month, card.expiry_year) == (
        "mastercard",
        "4242",
        3,
        2045,
    )


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"last4": VISA}, "last4", "card_number"),
        ({"last4": "4111111111111111"}, "last4", "card_number"),
        ({"holder": f"Jean Girard {VISA}"}, "holder", "card_number"),
        ({"last4": "424"}, "last4", "invalid_format"),
        ({"last4": "42424"}, "last4", "invalid_format"),
        ({"last4": "abcd"}, "last4", "invalid_format"),
        ({"last4": ""}, "last4", "required"),
        ({"brand": "diners"}, "brand", "invalid_choice"),
        ({"expiry_month": 13}, "expiry_month", "out_of_range"),
        ({"expiry_month": 0}, "expiry_month", "out_of_range"),
        ({"expiry_month": "mars"}, "expiry_month", "invalid_number"),
        ({"expiry_month": None}, "expiry_month", "required"),
        ({"expiry_year": None}, "expiry_year", "required"),
        ({"expiry_year": 1900}, "expiry_year", "out_of_range"),
        ({"expiry_year": 1999}, "expiry_year", "expired"),
        ({"expiry_year": 2020}, "expiry_year", "expired"),
        ({"expiry_year": 9999}, "expiry_year", "out_of_range"),
        ({"holder": "x" * 101}, "holder", "too_long"),
        ({"number": VISA}, "number", "unknown_field"),
        ({"cvv": "123"}, "cvv", "unknown_field"),
    ],
)
def test_it_refuses_bad_input_and_writes_nothing(
    organization, owner, company, data, field, code
) -> None:
    with pytest.raises(ValidationFailed) as info:
        services.create_card(organization, owner, company.pk, card_data(**data))
    assert codes(info.value)[field] == code
    assert not Card.objects.exists()
    assert not ChangeRecord.objects.filter(action="card_add").exists()


def test_the_card_number_message_says_why(organization, owner, company) -> None:
    with pytest.raises(ValidationFailed) as info:
        services.create_card(organization, owner, company.pk, card_data(last4=VISA))
    message = str(info.value.errors[0].message)
    assert "numéro de carte bancaire complet" in message
    assert "4 derniers chiffres" in message
    assert "4111 1111" not in message and "41111111" not in message


def test_this_months_card_is_still_valid(organization, owner, company) -> None:
    today = services.today()
    card = services.create_card(
        organization,
        owner,
        company.pk,
        card_data(expiry_month=today.month, expiry_year=today.year),
    )
    assert not card.is_expired()


def test_an_expired_card_may_be_edited_but_not_set_to_a_past_date(
    organization, owner, company, card
) -> None:
    Card.objects.filter(pk=card.pk).update(expiry_year=2020)
    updated = services.update_card(organization, owner, company.pk, card.pk, {"holder": "J. G."})
    assert updated.holder == "J. G." and updated.is_expired()
    with pytest.raises(ValidationFailed) as info:
        services.update_card(organization, owner, company.pk, card.pk, {"expiry_year": 2021})
    assert codes(info.value) == {"expiry_year": "expired"}


def test_one_primary_card_per_client(organization, owner, company, card) -> None:
    second = services.create_card(organization, owner, company.pk, card_data(last4="1881"))
    assert not second.primary
    third = services.create_card(
        organization, owner, company.pk, card_data(last4="0005", brand="amex", primary=True)
    )
    assert dict(Card.objects.values_list("pk", "primary")) == {
        card.pk: False,
        second.pk: False,
        third.pk: True,
    }
    services.update_card(organization, owner, company.pk, second.pk, {"primary": True})
    assert list(Card.objects.filter(primary=True).values_list("pk", flat=True)) == [second.pk]
    record = ChangeRecord.objects.filter(action="card_change").last()
    assert record is not None
    assert "0005" in record.changes["primary_card"]["old"]
    assert "1881" in record.changes["primary_card"]["new"]


def test_delete_a_card(organization, owner, company, card) -> None:
    services.delete_card(organization, owner, company.pk, card.pk)
    assert not Card.objects.exists()
    record = ChangeRecord.objects.get(action="card_delete")
    assert "4242" in record.changes["card"]["old"]
    assert record.changes["primary_card"]["new"] is None


def test_no_full_card_number_in_the_database_or_history(organization, owner, company) -> None:
    with pytest.raises(ValidationFailed):
        services.create_card(organization, owner, company.pk, card_data(holder=VISA))
    dumped = json.dumps(list(ChangeRecord.objects.values_list("changes", flat=True)))
    assert "4111" not in dumped


def test_another_organizations_cards_are_not_found(organization, owner, company, foreign):
    theirs = foreign["card"]
    with pytest.raises(NotFound):
        services.list_cards(organization, foreign["client"].pk)
    with pytest.raises(NotFound):
        services.update_card(organization, owner, company.pk, theirs.pk, {"holder": "x"})
    with pytest.raises(NotFound):
        services.delete_card(organization, owner, foreign["client"].pk, theirs.pk)
    assert Card.objects.filter(pk=theirs.pk).exists()
