"""Organizing and finding clients at a million: search, filtered and sorted lists, the
picker, the list page and bulk tagging. Not a test: run it by hand or `make bench`.

    .venv/bin/python bench/organize.py --db sqlite   --clients 1000000
    .venv/bin/python bench/organize.py --db postgres --clients 1000000

On the data set bench/search.py uses too (generated once, then reused: ``common``), it
measures in-process, through the real stack (Django test client, bearer token or session,
middleware, django-ninja or the template), 200 different requests per kind drawn from the
data, after a warm-up on those very requests:

    GET /api/v1/clients?q=…              prefix, substring, identifier, telephone number
    GET /api/v1/clients?<filters>&sort=… category, tags, kind and country, owner, dates,
                                         custom field, archived, search within a category
    GET /api/v1/clients/picker?q=…
    GET /clients/?…                      the list page's HTML, logged in
    POST /api/v1/clients/bulk            tag 100,000 clients, three times

each beside "bare SQL": the replay, with a raw cursor, of the statements the request sent
(minus authentication), or for the bulk action the same change written by hand as
set-based SQL (rolled back). It checks a few first pages against a brute-force query,
prints p50, p95, the ratio to bare SQL and whether each target is met, and rewrites its
sections of docs/PERFORMANCE.md. A request that fails is reported and the others go on.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import common
from common import MAIN_SLUG, Measured, RequestFailed, quote

SCRIPT = "organize.py"
# p95 targets of the issue, in ms, per group of requests.
TARGETS_MS = {"search": 20.0, "list": 30.0, "picker": 15.0, "page": 50.0}
GROUP_TITLES = {
    "search": "Search, `GET /api/v1/clients?q=…`",
    "list": "Filtered and sorted lists, `GET /api/v1/clients?…`",
    "picker": "Picker, `GET /api/v1/clients/picker?…`",
    "page": "The list page's HTML, `GET /clients/?…` (logged in)",
}
BULK_TARGET_S = 10.0
BULK_SIZE = 100_000
BULK_RUNS = 3
BULK_TAG = "Bench {}"
BARE_TAG = "Bench bare {}"
VERIFY_PER_KIND = 3
PAGE_SIZE = 50  # the API's default limit
PICKER_LIMIT = 10  # the picker's


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common.add_common_arguments(parser)
    parser.add_argument(
        "--bulk-size", type=int, default=BULK_SIZE, help="clients tagged per bulk action"
    )
    parser.add_argument("--skip-bulk", action="store_true", help="leave out the bulk action")
    return parser.parse_args()


# --------------------------------------------------------------------------- requests
@dataclass
class Kind:
    """One line of the report: a group (for its target), a label and its requests."""

    group: str
    label: str
    paths: list[str] = field(default_factory=list)


class Sampler:
    """Draws requests from the data: the names, identifiers and numbers of real clients,
    and the tags, categories, owners and countries the organization uses."""

    def __init__(self, organization: Any, seed: int) -> None:
        from carnet.clients.models import Category, Client, Tag

        self.org = organization
        self.rng = random.Random(seed)
        fields = ("name", "siret", "siren", "email", "reference", "phone", "mobile")
        self.clients = common.sample_clients(organization.pk, 2000, self.rng, *fields)
        self.tags = sorted(
            Tag.objects.filter(organization=organization).values_list("name", flat=True)
        )
        categories = dict(
            Category.objects.filter(organization=organization).values_list("id", "name")
        )
        self.categories = sorted(categories.values())
        with_category = common.sample_clients(
            organization.pk, 1000, self.rng, "name", "category_id"
        )
        self.named_in_category = [
            (c["name"], categories[c["category_id"]]) for c in with_category if c["category_id"]
        ]
        clients = Client.objects.filter(organization=organization)
        self.owners = sorted(
            clients.exclude(owner_id=None).values_list("owner_id", flat=True).distinct()
        )
        self.countries = sorted(
            clients.exclude(country="FR").values_list("country", flat=True).distinct()
        )
        dates = clients.order_by("created_at").values_list("created_at", flat=True)
        self.first_day = dates.first().date()
        self.last_day = dates.reverse().first().date()

    def pick(self, values: list[Any]) -> Any:
        return self.rng.choice(values)

    def prefix(self, name: str, lengths: tuple[int, ...]) -> str:
        return name[: self.rng.choice(lengths)].strip()

    def prefixes(self, count: int, lengths: tuple[int, ...] = (3, 4, 5, 6, 7, 8)) -> list[str]:
        found = [self.prefix(c["name"], lengths) for c in self.clients]
        found = [p for p in found if len(p) >= min(lengths)]
        return found[:count]

    def substrings(self, count: int) -> list[str]:
        found = []
        for client in self.clients:
            name = client["name"]
            length = self.rng.choice((3, 4, 5, 6, 7))
            if len(name) < length + 2:
                continue
            start = self.rng.randint(1, len(name) - length)
            piece = name[start : start + length].strip()
            if len(piece) >= 3:
                found.append(piece)
        return found[:count]

    def identifiers(self, count: int) -> list[str]:
        """SIRETs (half typed with spaces), SIRENs, e-mails and references, mixed."""
        found: list[str] = []
        kinds = ("siret", "siren", "email", "reference")
        for i, client in enumerate(c for c in self.clients if c["siret"] and c["email"]):
            kind = kinds[i % len(kinds)]
            value = client[kind]
            if kind == "siret" and self.rng.random() < 0.5:
                value = f"{value[:3]} {value[3:6]} {value[6:9]} {value[9:]}"
            found.append(value)
            if len(found) == count:
                break
        return found

    def phones(self, count: int) -> list[str]:
        """Telephone numbers as people type them: grouped, run together, international,
        dotted, or only the last six digits."""
        found: list[str] = []
        for client in self.clients:
            number = client["phone"] or client["mobile"]
            if not number.startswith("+33"):
                continue
            national = "0" + number[3:]
            pairs = [national[i : i + 2] for i in range(0, 10, 2)]
            style = len(found) % 5
            if style == 0:
                found.append(" ".join(pairs))
            elif style == 1:
                found.append(national)
            elif style == 2:
                found.append(f"+33 {national[1]} " + " ".join(pairs[1:]))
            elif style == 3:
                found.append(".".join(pairs))
            else:
                found.append(national[-6:])
            if len(found) == count:
                break
        return found

    def day(self) -> datetime.date:
        span = (self.last_day - self.first_day).days - 90
        return self.first_day + datetime.timedelta(days=self.rng.randrange(max(1, span)))


def api_path(params: list[tuple[str, str]] | dict[str, str]) -> str:
    return "/api/v1/clients?" + urlencode(params)


def sample_kinds(organization: Any, seed: int, count: int) -> list[Kind]:
    """Every kind of request, ``count`` of each."""
    s = Sampler(organization, seed)
    kinds = [
        Kind("search", "q=<prefix>", [api_path({"q": q}) for q in s.prefixes(count)]),
        Kind("search", "q=<substring>", [api_path({"q": q}) for q in s.substrings(count)]),
        Kind("search", "q=<identifier>", [api_path({"q": q}) for q in s.identifiers(count)]),
        Kind("search", "q=<phone>", [api_path({"q": q}) for q in s.phones(count)]),
    ]

    def lists(label: str, make: Callable[[], list[tuple[str, str]]]) -> Kind:
        return Kind("list", label, [api_path(make()) for _ in range(count)])

    def two_tags() -> list[tuple[str, str]]:
        a, b = s.rng.sample(s.tags, 2)
        return [("tag", a), ("tag", b)]

    def dates() -> list[tuple[str, str]]:
        day = s.day()
        end = day + datetime.timedelta(days=90)
        return [
            ("created_after", day.isoformat()),
            ("created_before", end.isoformat()),
            ("sort", "name"),
        ]

    def prefix_in_category() -> list[tuple[str, str]]:
        while True:
            name, category = s.pick(s.named_in_category)
            prefix = s.prefix(name, (3, 4, 5, 6))
            if len(prefix) >= 3:
                return [("q", prefix), ("category", category)]

    kinds += [
        lists(
            "category=<c>&sort=name", lambda: [("category", s.pick(s.categories)), ("sort", "name")]
        ),
        lists(
            "tag=<t>&sort=-created_at", lambda: [("tag", s.pick(s.tags)), ("sort", "-created_at")]
        ),
        lists("tag=<a>&tag=<b>", two_tags),
        lists(
            "kind=company&country=<c>",
            lambda: [("kind", "company"), ("country", s.pick(s.countries))],
        ),
        lists(
            "owner=<id>&sort=-revenue",
            lambda: [("owner", str(s.pick(s.owners))), ("sort", "-revenue")],
        ),
        lists("created_after=<d>&created_before=<d+90>&sort=name", dates),
        lists("cf_niveau=<level>", lambda: [("cf_niveau", s.pick(["Bronze", "Argent", "Or"]))]),
        lists(
            "cf_niveau=Or&tag=<t>&sort=-created_at",
            lambda: [("cf_niveau", "Or"), ("tag", s.pick(s.tags)), ("sort", "-created_at")],
        ),
        lists(
            "archived=all&category=<c>",
            lambda: [("archived", "all"), ("category", s.pick(s.categories))],
        ),
        lists("q=<prefix>&category=<c>", prefix_in_category),
    ]
    picker = []
    for i, q in enumerate(s.prefixes(count, (2, 3, 4, 5, 6))):
        params = {"q": q, "archived": "all"} if i % 10 == 9 else {"q": q}
        picker.append("/api/v1/clients/picker?" + urlencode(params))
    kinds.append(Kind("picker", "picker?q=<2–6 letters> (1 in 10 with archived=all)", picker))
    kinds += [
        Kind("page", "(no filter: the first page)", ["/clients/"] * count),
        Kind("page", "q=<prefix>", [f"/clients/?q={quote(q)}" for q in s.prefixes(count)]),
        Kind("page", "tag=<t>", [f"/clients/?tag={quote(s.pick(s.tags))}" for _ in range(count)]),
        Kind(
            "page",
            "category=<c>&sort=-created_at",
            [
                f"/clients/?category={quote(s.pick(s.categories))}&sort=-created_at"
                for _ in range(count)
            ],
        ),
    ]
    return kinds


# --------------------------------------------------------------------------- clients
@dataclass
class Http:
    """The two ways in: the API with a bearer token, the web pages with a session."""

    api: Any
    web: Any

    def call(self, path: str) -> Any:
        client = self.api if path.startswith("/api/") else self.web
        response = client.get(path)
        if response.status_code != 200:
            raise RequestFailed(path, response.status_code, response.content)
        return response


def http_clients(organization: Any, user: Any) -> Http:
    from django.test import Client as HttpClient

    from carnet.accounts.services import create_api_token

    token = create_api_token(organization, user, name="benchmark")
    api = HttpClient(
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "fr"}, HTTP_HOST="127.0.0.1"
    )
    web = HttpClient(headers={"Accept-Language": "fr"}, HTTP_HOST="127.0.0.1")
    web.force_login(user)
    return Http(api, web)


def no_items(response: Any) -> bool:
    if not response.get("Content-Type", "").startswith("application/json"):
        return False
    return not response.json()["items"]


def measure_requests(kinds: list[Kind], http: Http) -> list[Measured]:
    results = []
    for kind in kinds:
        print(f"  {kind.group:<7}{kind.label}", flush=True)
        result = common.measure(kind.label, kind.paths, http.call, is_empty=no_items)
        result.extra["group"] = kind.group
        if result.error:
            print(f"    ERROR {result.error}", flush=True)
        results.append(result)
    return results


# --------------------------------------------------------------------------- bulk
@dataclass
class BulkRun:
    size: int
    api_s: float = 0.0
    sql_s: float = 0.0
    statements: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    error: str = ""


def bulk_tagging(
    args: argparse.Namespace, organization: Any, user: Any, http: Http
) -> list[BulkRun]:
    """Tag ``--bulk-size`` active clients through the API, ``BULK_RUNS`` times with a new
    tag each time, each run after its bare-SQL counterpart (rolled back) on the same ids,
    each measurement on vacuumed tables (``settle``); then put the data set back as it
    was."""
    from django.db import connection

    from carnet.core.models import ChangeRecord

    remove_bench_tags(organization.pk, since_change=None)
    last_change = ChangeRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
    rng = random.Random(args.seed + 5)
    pool = common.live_ids(organization.pk)
    size = min(args.bulk_size, len(pool))
    runs = []
    try:
        for run in range(1, BULK_RUNS + 1):
            ids = rng.sample(pool, size)
            result = BulkRun(size)
            runs.append(result)
            settle()
            result.sql_s = bare_bulk_tag(organization.pk, user.pk, ids, BARE_TAG.format(run))
            settle()
            body = json.dumps(
                {"action": "tag", "tags": [BULK_TAG.format(run)], "ids": ids}, separators=(",", ":")
            )
            recorder = common.Recorder()
            try:
                with connection.execute_wrapper(recorder):
                    started = time.perf_counter()
                    response = http.api.post(
                        "/api/v1/clients/bulk", body, content_type="application/json"
                    )
                    result.api_s = time.perf_counter() - started
            except Exception as exc:  # a broken endpoint must not stop the report
                result.error = f"POST /api/v1/clients/bulk raised {exc!r}"[:500]
                continue
            result.statements = recorder.total
            if response.status_code != 200:
                result.error = (
                    f"POST /api/v1/clients/bulk answered {response.status_code}: "
                    f"{response.content[:300]!r}"
                )
                continue
            result.counts = response.json()["counts"]
            if result.counts.get("done") != size:
                result.error = f"expected done == {size:,}, got {result.counts}"
            print(
                f"  bulk tag run {run}: API {result.api_s:.2f} s, bare SQL {result.sql_s:.2f} s, "
                f"counts {result.counts}",
                flush=True,
            )
    finally:
        started = time.perf_counter()
        remove_bench_tags(organization.pk, since_change=last_change)
        print(f"  bench tags removed in {time.perf_counter() - started:.0f} s", flush=True)
    return runs


def settle() -> None:
    """On PostgreSQL, vacuum the tables a bulk action writes before measuring one: the
    row versions the previous measurement left (committed, or rolled back) would
    otherwise fill the pages' free space, and every update of the next one would have
    to move its row and touch all the table's indexes instead of staying on its page.
    Autovacuum does the same between a user's actions."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in ("clients_client", "clients_clienttag", "core_changerecord"):
            cursor.execute(f"VACUUM {table}")


