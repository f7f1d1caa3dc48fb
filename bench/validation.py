"""Cost of validating imported rows: each identifier cleaner and whole rows, in µs per call.
Not a test: run it by hand.

    .venv/bin/python bench/validation.py [--rows 2000] [--repeat 7]

The importer validates every row of a client file with ``clean_client_input`` (and the
contact and address cleaners); a 100,000-row file must be read, checked and written in
about 10 s, so a typical company row must be validated in about 60 µs.

The rows are generated deterministically, as people type them in a spreadsheet: phone
numbers with spaces, dots or dashes, in national or international form, SIRETs in groups,
VAT numbers with spaces, bare web addresses, e-mail addresses at common providers or at the
company's own domain. Every value is different (as in a real file), so caches only help
where a real file repeats itself (the e-mail providers' domains, the country).

Each cleaner of ``carnet.core.identifiers`` that has a fast path is timed twice: through
the library alone (its ``library_*`` reference, the behaviour before the fast paths) and
as called (fast path, library for the rest). Rows are timed as called, then with the
identifier cleaners swapped for their library references. Figures are the best of
``--repeat`` runs over all the rows, in µs per call. Against an older checkout that has no
``library_*`` functions, only the "as called" column is printed.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# Blocks allocated in metropolitan France (bench/clients_data.py uses the same ones).
MOBILE_BLOCKS = ("61", "62", "64", "65", "66", "67", "68", "75", "76", "77", "78")
LANDLINE_BLOCKS = ("14", "15", "24", "32", "47", "49", "55", "56")
PROVIDERS = ("gmail.com", "orange.fr", "free.fr", "wanadoo.fr", "hotmail.fr", "laposte.net")
FIRST_NAMES = ("Jean", "Marie", "Pierre", "Sophie", "Nicolas", "Julie", "Éric", "Céline")
LAST_NAMES = ("Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Garnier", "Rousseau")
ACTIVITIES = ("Boulangerie", "Garage", "Transports", "Menuiserie", "Cabinet", "Atelier")
LEGAL_FORMS = ("SARL", "SAS", "SASU", "EURL", "SA")
NAF_CODES = ("10.71C", "45.20A", "4941A", "62.01Z", "69.20Z", "43.22A", "5610A")
SECTORS = ("Commerce", "Artisanat", "Industrie", "Services", "BTP")
TAGS = ("VIP", "Relance", "Salon 2024", "Newsletter", "Fidèle")
CATEGORIES = ("Client", "Prospect", "Partenaire")
CITIES = (("75002", "Paris"), ("69003", "Lyon"), ("13001", "Marseille"), ("44000", "Nantes"))
STREETS = ("rue de la Paix", "avenue Jean Jaurès", "boulevard Voltaire", "place du Marché")


def configure() -> None:
    """Django settings without a database: validation never queries it."""
    data_dir = Path(tempfile.mkdtemp(prefix="carnet-bench-validation-"))
    os.environ["CARNET_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("CARNET_SECRET_KEY", "bench-validation-not-secret")
    os.environ["DJANGO_SETTINGS_MODULE"] = "carnet.settings"
    os.environ.pop("CARNET_DEBUG", None)
    sys.path.insert(0, str(ROOT / "src"))  # this tree's code, even beside another install
    import django

    django.setup()


# --------------------------------------------------------------------------- the rows


def luhn_completed(digits: str) -> str:
    """``digits`` followed by the digit that makes the whole Luhn-valid."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return digits + str((10 - total % 10) % 10)


def slug(text: str) -> str:
    table = str.maketrans("éèêëàâîïôöûüç", "eeeeaaiioouuc")
    return "".join(c if c.isalnum() else "-" for c in text.lower().translate(table)).strip("-")


def phone_as_typed(rng: random.Random, blocks: Sequence[str]) -> str:
    """A French number as people type it: separators vary, sometimes +33."""
    nsn = rng.choice(blocks) + f"{rng.randrange(10**7):07d}"
    pairs = [nsn[1:3], nsn[3:5], nsn[5:7], nsn[7:9]]
    style = rng.random()
    if style < 0.45:
        return "0" + nsn[0] + " " + " ".join(pairs)
    if style < 0.60:
        return "0" + nsn[0] + "." + ".".join(pairs)
    if style < 0.75:
        return "0" + nsn
    if style < 0.90:
        return "+33 " + nsn[0] + " " + " ".join(pairs)
    if style < 0.95:
        return "+33" + nsn
    return "0" + nsn[0] + "-" + "-".join(pairs)


