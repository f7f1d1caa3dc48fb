"""Validation and normalization of French and EU business identifiers.

Every ``clean_*`` function takes a raw string as typed by a person (spaces, dots,
dashes, lower case accepted where it makes sense), returns the normalized value,
and raises :class:`IdentifierError` when the value is not acceptable. A blank
value (empty or white space only) is returned as ``""``: whether the field is
required is the caller's business.

Checksums and national formats come from maintained libraries, never from
hand-written code: ``python-stdnum`` (SIREN, SIRET, EU VAT numbers),
``phonenumbers`` (telephone numbers), ``email-validator`` (e-mail addresses),
``pycountry`` (ISO 3166-1 country codes) and Django's ``URLValidator``; for payments,
``stdnum.iban`` and its copy of the SWIFT IBAN registry, ``stdnum.bic``,
``stdnum.iso7064.mod_97_10`` (SEPA creditor identifiers) and ``stdnum.luhn`` (card numbers).

Messages are lazy French strings (the msgids are French); nothing is translated
at import time, and no Django settings are needed until a message is rendered.

Speed: an import validates every row, so the cleaners that cost most through their
library (e-mail, phone, SIRET, SIREN, VAT number, website, country) first try a fast
path for the forms that fill real client files (``nom@exemple.fr``, ``01 23 45 67 89``,
``552 100 554 00016``, ``FR 40 303265045``, ``www.exemple.fr``). A fast path only ever
*accepts*, with the result the library would give, using the library's own rules and
data (the phonenumbers metadata for France, email-validator's character classes and
special-use names, stdnum's checksums); anything else, every refusal included, is
decided by the library as before. Each ``library_clean_*`` function is the same cleaner
without its fast path: the reference the tests compare the fast paths with.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import TypeAlias

import email_validator
import phonenumbers
import pycountry
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _
from email_validator import EmailNotValidError, validate_email
from email_validator import rfc_constants as email_rfc
from stdnum import bic as stdnum_bic
from stdnum import exceptions as stdnum_exceptions
from stdnum import iban as stdnum_iban
from stdnum import luhn as stdnum_luhn
from stdnum import numdb as stdnum_numdb
from stdnum.eu import vat as stdnum_vat
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret
from stdnum.fr import tva as stdnum_tva
from stdnum.iso7064 import mod_97_10 as stdnum_mod_97_10

from .errors import FieldError

__all__ = [
    "DEFAULT_COUNTRY",
    "EU_MEMBER_STATES",
    "FRENCH_VAT_AREA",
    "KIND_INDIVIDUAL",
    "VAT_REGIME_EXPORT",
    "VAT_REGIME_REVERSE_CHARGE",
    "VAT_REGIME_STANDARD",
    "IdentifierError",
    "banking_area",
    "card_number_error",
    "check_siren_matches_siret",
    "clean_bic",
    "clean_country",
    "clean_creditor_identifier",
    "clean_email",
    "clean_iban",
    "clean_naf_code",
    "clean_phone",
    "clean_siren",
    "clean_siret",
    "clean_vat_number",
    "clean_website",
    "find_card_number",
    "format_iban",
    "french_vat_from_siren",
    "iban_length",
    "library_clean_country",
    "library_clean_email",
    "library_clean_phone",
    "library_clean_siren",
    "library_clean_siret",
    "library_clean_vat_number",
    "library_clean_website",
    "mask_iban",
    "refuse_card_numbers",
    "siren_from_siret",
    "vat_country",
    "vat_number_country",
    "vat_regime",
]

Message: TypeAlias = str | Promise

DEFAULT_COUNTRY = "FR"
"""Country assumed for phone numbers when the customer's country is blank."""

EU_MEMBER_STATES: frozenset[str] = frozenset(
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    }
)  # fmt: skip
"""The 27 EU member states, as ISO 3166-1 alpha-2 codes (Greece is ``GR`` here)."""

FRENCH_VAT_AREA: frozenset[str] = frozenset({"FR", "MC"})
"""Countries where French VAT applies as in France (Monaco is in the French VAT area)."""

KIND_INDIVIDUAL = "individual"
"""The customer kind for private persons (every other kind is a business)."""

VAT_REGIME_STANDARD = "standard"
VAT_REGIME_REVERSE_CHARGE = "reverse_charge"
VAT_REGIME_EXPORT = "export"

# VAT numbers use "EL" for Greece instead of the ISO code "GR".
_VAT_PREFIX_BY_COUNTRY: dict[str, str] = {
    cc: ("EL" if cc == "GR" else cc) for cc in EU_MEMBER_STATES
}
_COUNTRY_BY_VAT_PREFIX: dict[str, str] = {p: cc for cc, p in _VAT_PREFIX_BY_COUNTRY.items()}

# \s is Unicode-aware on purpose: French typography writes "552 100 554 00016" with
# (narrow) no-break spaces, which copy-pasted values carry along.
_SEPARATORS = re.compile(r"[\s.\-]+")
_DIGITS = re.compile(r"[0-9]*")  # ASCII only: str.isdigit() also accepts "²" or "٣"
_VAT_CHARS = re.compile(r"[A-Za-z0-9+*]+")  # "+" and "*" appear in old Irish numbers
_LETTER_PAIR = re.compile(r"[A-Z]{2}")
_COUNTRY_CODE = re.compile(r"[A-Za-z]{2}")
_NAF_CODE = re.compile(r"([0-9]{2})\s*\.?\s*([0-9]{2})\s*([A-Za-z])")
_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")

_url_validator = URLValidator(schemes=["http", "https"])


class IdentifierError(ValueError):
    """A value that fails validation: a stable machine code and a French (lazy) message.

    ``code`` is meant for programs (API error payloads, tests); ``message`` for people.
    Neither the constructor nor ``repr()`` evaluates the lazy message, so errors can be
    raised and handled without Django settings; ``str()`` renders the message.
    """

    code: str
    message: Message

    def __init__(self, code: str, message: Message) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return str(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r})"


def _interpolate(message: Message, params: Mapping[str, object]) -> str:
    return str(message) % params


# Built once: ``lazy()`` creates a class on each call, which cost more than the check
# itself on a file full of wrong numbers.
_lazy_interpolate = lazy(_interpolate, str)


def _format_lazy(message: Message, params: Mapping[str, object]) -> Message:
    """Interpolate ``%(name)s`` placeholders when the message is rendered, not before."""
    return _lazy_interpolate(message, params)


def _compact(value: str) -> str:
    """Remove white space, dots and dashes."""
    return _SEPARATORS.sub("", value)


# --------------------------------------------------------------------------- SIREN / SIRET