def bare_bulk_tag(organization_id: int, user_id: int, ids: list[int], tag_name: str) -> float:
    """The bulk action's result written by hand as set-based SQL, in one transaction that
    is rolled back: create the tag, link it to the clients that are not in the trash,
    record one change per client with its old and new tag lists, bump their version.
    Returns the seconds taken (the rollback left out)."""
    from django.db import connection, transaction
    from django.utils import timezone

    now = connection.ops.adapt_datetimefield_value(timezone.now())
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        tag_list = (
            "json((SELECT json_group_array(name) FROM (SELECT t.name FROM clients_clienttag o "
            "JOIN clients_tag t ON t.id = o.tag_id WHERE o.organization_id = %s "
            "AND o.client_id = ct.client_id{extra} ORDER BY lower(t.name))))"
        )
        changes = f"json_object('tags', json_object('old', {tag_list}, 'new', {tag_list}))"
        create_ids = "CREATE TEMP TABLE bench_bulk_ids (id INTEGER PRIMARY KEY)"
        fill_ids = "INSERT INTO bench_bulk_ids (id) SELECT value FROM json_each(%s)"
        ids_param: Any = json.dumps(ids)
    else:
        tag_list = (
            "coalesce((SELECT jsonb_agg(t.name ORDER BY lower(t.name)) FROM clients_clienttag o "
            "JOIN clients_tag t ON t.id = o.tag_id WHERE o.organization_id = %s "
            "AND o.client_id = ct.client_id{extra}), '[]'::jsonb)"
        )
        changes = (
            f"jsonb_build_object('tags', jsonb_build_object('old', {tag_list}, 'new', {tag_list}))"
        )
        create_ids = "CREATE TEMP TABLE bench_bulk_ids (id bigint PRIMARY KEY) ON COMMIT DROP"
        fill_ids = "INSERT INTO bench_bulk_ids (id) SELECT unnest(%s::bigint[])"
        ids_param = ids
    old_tags = changes.replace("{extra}", " AND o.tag_id <> %s", 1).replace("{extra}", "", 1)
    with transaction.atomic(), connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(create_ids)
        cursor.execute(fill_ids, [ids_param])
        cursor.execute(
            "INSERT INTO clients_tag (organization_id, name) VALUES (%s, %s) RETURNING id",
            [organization_id, tag_name],
        )
        tag_id = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO clients_clienttag (organization_id, client_id, tag_id) "
            "SELECT %s, c.id, %s FROM bench_bulk_ids i JOIN clients_client c ON c.id = i.id "
            "WHERE c.organization_id = %s AND c.deleted_at IS NULL AND NOT EXISTS ("
            "SELECT 1 FROM clients_clienttag x WHERE x.organization_id = %s "
            "AND x.client_id = c.id AND x.tag_id = %s)",
            [organization_id, tag_id, organization_id, organization_id, tag_id],
        )
        cursor.execute(
            "INSERT INTO core_changerecord (organization_id, object_type, object_id, action, "
            f"changes, user_id, source, created_at) SELECT %s, 'client', ct.client_id, 'update', "
            f"{old_tags}, %s, 'api', %s FROM clients_clienttag ct "
            "WHERE ct.organization_id = %s AND ct.tag_id = %s",
            [
                organization_id,
                organization_id,
                tag_id,
                organization_id,
                user_id,
                now,
                organization_id,
                tag_id,
            ],
        )
        cursor.execute(
            "UPDATE clients_client SET version = version + 1, updated_at = %s "
            "WHERE organization_id = %s AND id IN (SELECT client_id FROM clients_clienttag "
            "WHERE organization_id = %s AND tag_id = %s)",
            [now, organization_id, organization_id, tag_id],
        )
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def remove_bench_tags(organization_id: int, *, since_change: int | None) -> None:
    """Put the data set back as generated: no bench tags nor their links, no change
    records after ``since_change``. (The tagged clients keep their bumped ``version`` and
    ``updated_at``: no request measured reads them, and putting them back would cost
    another 300,000 row updates.)"""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM clients_tag WHERE organization_id = %s AND name LIKE %s",
            [organization_id, "Bench %"],
        )
        tag_ids = [row[0] for row in cursor.fetchall()]
        if tag_ids:
            marks = ", ".join(["%s"] * len(tag_ids))
            cursor.execute(
                f"DELETE FROM clients_clienttag WHERE organization_id = %s AND tag_id IN ({marks})",
                [organization_id, *tag_ids],
            )
            cursor.execute(f"DELETE FROM clients_tag WHERE id IN ({marks})", tag_ids)
        if since_change is not None:
            cursor.execute(
                "DELETE FROM core_changerecord WHERE organization_id = %s AND id > %s",
                [organization_id, since_change],
            )
        touched = bool(tag_ids) or since_change is not None
    if touched and connection.vendor == "postgresql":
        # Rewritten as after loading (pages filled to the table's fillfactor), so that the
        # next benchmark starts from the same layout. VACUUM FULL leaves the visibility
        # map empty: the plain VACUUM after it sets it again, or index-only scans would
        # read the table.
        tables = "clients_client, clients_clienttag, clients_tag, core_changerecord"
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            cursor.execute(f"VACUUM (FULL) {tables}")
            cursor.execute(f"VACUUM (ANALYZE) {tables}")


