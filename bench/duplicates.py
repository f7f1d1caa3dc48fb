"""Duplicate-detection benchmark (issue 6): the engine alone, on clients made in memory.

    .venv/bin/python bench/duplicates.py --clients 1000000
    .venv/bin/python bench/duplicates.py --clients 1000000,2000000

Not a test, and no database: it makes ``--clients`` realistic French clients as
``carnet.duplicates.detection.Candidate`` records (names, identifiers and telephone numbers
from bench/clients_data.py's generator, addresses over some 9,600 postcodes weighted like a
real client file, big cities heavier), of which ``--duplicates`` (2 %) are planted copies of
other clients, spread over every kind of duplicate the engine looks for:

- same e-mail (its local part sometimes in another case), same SIRET, same VAT number (a
  company of another EU country, or a French one typed again without its SIRET), same SIREN
  with another SIRET (another establishment), same telephone number;
- a near-identical name at the same postcode (or in the same city when the copy has no
  postcode): a typo (one slip of the keyboard in the name, not in its legal form), a legal
  form added, removed or written with dots, accents or case lost, punctuation changed,
  first and last name swapped.

A copy keeps what its kind shares and loses or renews the rest (other identifiers blank or
new, the name often varied, the address sometimes moved), so that each planted pair can be
found by the reason it was planted for. Identifiers (e-mail, SIREN, VAT number, telephone)
are otherwise unique, as they are in life, and so are names at one place: an original whose
normalized name is already borne by another at its postcode or in its city is drawn again
(``Maker.name_taken`` says why). Names merely near-identical are left to chance, and count
against precision when paired. One switchboard number is shared by 200 clients that are not
duplicates, to show that a generic value pairs nobody.

It then times ``find_pairs`` + ``group_pairs`` (wall clock, ``--repeat`` scans of the same
clients, 3 by default: the median is the figure, as other work on a shared machine slows
one scan now and then; each scan's time and the median CPU time are shown too) and reports:

- the peak memory (resident set, sampled every 20 ms during the scan) and how much of it
  is the scan's own, above the candidates already in memory;
- precision: the share of the pairs found that join two records of one family (an original
  and its copies, copies of one original between them included); every other pair, such
  as two strangers with near-identical names in one town, counts as a false positive;
- recall: the share of the planted pairs (original, copy) that were found, overall and by
  kind.

Each size runs in its own process (fresh memory); with two sizes, the ratio of their times.
It prints a markdown table and records it in docs/PERFORMANCE.md (``--no-doc`` leaves the
file alone).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
TARGET_SECONDS = 60.0
TARGET_RATIO = 2.3
TARGET_QUALITY = 0.95
# The share of planted copies by kind (each needs an original that has what it shares).
KINDS = {
    "email": 18,
    "siret": 12,
    "vat_number": 8,
    "siren": 12,
    "phone": 16,
    "name": 34,
}
SWITCHBOARD = "+33100000000"
SWITCHBOARD_SHARERS = 200
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--clients",
        default="1000000",
        help="comma-separated sizes, each run in its own process (default 1000000)",
    )
    parser.add_argument("--duplicates", type=float, default=0.02, help="share of planted copies")
    parser.add_argument("--seed", type=int, default=20260601)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="scans of the same clients; the median time is reported (default 3)",
    )
    parser.add_argument("--no-doc", action="store_true", help="do not update docs/PERFORMANCE.md")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


# --------------------------------------------------------------------------- set-up
def setup_django() -> str:
    """bench/clients_data.py imports Carnet's models: set Django up on a throwaway data dir
    (nothing is read or written there but the generated secret key)."""
    data_dir = tempfile.mkdtemp(prefix="carnet-bench-duplicates-")
    os.environ["CARNET_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "carnet.settings"
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(BENCH_DIR))
    import django

    django.setup()
    return data_dir


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE


class PeakSampler:
    """Samples the resident set in a thread: the peak while the scan runs, which
    ``ru_maxrss`` cannot tell apart from the peak of the generation before it."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.peak = rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, rss_bytes())

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())


