"""What the benchmarks share: the benchmark database, its data set, timing, the report.

- ``configure`` points Django at the benchmark database (SQLite in bench/data/, never the
  application's var/; PostgreSQL in ``carnet_bench``) before Django is set up;
- ``ensure_data`` generates the data set once (``clients_data`` makes the rows) and reuses
  it while its description matches (sizes, seed, ``DATASET_VERSION``);
- ``measure`` times requests through the real stack beside the bare replay of the SQL
  they sent (``Recorder``), with nearest-rank ``percentile``;
- ``machine``, ``environment_lines`` and ``update_doc`` write the figures into
  docs/PERFORMANCE.md, each script in its own marked sections.

Nothing here imports Django or Carnet at module level: ``configure`` must run first.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import re
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote as url_quote

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
DATA_DIR = BENCH_DIR / "data"
DOC = ROOT / "docs" / "PERFORMANCE.md"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/carnet_bench"
MAIN_SLUG = "bench"
OTHER_SLUG = "bench-other-{:02d}"
OWNER_EMAIL = "bench@carnet.invalid"
BATCH = 20_000  # clients generated and loaded per transaction
# Bump when the generator changes what it produces: older cached data sets are rebuilt.
# 2: contacts, custom fields and their value index, category groups, phones in search_text.
DATASET_VERSION = 2
MARKER_TABLE = "bench_dataset"
# The big tables: their secondary indexes are dropped while loading, rebuilt after.
LOADED_TABLES = (
    "clients_client",
    "contacts_contact",
    "contacts_clientcontact",
    "clients_clienttag",
    "customfields_customfieldvalue",
)


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
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


def with_seed(args: argparse.Namespace, offset: int) -> argparse.Namespace:
    """The same arguments with another seed: another sample of requests."""
    return argparse.Namespace(**{**vars(args), "seed": args.seed + offset})


def owner_email(slug: str) -> str:
    return OWNER_EMAIL.replace("@", f"+{slug}@")


def quote(value: str) -> str:
    return url_quote(value, safe="")


# --------------------------------------------------------------------------- database
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


def start(args: argparse.Namespace) -> float | None:
    """Configure Django for the benchmark database and make sure the data set is there,
    saying whether it was generated (and in how long, not timed) or reused."""
    configure(args)
    generated = ensure_data(args)
    print(
        f"data set generated in {generated:.0f} s (not timed)"
        if generated is not None
        else "reusing the cached data set",
        flush=True,
    )
    return generated


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
def wanted_counts(args: argparse.Namespace) -> dict[str, int]:
    wanted = {MAIN_SLUG: args.clients}
    for i in range(1, args.other_organizations + 1):
        wanted[OTHER_SLUG.format(i)] = args.other_clients
    return wanted


def current_counts() -> dict[str, int]:
    from django.db.models import Count

    from carnet.accounts.models import Organization

    return dict(
        Organization.objects.filter(slug__startswith=MAIN_SLUG)
        .annotate(n=Count("clients"))
        .values_list("slug", "n")
    )


def wanted_description(args: argparse.Namespace) -> str:
    """What the cached data set must be to be reused (stored in ``MARKER_TABLE``)."""
    return json.dumps(
        {"version": DATASET_VERSION, "seed": args.seed, "organizations": wanted_counts(args)},
        sort_keys=True,
    )


def stored_description() -> str | None:
    from django.db import connection

    if MARKER_TABLE not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {MARKER_TABLE} WHERE name = 'description'")
        row = cursor.fetchone()
    return row[0] if row else None


def ensure_data(args: argparse.Namespace) -> float | None:
    """Generate the data set unless the database already holds it. Returns the seconds
    spent generating, or None when the cached data set was reused."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    prepare_static_files()
    counts = current_counts()
    if stored_description() == wanted_description(args) and counts == wanted_counts(args):
        return None
    if counts or stored_description() is not None:
        print("the cached data set is not the one asked for (sizes, seed or version): rebuilding")
        connection.close()
        if args.db == "postgres":
            ensure_pg_database(args.database_url, drop=True)
        else:
            remove_sqlite_files(DATA_DIR / args.db)
        call_command("migrate", verbosity=0)
    started = time.perf_counter()
    generate(args)
    return time.perf_counter() - started


