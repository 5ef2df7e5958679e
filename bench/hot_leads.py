"""Hot leads page cost at 10k and 100k engaged leads, on SQLite and PostgreSQL: it must stay flat.

Every lead has a score snapshot (a quarter with no positive engagement); the
first page, a deep page, and a filtered page (stage + owner) are timed with the
real query. Prints the median of 20 runs per case.

    .venv/bin/python bench/hot_leads.py [--sizes 10000,100000] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select, text  # noqa: E402

from nurture.db.engine import make_sessionmaker  # noqa: E402
from nurture.models import Lead, LeadScoreSnapshot, LifecycleStage, User  # noqa: E402
from nurture.scoring.hot_leads import HotFilters, hot_leads  # noqa: E402
from nurture.scoring.rules import ScoringRules  # noqa: E402
from nurture.scoring.snapshot import heat  # noqa: E402
from tests.databases import migrated_database  # noqa: E402

NOW = datetime(2026, 11, 24, tzinfo=UTC)
STAGES = [LifecycleStage.LEAD, LifecycleStage.LEAD, LifecycleStage.MQL, LifecycleStage.SQL]


def fill(session, have: int, target: int, rep_id: int) -> None:
    rng = random.Random(have)
    for start in range(have, target, 5000):
        ids = range(start, min(start + 5000, target))
        session.execute(insert(Lead), [
            {"email": f"b{i}@example.com", "lifecycle_stage": STAGES[i % 4], "owner_user_id": rep_id if i % 10 == 0 else None,
             "custom_fields": {}, "created_at": NOW, "updated_at": NOW} for i in ids
        ])  # fmt: skip
        lead_ids = session.scalars(select(Lead.id).where(Lead.email.in_([f"b{i}@example.com" for i in ids]))).all()
        rows = []
        for lead_id in lead_ids:
            engagement = rng.choice([0.0, rng.uniform(1, 100), rng.uniform(1, 100), rng.uniform(1, 100)])
            at = NOW - timedelta(days=rng.uniform(0, 120))
            rows.append({"lead_id": lead_id, "engagement": engagement, "fit": 0, "grade": "D",
                         "heat": heat(engagement, at, 30.0), "half_life_days": 30.0, "scored_at": at})  # fmt: skip
        session.execute(insert(LeadScoreSnapshot), rows)
        session.commit()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE"))
        session.commit()


def timed(session, filters: HotFilters, page: int) -> float:
    runs = []
    for _ in range(20):
        started = time.perf_counter()
        hot_leads(session, filters, NOW, ScoringRules(), page, 50)
        runs.append((time.perf_counter() - started) * 1000)
        session.rollback()
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as directory, migrated_database(backend, Path(directory)) as (_url, engine):
            session = make_sessionmaker(engine)()
            rep = User(email="rep@example.com", role="rep", password_hash="x")
            session.add(rep)
            session.commit()
            have = 0
            for size in (int(s) for s in args.sizes.split(",")):
                fill(session, have, size, rep.id)
                have = size
                cases = {
                    "first page": timed(session, HotFilters(), 1),
                    "page 100": timed(session, HotFilters(), 100),
                    "MQL + owner": timed(session, HotFilters(owner_user_id=rep.id, stage=LifecycleStage.MQL), 1),
                }
                print(f"{backend:10} {size:>7} leads  " + "  ".join(f"{k}: {v:6.1f} ms" for k, v in cases.items()))
            session.close()


if __name__ == "__main__":
    main()
