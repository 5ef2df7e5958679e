"""Admin page speed: every admin page's server time on PostgreSQL with 100,000 leads, 1,000,000 events
and 50 sequences (issue 6's limit: 300 ms a page).

Seeds a freshly migrated PostgreSQL schema with bare inserts (leads with companies, owners, stages and
score snapshots; 50 sequences with enrollments and sends; 1,000,000 events: email opens/clicks, timeline
rows and page visits; tasks, opportunities, disqualifications), then requests every GET page of the admin
through the real app (in-process WSGI, logged in through the login form: as an admin, and as a rep for
the rep's pages), median of 5 runs after one warm-up, and prints each page's time as a ratio to the limit.

    .venv/bin/python bench/admin_pages.py [--leads 100000] [--events 1000000] [--only /leads/]
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
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import Engine, Table, func, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from campaigns.models import Enrollment, Send, Sequence, SequenceVersion  # noqa: E402
from campaigns.sequences import create_sequence  # noqa: E402
from nurture.config import Settings  # noqa: E402
from nurture.db.base import Base  # noqa: E402
from nurture.db.engine import make_engine  # noqa: E402
from nurture.models import Lead, LeadSource, PipelineStage, Role, User  # noqa: E402
from nurture.users.accounts import create_user  # noqa: E402
from nurture.web.app import create_app  # noqa: E402
from tests.databases import migrated_database, postgres_available  # noqa: E402
from tests.redis_server import test_redis  # noqa: E402

LIMIT_SECONDS = 0.300
PASSWORD = "correct horse battery"
NOW = datetime.now(UTC).replace(microsecond=0)
START = NOW - timedelta(days=365)
SOURCES = list(LeadSource)
STAGES = ["subscriber", "lead", "mql", "sql", "opportunity", "customer"]
STATUSES = ["new", "attempting", "connected", "qualified", "unqualified", "bad_timing"]
CHUNK = 10_000


def table(name: str) -> Table:
    return Base.metadata.tables[name]


def bulk(session: Session, name: str, rows: Iterator[dict[str, Any]] | list[dict[str, Any]]) -> int:
    """Insert rows a chunk at a time (Core executemany; column defaults applied); returns the count."""
    count, chunk = 0, []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            session.execute(insert(table(name)), chunk)
            count, chunk = count + len(chunk), []
    if chunk:
        session.execute(insert(table(name)), chunk)
        count += len(chunk)
    session.commit()
    return count


def ids(session: Session, name: str) -> list[int]:
    return list(session.scalars(select(table(name).c.id).order_by(table(name).c.id)))


def at(rng: random.Random) -> datetime:
    return START + timedelta(seconds=rng.randrange(365 * 86400))


def seed_sequences(session: Session, count: int) -> None:
    import yaml

    example = yaml.safe_load((Path(__file__).resolve().parents[1] / "campaigns/examples/welcome.yaml").read_text())
    example.pop("status", None)
    for n in range(count):
        create_sequence(session, {**example, "name": f"Nurture {n}", "kind": "cadence" if n % 5 == 4 else "nurture",
                                  })  # fmt: skip
    session.execute(Sequence.__table__.update().values(status="active"))
    session.commit()


def seed(session: Session, leads: int, events: int) -> dict[str, int]:
    rng = random.Random(6)
    counts: dict[str, int] = {}
    reps = [create_user(session, f"rep{n}@bench.example.com", Role.REP, password=PASSWORD, name=f"Rep {n}")[0] for n in range(20)]
    create_user(session, "admin@bench.example.com", Role.ADMIN, password=PASSWORD, name="Admin")
    create_user(session, "marketer@bench.example.com", Role.MARKETER, password=PASSWORD, name="Marketer")
    session.commit()
    rep_ids = [rep.id for rep in reps]
    counts["companies"] = bulk(session, "companies", ({"domain": f"c{n}.bench.example.com", "name": f"Company {n}",
                                                        "industry": rng.choice(["saas", "retail", "health"]), "size": rng.randrange(5, 5000)}
                                                       for n in range(5000)))  # fmt: skip
    company_ids = ids(session, "companies")

    def lead_rows() -> Iterator[dict[str, Any]]:
        for n in range(leads):
            stage = rng.choices(STAGES, [5, 60, 18, 10, 4, 3])[0]
            sales = stage in ("sql", "opportunity", "customer")
            created = at(rng)
            yield {"email": f"l{n}@c{n % 5000}.bench.example.com", "first_name": f"First{n}", "last_name": f"Last{n}",
                   "company_id": company_ids[n % 5000], "source": rng.choice(SOURCES), "source_detail": f"campaign {n % 40}",
                   "country": rng.choice(["US", "DE", "FR", "GB"]), "timezone": rng.choice(["America/New_York", "Europe/Berlin"]),
                   "owner_team": "sales" if sales else "marketing", "owner_user_id": rng.choice(rep_ids) if sales else None,
                   "lifecycle_stage": stage, "lead_status": rng.choice(STATUSES), "custom_fields": {},
                   "created_at": created, "updated_at": created}  # fmt: skip

    counts["leads"] = bulk(session, "leads", lead_rows())
    lead_ids = ids(session, "leads")
    counts["lead_score_snapshots"] = bulk(session, "lead_score_snapshots", (
        {"lead_id": lead_id, "engagement": (e := rng.random() * 80), "fit": rng.randrange(0, 90), "grade": rng.choice("ABCD"),
         "heat": e if e > 5 else None, "half_life_days": 30.0, "scored_at": NOW - timedelta(days=rng.randrange(60))}
        for lead_id in lead_ids))  # fmt: skip

    seed_sequences(session, 50)
    versions = list(session.execute(select(SequenceVersion.id, SequenceVersion.sequence_id)))
    enrollments = []
    for lead_id in lead_ids:
        for version_id, sequence_id in rng.sample(versions, rng.choice([1, 1, 2])):
            state = rng.choices(["active", "completed", "exited"], [50, 35, 15])[0]
            enrollments.append({"lead_id": lead_id, "sequence_id": sequence_id, "version_id": version_id, "state": state,
                                "current_step": "pause" if state == "active" else None, "step_started_at": at(rng),
                                "next_run_at": NOW + timedelta(days=rng.randrange(1, 30)) if state == "active" else None,
                                "exit_reason": "replied" if state == "exited" else None, "enrolled_by": "bench",
                                "created_at": at(rng)})  # fmt: skip
    counts["enrollments"] = bulk(session, "enrollments", enrollments)
    sends = []
    for enrollment_id, lead_id, version_id in session.execute(select(Enrollment.id, Enrollment.lead_id, Enrollment.version_id)):
        sent = at(rng)
        for step in ("welcome", "nudge")[: rng.choice([1, 2])]:
            sends.append({"enrollment_id": enrollment_id, "version_id": version_id, "step_id": step, "lead_id": lead_id,
                          "rcpt_to": f"l{lead_id}@bench.example.com", "state": "sent", "attempts": 1,
                          "message_id": f"<{enrollment_id}.{step}@bench.example.com>", "sent_at": sent, "created_at": sent})  # fmt: skip
    counts["sends"] = bulk(session, "sends", sends)
    send_rows = list(session.execute(select(Send.id, Send.lead_id)))

    email_events = events * 7 // 10
    timeline = events * 2 // 10
    visits = events - email_events - timeline

    def email_event_rows() -> Iterator[dict[str, Any]]:
        for _ in range(email_events):
            send_id, lead_id = rng.choice(send_rows)
            when = at(rng)
            kind = rng.choices(["open", "click", "reply", "unsubscribe"], [70, 25, 4, 1])[0]
            yield {"send_id": send_id, "lead_id": lead_id, "kind": kind, "is_machine": rng.random() < 0.05,
                   "url": "https://example.com/guide" if kind == "click" else None, "data": {},
                   "occurred_at": when, "recorded_at": when}  # fmt: skip

    counts["email_events"] = bulk(session, "email_events", email_event_rows())
    counts["lead_events"] = bulk(session, "lead_events", (
        {"lead_id": rng.choice(lead_ids), "kind": rng.choice(["created", "stage_changed", "enrolled", "sent", "scored"]),
         "reason": "bench", "data": {}, "created_at": at(rng)} for _ in range(timeline)))  # fmt: skip
    counts["activity_events"] = bulk(session, "activity_events", (
        {"lead_id": rng.choice(lead_ids), "kind": "page_visit", "url": f"https://example.com/p{rng.randrange(50)}",
         "data": {}, "occurred_at": (w := at(rng)), "recorded_at": w} for _ in range(visits)))  # fmt: skip

    sales_leads = list(session.execute(select(Lead.id, Lead.owner_user_id).where(Lead.owner_user_id.is_not(None))))
    counts["tasks"] = bulk(session, "tasks", (
        {"lead_id": lead_id, "owner_user_id": owner, "kind": rng.choice(["first_touch", "call", "email", "social"]),
         "title": "Call", "due_at": (due := NOW + timedelta(hours=rng.randrange(-24 * 30, 24 * 7))),
         "completed_at": due if rng.random() < 0.6 else None, "created_at": due - timedelta(days=1)}
        for lead_id, owner in sales_leads))  # fmt: skip
    stages = list(session.scalars(select(PipelineStage.id)))
    counts["opportunities"] = bulk(session, "opportunities", (
        {"name": f"Deal {lead_id}", "contact_lead_id": lead_id, "owner_user_id": owner, "stage_id": rng.choice(stages),
         "amount": rng.randrange(1000, 90000), "currency": "EUR", "close_date": date.today() + timedelta(days=rng.randrange(-30, 120)),
         "source": rng.choice(SOURCES), "source_detail": f"campaign {lead_id % 40}", "created_at": at(rng), "updated_at": NOW}
        for lead_id, owner in sales_leads[: leads * 3 // 100]))  # fmt: skip
    counts["disqualifications"] = bulk(session, "disqualifications", (
        {"lead_id": lead_id, "reason": rng.choice(["no_budget", "no_need", "bad_timing", "junk"]), "stage_before": "sql",
         "created_at": at(rng)} for lead_id in rng.sample(lead_ids, leads // 20)))  # fmt: skip
    session.execute(text("ANALYZE"))
    session.commit()
    return counts


def login(client: FlaskClient, email: str) -> None:
    page = client.get("/login")
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.status_code


def sample_arguments(session: Session) -> dict[str, Any]:
    """A real row for each URL argument the admin's routes take (the latest one, as a user would open)."""
    def latest(name: str) -> int | None:
        return session.scalar(select(func.max(table(name).c.id)))

    lead_with_history = session.scalar(select(Lead.id).where(Lead.owner_user_id.is_not(None)).order_by(Lead.id.desc()).limit(1))
    sequence_id = session.scalar(select(func.min(Sequence.id)))
    return {
        "lead_id": lead_with_history, "opportunity_id": latest("opportunities"), "sequence_id": sequence_id,
        "enrollment_id": session.scalar(select(func.max(Enrollment.id)).where(Enrollment.sequence_id == sequence_id)),
        "message_id": latest("outbox_messages"), "inbound_id": latest("inbound_messages"), "version_id": latest("policy_versions"),
        "form_id": latest("forms"), "territory_id": latest("territories"), "endpoint_id": latest("webhook_endpoints"),
        "delivery_id": latest("webhook_deliveries"),
    }  # fmt: skip