# The Luhn test on ASCII digits, as stdnum.luhn computes it: from the right, every second
# digit doubled (and 9 taken off above 9). Summing translated bytes is several times
# faster than stdnum's general version (any alphabet), and this runs on every row.
_LUHN_PLAIN = bytes.maketrans(b"0123456789", bytes(range(10)))
_LUHN_DOUBLED = bytes.maketrans(b"0123456789", bytes((0, 2, 4, 6, 8, 1, 3, 5, 7, 9)))
_LA_POSTE_SIREN = "356000000"
_LA_POSTE_HEAD_OFFICE = "35600000000048"


def _luhn_valid(digits: str) -> bool:
    """Whether ASCII ``digits`` pass the Luhn test (the caller checked they are digits)."""
    data = digits.encode("ascii")
    plain = sum(data[-1::-2].translate(_LUHN_PLAIN))
    return (plain + sum(data[-2::-2].translate(_LUHN_DOUBLED))) % 10 == 0


def _siret_passes(number: str) -> bool:
    """The checks of ``stdnum.fr.siret.validate`` on 14 ASCII digits, for the fast path.

    La Poste establishments (SIREN 356000000, head office excepted) need digits adding up
    to a multiple of 5 instead of the Luhn test; every SIRET's SIREN must pass Luhn.
    """
    if number.startswith(_LA_POSTE_SIREN) and number != _LA_POSTE_HEAD_OFFICE:
        if sum(number.encode("ascii").translate(_LUHN_PLAIN)) % 5:
            return False
    elif not _luhn_valid(number):
        return False
    return _luhn_valid(number[:9])


def _siret_digits(value: str) -> str:
    """The SIRET's 14 digits without separators; format and length errors raised."""
    number = _compact(value)
    if not _DIGITS.fullmatch(number):
        raise IdentifierError("invalid_format", _("Le SIRET ne doit contenir que des chiffres."))
    if len(number) != 14:
        raise IdentifierError("invalid_length", _("Le SIRET doit comporter 14 chiffres."))
    return number


def _siret_by_library(number: str) -> str:
    try:
        return str(stdnum_siret.validate(number))
    except stdnum_exceptions.ValidationError:
        raise IdentifierError(
            "invalid_checksum",
            _format_lazy(
                _("Le SIRET %(value)s n'est pas valide (clé de contrôle incorrecte)."),
                {"value": number},
            ),
        ) from None


def clean_siret(value: str) -> str:
    """Return the SIRET as 14 digits, or raise :class:`IdentifierError`.

    The checksum is the Luhn algorithm, except for La Poste establishments
    (SIREN 356000000, head office excepted) whose digits must add up to a
    multiple of 5; ``stdnum.fr.siret`` implements both rules (and decides every
    number the fast path does not accept).

    Codes: ``invalid_format`` (other characters than digits and separators),
    ``invalid_length`` (not 14 digits), ``invalid_checksum``.
    """
    if not value.strip():
        return ""
    number = _siret_digits(value)
    if _siret_passes(number):
        return number
    return _siret_by_library(number)


def library_clean_siret(value: str) -> str:
    """:func:`clean_siret` without its fast path (``stdnum.fr.siret`` decides)."""
    if not value.strip():
        return ""
    return _siret_by_library(_siret_digits(value))


def _siren_digits(value: str) -> str:
    """The SIREN's 9 digits without separators; format and length errors raised."""
    number = _compact(value)
    if not _DIGITS.fullmatch(number):
        raise IdentifierError("invalid_format", _("Le SIREN ne doit contenir que des chiffres."))
    if len(number) != 9:
        raise IdentifierError("invalid_length", _("Le SIREN doit comporter 9 chiffres."))
    return number


def _siren_by_library(number: str) -> str:
    try:
        return str(stdnum_siren.validate(number))
    except stdnum_exceptions.ValidationError:
        raise IdentifierError(
            "invalid_checksum",
            _format_lazy(
                _("Le SIREN %(value)s n'est pas valide (clé de contrôle incorrecte)."),
                {"value": number},
            ),
        ) from None


def clean_siren(value: str) -> str:
    """Return the SIREN as 9 digits, or raise :class:`IdentifierError`.

    Codes: ``invalid_format``, ``invalid_length`` (not 9 digits), ``invalid_checksum``
    (Luhn, via ``stdnum.fr.siren`` for every number the fast path does not accept).
    """
    if not value.strip():
        return ""
    number = _siren_digits(value)
    if _luhn_valid(number):
        return number
    return _siren_by_library(number)


def library_clean_siren(value: str) -> str:
    """:func:`clean_siren` without its fast path (``stdnum.fr.siren`` decides)."""
    if not value.strip():
        return ""
    return _siren_by_library(_siren_digits(value))


def siren_from_siret(siret: str) -> str:
    """Return the SIREN (first 9 digits) of a SIRET, validating the SIRET first.

    Raises the errors of :func:`clean_siret`; a blank SIRET gives ``""``.
    """
    return clean_siret(siret)[:9]


def check_siren_matches_siret(siren: str, siret: str) -> None:
    """Raise :class:`IdentifierError` ``siren_mismatch`` when the SIRET is not of that SIREN.

    Separators are ignored; nothing is checked when either value is blank. The values
    themselves are not validated here (use :func:`clean_siren` / :func:`clean_siret`).
    """
    siren_digits, siret_digits = _compact(siren), _compact(siret)
    if not siren_digits or not siret_digits:
        return
    if siret_digits[:9] != siren_digits:
        raise IdentifierError(
            "siren_mismatch",
            _format_lazy(
                _(
                    "Le SIRET %(siret)s n'appartient pas à l'entreprise de SIREN %(siren)s "
                    "(les 9 premiers chiffres du SIRET doivent être le SIREN)."
                ),
                {"siret": siret_digits, "siren": siren_digits},
            ),
        )


# --------------------------------------------------------------------------- VAT numbers


def _french_vat_passes(compact: str) -> bool:
    """The checks of ``stdnum.fr.tva`` for ``FR`` + a numeric key + a Luhn-valid SIREN, the
    form of every French company's number, on a compact upper-case number."""
    digits = compact[2:]
    if len(digits) != 11 or not digits.isdigit():  # ASCII: _VAT_CHARS matched
        return False
    siren = digits[2:]
    return _luhn_valid(siren) and int(digits[:2]) == int(siren + "12") % 97


