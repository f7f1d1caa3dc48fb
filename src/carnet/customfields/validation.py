"""Custom field values and definitions: raw input -> normalized values, or French errors.

Values arrive as JSON types (API) or as strings (web form, CSV import): "12", "12,5",
"oui" and "01/02/2026" are read for the matching types. What is stored in
``Client.custom_fields`` (keyed by the field's slug):

- text, long_text, url, email, choice: a string (a choice as the definition spells it);
- integer: an int; decimal: a string in plain notation ("12.50"); date: "YYYY-MM-DD";
- boolean: true or false; multiple_choice: a list of strings in the definition's order.

A blank input ("", None, [], white space) means "no value": the key is removed.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from carnet.core import identifiers
from carnet.core.errors import FieldError, ValidationFailed
from carnet.core.inputs import FALSE_WORDS, TRUE_WORDS
from carnet.core.text import fold

from .models import CHOICE_TYPES, CustomField, FieldType

MAX_TEXT = 200
MAX_LONG_TEXT = 5000
MAX_URL = 300
MAX_EMAIL = 254
MAX_INTEGER = 2**53  # the largest integer every JSON reader keeps exactly
DECIMAL_LIMIT = Decimal("1e15")
MAX_DECIMAL_PLACES = 6
MIN_YEAR, MAX_YEAR = 1900, 2200
MAX_KEY_LENGTH = 200  # CustomFieldValue.value

MAX_NAME = 100
MAX_CHOICES = 200
MAX_CHOICE_LENGTH = 100
MAX_POSITION = 100_000
SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_SLUG = 64
# Choices named in an error message; a longer list ends with "…".
CHOICES_IN_MESSAGE = 20

_SEPARATORS = re.compile(r"[\s\u00a0\u202f]")  # thousands separators people type
_INTEGER = re.compile(r"^[+-]?[0-9]{1,20}$")
_DECIMAL = re.compile(r"^[+-]?([0-9]{1,30}(\.[0-9]{0,30})?|\.[0-9]{1,30})$")
_ISO_DATE = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")
_FRENCH_DATE = re.compile(r"^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})$")
_LIST_SEPARATORS = re.compile(r"[,;]")
_BAD_CHARACTERS = re.compile(r"[\x00\ud800-\udfff]")
_POSITION = re.compile(r"^-?[0-9]{1,9}$")


class InvalidValue(ValueError):
    """A value a custom field cannot hold: a stable code and a French (lazy) message."""

    def __init__(self, code: str, message: str | Promise) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


# --- Reading one value ------------------------------------------------------------------
def _check_characters(value: str) -> None:
    # PostgreSQL text and jsonb cannot hold NUL, nor UTF-8 encode a lone surrogate.
    found = _BAD_CHARACTERS.search(value)
    if found is None:
        return
    if found.group() == "\x00":
        raise InvalidValue("invalid_character", _("Caractère nul interdit."))
    raise InvalidValue("invalid_character", _("Caractère invalide (hors Unicode)."))


def _is_blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, list | tuple):
        return all(isinstance(item, str) and not item.strip() for item in raw)
    return False


def _string(raw: Any, expected: str | Promise) -> str:
    if not isinstance(raw, str):
        raise InvalidValue("invalid_type", expected)
    _check_characters(raw)
    return raw.strip()


def _too_long(maximum: int, length: int) -> InvalidValue:
    return InvalidValue(
        "too_long",
        _("%(max)d caractères au maximum (%(length)d saisis).")
        % {"max": maximum, "length": length},
    )


def _choices_text(choices: Sequence[str]) -> str:
    shown = ", ".join(choices[:CHOICES_IN_MESSAGE])
    return shown + (", …" if len(choices) > CHOICES_IN_MESSAGE else "")


@lru_cache(maxsize=4096)
def _fold_short(value: str) -> str:
    return fold(value)


def _fold_choice(value: str) -> str:
    """``fold(value)``, remembered for choices and the short values that name them: an
    import folds the same few on every row (longer values are folded each time, so that
    the cache cannot grow big)."""
    return _fold_short(value) if len(value) <= MAX_CHOICE_LENGTH else fold(value)


def match_choice(choices: Sequence[str], raw: str) -> str:
    """The choice ``raw`` stands for, whatever its case and accents; ``InvalidValue``
    naming the possible choices otherwise."""
    wanted = _fold_choice(raw)
    for choice in choices:
        if _fold_choice(choice) == wanted:
            return choice
    raise InvalidValue(
        "invalid_choice",
        _("« %(value)s » n'est pas un choix possible. Choix possibles : %(choices)s.")
        % {"value": raw[:MAX_CHOICE_LENGTH], "choices": _choices_text(choices)},
    )


def _parse_text(raw: Any) -> str:
    text = " ".join(_string(raw, _("Un texte est attendu.")).split())
    if len(text) > MAX_TEXT:
        raise _too_long(MAX_TEXT, len(text))
    return text


def _parse_long_text(raw: Any) -> str:
    text = _string(raw, _("Un texte est attendu."))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > MAX_LONG_TEXT:
        raise _too_long(MAX_LONG_TEXT, len(text))
    return text


def _parse_integer(raw: Any) -> int:
    expected = _("Un nombre entier est attendu, par exemple 12 ou 1 500.")
    if isinstance(raw, bool):
        raise InvalidValue("invalid_type", expected)
    if isinstance(raw, float):
        if not raw.is_integer():
            raise InvalidValue("invalid_number", expected)
        number = int(raw)
    elif isinstance(raw, int):
        number = raw
    else:
        text = _SEPARATORS.sub("", _string(raw, expected))
        if not _INTEGER.match(text):
            raise InvalidValue("invalid_number", expected)
        number = int(text)
    if abs(number) > MAX_INTEGER:
        raise InvalidValue(
            "out_of_range",
            _("Le nombre doit être compris entre -%(max)d et %(max)d.") % {"max": MAX_INTEGER},
        )
    return number


def _parse_decimal(raw: Any) -> str:
    expected = _("Un nombre est attendu, par exemple 12,50 ou 1 500.")
    if isinstance(raw, bool):
        raise InvalidValue("invalid_type", expected)
    if isinstance(raw, int):
        number = Decimal(raw)
    elif isinstance(raw, float):
        number = Decimal(repr(raw))  # the shortest form that reads back the same: 0.1 -> 0.1
    else:
        text = _SEPARATORS.sub("", _string(raw, expected)).replace(",", ".")
        if not _DECIMAL.match(text):
            raise InvalidValue("invalid_number", expected)
        number = Decimal(text)
    if not number.is_finite() or abs(number) >= DECIMAL_LIMIT:
        raise InvalidValue(
            "out_of_range", _("Le nombre doit être inférieur à un million de milliards.")
        )
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_DECIMAL_PLACES:
        raise InvalidValue(
            "too_many_decimals",
            _("%(max)d chiffres après la virgule au maximum.") % {"max": MAX_DECIMAL_PLACES},
        )
    if number == 0:
        number = abs(number)  # no "-0"
    return f"{number:f}"


def _parse_date(raw: Any) -> str:
    expected = _("Une date est attendue, par exemple 31/12/2026 ou 2026-12-31.")
    if isinstance(raw, datetime.datetime):
        raise InvalidValue("invalid_type", expected)
    if isinstance(raw, datetime.date):
        day = raw
    else:
        text = _string(raw, expected)
        if match := _ISO_DATE.match(text):
            year, month, number = (int(g) for g in match.groups())
        elif match := _FRENCH_DATE.match(text):
            number, month, year = (int(g) for g in match.groups())
        else:
            raise InvalidValue("invalid_date", expected)
        try:
            day = datetime.date(year, month, number)
        except ValueError:
            raise InvalidValue(
                "invalid_date", _("Cette date n'existe pas (jour ou mois impossible).")
            ) from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise InvalidValue(
            "out_of_range",
            _("L'année doit être comprise entre %(min)d et %(max)d.")
            % {"min": MIN_YEAR, "max": MAX_YEAR},
        )
    return day.isoformat()


def _parse_boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = _string(raw, _("Oui ou non est attendu.")).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise InvalidValue("invalid_type", _("Oui ou non est attendu."))


# The messages naming the choices are rendered (translated and formatted) only for a value
# that is not text: every row of an import would otherwise pay for them.
def _choice_expected(field: CustomField) -> str:
    return _("Un des choix est attendu : %(choices)s.") % {"choices": _choices_text(field.choices)}


def _multiple_choice_expected(field: CustomField) -> str:
    return _("Une liste de choix est attendue, parmi : %(choices)s.") % {
        "choices": _choices_text(field.choices)
    }


def _parse_choice(field: CustomField, raw: Any) -> str:
    if not isinstance(raw, str):
        raise InvalidValue("invalid_type", _choice_expected(field))
    _check_characters(raw)
    text = " ".join(raw.split())
    return match_choice(field.choices, text)


def _parse_multiple_choice(field: CustomField, raw: Any) -> list[str]:
    if isinstance(raw, str):
        _check_characters(raw)
        whole = " ".join(raw.split())
        folded = _fold_choice(whole)
        if any(_fold_choice(choice) == folded for choice in field.choices):
            items = [whole]  # a choice that contains a comma
        else:
            items = _LIST_SEPARATORS.split(raw)
    elif isinstance(raw, list | tuple):
        items = list(raw)
    else:
        raise InvalidValue("invalid_type", _multiple_choice_expected(field))
    chosen: set[str] = set()
    refused: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise InvalidValue("invalid_type", _multiple_choice_expected(field))
        _check_characters(item)
        text = " ".join(item.split())
        if not text:
            continue
        try:
            chosen.add(match_choice(field.choices, text))
        except InvalidValue:
            refused.append(text[:MAX_CHOICE_LENGTH])
    if refused:
        message = ngettext_lazy(
            "%(values)s n'est pas un choix possible. Choix possibles : %(choices)s.",
            "%(values)s ne sont pas des choix possibles. Choix possibles : %(choices)s.",
            len(refused),
        ) % {
            "values": ", ".join(f"« {value} »" for value in refused[:CHOICES_IN_MESSAGE]),
            "choices": _choices_text(field.choices),
        }
        raise InvalidValue("invalid_choice", message)
    return [choice for choice in field.choices if choice in chosen]


def _parse_url(raw: Any) -> str:
    text = _string(raw, _("Une adresse web est attendue, par exemple www.exemple.fr."))
    if len(text) > MAX_URL:
        raise _too_long(MAX_URL, len(text))
    try:
        url = identifiers.clean_website(text)
    except identifiers.IdentifierError as exc:
        raise InvalidValue(exc.code, exc.message) from None
    if len(url) > MAX_URL:
        raise _too_long(MAX_URL, len(url))
    return url


def _parse_email(raw: Any) -> str:
    text = _string(raw, _("Une adresse e-mail est attendue."))
    if len(text) > MAX_EMAIL:
        raise _too_long(MAX_EMAIL, len(text))
    try:
        return identifiers.clean_email(text)
    except identifiers.IdentifierError as exc:
        raise InvalidValue(exc.code, exc.message) from None


def parse_value(field: CustomField, raw: Any) -> Any:
    """The stored form of ``raw`` for ``field``, or None when ``raw`` is blank.

    Raises ``InvalidValue`` with a code (invalid_type, invalid_number, invalid_date,
    invalid_choice, too_long, out_of_range…) and a message that says what is expected.
    Only ``InvalidValue`` escapes, whatever ``raw`` is.
    """
    if _is_blank(raw):
        return None
    kind = field.type
    if kind == FieldType.TEXT:
        return _parse_text(raw)
    if kind == FieldType.LONG_TEXT:
        return _parse_long_text(raw)
    if kind == FieldType.INTEGER:
        return _parse_integer(raw)
    if kind == FieldType.DECIMAL:
        return _parse_decimal(raw)
    if kind == FieldType.DATE:
        return _parse_date(raw)
    if kind == FieldType.BOOLEAN:
        return _parse_boolean(raw)
    if kind == FieldType.CHOICE:
        return _parse_choice(field, raw)
    if kind == FieldType.MULTIPLE_CHOICE:
        return _parse_multiple_choice(field, raw) or None
    if kind == FieldType.URL:
        return _parse_url(raw)
    if kind == FieldType.EMAIL:
        return _parse_email(raw)
    raise InvalidValue("invalid_type", _("Type de champ inconnu."))


# --- A client's values ------------------------------------------------------------------
def _error_field(key: str) -> str:
    """The error's field name: "custom_fields.<slug>" (an absurd key shortened)."""
    return f"custom_fields.{key[:100]}"