# --------------------------------------------------------------------------- checking
def brute_force_page(
    organization: Any, params: list[tuple[str, str]], limit: int = PAGE_SIZE
) -> list[int]:
    """The first page's ids for these list parameters, by a plain ORM query written
    independently of the list's code: no planner, no value index (custom fields are read
    from the JSON column), tags joined one by one."""
    from django.db.models import Q
    from django.utils import timezone

    from carnet.clients.models import Client
    from carnet.clients.search import parse_query

    values: dict[str, list[str]] = {}
    for key, value in params:
        values.setdefault(key, []).append(value)

    def one(key: str, default: str = "") -> str:
        return values.get(key, [default])[-1]

    clients = Client.objects.filter(organization=organization, deleted_at__isnull=True)
    archived = one("archived", "false")
    if archived != "all":
        clients = clients.filter(archived=archived == "true")
    if one("category"):
        clients = clients.filter(category__name=one("category"))
    for tag in values.get("tag", []):
        clients = clients.filter(tags__name=tag)
    if one("kind"):
        clients = clients.filter(kind=one("kind"))
    if one("country"):
        clients = clients.filter(country=one("country"))
    if one("owner"):
        clients = clients.filter(owner_id=int(one("owner")))
    zone = timezone.get_default_timezone()

    def midnight(day: str, *, after: bool = False) -> datetime.datetime:
        date = datetime.date.fromisoformat(day) + datetime.timedelta(days=1 if after else 0)
        return datetime.datetime.combine(date, datetime.time(), tzinfo=zone)

    if one("created_after"):
        clients = clients.filter(created_at__gte=midnight(one("created_after")))
    if one("created_before"):
        clients = clients.filter(created_at__lt=midnight(one("created_before"), after=True))
    for key, wanted in values.items():
        if key.startswith("cf_"):
            clients = clients.filter(**{f"custom_fields__{key[3:]}": wanted[-1]})
    sort = one("sort", "name")
    column = {"name": "sort_name", "created_at": "created_at", "revenue": "revenue"}[
        sort.lstrip("-")
    ]
    sign = "-" if sort.startswith("-") else ""
    ordering = [f"{sign}{column}", f"{sign}id"]
    if archived == "all":
        ordering.insert(0, "archived")
    exact: list[int] = []
    if one("q"):
        query = parse_query(one("q"))
        if query.name_prefix:  # under three characters: names starting with it
            clients = clients.filter(sort_name__startswith=query.term)
        else:
            clients = clients.filter(search_text__contains=query.term)
        # Clients whose identifier equals the query come first (10 at most, and never
        # the whole page).
        same = Q(pk__in=[])
        for column_name, exact_values in query.exact.items():
            same |= Q(**{f"{column_name}__in": exact_values})
        cap = min(10, limit - 1)
        exact = list(clients.filter(same).order_by(*ordering).values_list("id", flat=True)[:cap])
    rest = clients.exclude(id__in=exact).order_by(*ordering).values_list("id", flat=True)
    return (exact + list(rest[:limit]))[:limit]


