"""Benchmark: the whole duplicate scan of an organization of a million clients, from the
database to the saved groups (issue 6), as ``carnet duplicates scan`` runs it.

    .venv/bin/python bench/duplicate_scan.py --db sqlite
    .venv/bin/python bench/duplicate_scan.py --db postgres

It uses the data set of bench/search.py (1,000,000 clients with contacts, addresses, tags
and custom fields, cached in bench/data/), generated first when missing, and times in this
process:

- reading the candidates alone (every client's identifiers, phones and billing postcode
  and city, by chunks), the baseline the scan cannot beat;
- ``duplicates.services.scan``: reading, comparing, grouping and saving the groups, each
  run replacing the last one's groups.

The data set has no planted duplicates (bench/duplicates.py measures precision and recall
on planted ones); what it finds is whatever its generator made alike. Peak memory is the
process's (``ru_maxrss``). The figures go to docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import common  # noqa: E402

TARGET_SECONDS = 60.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    common.add_common_arguments(parser)
    parser.add_argument("--repeat", type=int, default=3, help="scans; the median is reported")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    common.start(args)

    from carnet.accounts.models import Organization
    from carnet.duplicates import services
    from carnet.duplicates.models import DuplicateGroup

    organization = Organization.objects.get(slug=common.MAIN_SLUG)
    started = time.perf_counter()
    count = sum(1 for _candidate in services.candidates(organization))
    read = time.perf_counter() - started
    print(f"read {count:,} candidates in {read:.1f} s", flush=True)

    walls = []
    result: dict[str, int] = {}
    for run in range(args.repeat):
        started = time.perf_counter()
        result = services.scan(organization)
        walls.append(time.perf_counter() - started)
        print(f"scan {run + 1}: {walls[-1]:.1f} s, {result}", flush=True)
    assert DuplicateGroup.objects.filter(organization=organization).count() == result["groups"]
    median = statistics.median(walls)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    vendor = "PostgreSQL" if args.db == "postgres" else "SQLite"
    verdict = "met" if median <= TARGET_SECONDS else "MISSED"
    environment = common.environment_lines(
        args, common.machine(), "duplicate_scan.py", " (no planted duplicates)"
    )
    lines = [
        f"## Duplicate scan from the database, {vendor}",
        "",
        *environment,
        "",
        "`carnet duplicates scan` as it runs, in process: reading every client's "
        "identifiers, phones and billing postcode and city, comparing, grouping, saving.",
        "",
        "| step | seconds |",
        "|---|---:|",
        f"| reading the {count:,} candidates alone (baseline) | {read:.1f} |",
        f"| whole scan, median of {len(walls)} ({' / '.join(f'{w:.1f}' for w in walls)}) "
        f"| {median:.1f} |",
        "",
        f"Found {result['groups']:,} groups ({result['pairs']:,} pairs, "
        f"{result['clients']:,} clients). Peak memory of the process: {peak_mb:,.0f} MB. "
        f"Target ≤ {TARGET_SECONDS:.0f} s: {verdict}.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_doc:
        common.update_doc(
            f"duplicates-scan-{args.db}",
            text,
            after=("duplicates-engine", "duplicates-scan-sqlite"),
        )


if __name__ == "__main__":
    main()
