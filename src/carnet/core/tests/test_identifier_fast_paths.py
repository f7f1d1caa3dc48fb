"""The fast paths of carnet.core.identifiers answer exactly as the libraries do.

Each ``clean_*`` cleaner with a fast path is compared with its ``library_clean_*``
reference (the same cleaner, the library deciding every value) on inputs generated around
the forms the fast paths accept and their edges: the same result, or the same error code
and the same rendered message. Other tests check that the common forms really take the
fast path (the library is not asked), or the comparisons would prove nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import luhn

from carnet.core import identifiers
from carnet.core.identifiers import (
    IdentifierError,
    clean_country,
    clean_email,
    clean_phone,
    clean_siren,
    clean_siret,
    clean_vat_number,
    clean_website,
    library_clean_country,
    library_clean_email,
    library_clean_phone,
    library_clean_siren,
    library_clean_siret,
    library_clean_vat_number,
    library_clean_website,
    vat_country,
    vat_number_country,
)

MANY = settings(max_examples=500, deadline=None)


def outcome(func: Callable[..., str], *args: Any, **kwargs: Any) -> tuple[str, ...]:
    """What a cleaner answers: its result, or its error's code and rendered message."""
    try:
        return ("ok", func(*args, **kwargs))
    except IdentifierError as error:
        return ("error", error.code, str(error.message))


def assert_same(
    fast: Callable[..., str], library: Callable[..., str], *args: Any, **kwargs: Any
) -> tuple[str, ...]:
    expected = outcome(library, *args, **kwargs)
    assert outcome(fast, *args, **kwargs) == expected, (args, kwargs)
    return expected