# --------------------------------------------------------------------------- data
@dataclass
class DataSet:
    candidates: list[Any]
    family: list[int]  # per position: the position of the original it copies (or its own)
    planted: dict[tuple[int, int], str]  # (original id, copy id) -> kind


class Maker:
    """Makes the clients: originals from clients_data's generator, then planted copies."""

    def __init__(self, seed: int) -> None:
        import clients_data as cd

        self.cd = cd
        self.rows = cd.ClientRows(seed, 1, [], [], [], [])
        self.rng = self.rows.rng
        self.phones: set[str] = set()
        self.vat_numbers: set[str] = set()
        self.names_at: set[int] = set()
        self.places = self.make_places()
        self.place_weights = list(itertools.accumulate(weight for _p, _c, weight in self.places))

    # --- places ---------------------------------------------------------------------------
    def make_places(self) -> list[tuple[str, str, float]]:
        """(postcode, city, weight): a main town per department with many clients, about a
        hundred smaller communes per department, the arrondissements of Paris, Lyon and
        Marseille heavier still."""
        rng, cd = self.rng, self.cd
        places: list[tuple[str, str, float]] = []
        suffixes = ["", "", "", "-sur-Mer", "-sur-Loire", "-les-Bains", "-en-Bresse", "-le-Haut"]
        for department in range(1, 96):
            if department == 20:
                continue
            town = rng.choice(cd.TOWNS)
            places.append((f"{department:02d}000", town, 40.0))
            for commune in range(1, 100):
                surname = rng.choice(self.rows.rare_surnames).capitalize()
                prefix = rng.choice(("", "", "", "Saint-", "Sainte-", "Le ", "La "))
                name = f"{prefix}{surname}{rng.choice(suffixes)}"
                places.append((f"{department:02d}{commune * 10:03d}", name, rng.paretovariate(2)))
        for base, count, city in (
            (75000, 20, "Paris"),
            (69000, 9, "Lyon"),
            (13000, 16, "Marseille"),
        ):
            for arrondissement in range(1, count + 1):
                places.append((str(base + arrondissement), city, 120.0))
        return places

    def place(self) -> tuple[str, str]:
        """A client's (postcode, city): 92 % with both, 4 % with the city only, 4 % none."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.04:
            return "", ""
        postcode, city, _weight = rng.choices(self.places, cum_weights=self.place_weights)[0]
        if roll < 0.08:
            return "", city
        return postcode, city

    # --- identifiers ----------------------------------------------------------------------
    def unique_phone(self, *, mobile: bool) -> str:
        while True:
            phone = self.rows.phone(mobile=mobile)
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def unique_vat(self, country: str) -> str:
        for _attempt in range(20):
            vat = self.cd.eu_vat_number(self.rng, country)
            if not vat or vat not in self.vat_numbers:
                if vat:
                    self.vat_numbers.add(vat)
                return vat
        return ""

    def other_siret(self, siren: str) -> str:
        """Another establishment of the company: the same SIREN, another NIC."""
        nic = f"{self.rng.randrange(50, 9999):04d}"
        return siren + nic + self.cd.luhn_check_digit(siren + nic)

    # --- originals ------------------------------------------------------------------------
    def original(self, client_id: int) -> Any:
        """A client unlike the others: drawn again while its name is already taken at its
        postcode or in its city (see ``name_taken``)."""
        for _attempt in range(20):
            candidate = self.draw(client_id)
            if not self.name_taken(candidate):
                break
        return candidate

    def name_taken(self, candidate: Any) -> bool:
        """Whether another original already has this name (normalized, in any word order)
        at this postcode or in this city; remembers it otherwise.

        Two clients with the same name at one postcode are what the issue calls likely
        duplicates, and nothing tells them apart: in a real file they are nearly always one
        client. clients_data's short lists of names would make them hundreds of times more
        frequent than in life (there are few "SARL Martin" in one postcode), and counting
        them as false positives would measure the generator, not the engine. Names merely
        near-identical are left to chance, and count as false positives when paired.
        """
        from carnet.duplicates.detection import normalize_name

        words = " ".join(sorted(normalize_name(candidate.name).split()))
        keys = []
        if candidate.postcode:
            keys.append(hash((words, candidate.postcode)))
        if candidate.city:
            keys.append(hash((words, "city", candidate.city.casefold())))
        if any(key in self.names_at for key in keys):
            return True
        self.names_at.update(keys)
        return False

    def draw(self, client_id: int) -> Any:
        from carnet.core import identifiers
        from carnet.duplicates.detection import Candidate

        rng, rows, cd = self.rng, self.rows, self.cd
        email = siret = siren = vat = ""
        phones: tuple[str, ...] = ()
        postcode, city = self.place()
        if rng.random() < 0.58:
            kind, name = "company", rows.company_name()
            where = rng.random()
            if where < 0.05:
                vat = self.unique_vat(rng.choice(cd.EU_COUNTRIES))
            elif where >= 0.08:
                if rng.random() < 0.9:
                    siret, siren = rows.siret()
                    vat = identifiers.french_vat_from_siren(siren)
                phones = (self.unique_phone(mobile=False),)
            if rng.random() < 0.8:
                domain = cd.slug(name)[:40] + rng.choice((".fr", ".fr", ".fr", ".com"))
                local = rng.choice(("contact", "contact", "info", "compta", "direction"))
                email = rows.unique_email(local, domain)
        else:
            female = rng.random() < 0.5
            first = rng.choice(cd.FIRST_NAMES_FEMALE if female else cd.FIRST_NAMES_MALE)
            kind, name = "individual", f"{first} {rows.surname()}"
            if rng.random() < 0.85:
                provider = rng.choices(cd.EMAIL_PROVIDERS, cd.EMAIL_PROVIDER_WEIGHTS)[0]
                email = rows.unique_email(cd.slug(name).replace("-", "."), provider)
            if rng.random() < 0.7:
                phones = (self.unique_phone(mobile=True),)
        return Candidate(
            id=client_id,
            kind=kind,
            name=name,
            email=email,
            siret=siret,
            siren=siren,
            vat_number=vat,
            phones=phones,
            postcode=postcode,
            city=city,
        )

    # --- copies ---------------------------------------------------------------------------
    def can_copy(self, original: Any, kind: str) -> bool:
        if kind == "email":
            return bool(original.email)
        if kind in ("siret", "siren"):
            return bool(original.siret)
        if kind == "vat_number":
            return bool(original.vat_number)
        if kind == "phone":
            return bool(original.phones)
        return bool(original.postcode or original.city)

    def copy(self, original: Any, kind: str, client_id: int) -> Any:
        """A copy of ``original`` sharing what ``kind`` says, the rest blank or renewed."""
        rng = self.rng
        fresh_email = ""
        if original.email and rng.random() < 0.5:
            local, domain = original.email.split("@", 1)
            fresh_email = self.rows.unique_email(
                rng.choice(("compta", "bureau", local + ".pro")), domain
            )
        fresh_phones: tuple[str, ...] = ()
        if rng.random() < 0.4:
            fresh_phones = (self.unique_phone(mobile=original.kind == "individual"),)
        values: dict[str, Any] = {
            "id": client_id,
            "email": fresh_email,
            "siret": "",
            "siren": "",
            "vat_number": "",
            "phones": fresh_phones,
        }
        name_varies = rng.random() < 0.5
        keeps_place = rng.random() < 0.7
        if kind == "email":
            local, domain = original.email.split("@", 1)
            if rng.random() < 0.2:
                local = local.capitalize()
            values["email"] = f"{local}@{domain}"
        elif kind == "siret":
            values.update(
                siret=original.siret, siren=original.siren, vat_number=original.vat_number
            )
        elif kind == "siren":
            values.update(
                siret=self.other_siret(original.siren),
                siren=original.siren,
                vat_number=original.vat_number,
            )
            keeps_place = rng.random() < 0.3  # another establishment, usually elsewhere
        elif kind == "vat_number":
            values["vat_number"] = original.vat_number
        elif kind == "phone":
            values["phones"] = (rng.choice(original.phones),)
        else:
            name_varies, keeps_place = True, True
        name = self.name_variant(original) if name_varies else original.name
        if keeps_place:
            postcode, city = original.postcode, original.city
            if kind == "name" and postcode and rng.random() < 0.1:
                postcode = ""  # typed again without the postcode: found by the city
            if city and rng.random() < 0.3:
                city = city.upper()
            return replace(original, name=name, postcode=postcode, city=city, **values)
        for _attempt in range(20):  # moved: not onto a stranger of the same name
            postcode, city = self.place()
            copy = replace(original, name=name, postcode=postcode, city=city, **values)
            if not self.name_taken(copy):
                break
        return copy

    def name_variant(self, original: Any) -> str:
        """The name as someone else typed it: a typo, a legal form, accents, case, punctuation
        or (for a person) the order of the names."""
        rng, cd = self.rng, self.cd
        name = original.name
        words = name.split()
        legal = [word for word in words if word in cd.LEGAL_FORMS]
        roll = rng.random()
        if roll < 0.35:
            return typo(rng, name, spare=cd.LEGAL_FORMS)
        if roll < 0.55 and original.kind == "company":
            if legal:
                form = legal[0]
                rest = " ".join(word for word in words if word != form)
                return rng.choice(
                    (
                        rest,
                        f"{rest} {form}",
                        f"{'.'.join(form)}. {rest}",
                        f"{rest} {'.'.join(form)}.",
                    )
                )
            form = rng.choices(cd.LEGAL_FORMS, cd.LEGAL_FORM_WEIGHTS)[0]
            return rng.choice((f"{form} {name}", f"{name} {form}", f"Sté {name}"))
        if roll < 0.55:
            return f"{' '.join(words[1:])} {words[0]}"  # last name first
        if roll < 0.75:
            stripped = "".join(
                c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c)
            )
            return rng.choice((stripped.upper(), stripped, name.upper(), name.lower()))
        if "-" in name:
            return name.replace("-", rng.choice((" ", " - ", "")))
        if "&" in name:
            return name.replace("&", "et")
        if " et " in name:
            return name.replace(" et ", " & ")
        return rng.choice((name.replace(" ", "-", 1), f"{name}.", f"{name} ,", name.upper()))


def typo(rng: random.Random, name: str, *, spare: list[str]) -> str:
    """One slip of the keyboard in one of the longer words of the name (not in its legal
    form, ``spare``): a letter replaced, doubled, dropped, or two letters swapped."""
    words = name.split(" ")
    spots = [k for k, word in enumerate(words) if len(word) >= 4 and word not in spare]
    spots = spots or [k for k, word in enumerate(words) if word not in spare] or [0]
    k = rng.choice(spots)
    word = words[k]
    at = rng.randrange(1, len(word)) if len(word) > 1 else 0
    slip = rng.random()
    if slip < 0.4:
        word = word[:at] + rng.choice("aeinorstu") + word[at + 1 :]
    elif slip < 0.6:
        word = word[:at] + word[at] + word[at:]
    elif slip < 0.8 and len(word) > 3:
        word = word[:at] + word[at + 1 :]
    elif at + 1 < len(word):
        word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    else:
        word = word + "e"
    words[k] = word
    return " ".join(words)


def make_data(count: int, share: float, seed: int) -> DataSet:
    """``count`` clients with ids 1..count, of which ``share`` are planted copies spread
    among the others, each made after its original (a duplicate is typed in later).

    The records are made in id order, the order the scan service reads them from the
    database, so that they lie in memory as they would: made in a shuffled order, they
    cost the scan cache misses a real one does not have, more at two million than at one.
    """
    maker = Maker(seed)
    rng = maker.rng
    copies = round(count * share)
    copy_positions = set(rng.sample(range(count // 20, count), copies))
    switchboard = set(
        rng.sample(
            [p for p in range(count) if p not in copy_positions],
            min(count - copies, SWITCHBOARD_SHARERS),
        )
    )
    kinds, weights = list(KINDS), list(KINDS.values())
    slots: list[Any] = []
    family: list[int] = []
    planted: dict[tuple[int, int], str] = {}
    made: list[int] = []
    copied: list[int] = []
    for position in range(count):
        if position not in copy_positions:
            client = maker.original(position + 1)
            if position in switchboard:  # one number shared by strangers
                client = replace(client, phones=(SWITCHBOARD,))
            slots.append(client)
            family.append(position)
            made.append(position)
            continue
        kind = rng.choices(kinds, weights)[0]
        while True:  # 10 % of the copies go to an original already copied
            pool = copied if copied and rng.random() < 0.1 else made
            source = rng.choice(pool)
            original = slots[source]
            if original.phones == (SWITCHBOARD,) and kind == "phone":
                continue
            if maker.can_copy(original, kind):
                break
        slots.append(maker.copy(original, kind, position + 1))
        family.append(source)
        copied.append(source)
        planted[(original.id, position + 1)] = kind
    return DataSet(candidates=slots, family=family, planted=planted)


# --------------------------------------------------------------------------- run
def run_one(count: int, share: float, seed: int, repeat: int) -> dict[str, Any]:
    data_dir = setup_django()
    try:
        from carnet.duplicates.detection import find_pairs, group_pairs

        started = time.perf_counter()
        data = make_data(count, share, seed)
        generated = time.perf_counter() - started
        gc.collect()
        before = rss_bytes()
        walls: list[float] = []
        cpus: list[float] = []
        groupings: list[float] = []
        with PeakSampler() as sampler:
            for _run in range(repeat):
                pairs = groups = None  # the previous run's results go first
                gc.collect()
                started, cpu_started = time.perf_counter(), time.process_time()
                pairs = find_pairs(data.candidates)
                found_at = time.perf_counter()
                groups = group_pairs(pairs)
                walls.append(time.perf_counter() - started)
                cpus.append(time.process_time() - cpu_started)
                groupings.append(time.perf_counter() - found_at)
        family = data.family
        correct = sum(1 for p in pairs if family[p.first - 1] == family[p.second - 1])
        found = {(p.first, p.second) for p in pairs}
        planted_by_kind = Counter(data.planted.values())
        found_by_kind = Counter(kind for key, kind in data.planted.items() if key in found)
        false_reasons = Counter(
            "+".join(r.code for r in p.reasons)
            for p in pairs
            if family[p.first - 1] != family[p.second - 1]
        )
        return {
            "clients": count,
            "planted": len(data.planted),
            "generated_s": generated,
            "seconds": statistics.median(walls),
            "walls": walls,
            "cpu_s": statistics.median(cpus),
            "grouping_s": statistics.median(groupings),
            "pairs": len(pairs),
            "groups": len(groups),
            "precision": correct / len(pairs) if pairs else 1.0,
            "recall": sum(found_by_kind.values()) / len(data.planted) if data.planted else 1.0,
            "recall_by_kind": {k: found_by_kind[k] / n for k, n in planted_by_kind.items()},
            "false_positives": dict(false_reasons.most_common(8)),
            "rss_before_mb": before / 2**20,
            "rss_peak_mb": sampler.peak / 2**20,
            "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "load": os.getloadavg()[0],
        }
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def machine_line() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}"


def report(results: list[dict[str, Any]]) -> str:
    """The figures as markdown (printed, and kept in docs/PERFORMANCE.md)."""
    lines: list[str] = []

    def out(text: str = "") -> None:
        lines.append(text)

    out(f"\nDuplicate detection (find_pairs + group_pairs), {machine_line()}\n")
    out(
        "| clients | planted pairs | scan, median (s) | each scan (s) | CPU (s) "
        "| of which grouping (s) | pairs found | groups | precision | recall "
        "| peak RSS (MB) | above the candidates (MB) |"
    )
    out("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        each = " / ".join(f"{wall:.1f}" for wall in r["walls"])
        out(
            f"| {r['clients']:,} | {r['planted']:,} | {r['seconds']:.1f} | {each} "
            f"| {r['cpu_s']:.1f} | {r['grouping_s']:.2f} | {r['pairs']:,} | {r['groups']:,} "
            f"| {r['precision']:.4f} | {r['recall']:.4f} "
            f"| {r['rss_peak_mb']:,.0f} | {r['rss_peak_mb'] - r['rss_before_mb']:,.0f} |"
        )
    out(
        "\nWall-clock times on a shared machine; the load average (1 min) was "
        + ", ".join(f"{r['load']:.2f}" for r in results)
        + " at the end of each size's scans."
    )
    out("\nRecall by kind of planted duplicate:\n")
    kinds = list(KINDS)
    out("| clients | " + " | ".join(kinds) + " |")
    out("|---:|" + "---:|" * len(kinds))
    for r in results:
        cells = " | ".join(f"{r['recall_by_kind'].get(k, 0):.4f}" for k in kinds)
        out(f"| {r['clients']:,} | {cells} |")
    out("\nFalse positives by reasons (most frequent):\n")
    for r in results:
        shown = ", ".join(f"{k}: {v}" for k, v in r["false_positives"].items()) or "none"
        out(f"- {r['clients']:,} clients: {shown}")
    out()
    for r in results:
        verdicts = [
            f"time {'ok' if r['seconds'] <= TARGET_SECONDS else 'MISSED'} "
            f"(target ≤ {TARGET_SECONDS:.0f} s)",
            f"precision {'ok' if r['precision'] >= TARGET_QUALITY else 'MISSED'}",
            f"recall {'ok' if r['recall'] >= TARGET_QUALITY else 'MISSED'}",
        ]
        out(
            f"{r['clients']:,} clients: "
            + ", ".join(verdicts)
            + f" (generation {r['generated_s']:.0f} s"
            f", not timed; ru_maxrss {r['maxrss_mb']:,.0f} MB including it)"
        )
    by_size = {r["clients"]: r for r in results}
    for small in sorted(by_size):
        big = by_size.get(2 * small)
        if big:
            ratio = big["seconds"] / by_size[small]["seconds"]
            verdict = "ok" if ratio <= TARGET_RATIO else "MISSED"
            out(
                f"time of {2 * small:,} / time of {small:,}: {ratio:.2f} "
                f"(target ≤ {TARGET_RATIO}: {verdict})"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    args = parse_args()
    sizes = [int(size.replace("_", "")) for size in args.clients.split(",") if size.strip()]
    if args.child:
        print(json.dumps(run_one(sizes[0], args.duplicates, args.seed, args.repeat)))
        return
    results = []
    for size in sizes:
        print(f"{size:,} clients: generating and scanning…", flush=True)
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            "--clients",
            str(size),
            "--duplicates",
            str(args.duplicates),
            "--seed",
            str(args.seed),
            "--repeat",
            str(args.repeat),
        ]
        output = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout
        results.append(json.loads(output.strip().splitlines()[-1]))
    text = report(results)
    print(text)
    if not args.no_doc:
        import common

        common.update_doc(
            "duplicates-engine",
            f"## Duplicate detection engine ({time.strftime('%Y-%m-%d')})\n\n"
            "`.venv/bin/python bench/duplicates.py --clients 1000000,2000000` (the engine alone, "
            "on clients made in memory with 2 % planted duplicates of every kind; "
            "`bench/duplicate_scan.py` times the whole scan on the database).\n" + text,
            after=("merge-postgresql", "merge-sqlite"),
        )


if __name__ == "__main__":
    main()