def verify(organization: Any, http: Http, seed: int) -> tuple[int, int, list[str]]:
    """Compare the API's first pages with ``brute_force_page``: (checked, differing,
    problems)."""
    kinds = sample_kinds(organization, seed, VERIFY_PER_KIND)
    checked, differing, problems = 0, 0, []
    for kind in kinds:
        if kind.group not in ("search", "list", "picker"):
            continue
        limit = PICKER_LIMIT if kind.group == "picker" else PAGE_SIZE
        for path in kind.paths:
            params = parse_qsl(urlsplit(path).query)
            try:
                got = [item["id"] for item in http.call(path).json()["items"]]
            except Exception as exc:  # reported with the request errors
                problems.append(f"{path}: {exc!r}"[:300])
                continue
            checked += 1
            if got != brute_force_page(organization, params, limit):
                differing += 1
                problems.append(f"first page differs from the brute-force query: {path}")
    return checked, differing, problems


# --------------------------------------------------------------------------- report
def met(result: Measured) -> bool:
    return not result.error and result.api_p95 <= TARGETS_MS[result.extra["group"]]


def bulk_summary(runs: list[BulkRun]) -> tuple[float, float, str]:
    """Medians of the API and bare-SQL durations, and whether the target is met."""
    ok = [r for r in runs if not r.error]
    if not ok or len(ok) != len(runs):
        return 0.0, 0.0, "missed (errors)"
    api = statistics.median(r.api_s for r in ok)
    sql = statistics.median(r.sql_s for r in ok)
    if ok[0].size < BULK_SIZE:
        return api, sql, f"not applicable (fewer than {BULK_SIZE:,} clients)"
    return api, sql, "met" if api <= BULK_TARGET_S else "missed"


