"""Creating organizations."""

from __future__ import annotations

import pytest

from carnet.accounts.models import Membership, Organization, Role
from carnet.accounts.services import create_organization
from carnet.core.errors import Conflict, ValidationFailed


@pytest.mark.django_db
def test_it_creates_the_organization_and_its_owner():
    organization, user = create_organization(
        slug="atelier-lune", name="Atelier Lune", admin_email="Claire@Atelier-Lune.FR"
    )
    assert user.email == "claire@atelier-lune.fr"
    assert Membership.objects.get(organization=organization, user=user).role == Role.OWNER


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("slug", "name", "email", "field", "code"),
    [
        ("Atelier Lune", "Atelier", "a@b.fr", "slug", "invalid_slug"),
        ("a" * 65, "Atelier", "a@b.fr", "slug", "too_long"),
        ("atelier", "   ", "a@b.fr", "name", "required"),
        ("atelier", "x" * 201, "a@b.fr", "name", "too_long"),
        ("atelier", "Atelier", "pas-un-email", "admin", "invalid_email"),
        ("atelier", "Atelier", "", "admin", "required"),
    ],
)
def test_it_refuses_bad_input_and_writes_nothing(slug, name, email, field, code):
    with pytest.raises(ValidationFailed) as caught:
        create_organization(slug=slug, name=name, admin_email=email)
    assert [(e.field, e.code) for e in caught.value.errors] == [(field, code)]
    assert not Organization.objects.exists()


@pytest.mark.django_db
def test_a_taken_slug_is_a_conflict():
    create_organization(slug="atelier", name="Atelier", admin_email="a@b.fr")
    with pytest.raises(Conflict):
        create_organization(slug="atelier", name="Autre", admin_email="c@d.fr")