def clean_vat_number(value: str, *, siren: str | None = None) -> str:
    """Return an EU VAT number in compact upper-case form (``FR40303265045``).

    Accepts separators and lower case (``"fr 40 303 265 045"``). The number must start
    with the VAT prefix of an EU member state (``EL`` for Greece; ``GR`` is accepted and
    rewritten to ``EL``) and pass that state's format and checksum rules
    (``stdnum.eu.vat``). Northern Ireland (``XI``) and the OSS schemes (``EU``, ``IM``)
    are not member states and are refused.

    When the number is French and ``siren`` is given (not blank), the number must be
    that company's: ``FR`` + key + SIREN.

    Codes: ``invalid_format``, ``unknown_country``, ``invalid_checksum``,
    ``siren_mismatch``.
    """
    return _clean_vat_number(value, siren, fast=True)


def library_clean_vat_number(value: str, *, siren: str | None = None) -> str:
    """:func:`clean_vat_number` without its fast path (``stdnum.eu.vat`` decides)."""
    return _clean_vat_number(value, siren, fast=False)


def _clean_vat_number(value: str, siren: str | None, *, fast: bool) -> str:
    if not value.strip():
        return ""
    compact = _compact(value)
    if not _VAT_CHARS.fullmatch(compact):
        raise IdentifierError(
            "invalid_format",
            _(
                "Le numéro de TVA intracommunautaire ne doit contenir que des lettres "
                "et des chiffres."
            ),
        )
    compact = compact.upper()
    prefix = compact[:2]
    if not _LETTER_PAIR.fullmatch(prefix):
        raise IdentifierError(
            "invalid_format",
            _(
                "Le numéro de TVA intracommunautaire doit commencer par le code du pays "
                "(par exemple FR40303265045)."
            ),
        )
    if prefix == "GR":
        prefix = "EL"
        compact = prefix + compact[2:]
    if prefix not in _COUNTRY_BY_VAT_PREFIX:
        raise IdentifierError(
            "unknown_country",
            _format_lazy(
                _("Le préfixe %(prefix)s n'est pas celui d'un État membre de l'Union européenne."),
                {"prefix": prefix},
            ),
        )
    if fast and prefix == "FR" and _french_vat_passes(compact):
        number = compact
    else:
        number = _vat_by_library(compact)
    if prefix == "FR" and siren is not None:
        siren_digits = _compact(siren)
        if siren_digits and number[4:] != siren_digits:
            raise IdentifierError(
                "siren_mismatch",
                _format_lazy(
                    _(
                        "Le numéro de TVA %(vat)s ne correspond pas au SIREN %(siren)s "
                        "(attendu : FR, une clé de 2 caractères, puis le SIREN)."
                    ),
                    {"vat": number, "siren": siren_digits},
                ),
            )
    return number


def _vat_by_library(compact: str) -> str:
    try:
        return str(stdnum_vat.validate(compact))
    except stdnum_exceptions.InvalidChecksum:
        raise IdentifierError(
            "invalid_checksum",
            _format_lazy(
                _("Le numéro de TVA %(value)s n'est pas valide (clé de contrôle incorrecte)."),
                {"value": compact},
            ),
        ) from None
    except stdnum_exceptions.ValidationError:
        raise IdentifierError(
            "invalid_format",
            _format_lazy(
                _("Le numéro de TVA %(value)s n'a pas le format attendu pour ce pays."),
                {"value": compact},
            ),
        ) from None


def vat_country(vat_number: str) -> str:
    """Return the ISO 3166-1 alpha-2 country of an EU VAT number (``EL…`` gives ``GR``).

    The number is validated with :func:`clean_vat_number` (and its errors raised); a
    blank number gives ``""``.
    """
    return vat_number_country(clean_vat_number(vat_number))


def vat_number_country(number: str) -> str:
    """Return the country of a VAT number that :func:`clean_vat_number` returned (not
    checked again: this is for callers that have just cleaned it); ``""`` for ``""``."""
    if not number:
        return ""
    return _COUNTRY_BY_VAT_PREFIX[number[:2]]


def french_vat_from_siren(siren: str) -> str:
    """Return the French VAT number of a company from its SIREN (``FR`` + key + SIREN).

    The key is the numeric one, ``(12 + 3 × (SIREN mod 97)) mod 97``, i.e. the rule
    ``stdnum.fr.tva`` checks; the result is checked with ``stdnum.fr.tva``. Raises the
    errors of :func:`clean_siren`; a blank SIREN gives ``""``.
    """
    digits = clean_siren(siren)
    if not digits:
        return ""
    key = int(digits + "12") % 97
    return "FR" + str(stdnum_tva.validate(f"{key:02d}{digits}"))


# --------------------------------------------------------------------------- NAF code


def clean_naf_code(value: str) -> str:
    """Return a NAF rev. 2 code as ``"62.01Z"`` (``"6201z"``, ``"62.01 Z"`` accepted).

    Only the shape is checked (2 digits, dot, 2 digits, a letter), not membership of
    the INSEE nomenclature. Code: ``invalid_format``.
    """
    stripped = value.strip()
    if not stripped:
        return ""
    match = _NAF_CODE.fullmatch(stripped)
    if match is None:
        raise IdentifierError(
            "invalid_format",
            _("Le code NAF doit avoir la forme 62.01Z : 4 chiffres suivis d'une lettre."),
        )
    division, subclass, letter = match.groups()
    return f"{division}.{subclass}{letter.upper()}"


# --------------------------------------------------------------------------- Contact details


# The plain addresses of real files: an ASCII dot-atom local part (email-validator's own
# character class) at a name of letters, digits and hyphens whose last label ends with a
# letter, every label 1 to 63 characters. Quoted or Unicode local parts, IDN or Punycode
# domains, domain literals, display names… are all the library's.
_EMAIL_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PLAIN_EMAIL = re.compile(
    rf"([{email_rfc.ATEXT}]+(?:\.[{email_rfc.ATEXT}]+)*)"
    rf"@((?:{_EMAIL_LABEL}\.)+(?:[A-Za-z0-9][A-Za-z0-9-]{{0,61}})?[A-Za-z])"
)
# What email-validator refuses or rewrites in such an address, read from the library.
_SPECIAL_USE_DOMAINS: frozenset[str] = frozenset(email_validator.SPECIAL_USE_DOMAIN_NAMES)
_SPECIAL_USE_SUFFIXES: tuple[str, ...] = tuple(
    "." + name for name in email_validator.SPECIAL_USE_DOMAIN_NAMES
)
_CASE_INSENSITIVE_MAILBOXES: frozenset[str] = frozenset(email_rfc.CASE_INSENSITIVE_MAILBOX_NAMES)