def company_row(rng: random.Random, index: int) -> dict[str, Any]:
    """A French company as a client file holds it: every usual column filled."""
    activity, last = rng.choice(ACTIVITIES), rng.choice(LAST_NAMES)
    name = f"{activity} {last} {index}"
    domain = f"{slug(activity)}-{slug(last)}{index}.fr"
    siren = luhn_completed(f"{rng.randrange(10**8):08d}")
    siret = luhn_completed(siren + f"{rng.choice((1, 1, 2, 12, 25)):04d}")
    key = int(siren + "12") % 97
    first = rng.choice(FIRST_NAMES)
    if rng.random() < 0.5:
        email = f"contact@{domain}"
    elif rng.random() < 0.5:
        email = f"{slug(first)}.{slug(last)}{index}@{domain}"
    else:
        email = f"{slug(first)}.{slug(last)}{index}@{rng.choice(PROVIDERS)}"
    return {
        "name": name,
        "email": email,
        "phone": phone_as_typed(rng, LANDLINE_BLOCKS),
        "mobile": phone_as_typed(rng, MOBILE_BLOCKS),
        "siret": f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}",
        "vat_number": f"FR {key:02d} {siren}" if rng.random() < 0.5 else f"FR{key:02d}{siren}",
        "website": f"www.{domain}" if rng.random() < 0.7 else f"https://www.{domain}/",
        "naf_code": rng.choice(NAF_CODES),
        "share_capital": rng.choice(("1 000", "10 000", "7 500,00", "50000")),
        "employee_count": str(rng.randrange(1, 250)),
        "legal_form": rng.choice(LEGAL_FORMS),
        "notes": "Préfère être contacté le matin.",
        "tags": ", ".join(rng.sample(TAGS, 2)),
        "category": rng.choice(CATEGORIES),
        "reference": f"C-{index:06d}",
        "sector": rng.choice(SECTORS),
    }


def contact_row(rng: random.Random, index: int) -> dict[str, Any]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return {
        "civility": rng.choice(("mr", "mrs")),
        "first_name": first,
        "last_name": last,
        "job_title": "Gérant",
        "email": f"{slug(first)}.{slug(last)}{index}@{rng.choice(PROVIDERS)}",
        "phone": phone_as_typed(rng, LANDLINE_BLOCKS),
        "mobile": phone_as_typed(rng, MOBILE_BLOCKS),
    }


def address_row(rng: random.Random, index: int) -> dict[str, Any]:
    postcode, city = rng.choice(CITIES)
    return {
        "label": "Siège",
        "line1": f"{index % 200 + 1} {rng.choice(STREETS)}",
        "postcode": postcode,
        "city": city,
        "country": "FR",
        "is_billing": True,
    }


# --------------------------------------------------------------------------- timing


def best_per_call(func: Callable[..., Any], calls: Sequence[tuple[Any, ...]], repeat: int) -> float:
    """µs per call: the best of ``repeat`` runs over every call (after one warm-up run)."""
    best = float("inf")
    gc.disable()
    try:
        for run in range(repeat + 1):
            start = time.perf_counter_ns()
            for args in calls:
                try:
                    func(*args)
                except ValueError:  # IdentifierError, ValidationFailed: timed all the same
                    pass
            elapsed = time.perf_counter_ns() - start
            if run:  # the first run warms the caches, as the first rows of a file do
                best = min(best, elapsed)
    finally:
        gc.enable()
    return best / len(calls) / 1000


