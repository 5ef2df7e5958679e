"""A batch's enrollments written with one Core statement (one a row neither on PostgreSQL: ``unnest``):
the walked values land, the ORM flushes nothing more for them, and a change the walk did not make is
still flushed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, select

from campaigns.batch_writes import write_enrollments
from campaigns.enrollments import enroll
from campaigns.models import Enrollment, EnrollmentState


def _enrollments_updates(session):
    """UPDATE statements on enrollments the session emits from now on."""
    seen: list[tuple[str, bool]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if statement.lstrip().upper().startswith("UPDATE ENROLLMENTS"):
            seen.append((statement, executemany))

    event.listen(session.get_bind(), "before_cursor_execute", record)
    return seen, lambda: event.remove(session.get_bind(), "before_cursor_execute", record)


def _two_enrollments(session, make_lead, make_sequence, clock):
    sequence = make_sequence({"steps": [{"id": "w", "type": "wait", "amount": 1, "unit": "days"}]})
    enrollments = [enroll(session, sequence, make_lead(f"b{n}@example.com"), now=clock(), by="test") for n in range(2)]
    for enrollment in enrollments:
        enrollment.claim_token = "tok"
    session.commit()
    return enrollments


def test_walked_columns_are_written_once_and_not_flushed_again(session, make_lead, make_sequence, clock):
    first, second = _two_enrollments(session, make_lead, make_sequence, clock)
    later = clock() + timedelta(days=1)
    first.next_run_at, first.claim_token = later, None
    second.state, second.exit_reason, second.current_step = EnrollmentState.COMPLETED, "done", None

    seen, stop = _enrollments_updates(session)
    try:
        write_enrollments(session, [first, second], "tok")
        session.commit()
    finally:
        stop()

    assert len(seen) == 1  # one statement; the commit's flush found nothing left to write
    assert seen[0][1] == (session.get_bind().dialect.name != "postgresql")  # an executemany on SQLite only
    assert not session.dirty
    rows = dict(
        session.execute(select(Enrollment.id, Enrollment.state).where(Enrollment.id.in_([first.id, second.id]))).all()
    )
    assert rows == {first.id: EnrollmentState.ACTIVE, second.id: EnrollmentState.COMPLETED}
    session.expire_all()
    assert first.next_run_at == later and first.claim_token is None
    assert second.exit_reason == "done"


def test_a_change_outside_the_walked_columns_is_still_flushed(session, make_lead, make_sequence, clock):
    first, second = _two_enrollments(session, make_lead, make_sequence, clock)
    first.next_run_at = clock() + timedelta(hours=3)
    first.enrolled_by = "changed by an action"  # not one of the walked columns

    write_enrollments(session, [first, second], "tok")
    session.commit()
    session.expire_all()

    assert first.enrolled_by == "changed by an action"
    assert first.next_run_at == clock() + timedelta(hours=3)


def test_an_enrollment_whose_claim_was_cleared_is_left_as_the_stop_made_it(session, make_lead, make_sequence, clock):
    first, _second = _two_enrollments(session, make_lead, make_sequence, clock)
    session.execute(
        Enrollment.__table__.update()
        .where(Enrollment.id == first.id)
        .values(claim_token=None, state=EnrollmentState.EXITED.value, exit_reason="Replied")
    )
    session.commit()
    first.next_run_at = clock() + timedelta(days=2)  # what the batch would have planned

    write_enrollments(session, [first], "tok")
    session.commit()
    session.expire_all()

    assert first.state == EnrollmentState.EXITED and first.exit_reason == "Replied"
