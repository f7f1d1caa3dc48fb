"""Spreadsheet cells to the values the validation functions take, and back.

The export writes each value as a person reads it ("Entreprise", "M.", "oui", "01 42 68 53
00", "10000,00"); ``cell_for_import`` reads all of that back, plus what other tools and
people write ("Société", "Madame", "VRAI", "France", a French mobile number whose leading
zero Excel dropped), so that an export re-imports to the very same values.

Cells starting with ``=``, ``+``, ``-`` or ``@`` are neutralized in exported CSV files (a
spreadsheet would run them as formulas): ``neutralize`` puts an apostrophe in front, and
``unneutralize`` takes exactly one away. A value that already starts with apostrophes
before such a character gets one more, so the round trip is exact.
"""

from __future__ import annotations

import gettext
import re
from decimal import Decimal
from functools import cache
from typing import Any

import pycountry

from carnet.core import identifiers
from carnet.core.text import fold

_FORMULA = re.compile(r"^'*[=+\-@\t\r]")
_NEUTRALIZED = re.compile(r"^'+[=+\-@\t\r]")
_DIGITS = re.compile(r"^\d+$")

KIND_WORDS = {
    "company": "company",
    "entreprise": "company",
    "societe": "company",
    "personne morale": "company",
    "professionnel": "company",
    "pro": "company",
    "b2b": "company",
    "organisation": "company",
    "organization": "company",
    "business": "company",
    "individual": "individual",
    "particulier": "individual",
    "personne physique": "individual",
    "person": "individual",
    "b2c": "individual",
}
KIND_LABELS = {"company": "Entreprise", "individual": "Particulier"}

CIVILITY_WORDS = {
    "mr": "mr",
    "m": "mr",
    "m.": "mr",
    "monsieur": "mr",
    "mister": "mr",
    "mrs": "mrs",
    "mme": "mrs",
    "madame": "mrs",
    "ms": "mrs",
    "miss": "mrs",
    "mlle": "mrs",
    "mademoiselle": "mrs",
}
CIVILITY_LABELS = {"mr": "M.", "mrs": "Mme"}


def neutralize(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV export)."""
    return "'" + text if _FORMULA.match(text) else text


def unneutralize(text: str) -> str:
    """The value ``neutralize`` protected."""
    return text[1:] if _NEUTRALIZED.match(text) else text


def kind_of(text: str) -> str | None:
    """ "company" or "individual" from what people write; None when it is neither."""
    return KIND_WORDS.get(fold(text).strip())


def civility_of(text: str) -> str | None:
    """ "mr" or "mrs" from what people write ("M.", "Madame", "Mlle"…); None otherwise."""
    key = fold(text).strip()
    return CIVILITY_WORDS.get(key) or CIVILITY_WORDS.get(key.rstrip("."))


@cache
def _country_names() -> dict[str, str]:
    """Folded country names (English, French, official and common) to ISO codes."""
    names: dict[str, str] = {}
    try:
        translate = gettext.translation(
            "iso3166-1", pycountry.LOCALES_DIR, languages=["fr"]
        ).gettext
    except OSError:
        translate = gettext.NullTranslations().gettext
    for country in pycountry.countries:
        code = country.alpha_2
        for attribute in ("name", "official_name", "common_name"):
            name = getattr(country, attribute, None)
            if name:
                names.setdefault(fold(name), code)
                names.setdefault(fold(translate(name)), code)
        names.setdefault(fold(country.alpha_3), code)
    names.update({"angleterre": "GB", "royaume uni": "GB", "uk": "GB", "usa": "US"})
    return names


def country_code(text: str) -> str:
    """An ISO code from a code or a country's name ("France", "Belgique", "Germany"); the
    text unchanged when it is neither (validation then refuses it)."""
    stripped = text.strip()
    if len(stripped) == 2:
        return stripped.upper()
    return _country_names().get(fold(stripped), stripped)


def restore_leading_zero(text: str, kind: str, country: str) -> str:
    """Undo what a spreadsheet does to French numbers stored as numbers: a postcode
    "6000" was "06000", a telephone number "612345678" was "0612345678"."""
    if country not in ("FR", "") or not _DIGITS.match(text):
        return text
    if kind == "postcode" and len(text) == 4:
        return "0" + text
    if kind == "phone" and len(text) == 9 and text[0] != "0":
        return "0" + text
    return text


def parse_amount_text(text: str) -> str:
    """An amount as people type it in a spreadsheet ("10 000,00 €") without its currency."""
    return text.replace("€", "").replace("EUR", "").strip()


# --- Export -----------------------------------------------------------------------------
def phone_for_export(value: str, country: str) -> str:
    """A stored E.164 number as people write it: national for a number of the client's
    country (so that reading it back in that country gives the same number),
    international otherwise."""
    if not value:
        return ""
    import phonenumbers

    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    region = phonenumbers.region_code_for_number(number)
    same = region == (country or "FR") or (region == "FR" and country in ("", "FR"))
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if same
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    text = str(phonenumbers.format_number(number, fmt))
    try:
        if identifiers.clean_phone(text, country=country or "FR") == value:
            return text
    except identifiers.IdentifierError:
        pass
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL))


def amount_for_export(value: Decimal | None, *, decimal_comma: bool) -> str:
    if value is None:
        return ""
    text = f"{value:f}"
    return text.replace(".", ",") if decimal_comma else text


def yes_no(value: bool) -> str:
    return "oui" if value else "non"


def stripped(value: Any) -> str:
    return "" if value is None else str(value).strip()
