"""Turning raw client input (form, API, import, CLI) into normalized field values.

``clean_client_input`` is the one place where a client's fields are checked; every
error is a ``FieldError`` with a stable code and a French message.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from carnet.core import identifiers
from carnet.core.errors import FieldError, ValidationFailed
from carnet.core.ids import parse_id
from carnet.core.inputs import parse_flag
from carnet.customfields.validation import clean_custom_values
from carnet.payments.validation import FIELDS as PAYMENT_FIELDS
from carnet.payments.validation import clean_payment_preferences

from .models import Civility, Client, Kind

if TYPE_CHECKING:
    from carnet.customfields.models import CustomField

# Free-text fields and their maximum length.
TEXT_FIELDS: dict[str, int] = {
    "name": 200,
    "first_name": 100,
    "last_name": 100,
    "reference": 50,
    "legal_form": 100,
    "rcs": 100,
    "sector": 100,
    "customer_account": 30,
    "auxiliary_account": 30,
    "notes": 20000,
}
URL_FIELDS = ("website", "linkedin_url", "twitter_url", "facebook_url", "viadeo_url")
PHONE_FIELDS = ("phone", "mobile", "fax")
BOOLEAN_FIELDS = ("marketing_email", "marketing_sms")

# Every field a caller may set; anything else is refused as unknown.
EDITABLE_FIELDS: tuple[str, ...] = (
    "kind",
    "name",
    "civility",
    "first_name",
    "last_name",
    "reference",
    "email",
    *PHONE_FIELDS,
    *URL_FIELDS,
    "legal_form",
    "siret",
    "siren",
    "naf_code",
    "share_capital",
    "rcs",
    "vat_number",
    "sector",
    "employee_count",
    "country",
    "customer_account",
    "auxiliary_account",
    *BOOLEAN_FIELDS,
    "notes",
    "tags",
    "category",
    "custom_fields",
    "owner",
    *PAYMENT_FIELDS,
)
# Editable fields that are foreign keys, held by name (or id) in the values: the services
# find the rows.
RELATION_FIELDS = ("tags", "category", "owner", "price_category", "carrier", "pays_into")

# French territories whose businesses are registered in SIRENE (they have SIRETs).
SIRENE_COUNTRIES = frozenset(
    {"FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF", "MC"}
)
MAX_TAGS = 50

# Computed once: an import validates every row, and ``Choices.values`` builds its list
# anew on each access.
_EDITABLE = frozenset(EDITABLE_FIELDS)
_CHECKED_FOR_NUL = _EDITABLE - {"custom_fields"}  # custom fields: checked one by one
_KINDS = frozenset(Kind.values)
_CIVILITIES = frozenset(("", *Civility.values))
_COMPANY = Kind.COMPANY
_INDIVIDUAL = Kind.INDIVIDUAL
_CARD_MIN_LENGTH = 13  # shorter texts cannot hold a card number: no call on the hot path


def _text(value: Any) -> str:
    if type(value) is str:  # nearly every value: the cheapest test first
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal):
        return str(value)
    if not isinstance(value, str):
        raise TypeError
    return value.strip()


def _contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_contains_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    return False


def current_values(client: Client) -> dict[str, Any]:
    """The client's editable values in the shape ``clean_client_input`` returns."""
    values: dict[str, Any] = {f: getattr(client, f) for f in EDITABLE_FIELDS}
    values["tags"] = sorted((t.name for t in client.tags.all()), key=str.casefold)
    values["category"] = client.category.name if client.category else None
    values["owner"] = client.owner_id
    values["price_category"] = client.price_category.name if client.price_category else None
    values["carrier"] = client.carrier.name if client.carrier else None
    values["pays_into"] = client.pays_into_id
    return values


