"""Benchmark: importing and exporting clients (issue 5).

    .venv/bin/python bench/imports.py --db sqlite            # 100,000-row CSV and XLSX
    .venv/bin/python bench/imports.py --db postgres
    .venv/bin/python bench/imports.py --db sqlite --export-clients 1000000

What it measures, each figure with its peak memory:

- ``carnet import clients`` end to end (read, map, validate, deduplicate, commit) of a
  generated client file of ``--rows`` rows and 30 columns (French companies and
  individuals, 5 % invalid rows, 2 % duplicates), as CSV and as XLSX, into an empty
  organization of a fresh database; the command runs in its own process, timed by the
  wall clock, its peak memory read by ``/usr/bin/time``;
- beside it, in this process, the bare limit: the same CSV parsed with ``csv`` and
  inserted with ``executemany`` into a bare SQLite table, and the ratio;
- ``carnet export clients`` to XLSX of the imported clients, and to CSV of the million
  clients of the shared benchmark data set (``common.ensure_data``, built once).

The figures go to docs/PERFORMANCE.md (``--no-doc`` to leave it alone).
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(ROOT / "src"))

import common  # noqa: E402

CARNET = ROOT / ".venv" / "bin" / "carnet"
PG_IMPORT_URL = "postgres://postgres@127.0.0.1:5432/carnet_bench_imports"
SLUG = "bench-import"
ADMIN = "bench-import@carnet.invalid"
LEVELS = ["Or", "Argent", "Bronze"]
HEADER = [
    "Référence",
    "Type",
    "Raison sociale",
    "Civilité",
    "Prénom",
    "Nom de famille",
    "E-mail",
    "Téléphone",
    "Mobile",
    "Site web",
    "Forme juridique",
    "SIRET",
    "Code NAF",
    "Capital social",
    "N° TVA intracommunautaire",
    "Secteur d'activité",
    "Effectif",
    "Pays",
    "Notes",
    "Étiquettes",
    "Catégorie",
    "Contact - Prénom",
    "Contact - Nom",
    "Contact - E-mail",
    "Contact - Téléphone",
    "Adresse",
    "Code postal",
    "Ville",
    "Niveau de service",
    "Fin de contrat",
]
TARGETS = {"csv": 10.0, "xlsx": 15.0, "memory_mb": 500, "export_csv": 20.0, "export_memory_mb": 300}
TARGETS["export_xlsx"] = 10.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--export-clients", type=int, default=1_000_000)
    parser.add_argument("--skip-export", action="store_true", help="no million-client export")
    parser.add_argument("--database-url", default=common.DEFAULT_PG_URL)
    parser.add_argument("--no-doc", action="store_true")
    return parser.parse_args()


# --- The client file --------------------------------------------------------------------
def national(e164: str) -> str:
    digits = "0" + e164[3:]
    return " ".join(digits[i : i + 2] for i in range(0, 10, 2))


def generate_rows(count: int, seed: int) -> list[list[str]]:
    """``count`` rows of a client file as a French business keeps it: 5 % with an error a
    person makes, 2 % repeating an earlier client's e-mail or SIRET."""
    from clients_data import (  # needs Django set up
        ACTIVITIES,
        FIRST_NAMES_FEMALE,
        FIRST_NAMES_MALE,
        NAF_CODES,
        SECTORS,
        TAGS,
        TOWNS,
        ClientRows,
        slug,
    )

    from carnet.core.identifiers import french_vat_from_siren

    gen = ClientRows(seed, 0, [], [], [], [])
    rng = gen.rng
    rows: list[list[str]] = []
    for number in range(1, count + 1):
        company = rng.random() < 0.6
        row = dict.fromkeys(HEADER, "")
        row["Référence"] = f"IMP-{number:06d}"
        if company:
            name = gen.company_name()
            domain = slug(name)[:40] + ".fr"
            row.update(
                {
                    "Type": "Entreprise",
                    "Raison sociale": name,
                    "E-mail": gen.unique_email(rng.choice(("contact", "info", "compta")), domain),
                    "Téléphone": national(gen.phone()),
                    "Site web": f"www.{domain}",
                    "Forme juridique": rng.choice(("SARL", "SAS", "SASU", "EURL", "SA")),
                    "Code NAF": rng.choice(NAF_CODES),
                    "Capital social": rng.choice(("1000", "5 000", "10000,00", "50000")),
                    "Secteur d'activité": rng.choice(SECTORS),
                    "Effectif": str(rng.randrange(1, 250)),
                    "Contact - Prénom": rng.choice(FIRST_NAMES_FEMALE + FIRST_NAMES_MALE),
                    "Contact - Nom": gen.surname(),
                    "Contact - E-mail": gen.unique_email("direction", domain),
                    "Contact - Téléphone": national(gen.phone()),
                }
            )
            siret, siren = gen.siret()
            row["SIRET"] = f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"
            row["N° TVA intracommunautaire"] = french_vat_from_siren(siren)
        else:
            female = rng.random() < 0.5
            first = rng.choice(FIRST_NAMES_FEMALE if female else FIRST_NAMES_MALE)
            last = gen.surname()
            row.update(
                {
                    "Type": "Particulier",
                    "Civilité": "Mme" if female else "M.",
                    "Prénom": first,
                    "Nom de famille": last,
                    "E-mail": gen.unique_email(f"{slug(first)}.{slug(last)}", "orange.fr"),
                    "Mobile": national(gen.phone(mobile=True)),
                }
            )
        row["Pays"] = "France"
        row["Adresse"] = f"{rng.randrange(1, 200)} rue {rng.choice(ACTIVITIES).lower()}"
        row["Code postal"] = f"{rng.randrange(1, 96):02d}{rng.randrange(0, 999):03d}"
        row["Ville"] = rng.choice(TOWNS)
        if rng.random() < 0.3:
            row["Étiquettes"] = ", ".join(rng.sample(TAGS, rng.choice((1, 2))))
        row["Catégorie"] = rng.choice(("Client", "Prospect", ""))
        row["Niveau de service"] = rng.choice(LEVELS + ["", ""])
        if rng.random() < 0.4:
            row["Fin de contrat"] = f"{rng.randrange(1, 29):02d}/{rng.randrange(1, 13):02d}/2027"
        if rng.random() < 0.1:
            row["Notes"] = "Client historique ; relancer en janvier"
        kind = rng.random()
        if kind < 0.05:  # a person's mistake
            mistake = rng.randrange(4)
            if mistake == 0:
                row["E-mail"] = row["E-mail"].replace("@", " at ")
            elif mistake == 1 and row["SIRET"]:
                row["SIRET"] = row["SIRET"][:-1] + str((int(row["SIRET"][-1]) + 1) % 10)
            elif mistake == 2:
                row["Téléphone" if company else "Mobile"] = "01 23"
            else:
                row["Niveau de service"] = "Platine"
        elif kind < 0.07 and rows:  # a client already in the file
            earlier = dict(zip(HEADER, rng.choice(rows), strict=True))
            row["E-mail"] = earlier["E-mail"]
        rows.append([row[column] for column in HEADER])
    return rows


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(rows)