def intro() -> str:
    return """## Organizing and finding clients (`bench/organize.py`)

```sh
.venv/bin/python bench/organize.py --db sqlite --clients 1000000
.venv/bin/python bench/organize.py --db postgres --clients 1000000   # database carnet_bench
```

`make bench` runs it after `bench/search.py`, on the same data set, on SQLite then
PostgreSQL. The data set adds to the clients above: contacts for about 60 % of the
companies (one or two each, the first the main contact; their names are in the clients'
`search_text`, with the telephone numbers), two category groups ("Type": Client,
Prospect, Partenaire, Fournisseur; "Taille": Grand compte, Revendeur), tags on one client
in 7, and three custom fields ("Niveau de service", a choice, on 30 % of the clients;
"Fin de contrat", a date, on 20 %; "Nombre de sites", an integer, on 25 %), in the
`custom_fields` JSON and in the value index `customfields_customfieldvalue`.

Each line is 200 requests drawn from the data (names, identifiers, telephone numbers,
tags, categories, owners, countries and dates that exist), run once as warm-up and then
measured, through the whole stack: the API with a bearer token, the list page with a
session. "Bare SQL" replays the statements the request sent, with a raw cursor, leaving
out authentication (token, session, user, membership); "statements" counts those. A walk
the SQLite planner interrupted (its progress-handler budget spent) is replayed under the
same budget, so that bare SQL does the database work the request did.

The bulk action tags 100,000 active clients in one request, three times with a new tag
(so every client changes), and the count of `done` is checked; "statements" there counts
every statement of the request. Its bare-SQL counterpart is the same change written by
hand, set-based, in one transaction on the same ids: the ids into a temporary table, the
tag, its links, one history record per client with its old and new tag lists, the version
bump; it is rolled back, and its time leaves out the commit. On PostgreSQL the tables are
vacuumed before each measurement (as autovacuum would between a user's actions): the row
versions the previous one left would otherwise fill the free space the client table
keeps in its pages (fillfactor 80) for updates to stay on their page. Afterwards the
benchmark removes its tags and history records (on PostgreSQL it also rewrites the tables
with `VACUUM FULL` then `VACUUM`, to the state loading left them in), so that each run
starts from the same data and measures the same thing. First pages of the searches,
lists and picker are also compared with a plain ORM query written apart from the list's
code (custom fields read from the JSON column, tags joined one by one, no planner).

Targets (issue): search p95 ≤ 20 ms; filtered and sorted lists p95 ≤ 30 ms; picker
p95 ≤ 15 ms; the list page's HTML p95 ≤ 50 ms; bulk-tagging 100,000 clients ≤ 10 s
(median of the three runs).
"""


