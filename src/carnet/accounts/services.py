"""Writes for organizations, memberships and tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from carnet.core.errors import Conflict, FieldError, NotFound, ValidationFailed

from .models import ApiToken, Membership, Organization, Role, User

TOKEN_PREFIX = "crn_"


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_organization(
    *, slug: str, name: str, admin_email: str, admin_password: str | None = None
) -> tuple[Organization, User]:
    """Create an organization and its first administrator (an existing user is reused)."""
    clean_slug = slugify(slug)
    errors = []
    if not clean_slug or clean_slug != slug:
        errors.append(
            FieldError(
                "slug",
                "invalid_slug",
                _("L'identifiant ne peut contenir que des lettres minuscules, chiffres et tirets."),
            )
        )
    elif len(clean_slug) > 64:
        errors.append(
            FieldError("slug", "too_long", _("L'identifiant fait 64 caractères au maximum."))
        )
    if not name.strip():
        errors.append(FieldError("name", "required", _("Le nom est obligatoire.")))
    elif len(name.strip()) > 200:
        errors.append(FieldError("name", "too_long", _("Le nom fait 200 caractères au maximum.")))
    admin_email = admin_email.strip()
    if not admin_email:
        errors.append(
            FieldError("admin", "required", _("L'e-mail de l'administrateur est obligatoire."))
        )
    else:
        # Django's check, not the stricter one for client e-mails: staff logins on an
        # internal domain (".local", ".lan") are legitimate.
        try:
            validate_email(admin_email)
        except DjangoValidationError:
            errors.append(
                FieldError(
                    "admin",
                    "invalid_email",
                    _("Saisissez une adresse e-mail valide (par exemple nom@exemple.fr)."),
                )
            )
    if errors:
        raise ValidationFailed(errors)
    if Organization.objects.filter(slug=clean_slug).exists():
        raise Conflict(
            _("Une organisation « %(slug)s » existe déjà.") % {"slug": clean_slug},
            code="organization_exists",
        )
    try:
        organization = Organization.objects.create(slug=clean_slug, name=name.strip())
    except IntegrityError as exc:  # a concurrent creation won
        raise Conflict(
            _("Une organisation « %(slug)s » existe déjà.") % {"slug": clean_slug},
            code="organization_exists",
        ) from exc
    email = admin_email.strip().lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, admin_password)
    elif admin_password:
        user.set_password(admin_password)
        user.save(update_fields=["password"])
    Membership.objects.create(organization=organization, user=user, role=Role.OWNER)
    return organization, user


def add_member(
    organization: Organization, *, email: str, password: str | None = None, role: str = Role.MEMBER
) -> Membership:
    """Add a user (created when new) to an organization."""
    email = email.strip().lower()
    user = User.objects.filter(email=email).first() or User.objects.create_user(email, password)
    membership, _created = Membership.objects.update_or_create(
        organization=organization, user=user, defaults={"role": role}
    )
    return membership


def create_api_token(organization: Organization, user: User, *, name: str = "") -> str:
    """Create a token and return its secret: shown once, only its hash is kept."""
    if not Membership.objects.filter(organization=organization, user=user).exists():
        raise NotFound(_("Cet utilisateur n'est pas membre de cette organisation."))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        organization=organization,
        user=user,
        name=name,
        prefix=secret[:12],
        key_hash=hash_token(secret),
    )
    return secret


def authenticate_token(secret: str) -> ApiToken | None:
    """The live token matching ``secret``, or None. Touches ``last_used_at`` at most once a
    minute. The token carries the user's ``role`` in its organization."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    # One query: the token, its organization and user, and the user's current role there
    # (a token outlives nothing: no membership, no access).
    role = Membership.objects.filter(
        organization=OuterRef("organization"), user=OuterRef("user")
    ).values("role")[:1]
    token = (
        ApiToken.objects.select_related("organization", "user")
        .annotate(role=Subquery(role))
        .filter(
            key_hash=hash_token(secret),
            revoked_at__isnull=True,
            user__is_active=True,
            role__isnull=False,
        )
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def revoke_api_token(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
