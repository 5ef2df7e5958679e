"""Rows written in one statement on PostgreSQL (``unnest``, one array a column), an executemany elsewhere:
every value lands as the column's own conversion would write it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event, select

from nurture.db.bulk import insert_many
from nurture.models import Lead, LeadEvent


def test_insert_many_writes_every_row_and_value_in_one_statement(session):
    lead = Lead(email="bulk@example.com", custom_fields={})
    session.add(lead)
    session.commit()
    at = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    rows = [
        {"lead_id": lead.id, "kind": "email_sent", "reason": "Sent 'Hi, \"you\"'", "data": {"send_id": 7, "tags": ["a", "b"]}, "created_at": at},
        {"lead_id": lead.id, "kind": "completed", "reason": "", "data": None, "created_at": at},
        {"lead_id": lead.id, "kind": "exited", "reason": "{odd} [text], with 'quotes'", "data": {}, "created_at": at},
    ]  # fmt: skip
    seen: list[bool] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if "lead_events" in statement and statement.lstrip().upper().startswith("INSERT"):
            seen.append(executemany)

    event.listen(session.get_bind(), "before_cursor_execute", record)
    try:
        insert_many(session, LeadEvent.__table__, rows)
        session.commit()
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", record)

    assert seen == [session.get_bind().dialect.name != "postgresql"]  # one statement; an executemany on SQLite only
    written = session.execute(
        select(LeadEvent.kind, LeadEvent.reason, LeadEvent.data, LeadEvent.created_at).where(LeadEvent.lead_id == lead.id).order_by(LeadEvent.id)
    ).all()
    assert [tuple(row) for row in written] == [(r["kind"], r["reason"], r["data"], r["created_at"]) for r in rows]


def test_insert_many_of_no_rows_writes_nothing(session):
    insert_many(session, LeadEvent.__table__, [])
    assert session.scalar(select(LeadEvent.id).limit(1)) is None


def test_insert_many_skips_rows_a_unique_key_holds_and_returns_the_inserted_ones_converted(session):
    from nurture.models import Suppression

    table = Suppression.__table__
    at = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)

    def row(email: str) -> dict[str, object]:
        return {"email": email, "reason": "manual", "detail": "", "created_at": at}

    first = insert_many(session, table, [row("a@example.com")], skip_duplicates=True, returning=[table.c.email, table.c.created_at])
    again = insert_many(
        session, table, [row("a@example.com"), row("b@example.com")], skip_duplicates=True, returning=[table.c.email, table.c.created_at]
    )
    session.commit()
    assert first == [("a@example.com", at)]
    assert again == [("b@example.com", at)]  # a@ was there already: left out, not returned
    assert sorted(session.scalars(select(Suppression.email))) == ["a@example.com", "b@example.com"]