def render(
    args: argparse.Namespace,
    info: dict[str, str],
    sizes: dict[str, int],
    results: list[Measured],
    runs: list[BulkRun],
    check: tuple[int, int, list[str]],
    generated: float | None,
) -> str:
    data = (
        f"; in the measured organization {sizes['contacts_contact']:,} contacts, "
        f"{sizes['clients_clienttag']:,} tag links, "
        f"{sizes['customfields_customfieldvalue']:,} custom-field values"
    )
    lines = [
        f"### {info['database']}",
        "",
        *common.environment_lines(args, info, SCRIPT, data),
        f"- Requests: {args.queries} per line, after a warm-up on the same ones; "
        "first pages of 50 (picker: 10); times in ms",
        "",
        "| request | p50 | p95 | bare SQL p50 | bare SQL p95 | ratio (p50) | statements "
        "| target p95 | met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for group, title in GROUP_TITLES.items():
        lines.append(f"| **{title}** | | | | | | | | |")
        for r in (r for r in results if r.extra["group"] == group):
            target = f"{TARGETS_MS[group]:.0f}"
            if r.error:
                lines.append(f"| `{r.kind}` | error | | | | | | {target} | no |")
                continue
            lines.append(
                f"| `{r.kind}` | {r.api_p50:.2f} | {r.api_p95:.2f} | {r.sql_p50:.2f} | "
                f"{r.sql_p95:.2f} | {r.ratio:.1f} | {r.statements} | {target} | "
                f"{'yes' if met(r) else 'no'} |"
            )
    if runs:
        api, sql, verdict = bulk_summary(runs)
        lines += [
            "",
            f"Bulk tagging, `POST /api/v1/clients/bulk` with {runs[0].size:,} ids, in seconds:",
            "",
            "| run | API | bare SQL | ratio | statements | counts |",
            "|---|---:|---:|---:|---:|---|",
        ]
        for i, r in enumerate(runs, 1):
            if r.error:
                lines.append(f"| {i} | error | {r.sql_s:.2f} | | | {r.error[:120]} |")
            else:
                counts = ", ".join(f"{k} {v:,}" for k, v in r.counts.items())
                lines.append(
                    f"| {i} | {r.api_s:.2f} | {r.sql_s:.2f} | {r.api_s / r.sql_s:.1f} | "
                    f"{r.statements} | {counts} |"
                )
        if api:
            lines.append(
                f"| median | {api:.2f} | {sql:.2f} | {api / sql:.1f} | | target "
                f"{BULK_TARGET_S:.0f} s: {verdict} |"
            )
    lines.append("")
    empty = {r.kind: r.empty for r in results if r.empty}
    checked, differing, _problems = check
    notes = [
        "Requests with no result: "
        + (", ".join(f"`{k}` {v}" for k, v in empty.items()) if empty else "none")
        + ".",
        f"First pages checked against a brute-force query: {checked}, "
        + ("all equal." if not differing else f"{differing} differ."),
    ]
    errors = [r for r in results if r.error] + [r for r in runs if r.error]
    if errors:
        notes.append(f"Requests that failed: {len(errors)} kinds (see the benchmark's output).")
    if generated is not None:
        notes.append(f"Generating the data set took {generated:.0f} s.")
    lines.append(" ".join(notes))
    return "\n".join(lines) + "\n"


def print_report(
    results: list[Measured], runs: list[BulkRun], check: tuple[int, int, list[str]]
) -> None:
    print()
    print(
        f"{'request':<52}{'p50':>8}{'p95':>8}{'SQL p50':>9}{'SQL p95':>9}{'ratio':>7}"
        f"{'stmts':>7}{'target':>8}  met"
    )
    for group, title in GROUP_TITLES.items():
        print(f"-- {title}")
        for r in (r for r in results if r.extra["group"] == group):
            if r.error:
                print(f"{r.kind:<52}  ERROR {r.error}")
                continue
            print(
                f"{r.kind:<52}{r.api_p50:>8.2f}{r.api_p95:>8.2f}{r.sql_p50:>9.2f}"
                f"{r.sql_p95:>9.2f}{r.ratio:>7.1f}{r.statements:>7}"
                f"{TARGETS_MS[group]:>8.0f}  {'yes' if met(r) else 'NO'}"
            )
    if runs:
        print(f"-- Bulk tag of {runs[0].size:,} clients (s)")
        for i, r in enumerate(runs, 1):
            status = r.error or f"counts {r.counts}"
            print(
                f"run {i}: API {r.api_s:.2f}  bare SQL {r.sql_s:.2f}  "
                f"statements {r.statements}  {status}"
            )
        api, sql, verdict = bulk_summary(runs)
        print(f"median: API {api:.2f}  bare SQL {sql:.2f}  target {BULK_TARGET_S:.0f} s: {verdict}")
    print(
        "targets: p95 ≤ "
        + ", ".join(f"{group} {ms:.0f} ms" for group, ms in TARGETS_MS.items())
        + f"; bulk tag of {BULK_SIZE:,} clients ≤ {BULK_TARGET_S:.0f} s (median)"
    )
    empty = {r.kind: r.empty for r in results if r.empty}
    print(f"requests with no result: {empty or 'none'}")
    checked, differing, problems = check
    print(f"first pages checked against a brute-force query: {checked}, differing: {differing}")
    for problem in problems:
        print(f"  {problem}")


def main() -> None:
    args = parse_args()
    generated = common.start(args)

    from carnet.accounts.models import Organization, User

    organization = Organization.objects.get(slug=MAIN_SLUG)
    user = User.objects.get(email=common.owner_email(MAIN_SLUG))
    http = http_clients(organization, user)
    print("measuring…", flush=True)
    results = measure_requests(sample_kinds(organization, args.seed + 1, args.queries), http)
    print("checking first pages…", flush=True)
    check = verify(organization, http, args.seed + 7)
    runs = [] if args.skip_bulk else bulk_tagging(args, organization, user, http)
    sizes = common.data_sizes(organization.pk)
    info = common.machine()
    print_report(results, runs, check)
    if not args.no_doc:
        common.update_doc("organize", intro(), after=("postgres", "sqlite"))
        common.update_doc(
            f"organize-{args.db}",
            render(args, info, sizes, results, runs, check, generated),
            after=("organize", "organize-sqlite"),
        )
        print(f"updated {common.DOC.relative_to(common.ROOT)}")


if __name__ == "__main__":
    main()