def clean_custom_values(
    definitions: Sequence[CustomField],
    raw: Any,
    existing: Mapping[str, Any] | None,
    *,
    creating: bool,
) -> tuple[dict[str, Any], list[FieldError]]:
    """The client's custom values after applying ``raw`` over ``existing``, and every error.

    Merge semantics: each key of ``raw`` sets its field (a blank value removes it); the
    other fields keep their values, and keys of ``existing`` without a definition are
    kept as they are. ``raw`` None changes nothing. When ``creating``, an absent field
    gets its default, and a required field without a value is refused; on a change, a
    required field is refused only when ``raw`` clears it.
    """
    by_slug = {field.slug: field for field in definitions}
    values: dict[str, Any] = dict(existing or {})
    errors: list[FieldError] = []
    given: Mapping[Any, Any] = {}
    cleared: list[str] = []
    if raw is not None and not isinstance(raw, Mapping):
        errors.append(
            FieldError("custom_fields", "invalid_type", _("Un objet clé/valeur est attendu."))
        )
    elif raw is not None:
        given = raw
    for key, item in given.items():
        name = str(key)
        field = by_slug.get(name)
        if field is None:
            errors.append(
                FieldError(
                    _error_field(name),
                    "unknown_custom_field",
                    _("Champ personnalisé inconnu : « %(key)s ».") % {"key": name[:MAX_SLUG]},
                )
            )
            continue
        try:
            value = parse_value(field, item)
        except InvalidValue as exc:
            errors.append(FieldError(_error_field(name), exc.code, exc.message))
            continue
        if isinstance(value, str) and len(value) >= 13:
            card = identifiers.find_card_number(value)
            if card is not None:  # a free text never holds a full card number
                errors.append(identifiers.card_number_error(_error_field(name), card))
                continue
        if value is None:
            values.pop(name, None)
            cleared.append(name)
        else:
            values[name] = value
    refused = {error.field for error in errors}
    for field in definitions:
        if _error_field(field.slug) in refused:
            continue
        if creating and field.slug not in given and field.default is not None:
            values.setdefault(field.slug, field.default)
        missing = field.slug not in values
        if field.required and missing and (creating or field.slug in cleared):
            errors.append(
                FieldError(_error_field(field.slug), "required", _("Ce champ est obligatoire."))
            )
    return _ordered(definitions, values), errors


