"""Client search benchmark at a million rows (issue 2). Not a test: run it by hand or `make bench`.

    .venv/bin/python bench/search.py --db sqlite   --clients 1000000
    .venv/bin/python bench/search.py --db postgres --clients 1000000

It generates (once, then reuses) one organization with ``--clients`` realistic clients and
10 other organizations with 10,000 each, then measures in-process, through the real API
stack (Django test client, bearer token, middleware, ninja, serialization), the latency of

    GET /api/v1/clients?q=<prefix>   GET /api/v1/clients?q=<substring>
    GET /api/v1/clients?q=<SIRET>    GET /api/v1/clients/{id}

and of the same data queries replayed with a raw cursor ("bare SQL": the statements the
ORM emitted for the request, minus the token authentication). It prints median, p95 and
the API / bare SQL ratio, and rewrites its section of docs/PERFORMANCE.md.

SQLite data lives in bench/data/ (never the application's var/); PostgreSQL uses the
database ``carnet_bench`` (``--database-url`` to change it; it is dropped and recreated
when its content does not match the requested sizes).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
DATA_DIR = BENCH_DIR / "data"
DOC = ROOT / "docs" / "PERFORMANCE.md"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/carnet_bench"
MAIN_SLUG = "bench"
OTHER_SLUG = "bench-other-{:02d}"
OWNER_EMAIL = "bench@carnet.invalid"
BATCH = 20_000
TARGET_P95_MS = {"sqlite": 15.0, "postgres": 25.0}
TARGET_RATIO = 3.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--clients",
        type=int,
        default=1_000_000,
        help="clients in the measured organization (default 1,000,000)",
    )
    parser.add_argument("--other-organizations", type=int, default=10)
    parser.add_argument(
        "--other-clients",
        type=int,
        default=10_000,
        help="clients in each other organization (default 10,000)",
    )
    parser.add_argument("--queries", type=int, default=200, help="measured requests per kind")
    parser.add_argument("--database-url", default=DEFAULT_PG_URL, help="PostgreSQL only")
    parser.add_argument("--regenerate", action="store_true", help="rebuild the data set")
    parser.add_argument("--no-doc", action="store_true", help="do not update docs/PERFORMANCE.md")
    parser.add_argument("--seed", type=int, default=20260601)
    return parser.parse_args()


def configure(args: argparse.Namespace) -> None:
    """Point Django at the benchmark database before it is set up."""
    data_dir = DATA_DIR / args.db
    if data_dir.resolve() == (ROOT / "var").resolve():
        raise SystemExit("refusing to use the application's var/ directory")
    (data_dir / "static").mkdir(parents=True, exist_ok=True)  # whitenoise expects it
    os.environ["CARNET_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "carnet.settings"
    os.environ.pop("CARNET_DEBUG", None)
    if args.db == "postgres":
        os.environ["DATABASE_URL"] = args.database_url
        ensure_pg_database(args.database_url, drop=args.regenerate)
    else:
        os.environ.pop("DATABASE_URL", None)
        if args.regenerate:
            remove_sqlite_files(data_dir)
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(BENCH_DIR))
    import django

    django.setup()


def remove_sqlite_files(data_dir: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        path = data_dir / f"carnet.sqlite3{suffix}"
        if path.exists():
            path.unlink()


def ensure_pg_database(url: str, *, drop: bool) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and drop:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


# --------------------------------------------------------------------------- data set
def current_counts() -> dict[str, int]:
    from django.db.models import Count

    from carnet.accounts.models import Organization

    return dict(
        Organization.objects.filter(slug__startswith=MAIN_SLUG)
        .annotate(n=Count("clients"))
        .values_list("slug", "n")
    )


def wanted_counts(args: argparse.Namespace) -> dict[str, int]:
    wanted = {MAIN_SLUG: args.clients}
    for i in range(1, args.other_organizations + 1):
        wanted[OTHER_SLUG.format(i)] = args.other_clients
    return wanted


def ensure_data(args: argparse.Namespace) -> float | None:
    """Generate the data set unless the database already holds it. Returns the seconds
    spent generating, or None when the cached data set was reused."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if current_counts() == wanted_counts(args):
        return None
    if current_counts():
        print("existing benchmark data does not match the requested sizes: rebuilding")
        connection.close()
        if args.db == "postgres":
            ensure_pg_database(args.database_url, drop=True)
        else:
            remove_sqlite_files(DATA_DIR / args.db)
        call_command("migrate", verbosity=0)
    started = time.perf_counter()
    generate(args)
    return time.perf_counter() - started


