"""CSV import speed: 100,000 rows through `nurture import leads`, against a bare insert in the same run.

The CSV is realistic (names, companies, countries), with ~1% bad rows and ~2%
repeated emails. The limit is a bare executemany of the same number of
pre-validated lead rows into an equally fresh database: what the database
alone costs. Prints rows/s for both and the ratio.

    .venv/bin/python bench/import_csv.py [--rows 100000] [--backend sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402

from nurture.models import Lead  # noqa: E402
from tests.databases import migrated_database  # noqa: E402

FIRST = ["Ada", "Grace", "Alan", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "Tim", "Zoë", "José"]
LAST = ["Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Thompson", "Liskov", "Ritchie", "Allen", "Berners-Lee"]
COUNTRIES = ["US", "GB", "DE", "FR", "JP", "BR", "IN", "AU", "CA", "ES"]
TITLES = ["CTO", "VP Engineering", "Head of Marketing", "Developer", "CEO", "Product Manager"]


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(42)
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["Email", "First Name", "Last Name", "Company", "Job Title", "Country", "Phone", "custom_plan"])
        for n in range(rows):
            company = f"company{n // 20}"
            email = f"person{n}@{company}.example.com"
            if n % 50 == 7:
                email = f"person{n - 5}@company{(n - 5) // 20}.example.com"  # a repeat: updates, not duplicates
            if n % 100 == 13:
                email = f"broken-{n}"  # a bad row
            out.writerow([email, rng.choice(FIRST), rng.choice(LAST), company.title(), rng.choice(TITLES),
                          rng.choice(COUNTRIES), f"+1 555 {n:07d}", rng.choice(["free", "pro", "enterprise"])])  # fmt: skip


def ours(url: str, csv_path: Path, tmp: Path) -> tuple[float, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NURTURE_")}
    env.update(NURTURE_DATABASE_URL=url, NURTURE_INSTANCE_PATH=str(tmp))
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "nurture.cli", "import", "leads", str(csv_path), "--source", "trade_show"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    summary = result.stdout.strip().splitlines()[0]
    return elapsed, summary


def bare_insert(engine, rows: int) -> float:
    now = datetime.now(UTC)
    data = [
        {"email": f"person{n}@company{n // 20}.example.com", "first_name": "Ada", "last_name": "Lovelace",
         "title": "CTO", "country": "US", "timezone": "America/New_York", "phone": f"+1 555 {n:07d}",
         "custom_fields": {"plan": "pro"}, "created_at": now, "updated_at": now}
        for n in range(rows)
    ]  # fmt: skip
    started = time.perf_counter()
    with engine.begin() as conn:
        for start in range(0, rows, 1000):
            conn.execute(insert(Lead), data[start : start + 1000])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        tmp = Path(directory)
        csv_path = tmp / "leads.csv"
        write_csv(csv_path, args.rows)
        (tmp / "a").mkdir()
        (tmp / "b").mkdir()
        with migrated_database(args.backend, tmp / "a") as (url, _engine):
            elapsed, summary = ours(url, csv_path, tmp)
        with migrated_database(args.backend, tmp / "b") as (_url, engine):
            bare = bare_insert(engine, args.rows)
    ours_rate, bare_rate = args.rows / elapsed, args.rows / bare
    print(f"{summary} in {elapsed:.1f} s (whole command, process start included)")
    print(f"CSV import ({args.backend}, {args.rows:,} rows): ours {ours_rate:,.0f} rows/s, bare insert {bare_rate:,.0f} rows/s, "
          f"ratio {ours_rate / bare_rate:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
