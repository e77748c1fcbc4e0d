"""Two quality bars of the case service on PostgreSQL, printed as figures.

- a status change of a case with 10,000 followers: every update queued in the outbox (target < 2 s);
- duplicate search among 1,000,000 cases (target < 10 ms).

Run: `.venv/bin/python bench/case_bench.py [--followers 10000] [--cases 1000000]`. It creates and
drops its own PostgreSQL database.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scratch import scratch_database  # noqa: E402
from gateway.cases.flows import change_status, find_duplicate  # noqa: E402
from gateway.runtime import Runtime  # noqa: E402
from gateway.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()

    with scratch_database(args.postgres, "guichet_case_bench") as (_name, url):
        rt = Runtime(Settings.from_env({"DATABASE_URL": url, "GUICHET_QUIET_HOURS": "off"}))
        try:
            rt.db.upgrade()
            followers(rt, args.followers)
            duplicates(rt, args.cases)
        finally:
            rt.db.dispose()


def followers(rt: Runtime, count: int) -> None:
    """One case, `count` followers on SMS; time the status change that tells them all."""
    with rt.db.engine.begin() as c:
        c.execute(text(
            "INSERT INTO contact (phone, language, created_at) "
            "SELECT '+336' || lpad(n::text, 8, '0'), 'fr', now() FROM generate_series(1, :n) n"), {"n": count})
        c.execute(text(
            "INSERT INTO identity (contact_id, channel, address, gateway_address, created_at) "
            "SELECT id, 'sms', phone, '+33700000000', now() FROM contact"))
        c.execute(text(
            "INSERT INTO \"case\" (reference, kind, status, category, urgency, description, channel, created_at, "
            "updated_at) VALUES ('GU-0000-0000', 'problem', 'received', 'chaussee', 'normal', '', 'sms', now(), now())"))
        c.execute(text(
            "INSERT INTO follower (case_id, identity_id, role, mode, created_at) "
            "SELECT (SELECT id FROM \"case\"), id, 'follower', 'informe', now() FROM identity"))
    started = time.perf_counter()
    with rt.db.session() as session:
        change_status(rt, session, reference="GU-0000-0000", status="validated", message="Travaux lundi")
    elapsed = time.perf_counter() - started
    with rt.db.engine.connect() as c:
        queued = c.execute(text("SELECT count(*) FROM outbound_message")).scalar()
    print(f"status change with {count} followers: {queued} updates queued in {elapsed:.2f} s (target < 2 s)")


def duplicates(rt: Runtime, count: int) -> None:
    """`count` open cases spread over the territory; time the duplicate search at random points."""
    with rt.db.engine.begin() as c:
        c.execute(text(
            "INSERT INTO \"case\" (reference, kind, status, category, urgency, description, channel, lat, lon, "
            "created_at, updated_at) "
            "SELECT 'GU-' || lpad((n / 10000)::text, 4, '0') || '-' || lpad((n % 10000)::text, 4, '0') || 'x', "
            "'problem', (ARRAY['received','validated','in_progress','resolved'])[1 + n % 4], "
            "(ARRAY['chaussee','dechets','eclairage','stationnement','graffiti'])[1 + n % 5], 'normal', '', 'sms', "
            "47.36 + random() * 0.05, 0.65 + random() * 0.12, now() - (n % 60) * interval '1 day', now() "
            "FROM generate_series(1, :n) n"), {"n": count})
        c.execute(text('ANALYZE "case"'))
    import random

    timings = []
    found = 0
    for _ in range(300):
        lat, lon = 47.36 + random.random() * 0.05, 0.65 + random.random() * 0.12
        started = time.perf_counter()
        with rt.db.session() as session:
            found += find_duplicate(rt, session, "chaussee", lat, lon) is not None
        timings.append(time.perf_counter() - started)
    timings.sort()
    print(f"duplicate search among {count} cases: median {statistics.median(timings) * 1000:.2f} ms, "
          f"p99 {timings[int(len(timings) * 0.99) - 1] * 1000:.2f} ms ({found}/300 found a case nearby; "
          f"target < 10 ms)")


if __name__ == "__main__":
    main()
