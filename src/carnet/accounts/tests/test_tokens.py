"""API tokens: created for members, stored hashed, refused once revoked or orphaned."""

from __future__ import annotations

import pytest
from django.db import connection

from carnet.accounts.models import ApiToken, Membership, User
from carnet.accounts.services import (
    authenticate_token,
    create_api_token,
    hash_token,
    revoke_api_token,
)
from carnet.core.errors import NotFound


def test_the_secret_is_returned_once_and_only_its_hash_is_stored(organization, owner):
    secret = create_api_token(organization, owner, name="Zapier")

    token = ApiToken.objects.get()
    assert secret.startswith("crn_")
    assert len(secret) >= 40
    assert token.key_hash == hash_token(secret)
    assert secret not in token.key_hash
    assert token.prefix == secret[:12]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        rows = cursor.fetchall()
    assert rows
    assert not any(secret in str(value) for row in rows for value in row)


def test_each_token_is_different(organization, owner):
    assert create_api_token(organization, owner) != create_api_token(organization, owner)


def test_a_token_authenticates_its_user_in_its_organization(organization, owner):
    secret = create_api_token(organization, owner)
    token = authenticate_token(secret)
    assert token is not None
    assert (token.organization, token.user) == (organization, owner)
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.parametrize("secret", ["", "crn_", "crn_nope", "nope", "crn_" + "a" * 500])
def test_an_unknown_secret_authenticates_nobody(organization, owner, secret):
    create_api_token(organization, owner)
    assert authenticate_token(secret) is None


def test_a_secret_is_not_accepted_by_its_hash_or_its_prefix(organization, owner):
    secret = create_api_token(organization, owner)
    token = ApiToken.objects.get()
    assert authenticate_token(token.key_hash) is None
    assert authenticate_token(token.prefix) is None
    assert authenticate_token(secret[:-1]) is None


def test_a_revoked_token_is_refused(organization, owner):
    secret = create_api_token(organization, owner)
    revoke_api_token(ApiToken.objects.get())
    assert authenticate_token(secret) is None


def test_revoking_one_token_leaves_the_others(organization, owner):
    first = create_api_token(organization, owner, name="first")
    second = create_api_token(organization, owner, name="second")
    revoke_api_token(ApiToken.objects.get(name="first"))
    assert authenticate_token(first) is None
    assert authenticate_token(second) is not None


def test_the_token_of_a_user_removed_from_the_organization_is_refused(organization, member):
    secret = create_api_token(organization, member)
    Membership.objects.filter(organization=organization, user=member).delete()
    assert authenticate_token(secret) is None


def test_the_token_of_a_deactivated_user_is_refused(organization, member):
    secret = create_api_token(organization, member)
    User.objects.filter(pk=member.pk).update(is_active=False)
    assert authenticate_token(secret) is None


def test_a_token_is_only_created_for_a_member(organization, outsider):
    with pytest.raises(NotFound):
        create_api_token(organization, outsider)
    assert not ApiToken.objects.exists()


def test_a_token_of_one_organization_does_not_open_another(organization, owner, other_organization):
    secret = create_api_token(organization, owner)
    token = authenticate_token(secret)
    assert token is not None and token.organization != other_organization
