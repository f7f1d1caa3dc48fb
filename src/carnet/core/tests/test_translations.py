"""The English catalogue: complete, faithful to the placeholders, compiled, and served.

The msgids are the French text of the code and templates; English lives in
``locale/en/LC_MESSAGES/django.po`` and its compiled ``django.mo`` (committed, so that an
install needs no gettext tools). polib is not a dependency: the .po is read by a small parser.
"""

from __future__ import annotations

import ast
import gettext as gnu_gettext
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.translation.template import templatize

PACKAGE_DIR = Path(__file__).resolve().parents[2]
CATALOGUE_DIR = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
PO_FILE = CATALOGUE_DIR / "django.po"
MO_FILE = CATALOGUE_DIR / "django.mo"

# Folders `make messages` leaves out: test code and the test-only app.
IGNORED_DIRS = {"tests", "tests_browser", "testing", "locale", "__pycache__"}

# %(name)s, %(count)d, a bare %s, or a str.format field such as {name}.
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdif]|\{\w*\}")

# `msgid "…"`, `msgstr[1] "…"`: a keyword, its plural index, and a C-style string.
KEYWORD_LINE = re.compile(r'(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")$')

INVALID_SIRET = "73282932000075"  # 14 digits, wrong check digit


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)


def read_po(path: Path) -> list[Entry]:
    """The live entries of a .po file (header included, obsolete ``#~`` entries left out)."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        lines = [line.strip() for line in block.strip().splitlines()]
        if not lines or all(line.startswith("#") for line in lines):
            continue
        entry = Entry()
        target: tuple[str, int | None] | None = None
        for line in lines:
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(","))
                continue
            if line.startswith("#"):
                continue
            keyword = KEYWORD_LINE.match(line)
            if keyword:
                name, index, literal = keyword.groups()
                target = (name, int(index) if index is not None else None)
                if target[1] is not None:
                    entry.msgstr_plural[target[1]] = ""
            else:
                literal = line
            assert target is not None and literal.startswith('"'), f"Unreadable line: {line!r}"
            text = json.loads(literal)
            name, index = target
            if name == "msgstr" and index is not None:
                entry.msgstr_plural[index] += text
            elif name != "msgctxt":
                setattr(entry, name, getattr(entry, name) + text)
        entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    return [entry for entry in read_po(PO_FILE) if entry.msgid]


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


# --- Strings the code and templates ask to translate -------------------------------------
TRANSLATION_CALLS = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy"}


def source_files(suffixes: tuple[str, ...]) -> Iterator[Path]:
    for path in sorted(PACKAGE_DIR.rglob("*")):
        relative = path.relative_to(PACKAGE_DIR)
        if path.suffix in suffixes and not IGNORED_DIRS.intersection(relative.parts[:-1]):
            yield path


def calls_in_python(code: str) -> Iterator[tuple[str, ...]]:
    """The literal arguments of every gettext-like call: (msgid,) or (msgid, msgid_plural)."""
    for node in ast.walk(ast.parse(code)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in TRANSLATION_CALLS:
            continue
        literals = [
            a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
        ]
        if not literals or not isinstance(node.args[0], ast.Constant):
            continue  # a variable, e.g. blocker_label(singular, plural): its caller has literals
        yield tuple(literals[:2]) if name.startswith("ngettext") else (literals[0],)


def calls_in_template(source: str) -> Iterator[tuple[str, ...]]:
    """What makemessages extracts from a template, read from Django's own templatize()."""
    code = templatize(source)
    for match in re.finditer(r"\b(?:gettext|ngettext)\(", code):
        for end in range(code.find(")", match.start()), len(code)):
            if code[end] != ")":
                continue
            try:
                yield from calls_in_python(code[match.start() : end + 1])
                break
            except SyntaxError:
                continue


def strings_to_translate() -> dict[tuple[str, ...], set[str]]:
    """Every (msgid,) or (msgid, msgid_plural) of the package, with the files using it."""
    found: dict[tuple[str, ...], set[str]] = {}
    for path in source_files((".py",)):
        for call in calls_in_python(path.read_text(encoding="utf-8")):
            found.setdefault(call, set()).add(path.name)
    for path in source_files((".html", ".txt")):
        for call in calls_in_template(path.read_text(encoding="utf-8")):
            found.setdefault(call, set()).add(path.name)
    return found


# --- The catalogue ------------------------------------------------------------------------
def test_the_english_catalogue_has_no_untranslated_entry(catalogue: list[Entry]) -> None:
    untranslated = [
        e.msgid
        for e in catalogue
        if (
            not e.msgstr.strip()
            if not e.msgid_plural
            else len(e.msgstr_plural) != 2 or not all(s.strip() for s in e.msgstr_plural.values())
        )
    ]
    assert untranslated == []


