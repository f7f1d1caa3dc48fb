"""How the record page's history names the changes this domain records on a client.

``clients.views`` shows a history entry's action and fields by these labels (merged into
its ``ACTION_LABELS`` and ``FIELD_LABELS``); values are stored language-neutral: accounts
by their one-line summary with the IBAN masked, cards by brand and last 4 digits, mandate
statuses as ``"RUM : status"`` codes.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTION_LABELS: dict[str, Promise] = {
    "bank_account_add": _("Ajout d'un compte bancaire"),
    "bank_account_change": _("Modification d'un compte bancaire"),
    "bank_account_delete": _("Suppression d'un compte bancaire"),
    "mandate_add": _("Ajout d'un mandat SEPA"),
    "mandate_change": _("Modification d'un mandat SEPA"),
    "mandate_revoke": _("Révocation d'un mandat SEPA"),
    "mandate_expire": _("Expiration d'un mandat SEPA"),
    "card_add": _("Ajout d'une carte"),
    "card_change": _("Modification d'une carte"),
    "card_delete": _("Suppression d'une carte"),
}

FIELD_LABELS: dict[str, Promise] = {
    "bank_account": _("Compte bancaire"),
    "primary_bank_account": _("Compte principal"),
    "mandate": _("Mandat SEPA"),
    "mandate_status": _("Statut du mandat"),
    "mandate_file": _("Mandat signé"),
    "card": _("Carte"),
    "primary_card": _("Carte principale"),
}
