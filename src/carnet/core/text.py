"""Text normalization shared by search, sorting and duplicate detection."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers

_SPACES = re.compile(r"\s+")


def fold(value: str) -> str:
    """Lower-case, strip accents and collapse white space: "  Éric  LE Bœuf" -> "eric le boeuf".

    Used for every stored search key and for the query, so both sides compare alike.
    """
    if value.isascii():  # most names: the same result without Unicode decomposition
        return _SPACES.sub(" ", value.lower()).strip()
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return _SPACES.sub(" ", stripped).strip()


# --- Telephone numbers in search ---------------------------------------------------------
_PHONE_QUERY = re.compile(r"^\+?[\d\s.()/-]+$")
_NON_DIGITS = re.compile(r"\D")
_FRENCH_E164 = re.compile(r"^\+33[1-9]\d{8}$")


def phone_search_digits(e164: str) -> str:
    """The digits a stored number is found by: its national form as people dial it
    ("0142685300") and its international digits ("33142685300"), so that a query typed
    either way, with or without separators, is a substring of one of them."""
    if _FRENCH_E164.match(e164):  # the national form of a French number is 0 + 9 digits
        return f"0{e164[3:]} {e164[1:]}"
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return _NON_DIGITS.sub("", e164)
    national = _NON_DIGITS.sub(
        "", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    )
    international = _NON_DIGITS.sub("", e164)
    return f"{national} {international}" if national != international else international


@dataclass(frozen=True)
class PhoneQuery:
    """What a query that looks like a telephone number searches for: ``digits`` as a
    substring, and ``e164`` for an exact match when the query is a whole number."""

    digits: str
    e164: str = ""


def phone_query(text: str, *, country: str = "FR") -> PhoneQuery | None:
    """Read ``text`` as (part of) a telephone number, or None when it is not one.

    "01 42 68 53 00", "01.42.68.53.00", "+33 1 42 68 53 00" and "0033142685300" all give
    the number +33142685300; "42 68 53" gives the digits to look for inside numbers.
    """
    stripped = text.strip()
    if not _PHONE_QUERY.match(stripped):
        return None
    digits = _NON_DIGITS.sub("", stripped)
    if not digits:
        return None
    international = stripped.startswith("+") or digits.startswith("00")
    if international or (digits.startswith("0") and len(digits) >= 9):
        candidate = "+" + digits[2:] if digits.startswith("00") else digits
        if stripped.startswith("+"):
            candidate = "+" + digits
        try:
            number = phonenumbers.parse(candidate, None if candidate.startswith("+") else country)
        except phonenumbers.NumberParseException:
            return PhoneQuery(digits)
        if phonenumbers.is_valid_number(number):
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            # The national significant number is inside both stored forms.
            return PhoneQuery(phonenumbers.national_significant_number(number), e164)
    return PhoneQuery(digits)