def generate(args: argparse.Namespace) -> None:
    from clients_data import CATEGORIES, TAGS, ClientRows
    from django.db import connection, transaction

    from carnet.accounts.models import Organization, User
    from carnet.accounts.services import add_member, create_organization
    from carnet.clients.models import Category, Tag
    from carnet.core.models import Sequence

    plan: list[tuple[Organization, int, list[int], list[int], list[int]]] = []
    for slug, count in wanted_counts(args).items():
        org, owner = create_organization(
            slug=slug, name=f"Benchmark {slug}", admin_email=OWNER_EMAIL.replace("@", f"+{slug}@")
        )
        owners = [owner.pk] + [
            add_member(org, email=f"commercial{i}+{slug}@carnet.invalid").user.pk for i in range(3)
        ]
        categories = [
            c.pk
            for c in Category.objects.bulk_create(
                Category(organization=org, name=name) for name in CATEGORIES
            )
        ]
        tags = [t.pk for t in Tag.objects.bulk_create(Tag(organization=org, name=n) for n in TAGS)]
        plan.append((org, count, owners, categories, tags))
    User.objects.filter(email__endswith="@carnet.invalid").update(password="!")

    total = sum(p[1] for p in plan)
    print(f"generating {total:,} clients in {len(plan)} organizations ({args.db})…")
    vendor = connection.vendor
    dropped = drop_secondary_structures(vendor)
    started = time.perf_counter()
    done = 0
    for index, (org, count, owners, categories, _tags) in enumerate(plan):
        rows = ClientRows(args.seed + index, org.pk, owners, categories).rows(count)
        for batch in batches(rows, BATCH):
            insert_clients(vendor, batch)
            done += len(batch)
            if done % 200_000 < len(batch):
                rate = done / (time.perf_counter() - started)
                print(f"  {done:>9,} rows  ({rate:,.0f} rows/s)", flush=True)
        Sequence.objects.update_or_create(
            organization=org, name="client_reference", defaults={"last_value": count}
        )
    print(f"  rows loaded in {time.perf_counter() - started:.0f} s; tagging…", flush=True)
    rng = random.Random(args.seed)
    with transaction.atomic(), connection.cursor() as cursor:
        for org, _count, _owners, _categories, tags in plan:
            cursor.execute("SELECT id FROM clients_client WHERE organization_id = %s", [org.pk])
            ids = [r[0] for r in cursor.fetchall()]
            links = {
                (client_id, tag)
                for client_id in rng.sample(ids, len(ids) // 7)
                for tag in rng.sample(tags, rng.choice((1, 1, 2, 3)))
            }
            cursor.executemany(
                "INSERT INTO clients_clienttag (organization_id, client_id, tag_id) "
                "VALUES (%s, %s, %s)",
                [(org.pk, c, t) for c, t in sorted(links)],
            )
    started = time.perf_counter()
    print("  building indexes…", flush=True)
    restore_secondary_structures(vendor, dropped)
    print(f"  indexes built in {time.perf_counter() - started:.0f} s", flush=True)


def batches(rows: Iterator[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def drop_secondary_structures(vendor: str) -> list[str]:
    """Drop the indexes and search triggers of the client table (loading then indexing
    is several times faster than maintaining them row by row). Returns the SQL that
    recreates them."""
    from django.db import connection

    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'clients_client' "
                "AND type IN ('index', 'trigger') AND sql IS NOT NULL"
            )
            found = cursor.fetchall()
            for kind, name, _sql in found:
                cursor.execute(f'DROP {kind.upper()} "{name}"')
            cursor.execute("PRAGMA synchronous = OFF")
            return [sql for _kind, _name, sql in found]
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE t.relname = 'clients_client' AND NOT x.indisprimary AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)"
        )
        found = cursor.fetchall()
        for name, _sql in found:
            cursor.execute(f'DROP INDEX "{name}"')
        return [sql for _name, sql in found]