EXTRA_QUERIES = ["/leads/?q=First4242", "/leads/?stage=mql&source=webinar", "/leads/?page=400", "/hot-leads/?page=50"]


def pages(app: Flask, arguments: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Every GET page of the admin, with real arguments; and those that could not be filled (said, not hidden)."""
    found, unfilled = [], []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or not rule.endpoint.startswith("admin_") or rule.endpoint.startswith("admin_auth"):
            continue
        if rule.rule.endswith((".csv", "/preview")) or "<token>" in rule.rule:
            unfilled.append(f"{rule.rule} (a download or needs a token)")
            continue
        values = {name: arguments.get(name) for name in rule.arguments if name not in (rule.defaults or {})}
        if any(value is None for value in values.values()):
            unfilled.append(f"{rule.rule} (no row for {', '.join(k for k, v in values.items() if v is None)})")
            continue
        with app.test_request_context():
            from flask import url_for

            found.append(url_for(rule.endpoint, **values))
    return sorted(set(found)) + EXTRA_QUERIES, unfilled


def measure(client: FlaskClient, url: str, runs: int = 5) -> tuple[float, int]:
    status = client.get(url).status_code  # warm-up (template compile, plan caches)
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        status = client.get(url).status_code
        times.append(time.perf_counter() - began)
    return statistics.median(times), status


@contextmanager
def seeded_database(args: argparse.Namespace, directory: Path) -> Iterator[tuple[str, Engine]]:
    """A new schema, seeded (dropped at the end unless --keep); or the one --reuse names, as it is."""
    if args.reuse:
        engine = make_engine(args.reuse)
        yield args.reuse, engine
        engine.dispose()
        return
    with migrated_database("postgresql", directory, keep=args.keep) as (url, engine):
        factory = sessionmaker(engine, expire_on_commit=False)
        began = time.perf_counter()
        with factory() as session:
            counts = seed(session, args.leads, args.events)
        print(f"seeded in {time.perf_counter() - began:.0f} s: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        print(f"events in all: {counts['email_events'] + counts['lead_events'] + counts['activity_events']:,}")
        if args.keep:
            print(f"kept: --reuse '{url}'")
        yield url, engine


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the seeded schema and print how to --reuse it")
    parser.add_argument("--reuse", default="", help="measure a schema kept by --keep (no seeding)")
    parser.add_argument("--only", default="", help="measure only URLs containing this text")
    args = parser.parse_args()
    if not postgres_available():
        sys.exit("PostgreSQL is required (NURTURE_TEST_POSTGRES_URL)")
    with tempfile.TemporaryDirectory() as tmp, seeded_database(args, Path(tmp)) as (url, engine), \
            test_redis(Path(tmp)) as redis_url:  # fmt: skip
        factory = sessionmaker(engine, expire_on_commit=False)
        settings = Settings(database_url=url, redis_url=redis_url, secret_key="bench-secret", base_url="http://nurture.test",
                            instance_path=Path(tmp) / "instance")  # fmt: skip
        app = create_app(settings, session_factory=factory)
        with factory() as session:
            urls, unfilled = pages(app, sample_arguments(session))
            rep_email = session.scalar(select(User.email).where(User.role == Role.REP).order_by(User.id))
        as_admin, as_rep = app.test_client(), app.test_client()
        login(as_admin, "admin@bench.example.com")
        login(as_rep, rep_email)
        rows = [(f"{u} (rep)", *measure(as_rep, u)) for u in ["/today/", "/leads/", "/opportunities/"]]
        rows += [(u, *measure(as_admin, u)) for u in urls]
        worst = 0.0
        print(f"\n{'page':60} {'ms':>8} {'ratio':>6} status   (limit {LIMIT_SECONDS * 1000:.0f} ms; ratio = time / limit, ≤ 1 passes)")
        for page, seconds, status in rows:
            if args.only and args.only not in page:
                continue
            worst = max(worst, seconds / LIMIT_SECONDS)
            flag = "" if seconds <= LIMIT_SECONDS and status == 200 else "  <-- over" if status == 200 else f"  <-- status {status}"
            print(f"{page:60} {seconds * 1000:8.1f} {seconds / LIMIT_SECONDS:6.2f} {status}{flag}")
        print(f"\nworst ratio: {worst:.2f} over {len(rows)} pages")
        for item in unfilled:
            print(f"not measured: {item}")


if __name__ == "__main__":
    main()
