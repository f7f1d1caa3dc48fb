"""Tests for the banking cleaners of carnet.core.identifiers: IBAN, BIC, SEPA creditor
identifier (ICS) and the full card numbers that must never be stored.

Like ``test_identifiers.py``, assertions are on ``err.code``; the few tests that render a
message use the ``rendered_messages`` fixture.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum import iban as stdnum_iban
from stdnum import luhn
from stdnum.fr import siret as stdnum_siret
from stdnum.iso7064 import mod_97_10

from carnet.core.identifiers import (
    IdentifierError,
    banking_area,
    card_number_error,
    clean_bic,
    clean_creditor_identifier,
    clean_iban,
    find_card_number,
    format_iban,
    iban_length,
    mask_iban,
    refuse_card_numbers,
)

NBSP, NNBSP = "\u00a0", "\u202f"

# Published examples (the European Commission's, the banks' and stdnum's), one per country.
VALID_IBANS = {
    "FR7630006000011234567890189": "FR76 3000 6000 0112 3456 7890 189",
    "FR1420041010050500013M02606": "fr14 2004 1010 0505 0001 3m02 606",
    "DE89370400440532013000": "DE89 3704 0044 0532 0130 00",
    "GB29NWBK60161331926819": "gb29 nwbk 6016 1331 9268 19",
    "ES9121000418450200051332": "ES91-2100-0418-4502-0005-1332",
    "IT60X0542811101000000123456": "IT60 X054 2811 1010 0000 0123 456".replace(" ", NBSP),
    "NL91ABNA0417164300": "NL91 ABNA 0417 1643 00",
    "BE31435411161155": "BE31 4354 1116 1155",
    "CH9300762011623852957": "CH93 0076 2011 6238 5295 7",
    "MC5811222000010123456789030": "MC58 1122 2000 0101 2345 6789 030",
    "AT611904300234573201": "AT61 1904 3002 3457 3201",
    "LU280019400644750000": "LU28 0019 4006 4475 0000",
}
FRENCH_IBAN = "FR7630006000011234567890189"
FRENCH_ICS = "FR72ZZZ123456"
GERMAN_ICS = "DE98ZZZ09999999999"  # the Bundesbank's example
VISA = "4111111111111111"
MASTERCARD = "5555555555554444"
AMEX = "378282246310005"
SIRET = "73282932000074"  # Luhn-valid, like every SIRET but La Poste's


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


# --------------------------------------------------------------------------- IBAN


@pytest.mark.parametrize(("expected", "typed"), VALID_IBANS.items())
def test_it_normalizes_valid_ibans_of_several_countries(expected: str, typed: str) -> None:
    assert clean_iban(typed) == expected
    assert clean_iban(expected) == expected


def test_it_accepts_a_leading_iban_label_and_blank_values() -> None:
    assert clean_iban("IBAN : FR76 3000 6000 0112 3456 7890 189") == FRENCH_IBAN
    assert clean_iban("iban FR7630006000011234567890189") == FRENCH_IBAN
    assert clean_iban("") == ""
    assert clean_iban("   ") == ""


def test_it_accepts_a_belgian_iban_of_a_bank_missing_from_stdnums_list() -> None:
    # The European Commission's example: right check digits, bank code 539 unknown to the
    # bank list stdnum ships. Lists age; the check digits decide.
    assert clean_iban("BE68 5390 0754 7034") == "BE68539007547034"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("FR7630006000011234567890188", "invalid_checksum"),  # last digit changed
        ("FR7730006000011234567890189", "invalid_checksum"),  # check digits changed
        ("DE89370400440532013001", "invalid_checksum"),
        ("GB29NWBK60161331926818", "invalid_checksum"),
        ("BE41091811735141", "invalid_checksum"),  # national check digits (stdnum.be)
        ("ES9121000418450200051331", "invalid_checksum"),
        ("FR763000600001123456789018", "invalid_length"),  # 26 characters, France has 27
        ("FR76300060000112345678901890", "invalid_length"),
        ("DE8937040044053201300", "invalid_length"),
        ("GB29NWBK6016133192681", "invalid_length"),
        ("XX7630006000011234567890189", "unknown_country"),
        ("US7630006000011234567890189", "unknown_country"),
        ("FR76 3000 6000 0112 3456 7890 18*", "invalid_format"),
        ("7630006000011234567890189", "invalid_format"),
        ("FRAB30006000011234567890189", "invalid_format"),
        ("DE89 3704 0044 0532 0130 0A", "invalid_format"),  # letter where digits go
        ("FR76 3000 6000 0112 3456 7890 1é9", "invalid_format"),
    ],
)
def test_it_refuses_bad_ibans_with_a_code(value: str, code: str) -> None:
    assert_code(clean_iban, value, code)


def test_it_checks_the_rib_key_of_french_ibans() -> None:
    # Right IBAN check digits recomputed over a wrong RIB key: only the key is wrong.
    bban = "30006000011234567890189"[:-2] + "00"
    wrong = "FR" + stdnum_iban.calc_check_digits("FRxx" + bban) + bban
    assert stdnum_iban.is_valid(wrong)
    assert_code(clean_iban, wrong, "invalid_checksum")


def test_iban_length_follows_the_registry() -> None:
    assert iban_length("FR") == 27
    assert iban_length("DE") == 22
    assert iban_length("GB") == 22
    assert iban_length("MC") == 27
    assert iban_length("US") is None
    assert iban_length("ZZ") is None


def test_length_messages_say_what_is_expected(rendered_messages: None) -> None:
    with pytest.raises(IdentifierError) as info:
        clean_iban("FR763000600001123456789018")
    message = str(info.value.message)
    assert "FR" in message and "27" in message and "26" in message


def test_it_formats_and_masks_ibans() -> None:
    assert format_iban(FRENCH_IBAN) == "FR76 3000 6000 0112 3456 7890 189"
    assert format_iban("de89370400440532013000") == "DE89 3704 0044 0532 0130 00"
    assert mask_iban(FRENCH_IBAN) == "FR76 •••• •••• •••• •••• •••0 189"
    assert mask_iban("FR76 3000 6000 0112 3456 7890 189") == "FR76 •••• •••• •••• •••• •••0 189"
    assert mask_iban("DE89370400440532013000") == "DE89 •••• •••• •••• ••30 00"
    assert mask_iban("") == ""
    assert mask_iban("AB12") == "AB12"
    assert mask_iban("ABC12345") == "•••• 2345"


# Countries without national checks in stdnum (or the RIB key), so that any structure-
# conforming national part with the right IBAN check digits is valid.
_PLAIN_COUNTRIES = ["DE", "GB", "IT", "NL", "AT", "LU", "CH", "PT", "PL", "SE", "DK", "FI", "IE"]
_STRUCTURE = {
    "DE": "8!n10!n",
    "GB": "4!a6!n8!n",
    "IT": "1!a5!n5!n12!c",
    "NL": "4!a10!n",
    "AT": "5!n11!n",
    "LU": "3!n13!c",
    "CH": "5!n12!c",
    "PT": "4!n4!n11!n2!n",
    "PL": "8!n16!n",
    "SE": "3!n16!n1!n",
    "DK": "4!n9!n1!n",
    "FI": "3!n11!n",
    "IE": "4!a6!n8!n",
}
_ALPHABETS = {"n": "0123456789", "a": "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "c": "0123456789ABCDEFGHIJ"}


@st.composite
def ibans(draw: st.DrawFn) -> str:
    """A valid IBAN of a country without national checks."""
    country = draw(st.sampled_from(_PLAIN_COUNTRIES))
    bban = ""
    for size, kind in re.findall(r"(\d+)!([nac])", _STRUCTURE[country]):
        bban += draw(st.text(alphabet=_ALPHABETS[kind], min_size=int(size), max_size=int(size)))
    return country + stdnum_iban.calc_check_digits(country + "00" + bban) + bban


@st.composite
def french_ibans(draw: st.DrawFn) -> str:
    """A valid French IBAN: bank, branch, account, RIB key, IBAN check digits."""
    bank = draw(st.from_regex(r"[0-9]{5}", fullmatch=True))
    branch = draw(st.from_regex(r"[0-9]{5}", fullmatch=True))
    account = draw(st.from_regex(r"[0-9]{11}", fullmatch=True))
    key = 97 - int(bank + branch + account + "00") % 97
    bban = f"{bank}{branch}{account}{key:02d}"
    return "FR" + stdnum_iban.calc_check_digits("FR00" + bban) + bban


@given(ibans() | french_ibans(), st.sampled_from([" ", "", NBSP, "-"]), st.booleans())
def test_any_valid_iban_comes_back_compact_whatever_its_spelling(
    number: str, separator: str, lower: bool
) -> None:
    typed = format_iban(number).replace(" ", separator)
    assert clean_iban(typed.lower() if lower else typed) == number


@given(ibans() | french_ibans(), st.data())
def test_any_single_changed_digit_is_refused(number: str, data: st.DataObject) -> None:
    # ISO 7064 mod 97-10 catches every digit typed for another (97 is prime); a letter
    # typed for a digit may slip through it, once in about 97 times, like any checksum.
    digits = [i for i, char in enumerate(number) if i >= 2 and char.isdigit()]
    position = data.draw(st.sampled_from(digits))
    replacement = data.draw(st.sampled_from("0123456789"))
    assume(replacement != number[position])
    changed = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(IdentifierError) as info:
        clean_iban(changed)
    assert info.value.code == "invalid_checksum"


@given(ibans() | french_ibans())
def test_masks_keep_the_country_check_digits_and_last_four_only(number: str) -> None:
    masked = mask_iban(number)
    compact = masked.replace(" ", "")
    assert len(compact) == len(number)
    assert compact[:4] == number[:4]
    assert compact[-4:] == number[-4:]
    assert set(compact[4:-4]) == {"•"}
    assert all(len(group) == 4 for group in masked.split(" ")[:-1])


# --------------------------------------------------------------------------- BIC


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("BNPAFRPP", "BNPAFRPP"),
        ("bnpa fr pp", "BNPAFRPP"),
        ("AGRIFRPP882", "AGRIFRPP882"),
        ("deut-de-ff", "DEUTDEFF"),
        ("  NWBKGB2L  ", "NWBKGB2L"),
    ],
)
def test_it_normalizes_bics(typed: str, expected: str) -> None:
    assert clean_bic(typed) == expected
    assert clean_bic("") == ""


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("BNPAFRP", "invalid_length"),
        ("BNPAFRPP1", "invalid_length"),
        ("BNPAFRPPXXXX", "invalid_length"),
        ("BNPA1RPP", "invalid_format"),  # digit in the country code
        ("BNP4FRPP", "invalid_format"),  # digit in the bank code
        ("BNPAFRP*", "invalid_format"),
        ("BNPAZZPP", "unknown_country"),
    ],
)
def test_it_refuses_bad_bics(value: str, code: str) -> None:
    assert_code(clean_bic, value, code)


@pytest.mark.parametrize(
    ("bic", "iban_country"),
    [
        ("BNPAFRPP", "FR"),
        ("DEUTDEFF", "DE"),
        ("BNPARERX", "FR"),  # La Réunion: French IBANs, BICs with RE
        ("BDAFGPGP", "FR"),  # Guadeloupe
        ("CFMOMCMX", "MC"),  # a Monegasque bank
        ("BNPAFRPP", "MC"),  # a French bank's account in Monaco
        ("CFMOMCMX", "FR"),
        ("ABCDJESH", "GB"),  # Jersey: GB IBANs
        ("ABCDIMDD", "GB"),  # Isle of Man
        ("ABCDAXAA", "FI"),  # Åland: Finnish IBANs
        ("BNPAFRPP", "fr"),
    ],
)
def test_a_bic_of_the_ibans_banking_area_is_accepted(bic: str, iban_country: str) -> None:
    assert clean_bic(bic, iban_country=iban_country) == bic


@pytest.mark.parametrize(
    ("bic", "iban_country"),
    [
        ("DEUTDEFF", "FR"),
        ("BNPAFRPP", "DE"),
        ("NWBKGB2L", "IE"),
        ("ABCDJESH", "FR"),
        ("BNPABEBB", "FR"),
        ("BNPARERX", "DE"),
    ],
)
def test_a_bic_of_another_country_than_the_ibans_is_refused(bic: str, iban_country: str) -> None:
    assert_code(clean_bic, bic, "country_mismatch", iban_country=iban_country)


def test_the_mismatch_message_names_both_countries(rendered_messages: None) -> None:
    with pytest.raises(IdentifierError) as info:
        clean_bic("DEUTDEFF", iban_country="FR")
    message = str(info.value.message)
    assert "DE" in message and "FR" in message


def test_banking_areas() -> None:
    assert banking_area("RE") == banking_area("MC") == banking_area("FR") == "FR"
    assert banking_area("JE") == "GB"
    assert banking_area("DE") == "DE"


# --------------------------------------------------------------------------- SEPA creditor


def test_it_normalizes_creditor_identifiers() -> None:
    assert clean_creditor_identifier(FRENCH_ICS) == FRENCH_ICS
    assert clean_creditor_identifier("fr 72 zzz 123456") == FRENCH_ICS
    assert clean_creditor_identifier("FR72-ZZZ-123456") == FRENCH_ICS
    assert clean_creditor_identifier(GERMAN_ICS) == GERMAN_ICS
    assert clean_creditor_identifier("") == ""


def test_the_business_code_is_left_out_of_the_check() -> None:
    assert clean_creditor_identifier("FR72ABC123456") == "FR72ABC123456"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("FR73ZZZ123456", "invalid_checksum"),
        ("FR72ZZZ123457", "invalid_checksum"),
        ("DE97ZZZ09999999999", "invalid_checksum"),
        ("FR72ZZZ12345", "invalid_length"),
        ("FR72ZZZ1234567", "invalid_length"),
        ("DE98ZZZ" + "9" * 29, "invalid_length"),
        ("XX72ZZZ123456", "unknown_country"),
        ("US72ZZZ123456", "unknown_country"),
        ("123456", "invalid_format"),
        ("FR7ZZZ123456", "invalid_format"),
        ("FR72ZZZ", "invalid_format"),
        ("FR72ZZZ12345*", "invalid_format"),
    ],
)
def test_it_refuses_bad_creditor_identifiers(value: str, code: str) -> None:
    assert_code(clean_creditor_identifier, value, code)


@given(st.from_regex(r"[0-9A-Z]{6}", fullmatch=True), st.from_regex(r"[A-Z]{3}", fullmatch=True))
def test_any_french_creditor_identifier_with_its_check_digits_is_valid(
    national: str, business: str
) -> None:
    number = "FR" + mod_97_10.calc_check_digits(national + "FR") + business + national
    assert clean_creditor_identifier(number.lower()) == number


# --------------------------------------------------------------------------- Card numbers


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (VISA, VISA),
        ("4111 1111 1111 1111", VISA),
        ("4111-1111-1111-1111", VISA),
        (f"4111{NBSP}1111{NNBSP}1111 1111", VISA),
        ("Payé par carte 5555 5555 5555 4444, merci.", MASTERCARD),
        ("CB : 4111 1111 1111 1111 exp 12/27", VISA),
        ("carte 4111 1111 1111 1111 12/27", VISA),  # the expiry month glued on
        ("carte 4111 1111 1111 1111 123", VISA),  # the security code glued on
        ("Amex 3782 822463 10005", AMEX),
        (AMEX, AMEX),
        ("Diners 3056 930902 5904", "30569309025904"),
        ("Visa 13 chiffres 4222222222222", "4222222222222"),
        ("ligne 1\n4111111111111111\nligne 3", VISA),
        ("Tél. 01 23 45 67 89 ; carte 4111 1111 1111 1111", VISA),
    ],
)
def test_it_finds_card_numbers_in_notes(text: str, found: str) -> None:
    assert find_card_number(text) == found


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Client depuis 2015, paie à 30 jours.",
        f"SIRET {SIRET}",  # compact SIRET: 14 Luhn-valid digits
        "SIRET 732 829 320 00074",  # 3-3-3-5
        "SIRET 732-829-320-00074",
        "SIRET 7328 2932 0000 74",  # a SIRET in fours: 14 digits are never a card
        f"SIRET {SIRET} 123",
        "IBAN FR76 3000 6000 0112 3456 7890 189",
        "IBAN FR7630006000011234567890189",
        "IBAN GB29 NWBK 6016 1331 9268 19",  # digit groups of a card's shape inside
        "IBAN DE89 3704 0044 0532 0130 00",
        "BE31 4354 1116 1155",
        "Tél. 01 23 45 67 89, portable 06 12 34 56 78",
        "01 23 45 67 89 06 12 34 56 78",  # two numbers run together
        "+33 6 12 34 56 78",
        "+4411111111111111",  # after "+": a phone number's place
        "4111111111111112",  # Luhn fails
        "4111 1111 1111 111",  # 15 digits not starting with 34 or 37
        "REF4111111111111111",  # glued to letters: a reference
        "4111111111111111AB",
        "ISBN 9780306406157",
        "EAN 9781234567897",
        "1111 1111 1111 1117",  # starts with 1: not a bank card's industry digit
        "4111 1111 1111 1111 1111 1",  # 21 digits
        "2019 2020 2021 2022 2023",
        "4111.1111.1111.1111",  # dots: amounts and phone numbers are written that way
    ],
)
def test_it_finds_no_card_number_in_ordinary_notes(text: str) -> None:
    assert find_card_number(text) is None


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(["4", "51", "52", "53", "54", "55", "2221", "6011"]))
    body = draw(st.from_regex(rf"[0-9]{{{15 - len(prefix)}}}", fullmatch=True))
    partial = prefix + body
    return partial + luhn.calc_check_digit(partial)


_WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéè .,;:!?()'\n", max_size=40)


@given(card_numbers(), st.sampled_from(["", " ", "-", NBSP]), _WORDS, _WORDS)
def test_any_card_number_in_a_note_is_found(
    number: str, separator: str, before: str, after: str
) -> None:
    assume(not before[-1:].isalpha() and not after[:1].isalpha())
    grouped = separator.join(number[i : i + 4] for i in range(0, 16, 4))
    assert find_card_number(f"{before}{grouped}{after}") == number


@st.composite
def sirets(draw: st.DrawFn) -> str:
    siren = draw(st.from_regex(r"[1-9][0-9]{7}", fullmatch=True))
    siren += luhn.calc_check_digit(siren)
    nic = draw(st.from_regex(r"[0-9]{4}", fullmatch=True))
    siret = siren + nic + luhn.calc_check_digit(siren + nic)
    assume(stdnum_siret.is_valid(siret))
    return siret


@given(sirets(), st.sampled_from(["", " ", "-", ".", NBSP]), _WORDS, _WORDS)
def test_no_siret_is_taken_for_a_card(siret: str, separator: str, before: str, after: str) -> None:
    assert luhn.is_valid(siret)  # the trap: every SIRET passes the Luhn check
    grouped = separator.join((siret[:3], siret[3:6], siret[6:9], siret[9:]))
    for text in (siret, grouped, f"{before} SIRET {grouped} {after}", f"{before}{siret}{after}"):
        assert find_card_number(text) is None


@given(ibans() | french_ibans(), _WORDS)
def test_no_iban_is_taken_for_a_card(number: str, before: str) -> None:
    for text in (number, format_iban(number), f"{before} IBAN : {format_iban(number)}"):
        assert find_card_number(text) is None


@given(
    st.from_regex(r"0[1-9]", fullmatch=True),
    st.lists(st.from_regex(r"[0-9]{2}", fullmatch=True), min_size=8, max_size=8),
)
def test_no_french_phone_numbers_are_taken_for_a_card(head: str, pairs: list[str]) -> None:
    first = " ".join([head, *pairs[:4]])
    second = " ".join(["06", *pairs[4:]])
    for text in (f"{first} {second}", f"Tél. {first}, portable {second}", f"+33 {first[1:]}"):
        assert find_card_number(text) is None


def test_refuse_card_numbers_gives_one_error_per_field(rendered_messages: None) -> None:
    errors = refuse_card_numbers(
        {
            "notes": "Carte du gérant : 4111 1111 1111 1111",
            "sector": "Menuiserie",
            "legal_form": MASTERCARD,
            "employee_count": 12,  # not text: skipped
        }
    )
    assert [(e.field, e.code) for e in errors] == [
        ("notes", "card_number"),
        ("legal_form", "card_number"),
    ]
    message = str(errors[0].message)
    assert "1111" in message
    assert VISA not in message.replace(" ", "")  # the number goes no further
    assert "carte bancaire" in message
    assert "4 derniers chiffres" in message
    assert refuse_card_numbers({"notes": "rien à signaler"}) == []


def test_card_number_error_names_the_last_four_digits(rendered_messages: None) -> None:
    error = card_number_error("notes", MASTERCARD)
    assert error.field == "notes"
    assert error.code == "card_number"
    assert "4444" in str(error.message)
    assert "5555" not in str(error.message)
