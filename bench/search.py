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

The data set is the one bench/organize.py uses too (``common.ensure_data``): SQLite data
lives in bench/data/ (never the application's var/); PostgreSQL uses the database
``carnet_bench`` (``--database-url`` to change it; it is dropped and recreated when its
content does not match the requested sizes or the generator's version).
"""

from __future__ import annotations

import argparse
import random
from typing import Any
from urllib.parse import unquote

import common
from common import MAIN_SLUG, Measured, RequestFailed, quote

TARGET_P95_MS = {"sqlite": 15.0, "postgres": 25.0}
TARGET_RATIO = 3.0
SCRIPT = "search.py"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common.add_common_arguments(parser)
    return parser.parse_args()


# --------------------------------------------------------------------------- queries
def sample_queries(args: argparse.Namespace, count: int) -> dict[str, list[str]]:
    """Requests drawn from the data: what people type to find these clients."""
    from carnet.accounts.models import Organization
    from carnet.clients.models import Client

    rng = random.Random(args.seed + 1)
    org = Organization.objects.get(slug=MAIN_SLUG)
    picked = common.sample_clients(org.pk, count * 3, rng, "sort_name", "siret")
    prefixes, substrings = [], []
    for client in picked:
        name = client["sort_name"]
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
        if client["siret"] and len(sirets) < count:
            s = client["siret"]
            sirets.append(s if rng.random() < 0.5 else f"{s[:3]} {s[3:6]} {s[6:9]} {s[9:]}")
    bounds = Client.objects.filter(organization=org).order_by("id").values_list("id", flat=True)
    first, last = bounds.first(), bounds.last()
    ids = [str(rng.randint(first, last)) for _ in range(count)]
    return {
        "q=<prefix>": [f"/api/v1/clients?q={quote(p)}" for p in prefixes],
        "q=<substring>": [f"/api/v1/clients?q={quote(s)}" for s in substrings],
        "q=<SIRET>": [f"/api/v1/clients?q={quote(s)}" for s in sirets],
        "clients/{id}": [f"/api/v1/clients/{i}" for i in ids],
    }


# --------------------------------------------------------------------------- measuring
def measure(args: argparse.Namespace) -> tuple[list[Measured], dict[str, Any]]:
    from django.test import Client as HttpClient

    from carnet.accounts.models import Organization, User
    from carnet.accounts.services import create_api_token

    org = Organization.objects.get(slug=MAIN_SLUG)
    user = User.objects.get(email=common.owner_email(MAIN_SLUG))
    token = create_api_token(org, user, name="benchmark")
    http = HttpClient(
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "fr"}, HTTP_HOST="127.0.0.1"
    )
    queries = sample_queries(args, args.queries)
    warmup = sample_queries(common.with_seed(args, 99), 50)

    def call(path: str) -> Any:
        response = http.get(path)
        if response.status_code != 200:
            raise RequestFailed(path, response.status_code, response.content)
        return response

    for paths in warmup.values():
        for path in paths:
            call(path)

    results = []
    stats: dict[str, Any] = {"empty": {}}
    for kind, paths in queries.items():
        result = common.measure(
            kind,
            paths,
            call,
            is_empty=(lambda r: not r.json()["items"]) if kind.startswith("q=") else None,
        )
        if result.error:
            raise SystemExit(result.error)
        stats["empty"][kind] = result.empty
        results.append(result)
    return results, stats


def verify(args: argparse.Namespace, count: int = 8) -> int:
    """Check a few first pages against a brute-force scan of the table."""
    from django.db.models import Q

    from carnet.accounts.models import Organization
    from carnet.clients import queries as client_queries
    from carnet.clients.models import Client
    from carnet.clients.search import parse_query

    org = Organization.objects.get(slug=MAIN_SLUG)
    sample = sample_queries(common.with_seed(args, 7), count)
    mismatches = 0
    for kind in ("q=<prefix>", "q=<substring>", "q=<SIRET>"):
        for path in sample[kind]:
            q = unquote(path.split("q=", 1)[1])
            page = client_queries.list_clients(
                org, client_queries.ClientFilter.from_params({"q": q})
            )
            query = parse_query(q)
            matches = Client.objects.filter(
                organization=org, archived=False, deleted_at__isnull=True
            ).filter(search_text__contains=query.term)
            # Clients whose identifier equals the query come first (10 at most), then the
            # others by name.
            same = Q(pk__in=[])
            for column, values in query.exact.items():
                same |= Q(**{f"{column}__in": values})
            exact = list(
                matches.filter(same).order_by("sort_name", "id").values_list("id", flat=True)[:10]
            )
            rest = matches.exclude(id__in=exact).order_by("sort_name", "id")
            expected = (exact + list(rest.values_list("id", flat=True)[:50]))[:50]
            if [c.pk for c in page.items] != expected:
                mismatches += 1
                print(f"  MISMATCH for q={q!r}")
    return mismatches


# --------------------------------------------------------------------------- report
def render(
    args: argparse.Namespace,
    results: list[Measured],
    info: dict[str, str],
    generated: float | None,
    stats: dict[str, Any],
    mismatches: int,
) -> str:
    target = TARGET_P95_MS[args.db]
    lines = [
        f"### {info['database']}",
        "",
        *common.environment_lines(args, info, SCRIPT),
        f"- Requests: {args.queries} different ones per line, after a warm-up; "
        f"first pages of 50; times in ms",
        "",
        "| request | API p50 | API p95 | bare SQL p50 | bare SQL p95 | ratio (p50) "
        "| statements | target met |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        met = r.api_p95 <= target and r.ratio <= TARGET_RATIO
        lines.append(
            f"| `{r.kind}` | {r.api_p50:.2f} | {r.api_p95:.2f} | {r.sql_p50:.2f} | "
            f"{r.sql_p95:.2f} | {r.ratio:.1f} | {r.statements} | "
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


def main() -> None:
    args = parse_args()
    generated = common.start(args)
    print("measuring…", flush=True)
    results, stats = measure(args)
    mismatches = verify(args)
    info = common.machine()
    target = TARGET_P95_MS[args.db]
    print()
    print(f"{info['database']} — {info['cpu']}, {info['cores']} cores, {info['ram']}")
    print(f"{'request':<16}{'API p50':>9}{'API p95':>9}{'SQL p50':>9}{'SQL p95':>9}{'ratio':>7}")
    for r in results:
        flag = "" if r.api_p95 <= target and r.ratio <= TARGET_RATIO else "  <- target missed"
        print(
            f"{r.kind:<16}{r.api_p50:>9.2f}{r.api_p95:>9.2f}{r.sql_p50:>9.2f}"
            f"{r.sql_p95:>9.2f}{r.ratio:>7.1f}{flag}"
        )
    print(
        f"targets: p95 <= {target:.0f} ms, ratio <= {TARGET_RATIO:.0f}; empty results: "
        f"{stats['empty']}; full-scan check mismatches: {mismatches}"
    )
    if not args.no_doc:
        common.update_doc(args.db, render(args, results, info, generated, stats, mismatches))
        print(f"updated {common.DOC.relative_to(common.ROOT)}")


if __name__ == "__main__":
    main()
