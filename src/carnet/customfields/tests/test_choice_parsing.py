"""Choice values are read without rendering the "expected" message for every value and
with the folded choices remembered: the same answers as the straightforward reading."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from hypothesis import given, settings
from hypothesis import strategies as st

from carnet.core.text import fold
from carnet.customfields.models import CustomField, FieldType
from carnet.customfields.validation import (
    _LIST_SEPARATORS,
    CHOICES_IN_MESSAGE,
    MAX_CHOICE_LENGTH,
    InvalidValue,
    _check_characters,
    _choices_text,
    _is_blank,
    _string,
    parse_value,
)

CHOICES = ["Bronze", "Argent", "Or", "Élevé, très", "ÉTÉ", "ete"]
pieces = st.sampled_from(
    ["or", "OR", " Or ", "argent", "Élevé", "élevé, TRÈS", "été", "x", "", " ", "o\x00r", "\ud800"]
)
raw_values = st.one_of(
    pieces,
    st.lists(pieces, max_size=3).map(", ".join),
    st.lists(st.one_of(pieces, st.integers(), st.none()), max_size=3),
    st.text(max_size=12),
    st.integers(),
    st.booleans(),
    st.none(),
    st.dictionaries(st.text(max_size=2), st.text(max_size=2), max_size=1),
)


def reference_match_choice(choices: list[str], raw: str) -> str:
    wanted = fold(raw)
    for choice in choices:
        if fold(choice) == wanted:
            return choice
    raise InvalidValue(
        "invalid_choice",
        _("« %(value)s » n'est pas un choix possible. Choix possibles : %(choices)s.")
        % {"value": raw[:MAX_CHOICE_LENGTH], "choices": _choices_text(choices)},
    )


def reference_parse_choice(field: CustomField, raw: Any) -> str:
    expected = _("Un des choix est attendu : %(choices)s.") % {
        "choices": _choices_text(field.choices)
    }
    text = " ".join(_string(raw, expected).split())
    return reference_match_choice(field.choices, text)


def reference_parse_multiple_choice(field: CustomField, raw: Any) -> list[str]:
    expected = _("Une liste de choix est attendue, parmi : %(choices)s.") % {
        "choices": _choices_text(field.choices)
    }
    if isinstance(raw, str):
        _check_characters(raw)
        whole = " ".join(raw.split())
        if any(fold(choice) == fold(whole) for choice in field.choices):
            items = [whole]
        else:
            items = _LIST_SEPARATORS.split(raw)
    elif isinstance(raw, list | tuple):
        items = list(raw)
    else:
        raise InvalidValue("invalid_type", expected)
    chosen: set[str] = set()
    refused: list[str] = []
    for item in items:
        text = " ".join(_string(item, expected).split())
        if not text:
            continue
        try:
            chosen.add(reference_match_choice(field.choices, text))
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


def reference_parse_value(field: CustomField, raw: Any) -> Any:
    """``parse_value`` for the two choice types, as it read them before."""
    if _is_blank(raw):
        return None
    if field.type == FieldType.CHOICE:
        return reference_parse_choice(field, raw)
    return reference_parse_multiple_choice(field, raw) or None


def outcome(parse: Any, field: CustomField, raw: Any) -> tuple[Any, ...]:
    try:
        return ("ok", parse(field, raw))
    except InvalidValue as error:
        return ("error", error.code, str(error.message))


@settings(max_examples=300)
@given(st.sampled_from([FieldType.CHOICE, FieldType.MULTIPLE_CHOICE]), raw_values)
def test_choices_are_read_as_before(kind: str, raw: Any) -> None:
    field = CustomField(name="Niveau", slug="niveau", type=kind, choices=CHOICES)
    assert outcome(parse_value, field, raw) == outcome(reference_parse_value, field, raw)
