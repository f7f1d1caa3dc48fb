"""Searching clients: what matches, in which order, and what never shows up.

Every search plan (few trigram hits, ordered walk, walk given up) must give the same
answer; the plans are forced here with tiny thresholds so each is exercised on a few rows.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carnet.clients import planner, search
from carnet.clients.services import archive_client, create_client, delete_client


def luhn_complete(digits: str) -> str:
    """``digits`` followed by the key that makes it pass the Luhn test (SIREN, SIRET)."""
    for key in "0123456789":
        candidate = digits + key
        total = 0
        for i, ch in enumerate(reversed(candidate)):
            d = int(ch) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


SIREN = luhn_complete("73282932")
SIRET = luhn_complete(SIREN + "0007")


def names(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


@pytest.fixture(params=["planned", "walk", "walk_given_up", "rare_together", "name_order"])
def plan_mode(request: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test under each search plan: few hits fetched by id, the ordered walk, and
    the walk interrupted at once (SQLite; PostgreSQL ignores these knobs)."""
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
def clients(organization: Any, owner: Any) -> dict[str, Any]:
    made = {}
    for data in [
        {
            "kind": "company",
            "name": "Boulangerie Dupont",
            "siret": SIRET,
            "email": "contact@boulangerie-dupont.fr",
        },
        {"kind": "company", "name": "Dupont et Fils"},
        {
            "kind": "individual",
            "first_name": "Éloïse",
            "last_name": "Marchand",
            "email": "eloise_marchand@orange.fr",
        },
        {
            "kind": "individual",
            "first_name": "Jean",
            "last_name": "Dubois",
            "email": "jeanxmarchand@free.fr",
        },
        {"kind": "company", "name": "Garage du Centre", "reference": "GAR-2024-017"},
        {"kind": "company", "name": "SARL Lefèvre & Associés"},
    ]:
        client = create_client(organization, owner, data)
        made[client.name] = client
    return made


def test_it_finds_a_name_by_its_prefix(api: Any, clients: Any, plan_mode: str) -> None:
    assert names(api.get("/clients", q="dupo")) == ["Boulangerie Dupont", "Dupont et Fils"]
    assert names(api.get("/clients", q="garage du")) == ["Garage du Centre"]


def test_it_finds_a_substring_anywhere_sorted_by_name(
    api: Any, clients: Any, plan_mode: str
) -> None:
    assert names(api.get("/clients", q="pont")) == ["Boulangerie Dupont", "Dupont et Fils"]
    assert names(api.get("/clients", q="ntre")) == ["Garage du Centre"]


def test_it_ignores_case_and_accents(api: Any, clients: Any, plan_mode: str) -> None:
    assert names(api.get("/clients", q="ELOISE")) == ["Éloïse Marchand"]
    assert names(api.get("/clients", q="lefevre")) == ["SARL Lefèvre & Associés"]
    assert names(api.get("/clients", q="LÉFÉVRÉ")) == ["SARL Lefèvre & Associés"]
    assert names(api.get("/clients", q="Lefèvre")) == ["SARL Lefèvre & Associés"]


def test_it_finds_a_siret_typed_with_spaces_or_dots(api: Any, clients: Any, plan_mode: str) -> None:
    spaced = f"{SIRET[:3]} {SIRET[3:6]} {SIRET[6:9]} {SIRET[9:]}"
    assert names(api.get("/clients", q=spaced)) == ["Boulangerie Dupont"]
    assert names(api.get("/clients", q=SIRET)) == ["Boulangerie Dupont"]
    assert names(api.get("/clients", q=f"{SIREN[:3]}.{SIREN[3:6]}.{SIREN[6:]}")) == [
        "Boulangerie Dupont"
    ]


def test_it_finds_part_of_a_siret_and_the_siren(api: Any, clients: Any, plan_mode: str) -> None:
    assert names(api.get("/clients", q=SIREN)) == ["Boulangerie Dupont"]
    assert names(api.get("/clients", q=SIRET[4:12])) == ["Boulangerie Dupont"]


