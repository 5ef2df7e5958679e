"""A rep away: their cadences pause until they are back (and resume by themselves, or at once when they
return early), or their leads and open tasks go to another rep and the cadences carry on."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from campaigns.enrollments import enroll
from campaigns.models import EnrollmentState
from nurture.db.base import utcnow
from nurture.models import LeadEvent, Role, Task
from tests.conftest import login
from tests.sales import sales_lead

STEPS = [
    {"id": "first", "type": "email", "subject": "Quick question", "html": "<p>Hi</p>"},
    {"id": "gap", "type": "wait", "amount": 2, "unit": "days"},
    {"id": "second", "type": "email", "subject": "Following up", "html": "<p>Again</p>"},
]


def state(session, enrollment) -> EnrollmentState:
    session.refresh(enrollment)
    return enrollment.state


def csrf(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def _started(session, clock, make_sequence, tick, smtp_transport, rep):
    outreach = make_sequence({"steps": STEPS}, name="Outreach", kind="cadence")
    leads = [sales_lead(session, rep, f"{n}@acme-corp.com") for n in ("ada", "bob")]
    enrollments = [enroll(session, outreach, lead, now=clock(), by="test") for lead in leads]
    session.add(Task(lead_id=leads[0].id, owner_user_id=rep.id, kind="call", title="Call Ada", due_at=clock(), created_at=clock()))
    session.commit()
    tick(smtp_transport)
    return leads, enrollments


def test_an_admin_pauses_an_away_reps_cadences_until_they_are_back_and_they_resume_by_themselves(
    client, session, admin, make_account, clock, make_sequence, tick, smtp_transport, smtp_sink
):
    clock.now = utcnow()  # the admin page acts at the real time: the engine's clock starts there too
    rep = make_account(Role.REP, "rep@example.com")
    leads, enrollments = _started(session, clock, make_sequence, tick, smtp_transport, rep.user)
    back = datetime.combine(clock.now.date() + timedelta(days=8), time(0), tzinfo=UTC)
    login(client, admin)
    token = csrf(client.get("/routing/").get_data(as_text=True))
    form = {"csrf_token": token, "routing_weight": "1", "capacity": "0", "away": "on", "while_away": "pause"}

    missing = client.post(f"/routing/reps/{rep.user.id}", data=form)  # pausing needs the day they are back
    assert missing.status_code == 422 and "Give the day you are back" in missing.get_data(as_text=True)

    done = client.post(f"/routing/reps/{rep.user.id}", data={**form, "away_until": back.date().isoformat()}, follow_redirects=True)
    assert f"2 cadence enrollment(s) paused until {back:%Y-%m-%d}" in done.get_data(as_text=True)
    for enrollment in enrollments:
        session.refresh(enrollment)
        assert (enrollment.state, enrollment.paused_until) == (EnrollmentState.PAUSED, back)
    reasons = session.scalars(select(LeadEvent.reason).where(LeadEvent.kind == "cadence_paused")).all()
    assert reasons == [f"rep@example.com is away: cadence paused until {back:%Y-%m-%d} 00:00 UTC"] * 2
    page = client.get(f"/sequences/{enrollments[0].sequence_id}/enrollments/{enrollments[0].id}").get_data(as_text=True)
    assert f"Paused until {back:%Y-%m-%d} 00:00 UTC (rep@example.com is away), then it resumes by itself." in page

    clock.advance(days=3)  # the follow-ups were due after two days: held
    tick(smtp_transport)
    assert len(smtp_sink.received) == 2
    clock.now = back + timedelta(minutes=1)  # back: resumed by the claim; the two days of the wait follow the return
    tick(smtp_transport)
    assert len(smtp_sink.received) == 2 and all(state(session, e) == EnrollmentState.ACTIVE for e in enrollments)
    clock.now = back + timedelta(days=2, minutes=1)
    tick(smtp_transport)
    assert [r.message["Subject"] for r in smtp_sink.received[2:]] == ["Following up"] * 2


def test_a_rep_back_early_resumes_their_paused_cadences_at_once(client, session, make_account, clock, make_sequence, tick,
                                                                smtp_transport):  # fmt: skip
    rep = make_account(Role.REP, "rep@example.com")
    _leads, enrollments = _started(session, clock, make_sequence, tick, smtp_transport, rep.user)
    login(client, rep)
    token = csrf(client.get("/routing/me").get_data(as_text=True))
    client.post("/routing/me", data={"csrf_token": token, "away": "on", "away_until": "2099-01-01", "while_away": "pause"})
    assert state(session, enrollments[0]) == EnrollmentState.PAUSED
    back = client.post("/routing/me", data={"csrf_token": token, "away_until": ""}, follow_redirects=True)
    assert "2 paused cadence enrollment(s) resumed." in back.get_data(as_text=True)
    for enrollment in enrollments:
        session.refresh(enrollment)
        assert enrollment.state == EnrollmentState.ACTIVE and enrollment.paused_until is None
    assert session.scalars(select(LeadEvent.reason).where(LeadEvent.kind == "cadence_resumed")).all() == [
        "rep@example.com is back: the cadence continues"] * 2  # fmt: skip


def test_reassigning_an_away_reps_leads_moves_their_open_tasks_and_the_cadences_continue(
    client, session, admin, make_account, clock, make_sequence, tick, smtp_transport, smtp_sink
):
    rep, cover = make_account(Role.REP, "rep@example.com"), make_account(Role.REP, "cover@example.com")
    leads, enrollments = _started(session, clock, make_sequence, tick, smtp_transport, rep.user)
    login(client, admin)
    token = csrf(client.get("/routing/").get_data(as_text=True))
    form = {"csrf_token": token, "routing_weight": "1", "capacity": "0", "away": "on", "while_away": "reassign"}
    assert client.post(f"/routing/reps/{rep.user.id}", data={**form, "reassign_to": str(rep.user.id)}).status_code == 422

    done = client.post(f"/routing/reps/{rep.user.id}", data={**form, "reassign_to": "routing"}, follow_redirects=True)
    assert "2 lead(s) and 1 open task(s) reassigned" in done.get_data(as_text=True)
    for lead in leads:
        session.refresh(lead)
        assert lead.owner_user_id == cover.user.id  # the only other available rep, by the routing rules
    assert session.scalar(select(Task.owner_user_id)) == cover.user.id
    [event] = session.scalars(select(LeadEvent).where(LeadEvent.lead_id == leads[0].id, LeadEvent.kind == "owner_changed")).all()
    assert event.reason.startswith("rep@example.com is away: reassigned from rep@example.com by the routing rules")
    clock.advance(days=2, minutes=1)
    tick(smtp_transport)
    assert [r.message["Subject"] for r in smtp_sink.received[2:]] == ["Following up"] * 2
    assert all(state(session, e) == EnrollmentState.COMPLETED for e in enrollments)  # carried on to the end