def clean_client_input(
    raw: dict[str, Any],
    *,
    existing: dict[str, Any] | None = None,
    definitions: Sequence[CustomField] = (),
) -> dict[str, Any]:
    """Validate and normalize ``raw`` merged over ``existing`` (the current values; None
    for a new client). Returns the full set of normalized editable values.

    ``definitions`` are the organization's custom fields (``customfields.queries.
    definitions_for``): ``custom_fields`` is checked against them and merged into the
    stored values (see ``customfields.validation.clean_custom_values``); with none, any
    custom field given is unknown.

    Raises ``ValidationFailed`` listing every bad field at once.
    """
    errors: list[FieldError] = []
    base: dict[str, Any] = dict(existing) if existing is not None else _defaults()
    unknown = sorted(set(raw) - _EDITABLE)
    for field in unknown:
        errors.append(FieldError(field, "unknown_field", _("Ce champ n'existe pas.")))
    # PostgreSQL text cannot hold NUL characters; no real value contains one. (Custom
    # fields are checked one by one below.)
    with_nul = sorted(f for f, v in raw.items() if f in _CHECKED_FOR_NUL and _contains_nul(v))
    for field in with_nul:
        errors.append(FieldError(field, "invalid_character", _("Caractère nul interdit.")))
    accepted = _EDITABLE.difference(with_nul) if with_nul else _EDITABLE
    merged = {**base, **{k: v for k, v in raw.items() if k in accepted}}
    out: dict[str, Any] = {}

    def fail(field: str, code: str, message: Any) -> None:
        errors.append(FieldError(field, code, message))

    def text_of(field: str) -> str | None:
        value = merged.get(field)
        if type(value) is str:  # _text()'s common case, without the call
            return value.strip()
        try:
            return _text(value)
        except TypeError:
            fail(field, "invalid_type", _("Une valeur texte est attendue."))
            return None

    # Kind and country first: other checks depend on them.
    kind = text_of("kind") or _COMPANY
    if kind not in _KINDS:
        fail("kind", "invalid_choice", _("Le type doit être « individual » ou « company »."))
        kind = _COMPANY
    out["kind"] = kind

    country = text_of("country") or "FR"
    try:
        country = identifiers.clean_country(country) or "FR"
    except identifiers.IdentifierError as exc:
        fail("country", exc.code, exc.message)
        country = "FR"
    out["country"] = country

    for field, max_length in TEXT_FIELDS.items():
        value = text_of(field)
        if value is None:
            continue
        if field != "notes":
            value = " ".join(value.split())  # one line, single spaces
        if len(value) > max_length:
            fail(
                field,
                "too_long",
                _("%(max)d caractères au maximum (%(length)d saisis).")
                % {"max": max_length, "length": len(value)},
            )
        elif len(value) >= _CARD_MIN_LENGTH and field in raw:
            # A full card number must never be stored (PCI DSS); only what is typed now is
            # looked at, so an old value cannot block an unrelated change.
            card = identifiers.find_card_number(value)
            if card is not None:
                errors.append(identifiers.card_number_error(field, card))
        out[field] = value

    civility = text_of("civility") or ""
    if civility not in _CIVILITIES:
        fail("civility", "invalid_choice", _("La civilité doit être « mr » ou « mrs »."))
    out["civility"] = civility

    if (
        kind == _INDIVIDUAL
        and not out.get("name")
        and (out.get("first_name") or out.get("last_name"))
    ):
        out["name"] = " ".join(p for p in (out.get("first_name"), out.get("last_name")) if p)
    if not out.get("name") and not any(e.field == "name" for e in errors):
        fail("name", "required", _("Le nom est obligatoire."))

    email = text_of("email")
    if email:
        try:
            email = identifiers.clean_email(email)
        except identifiers.IdentifierError as exc:
            fail("email", exc.code, exc.message)
    out["email"] = email or ""

    for field in PHONE_FIELDS:
        value = text_of(field)
        if value:
            try:
                value = identifiers.clean_phone(value, country=country)
            except identifiers.IdentifierError as exc:
                fail(field, exc.code, exc.message)
        out[field] = value or ""

    for field in URL_FIELDS:
        value = text_of(field)
        if value:
            if len(value) > 300:
                fail(field, "too_long", _("300 caractères au maximum."))
            else:
                try:
                    value = identifiers.clean_website(value)
                except identifiers.IdentifierError as exc:
                    fail(field, exc.code, exc.message)
        out[field] = value or ""

    _clean_legal_identifiers(merged, raw, out, fail, text_of, kind=kind, country=country)

    naf = text_of("naf_code")
    if naf:
        try:
            naf = identifiers.clean_naf_code(naf)
        except identifiers.IdentifierError as exc:
            fail("naf_code", exc.code, exc.message)
    out["naf_code"] = naf or ""

    out["share_capital"] = _clean_decimal(merged.get("share_capital"), "share_capital", fail)
    out["employee_count"] = _clean_count(merged.get("employee_count"), "employee_count", fail)

    for field in BOOLEAN_FIELDS:
        flag = parse_flag(merged.get(field))
        if flag is None:
            fail(field, "invalid_type", _("Oui ou non attendu."))
        else:
            out[field] = flag

    out["tags"] = _clean_tags(merged.get("tags"), fail)
    if "tags" in raw:
        for tag in out["tags"]:
            card = identifiers.find_card_number(tag) if len(tag) >= _CARD_MIN_LENGTH else None
            if card is not None:
                errors.append(identifiers.card_number_error("tags", card))
                break
    category = merged.get("category")
    if category is None or category == "":
        out["category"] = None
    elif not isinstance(category, str) or len(category.strip()) > 100:
        fail(
            "category", "invalid_type", _("Nom de catégorie invalide (100 caractères au maximum).")
        )
    else:
        out["category"] = category.strip()
    out["custom_fields"], custom_errors = clean_custom_values(
        definitions,
        raw.get("custom_fields"),
        base.get("custom_fields") or {},
        creating=existing is None,
    )
    errors.extend(custom_errors)

    owner = merged.get("owner")
    owner_id = parse_id(owner) if isinstance(owner, int | str) else None
    if owner in (None, ""):
        out["owner"] = None
    elif owner_id is not None and not (isinstance(owner, str) and not owner.isascii()):
        out["owner"] = owner_id
    else:
        fail("owner", "invalid_type", _("Identifiant d'utilisateur attendu."))

    out.update(clean_payment_preferences(merged, fail))

    if errors:
        raise ValidationFailed(errors)
    return out