def _plain_email(address: str) -> str | None:
    """``clean_email``'s result for a plain address (as email-validator would give it),
    or ``None`` when the library must decide."""
    if len(address) > email_rfc.EMAIL_MAX_LENGTH:
        return None
    match = _PLAIN_EMAIL.fullmatch(address)
    if match is None:
        return None
    local, domain = match.groups()
    # A long local part is refused in the library's strict mode only; "--" starts Punycode
    # ("xn--") and the reserved "ab--" labels.
    if len(local) > email_rfc.LOCAL_PART_MAX_LENGTH or "--" in domain:
        return None
    domain = domain.lower()  # the library's UTS-46 mapping, for ASCII
    if domain in _SPECIAL_USE_DOMAINS or domain.endswith(_SPECIAL_USE_SUFFIXES):
        return None  # refused, unless the library is told it runs in a test environment
    if local.lower() in _CASE_INSENSITIVE_MAILBOXES:
        local = local.lower()  # RFC 2142 names (info@, sales@…), lower-cased by the library
    return f"{local}@{domain}"


def _email_by_library(address: str) -> str:
    try:
        result = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        raise IdentifierError(
            "invalid_email",
            _("Saisissez une adresse e-mail valide (par exemple nom@exemple.fr)."),
        ) from None
    return f"{result.local_part}@{result.domain.lower()}"


def clean_email(value: str) -> str:
    """Return the e-mail address with its domain lower-cased (the local part is kept).

    Syntax only (``email-validator``, no DNS lookup). Code: ``invalid_email``.
    """
    stripped = value.strip()
    if not stripped:
        return ""
    return _plain_email(stripped) or _email_by_library(stripped)


def library_clean_email(value: str) -> str:
    """:func:`clean_email` without its fast path (``email-validator`` decides)."""
    stripped = value.strip()
    if not stripped:
        return ""
    return _email_by_library(stripped)


