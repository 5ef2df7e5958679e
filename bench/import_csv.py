"""CSV import speed: `nurture import leads` on 100,000 rows, against a bare insert measured in the same run.

The CSV is realistic (names with accents, companies and their websites, free
mail addresses, phones, countries as codes and names, a custom field), with
~1% bad rows (bad emails, line breaks in names, unknown countries, rows with a
cell missing, oversized cells) and ~2% repeated emails (updates). The import
runs the real command (progress bar and rejects file included) in this
process, into a freshly migrated database.

The limit is what the database alone costs: a bare DBAPI ``executemany`` of
the same number of pre-built lead rows, in one transaction, into an equally
fresh database. SQLite always; PostgreSQL too when it answers at
``NURTURE_TEST_POSTGRES_URL`` (default postgresql://postgres@127.0.0.1:5432/test),
each run in a schema of its own, dropped after.

    .venv/bin/python bench/import_csv.py [--rows 100000] [--backend sqlite|postgresql|all]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nurture.cli.import_leads import import_group  # noqa: E402
from tests.databases import migrated_database, postgres_available  # noqa: E402

FIRST = ["Ada", "Grace", "Alan", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "Tim", "Zoë", "José",
         "Søren", "Chloé", "Björn", "Aiko", "Priya", "Olu", "Mei", "Lucía"]  # fmt: skip
LAST = ["Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Thompson", "Liskov", "Ritchie", "Allen",
        "Berners-Lee", "Müller", "García", "O'Brien", "Nakamura", "Okafor", "Kowalski", "Dubois", "Rossi"]  # fmt: skip
TITLES = ["CTO", "VP Engineering", "Head of Marketing", "Developer", "CEO", "Product Manager", "Data Analyst", ""]
COUNTRIES = ["US", "GB", "DE", "FR", "JP", "BR", "IN", "AU", "CA", "ES", "Germany", "France", "Japan", ""]
FREE_MAIL = ["gmail.com", "outlook.com", "yahoo.com"]
HEADER = ["Email Address", "First Name", "Surname", "Company Name", "Job Title", "Phone Number", "Country", "Website",
          "custom_plan", "Notes"]  # fmt: skip


def lead_row(rng: random.Random, n: int) -> list[str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    company = n // 25  # ~4,000 companies
    free = rng.random() < 0.2
    domain = rng.choice(FREE_MAIL) if free else f"company{company}.example.com"
    local = f"{first}.{last}".lower().replace("'", "").replace(" ", "")
    return [
        f"{local}.{n}@{domain}",
        first,
        last,
        "" if free else f"Company {company} {rng.choice(['Inc', 'GmbH', 'Ltd', 'SA'])}",
        rng.choice(TITLES),
        f"+1 (555) {n % 1000:03d}-{n % 10000:04d}" if rng.random() < 0.7 else "",
        rng.choice(COUNTRIES),
        "" if free or rng.random() < 0.5 else f"https://www.company{company}.example.com/",
        rng.choice(["free", "pro", "enterprise", ""]),
        rng.choice(["met at booth", "", "", "asked for a demo; call back in Q3"]),
    ]


def spoil(row: list[str], n: int) -> list[str]:
    """One of several ways a real row goes wrong (each must end in the rejects file)."""
    kind = n % 5
    if kind == 0:
        row[0] = row[0].replace("@", " at ")
    elif kind == 1:
        row[1] = row[1] + "\r\nEvil"
    elif kind == 2:
        row[6] = "Atlantis"
    elif kind == 3:
        row = row[:-1]  # a cell missing
    else:
        row[2] = "x" * 20_000
    return row


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(42)
    made: list[list[str]] = []
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for n in range(rows):
            if n % 100 == 13:
                row = spoil(lead_row(rng, n), n // 100)
            elif n % 50 == 7 and made:
                row = list(rng.choice(made))  # a repeat: an update, not a duplicate
                row[4] = "Director"
            else:
                row = lead_row(rng, n)
                if len(made) < 5000:
                    made.append(row)
            out.writerow(row)


def import_once(url: str, csv_path: Path, tmp: Path) -> float:
    """The real command, in this process (no interpreter start in the figure)."""
    os.environ["NURTURE_DATABASE_URL"] = url
    os.environ["NURTURE_INSTANCE_PATH"] = str(tmp / "instance")
    started = time.perf_counter()
    import_group.main(["leads", str(csv_path), "--source", "trade_show"], standalone_mode=False)
    return time.perf_counter() - started


def raw_insert(engine, rows: int) -> float:
    """A bare executemany of pre-built lead rows: the database's own cost, nothing of ours."""
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    plan = json.dumps({"plan": "pro"})
    data = [
        (f"person.{n}@company{n // 25}.example.com", "Ada", "Lovelace", "CTO", "+1 (555) 000-0000", "import", "US",
         "America/New_York", "marketing", "lead", "new", plan, now, now, now)
        for n in range(rows)
    ]  # fmt: skip
    mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    sql = (
        "INSERT INTO leads (email, first_name, last_name, title, phone, source, country, timezone, owner_team, "
        f"lifecycle_stage, lead_status, custom_fields, created_at, updated_at, stage_entered_at) VALUES ({', '.join([mark] * 15)})"
    )
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.exec_driver_sql(sql, data)
    return time.perf_counter() - started


def bench(backend: str, csv_path: Path, rows: int, tmp: Path) -> None:
    (tmp / backend / "ours").mkdir(parents=True)
    (tmp / backend / "raw").mkdir(parents=True)
    with migrated_database(backend, tmp / backend / "ours") as (url, _engine):
        elapsed = import_once(url, csv_path, tmp / backend)
    with migrated_database(backend, tmp / backend / "raw") as (_url, engine):
        raw = raw_insert(engine, rows)
    ours_rate, raw_rate = rows / elapsed, rows / raw
    print(
        f"CSV import ({backend}, {rows:,} rows, {elapsed:.1f} s): import rows/s {ours_rate:,.0f}, "
        f"raw insert rows/s {raw_rate:,.0f}, ratio {ours_rate / raw_rate:.2f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "all"], default="all")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "all" else [args.backend]
    if args.backend == "all" and not postgres_available():
        print("PostgreSQL not reachable: SQLite only", flush=True)
        backends = ["sqlite"]
    with tempfile.TemporaryDirectory() as directory:
        tmp = Path(directory)
        csv_path = tmp / "leads.csv"
        write_csv(csv_path, args.rows)
        print(f"{csv_path.stat().st_size / 1e6:.1f} MB, {args.rows:,} rows", flush=True)
        for backend in backends:
            bench(backend, csv_path, args.rows, tmp)


if __name__ == "__main__":
    main()
