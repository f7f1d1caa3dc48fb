"""Reading contacts: search by name, e-mail or phone."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from carnet.accounts.models import Organization
from carnet.core.text import fold

from .models import Contact

MAX_QUERY = 200
_NON_DIGITS = re.compile(r"\D")
_PHONE_LIKE = re.compile(r"^\+?[\d\s.()-]{4,}$")


def search_contacts(organization: Organization, q: str = "") -> QuerySet[Contact]:
    """The organization's contacts whose name, e-mail or phone contains every word of ``q``,
    whatever the case and accents ("durand" finds "Marie DURAND", "0612" finds +33612…)."""
    queryset = Contact.objects.filter(organization=organization)
    text = fold(q[:MAX_QUERY].replace("\x00", ""))
    if _PHONE_LIKE.match(text):
        # "06 12 34" is one phone number, not three words.
        text = ("+" if text.startswith("+") else "") + _NON_DIGITS.sub("", text)
    for word in text.split():
        condition = Q(search_text__contains=word)
        digits = word if word.isdigit() else ""
        if len(digits) >= 4 and digits.startswith("0"):
            # A national number as typed: "06 12…" is stored "+33612…".
            condition |= Q(search_text__contains=digits[1:])
        queryset = queryset.filter(condition)
    return queryset