@contextmanager
def library_identifiers(identifiers: Any) -> Iterator[bool]:
    """Swap every cleaner that has a ``library_*`` reference for that reference."""
    swapped = {
        name: getattr(identifiers, name)
        for name in dir(identifiers)
        if name.startswith("clean_") and hasattr(identifiers, "library_" + name)
    }
    for name in swapped:
        setattr(identifiers, name, getattr(identifiers, "library_" + name))
    try:
        yield bool(swapped)
    finally:
        for name, func in swapped.items():
            setattr(identifiers, name, func)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=2000, help="rows per kind (default 2000)")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs (default 7)")
    parser.add_argument("--seed", type=int, default=20260601)
    args = parser.parse_args()
    configure()

    from carnet.addresses.validation import clean_address_input
    from carnet.clients.validation import clean_client_input
    from carnet.contacts.validation import clean_contact_input
    from carnet.core import identifiers
    from carnet.customfields.models import CustomField

    # The custom fields of bench/clients_data.py (unsaved: validation only reads them).
    definitions = [
        CustomField(slug="niveau", type="choice", choices=["Bronze", "Argent", "Or"]),
        CustomField(slug="fin_contrat", type="date", choices=[]),
        CustomField(slug="nb_sites", type="integer", choices=[]),
    ]

    def with_custom_fields(row: dict[str, Any]) -> Any:
        return clean_client_input(row, definitions=definitions)

    rng = random.Random(args.seed)
    companies = [company_row(rng, i) for i in range(args.rows)]
    customized = [
        {
            **row,
            "custom_fields": {
                "niveau": rng.choice(("Bronze", "argent", "OR")),
                "fin_contrat": f"{rng.randrange(1, 29):02d}/{rng.randrange(1, 13):02d}/2027",
                "nb_sites": str(rng.randrange(1, 12)),
            },
        }
        for row in companies
    ]
    contacts = [contact_row(rng, i) for i in range(args.rows)]
    addresses = [address_row(rng, i) for i in range(args.rows)]

    def values(field: str) -> list[str]:
        return [row[field] for row in companies]

    sirens = [siret.replace(" ", "")[:9] for siret in values("siret")]
    cleaners: list[tuple[str, str, list[tuple[Any, ...]]]] = [
        ("clean_email", "e-mail", [(v,) for v in values("email")]),
        ("clean_phone", "phone (landline)", [(v,) for v in values("phone")]),
        ("clean_phone", "phone (mobile)", [(v,) for v in values("mobile")]),
        ("clean_siret", "SIRET", [(v,) for v in values("siret")]),
        ("clean_siren", "SIREN", [(v,) for v in sirens]),
        ("clean_vat_number", "VAT number", [(v,) for v in values("vat_number")]),
        ("clean_website", "website", [(v,) for v in values("website")]),
        ("clean_naf_code", "NAF code", [(v,) for v in values("naf_code")]),
        ("clean_country", "country", [("FR",) for _ in companies]),
    ]

    print(f"µs per call, best of {args.repeat} runs over {args.rows} different values")
    print(f"{'':36} {'library':>9} {'as called':>10} {'speed-up':>9}")
    for name, label, calls in cleaners:
        current = best_per_call(getattr(identifiers, name), calls, args.repeat)
        reference = getattr(identifiers, "library_" + name, None)
        if reference is None:
            print(f"{name + ' ' + label:36} {'':>9} {current:10.2f}")
            continue
        before = best_per_call(reference, calls, args.repeat)
        print(f"{name + ' ' + label:36} {before:9.2f} {current:10.2f} {before / current:8.1f}×")

    rows: list[tuple[str, Callable[..., Any], list[tuple[Any, ...]]]] = [
        ("clean_client_input company row", clean_client_input, [(r,) for r in companies]),
        ("  + 3 custom fields", with_custom_fields, [(r,) for r in customized]),
        ("clean_contact_input", clean_contact_input, [(r,) for r in contacts]),
        ("clean_address_input", clean_address_input, [(r,) for r in addresses]),
    ]
    print()
    print(f"{'':36} {'library':>9} {'as called':>10} {'speed-up':>9}")
    for label, func, calls in rows:
        for args_ in calls[:50]:
            func(*args_)  # a typical row is valid: fail loudly if the generator is wrong
        current = best_per_call(func, calls, args.repeat)
        with library_identifiers(identifiers) as swapped:
            before = best_per_call(func, calls, args.repeat) if swapped else None
        if before is None:
            print(f"{label:36} {'':>9} {current:10.2f}")
        else:
            print(f"{label:36} {before:9.2f} {current:10.2f} {before / current:8.1f}×")
    print()
    print(
        "library: the identifier cleaners through their library alone (the reference); "
        "as called: with the fast paths."
    )


if __name__ == "__main__":
    main()
