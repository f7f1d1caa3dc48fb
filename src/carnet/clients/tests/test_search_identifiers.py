"""Search by telephone number in any format and by contact name, with clients whose
identifier equals the query ranked first, under every plan the planner can pick."""

from __future__ import annotations

from typing import Any

import pytest

from carnet.clients import planner, search
from carnet.clients.services import create_client, update_client
from carnet.contacts import services as contact_services


def names(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


@pytest.fixture(params=["planned", "walk", "walk_given_up", "rare_together", "name_order"])
def plan_mode(request: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param in ("walk", "walk_given_up", "rare_together", "name_order"):
        monkeypatch.setattr(planner, "FEW_HITS", 0)
        monkeypatch.setattr(planner, "DRIVE_LIMIT", 0)
    if request.param == "name_order":
        # A search sorted by name reads its hits in name order, one at a time here.
        monkeypatch.setattr(planner, "ORDERED_BATCH", 1)
        monkeypatch.setattr(planner, "ORDERED_BATCHES", 2)  # then from the name index
    if request.param == "rare_together":
        # Filters too common to drive alone but rare together: their intersection drives.
        monkeypatch.setattr(planner, "RARE_WALK", 0)
    if request.param == "walk_given_up":
        monkeypatch.setattr(planner, "WALK_BUDGET", 0)
        monkeypatch.setattr(planner, "_PROGRESS_STEP", 1)
    return request.param


@pytest.fixture
def phones(organization: Any, owner: Any) -> dict[str, Any]:
    return {
        "paris": create_client(
            organization, owner, {"name": "Cabinet Paris", "phone": "01 42 68 53 00"}
        ),
        "mobile": create_client(
            organization,
            owner,
            {
                "kind": "individual",
                "first_name": "Léa",
                "last_name": "Roux",
                "mobile": "06 12 34 56 78",
            },
        ),
        "berlin": create_client(
            organization,
            owner,
            {"name": "Berlin Maschinen", "country": "DE", "phone": "+49 30 1234567"},
        ),
        "other": create_client(organization, owner, {"name": "Sans Téléphone"}),
    }


@pytest.mark.parametrize(
    "q",
    [
        "01 42 68 53 00",
        "0142685300",
        "01.42.68.53.00",
        "+33 1 42 68 53 00",
        "+33142685300",
        "0033 1 42 68 53 00",
        "42 68 53",
        "(01) 42-68-53-00",
    ],
)
def test_it_finds_a_phone_number_typed_in_any_format(api, phones, plan_mode, q):
    assert names(api.get("/clients", q=q)) == ["Cabinet Paris"]


def test_it_finds_mobile_and_foreign_numbers(api, phones, plan_mode):
    assert names(api.get("/clients", q="06 12 34 56 78")) == ["Léa Roux"]
    assert names(api.get("/clients", q="+49 30 1234567")) == ["Berlin Maschinen"]
    assert names(api.get("/clients", q="030 1234567")) == ["Berlin Maschinen"]


def test_a_changed_phone_is_found_under_the_new_number(api, organization, owner, phones, plan_mode):
    update_client(organization, owner, phones["paris"].pk, {"phone": "01 99 88 77 66"})
    assert names(api.get("/clients", q="01 42 68 53 00")) == []
    assert names(api.get("/clients", q="01 99 88 77 66")) == ["Cabinet Paris"]


def test_it_finds_a_client_by_a_contact_name(api, organization, owner, plan_mode):
    client = create_client(organization, owner, {"name": "Société Anonyme"})
    create_client(organization, owner, {"name": "Autre Société"})
    link = contact_services.create_contact_for_client(
        organization, owner, client.pk, {"first_name": "Gwendoline", "last_name": "Kerhervé"}
    )
    assert names(api.get("/clients", q="kerherve")) == ["Société Anonyme"]
    assert names(api.get("/clients", q="GWENDO")) == ["Société Anonyme"]
    contact_services.update_contact(organization, owner, link.contact_id, {"last_name": "Le Bihan"})
    assert names(api.get("/clients", q="kerherve")) == []
    assert names(api.get("/clients", q="le bihan")) == ["Société Anonyme"]
    contact_services.unlink_contact(organization, owner, client.pk, link.contact_id)
    assert names(api.get("/clients", q="le bihan")) == []


def test_a_deleted_contact_no_longer_finds_its_clients(api, organization, owner):
    client = create_client(organization, owner, {"name": "Atelier Nord"})
    link = contact_services.create_contact_for_client(
        organization, owner, client.pk, {"first_name": "Yannick", "last_name": "Quéméner"}
    )
    assert names(api.get("/clients", q="quemener")) == ["Atelier Nord"]
    contact_services.delete_contact(organization, owner, link.contact_id)
    assert names(api.get("/clients", q="quemener")) == []


def test_an_exact_identifier_match_comes_first(api, organization, owner, plan_mode):
    # Every client contains "cli-00012"; the one whose reference *is* it comes first,
    # although "Aaa" sorts before it by name.
    create_client(organization, owner, {"name": "Aaa", "reference": "CLI-000123"})
    create_client(organization, owner, {"name": "Zzz", "reference": "CLI-00012"})
    create_client(organization, owner, {"name": "Mmm", "reference": "CLI-000124"})
    assert names(api.get("/clients", q="CLI-00012")) == ["Zzz", "Aaa", "Mmm"]
    assert names(api.get("/clients", q="cli-00012")) == ["Zzz", "Aaa", "Mmm"]


def test_an_exact_email_comes_first_then_the_others(api, organization, owner, plan_mode):
    create_client(organization, owner, {"name": "Alpha", "email": "xcontact@martin.fr"})
    create_client(organization, owner, {"name": "Zulu", "email": "Contact@martin.fr"})
    assert names(api.get("/clients", q="contact@martin.fr")) == ["Zulu", "Alpha"]


def test_an_exact_phone_comes_first(api, organization, owner, plan_mode):
    create_client(organization, owner, {"name": "Alpha", "notes": "x", "phone": "01 42 68 53 01"})
    create_client(organization, owner, {"name": "Zulu", "phone": "01 42 68 53 00"})
    create_client(organization, owner, {"name": "Beta", "mobile": "06 01 42 68 53"})
    # "42 68 53" is inside all three numbers; the whole number ranks its owner first.
    assert names(api.get("/clients", q="42 68 53")) == ["Alpha", "Beta", "Zulu"]
    assert names(api.get("/clients", q="01 42 68 53 00")) == ["Zulu"]


def test_the_ranked_first_clients_are_not_repeated_on_later_pages(
    api, organization, owner, plan_mode
):
    for i in range(5):
        create_client(organization, owner, {"name": f"Client {i}", "reference": f"REF-1{i}"})
    create_client(organization, owner, {"name": "Zèbre", "reference": "REF-1"})
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params = {"q": "REF-1", "limit": "2", **({"cursor": cursor} if cursor else {})}
        response = api.get("/clients", **params)
        seen += names(response)
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == ["Zèbre", "Client 0", "Client 1", "Client 2", "Client 3", "Client 4"]


def test_an_exact_match_still_obeys_the_filters(api, organization, owner, plan_mode):
    create_client(organization, owner, {"name": "Archivée", "reference": "X-77", "tags": ["a"]})
    create_client(organization, owner, {"name": "Autre", "reference": "X-770"})
    assert names(api.get("/clients", q="X-77", tag="a")) == ["Archivée"]
    assert names(api.get("/clients", q="X-77", kind="individual")) == []


def test_a_long_term_is_found_exactly_despite_its_rare_trigrams_shortcut(
    api, organization, owner, plan_mode
):
    # The FTS query of a long term asks only for its rarest trigrams ("@ja", "e-d", "-pi"):
    # a client holding those but not the whole term must not come back.
    create_client(
        organization, owner, {"name": "Cible", "email": "contact@jardinerie-des-pins.com"}
    )
    create_client(organization, owner, {"name": "Leurre", "email": "zz@jardinerie-du-pin.fr"})
    create_client(
        organization, owner, {"name": "Autre", "email": "xcontact@jardinerie-des-pins.com"}
    )
    assert search.fts_query("contact@jardinerie-des-pins.com").count(" AND ") == 2
    assert names(api.get("/clients", q="contact@jardinerie-des-pins.com")) == ["Cible", "Autre"]
    assert names(api.get("/clients", q="jardinerie-des-pins")) == ["Autre", "Cible"]