def prepare_static_files() -> None:
    """Collect the static files as ``carnet serve`` does (the pages' templates need the
    manifest), when they are missing or stale."""
    from django.core.management import call_command

    from carnet.server import static_files_are_stale

    if static_files_are_stale():
        call_command("collectstatic", interactive=False, verbosity=0)


@dataclass
class OrganizationPlan:
    organization: Any
    count: int
    owners: list[int]
    categories: list[int]
    tags: list[int]
    custom_fields: list[Any]


def create_organizations(args: argparse.Namespace) -> list[OrganizationPlan]:
    """The organizations, their members, category groups, categories, tags and custom
    fields, through the ORM (a few rows each)."""
    from clients_data import CATEGORY_GROUPS, CUSTOM_FIELDS, TAGS

    from carnet.accounts.models import User
    from carnet.accounts.services import add_member, create_organization
    from carnet.clients.models import Category, CategoryGroup, Tag
    from carnet.customfields.models import CustomField

    plans = []
    for slug, count in wanted_counts(args).items():
        org, owner = create_organization(
            slug=slug, name=f"Benchmark {slug}", admin_email=owner_email(slug)
        )
        owners = [owner.pk] + [
            add_member(org, email=f"commercial{i}+{slug}@carnet.invalid").user.pk for i in range(3)
        ]
        categories = []
        for group_name, names in CATEGORY_GROUPS.items():
            group = CategoryGroup.objects.create(organization=org, name=group_name)
            categories += [
                Category.objects.create(organization=org, name=name, group=group).pk
                for name in names
            ]
        tags = [Tag.objects.create(organization=org, name=name).pk for name in TAGS]
        fields = [
            CustomField.objects.create(
                organization=org,
                name=spec["name"],
                slug=spec["slug"],
                type=spec["type"],
                choices=list(spec["choices"]),
                position=position,
            )
            for position, spec in enumerate(CUSTOM_FIELDS)
        ]
        plans.append(OrganizationPlan(org, count, owners, categories, tags, fields))
    User.objects.filter(email__endswith="@carnet.invalid").update(password="!")
    return plans


def generate(args: argparse.Namespace) -> None:
    from clients_data import TABLES, ClientRows
    from django.db import connection, transaction

    from carnet.core.models import Sequence

    plans = create_organizations(args)
    total = sum(p.count for p in plans)
    vendor = connection.vendor
    print(f"generating {total:,} clients in {len(plans)} organizations ({vendor})…", flush=True)
    dropped = drop_secondary_structures(vendor)
    started = time.perf_counter()
    done = 0
    loaded = dict.fromkeys(TABLES, 0)
    next_client_id = next_contact_id = 1
    for index, plan in enumerate(plans):
        rows = ClientRows(
            args.seed + index,
            plan.organization.pk,
            plan.owners,
            plan.categories,
            plan.tags,
            plan.custom_fields,
        )
        for batch in rows.batches(
            plan.count, BATCH, first_client_id=next_client_id, first_contact_id=next_contact_id
        ):
            with transaction.atomic():
                for table, table_rows in batch.items():
                    insert_rows(vendor, table, TABLES[table], table_rows)
                    loaded[table] += len(table_rows)
            done += len(batch["clients_client"])
            if done % 100_000 < BATCH:
                rate = done / (time.perf_counter() - started)
                print(f"  {done:>9,} clients  ({rate:,.0f} clients/s)", flush=True)
        next_client_id += plan.count
        next_contact_id = rows.next_contact_id
        Sequence.objects.update_or_create(
            organization=plan.organization,
            name="client_reference",
            defaults={"last_value": plan.count},
        )
    print(
        f"  rows loaded in {time.perf_counter() - started:.0f} s: "
        + ", ".join(f"{table} {n:,}" for table, n in loaded.items()),
        flush=True,
    )
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("clients_client", "contacts_contact"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
    started = time.perf_counter()
    print("  building indexes and statistics…", flush=True)
    restore_secondary_structures(vendor, dropped)
    print(f"  indexes built in {time.perf_counter() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {MARKER_TABLE} (name VARCHAR(64) PRIMARY KEY, value TEXT)")
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (name, value) VALUES ('description', %s)",
            [wanted_description(args)],
        )