def test_it_finds_a_reference_and_an_email(api: Any, clients: Any, plan_mode: str) -> None:
    assert names(api.get("/clients", q="gar-2024")) == ["Garage du Centre"]
    assert names(api.get("/clients", q="contact@boulangerie")) == ["Boulangerie Dupont"]


def test_an_underscore_or_percent_matches_only_itself(
    api: Any, clients: Any, plan_mode: str
) -> None:
    assert names(api.get("/clients", q="eloise_marchand")) == ["Éloïse Marchand"]
    assert names(api.get("/clients", q="jean_marchand")) == []  # not "jeanxmarchand"
    assert names(api.get("/clients", q="%")) == []
    assert names(api.get("/clients", q="a%b")) == []


def test_short_queries_match_the_start_of_names(api: Any, clients: Any, plan_mode: str) -> None:
    assert names(api.get("/clients", q="du")) == ["Dupont et Fils"]  # not "Jean Dubois"
    assert names(api.get("/clients", q="É")) == ["Éloïse Marchand"]
    assert names(api.get("/clients", q="e")) == ["Éloïse Marchand"]


def test_a_query_matching_nothing_gives_an_empty_page(
    api: Any, clients: Any, plan_mode: str
) -> None:
    response = api.get("/clients", q="zzzyx")
    assert names(response) == []
    assert response.json()["next_cursor"] is None


def test_archived_clients_are_left_out_unless_asked(
    api: Any, organization: Any, owner: Any, clients: Any, plan_mode: str
) -> None:
    archive_client(organization, owner, clients["Boulangerie Dupont"].pk)
    assert names(api.get("/clients", q="dupont")) == ["Dupont et Fils"]
    assert names(api.get("/clients", q="dupont", archived="true")) == ["Boulangerie Dupont"]
    # With archived=all, archived clients come last whatever their name.
    assert names(api.get("/clients", q="dupont", archived="all")) == [
        "Dupont et Fils",
        "Boulangerie Dupont",
    ]


def test_deleted_clients_are_only_found_in_the_trash(
    api: Any, organization: Any, owner: Any, clients: Any, plan_mode: str
) -> None:
    delete_client(organization, owner, clients["Dupont et Fils"].pk)
    assert names(api.get("/clients", q="dupont")) == ["Boulangerie Dupont"]
    assert names(api.get("/clients", q="dupont", trash="true")) == ["Dupont et Fils"]


def test_another_organizations_clients_are_never_found(
    api: Any,
    outsider_api: Any,
    clients: Any,
    other_organization: Any,
    outsider: Any,
    plan_mode: str,
) -> None:
    create_client(
        other_organization, outsider, {"kind": "company", "name": "Dupont Voisin", "siret": SIRET}
    )
    assert names(api.get("/clients", q="dupont")) == ["Boulangerie Dupont", "Dupont et Fils"]
    assert names(api.get("/clients", q=SIRET)) == ["Boulangerie Dupont"]
    assert names(outsider_api.get("/clients", q="dupont")) == ["Dupont Voisin"]
    assert names(outsider_api.get("/clients", q="boulangerie")) == []


def test_search_results_page_in_name_order(
    api: Any, organization: Any, owner: Any, plan_mode: str
) -> None:
    for i, first in enumerate(["Zoé", "Adèle", "Marc", "Émile", "Inès", "Bruno", "Léa", "Hugo"]):
        create_client(
            organization,
            owner,
            {
                "kind": "individual",
                "first_name": first,
                "last_name": "Marchal",
                "email": f"m{i}@exemple.fr",
            },
        )
    create_client(organization, owner, {"kind": "company", "name": "Sans Rapport"})
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params = {"q": "marchal", "limit": "3", **({"cursor": cursor} if cursor else {})}
        response = api.get("/clients", **params)
        seen += names(response)
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == [
        f"{n} Marchal" for n in ["Adèle", "Bruno", "Émile", "Hugo", "Inès", "Léa", "Marc", "Zoé"]
    ]