def _ordered(definitions: Sequence[CustomField], values: dict[str, Any]) -> dict[str, Any]:
    """Defined fields in the definitions' order, then the others as they were."""
    ordered = {f.slug: values[f.slug] for f in definitions if f.slug in values}
    ordered.update((k, v) for k, v in values.items() if k not in ordered)
    return ordered


# --- Index keys and display -------------------------------------------------------------
def choice_key(value: str) -> str:
    """The index key of a text or a choice: folded, cut to the column's length."""
    return fold(value)[:MAX_KEY_LENGTH]


def value_keys(field: CustomField, value: Any) -> list[str]:
    """The normalized keys ``CustomFieldValue`` holds for a stored value (and that a list
    filter looks up): folded text, the integer, the decimal without trailing zeros, the
    ISO date, "true"/"false", one folded key per chosen value. A value that does not fit
    the field's type (left from before a definition existed) has no key."""
    try:
        return _value_keys(field, value)
    except (TypeError, ValueError, ArithmeticError):
        return []


def _value_keys(field: CustomField, value: Any) -> list[str]:
    if value is None:
        return []
    kind = field.type
    if kind == FieldType.MULTIPLE_CHOICE:
        if not isinstance(value, list):
            return []
        return list(dict.fromkeys(k for v in value if isinstance(v, str) if (k := choice_key(v))))
    if kind == FieldType.BOOLEAN:
        return ["true" if value else "false"] if isinstance(value, bool) else []
    if kind == FieldType.INTEGER:
        return [str(int(value))] if isinstance(value, int) and not isinstance(value, bool) else []
    if kind == FieldType.DECIMAL:
        if isinstance(value, bool) or not isinstance(value, str | int):
            return []
        number = Decimal(str(value))
        if not number.is_finite():
            return []
        text = f"{number:f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return ["0" if text in ("-0", "") else text]
    if kind == FieldType.DATE:
        return [datetime.date.fromisoformat(value).isoformat()] if isinstance(value, str) else []
    if not isinstance(value, str):
        return []
    key = choice_key(value)
    return [key] if key else []


