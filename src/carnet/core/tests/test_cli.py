"""The ``carnet`` command line, run in-process through ``carnet.cli.main``."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.utils import timezone

from carnet.accounts.models import ApiToken, Membership, Organization, Role, User
from carnet.accounts.services import hash_token
from carnet.cli import main
from carnet.clients.models import Client
from carnet.clients.services import create_client, delete_client
from carnet.conftest import PASSWORD, ApiClient


def run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- carnet org create --------------------------------------------------------------------
@pytest.mark.django_db
def test_it_creates_an_organization_and_prints_a_generated_password(capsys: Any) -> None:
    code, out, err = run(
        capsys, "org", "create", "acme", "--name", "Acme SARL", "--admin", "Admin@Acme.fr"
    )

    assert code == 0, err
    organization = Organization.objects.get(slug="acme")
    assert organization.name == "Acme SARL"
    assert "Organisation « Acme SARL » (acme) créée." in out
    password = out.strip().splitlines()[-1].removeprefix("Mot de passe : ")
    assert len(password) >= 12
    user = authenticate(email="admin@acme.fr", password=password)
    assert user is not None
    assert Membership.objects.get(organization=organization, user=user).role == Role.OWNER


@pytest.mark.django_db
def test_it_uses_the_password_it_is_given(capsys: Any) -> None:
    code, out, err = run(
        capsys, "org", "create", "acme", "--name", "Acme", "--admin", "a@acme.fr",
        "--password", "un-mot-de-passe-solide",
    )  # fmt: skip

    assert code == 0, err
    assert "Mot de passe" not in out
    assert authenticate(email="a@acme.fr", password="un-mot-de-passe-solide") is not None


def test_it_keeps_the_password_of_an_existing_user(capsys: Any, owner: User) -> None:
    code, out, err = run(
        capsys, "org", "create", "filiale", "--name", "Filiale", "--admin", "owner@dupont.fr"
    )

    assert code == 0, err
    assert "garde son mot de passe" in out
    assert authenticate(email="owner@dupont.fr", password=PASSWORD) == owner
    assert Membership.objects.filter(organization__slug="filiale", user=owner).exists()


def test_it_refuses_an_organization_that_exists(capsys: Any, organization: Organization) -> None:
    code, out, err = run(
        capsys, "org", "create", organization.slug, "--name", "Autre", "--admin", "x@y.fr"
    )

    assert code == 2
    assert "Une organisation « dupont-associes » existe déjà." in err
    assert "Traceback" not in err
    assert Organization.objects.filter(slug=organization.slug).count() == 1


@pytest.mark.django_db
def test_it_refuses_a_bad_slug_and_a_bad_email_in_french(capsys: Any) -> None:
    code, out, err = run(
        capsys, "org", "create", "Pas Bon!", "--name", "X", "--admin", "pas-un-email"
    )

    assert code == 2
    assert "lettres minuscules, chiffres et tirets" in err
    assert "adresse e-mail valide" in err
    assert not Organization.objects.exists()


@pytest.mark.django_db
def test_it_refuses_a_missing_argument_with_a_usage_message(capsys: Any) -> None:
    code, out, err = run(capsys, "org", "create", "acme", "--admin", "a@acme.fr")

    assert code == 2
    assert "--name" in err
    assert not Organization.objects.exists()


# --- carnet token create ------------------------------------------------------------------
def test_it_prints_a_working_token_on_its_last_line(
    capsys: Any, organization: Organization, owner: User, other_organization: Organization
) -> None:
    create_client(organization, owner, {"name": "Boulangerie Lemoine"})
    create_client(other_organization, None, {"name": "Client d'une autre organisation"})

    code, out, err = run(
        capsys, "token", "create", "--org", organization.slug, "--user", "OWNER@dupont.fr"
    )

    assert code == 0, err
    token = out.strip().splitlines()[-1]
    response = ApiClient(token).get("/clients")
    assert response.status_code == 200
    assert [c["name"] for c in response.json()["items"]] == ["Boulangerie Lemoine"]


def test_it_stores_only_a_hash_of_the_token(
    capsys: Any, organization: Organization, owner: User
) -> None:
    code, out, err = run(
        capsys, "token", "create", "--org", organization.slug, "--user", owner.email,
        "--name", "Export comptable",
    )  # fmt: skip

    token = out.strip().splitlines()[-1]
    stored = ApiToken.objects.get(organization=organization)
    assert stored.key_hash == hash_token(token)
    assert stored.name == "Export comptable"
    assert token not in {stored.key_hash, stored.prefix}


def test_it_gives_a_member_a_token_too(
    capsys: Any, organization: Organization, member: User
) -> None:
    code, out, err = run(
        capsys, "token", "create", "--org", organization.slug, "--user", member.email
    )

    assert code == 0, err
    assert ApiClient(out.strip().splitlines()[-1]).get("/clients").status_code == 200


@pytest.mark.django_db
def test_it_refuses_an_unknown_organization_in_french(capsys: Any) -> None:
    code, out, err = run(capsys, "token", "create", "--org", "inconnue", "--user", "a@b.fr")

    assert code == 2
    assert err.strip() == "Erreur : Organisation « inconnue » introuvable."
    assert out == ""
    assert not ApiToken.objects.exists()


def test_it_refuses_an_unknown_user(capsys: Any, organization: Organization) -> None:
    code, out, err = run(
        capsys, "token", "create", "--org", organization.slug, "--user", "personne@dupont.fr"
    )

    assert code == 2
    assert "Utilisateur « personne@dupont.fr » introuvable." in err
    assert not ApiToken.objects.exists()


def test_it_refuses_a_user_of_another_organization(
    capsys: Any, organization: Organization, outsider: User
) -> None:
    code, out, err = run(
        capsys, "token", "create", "--org", organization.slug, "--user", outsider.email
    )

    assert code == 2
    assert "n'est pas membre de l'organisation « dupont-associes »" in err
    assert not ApiToken.objects.filter(organization=organization).exists()


# --- carnet client purge-trash ------------------------------------------------------------
def test_it_purges_the_trash_older_than_the_given_days(
    capsys: Any, organization: Organization, owner: User, other_organization: Organization
) -> None:
    old = create_client(organization, owner, {"name": "Ancien client"})
    recent = create_client(organization, owner, {"name": "Client récent"})
    kept = create_client(organization, owner, {"name": "Client actif"})
    foreign = create_client(other_organization, None, {"name": "Autre organisation"})
    for client, org in ((old, organization), (recent, organization), (foreign, other_organization)):
        delete_client(org, None, client.pk)
    Client.objects.filter(pk=old.pk).update(deleted_at=timezone.now() - timedelta(days=45))

    code, out, err = run(capsys, "client", "purge-trash", "--org", organization.slug)

    assert code == 0, err
    assert out.strip() == "1 client supprimé définitivement."
    assert set(Client.objects.values_list("name", flat=True)) == {
        "Client récent", "Client actif", "Autre organisation",
    }  # fmt: skip

    code, out, err = run(
        capsys, "client", "purge-trash", "--org", organization.slug, "--older-than", "0"
    )
    assert out.strip() == "1 client supprimé définitivement."
    assert Client.objects.filter(pk=kept.pk).exists()
    assert Client.objects.filter(pk=foreign.pk).exists()


def test_it_refuses_a_negative_number_of_days(capsys: Any, organization: Organization) -> None:
    code, out, err = run(
        capsys, "client", "purge-trash", "--org", organization.slug, "--older-than", "-3"
    )

    assert code == 2
    assert "entre 0 et 36500" in err


# --- the command line as a whole ----------------------------------------------------------
@pytest.mark.django_db
def test_it_lists_the_commands_when_none_is_given(capsys: Any) -> None:
    code, out, err = run(capsys)

    assert code == 2
    for command in ("serve", "migrate", "demo", "org", "token", "client"):
        assert command in out


@pytest.mark.django_db
def test_a_group_without_a_command_shows_its_commands(capsys: Any) -> None:
    code, out, err = run(capsys, "token")

    assert code == 2
    assert "create" in out


@pytest.mark.django_db
def test_it_refuses_an_unknown_command(capsys: Any) -> None:
    code, out, err = run(capsys, "fly")

    assert code == 2
    assert "fly" in err


def test_python_dash_m_carnet_is_the_same_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "carnet", "--version"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("carnet ")