def test_search_pages_backwards_by_name_too(
    api: Any, organization: Any, owner: Any, plan_mode: str
) -> None:
    for first in ["Anne", "Paul", "Yves"]:
        create_client(
            organization, owner, {"kind": "individual", "first_name": first, "last_name": "Roussel"}
        )
    first_page = api.get("/clients", q="roussel", sort="-name", limit="2")
    second_page = api.get(
        "/clients", q="roussel", sort="-name", limit="2", cursor=first_page.json()["next_cursor"]
    )
    assert names(first_page) + names(second_page) == [
        "Yves Roussel",
        "Paul Roussel",
        "Anne Roussel",
    ]


def test_search_combines_with_other_filters(api: Any, clients: Any, plan_mode: str) -> None:
    assert names(api.get("/clients", q="marchand", kind="individual")) == [
        "Éloïse Marchand",
        "Jean Dubois",
    ]
    assert names(api.get("/clients", q="marchand", kind="company")) == []
    assert names(api.get("/clients", q="dupont", sort="created_at")) == [
        "Boulangerie Dupont",
        "Dupont et Fils",
    ]


def test_a_changed_name_is_found_under_the_new_one(
    api: Any, organization: Any, owner: Any, clients: Any, plan_mode: str
) -> None:
    from carnet.clients.services import update_client

    update_client(
        organization, owner, clients["Garage du Centre"].pk, {"name": "Carrosserie Moulin"}
    )
    assert names(api.get("/clients", q="moulin")) == ["Carrosserie Moulin"]
    assert names(api.get("/clients", q="garage")) == []


@pytest.mark.parametrize(
    "q",
    ['"', 'l"an', "a*b", "NEAR(a b)", "x OR y", "^abc", "dupont AND", "(((", "--", "é'è\"à"],
)
def test_search_syntax_characters_are_literal_text(api, organization, owner, plan_mode, q):
    create_client(organization, owner, {"name": f"Chez {q} et cie"})
    create_client(organization, owner, {"name": "Autre maison"})
    response = api.get("/clients", q=q)
    assert response.status_code == 200, response.content
    found = [item["name"] for item in response.json()["items"]]
    assert "Autre maison" not in found
    if len(search.parse_query(q).term) >= search.MIN_TRIGRAM:
        assert found == [f"Chez {q} et cie"]


def test_name_keys_sort_like_the_names(organization: Any, owner: Any) -> None:
    names = sorted(
        [
            "",
            "a",
            "a b",
            "a!b",
            "a0",
            "ab",
            "ab ",
            "abc",
            "b",
            "z",
            "zz",
            "zé",
            "~x",
            "0",
            " a",
            "ab-c",
            "abcdef",
            "abcdefg",
            "abcdf",
        ]
    )
    groups = [search.name_group(n) for n in names]
    assert groups == sorted(groups)  # never out of order; equal groups are sorted in full
    assert search.name_key("abc", 42) & search.NAME_KEY_ID_MASK == 42


@given(st.text(max_size=12), st.text(max_size=12))
def test_a_name_key_never_contradicts_the_name_order(a: str, b: str) -> None:
    low, high = sorted((a, b))
    assert search.name_group(low) <= search.name_group(high)


def test_a_client_with_thousands_of_contacts_keeps_a_bounded_search_text():
    from carnet.clients.search import MAX_SEARCH_TEXT, search_text

    values = {"name": "Menuiserie Gérard", "email": "contact@gerard.fr", "siret": "73282932000074"}
    names = [f"Contact numéro {i}" for i in range(5000)]
    text = search_text(values, names)
    assert len(text) <= MAX_SEARCH_TEXT
    assert text.startswith("menuiserie gerard")
    assert "contact@gerard.fr" in text and "73282932000074" in text
    assert "contact numero 0" in text
    assert search_text(values, ["  ", "Anne Marie"]).endswith("73282932000074 anne marie")
