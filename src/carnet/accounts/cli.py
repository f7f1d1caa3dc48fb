"""``carnet org …`` and ``carnet token …``, and the lookups every ``--org`` command uses."""

from __future__ import annotations

import argparse
import secrets
from typing import Any

from django.utils.translation import gettext as _

from carnet.core.cli import CommandError, add_command, add_group, add_org_argument

from .models import Membership, Organization, User
from .services import create_api_token, create_organization


def get_organization(slug: str) -> Organization:
    """The organization with this slug, else a ``CommandError`` naming it."""
    organization = Organization.objects.filter(slug=slug.strip()).first()
    if organization is None:
        raise CommandError(_("Organisation « %(slug)s » introuvable.") % {"slug": slug})
    return organization


def get_member(organization: Organization, email: str) -> User:
    """The member of ``organization`` with this e-mail, else a ``CommandError``."""
    user = User.objects.filter(email=email.strip().lower()).first()
    if user is None:
        raise CommandError(_("Utilisateur « %(email)s » introuvable.") % {"email": email})
    if not Membership.objects.filter(organization=organization, user=user).exists():
        raise CommandError(
            _("L'utilisateur « %(email)s » n'est pas membre de l'organisation « %(slug)s ».")
            % {"email": user.email, "slug": organization.slug}
        )
    return user


def register(subparsers: Any) -> None:
    org = add_group(subparsers, "org", help=_("gérer les organisations"))
    create = add_command(
        org,
        "create",
        _create_organization,
        help=_("créer une organisation et son administrateur"),
        description=_(
            "Crée une organisation et son premier administrateur. Sans --password, un mot "
            "de passe est généré et affiché."
        ),
    )
    create.add_argument(
        "slug", metavar="SLUG", help=_("identifiant (minuscules, chiffres, tirets)")
    )
    create.add_argument("--name", required=True, help=_("nom de l'organisation"))
    create.add_argument(
        "--admin", required=True, metavar="EMAIL", help=_("e-mail de l'administrateur")
    )
    create.add_argument("--password", help=_("mot de passe de l'administrateur"))

    token = add_group(subparsers, "token", help=_("gérer les jetons d'API"))
    create_token = add_command(
        token,
        "create",
        _create_token,
        help=_("créer un jeton d'API (affiché sur la dernière ligne)"),
    )
    add_org_argument(create_token)
    create_token.add_argument(
        "--user", required=True, metavar="EMAIL", help=_("e-mail du membre qui utilisera le jeton")
    )
    create_token.add_argument("--name", default="", help=_("libellé du jeton"))


def _create_organization(args: argparse.Namespace) -> int:
    # An existing user keeps their password unless a new one is given on purpose.
    existing_user = User.objects.filter(email=args.admin.strip().lower()).exists()
    generated = None if args.password or existing_user else secrets.token_urlsafe(12)
    organization, user = create_organization(
        slug=args.slug,
        name=args.name,
        admin_email=args.admin,
        admin_password=args.password or generated,
    )
    print(
        _("Organisation « %(name)s » (%(slug)s) créée.")
        % {"name": organization.name, "slug": organization.slug}
    )
    print(_("Administrateur : %(email)s") % {"email": user.email})
    if generated:
        print(_("Mot de passe : %(password)s") % {"password": generated})
    elif existing_user and not args.password:
        print(_("Cet utilisateur existait déjà : il garde son mot de passe."))
    return 0


def _create_token(args: argparse.Namespace) -> int:
    organization = get_organization(args.org)
    user = get_member(organization, args.user)
    secret = create_api_token(organization, user, name=args.name)
    print(
        _(
            "Jeton d'API créé pour %(email)s dans « %(name)s ». Conservez-le : il ne sera plus "
            "affiché."
        )
        % {"email": user.email, "name": organization.name}
    )
    print(secret)
    return 0
