"""Lead-quality report speed: GET /api/v1/reports/lead-quality's three grouped queries over 100,000 leads.

Seeds a freshly migrated database with bare inserts: leads spread over 8
sources and 40 campaigns and 12 months, ~10% of them disqualified (reasons
spread, half the bad-timing ones resurfaced), ~3% with an opportunity (a
third won). Then times the report over the whole period and over one month
(median of 5 runs each). SQLite always; PostgreSQL too when it answers at
``NURTURE_TEST_POSTGRES_URL``.

    .venv/bin/python bench/lead_quality.py [--leads 100000] [--backend sqlite|postgresql|all]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from nurture.models import Disqualification, DisqualificationReason, Lead, LeadSource, Opportunity, PipelineStage  # noqa: E402
from nurture.reports.lead_quality import lead_quality  # noqa: E402
from tests.databases import migrated_database, postgres_available  # noqa: E402

START = datetime(2026, 1, 1, tzinfo=UTC)
STAGES = ["lead", "mql", "sql", "opportunity", "customer"]


def seed(session: Session, leads: int) -> None:
    rng = random.Random(5)
    sources = list(LeadSource)
    rows = [{"email": f"l{n}@bench.example.com", "source": rng.choice(sources), "source_detail": f"campaign {n % 40}",
             "lifecycle_stage": rng.choices(STAGES, [60, 20, 12, 5, 3])[0], "created_at": START + timedelta(minutes=5 * n)}
            for n in range(leads)]  # fmt: skip
    for start in range(0, leads, 5000):
        session.execute(insert(Lead), rows[start : start + 5000])
    ids = list(session.scalars(select(Lead.id)))
    stages = dict(session.execute(select(PipelineStage.key, PipelineStage.id)).all())
    reasons = list(DisqualificationReason)
    disqualified = [
        {"lead_id": lead_id, "reason": (reason := rng.choice(reasons)), "stage_before": "sql", "created_at": START,
         "resurface_on": date(2026, 6, 1) if reason == "bad_timing" else None,
         "resurfaced_at": START if reason == "bad_timing" and rng.random() < 0.5 else None}
        for lead_id in rng.sample(ids, leads // 10)
    ]  # fmt: skip
    session.execute(insert(Disqualification), disqualified)
    deals = [
        {"name": "deal", "contact_lead_id": lead_id, "stage_id": stages["closed_won" if rng.random() < 0.33 else "proposal"],
         "amount": 1000, "currency": "EUR", "close_date": date(2027, 1, 1), "source": rng.choice(sources),
         "source_detail": f"campaign {lead_id % 40}", "created_at": START, "updated_at": START}
        for lead_id in rng.sample(ids, leads * 3 // 100)
    ]  # fmt: skip
    session.execute(insert(Opportunity), deals)
    session.commit()
    if session.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
        session.execute(text("ANALYZE"))
    session.commit()


def timed(session: Session, start: datetime | None, end: datetime | None) -> tuple[float, int]:
    runs = []
    for _ in range(5):
        began = time.perf_counter()
        report = lead_quality(session, start, end)
        runs.append(time.perf_counter() - began)
    return statistics.median(runs), report.total.leads


@contextmanager
def seeded_database(backend: str, leads: int) -> Iterator[tuple[str, Engine, Session, float]]:
    """A freshly migrated throwaway database seeded with ``leads``: (url, engine, session, seconds seeding took)."""
    with tempfile.TemporaryDirectory() as tmp, migrated_database(backend, Path(tmp)) as (url, engine), Session(engine) as session:
        began = time.perf_counter()
        seed(session, leads)
        yield url, engine, session, time.perf_counter() - began


def reachable_backends(choice: str) -> list[str]:
    """The backends asked for ("all", "sqlite" or "postgresql"); PostgreSQL only when it answers (said so otherwise)."""
    backends = ["sqlite", "postgresql"] if choice == "all" else [choice]
    if "postgresql" in backends and not postgres_available():
        print("postgresql: not reachable, skipped")
        backends.remove("postgresql")
    return backends


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--backend", default="all", choices=["sqlite", "postgresql", "all"])
    args = parser.parse_args()
    for backend in reachable_backends(args.backend):
        with seeded_database(backend, args.leads) as (_url, _engine, session, seeded):
            whole, total = timed(session, None, None)
            month, in_month = timed(session, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
        print(f"{backend}: {total} leads (seeded in {seeded:.1f} s): whole period {whole * 1000:.0f} ms, "
              f"one month ({in_month} leads) {month * 1000:.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