def display_value(field: CustomField, value: Any) -> str:
    """A stored value as people read it, in the active language's formats: 31/12/2026,
    1 500,50, Oui/Non, choices joined by ", ". Empty when there is no value."""
    if value is None or value == "" or value == []:
        return ""
    kind = field.type
    try:
        if kind == FieldType.BOOLEAN and isinstance(value, bool):
            return str(_("Oui") if value else _("Non"))
        if kind == FieldType.DATE and isinstance(value, str):
            day = datetime.date.fromisoformat(value)
            return formats.date_format(day, "SHORT_DATE_FORMAT")
        if kind in (FieldType.INTEGER, FieldType.DECIMAL) and not isinstance(value, bool):
            number = Decimal(str(value)) if kind == FieldType.DECIMAL else int(value)
            return formats.number_format(number, use_l10n=True, force_grouping=True)
        if kind in CHOICE_TYPES:
            # As the definition spells and orders its choices now.
            canonical = {fold(c): c for c in field.choices}
            order = {c: i for i, c in enumerate(field.choices)}
            items = value if isinstance(value, list) else [value]
            shown = [canonical.get(fold(str(v)), str(v)) for v in items]
            shown.sort(key=lambda c: order.get(c, len(order)))
            return ", ".join(shown)
    except (TypeError, ValueError, ArithmeticError):
        pass
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def input_value(field: CustomField, value: Any) -> str | list[str]:
    """A stored value as a form input holds it (the parser reads it back)."""
    if value is None:
        return ""
    if field.type == FieldType.MULTIPLE_CHOICE:
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