def _french_phone_pattern() -> re.Pattern[str]:
    """What ``phonenumbers.is_valid_number`` accepts as a French national significant
    number of 9 digits, from the library's metadata: a number that fits the general
    description and one of the number types the library tries (fixed line, mobile, VoIP,
    toll-free…), each with its possible lengths."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("FR")
    if metadata is None:
        return re.compile(r"(?!)")  # never matches: the library decides every number

    def nine_digits(desc: phonenumbers.PhoneNumberDesc | None) -> str | None:
        if desc is None or not desc.national_number_pattern:
            return None
        if desc.possible_length and 9 not in desc.possible_length:
            return None
        return desc.national_number_pattern

    general = nine_digits(metadata.general_desc)
    types = [
        nine_digits(desc)
        for desc in (
            metadata.premium_rate,
            metadata.toll_free,
            metadata.shared_cost,
            metadata.voip,
            metadata.personal_number,
            metadata.pager,
            metadata.uan,
            metadata.voicemail,
            metadata.fixed_line,
            metadata.mobile,
        )
    ]
    alternatives = [f"(?:{pattern})" for pattern in types if pattern is not None]
    if general is None or not alternatives:
        return re.compile(r"(?!)")
    # The general pattern must match the whole number too: a lookahead anchored at the end.
    return re.compile(rf"(?=(?:{general})\Z)(?:{'|'.join(alternatives)})", re.ASCII)


_FRENCH_VALID_NUMBER = _french_phone_pattern()
# French numbers as people write them: 0 and the 9 digits, the pairs separated or not by a
# space, a dot or a dash; or +33 (0033 from France) and the 9 digits, possibly after "(0)".
# The library reads each of them as +33 and the same 9 digits.
_FRENCH_PHONE_NATIONAL = re.compile(r"0[1-9](?:[ .\-]?[0-9]{2}){4}")
_FRENCH_PHONE_INTERNATIONAL = re.compile(
    r"(\+|00)33[ .\-]?(?:\(0\)[ .\-]?)?[1-9](?:[ .\-]?[0-9]{2}){4}"
)
_PHONE_PUNCTUATION = str.maketrans("", "", " .-()+")


def _french_phone(stripped: str, region: str | None) -> str | None:
    """``clean_phone``'s E.164 result for a valid French number in a usual form, or
    ``None`` when the library must decide (other forms, other countries, invalid numbers)."""
    if region != "FR" or _FRENCH_PHONE_NATIONAL.fullmatch(stripped) is None:
        match = _FRENCH_PHONE_INTERNATIONAL.fullmatch(stripped)
        # "00" is the international prefix from France only; "+" reads the same anywhere.
        if match is None or (match.group(1) == "00" and region != "FR"):
            return None
    national = stripped.translate(_PHONE_PUNCTUATION)[-9:]
    if _FRENCH_VALID_NUMBER.fullmatch(national) is None:
        return None
    return "+33" + national


def _phone_region(country: str) -> str | None:
    region = country.strip().upper() or DEFAULT_COUNTRY
    if region not in phonenumbers.SUPPORTED_REGIONS:
        return None  # only numbers in international form can be read
    return region


def _phone_error() -> IdentifierError:
    return IdentifierError(
        "invalid_phone",
        _(
            "Saisissez un numéro de téléphone valide. Pour un numéro d'un autre pays que "
            "celui du client, utilisez le format international (par exemple +32 2 555 12 12)."
        ),
    )


def _phone_by_library(stripped: str, region: str | None) -> str:
    try:
        number = phonenumbers.parse(stripped, region)
    except phonenumbers.NumberParseException:
        raise _phone_error() from None
    if number.extension or not phonenumbers.is_valid_number(number):
        raise _phone_error()
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def clean_phone(value: str, *, country: str = DEFAULT_COUNTRY) -> str:
    """Return a telephone number in E.164 form (``+33123456789``).

    National numbers are read as numbers of ``country`` (the customer's ISO code;
    ``FR`` when blank), so ``"01 23 45 67 89"``, ``"01.23.45.67.89"``,
    ``"0033123456789"`` and ``"+33 1 23 45 67 89"`` all give ``+33123456789`` in
    France. A number in international form is accepted whatever the country. The
    number must be valid (``phonenumbers.is_valid_number``); numbers with an extension
    are refused, since E.164 cannot keep it. Code: ``invalid_phone``.
    """
    stripped = value.strip()
    if not stripped:
        return ""
    region = _phone_region(country)
    return _french_phone(stripped, region) or _phone_by_library(stripped, region)


def library_clean_phone(value: str, *, country: str = DEFAULT_COUNTRY) -> str:
    """:func:`clean_phone` without its fast path (``phonenumbers`` decides)."""
    stripped = value.strip()
    if not stripped:
        return ""
    return _phone_by_library(stripped, _phone_region(country))


# Web addresses of real files: a host name of ASCII labels (1 to 63 letters, digits and
# inner hyphens) ending with an alphabetic top-level domain, with or without http(s)://,
# without port, credentials or a trailing dot, then any path of printable ASCII. A subset
# of what Django's URLValidator accepts; anything else is the validator's to decide.
_PLAIN_WEBSITE = re.compile(
    r"(?:([Hh][Tt][Tt][Pp][Ss]?)://)?"
    r"((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
    r"([/?#][!-~]*)?"
)
_MAX_HOST_LENGTH = 253  # URLValidator's limit on the host name


def _plain_website(stripped: str) -> str | None:
    """``clean_website``'s result for a plain web address, or ``None`` when Django's
    validator must decide."""
    if len(stripped) > _url_validator.max_length - len("https://"):
        return None
    match = _PLAIN_WEBSITE.fullmatch(stripped)
    if match is None:
        return None
    scheme, host, tail = match.groups()
    if len(host) > _MAX_HOST_LENGTH:
        return None
    return f"{(scheme or 'https').lower()}://{host.lower()}{tail or ''}"


def _website_by_library(stripped: str) -> str:
    error = IdentifierError(
        "invalid_url", _("Saisissez une adresse de site web valide (par exemple www.exemple.fr).")
    )
    url = stripped if _URL_SCHEME.match(stripped) else "https://" + stripped
    try:
        _url_validator(url)
    except DjangoValidationError:
        raise error from None
    scheme, rest = url.split("://", 1)
    host_end = min((i for i in (rest.find(c) for c in "/?#") if i != -1), default=len(rest))
    authority, tail = rest[:host_end], rest[host_end:]
    if "@" in authority:
        raise error
    return f"{scheme.lower()}://{authority.lower()}{tail}"


def clean_website(value: str) -> str:
    """Return an absolute http(s) URL with a lower-case scheme and host.

    ``"example.fr"`` and ``"www.example.fr"`` get ``https://``; the path, query and
    fragment are kept as typed. Checked with Django's ``URLValidator`` (http and https
    only); URLs carrying credentials (``user:password@``) are refused. Code:
    ``invalid_url``.
    """
    stripped = value.strip()
    if not stripped:
        return ""
    return _plain_website(stripped) or _website_by_library(stripped)


def library_clean_website(value: str) -> str:
    """:func:`clean_website` without its fast path (Django's ``URLValidator`` decides)."""
    stripped = value.strip()
    if not stripped:
        return ""
    return _website_by_library(stripped)


# --------------------------------------------------------------------------- Countries


def _country_error() -> IdentifierError:
    return IdentifierError(
        "invalid_country",
        _("Saisissez un code pays ISO 3166-1 à deux lettres valide (par exemple FR)."),
    )


def _country_code(stripped: str) -> str:
    """The upper-cased code of a value shaped like one; ``invalid_country`` otherwise."""
    if not _COUNTRY_CODE.fullmatch(stripped):
        raise _country_error()
    return stripped.upper()


def _country_assigned(code: str) -> bool:
    try:
        found = pycountry.countries.get(alpha_2=code)
    except LookupError:  # older pycountry versions raise instead of returning None
        found = None
    return found is not None


# Every row of a file asks about the same few codes, and pycountry's answer never
# changes while the process runs; there are at most 26 × 26 codes to remember.
_country_assigned_cached = lru_cache(maxsize=None)(_country_assigned)


def clean_country(value: str) -> str:
    """Return an assigned ISO 3166-1 alpha-2 country code, upper-cased (``"fr"`` → ``"FR"``).

    Assignment is checked against ``pycountry``; reserved codes such as ``UK`` or
    ``EL`` are refused. Code: ``invalid_country``.
    """
    stripped = value.strip()
    if not stripped:
        return ""
    code = _country_code(stripped)
    if not _country_assigned_cached(code):
        raise _country_error()
    return code


def library_clean_country(value: str) -> str:
    """:func:`clean_country` asking ``pycountry`` every time (no cache)."""
    stripped = value.strip()
    if not stripped:
        return ""
    code = _country_code(stripped)
    if not _country_assigned(code):
        raise _country_error()
    return code


# --------------------------------------------------------------------------- VAT regime


def vat_regime(*, kind: str, country: str, vat_number: str) -> str:
    """Return the VAT regime of sales to a customer, seen from a French seller.

    Rules, in order:

    1. ``"standard"`` (French VAT) for a private person (``kind == "individual"``),
       whatever the country.
    2. ``"standard"`` for a business in the French VAT area: France (``FR``) and Monaco
       (``MC``). A blank country counts as France: charging VAT is the safe default.
    3. For a business in another EU member state: ``"reverse_charge"`` (autoliquidation)
       when it has a valid VAT number of a member state other than France;
       ``"standard"`` otherwise (no number, an invalid one, or a French one: French VAT
       applies when the customer cannot be identified for VAT elsewhere in the EU).
    4. ``"export"`` for a business outside the EU (overseas departments such as ``GP``
       or ``RE`` have their own ISO codes and are outside the EU VAT area, hence here).

    Every ``kind`` other than ``"individual"`` is a business. Never raises for a bad
    VAT number: it is simply not valid.
    """
    if kind == KIND_INDIVIDUAL:
        return VAT_REGIME_STANDARD
    country_code = country.strip().upper()
    if not country_code or country_code in FRENCH_VAT_AREA:
        return VAT_REGIME_STANDARD
    if country_code in EU_MEMBER_STATES:
        try:
            number_country = vat_country(vat_number)
        except IdentifierError:
            number_country = ""
        if number_country and number_country != "FR":
            return VAT_REGIME_REVERSE_CHARGE
        return VAT_REGIME_STANDARD
    return VAT_REGIME_EXPORT


def display_phone(value: str) -> str:
    """A stored E.164 number as people read it: national format for French numbers
    ("01 42 68 53 00"), international otherwise ("+32 2 555 12 12")."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 33
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return str(phonenumbers.format_number(number, fmt))


# --------------------------------------------------------------------------- Bank accounts

# Spaces of every kind, dots and dashes: IBANs are printed in groups of four, and pasted
# from PDFs with no-break spaces.
_IBAN_LABEL = re.compile(r"IBAN\s*:?", re.IGNORECASE)
_ALPHANUMERIC = re.compile(r"[A-Za-z0-9]+")
_IBAN_HEAD = re.compile(r"[A-Z]{2}[0-9]{2}")
_BBAN_PART = re.compile(r"([0-9]+)!([nac])")
_IBAN_REGISTRY = stdnum_numdb.get("iban")  # stdnum's copy of SWIFT's IBAN registry
_MASK = "•"

# Territories whose banks use another country's IBANs or share its banking system, by the
# IBAN country they go with. The French overseas departments and collectivities have FR
# IBANs (SWIFT's registry lists them under France) while their banks' BICs carry their own
# ISO code (BNPARERX in La Réunion); Monaco has MC IBANs of the French structure, and
# French banks serve it with French BICs as often as Monegasque ones. Guernsey, Jersey and
# the Isle of Man have GB IBANs; the Åland Islands have Finnish ones.
_FRENCH_BANKING_AREA = frozenset(
    {"FR", "MC", "GF", "GP", "MQ", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF", "TF"}
)
_BANKING_AREA: dict[str, str] = {
    **dict.fromkeys(_FRENCH_BANKING_AREA, "FR"),
    "GG": "GB",
    "JE": "GB",
    "IM": "GB",
    "AX": "FI",
}

# The French RIB key converts the account number's letters to digits (A and J give 1, B, K
# and S give 2…): the historical table of the Banque de France.
_RIB_LETTERS = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "12345678912345678923456789"
)  # fmt: skip


def _iban_text(value: str) -> str:
    """The IBAN without a leading "IBAN" label, spaces, dots and dashes."""
    text = value.strip()
    label = _IBAN_LABEL.match(text)
    if label is not None:
        text = text[label.end() :]
    return _compact(text)


def _bban_structure(country: str) -> str:
    """The registry's structure of ``country``'s national part (``"5!n5!n11!c2!n"``)."""
    info = _IBAN_REGISTRY.info(country)
    return str(info[0][1].get("bban", "")) if info and info[0][0] == country else ""


@lru_cache(maxsize=1024)  # keyed by country code: at most 26 × 26
def iban_length(country: str) -> int | None:
    """The length of the IBANs of ``country`` from SWIFT's registry (``FR``: 27), or
    ``None`` when the country does not use IBANs."""
    structure = _bban_structure(country)
    if not structure:
        return None
    return 4 + sum(int(size) for size, _kind in _BBAN_PART.findall(structure))


@lru_cache(maxsize=1024)
def _bban_pattern(country: str) -> re.Pattern[str]:
    """The registry's structure as a pattern (``n`` digits, ``a`` letters, ``c`` either),
    checked before the check digits so that a letter typed for a digit is called a format
    error rather than a wrong key (``stdnum.iban`` checks the same, after the key)."""
    classes = {"n": "[0-9]", "a": "[A-Z]", "c": "[A-Z0-9]"}
    parts = _BBAN_PART.findall(_bban_structure(country))
    return re.compile("".join(f"{classes[kind]}{{{size}}}" for size, kind in parts))


def _rib_key_valid(iban: str) -> bool:
    """Whether the RIB key (the BBAN's last 2 digits) of a French-structure IBAN is right:
    bank, branch and account (letters converted), then the key, is a multiple of 97."""
    return int(iban[4:].translate(_RIB_LETTERS)) % 97 == 0


def clean_iban(value: str) -> str:
    """Return an IBAN in compact upper-case form (``"FR7630006000011234567890189"``).

    Accepts it as printed or typed: groups of four, lower case, no-break spaces, dots or
    dashes, a leading "IBAN" label. Checked, in this order, so that the message names the
    first thing to fix: letters and digits only, the country code and 2 check digits, a
    country that uses IBANs, that country's length and the structure of its national part
    (SWIFT's registry, as ``stdnum`` ships it), the ISO 7064 mod 97-10 check digits
    (``stdnum.iban``), the national check digits where ``stdnum`` knows them (Belgium,
    Spain, Montenegro, Norway) and the RIB key of French and Monegasque IBANs. A bank code
    missing from a national bank list is not refused: the lists stdnum ships age, the
    check digits do not.

    Codes: ``invalid_format``, ``unknown_country``, ``invalid_length``,
    ``invalid_checksum``.
    """
    if not value.strip():
        return ""
    number = _iban_text(value)
    if not _ALPHANUMERIC.fullmatch(number):
        raise IdentifierError(
            "invalid_format", _("L'IBAN ne doit contenir que des lettres et des chiffres.")
        )
    number = number.upper()
    if not _IBAN_HEAD.match(number):
        raise IdentifierError(
            "invalid_format",
            _(
                "L'IBAN commence par le code du pays et 2 chiffres de contrôle "
                "(par exemple FR76 3000 6000 0112 3456 7890 189)."
            ),
        )
    country = number[:2]
    expected = iban_length(country)
    if expected is None:
        raise IdentifierError(
            "unknown_country",
            _format_lazy(
                _("%(country)s n'est pas le code d'un pays qui utilise l'IBAN."),
                {"country": country},
            ),
        )
    if len(number) != expected:
        raise IdentifierError(
            "invalid_length",
            _format_lazy(
                _(
                    "Un IBAN de ce pays (%(country)s) compte %(expected)d caractères ; "
                    "%(length)d ont été saisis."
                ),
                {"country": country, "expected": expected, "length": len(number)},
            ),
        )
    if not _bban_pattern(country).fullmatch(number[4:]):
        raise IdentifierError(
            "invalid_format",
            _format_lazy(
                _("Cet IBAN n'a pas le format attendu pour ce pays (%(country)s)."),
                {"country": country},
            ),
        )
    checksum_error = IdentifierError(
        "invalid_checksum",
        _(
            "Cet IBAN n'est pas valide (clé de contrôle incorrecte) : un caractère est "
            "probablement mal recopié."
        ),
    )
    format_error = IdentifierError(
        "invalid_format",
        _format_lazy(
            _("Cet IBAN n'a pas le format attendu pour ce pays (%(country)s)."),
            {"country": country},
        ),
    )
    try:
        number = str(stdnum_iban.validate(number, check_country=False))
    except stdnum_exceptions.InvalidChecksum:
        raise checksum_error from None
    except stdnum_exceptions.ValidationError:
        raise format_error from None
    try:
        stdnum_iban.validate(number)  # the national checks stdnum has, for a few countries
    except stdnum_exceptions.InvalidChecksum:
        raise checksum_error from None
    except stdnum_exceptions.InvalidComponent:
        # A bank code missing from stdnum's copy of a national bank list (Belgium's):
        # lists age and banks open, while the check digits above are right.
        pass
    except stdnum_exceptions.ValidationError:
        raise format_error from None
    if country in ("FR", "MC") and not _rib_key_valid(number):
        raise IdentifierError(
            "invalid_checksum",
            _("La clé RIB de cet IBAN (ses 2 derniers chiffres) est incorrecte."),
        )
    return number


def format_iban(iban: str) -> str:
    """An IBAN as people read and print it: groups of four (``"FR76 3000 6000 0112 …"``)."""
    compact = _iban_text(iban).upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def mask_iban(iban: str) -> str:
    """An IBAN with all but the country, the check digits and the last 4 characters
    hidden, in groups of four: ``"FR76 •••• •••• •••• •••• •••0 189"``.

    Enough to recognize an account among a client's few, not to debit it. A value too
    short to be an IBAN is hidden entirely but for its last 4 characters.
    """
    compact = _iban_text(iban).upper()
    if not compact:
        return ""
    if len(compact) <= 8:
        masked = _MASK * max(len(compact) - 4, 0) + compact[-4:]
    else:
        masked = compact[:4] + _MASK * (len(compact) - 8) + compact[-4:]
    return " ".join(masked[i : i + 4] for i in range(0, len(masked), 4))


def banking_area(country: str) -> str:
    """The IBAN country whose banking system ``country`` belongs to (``RE`` and ``MC``:
    ``FR``; ``JE``: ``GB``); the country itself otherwise."""
    return _BANKING_AREA.get(country, country)


def clean_bic(value: str, *, iban_country: str | None = None) -> str:
    """Return a BIC (ISO 9362, "code SWIFT") upper-cased without spaces: ``"BNPAFRPP"``.

    8 or 11 characters: 4 letters for the bank, 2 letters for its country, 2 letters or
    digits for the place, optionally 3 for the branch (``stdnum.bic``). With
    ``iban_country`` (the first 2 letters of the account's IBAN), the BIC's country
    (its 5th and 6th characters) must be in the same banking area: the same country, or a
    territory that goes with it (see ``banking_area``: a La Réunion or Monaco BIC for a
    French IBAN, a Jersey BIC for a GB IBAN…).

    Codes: ``invalid_length``, ``invalid_format``, ``unknown_country``,
    ``country_mismatch``.
    """
    if not value.strip():
        return ""
    number = _compact(value).upper()
    if len(number) not in (8, 11):
        raise IdentifierError(
            "invalid_length",
            _format_lazy(
                _("Le BIC compte 8 ou 11 caractères ; %(length)d ont été saisis."),
                {"length": len(number)},
            ),
        )
    try:
        number = str(stdnum_bic.validate(number))
    except stdnum_exceptions.InvalidComponent:
        raise IdentifierError(
            "unknown_country",
            _format_lazy(
                _("%(country)s (5e et 6e caractères du BIC) n'est pas un code pays."),
                {"country": number[4:6]},
            ),
        ) from None
    except stdnum_exceptions.ValidationError:
        raise IdentifierError(
            "invalid_format",
            _(
                "Le BIC compte 4 lettres (la banque), 2 lettres (le pays), puis 2 ou 5 "
                "lettres ou chiffres (par exemple BNPAFRPP ou BNPAFRPPXXX)."
            ),
        ) from None
    bic_country = number[4:6]
    if iban_country and banking_area(bic_country) != banking_area(iban_country.upper()):
        raise IdentifierError(
            "country_mismatch",
            _format_lazy(
                _(
                    "Ce BIC est celui d'une banque d'un autre pays (%(bic_country)s) que "
                    "l'IBAN (%(iban_country)s) : vérifiez l'un et l'autre."
                ),
                {"bic_country": bic_country, "iban_country": iban_country.upper()},
            ),
        )
    return number


# --------------------------------------------------------------------------- SEPA creditor

_CREDITOR_HEAD = re.compile(r"([A-Z]{2})([0-9]{2})([A-Z0-9]{3})([A-Z0-9]+)")
_FRENCH_CREDITOR_LENGTH = 13
_MAX_CREDITOR_LENGTH = 35


def clean_creditor_identifier(value: str) -> str:
    """Return a SEPA creditor identifier (ICS, "identifiant créancier SEPA") in compact
    upper-case form: ``"FR72ZZZ123456"``.

    The EPC's layout: the country code, 2 check digits, a 3-character business code
    (``ZZZ`` unless the creditor chose one; left out of the check), then the national
    identifier. The check digits are ISO 7064 mod 97-10 (``stdnum.iso7064.mod_97_10``)
    over the national identifier, the country code and the check digits. A French ICS has
    13 characters (a 6-character national identifier, issued by the creditor's bank);
    another country's at most 35. The country must use IBANs (the SEPA countries do).

    Codes: ``invalid_format``, ``unknown_country``, ``invalid_length``,
    ``invalid_checksum``.
    """
    if not value.strip():
        return ""
    number = _compact(value)
    if not _ALPHANUMERIC.fullmatch(number):
        raise IdentifierError(
            "invalid_format",
            _("L'identifiant créancier SEPA ne doit contenir que des lettres et des chiffres."),
        )
    number = number.upper()
    match = _CREDITOR_HEAD.fullmatch(number)
    if match is None:
        raise IdentifierError(
            "invalid_format",
            _(
                "L'identifiant créancier SEPA (ICS) commence par le code du pays, 2 chiffres "
                "de contrôle et 3 caractères, suivis de l'identifiant national (par exemple "
                "FR72ZZZ123456)."
            ),
        )
    country, check, _business, national = match.groups()
    if iban_length(country) is None:
        raise IdentifierError(
            "unknown_country",
            _format_lazy(
                _("%(country)s n'est pas le code d'un pays de la zone SEPA."),
                {"country": country},
            ),
        )
    if country == "FR" and len(number) != _FRENCH_CREDITOR_LENGTH:
        raise IdentifierError(
            "invalid_length",
            _format_lazy(
                _(
                    "Un identifiant créancier SEPA français compte 13 caractères (FR, 2 "
                    "chiffres, 3 caractères, puis 6 caractères) ; %(length)d ont été saisis."
                ),
                {"length": len(number)},
            ),
        )
    if len(number) > _MAX_CREDITOR_LENGTH:
        raise IdentifierError(
            "invalid_length",
            _("L'identifiant créancier SEPA compte 35 caractères au maximum."),
        )
    if not stdnum_mod_97_10.is_valid(national + country + check):
        raise IdentifierError(
            "invalid_checksum",
            _format_lazy(
                _(
                    "L'identifiant créancier SEPA %(value)s n'est pas valide (clé de "
                    "contrôle incorrecte)."
                ),
                {"value": number},
            ),
        )
    return number


# --------------------------------------------------------------------------- Card numbers

# A run of digit groups with one space (of any width) or dash between them, read from where
# a run starts (``_run_start``): the pattern is greedy, so the run is taken whole.
_DIGIT_RUN = re.compile(r"[0-9]+(?:[ \u00a0\u202f\-][0-9]+)*")
_RUN_SEPARATOR_CHARS = " \u00a0\u202f-"
_RUN_SEPARATORS = re.compile(r"[ \u00a0\u202f\-]")
# Where a card number may start: every card shape begins with 4 digits and has at least 13.
# Cheap to search for, unlike the runs themselves; the run around it is then read whole.
_CARD_START = re.compile(r"[0-9]{4}(?:[ \u00a0\u202f\-]?[0-9]){9}")
# IBANs written in groups ("GB29 NWBK 6016 1331 9268 19") hold digit runs of a card's
# shape; they are blanked out before looking for card numbers.
_IBAN_LIKE = re.compile(
    r"(?<![0-9A-Za-z])[A-Za-z]{2}[0-9]{2}(?:[ \u00a0\u202f]?[A-Za-z0-9]{4}){2,8}"
    r"(?:[ \u00a0\u202f]?[A-Za-z0-9]{1,3})?(?![0-9A-Za-z])"
)
_CARD_FIRST_DIGITS = frozenset("23456")
_MIN_CARD_DIGITS, _MAX_CARD_DIGITS = 13, 19
_ASCII_DIGITS = b"0123456789"


def _digit_count(text: str) -> int:
    """How many ASCII digits ``text`` holds, in a fraction of a microsecond: UTF-8 encodes
    them as themselves, and no byte of another character's encoding is a digit."""
    raw = text.encode("utf-8", "surrogatepass")
    return len(raw) - len(raw.translate(None, _ASCII_DIGITS))


def _run_start(text: str, position: int) -> int:
    """Where the run of digit groups holding ``position`` starts."""
    while position > 0:
        before = text[position - 1]
        if "0" <= before <= "9":
            position -= 1
        elif before in _RUN_SEPARATOR_CHARS and position > 1 and "0" <= text[position - 2] <= "9":
            position -= 2
        else:
            break
    return position


def _blank_ibans(text: str) -> str:
    return _IBAN_LIKE.sub(lambda match: " " * len(match.group()), text)


def _card_shaped(groups: list[str]) -> bool:
    """Whether digit groups are written the way card numbers are.

    One group: 13 to 19 digits, but never 14 (a SIRET). Several: groups of 4 with a
    shorter last one (4-4-4-4, 4-4-4-1, 4-4-4-4-3…), or American Express's 4-6-5 and
    Diners Club's 4-6-4. Phone numbers (pairs) and SIRETs (3-3-3-5) are not.
    """
    digits = sum(len(group) for group in groups)
    if not _MIN_CARD_DIGITS <= digits <= _MAX_CARD_DIGITS:
        return False
    if len(groups) == 1:
        return digits != 14
    sizes = [len(group) for group in groups]
    if sizes in ([4, 6, 5], [4, 6, 4]):
        return True
    if digits == 14:
        return False  # 4-4-4-2: a SIRET written in fours as readily as a card
    return all(size == 4 for size in sizes[:-1]) and 1 <= sizes[-1] <= 4


def _card_in_run(text: str, start: int, end: int, run: str) -> str | None:
    """The card number a run of digit groups is, or ``None``."""
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    # Glued to a letter: a reference ("AB4970…"); after "+": a phone number.
    if before.isalpha() or before == "+" or after.isalpha():
        return None
    groups = _RUN_SEPARATORS.split(run)
    number = _card_in_groups(groups)
    if number is None and len(groups) >= 2 and 2 <= len(groups[-1]) <= 3:
        # A security code or an expiry month typed right after the number ("… 1111 123",
        # "… 1111 12/27"): the number without it.
        number = _card_in_groups(groups[:-1])
    return number


def _card_in_groups(groups: list[str]) -> str | None:
    if not _card_shaped(groups):
        return None
    digits = "".join(groups)
    if digits[0] not in _CARD_FIRST_DIGITS:
        return None
    if len(digits) == 15 and digits[:2] not in ("34", "37"):
        return None
    return digits if stdnum_luhn.is_valid(digits) else None


def find_card_number(text: str) -> str | None:
    """The first thing in ``text`` that is most likely a full payment card number, as its
    digits, or ``None``.

    A card number here is a run of 13 to 19 digits, compact or in the groups cards are
    printed in (see ``_card_shaped``), separated by single spaces or dashes, that starts
    with 2 to 6 (the ISO/IEC 7812 industry digits of bank cards: Mastercard, American
    Express, Diners, JCB, Visa, Maestro, Discover, UnionPay, CB on Visa and Mastercard
    numbers) and passes the Luhn check (``stdnum.luhn``). 15-digit numbers must start
    with 34 or 37 (American Express, the only such cards still issued).

    A security code or an expiry month typed right after the number (a last group of 2
    or 3 digits) does not hide it.

    Left alone, so that ordinary notes go through: a run glued to a letter (a reference
    such as ``AB4970…``), a run after ``+`` (a phone number), anything within an IBAN,
    and every 14-digit run but Diners' 4-6-4: a SIRET is 14 Luhn-valid digits, written
    compact or 3-3-3-5. Phone numbers (at most 15 digits, written in pairs) and ISBNs or
    EAN barcodes (starting with 9) do not match either.

    Speed: this runs on every free-text field of every imported row. Texts with fewer
    than 13 digits (nearly all) are answered by counting digits, without any regular
    expression; the others by a search for 13 digits that start with a group of 4.
    """
    if len(text) < _MIN_CARD_DIGITS or _digit_count(text) < _MIN_CARD_DIGITS:
        return None
    candidate = _CARD_START.search(text)
    if candidate is None:
        return None
    text = _blank_ibans(text)  # same length: positions hold
    while candidate is not None:
        start = _run_start(text, candidate.start())
        run = _DIGIT_RUN.match(text, start)
        if run is not None:  # None when an IBAN blanked the candidate out
            number = _card_in_run(text, start, run.end(), run.group())
            if number is not None:
                return number
            position = max(run.end(), candidate.start() + 1)
        else:
            position = candidate.start() + 1
        candidate = _CARD_START.search(text, position)
    return None


def card_number_error(field: str, number: str) -> FieldError:
    """The error for a full card number typed into ``field`` (code ``card_number``); the
    message names its last 4 digits only, so that the number goes no further."""
    return FieldError(
        field,
        "card_number",
        _format_lazy(
            _(
                "Ce texte contient un numéro de carte bancaire complet (se terminant par "
                "%(last4)s). Un numéro de carte ne doit jamais être enregistré ici : "
                "retirez-le ; seuls les 4 derniers chiffres peuvent être conservés, dans "
                "la section Cartes de la fiche client."
            ),
            {"last4": number[-4:]},
        ),
    )


def refuse_card_numbers(fields: Mapping[str, object]) -> list[FieldError]:
    """One ``card_number`` error per text field of ``fields`` holding a full card number
    (see :func:`find_card_number`); values that are not text are skipped."""
    errors = []
    for field, value in fields.items():
        if isinstance(value, str):
            number = find_card_number(value)
            if number is not None:
                errors.append(card_number_error(field, number))
    return errors
