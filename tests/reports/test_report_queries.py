"""The reports' grouped queries count a seeded scenario exactly, on both databases, in a fixed number of statements."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import event, select

from nurture.models import Lead, Opportunity, PipelineStage, Task, User
from nurture.models.enums import Role
from nurture.reports.catalog import REPORTS, Context
from nurture.reports.deals import deal_counts
from nurture.reports.period import Period
from nurture.reports.speed_to_lead import BUCKETS, speed_counts
from nurture.reports.task_completion import completion_counts
from tests.reports.test_lead_quality import seed as seed_lead_quality

NOW = datetime(2026, 11, 10, 10, tzinfo=UTC)
PERIOD = Period(NOW - timedelta(days=10), NOW + timedelta(days=1))
H, D = timedelta(hours=1), timedelta(days=1)


def plain_user(session, email, role=Role.REP):
    """A user for reports to count, without a password: hashing one costs more than the report under test."""
    user = User(email=email, role=role, password_hash="!")
    session.add(user)
    session.flush()
    return user


def _leads(session, n, prefix="speed"):
    leads = [Lead(email=f"{prefix}{i}@example.com") for i in range(n)]
    session.add_all(leads)
    session.flush()
    return leads


def _task(session, lead, created=None, due=NOW, completed=None, escalated=None, kind="first_touch", owner=None):
    session.add(Task(lead_id=lead.id, kind=kind, title="t", created_at=created or due - D, due_at=due, completed_at=completed,
                     escalated_at=escalated, owner_user_id=owner.id if owner else None))  # fmt: skip


def seed_first_touches(session):
    leads = _leads(session, 8)
    start = NOW - 2 * D
    _task(session, leads[0], start, start + D, completed=start + 3 * timedelta(minutes=1))  # under 5 minutes
    _task(session, leads[1], start, start + D, completed=start + 2 * H)  # 1-4 hours
    _task(session, leads[2], start - D, start, completed=start - D + 30 * H)  # 1-3 days, late
    _task(session, leads[3], start, start + D)  # open past due
    _task(session, leads[4], NOW - H, NOW + 23 * H)  # open, not due yet
    # Missed, reassigned at the deadline (completed when escalated: not a touch), then touched by the next rep.
    _task(session, leads[5], start - D, start, completed=start, escalated=start)
    _task(session, leads[5], start, start + D, completed=start + timedelta(minutes=10))
    _task(session, leads[6], NOW - 40 * D, NOW - 39 * D, completed=NOW - 39 * D)  # handed over before the period
    _task(session, leads[7], start, start + D, completed=start + D, kind="call")  # not a first touch
    session.commit()


def test_speed_to_lead_buckets_and_breaches(session):
    seed_first_touches(session)
    counts = speed_counts(session, PERIOD, NOW)
    over = len(BUCKETS)
    assert {b: (n, late) for b, (n, late, _s) in counts.items()} == {0: (1, 0), 2: (1, 0), 4: (2, 2), -1: (2, 1)}
    assert abs(counts[0][2] - 180) < 1 and over not in counts
    assert abs(counts[4][2] - (30 * 3600 + 24 * 3600 + 600)) < 1  # the reassigned lead waited from its first handoff


def test_task_completion_per_rep(session):
    alice, bob = plain_user(session, "alice@example.com"), plain_user(session, "bob@example.com")
    [lead] = _leads(session, 1)
    _task(session, lead, due=NOW - D, completed=NOW - 2 * D, kind="call", owner=alice)  # on time
    _task(session, lead, due=NOW - D, completed=NOW - H, kind="email", owner=alice)  # late
    _task(session, lead, due=NOW - H, owner=alice, kind="call")  # overdue, open
    _task(session, lead, due=NOW + H, owner=alice, kind="call")  # open, not yet due
    _task(session, lead, due=NOW - 3 * H, completed=NOW - 2 * H, escalated=NOW - 2 * H, owner=alice)  # taken away
    _task(session, lead, due=NOW - 5 * D, completed=NOW - 6 * D, owner=bob)
    _task(session, lead, due=NOW - 2 * H)  # unassigned, overdue
    _task(session, lead, due=NOW - 40 * D, owner=bob)  # due before the period
    session.commit()
    rows = {email: numbers for _id, email, _name, *numbers in completion_counts(session, PERIOD, NOW)}
    assert rows == {"alice@example.com": [5, 1, 1, 1, 1, 1], "bob@example.com": [1, 1, 0, 0, 0, 0], None: [1, 0, 0, 0, 1, 0]}
    own = completion_counts(session, PERIOD, NOW, owner_id=bob.id)
    assert [(r[1], r[3]) for r in own] == [("bob@example.com", 1)]


def seed_deals(session):
    stages = dict(session.execute(select(PipelineStage.key, PipelineStage.id)).all())
    [lead] = _leads(session, 1, "deal")

    def deal(stage, amount, currency="EUR", closed=NOW - D, source="webinar"):
        session.add(Opportunity(name="d", contact_lead_id=lead.id, stage_id=stages[stage], amount=Decimal(amount), currency=currency,
                                close_date=date(2027, 1, 1), source=source, closed_at=closed if stage != "proposal" else None))  # fmt: skip

    for _ in range(5):
        deal("closed_won", "20000")
    deal("closed_lost", "50000")
    deal("closed_won", "300", currency="USD", source="ebook")
    deal("proposal", "99999")  # open: neither won nor lost
    deal("closed_won", "1", closed=NOW - 30 * D)  # closed before the period
    session.commit()


def test_deals_closed_in_the_period_by_currency_source_and_outcome(session):
    seed_deals(session)
    rows = {(c, getattr(s, "value", s), getattr(o, "value", o)): (n, Decimal(a)) for c, s, o, n, a in deal_counts(session, PERIOD)}
    assert rows == {("EUR", "webinar", "won"): (5, Decimal("100000")), ("EUR", "webinar", "lost"): (1, Decimal("50000")),
                    ("USD", "ebook", "won"): (1, Decimal("300"))}  # fmt: skip


def test_every_report_costs_its_fixed_number_of_queries(session, settings, database):
    rep = plain_user(session, "rep@example.com")
    seed_lead_quality(session, settings, rep)
    seed_first_touches(session)
    seed_deals(session)
    seen: list[str] = []
    # The test's own SAVEPOINT (the session begins one per test transaction) is not the report's.
    listener = lambda *args: None if args[2].startswith(("SAVEPOINT", "RELEASE")) else seen.append(args[2])  # noqa: E731
    event.listen(database.engine, "before_cursor_execute", listener)
    try:
        for spec in REPORTS:
            seen.clear()
            report = spec.build(Context(session, settings, PERIOD, NOW))
            assert len(seen) == spec.queries, (spec.slug, seen)
            assert report.tables and report.tables[0].rows, spec.slug
    finally:
        event.remove(database.engine, "before_cursor_execute", listener)