# --- Definitions ------------------------------------------------------------------------
_DEFINITION_KEYS = ("name", "slug", "type", "choices", "required", "default", "position")


def _clean_name(raw: Any, fail: Any) -> str | None:
    if not isinstance(raw, str):
        fail("name", "invalid_type", _("Un texte est attendu."))
        return None
    try:
        _check_characters(raw)
    except InvalidValue as exc:
        fail("name", exc.code, exc.message)
        return None
    name = " ".join(raw.split())
    if not name:
        fail("name", "required", _("Ce champ est obligatoire."))
        return None
    if len(name) > MAX_NAME:
        error = _too_long(MAX_NAME, len(name))
        fail("name", error.code, error.message)
        return None
    return name


def _clean_choices(raw: Any, fail: Any) -> list[str] | None:
    if not isinstance(raw, list | tuple) or not all(isinstance(c, str) for c in raw):
        fail("choices", "invalid_type", _("Une liste de choix (textes) est attendue."))
        return None
    choices: list[str] = []
    seen: dict[str, str] = {}
    for item in raw:
        try:
            _check_characters(item)
        except InvalidValue as exc:
            fail("choices", exc.code, exc.message)
            return None
        choice = " ".join(item.split())
        if not choice:
            continue
        if len(choice) > MAX_CHOICE_LENGTH:
            fail(
                "choices",
                "too_long",
                _("Un choix fait %(max)d caractères au maximum : « %(choice)s… ».")
                % {"max": MAX_CHOICE_LENGTH, "choice": choice[:30]},
            )
            return None
        key = fold(choice)
        if key in seen:
            fail(
                "choices",
                "duplicate_choice",
                _("Le choix « %(choice)s » est en double (« %(other)s »).")
                % {"choice": choice, "other": seen[key]},
            )
            return None
        seen[key] = choice
        choices.append(choice)
    if len(choices) > MAX_CHOICES:
        fail(
            "choices",
            "too_many",
            _("%(max)d choix au maximum (%(count)d saisis).")
            % {"max": MAX_CHOICES, "count": len(choices)},
        )
        return None
    return choices


def _clean_flag(raw: Any) -> bool | None:
    if isinstance(raw, bool):
        return raw
    if raw is None or raw == "":
        return False
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
    return None


def _clean_position(raw: Any, fail: Any) -> int | None:
    if raw is None or raw == "":
        return None
    value = raw
    if isinstance(raw, str):
        text = raw.strip()
        value = int(text) if _POSITION.match(text) else None
    if isinstance(value, bool) or not isinstance(value, int):
        fail("position", "invalid_number", _("Un nombre entier est attendu."))
        return None
    if not 0 <= value <= MAX_POSITION:
        fail(
            "position",
            "out_of_range",
            _("La position doit être comprise entre 0 et %(max)d.") % {"max": MAX_POSITION},
        )
        return None
    return value