def write_xlsx(path: Path, rows: list[list[str]]) -> None:
    """As Excel saves it: text in the shared-strings table."""
    from rustpy_xlsxwriter import FastExcel

    records = (dict(zip(HEADER, row, strict=True)) for row in rows)
    FastExcel(str(path)).sheet("Clients", records, dedupe_strings=True).save()


# --- Runs -------------------------------------------------------------------------------
def run(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run a command in its own process: wall seconds, peak memory (MB), its output."""
    started = time.perf_counter()
    completed = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *command],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{completed.stdout}\n{completed.stderr}")
    peak_kb = int(completed.stderr.strip().splitlines()[-1])
    return elapsed, peak_kb / 1024, completed.stdout


def fresh_database(args: argparse.Namespace) -> dict[str, str]:
    """An empty database with one organization and its custom fields; the environment
    that points ``carnet`` at it."""
    data_dir = common.DATA_DIR / f"imports-{args.db}"
    shutil.rmtree(data_dir, ignore_errors=True)
    (data_dir / "static").mkdir(parents=True)
    env = {
        **os.environ,
        "CARNET_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "carnet.settings",
    }
    env.pop("DATABASE_URL", None)
    if args.db == "postgres":
        common.ensure_pg_database(PG_IMPORT_URL, drop=True)
        env["DATABASE_URL"] = PG_IMPORT_URL
    subprocess.run([str(CARNET), "migrate"], env=env, check=True, capture_output=True)
    subprocess.run(
        [
            str(CARNET),
            "org",
            "create",
            SLUG,
            "--name",
            "Import SARL",
            "--admin",
            ADMIN,
            "--password",
            "bench-password-1",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    script = (
        "import django; django.setup()\n"
        "from carnet.accounts.models import Organization\n"
        "from carnet.customfields.services import create_custom_field\n"
        f"org = Organization.objects.get(slug={SLUG!r})\n"
        "create_custom_field(org, None, {'name': 'Niveau de service', 'type': 'choice',"
        f" 'choices': {LEVELS!r}}})\n"
        "create_custom_field(org, None, {'name': 'Fin de contrat', 'type': 'date'})\n"
    )
    subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c", script], env=env, check=True)
    return env


def import_file(path: Path, args: argparse.Namespace) -> dict[str, Any]:
    env = fresh_database(args)
    seconds, memory, output = run(
        [str(CARNET), "import", "clients", str(path), "--org", SLUG, "--quiet"], env
    )
    counts = dict(part.split("=") for part in output.strip().splitlines()[-1].split())
    return {"seconds": seconds, "memory": memory, "counts": counts, "env": env}


def bare_limit(path: Path) -> float:
    """The same CSV parsed with ``csv`` and inserted with ``executemany`` into a bare
    SQLite table of text columns: no validation, no index, one transaction."""
    with tempfile.TemporaryDirectory() as folder:
        database = sqlite3.connect(Path(folder) / "bare.sqlite3")
        columns = ", ".join(f"c{i} TEXT" for i in range(len(HEADER)))
        database.execute(f"CREATE TABLE bare (id INTEGER PRIMARY KEY, {columns})")
        marks = ", ".join("?" * len(HEADER))
        started = time.perf_counter()
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter=";")
            next(reader)
            with database:
                database.executemany(
                    f"INSERT INTO bare ({', '.join(f'c{i}' for i in range(len(HEADER)))}) "
                    f"VALUES ({marks})",
                    reader,
                )
        elapsed = time.perf_counter() - started
        database.close()
    return elapsed


def export_run(env: dict[str, str], fmt: str, slug_: str, output: Path) -> tuple[float, float]:
    seconds, memory, _out = run(
        [
            str(CARNET),
            "export",
            "clients",
            "--org",
            slug_,
            "--format",
            fmt,
            "--output",
            str(output),
            "--archived",
        ],
        env,
    )
    return seconds, memory


def million_export(args: argparse.Namespace, folder: Path) -> dict[str, Any] | None:
    """The CSV export of the shared benchmark data set's big organization."""
    if args.skip_export:
        return None
    data_args = argparse.Namespace(
        db=args.db,
        clients=args.export_clients,
        other_organizations=10,
        other_clients=10_000,
        database_url=args.database_url,
        regenerate=False,
        seed=20260601,
        queries=0,
        no_doc=True,
    )
    command = [
        str(ROOT / ".venv" / "bin" / "python"),
        "-c",
        "import sys, argparse; sys.path.insert(0, 'bench'); import common; "
        f"args = argparse.Namespace(**{vars(data_args)!r}); common.configure(args); "
        "common.ensure_data(args)",
    ]
    subprocess.run(command, cwd=ROOT, check=True)
    env = {**os.environ, "CARNET_DATA_DIR": str(common.DATA_DIR / args.db)}
    env.pop("DATABASE_URL", None)
    if args.db == "postgres":
        env["DATABASE_URL"] = args.database_url
    output = folder / "million.csv"
    seconds, memory = export_run(env, "csv", common.MAIN_SLUG, output)
    with output.open("rb") as handle:
        lines = sum(1 for _ in handle) - 1
    return {"seconds": seconds, "memory": memory, "rows": lines, "bytes": output.stat().st_size}


def main() -> None:
    args = parse_args()
    folder = Path(tempfile.mkdtemp(prefix="carnet-bench-imports-"))
    try:
        report(args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def report(args: argparse.Namespace, folder: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carnet.settings")
    os.environ.setdefault("CARNET_DATA_DIR", str(folder / "settings"))
    import django

    django.setup()
    print(f"Generating {args.rows:,} rows…", flush=True)
    rows = generate_rows(args.rows, args.seed)
    csv_path, xlsx_path = folder / "clients.csv", folder / "clients.xlsx"
    write_csv(csv_path, rows)
    write_xlsx(xlsx_path, rows)
    del rows
    results: dict[str, Any] = {}
    bare = bare_limit(csv_path)
    print(f"bare csv + executemany: {bare:.2f} s", flush=True)
    for fmt, path in (("csv", csv_path), ("xlsx", xlsx_path)):
        print(f"Importing the {fmt.upper()} file on {args.db}…", flush=True)
        results[fmt] = import_file(path, args)
        print(
            f"  {results[fmt]['seconds']:.2f} s, {results[fmt]['memory']:.0f} MB, "
            f"{results[fmt]['counts']}",
            flush=True,
        )
    xlsx_out = folder / "export.xlsx"
    results["export_xlsx"] = dict(
        zip(
            ("seconds", "memory"),
            export_run(results["xlsx"]["env"], "xlsx", SLUG, xlsx_out),
            strict=True,
        )
    )
    print(f"XLSX export: {results['export_xlsx']}", flush=True)
    results["million"] = million_export(args, folder)
    print(f"CSV export of the big organization: {results['million']}", flush=True)
    if not args.no_doc:
        write_doc(args, results, bare, csv_path.stat().st_size, xlsx_path.stat().st_size)


def write_doc(
    args: argparse.Namespace, results: dict[str, Any], bare: float, csv_size: int, xlsx_size: int
) -> None:
    info = machine_info(args)
    met = lambda ok: "yes" if ok else "no"  # noqa: E731
    lines = [
        f"### {info['database']}",
        "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M %Z')}",
        f"- Machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM; {info['os']}; "
        f"load average when done {info['load']} (1/5/15 min)",
        f"- Software: Python {info['python']}, Django {info['django']}, {info['database']}",
        f"- Command: `.venv/bin/python bench/imports.py --db {args.db}`",
        f"- File: {args.rows:,} rows × {len(HEADER)} columns; CSV {csv_size / 1e6:.1f} MB, "
        f"XLSX {xlsx_size / 1e6:.1f} MB (shared strings)",
        "",
        "| what | time (s) | target (s) | peak memory (MB) | target (MB) | met | result |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for fmt in ("csv", "xlsx"):
        result = results[fmt]
        counts = result["counts"]
        ok = result["seconds"] <= TARGETS[fmt] and result["memory"] <= TARGETS["memory_mb"]
        lines.append(
            f"| `carnet import clients` ({fmt.upper()}) | {result['seconds']:.1f} | "
            f"{TARGETS[fmt]:.0f} | {result['memory']:.0f} | {TARGETS['memory_mb']} | {met(ok)} | "
            + ", ".join(f"{k} {int(v):,}" for k, v in counts.items())
            + " |"
        )
    lines.append(
        f"| bare limit: `csv` + `executemany` into a bare table | {bare:.1f} | | | | | "
        f"ratio import / bare: {results['csv']['seconds'] / bare:.0f} |"
    )
    export = results["export_xlsx"]
    lines.append(
        f"| `carnet export clients` to XLSX ({int(results['xlsx']['counts']['created']):,} "
        f"clients) | {export['seconds']:.1f} | {TARGETS['export_xlsx']:.0f} | "
        f"{export['memory']:.0f} | | {met(export['seconds'] <= TARGETS['export_xlsx'])} | |"
    )
    million = results.get("million")
    if million:
        ok = (
            million["seconds"] <= TARGETS["export_csv"]
            and million["memory"] <= TARGETS["export_memory_mb"]
        )
        lines.append(
            f"| `carnet export clients` to CSV ({million['rows']:,} clients) | "
            f"{million['seconds']:.1f} | {TARGETS['export_csv']:.0f} | {million['memory']:.0f} | "
            f"{TARGETS['export_memory_mb']} | {met(ok)} | {million['bytes'] / 1e6:.0f} MB |"
        )
    lines.append("")
    common.update_doc(
        f"imports-{args.db}", "\n".join(lines) + "\n", after=("imports", "organize-postgres")
    )


def machine_info(args: argparse.Namespace) -> dict[str, str]:
    """``common.machine`` measured on the database the imports ran on."""
    info = common.machine()
    if args.db == "postgres":
        import psycopg

        with psycopg.connect(PG_IMPORT_URL.replace("postgres://", "postgresql://")) as db:
            version = db.execute("SHOW server_version").fetchone()
        info["database"] = f"PostgreSQL {version[0] if version else '?'}"
    return info


if __name__ == "__main__":
    main()