def _clean_legal_identifiers(
    merged: dict[str, Any],
    raw: dict[str, Any],
    out: dict[str, Any],
    fail: Any,
    text_of: Any,
    *,
    kind: str,
    country: str,
) -> None:
    """SIRET, SIREN and VAT number: each checked, then checked against each other."""
    siret = text_of("siret") or ""
    siren = text_of("siren") or ""
    vat = text_of("vat_number") or ""
    siret_ok = siren_ok = True
    if siret:
        try:
            siret = identifiers.clean_siret(siret)
        except identifiers.IdentifierError as exc:
            fail("siret", exc.code, exc.message)
            siret_ok = False
    if siren:
        try:
            siren = identifiers.clean_siren(siren)
        except identifiers.IdentifierError as exc:
            fail("siren", exc.code, exc.message)
            siren_ok = False
    if (siret or siren) and country not in SIRENE_COUNTRIES:
        field = "siret" if siret else "siren"
        fail(
            field,
            "not_french",
            _("Le SIRET et le SIREN ne concernent que les entreprises françaises."),
        )
    if siret and siret_ok:
        derived = siret[:9]  # siren_from_siret() without checking the SIRET a second time
        # A SIRET given without a SIREN, or changed, carries its own SIREN along.
        if not siren or ("siret" in raw and "siren" not in raw):
            siren = derived
        elif siren_ok:
            try:
                identifiers.check_siren_matches_siret(siren, siret)
            except identifiers.IdentifierError as exc:
                fail("siren", exc.code, exc.message)
    out["siret"] = siret
    out["siren"] = siren

    if vat:
        try:
            vat = identifiers.clean_vat_number(vat, siren=siren if siren_ok and siren else None)
        except identifiers.IdentifierError as exc:
            fail("vat_number", exc.code, exc.message)
        else:
            vat_country = identifiers.vat_number_country(vat)  # without checking it again
            same_area = vat_country == country or (
                vat_country == "FR" and country in SIRENE_COUNTRIES
            )
            if not same_area:
                fail(
                    "vat_number",
                    "country_mismatch",
                    _("Ce numéro de TVA est celui d'un autre pays (%(country)s) que le client.")
                    % {"country": vat_country},
                )
    out["vat_number"] = vat


def _clean_decimal(value: Any, field: str, fail: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or isinstance(value, float):
        if isinstance(value, float):
            value = repr(value)
        else:
            fail(field, "invalid_type", _("Un montant est attendu."))
            return None
    text = str(value).strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    text = text.replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        fail(field, "invalid_number", _("Un montant est attendu, par exemple 10000 ou 10 000,00."))
        return None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e13"):
        fail(
            field,
            "out_of_range",
            _("Le montant doit être positif et inférieur à 10 000 milliards."),
        )
        return None
    return amount.quantize(Decimal("0.01"))


def _clean_count(value: Any, field: str, fail: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        fail(field, "invalid_type", _("Un nombre entier est attendu."))
        return None
    try:
        count = int(str(value).strip())
    except ValueError:
        fail(field, "invalid_number", _("Un nombre entier est attendu."))
        return None
    if count < 0 or count > 10_000_000:
        fail(field, "out_of_range", _("Le nombre doit être compris entre 0 et 10 000 000."))
        return None
    return count


def clean_tag_names(value: Any) -> list[str]:
    """Tag names from a list or a comma-separated string, single-spaced, without
    duplicates (any case), sorted; ``ValidationFailed`` when they are not tag names."""
    errors: list[FieldError] = []

    def fail(field: str, code: str, message: Any) -> None:
        errors.append(FieldError(field, code, message))

    if _contains_nul(value):
        raise ValidationFailed(
            [FieldError("tags", "invalid_character", _("Caractère nul interdit."))]
        )
    names = _clean_tags(value, fail)
    if errors:
        raise ValidationFailed(errors)
    return names


def _clean_tags(value: Any, fail: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [part for part in value.split(",")]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        fail("tags", "invalid_type", _("Une liste d'étiquettes est attendue."))
        return []
    tags: dict[str, str] = {}
    for tag in value:
        name = " ".join(tag.split())
        if not name:
            continue
        if len(name) > 64:
            fail("tags", "too_long", _("Une étiquette fait 64 caractères au maximum."))
            return []
        tags.setdefault(name.casefold(), name)
    if len(tags) > MAX_TAGS:
        fail("tags", "too_many", _("50 étiquettes au maximum par client."))
        return []
    return sorted(tags.values(), key=str.casefold)


def _defaults() -> dict[str, Any]:
    return {"kind": _COMPANY, "country": "FR"}
