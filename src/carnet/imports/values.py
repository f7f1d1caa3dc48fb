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

PAYMENT_METHOD_WORDS = {
    "transfer": "transfer",
    "virement": "transfer",
    "virement bancaire": "transfer",
    "vir": "transfer",
    "bank transfer": "transfer",
    "wire transfer": "transfer",
    "sepa": "transfer",
    "cheque": "cheque",
    "check": "cheque",
    "chq": "cheque",
    "direct_debit": "direct_debit",
    "direct debit": "direct_debit",
    "prelevement": "direct_debit",
    "prelevement sepa": "direct_debit",
    "prlv": "direct_debit",
    "sepa direct debit": "direct_debit",
    "card": "card",
    "carte": "card",
    "carte bancaire": "card",
    "cb": "card",
    "credit card": "card",
    "cash": "cash",
    "especes": "cash",
    "liquide": "cash",
    "other": "other",
    "autre": "other",
    # Methods other tools know and Carnet files under "other".
    "lcr": "other",
    "traite": "other",
    "effet de commerce": "other",
    "paypal": "other",
    "stripe": "other",
}
# As exported: the French label of each method (read back by ``payment_method_of``).
PAYMENT_METHOD_LABELS = {
    "transfer": "Virement",
    "cheque": "Chèque",
    "direct_debit": "Prélèvement",
    "card": "Carte bancaire",
    "cash": "Espèces",
    "other": "Autre",
}


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


def payment_method_of(text: str) -> str | None:
    """A payment method's code from what people write ("Virement", "CB", "Chèque"…);
    None when it is none of them."""
    return PAYMENT_METHOD_WORDS.get(" ".join(fold(text).replace("-", " ").split()))


_TERMS_NUMBER = re.compile(r"\d+")
_TERMS_END_OF_MONTH = re.compile(r"\b(fin de mois|fdm|fm|end of month|eom)\b")
_TERMS_ON_RECEIPT = frozenset(
    (
        "a reception",
        "a reception de facture",
        "reception de facture",
        "comptant",
        "au comptant",
        "immediat",
        "upon receipt",
        "due on receipt",
        "on receipt",
        "immediate",
    )
)


def payment_terms_of(text: str) -> tuple[int, bool | None] | None:
    """Payment terms as other tools write them: "30", "30 jours", "45 j fin de mois",
    "Net 30", "60 days EOM", "À réception" -> (days, end of month, or None when the text
    does not say); None when unreadable."""
    folded = " ".join(fold(text).replace("-", " ").split())
    if folded in _TERMS_ON_RECEIPT:
        return 0, None
    numbers = _TERMS_NUMBER.findall(folded)
    if len(numbers) != 1 or len(numbers[0]) > 3:
        return None
    rest = _TERMS_END_OF_MONTH.sub("", _TERMS_NUMBER.sub("", folded))
    rest = re.sub(r"\b(jours?|j|days?|d|net|a|de|le)\b", "", rest)
    if rest.strip(" .,"):
        return None
    end_of_month = True if _TERMS_END_OF_MONTH.search(folded) else None
    return int(numbers[0]), end_of_month


_PENNYLANE_VAT = re.compile(r"^fr_(\d{1,3})$")


def vat_rate_of(text: str) -> str:
    """A VAT rate as other tools write it: "20", "20 %", "5,5", Pennylane's "FR_55" (5.5),
    "exonéré" (0); the text as it is otherwise (validation explains)."""
    folded = fold(text).replace(" ", "")
    if folded in ("exonere", "exempt", "exoneration", "horstaxe"):
        return "0"
    match = _PENNYLANE_VAT.match(folded)
    if match:
        return str(Decimal(match.group(1)) / 10)
    return text


def currency_of(text: str) -> str:
    """An ISO 4217 code from what people write ("eur", "€", "Euro", "US Dollar"); the text
    as it is when it names no currency (validation explains)."""
    stripped = text.strip()
    symbols = {"€": "EUR", "$": "USD", "£": "GBP", "CHF": "CHF", "FS": "CHF"}
    if stripped.upper() in symbols or stripped in symbols:
        return symbols.get(stripped.upper(), symbols.get(stripped, stripped))
    if len(stripped) == 3:
        return stripped.upper()
    try:
        return str(pycountry.currencies.lookup(stripped).alpha_3)
    except LookupError:
        return stripped


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
