"""Scheduler poll cost on PostgreSQL at 10k, 100k and 1M enrollments: it must stay flat.

Most enrollments are idle (finished, or active and scheduled later); 200 are due.
Each measurement claims a batch of 100 with the real claim query (FOR UPDATE
SKIP LOCKED) inside a transaction that is rolled back, so the due set is the same
every time. Prints the median per size and the 1M : 10k ratio (target <= 2).

    .venv/bin/python bench/scheduler_poll.py [--sizes 10000,100000,1000000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402

from campaigns.claiming import _due, explain_due_query  # noqa: E402
from campaigns.sequences import activate, create_sequence  # noqa: E402
from nurture.db.engine import make_sessionmaker  # noqa: E402
from tests.databases import migrated_database  # noqa: E402

DUE = 200
DEFINITION = {"steps": [{"id": "a", "type": "email", "subject": "A", "html": "<p>a</p>"}]}


def grow(engine, target: int, have: int, sequence_id: int, version_id: int) -> None:
    """Add idle enrollments (and their leads) up to ``target`` rows, in SQL for speed."""
    with engine.begin() as conn:
        conn.execute(
            text("""
                INSERT INTO leads (email, source, owner_team, lifecycle_stage, lead_status, custom_fields, created_at, updated_at,
                                   stage_entered_at)
                SELECT 'bench' || g || '@example.com', 'other', 'marketing', 'lead', 'new', '{}', now(), now(), now()
                FROM generate_series(CAST(:start AS integer), CAST(:stop AS integer)) AS g
            """),
            {"start": have, "stop": target - 1},
        )
        conn.execute(
            text("""
                INSERT INTO enrollments (lead_id, sequence_id, version_id, state, current_step, step_started_at,
                                         next_run_at, enrolled_by, created_at)
                SELECT l.id, :sequence_id, :version_id,
                       CASE WHEN g % 2 = 0 THEN 'completed' ELSE 'active' END,
                       'a', now(),
                       CASE WHEN g % 2 = 0 THEN NULL ELSE now() + (g % 1000 + 1) * interval '1 hour' END,
                       'bench', now()
                FROM generate_series(CAST(:start AS integer), CAST(:stop AS integer)) AS g
                JOIN leads l ON l.email = 'bench' || g || '@example.com'
            """),
            {"start": have, "stop": target - 1, "sequence_id": sequence_id, "version_id": version_id},
        )
    with engine.connect() as conn:
        conn.execute(text("ANALYZE enrollments"))
        conn.commit()


def make_due(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE enrollments SET next_run_at = now() - interval '1 minute' WHERE id IN "
                          "(SELECT id FROM enrollments WHERE state = 'active' ORDER BY id LIMIT :n)"), {"n": DUE})  # fmt: skip


def poll_ms(engine, repeats: int = 200) -> float:
    timings = []
    with engine.connect() as conn:
        for _ in range(repeats):
            tx = conn.begin()
            started = time.perf_counter()
            rows = conn.execute(_due(datetime.now(UTC), 100).with_for_update(skip_locked=True)).all()
            timings.append((time.perf_counter() - started) * 1000)
            tx.rollback()
            assert len(rows) == 100
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as directory, migrated_database("postgresql", Path(directory)) as (_url, engine):
        with make_sessionmaker(engine)() as session:
            sequence = create_sequence(session, {"name": "Poll bench", "definition": DEFINITION})
            activate(session, sequence, datetime.now(UTC))
            session.commit()
            sequence_id, version_id = sequence.id, sequence.current_version_id
        have = 0
        for size in sizes:
            grow(engine, size, have, sequence_id, version_id)
            have = size
            make_due(engine)
            results[size] = poll_ms(engine)
            print(f"poll of 100 due among {size:>9,} enrollments: {results[size]:.3f} ms (median of 200)", flush=True)
        with make_sessionmaker(engine)() as session:
            plan = explain_due_query(session, datetime.now(UTC), 100)
    first, last = results[sizes[0]], results[sizes[-1]]
    print(f"plan: {plan.splitlines()[0] if plan else '?'} … {'ix_enrollments_due' if 'ix_enrollments_due' in plan else 'NO INDEX'}")
    print(f"scheduler poll, PostgreSQL: {sizes[-1]:,} vs {sizes[0]:,} enrollments: ratio {last / first:.2f} (target <= 2.00)")


if __name__ == "__main__":
    main()