def restore_secondary_structures(vendor: str, statements: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if vendor == "sqlite":
            for statement in statements:
                cursor.execute(statement)
            fts = [s for s in statements if "clients_client_fts" in s]
            if fts:
                cursor.execute(
                    "INSERT INTO clients_client_fts(clients_client_fts) VALUES ('rebuild')"
                )
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for statement in statements:
            cursor.execute(statement)
        cursor.execute("VACUUM ANALYZE")


def insert_clients(vendor: str, rows: list[tuple[Any, ...]]) -> None:
    from clients_data import COLUMNS
    from django.db import connection, transaction

    columns = ", ".join(COLUMNS)
    if vendor == "sqlite":
        adapt = connection.ops.adapt_datetimefield_value
        dates = [
            COLUMNS.index(c) for c in ("archived_at", "deleted_at", "created_at", "updated_at")
        ]
        decimals = [COLUMNS.index(c) for c in ("share_capital", "revenue")]
        prepared = []
        for row in rows:
            values = list(row)
            for i in dates:
                values[i] = adapt(values[i])
            for i in decimals:
                if values[i] is not None:
                    values[i] = str(values[i])
            prepared.append(values)
        placeholders = ", ".join(["%s"] * len(COLUMNS))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO clients_client ({columns}) VALUES ({placeholders})", prepared
            )
        return
    connection.ensure_connection()
    raw = connection.connection
    with transaction.atomic(), raw.cursor() as cursor:
        cursor.execute(
            "SET LOCAL session_replication_role = replica"
        )  # no FK triggers while loading
        with cursor.copy(f"COPY clients_client ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


# --------------------------------------------------------------------------- queries
def sample_queries(args: argparse.Namespace, count: int) -> dict[str, list[str]]:
    """Requests drawn from the data: what people type to find these clients."""
    from carnet.accounts.models import Organization
    from carnet.clients.models import Client

    rng = random.Random(args.seed + 1)
    org = Organization.objects.get(slug=MAIN_SLUG)
    live = Client.objects.filter(organization=org, archived=False, deleted_at__isnull=True)
    bounds = Client.objects.filter(organization=org).order_by("id").values_list("id", flat=True)
    first, last = bounds.first(), bounds.last()
    picked: list[Client] = []
    while len(picked) < count * 3:
        ids = [rng.randint(first, last) for _ in range(count * 3)]
        picked += list(live.filter(id__in=ids).only("id", "sort_name", "siret"))
    rng.shuffle(picked)
    prefixes, substrings = [], []
    for client in picked:
        name = client.sort_name
        if len(prefixes) < count:
            prefix = name[: rng.choice((3, 4, 5, 6, 8))].rstrip()
            if len(prefix) >= 3:
                prefixes.append(prefix)
        if len(substrings) < count and len(name) >= 6:
            length = rng.choice((4, 5, 6, 7))
            start = rng.randint(1, max(1, len(name) - length))
            piece = name[start : start + length].strip()
            if len(piece) >= 3:
                substrings.append(piece)
    sirets = []
    for client in picked:
        if client.siret and len(sirets) < count:
            s = client.siret
            sirets.append(s if rng.random() < 0.5 else f"{s[:3]} {s[3:6]} {s[6:9]} {s[9:]}")
    ids = [str(rng.randint(first, last)) for _ in range(count)]
    return {
        "q=<prefix>": [f"/api/v1/clients?q={quote(p)}" for p in prefixes],
        "q=<substring>": [f"/api/v1/clients?q={quote(s)}" for s in substrings],
        "q=<SIRET>": [f"/api/v1/clients?q={quote(s)}" for s in sirets],
        "clients/{id}": [f"/api/v1/clients/{i}" for i in ids],
    }


def quote(value: str) -> str:
    from urllib.parse import quote as url_quote

    return url_quote(value, safe="")


# --------------------------------------------------------------------------- measuring
class Recorder:
    """Keeps the data statements a request sends (``connection.execute_wrapper``)."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, Any]] = []

    def __call__(
        self,
        execute: Callable[..., Any],
        sql: str,
        params: Any,
        many: bool,
        context: dict[str, Any],
    ) -> Any:
        result = execute(sql, params, many, context)  # an interrupted statement raises: not kept
        if "clients_" in sql and not many:
            self.statements.append((sql, params))
        return result


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))  # nearest rank
    return ordered[int(rank) - 1]


def measure(args: argparse.Namespace) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    from django.db import connection
    from django.test import Client as HttpClient

    from carnet.accounts.models import Organization, User
    from carnet.accounts.services import create_api_token

    org = Organization.objects.get(slug=MAIN_SLUG)
    user = User.objects.get(email=OWNER_EMAIL.replace("@", f"+{MAIN_SLUG}@"))
    token = create_api_token(org, user, name="benchmark")
    http = HttpClient(
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "fr"}, HTTP_HOST="127.0.0.1"
    )
    queries = sample_queries(args, args.queries)
    warmup = sample_queries(argparse.Namespace(**{**vars(args), "seed": args.seed + 99}), 50)

    def call(path: str) -> Any:
        response = http.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}: {response.content[:300]!r}")
        return response

    for paths in warmup.values():
        for path in paths:
            call(path)

    results = []
    stats: dict[str, Any] = {"empty": {}}
    for kind, paths in queries.items():
        recorded: list[list[tuple[str, Any]]] = []
        empty = 0
        for path in paths:  # warm-up on these very queries, and capture their SQL
            recorder = Recorder()
            with connection.execute_wrapper(recorder):
                response = call(path)
            recorded.append(recorder.statements)
            if kind.startswith("q=") and not response.json()["items"]:
                empty += 1
        stats["empty"][kind] = empty
        api_ms, sql_ms = [], []
        for i, (path, statements) in enumerate(zip(paths, recorded, strict=True)):

            def run_api(path: str = path) -> float:
                started = time.perf_counter()
                call(path)
                return (time.perf_counter() - started) * 1000

            def run_sql(statements: list[tuple[str, Any]] = statements) -> float:
                started = time.perf_counter()
                with connection.cursor() as cursor:
                    for sql, params in statements:
                        cursor.execute(sql, params)
                        cursor.fetchall()
                return (time.perf_counter() - started) * 1000

            if i % 2:  # alternate which goes first so neither always finds warmer caches
                api_ms.append(run_api())
                sql_ms.append(run_sql())
            else:
                sql_ms.append(run_sql())
                api_ms.append(run_api())
        api_median, sql_median = percentile(api_ms, 50), percentile(sql_ms, 50)
        results.append(
            {
                "kind": kind,
                "n": len(paths),
                "api_p50": api_median,
                "api_p95": percentile(api_ms, 95),
                "sql_p50": sql_median,
                "sql_p95": percentile(sql_ms, 95),
                "ratio": api_median / sql_median if sql_median else float("inf"),
                "statements": round(sum(len(s) for s in recorded) / len(recorded), 1),
            }
        )
    return results, stats


def verify(args: argparse.Namespace, count: int = 8) -> int:
    """Check a few first pages against a brute-force scan of the table."""
    from carnet.accounts.models import Organization
    from carnet.clients import queries as client_queries
    from carnet.clients.models import Client
    from carnet.clients.search import normalize_query

    org = Organization.objects.get(slug=MAIN_SLUG)
    sample = sample_queries(argparse.Namespace(**{**vars(args), "seed": args.seed + 7}), count)
    mismatches = 0
    for kind in ("q=<prefix>", "q=<substring>", "q=<SIRET>"):
        for path in sample[kind]:
            from urllib.parse import unquote

            q = unquote(path.split("q=", 1)[1])
            page = client_queries.list_clients(
                org, client_queries.ClientFilter.from_params({"q": q})
            )
            term = normalize_query(q)
            expected = list(
                Client.objects.filter(organization=org, archived=False, deleted_at__isnull=True)
                .filter(search_text__contains=term)
                .order_by("sort_name", "id")
                .values_list("id", flat=True)[:50]
            )
            if [c.pk for c in page.items] != expected:
                mismatches += 1
                print(f"  MISMATCH for q={q!r}")
    return mismatches


# --------------------------------------------------------------------------- report
def machine() -> dict[str, str]:
    from django.db import connection

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    if connection.vendor == "sqlite":
        database = f"SQLite {sqlite3.sqlite_version}"
    else:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
    import django

    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": ram,
        "database": database,
        "python": platform.python_version(),
        "django": django.get_version(),
        "os": f"{platform.system()} {platform.release()}",
        "load": " / ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


def render(
    args: argparse.Namespace,
    results: list[dict[str, Any]],
    info: dict[str, str],
    generated: float | None,
    stats: dict[str, Any],
    mismatches: int,
) -> str:
    target = TARGET_P95_MS[args.db]
    lines = [
        f"### {info['database']}",
        "",
        f"- Date: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
        f"- Machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM; {info['os']}; "
        f"load average when done {info['load']} (1/5/15 min)",
        f"- Software: Python {info['python']}, Django {info['django']}, {info['database']}",
        f"- Data: {args.clients:,} clients in the measured organization, "
        f"{args.other_organizations} other organizations × {args.other_clients:,}",
        f"- Command: `.venv/bin/python bench/search.py --db {args.db} --clients {args.clients}`",
        f"- Requests: {args.queries} different ones per line, after a warm-up; "
        f"first pages of 50; times in ms",
        "",
        "| request | API p50 | API p95 | bare SQL p50 | bare SQL p95 | ratio (p50) "
        "| statements | target met |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        met = r["api_p95"] <= target and r["ratio"] <= TARGET_RATIO
        lines.append(
            f"| `{r['kind']}` | {r['api_p50']:.2f} | {r['api_p95']:.2f} | {r['sql_p50']:.2f} | "
            f"{r['sql_p95']:.2f} | {r['ratio']:.1f} | {r['statements']} | "
            f"{'yes' if met else 'no'} |"
        )
    lines += [
        "",
        f"Targets: API p95 ≤ {target:.0f} ms, API / bare SQL ≤ {TARGET_RATIO:.0f}. "
        f"Searches with no result: {stats['empty']}. "
        "First pages checked against a full scan: "
        f"{'all equal' if not mismatches else f'{mismatches} differ'}.",
    ]
    if generated is not None:
        lines.append(f"Generating the data set took {generated:.0f} s.")
    return "\n".join(lines) + "\n"


def update_doc(db: str, section: str) -> None:
    start, end = f"<!-- bench:{db}:start -->", f"<!-- bench:{db}:end -->"
    text = DOC.read_text() if DOC.exists() else "# Performance\n"
    block = f"{start}\n{section}{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    DOC.write_text(text)


def main() -> None:
    args = parse_args()
    configure(args)
    generated = ensure_data(args)
    if generated is not None:
        print(f"data set generated in {generated:.0f} s")
    else:
        print("reusing the cached data set")
    print("measuring…", flush=True)
    results, stats = measure(args)
    mismatches = verify(args)
    info = machine()
    target = TARGET_P95_MS[args.db]
    print()
    print(f"{info['database']} — {info['cpu']}, {info['cores']} cores, {info['ram']}")
    print(f"{'request':<16}{'API p50':>9}{'API p95':>9}{'SQL p50':>9}{'SQL p95':>9}{'ratio':>7}")
    for r in results:
        flag = "" if r["api_p95"] <= target and r["ratio"] <= TARGET_RATIO else "  <- target missed"
        print(
            f"{r['kind']:<16}{r['api_p50']:>9.2f}{r['api_p95']:>9.2f}{r['sql_p50']:>9.2f}"
            f"{r['sql_p95']:>9.2f}{r['ratio']:>7.1f}{flag}"
        )
    print(
        f"targets: p95 <= {target:.0f} ms, ratio <= {TARGET_RATIO:.0f}; empty results: "
        f"{stats['empty']}; full-scan check mismatches: {mismatches}"
    )
    if not args.no_doc:
        update_doc(args.db, render(args, results, info, generated, stats, mismatches))
        print(f"updated {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