def refuse_library(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """Make the library paths fail loudly: what passes then took the fast path."""

    def boom(*args: Any, **kwargs: Any) -> str:
        raise AssertionError(f"the library was asked: {args}")

    for name in names:
        monkeypatch.setattr(identifiers, name, boom)


def luhn_completed(digits: str) -> str:
    return digits + luhn.calc_check_digit(digits)


# --------------------------------------------------------------------------- Luhn


@given(st.text(alphabet="0123456789", min_size=1, max_size=20))
def test_luhn_is_stdnums(digits: str) -> None:
    assert identifiers._luhn_valid(digits) == luhn.is_valid(digits)


# --------------------------------------------------------------------------- SIRET, SIREN

SEPARATED_DIGITS_ALPHABET = "0123456789 .-\u00a0\u202f"


@MANY
@given(st.text(alphabet="0123456789", min_size=14, max_size=14))
def test_siret_random_14_digits(number: str) -> None:
    assert_same(clean_siret, library_clean_siret, number)


@MANY
@given(st.from_regex(r"356000000[0-9]{5}", fullmatch=True))
def test_siret_la_poste(number: str) -> None:
    assert_same(clean_siret, library_clean_siret, number)


def test_siret_every_la_poste_establishment() -> None:
    accepted = 0
    for nic in range(100_000):
        number = f"356000000{nic:05d}"
        accepted += assert_same(clean_siret, library_clean_siret, number)[0] == "ok"
    assert accepted == 20_000 + 1  # digits adding up to a multiple of 5, and the head office


@st.composite
def sirets(draw: st.DrawFn) -> str:
    """Valid SIRETs (of any SIREN, La Poste's included), sometimes with a digit changed."""
    siren = luhn_completed(draw(st.from_regex(r"[0-9]{8}", fullmatch=True)))
    if draw(st.booleans()):
        siren = "356000000"
    siret = luhn_completed(siren + draw(st.from_regex(r"[0-9]{4}", fullmatch=True)))
    if draw(st.booleans()):
        position = draw(st.integers(0, 13))
        digit = draw(st.sampled_from("0123456789"))
        siret = siret[:position] + digit + siret[position + 1 :]
    return siret


@MANY
@given(sirets(), st.sampled_from(["", " ", ".", "-", "\u00a0", "\u202f"]))
def test_siret_valid_or_nearly(siret: str, separator: str) -> None:
    grouped = separator.join((siret[:3], siret[3:6], siret[6:9], siret[9:]))
    assert_same(clean_siret, library_clean_siret, siret)
    assert_same(clean_siret, library_clean_siret, grouped)


@MANY
@given(st.text(alphabet=SEPARATED_DIGITS_ALPHABET + "x²٣", max_size=18))
def test_siret_and_siren_any_digits_and_separators(value: str) -> None:
    assert_same(clean_siret, library_clean_siret, value)
    assert_same(clean_siren, library_clean_siren, value)


@MANY
@given(st.from_regex(r"[0-9]{9}", fullmatch=True))
def test_siren_random_9_digits(number: str) -> None:
    assert_same(clean_siren, library_clean_siren, number)
    assert_same(clean_siren, library_clean_siren, luhn_completed(number[:8]))


@given(st.text())
def test_siret_and_siren_any_text(value: str) -> None:
    assert_same(clean_siret, library_clean_siret, value)
    assert_same(clean_siren, library_clean_siren, value)


def test_valid_sirets_and_sirens_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_library(monkeypatch, "_siret_by_library", "_siren_by_library")
    assert clean_siret("732 829 320 00074") == "73282932000074"
    assert clean_siret("35600000049837") == "35600000049837"  # La Poste branch
    assert clean_siret("35600000000048") == "35600000000048"  # La Poste head office
    assert clean_siren("732 829 320") == "732829320"


# --------------------------------------------------------------------------- VAT numbers


@st.composite
def vat_numbers(draw: st.DrawFn) -> str:
    """French numbers (valid, wrong key, Monaco, letter keys) and other member states'."""
    kinds = ["valid", "valid", "key", "unchecked", "monaco", "letters", "other", "any"]
    kind = draw(st.sampled_from(kinds))
    siren = luhn_completed(draw(st.from_regex(r"[0-9]{8}", fullmatch=True)))
    if kind == "valid":
        number = f"FR{int(siren + '12') % 97:02d}{siren}"
    elif kind == "unchecked":  # the right key for a SIREN that fails Luhn (or passes)
        siren = draw(st.from_regex(r"[0-9]{9}", fullmatch=True))
        number = f"FR{int(siren + '12') % 97:02d}{siren}"
    elif kind == "key":
        number = f"FR{(int(siren + '12') + draw(st.integers(1, 96))) % 97:02d}{siren}"
    elif kind == "monaco":
        body = "000" + draw(st.from_regex(r"[0-9]{6}", fullmatch=True))
        number = f"FR{int(body + '12') % 97:02d}{body}"
    elif kind == "letters":
        key = draw(st.from_regex(r"[0-9A-HJ-NP-Z]{2}", fullmatch=True))
        number = f"FR{key}{siren}"
    elif kind == "other":
        prefix = draw(st.sampled_from(["BE", "DE", "EL", "GR", "LU", "IT", "XI", "EU", "US"]))
        number = prefix + draw(st.from_regex(r"[0-9]{8,12}", fullmatch=True))
    else:
        number = "FR" + draw(st.from_regex(r"[0-9A-Z]{9,13}", fullmatch=True))
    if draw(st.booleans()):
        number = number.lower()
    if draw(st.booleans()):
        separator = draw(st.sampled_from([" ", ".", "-", "\u00a0"]))
        number = separator.join((number[:2], number[2:4], number[4:]))
    return number


@MANY
@given(
    vat_numbers(),
    st.one_of(st.none(), st.just(""), st.from_regex(r"[0-9 ]{0,11}", fullmatch=True)),
)
def test_vat_numbers(number: str, siren: str | None) -> None:
    assert_same(clean_vat_number, library_clean_vat_number, number)
    assert_same(clean_vat_number, library_clean_vat_number, number, siren=siren)
    compact = number.replace(" ", "").replace(".", "").replace("-", "").replace("\u00a0", "")
    own_siren = compact[4:]
    assert_same(clean_vat_number, library_clean_vat_number, number, siren=own_siren)


@given(st.text(), st.one_of(st.none(), st.text()))
def test_vat_numbers_any_text(number: str, siren: str | None) -> None:
    assert_same(clean_vat_number, library_clean_vat_number, number, siren=siren)


@given(vat_numbers())
def test_vat_number_country_of_a_cleaned_number_is_vat_country(number: str) -> None:
    try:
        cleaned = clean_vat_number(number)
    except IdentifierError:
        return
    assert vat_number_country(cleaned) == vat_country(number) == vat_country(cleaned)


def test_french_vat_numbers_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_library(monkeypatch, "_vat_by_library")
    assert clean_vat_number("fr 40 303 265 045") == "FR40303265045"
    assert clean_vat_number("FR40303265045", siren="303 265 045") == "FR40303265045"
    with pytest.raises(IdentifierError) as info:
        clean_vat_number("FR40303265045", siren="732829320")
    assert info.value.code == "siren_mismatch"


# --------------------------------------------------------------------------- E-mail

ATEXT = "abcXYZ019_!#$%&'*+-/=?^`{|}~"
# Pieces that break or bend a plain address, put anywhere in it by ``damaged``.
EMAIL_DAMAGE = [
    ".",
    "..",
    "-",
    "--",
    "é",
    "ñ",
    "中",
    " ",
    '"',
    "\\",
    "@",
    "(",
    ")",
    ",",
    ";",
    ":",
    "<",
    ">",
    "[",
    "]",
    "_",
    "\u0301",  # combining acute accent
    "\u200b",  # zero-width space
    "\u00a0",
    "ｅ",  # fullwidth letter
    "。",  # ideographic full stop, a dot for IDNA
]
SPECIAL_TLDS = ["local", "LOCAL", "test", "Test", "invalid", "localhost", "onion", "arpa"]
ODD_TLDS = ["example", "1", "123", "a1", "1a", "x", "xn--p1ai", "рф", "a" * 63, "a" * 64]
ODD_LABELS = ["xn--bcher-kva", "xn--", "XN--BCHER-KVA", "ab--cd", "bücher", "a" * 63, "a" * 64]


@st.composite
def damaged(draw: st.DrawFn, text: str, pieces: list[str]) -> str:
    """``text`` with a few of ``pieces`` inserted (or put in place of a character)."""
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        end = at + draw(st.integers(0, 1))
        text = text[:at] + draw(st.sampled_from(pieces)) + text[end:]
    return text


@st.composite
def email_addresses(draw: st.DrawFn) -> str:
    """Plain addresses (half of them), and plain addresses bent in every way the fast
    path must leave to the library: dots at the ends or doubled, quotes, Unicode, IDN and
    Punycode, special-use and odd top-level domains, long labels and lengths, case."""
    atoms = draw(st.lists(st.text(alphabet=ATEXT, min_size=1, max_size=8), min_size=1, max_size=3))
    local = ".".join(atoms)
    labels = draw(
        st.lists(
            st.from_regex(r"[a-zA-Z0-9]([a-zA-Z0-9-]{0,8}[a-zA-Z0-9])?", fullmatch=True),
            min_size=1,
            max_size=3,
        )
    )
    tld = draw(st.sampled_from(["fr", "com", "FR", "Net", "paris", "co"]))
    mode = draw(st.integers(0, 9))
    if mode == 1:
        local = draw(st.sampled_from(["info", "INFO", "Postmaster", "sales", "www", "a" * 65]))
    elif mode == 2:
        tld = draw(st.sampled_from(SPECIAL_TLDS + ODD_TLDS))
    elif mode == 3:
        labels.insert(draw(st.integers(0, len(labels))), draw(st.sampled_from(ODD_LABELS)))
    elif mode == 4:
        local = draw(damaged(local, EMAIL_DAMAGE))
    elif mode == 5:
        labels[0] = draw(damaged(labels[0], EMAIL_DAMAGE))
    elif mode == 6:
        local = f'"{draw(damaged(local, EMAIL_DAMAGE + [" ", "@"]))}"'
    domain = ".".join([*labels, tld])
    if mode == 7:
        # Around the limits: 254 characters in all, 253 after the @, 64 before it.
        total = draw(st.integers(240, 260))
        if draw(st.booleans()):
            local += "a" * max(0, total - len(local) - len(domain) - 1)
        else:
            missing = max(0, total - len(local) - len(domain) - 1)
            label = draw(st.integers(40, 63))
            padding = ["b" * label] * (missing // (label + 1)) + ["c" * (missing % (label + 1))]
            domain = ".".join([*(p for p in padding if p), domain])
    address = f"{local}@{domain}"
    if mode == 8:
        address = draw(
            st.sampled_from(
                [
                    f"Jean Dupont <{address}>",
                    f"<{address}>",
                    f"{address} (Jean)",
                    address.replace("@", "@@", 1),
                    f"{address}.",
                    f".{address}",
                    f"{address}\n",
                    f"\t{address} ",
                    address.upper(),
                ]
            )
        )
    return address


@MANY
@given(email_addresses())
def test_email_addresses(address: str) -> None:
    assert_same(clean_email, library_clean_email, address)


@given(st.text())
def test_email_any_text(value: str) -> None:
    assert_same(clean_email, library_clean_email, value)


@given(st.from_regex(r"[a-zA-Z0-9._+-]{1,20}@[a-zA-Z0-9.-]{1,20}\.[a-zA-Z]{2,6}", fullmatch=True))
def test_email_shaped_text(value: str) -> None:
    assert_same(clean_email, library_clean_email, value)


@pytest.mark.parametrize(
    "address",
    [
        "jean.dupont@example.fr",
        "Jean.Dupont@Example.FR",
        "INFO@Example.fr",
        "Postmaster@example.fr",
        "a@b.c",
        "x@mail.test",
        "x@test",
        "x@a.local",
        "x@local",
        "x@a.localhost",
        "x@in-addr.arpa",
        "x@example.invalid",
        "x@a.onion",
        "x@example.com",
        ".jean@example.fr",
        "jean.@example.fr",
        "je..an@example.fr",
        "jean@example.fr.",
        "jean@-example.fr",
        "jean@example-.fr",
        "jean@ab--cd.fr",
        "jean@xn--bcher-kva.de",
        "jean@xn--bcher.de",
        "jean@bücher.de",
        "jean@BÜCHER.de",
        "jean@example.123",
        "jean@example.fr1",
        "jean@1.2.3.4",
        "jean@[1.2.3.4]",
        "jean@example.c0m",
        '"jean dupont"@example.fr',
        '"jean"@example.fr',
        "jéan@example.fr",
        "a" * 64 + "@example.fr",
        "a" * 65 + "@example.fr",
        "a@" + "b" * 63 + ".fr",
        "a@" + "b" * 64 + ".fr",
        "a" * 200 + "@" + "b" * 40 + ".example.fr",
        "a" * 240 + "@" + "b" * 10 + ".fr",
        "a" * 241 + "@" + "b" * 10 + ".fr",
        "a@" + ".".join(["b" * 60] * 4) + ".fr",
    ],
)
def test_email_edges(address: str) -> None:
    assert_same(clean_email, library_clean_email, address)


@pytest.mark.parametrize("total", [253, 254, 255, 256])
@pytest.mark.parametrize("local", [1, 64])
def test_email_length_limits(total: int, local: int) -> None:
    """The whole address may have 254 characters, what follows the @ 253."""
    labels, rest = [], total - local - len("@.fr")
    while rest > 63:  # labels of 62 characters and their dot, then the rest
        labels.append("b" * 62)
        rest -= 63
    address = "a" * local + "@" + ".".join([*labels, "c" * rest, "fr"])
    assert len(address) == total
    expected = assert_same(clean_email, library_clean_email, address)
    assert (expected[0] == "ok") == (total <= 254)


def test_plain_addresses_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_library(monkeypatch, "_email_by_library")
    assert clean_email(" Jean.Dupont@Example.FR ") == "Jean.Dupont@example.fr"
    assert clean_email("INFO@dupont-sarl.fr") == "info@dupont-sarl.fr"
    assert clean_email("a+tag@sub.example.com") == "a+tag@sub.example.com"


# --------------------------------------------------------------------------- Phone

# How people start a French number, then near misses and other countries' codes.
PHONE_PREFIXES = ["0", "0", "0", "+33", "+33", "0033", "+33 (0)", "+33(0)", "0033 (0)"]
ODD_PHONE_PREFIXES = [
    "+330",
    "+33 0",
    "+ 33",
    "(+33)",
    "33",
    "",
    "00",
    "0033 0",
    "+590",
    "+262",
    "+596",
    "+594",
    "+687",
    "+689",
    "+377",
    "+32",
    "0590",
    "+",
]
PHONE_SEPARATORS = [" ", ".", "-"]
ODD_PHONE_SEPARATORS = ["  ", "/", " - ", ".-", "\u00a0", "\u202f", "\t", "(", ")", "x"]
PHONE_COUNTRIES = ["FR", "FR", "FR", "fr", " FR ", "", "BE", "GP", "RE", "MC", "US", "ZZ"]


@st.composite
def phone_numbers(draw: st.DrawFn) -> str:
    """French numbers with every prefix 01 to 09 written as people do (in pairs or not,
    one separator or none, 0 or +33 or 0033 or +33 (0)), half of them bent: other
    prefixes and separators, groups of three, too short or long, an extension."""
    first = draw(st.sampled_from("123456789"))
    digits = first + draw(st.text(alphabet="0123456789", min_size=8, max_size=8))
    prefix = draw(st.sampled_from(PHONE_PREFIXES))
    separator = draw(st.sampled_from(["", *PHONE_SEPARATORS]))
    mode = draw(st.integers(0, 9))
    if mode == 1:
        prefix = draw(st.sampled_from(ODD_PHONE_PREFIXES))
    elif mode == 2:
        separator = draw(st.sampled_from(ODD_PHONE_SEPARATORS))
    elif mode == 3:
        digits = digits[: draw(st.integers(1, 8))]
    elif mode == 4:
        digits += draw(st.text(alphabet="0123456789", min_size=1, max_size=3))
    elif mode == 5:
        digits = "0" + digits[1:]
    if mode == 6:
        body = " ".join(digits[i : i + 3] for i in range(0, len(digits), 3))
    elif mode == 7:  # a separator of its own between each pair
        groups = [digits[0]] + [digits[i : i + 2] for i in range(1, len(digits), 2)]
        body = groups[0] + "".join(draw(st.sampled_from(PHONE_SEPARATORS)) + g for g in groups[1:])
    else:
        groups = [digits[0]] + [digits[i : i + 2] for i in range(1, len(digits), 2)]
        body = separator.join(groups)
    if prefix == "0":
        number = "0" + body
    else:
        number = prefix + draw(st.sampled_from(["", " ", "."])) + body
    if mode == 8:
        number += draw(st.sampled_from([" poste 12", " x12", "#12", ";ext=1", ",12", " "]))
    elif mode == 9:
        number = draw(damaged(number, [*ODD_PHONE_SEPARATORS, "+", "0", "٣", "²"]))
    return number


@MANY
@given(phone_numbers(), st.sampled_from(PHONE_COUNTRIES))
def test_phone_numbers(number: str, country: str) -> None:
    assert_same(clean_phone, library_clean_phone, number, country=country)


@given(st.text(), st.text(max_size=3))
def test_phone_any_text(number: str, country: str) -> None:
    assert_same(clean_phone, library_clean_phone, number, country=country)


@given(
    st.from_regex(r"(\+33|0033|0)[ .()0-9-]{8,16}", fullmatch=True),
    st.sampled_from(PHONE_COUNTRIES),
)
def test_phone_shaped_text(number: str, country: str) -> None:
    assert_same(clean_phone, library_clean_phone, number, country=country)


def test_phone_every_french_four_digit_prefix() -> None:
    """Every number range of the metadata (its patterns look at up to 4 digits), in each
    of the forms the fast path reads."""
    rng = random.Random(33)
    forms: list[Callable[[str], str]] = [
        lambda n: "0" + n,
        lambda n: "0" + n[0] + " " + " ".join(n[i : i + 2] for i in range(1, 9, 2)),
        lambda n: "0" + n[0] + "." + ".".join(n[i : i + 2] for i in range(1, 9, 2)),
        lambda n: "+33 " + n[0] + " " + " ".join(n[i : i + 2] for i in range(1, 9, 2)),
        lambda n: "+33" + n,
        lambda n: "0033" + n,
        lambda n: "+33 (0)" + n[0] + " " + " ".join(n[i : i + 2] for i in range(1, 9, 2)),
    ]
    accepted = 0
    for prefix in range(1000, 10_000):
        national = f"{prefix}{rng.randrange(100_000):05d}"
        form = forms[prefix % len(forms)]
        for country in ("FR", "BE"):
            result = assert_same(clean_phone, library_clean_phone, form(national), country=country)
            accepted += result[0] == "ok"
    assert accepted > 5000  # most French ranges are allocated: the comparison is not empty


def test_french_numbers_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_library(monkeypatch, "_phone_by_library")
    assert clean_phone("01 42 68 53 00") == "+33142685300"
    assert clean_phone("06.12.34.56.78", country="fr") == "+33612345678"
    assert clean_phone("07-81-23-45-67", country="") == "+33781234567"
    assert clean_phone("0142685300") == "+33142685300"
    assert clean_phone("+33 6 12 34 56 78", country="BE") == "+33612345678"
    assert clean_phone("+33 (0)1 42 68 53 00", country="ZZ") == "+33142685300"
    assert clean_phone("0033 1 42 68 53 00") == "+33142685300"
    assert clean_phone("09 70 12 34 56") == "+33970123456"


# --------------------------------------------------------------------------- Website

WEBSITE_DAMAGE = [".", "..", "-", "--", "_", " ", "@", ":", "é", "中", "[", "]", "%", "\t"]


@st.composite
def websites(draw: st.DrawFn) -> str:
    """Plain web addresses (half of them), and plain ones bent in every way the fast
    path must leave to Django's validator: schemes, credentials, ports, IP addresses,
    odd or long labels and hosts, trailing dots, IDN, spaces."""
    labels = draw(
        st.lists(
            st.from_regex(r"[a-zA-Z0-9]([a-zA-Z0-9-]{0,8}[a-zA-Z0-9])?", fullmatch=True),
            min_size=1,
            max_size=3,
        )
    )
    tld = draw(st.sampled_from(["fr", "com", "FR", "paris", "co"]))
    scheme = draw(st.sampled_from(["", "", "http://", "https://", "HTTPS://", "HtTp://"]))
    tail = draw(st.sampled_from(["", "", "/", "/contact", "/a/b.html?q=1&r=2", "#haut", "?x"]))
    mode = draw(st.integers(0, 9))
    if mode == 1:
        scheme = draw(st.sampled_from(["ftp://", "//", "http:/", "http:", "mailto:", "https:///"]))
    elif mode == 2:
        tld = draw(st.sampled_from(["1", "a", "a1", "a" * 63, "a" * 64, "xn--p1ai", "рф", "fr."]))
    elif mode == 3:
        labels.insert(0, draw(st.sampled_from(["a" * 63, "a" * 64, "xn--bcher-kva", "bücher"])))
    elif mode == 4:
        labels[0] = draw(damaged(labels[0], WEBSITE_DAMAGE))
    elif mode == 5:
        tail = draw(st.sampled_from(["/a b", "/é", "/a\tb", "/%20", "/a://b", ":8080/", ":"]))
    elif mode == 6:
        labels = ["user:secret@" + labels[0], *labels[1:]]
    elif mode == 7:
        labels = [draw(st.text(alphabet="abc", min_size=55, max_size=63)) for _ in range(5)]
    host = ".".join([*labels, tld])
    if mode == 8:
        host = draw(st.sampled_from(["localhost", "192.168.1.1", "[::1]", "1.2.3.4.5"]))
    url = f"{scheme}{host}{tail}"
    if mode == 9:
        url = draw(st.sampled_from([f" {url} ", f"{url}\n", url.upper(), f"{url}.", f".{url}"]))
    return url


@MANY
@given(websites())
def test_websites(url: str) -> None:
    assert_same(clean_website, library_clean_website, url)


@given(st.text())
def test_website_any_text(url: str) -> None:
    assert_same(clean_website, library_clean_website, url)


@pytest.mark.parametrize(
    "url",
    [
        "www." + ".".join(["a" * 60] * 4) + ".fr",  # host of 253 characters and more
        "a" * 61 + "." + ".".join(["b" * 63] * 3),
        "https://" + "a" * 63 + "." + "b" * 63 + "." + "c" * 63 + "." + "d" * 58 + ".fr",
        "https://" + "a" * 63 + "." + "b" * 63 + "." + "c" * 63 + "." + "d" * 59 + ".fr",
        "www.example.fr/" + "x" * 2040,
        "www.example.fr/" + "x" * 2020,
    ],
)
def test_website_length_edges(url: str) -> None:
    assert_same(clean_website, library_clean_website, url)


def test_plain_websites_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_library(monkeypatch, "_website_by_library")
    assert clean_website("www.Dupont-SARL.fr") == "https://www.dupont-sarl.fr"
    assert (
        clean_website("HTTP://Example.fr/Contact?Q=1#Haut") == "http://example.fr/Contact?Q=1#Haut"
    )


# --------------------------------------------------------------------------- Country


@given(st.one_of(st.text(alphabet="abcfrzukFRZUKEL ", max_size=4), st.text()))
def test_countries(value: str) -> None:
    assert_same(clean_country, library_clean_country, value)