def drop_secondary_structures(vendor: str) -> list[str]:
    """Drop the secondary indexes, unique constraints (PostgreSQL) and search triggers of
    the big tables: loading then indexing is several times faster than maintaining them
    row by row. Returns the SQL that recreates them."""
    from django.db import connection

    tables = ", ".join(f"'{t}'" for t in LOADED_TABLES)
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute(
                f"SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN ({tables}) "
                "AND type IN ('index', 'trigger') AND sql IS NOT NULL"
            )
            found = cursor.fetchall()
            for kind, name, _sql in found:
                cursor.execute(f'DROP {kind.upper()} "{name}"')
            cursor.execute("PRAGMA synchronous = OFF")
            return [sql for _kind, _name, sql in found]
        cursor.execute(
            "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid "
            f"WHERE t.relname IN ({tables}) AND c.contype = 'u'"
        )
        constraints = cursor.fetchall()
        for table, name, _definition in constraints:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            f"WHERE t.relname IN ({tables}) AND NOT x.indisprimary AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)"
        )
        indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        return [
            f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
            for table, name, definition in constraints
        ] + [sql for _name, sql in indexes]


def restore_secondary_structures(vendor: str, statements: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if vendor == "sqlite":
            for statement in statements:
                cursor.execute(statement)
            if any("clients_client_fts" in s for s in statements):
                # The trigram table is contentless, keyed by name order
                # (clients migration 0011): fill it as its triggers would have.
                cursor.execute(
                    "INSERT INTO clients_client_fts(clients_client_fts) VALUES ('delete-all')"
                )
                cursor.execute(
                    "INSERT INTO clients_client_fts(rowid, search_text) "
                    "SELECT carnet_name_key(sort_name, id), search_text FROM clients_client"
                )
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for statement in statements:
            cursor.execute(statement)
        cursor.execute("VACUUM ANALYZE")


def insert_rows(
    vendor: str, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Bulk-load rows: ``executemany`` on SQLite, ``COPY`` on PostgreSQL (inside the
    caller's transaction)."""
    from django.db import connection

    if not rows:
        return
    names = ", ".join(columns)
    if vendor == "sqlite":
        adapt = connection.ops.adapt_datetimefield_value
        dates = [i for i, c in enumerate(columns) if c.endswith("_at")]
        decimals = [i for i, c in enumerate(columns) if c in ("share_capital", "revenue")]
        prepared: Iterable[Any] = rows
        if dates or decimals:
            converted = []
            for row in rows:
                values = list(row)
                for i in dates:
                    values[i] = adapt(values[i])
                for i in decimals:
                    if values[i] is not None:
                        values[i] = str(values[i])
                converted.append(values)
            prepared = converted
        placeholders = ", ".join(["%s"] * len(columns))
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", prepared)
        return
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # no FK triggers
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def data_sizes(organization_id: int) -> dict[str, int]:
    """Rows of the measured organization in each loaded table."""
    from django.db import connection

    sizes = {}
    with connection.cursor() as cursor:
        for table in LOADED_TABLES:
            cursor.execute(
                f"SELECT count(*) FROM {table} WHERE organization_id = %s", [organization_id]
            )
            sizes[table] = cursor.fetchone()[0]
    return sizes


def live_ids(organization_id: int) -> list[int]:
    """Ids of the organization's active clients (neither archived nor in the trash)."""
    from carnet.clients.models import Client

    return list(
        Client.objects.filter(
            organization_id=organization_id, archived=False, deleted_at__isnull=True
        )
        .order_by("id")
        .values_list("id", flat=True)
    )


def sample_clients(
    organization_id: int, count: int, rng: random.Random, *fields: str, live: bool = True
) -> list[dict[str, Any]]:
    """About ``count`` clients drawn at random (by id), as dicts of ``fields``."""
    from carnet.clients.models import Client

    clients = Client.objects.filter(organization_id=organization_id)
    if live:
        clients = clients.filter(archived=False, deleted_at__isnull=True)
    bounds = Client.objects.filter(organization_id=organization_id).order_by("id")
    first = bounds.values_list("id", flat=True).first()
    last = bounds.reverse().values_list("id", flat=True).first()
    if first is None or last is None:
        return []
    picked: dict[int, dict[str, Any]] = {}
    for _attempt in range(20):
        ids = {rng.randint(first, last) for _ in range(count * 2)}
        for row in clients.filter(id__in=ids).values("id", *fields):
            picked[row["id"]] = row
        if len(picked) >= count:
            break
    rows = sorted(picked.values(), key=lambda r: r["id"])
    rng.shuffle(rows)
    return rows[:count]


# --------------------------------------------------------------------------- measuring
_TRANSACTION_CONTROL = re.compile(r"^\s*(SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT)\b", re.I)
# The table a statement reads or writes first.
_MAIN_TABLE = re.compile(
    r'^\s*(?:SELECT\b.*?\bFROM|UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+"?(\w+)', re.I | re.S
)
# Token and session authentication, and the request's user: left out of "bare SQL".
AUTH_TABLES = ("accounts_apitoken", "accounts_user", "accounts_membership", "django_session")


def is_data_statement(sql: str) -> bool:
    """Whether ``sql`` is part of the request's data work rather than authentication or
    transaction control."""
    if _TRANSACTION_CONTROL.match(sql):
        return False
    found = _MAIN_TABLE.match(sql)
    return found is None or found.group(1) not in AUTH_TABLES


@dataclass
class Statement:
    """One data statement a request sent; ``interrupted`` when the list's planner stopped
    it (an SQLite walk over its budget, interrupted by the progress handler)."""

    sql: str
    params: Any
    interrupted: bool = False


class Recorder:
    """Keeps the data statements a request sends (``connection.execute_wrapper``);
    ``total`` counts every statement, authentication included.

    On SQLite the planner's walk may be interrupted while its rows are fetched, after
    ``execute`` returned: the cursor's fetch methods are watched to notice it.
    """

    def __init__(self) -> None:
        self.statements: list[Statement] = []
        self.total = 0

    def __call__(
        self,
        execute: Callable[..., Any],
        sql: str,
        params: Any,
        many: bool,
        context: dict[str, Any],
    ) -> Any:
        self.total += 1
        statement = Statement(sql, params)
        keep = not many and is_data_statement(sql)
        try:
            result = execute(sql, params, many, context)
        except Exception as exc:
            if keep and "interrupted" in str(exc):
                statement.interrupted = True
                self.statements.append(statement)
            raise
        if keep:
            self.statements.append(statement)
            self._watch_fetches(context.get("cursor"), statement)
        return result

    @staticmethod
    def _watch_fetches(wrapper: Any, statement: Statement) -> None:
        cursor = getattr(wrapper, "cursor", None)
        if cursor is None or not hasattr(cursor, "__dict__"):
            return  # not an SQLite cursor: nothing interrupts statements there
        cursor.__dict__["_bench_statement"] = statement
        for name in ("fetchone", "fetchmany", "fetchall"):
            if name in cursor.__dict__:
                continue
            original = getattr(cursor, name)

            def watched(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
                try:
                    return _original(*args, **kwargs)
                except Exception as exc:
                    if "interrupted" in str(exc):
                        cursor.__dict__["_bench_statement"].interrupted = True
                    raise

            try:
                setattr(cursor, name, watched)
            except AttributeError:
                return


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))  # nearest rank
    return ordered[int(rank) - 1]


class RequestFailed(Exception):
    """A request answered something else than 200."""

    def __init__(self, path: str, status: int, body: bytes) -> None:
        super().__init__(f"{path} answered {status}: {body[:300]!r}")
        self.path = path
        self.status = status


@dataclass
class Measured:
    """The figures of one kind of request; ``error`` set when it could not be measured."""

    kind: str
    n: int = 0
    api_p50: float = 0.0
    api_p95: float = 0.0
    sql_p50: float = 0.0
    sql_p95: float = 0.0
    statements: float = 0.0
    empty: int = 0
    error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.api_p50 / self.sql_p50 if self.sql_p50 else float("inf")


def replay(statements: list[Statement]) -> float:
    """Run ``statements`` with a raw cursor, fetching every row; milliseconds. A statement
    the planner interrupted runs under the same budget, so it does the same work."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for statement in statements:
            if statement.interrupted:
                _run_with_budget(cursor, statement)
                continue
            cursor.execute(statement.sql, statement.params)
            if cursor.description is not None:
                cursor.fetchall()
    return (time.perf_counter() - started) * 1000


def _run_with_budget(cursor: Any, statement: Statement) -> None:
    from django.db import OperationalError, connection

    from carnet.clients import planner

    calls = 0

    def stop_when_spent() -> int:
        nonlocal calls
        calls += 1
        return int(calls > planner.WALK_BUDGET)

    raw = connection.connection
    raw.set_progress_handler(stop_when_spent, getattr(planner, "_PROGRESS_STEP", 1000))
    try:
        cursor.execute(statement.sql, statement.params)
        cursor.fetchall()
    except OperationalError:
        pass
    finally:
        raw.set_progress_handler(None, 0)


def measure(
    kind: str,
    paths: list[str],
    call: Callable[[str], Any],
    *,
    is_empty: Callable[[Any], bool] | None = None,
) -> Measured:
    """Time each request of ``paths`` through ``call`` (which raises ``RequestFailed``
    on an error) beside the bare replay of its data statements.

    A first pass warms up on these very requests and records their SQL; the measured
    pass then alternates which of the two runs first, so neither always finds warmer
    caches. A request that fails makes the whole kind an error (reported, not raised).
    """
    from django.db import connection

    result = Measured(kind, n=len(paths))
    if not paths:
        result.error = "no request could be drawn from the data"
        return result
    recorded: list[list[Statement]] = []
    api_ms: list[float] = []
    sql_ms: list[float] = []
    current = paths[0]
    try:
        for current in paths:
            recorder = Recorder()
            with connection.execute_wrapper(recorder):
                response = call(current)
            recorded.append(recorder.statements)
            if is_empty is not None and is_empty(response):
                result.empty += 1
        for i, (current, statements) in enumerate(zip(paths, recorded, strict=True)):
            if i % 2:
                started = time.perf_counter()
                call(current)
                api_ms.append((time.perf_counter() - started) * 1000)
                sql_ms.append(replay(statements))
            else:
                sql_ms.append(replay(statements))
                started = time.perf_counter()
                call(current)
                api_ms.append((time.perf_counter() - started) * 1000)
    except RequestFailed as exc:
        result.error = str(exc)
        return result
    except Exception as exc:  # a broken endpoint must not stop the other measurements
        result.error = f"{current} raised {exc!r}"[:500]
        return result
    result.api_p50, result.api_p95 = percentile(api_ms, 50), percentile(api_ms, 95)
    result.sql_p50, result.sql_p95 = percentile(sql_ms, 50), percentile(sql_ms, 95)
    result.statements = round(sum(len(s) for s in recorded) / len(recorded), 1)
    return result


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


def environment_lines(
    args: argparse.Namespace, info: dict[str, str], script: str, data: str = ""
) -> list[str]:
    """The lines saying when, where, with what and on which data a section was measured."""
    return [
        f"- Date: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
        f"- Machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM; {info['os']}; "
        f"load average when done {info['load']} (1/5/15 min)",
        f"- Software: Python {info['python']}, Django {info['django']}, {info['database']}",
        f"- Data: {args.clients:,} clients in the measured organization, "
        f"{args.other_organizations} other organizations × {args.other_clients:,}{data}",
        f"- Command: `.venv/bin/python bench/{script} --db {args.db} --clients {args.clients}`",
    ]


def update_doc(name: str, section: str, *, after: tuple[str, ...] = ()) -> None:
    """Rewrite the marked section ``name`` of docs/PERFORMANCE.md. A missing section goes
    after the last present one of ``after`` (keeping related sections in order), else at
    the end."""
    start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
    text = DOC.read_text() if DOC.exists() else "# Performance\n"
    block = f"{start}\n{section}{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + block + rest.split(end, 1)[1]
    else:
        anchors = [f"<!-- bench:{a}:end -->" for a in after if f"<!-- bench:{a}:end -->" in text]
        if anchors:
            anchor = max(anchors, key=text.index)
            before, rest = text.split(anchor, 1)
            text = before + anchor + "\n\n" + block + rest
        else:
            text = text.rstrip("\n") + "\n\n" + block + "\n"
    DOC.write_text(text)