def clean_definition_input(
    raw: Mapping[str, Any], *, existing: CustomField | None
) -> dict[str, Any]:
    """Check a definition's input (``existing`` None: a new field; else a change, with
    only the keys given). Returns the normalized values of the given keys, with ``type``,
    ``choices`` and ``default`` always consistent with each other.

    Rules that need the database (unique name, values in use) are the services'.
    Raises ``ValidationFailed`` listing every bad key.
    """
    values, errors = check_definition_input(raw, existing=existing)
    if errors:
        raise ValidationFailed(errors)
    return values


def check_definition_input(
    raw: Mapping[str, Any], *, existing: CustomField | None
) -> tuple[dict[str, Any], list[FieldError]]:
    """``clean_definition_input`` without raising: the values that passed, and the errors
    (for callers that add their own checks to the same list)."""
    errors: list[FieldError] = []

    def fail(key: str, code: str, message: Any) -> None:
        errors.append(FieldError(key, code, message))

    for key in raw:
        if key not in _DEFINITION_KEYS:
            fail(str(key)[:MAX_SLUG], "unknown_field", _("Ce champ n'existe pas."))
    out: dict[str, Any] = {}
    creating = existing is None

    if "name" in raw or creating:
        name = _clean_name(raw.get("name", ""), fail)
        if name is not None:
            out["name"] = name

    slug = raw.get("slug")
    if slug is not None and slug != "":
        if not isinstance(slug, str) or not SLUG_PATTERN.match(slug):
            fail(
                "slug",
                "invalid_slug",
                _(
                    "L'identifiant commence par une lettre minuscule, suivie de lettres "
                    "minuscules sans accent, de chiffres ou de _ (64 caractères au maximum)."
                ),
            )
        elif existing is not None and slug != existing.slug:
            fail(
                "slug",
                "immutable",
                _(
                    "L'identifiant d'un champ ne change pas après sa création (c'est la clé "
                    "des valeurs dans l'API et les imports) : « %(slug)s »."
                )
                % {"slug": existing.slug},
            )
        elif creating:
            out["slug"] = slug

    kind: str | None = existing.type if existing is not None else None
    if "type" in raw or creating:
        given = raw.get("type")
        kind = None
        if given is None or given == "":
            fail("type", "required", _("Ce champ est obligatoire."))
        elif not isinstance(given, str) or given not in FieldType.values:
            fail(
                "type",
                "invalid_choice",
                _("Type inconnu. Types possibles : %(types)s.")
                % {"types": ", ".join(FieldType.values)},
            )
        else:
            kind = out["type"] = given

    choices: list[str] | None = list(existing.choices) if existing else []
    if "choices" in raw and raw["choices"] is not None:
        choices = _clean_choices(raw["choices"], fail)
    if kind is not None and choices is not None:
        if kind in CHOICE_TYPES and not choices:
            fail("choices", "required", _("Donnez au moins un choix (un par ligne)."))
        elif kind not in CHOICE_TYPES and choices:
            if "choices" in raw and raw["choices"]:
                fail(
                    "choices",
                    "not_applicable",
                    _("Seuls les champs de type choix ont une liste de choix."),
                )
            choices = []
        if "choices" in raw or "type" in raw:
            out["choices"] = choices

    if creating or raw.get("required") is not None:
        required = _clean_flag(raw.get("required"))
        if required is None:
            fail("required", "invalid_type", _("Oui ou non est attendu."))
        else:
            out["required"] = required

    if "position" in raw:
        position = _clean_position(raw["position"], fail)
        if position is not None:
            out["position"] = position

    # The default follows the (new) type and choices: given, or the current one checked again.
    retyped = "type" in raw or "choices" in raw
    if kind is not None and choices is not None and ("default" in raw or retyped):
        default = raw["default"] if "default" in raw else (existing.default if existing else None)
        try:
            out["default"] = parse_value(CustomField(type=kind, choices=choices), default)
        except InvalidValue as exc:
            if "default" not in raw:
                exc = InvalidValue(
                    "invalid_default",
                    _("La valeur par défaut actuelle ne convient plus : %(reason)s")
                    % {"reason": exc.message},
                )
            fail("default", exc.code, exc.message)
    return out, errors
