"""Tests for carnet.core.identifiers (no database, no Django settings needed).

Assertions are on ``err.code``; the few tests that render a message use the
``rendered_messages`` fixture, which configures minimal settings only when nothing
(pytest-django, for instance) has configured them already.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.eu import vat as stdnum_vat

from carnet.core.identifiers import (
    EU_MEMBER_STATES,
    IdentifierError,
    check_siren_matches_siret,
    clean_country,
    clean_email,
    clean_naf_code,
    clean_phone,
    clean_siren,
    clean_siret,
    clean_vat_number,
    clean_website,
    french_vat_from_siren,
    siren_from_siret,
    vat_country,
    vat_regime,
)

VALID_SIRET = "73282932000074"
VALID_SIREN = "732829320"
LA_POSTE_HEAD_OFFICE = "35600000000048"  # Luhn-valid, the exception to the exception
LA_POSTE_BRANCH = "35600000049837"  # digits add up to 45, not Luhn-valid
NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.fixture
def rendered_messages() -> Iterator[None]:
    """Make lazy messages renderable (settings from the project or minimal ones)."""
    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_I18N=False)
    yield


def assert_code(func: Callable[..., str], value: str, code: str, **kwargs: str) -> None:
    with pytest.raises(IdentifierError) as info:
        func(value, **kwargs)
    assert info.value.code == code, (value, info.value.code)


# --------------------------------------------------------------------------- IdentifierError


def test_identifier_error_is_a_value_error_and_repr_does_not_render() -> None:
    err = IdentifierError("invalid_format", "message")
    assert isinstance(err, ValueError)
    assert err.code == "invalid_format"
    assert repr(err) == "IdentifierError(code='invalid_format')"


def test_messages_are_lazy_and_render_in_french(rendered_messages: None) -> None:
    with pytest.raises(IdentifierError) as info:
        clean_siret("73282932000075")
    message = str(info.value.message)
    assert "73282932000075" in message
    assert "clé de contrôle" in message
    assert str(info.value) == message


# --------------------------------------------------------------------------- SIRET


@pytest.mark.parametrize(
    "raw",
    [
        VALID_SIRET,
        "732 829 320 00074",
        "732.829.320.00074",
        "732-829-320-00074",
        f"  732{NBSP}829{NBSP}320{NNBSP}00074 ",
        LA_POSTE_HEAD_OFFICE,
        LA_POSTE_BRANCH,
    ],
)
def test_clean_siret_accepts(raw: str) -> None:
    assert clean_siret(raw) == _compact_digits(raw)


def _compact_digits(raw: str) -> str:
    return "".join(c for c in raw if c in "0123456789")


@pytest.mark.parametrize("raw", ["", "   ", "\t\n"])
def test_clean_siret_blank(raw: str) -> None:
    assert clean_siret(raw) == ""


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("73282932000075", "invalid_checksum"),
        ("73282932100074", "invalid_checksum"),
        ("7328293200007", "invalid_length"),
        ("732829320000740", "invalid_length"),
        ("...", "invalid_length"),
        ("7328293200007A", "invalid_format"),
        ("SIRET 73282932000074", "invalid_format"),
        ("7328293200007²", "invalid_format"),  # str.isdigit() would say yes
        ("٧٣٢٨٢٩٣٢٠٠٠٠٧٤", "invalid_format"),  # Arabic-Indic digits
        ("35600000049838", "invalid_checksum"),  # La Poste, digits add up to 46
        ("35600000000014", "invalid_checksum"),  # Luhn-valid but La Poste rule fails
    ],
)
def test_clean_siret_refuses(raw: str, code: str) -> None:
    assert_code(clean_siret, raw, code)


def test_la_poste_branch_is_not_luhn_valid() -> None:
    assert not luhn.is_valid(LA_POSTE_BRANCH)
    assert sum(map(int, LA_POSTE_BRANCH)) % 5 == 0


# --------------------------------------------------------------------------- SIREN


@pytest.mark.parametrize("raw", ["732829320", "732 829 320", "732.829.320", " 356000000 "])
def test_clean_siren_accepts(raw: str) -> None:
    assert clean_siren(raw) == _compact_digits(raw)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("732829321", "invalid_checksum"),
        ("73282932", "invalid_length"),
        (VALID_SIRET, "invalid_length"),
        ("73282932O", "invalid_format"),
    ],
)
def test_clean_siren_refuses(raw: str, code: str) -> None:
    assert_code(clean_siren, raw, code)


def test_clean_siren_blank() -> None:
    assert clean_siren(" ") == ""


def test_siren_from_siret() -> None:
    assert siren_from_siret("732 829 320 00074") == VALID_SIREN
    assert siren_from_siret(LA_POSTE_BRANCH) == "356000000"
    assert siren_from_siret("") == ""
    assert_code(siren_from_siret, "73282932000075", "invalid_checksum")


def test_check_siren_matches_siret() -> None:
    check_siren_matches_siret(VALID_SIREN, VALID_SIRET)
    check_siren_matches_siret("732 829 320", "732 829 320 00074")
    check_siren_matches_siret("", VALID_SIRET)
    check_siren_matches_siret(VALID_SIREN, "")
    with pytest.raises(IdentifierError) as info:
        check_siren_matches_siret("303265045", VALID_SIRET)
    assert info.value.code == "siren_mismatch"


def test_siren_mismatch_message(rendered_messages: None) -> None:
    with pytest.raises(IdentifierError) as info:
        check_siren_matches_siret("303265045", VALID_SIRET)
    assert "303265045" in str(info.value.message)
    assert VALID_SIRET in str(info.value.message)


# --------------------------------------------------------------------------- VAT numbers


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("FR40303265045", "FR40303265045"),
        ("fr 40 303 265 045", "FR40303265045"),
        ("FR-40.303.265.045", "FR40303265045"),
        (f"FR44{NBSP}732829320", "FR44732829320"),
        ("FRK7399859412", "FRK7399859412"),  # new-style key with letters
        ("DE136695976", "DE136695976"),
        ("de 136 695 976", "DE136695976"),
        ("BE0403019261", "BE0403019261"),
        ("BE 0403.019.261", "BE0403019261"),
        ("IT00743110157", "IT00743110157"),
        ("ESA28015865", "ESA28015865"),
        ("es a-28015865", "ESA28015865"),
        ("NL004495445B01", "NL004495445B01"),
        ("nl 0044.95.445.b.01", "NL004495445B01"),
        ("EL094259216", "EL094259216"),
        ("GR094259216", "EL094259216"),  # ISO code typed instead of EL
        ("ATU13585627", "ATU13585627"),
    ],
)
def test_clean_vat_number_accepts(raw: str, expected: str) -> None:
    assert clean_vat_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("FR41303265045", "invalid_checksum"),
        ("FR00000000000", "invalid_checksum"),
        ("DE136695977", "invalid_checksum"),
        ("BE0403019262", "invalid_checksum"),
        ("IT00743110158", "invalid_checksum"),
        ("ESA28015866", "invalid_checksum"),
        ("NL004495446B01", "invalid_checksum"),
        ("EL094259217", "invalid_checksum"),
        ("FR 40 303", "invalid_format"),
        ("DE12345", "invalid_format"),
        ("40303265045", "invalid_format"),  # no country prefix
        ("F40303265045", "invalid_format"),
        ("FR40/303265045", "invalid_format"),
        ("FR４０３０３２６５０４５", "invalid_format"),  # full-width digits
        ("GB980780684", "unknown_country"),  # no longer a member state
        ("XI100100063", "unknown_country"),  # Northern Ireland: not a member state
        ("CHE-116.281.710", "unknown_country"),
        ("US123456789", "unknown_country"),
        ("EU372000041", "unknown_country"),  # OSS scheme, not a country
    ],
)
def test_clean_vat_number_refuses(raw: str, code: str) -> None:
    assert_code(clean_vat_number, raw, code)


def test_clean_vat_number_blank() -> None:
    assert clean_vat_number("  ") == ""


def test_clean_vat_number_checks_french_number_against_siren() -> None:
    assert clean_vat_number("FR40303265045", siren="303265045") == "FR40303265045"
    assert clean_vat_number("FR40303265045", siren="303 265 045") == "FR40303265045"
    assert clean_vat_number("FR40303265045", siren="") == "FR40303265045"
    assert_code(clean_vat_number, "FR40303265045", "siren_mismatch", siren=VALID_SIREN)
    assert_code(clean_vat_number, "FR44732829320", "siren_mismatch", siren="303265045")


def test_siren_is_ignored_for_foreign_numbers() -> None:
    assert clean_vat_number("DE136695976", siren=VALID_SIREN) == "DE136695976"


def test_vat_country() -> None:
    assert vat_country("fr 40 303 265 045") == "FR"
    assert vat_country("EL094259216") == "GR"
    assert vat_country("DE136695976") == "DE"
    assert vat_country("") == ""
    assert_code(vat_country, "US123456789", "unknown_country")


def test_french_vat_from_siren() -> None:
    assert french_vat_from_siren("303265045") == "FR40303265045"
    assert french_vat_from_siren("732 829 320") == "FR44732829320"
    assert french_vat_from_siren("") == ""
    assert_code(french_vat_from_siren, "732829321", "invalid_checksum")


@given(st.from_regex(r"[0-9]{8}", fullmatch=True))
def test_french_vat_from_siren_round_trips(body: str) -> None:
    siren = body + luhn.calc_check_digit(body)
    vat = french_vat_from_siren(siren)
    assert clean_vat_number(vat, siren=siren) == vat
    assert vat[4:] == siren


def test_eu_member_states() -> None:
    assert len(EU_MEMBER_STATES) == 27
    assert "GR" in EU_MEMBER_STATES and "EL" not in EU_MEMBER_STATES
    assert "GB" not in EU_MEMBER_STATES and "MC" not in EU_MEMBER_STATES
    assert {cc.upper() for cc in stdnum_vat.MEMBER_STATES} - {"XI"} == EU_MEMBER_STATES
    assert all(clean_country(cc) == cc for cc in EU_MEMBER_STATES)


# --------------------------------------------------------------------------- NAF code


@pytest.mark.parametrize(
    "raw",
    ["62.01Z", "6201Z", "6201z", "62.01 Z", " 62.01z ", "62 01 Z", "62. 01Z"],
)
def test_clean_naf_code_accepts(raw: str) -> None:
    assert clean_naf_code(raw) == "62.01Z"


@pytest.mark.parametrize(
    "raw",
    [
        "62.01",
        "620Z",
        "62011Z",
        "6.201Z",
        "62.01ZZ",
        "62-01Z",
        "AB.CDZ",
        "62.01É",
        "٦٢.٠١Z",
        "Z6201",
    ],
)
def test_clean_naf_code_refuses(raw: str) -> None:
    assert_code(clean_naf_code, raw, "invalid_format")


def test_clean_naf_code_blank() -> None:
    assert clean_naf_code("") == ""


# --------------------------------------------------------------------------- E-mail


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("jean.dupont@example.fr", "jean.dupont@example.fr"),
        ("Jean.Dupont@Example.FR", "Jean.Dupont@example.fr"),
        ("  contact@EXAMPLE.com ", "contact@example.com"),
        ("a+tag@sub.Example.fr", "a+tag@sub.example.fr"),
        ("x@Exämple.FR", "x@exämple.fr"),
    ],
)
def test_clean_email_accepts(raw: str, expected: str) -> None:
    assert clean_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "jean.dupont",
        "jean.dupont@",
        "@example.fr",
        "jean dupont@example.fr",
        "jean@@example.fr",
        "jean@localhost",
        "jean@example",
        "Jean <jean@example.fr>",
        "jean@example..fr",
    ],
)
def test_clean_email_refuses(raw: str) -> None:
    assert_code(clean_email, raw, "invalid_email")


def test_clean_email_message_is_french(rendered_messages: None) -> None:
    with pytest.raises(IdentifierError) as info:
        clean_email("jean@")
    assert "adresse e-mail" in str(info.value.message)


def test_clean_email_blank() -> None:
    assert clean_email(" ") == ""


# --------------------------------------------------------------------------- Phone


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("+33 1 23 45 67 89", "FR", "+33123456789"),
        ("01.23.45.67.89", "FR", "+33123456789"),
        ("01 23 45 67 89", "FR", "+33123456789"),
        ("0033123456789", "FR", "+33123456789"),
        ("06-12-34-56-78", "FR", "+33612345678"),
        ("06 12 34 56 78", "fr", "+33612345678"),
        ("06 12 34 56 78", "", "+33612345678"),  # blank country: France assumed
        ("02 555 12 12", "BE", "+3225551212"),
        ("030 1234567", "DE", "+49301234567"),
        ("(201) 555-0123", "US", "+12015550123"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("+32 2 555 12 12", "FR", "+3225551212"),  # international form, any country
        ("+33 1 23 45 67 89", "DE", "+33123456789"),
        ("+377 99 99 99 99", "MC", "+37799999999"),
        ("+33 1 23 45 67 89", "ZZ", "+33123456789"),  # unknown region: international only
    ],
)
def test_clean_phone_accepts(raw: str, country: str, expected: str) -> None:
    assert clean_phone(raw, country=country) == expected


def test_clean_phone_defaults_to_france() -> None:
    assert clean_phone("01 23 45 67 89") == "+33123456789"


@pytest.mark.parametrize(
    ("raw", "country"),
    [
        ("02 555 12 12", "FR"),  # a Belgian number read as French
        ("01 23 45 67", "FR"),
        ("01 23 45 67 89 10", "FR"),
        ("3615", "FR"),
        ("0612345678", "BE"),
        ("01 23 45 67 89", "ZZ"),
        ("01 23 45 67 89 poste 12", "FR"),  # extension would be lost in E.164
        ("abc", "FR"),
        ("+", "FR"),
    ],
)
def test_clean_phone_refuses(raw: str, country: str) -> None:
    assert_code(clean_phone, raw, "invalid_phone", country=country)


def test_clean_phone_blank() -> None:
    assert clean_phone("   ") == ""


# --------------------------------------------------------------------------- Website


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("example.fr", "https://example.fr"),
        ("www.example.fr", "https://www.example.fr"),
        ("WWW.Example.FR", "https://www.example.fr"),
        ("https://Example.fr/path", "https://example.fr/path"),
        ("HTTP://Example.fr/Path?Q=A#Frag", "http://example.fr/Path?Q=A#Frag"),
        ("  example.fr/contact  ", "https://example.fr/contact"),
        ("example.fr:8080/x", "https://example.fr:8080/x"),
        ("https://exämple.FR", "https://exämple.fr"),
        ("https://192.168.1.1", "https://192.168.1.1"),
    ],
)
def test_clean_website_accepts(raw: str, expected: str) -> None:
    assert clean_website(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "example",
        "ftp://example.fr",
        "mailto:contact@example.fr",
        "javascript:alert(1)",
        "https://",
        "http://exa mple.fr",
        "https://user:secret@example.fr",
        "https://www.banque.fr@evil.example",
        "//example.fr",
    ],
)
def test_clean_website_refuses(raw: str) -> None:
    assert_code(clean_website, raw, "invalid_url")


def test_clean_website_blank() -> None:
    assert clean_website("") == ""


# --------------------------------------------------------------------------- Country


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("FR", "FR"), ("fr", "FR"), (" be ", "BE"), ("Gr", "GR"), ("MC", "MC"), ("GP", "GP")],
)
def test_clean_country_accepts(raw: str, expected: str) -> None:
    assert clean_country(raw) == expected


@pytest.mark.parametrize("raw", ["UK", "EL", "XX", "ZZ", "FRA", "F", "France", "ﬁ", "1A", "F R"])
def test_clean_country_refuses(raw: str) -> None:
    assert_code(clean_country, raw, "invalid_country")


def test_clean_country_blank() -> None:
    assert clean_country("") == ""


# --------------------------------------------------------------------------- VAT regime


@pytest.mark.parametrize(
    ("kind", "country", "vat_number", "expected"),
    [
        ("individual", "FR", "", "standard"),
        ("individual", "DE", "DE136695976", "standard"),
        ("individual", "US", "", "standard"),
        ("company", "FR", "FR40303265045", "standard"),
        ("company", "FR", "", "standard"),
        ("company", "MC", "", "standard"),
        ("company", "", "", "standard"),
        ("company", "DE", "DE136695976", "reverse_charge"),
        ("company", "de", "de 136 695 976", "reverse_charge"),
        ("company", "GR", "EL094259216", "reverse_charge"),
        ("company", "BE", "BE0403019261", "reverse_charge"),
        ("company", "BE", "", "standard"),
        ("company", "BE", "BE0403019262", "standard"),  # invalid number
        ("company", "BE", "US123456789", "standard"),
        ("company", "DE", "FR40303265045", "standard"),  # French number: French VAT
        ("company", "CH", "", "export"),
        ("company", "US", "", "export"),
        ("company", "GB", "GB980780684", "export"),
        ("company", "CH", "DE136695976", "export"),
        ("company", "GP", "", "export"),
        ("association", "ES", "ESA28015865", "reverse_charge"),
    ],
)
def test_vat_regime(kind: str, country: str, vat_number: str, expected: str) -> None:
    assert vat_regime(kind=kind, country=country, vat_number=vat_number) == expected


# --------------------------------------------------------------------------- Properties

_SEPARATOR = st.sampled_from([" ", ".", "-", NBSP, NNBSP, "  "])


@st.composite
def valid_sirets(draw: st.DrawFn) -> str:
    """A SIRET whose SIREN and whole number are Luhn-valid (La Poste numbers excluded)."""
    siren_body = draw(st.from_regex(r"[0-9]{8}", fullmatch=True))
    siren = siren_body + luhn.calc_check_digit(siren_body)
    nic_body = draw(st.from_regex(r"[0-9]{4}", fullmatch=True))
    siret = siren + nic_body + luhn.calc_check_digit(siren + nic_body)
    assume(not siret.startswith("356000000"))
    return siret


def _is_la_poste(number: str) -> bool:
    return number.startswith("356000000") and sum(map(int, number)) % 5 == 0


@given(st.text(alphabet="0123456789", min_size=14, max_size=14))
def test_accepted_siret_is_unchanged_and_checksummed(number: str) -> None:
    try:
        cleaned = clean_siret(number)
    except IdentifierError as err:
        assert err.code == "invalid_checksum"
        return
    assert cleaned == number
    assert luhn.is_valid(cleaned) or _is_la_poste(cleaned)


@given(st.from_regex(r"356000000[0-9]{5}", fullmatch=True))
def test_la_poste_sirets_follow_the_multiple_of_five_rule(number: str) -> None:
    accepted = True
    try:
        clean_siret(number)
    except IdentifierError:
        accepted = False
    assert accepted == (_is_la_poste(number) or number == LA_POSTE_HEAD_OFFICE)


@given(valid_sirets())
def test_valid_siret_is_accepted(siret: str) -> None:
    assert clean_siret(siret) == siret
    assert siren_from_siret(siret) == siret[:9]
    check_siren_matches_siret(siret[:9], siret)


@given(valid_sirets(), st.data())
def test_separators_anywhere_normalize_to_the_same_siret(siret: str, data: st.DataObject) -> None:
    pieces = []
    for digit in siret:
        pieces.append(data.draw(st.one_of(st.just(""), _SEPARATOR)))
        pieces.append(digit)
    pieces.append(data.draw(st.one_of(st.just(""), _SEPARATOR)))
    assert clean_siret("".join(pieces)) == siret


@given(valid_sirets(), st.integers(min_value=0, max_value=13), st.integers(1, 9))
def test_changing_one_digit_breaks_the_checksum(siret: str, position: int, delta: int) -> None:
    changed = siret[:position] + str((int(siret[position]) + delta) % 10) + siret[position + 1 :]
    assume(not changed.startswith("356000000"))
    assert_code(clean_siret, changed, "invalid_checksum")


TEXT_CLEANERS: list[Callable[[str], str]] = [
    clean_siret,
    clean_siren,
    siren_from_siret,
    clean_vat_number,
    vat_country,
    french_vat_from_siren,
    clean_naf_code,
    clean_email,
    clean_phone,
    clean_website,
    clean_country,
]


@pytest.mark.parametrize("cleaner", TEXT_CLEANERS, ids=lambda f: f.__name__)
@given(value=st.text())
def test_cleaners_raise_only_identifier_errors(cleaner: Callable[[str], str], value: str) -> None:
    try:
        result = cleaner(value)
    except IdentifierError as err:
        assert err.code
        return
    assert isinstance(result, str)
    if not value.strip():
        assert result == ""


@pytest.mark.parametrize(
    "cleaner",
    [
        clean_siret,
        clean_siren,
        clean_vat_number,
        clean_naf_code,
        clean_email,
        clean_phone,
        clean_website,
        clean_country,
    ],
    ids=lambda f: f.__name__,
)
@given(value=st.text(alphabet="0123456789 .-+@:/abcdefrzFRZ", max_size=20))
def test_cleaners_are_idempotent(cleaner: Callable[[str], str], value: str) -> None:
    try:
        once = cleaner(value)
    except IdentifierError:
        return
    assert cleaner(once) == once


@given(value=st.text(), country=st.text(max_size=3))
def test_clean_phone_any_country_raises_only_identifier_errors(value: str, country: str) -> None:
    try:
        clean_phone(value, country=country)
    except IdentifierError as err:
        assert err.code == "invalid_phone"


@given(value=st.text(), siren=st.text())
def test_clean_vat_number_with_any_siren_raises_only_identifier_errors(
    value: str, siren: str
) -> None:
    try:
        clean_vat_number(value, siren=siren)
    except IdentifierError as err:
        assert err.code in {
            "invalid_format",
            "invalid_checksum",
            "unknown_country",
            "siren_mismatch",
        }


@given(
    kind=st.sampled_from(["individual", "company", ""]),
    country=st.one_of(st.sampled_from(sorted(EU_MEMBER_STATES | {"MC", "CH", "US"})), st.text()),
    vat_number=st.text(),
)
def test_vat_regime_never_raises(kind: str, country: str, vat_number: str) -> None:
    regime = vat_regime(kind=kind, country=country, vat_number=vat_number)
    assert regime in {"standard", "reverse_charge", "export"}
    if kind == "individual":
        assert regime == "standard"


def test_display_phone_reads_french_numbers_nationally_and_others_internationally() -> None:
    from carnet.core.identifiers import display_phone

    assert display_phone("+33142685300") == "01 42 68 53 00"
    assert display_phone("+3225551212") == "+32 2 555 12 12"
    assert display_phone("not a number") == "not a number"