def test_the_english_catalogue_has_no_fuzzy_entry() -> None:
    fuzzy = [e.msgid or "(header)" for e in read_po(PO_FILE) if "fuzzy" in e.flags]
    assert fuzzy == []


def test_the_english_catalogue_declares_english_and_its_plural_forms() -> None:
    header = next(e for e in read_po(PO_FILE) if not e.msgid).msgstr
    assert "Language: en\n" in header
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header
    assert "charset=UTF-8" in header


def test_every_translation_keeps_the_placeholders_of_its_french_text(
    catalogue: list[Entry],
) -> None:
    mismatches = []
    for e in catalogue:
        if e.msgid_plural:
            pairs = [
                (e.msgid, e.msgstr_plural.get(0, "")),
                (e.msgid_plural, e.msgstr_plural.get(1, "")),
            ]
        else:
            pairs = [(e.msgid, e.msgstr)]
        mismatches += [
            (french, english)
            for french, english in pairs
            if placeholders(french) != placeholders(english)
        ]
    assert mismatches == []


def test_the_compiled_catalogue_matches_the_po_file(catalogue: list[Entry]) -> None:
    with MO_FILE.open("rb") as mo:
        compiled = gnu_gettext.GNUTranslations(mo)
    stale = []
    for e in catalogue:
        if e.msgid_plural:
            got = [compiled.ngettext(e.msgid, e.msgid_plural, n) for n in (1, 2)]
            expected = [e.msgstr_plural[0], e.msgstr_plural[1]]
        else:
            got, expected = [compiled.gettext(e.msgid)], [e.msgstr]
        if got != expected:
            stale.append(e.msgid)
    assert stale == [], "django.mo is out of date: run `make messages`"


def test_every_french_string_of_the_code_is_in_the_english_catalogue(
    catalogue: list[Entry],
) -> None:
    known = {(e.msgid, e.msgid_plural) if e.msgid_plural else (e.msgid,) for e in catalogue}
    missing = {
        msgid: where for msgid, where in strings_to_translate().items() if msgid not in known
    }
    assert missing == {}, "new strings to translate: run `make messages`, then translate them"


def test_the_extraction_sees_strings_of_python_code_and_of_templates() -> None:
    """Guards the test above: an extractor that finds nothing would pass it vacuously."""
    found = strings_to_translate()
    assert "services.py" in found[("Client introuvable.",)]
    assert "base.html" in found[("Se déconnecter",)]
    assert "_list_results.html" in found[("Aucun client ne correspond à « %(q)s ».",)]
    assert "views.py" in found[("%(count)d client archivé", "%(count)d clients archivés")]


# --- What a user sees ---------------------------------------------------------------------
def invalid_siret_response(api: Any, language: str | None) -> dict[str, Any]:
    headers = {"Accept-Language": language} if language else {"Accept-Language": ""}
    response = api.post("/clients", {"name": "Durand", "siret": INVALID_SIRET}, headers=headers)
    assert response.status_code == 422
    return response.json()


@pytest.mark.django_db
def test_an_api_validation_error_is_french_by_default(api: Any) -> None:
    body = invalid_siret_response(api, None)
    (error,) = body["errors"]
    assert error["field"] == "siret"
    assert error["code"] == "invalid_checksum"
    assert error["message"] == (
        f"Le SIRET {INVALID_SIRET} n'est pas valide (clé de contrôle incorrecte)."
    )
    assert body["title"] == "Données invalides"


@pytest.mark.django_db
def test_an_api_validation_error_is_english_with_accept_language_en(api: Any) -> None:
    body = invalid_siret_response(api, "en-GB,en;q=0.9")
    (error,) = body["errors"]
    assert error["code"] == "invalid_checksum"
    assert error["message"] == f"The SIRET {INVALID_SIRET} is not valid (wrong check digit)."
    assert body["title"] == "Invalid data"
    assert body["detail"] == f"“siret”: {error['message']}"


@pytest.mark.django_db
def test_an_api_error_naming_its_parameter_is_not_prefixed_twice_in_english(api: Any) -> None:
    response = api.get("/clients", limit=500, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.json()["detail"] == "“limit” must be between 1 and 200."


@pytest.mark.django_db
def test_the_login_page_switches_to_english_with_the_language_switch(client: Any) -> None:
    login_url = reverse("accounts:login")
    assert "Connectez-vous avec votre adresse e-mail" in client.get(login_url).content.decode()

    response = client.post(reverse("set_language"), {"language": "en", "next": login_url})
    assert response.status_code == 302

    page = client.get(login_url).content.decode()
    assert '<html lang="en">' in page
    assert "Log in with your e-mail address to access your clients." in page
    assert "Connectez-vous" not in page


@pytest.mark.django_db
def test_the_client_list_is_english_after_switching(client: Any, owner: Any) -> None:
    client.force_login(owner)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("clients:list")).content.decode()
    assert "New client" in page
    assert "Log out" in page
    assert "Se déconnecter" not in page
