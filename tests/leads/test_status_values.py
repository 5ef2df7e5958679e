"""Lead status values are the team's data: admins add, rename and retire them (audited); leads take only active ones."""

from __future__ import annotations

from sqlalchemy import select

from nurture.db.base import utcnow
from nurture.errors import ValidationError
from nurture.leads.capture import create_lead
from nurture.leads.status_admin import add_status, rename_status, restore_status, retire_status
from nurture.leads.status_values import status_values
from nurture.leads.validation import validate_lead_input
from nurture.models import DefinitionChange, Lead, OwnerTeam, Role, User
from tests.conftest import bearer, login


def _error(call) -> dict[str, str]:
    try:
        call()
    except ValidationError as exc:
        return exc.errors
    raise AssertionError("no ValidationError")


def _audit(session) -> list[tuple[str, str, dict | None, dict | None, int | None]]:
    rows = session.scalars(select(DefinitionChange).where(DefinitionChange.subject == "lead_status").order_by(DefinitionChange.id))
    return [(c.key, c.action, c.before, c.after, c.actor_user_id) for c in rows]


def test_the_defaults_are_the_old_statuses_with_an_owning_team(session):
    values = status_values(session)
    assert [v.key for v in values] == ["new", "attempting", "connected", "qualified", "unqualified", "bad_timing"]
    assert {v.key: v.owner_team for v in values}["new"] == OwnerTeam.MARKETING and values[-1].label == "Bad timing"


def test_a_company_adds_renames_retires_and_restores_a_status_each_audited(session):
    admin = User(email="boss@example.com", role=Role.ADMIN, password_hash="!")
    session.add(admin)
    session.flush()
    now = utcnow()
    add_status(session, "nurturing", "Nurturing", "marketing", admin, now)
    lead = create_lead(session, validate_lead_input({"email": "a@acme.com", "lead_status": "Nurturing"}), reason="test")
    assert lead.lead_status == "nurturing"
    assert rename_status(session, "bad_timing", "Timing later", "sales", admin, now)
    assert not rename_status(session, "bad_timing", "Timing later", "sales", admin, now)  # nothing changed: no audit row

    assert _error(lambda: retire_status(session, "nurturing", admin, now)) == {"key": "1 lead(s) hold this status: move them first"}
    assert "rename it instead" in _error(lambda: retire_status(session, "qualified", admin, now))["key"]
    lead.lead_status = "new"
    retire_status(session, "nurturing", admin, now)
    unknown = _error(lambda: create_lead(session, validate_lead_input({"email": "b@acme.com", "lead_status": "nurturing"}), reason="t"))
    assert unknown["lead_status"].startswith("Unknown value; one of: new, attempting")
    restore_status(session, "nurturing", admin, now)

    assert _error(lambda: add_status(session, "Nurturing!", "", "both", admin, now)) == {
        "key": "Lower-case letters, digits and _, starting with a letter (at most 32)", "label": "Required field missing",
        "owner_team": "One of marketing, sales"}  # fmt: skip
    assert "Taken" in _error(lambda: add_status(session, "nurturing", "Again", "sales", admin, now))["key"]
    assert _audit(session) == [
        ("nurturing", "added", None, {"label": "Nurturing", "owner_team": "marketing", "retired": False}, admin.id),
        ("bad_timing", "renamed", {"label": "Bad timing", "owner_team": "sales", "retired": False},
         {"label": "Timing later", "owner_team": "sales", "retired": False}, admin.id),
        ("nurturing", "retired", {"label": "Nurturing", "owner_team": "marketing", "retired": False},
         {"label": "Nurturing", "owner_team": "marketing", "retired": True}, admin.id),
        ("nurturing", "restored", {"label": "Nurturing", "owner_team": "marketing", "retired": True},
         {"label": "Nurturing", "owner_team": "marketing", "retired": False}, admin.id),
    ]  # fmt: skip


def test_the_api_takes_only_active_statuses_and_names_the_field(client, session, make_account):
    admin = make_account(Role.ADMIN)
    created = client.post("/api/v1/leads", json={"email": "c@acme.com", "lead_status": "dozing", "phone": "nope"}, headers=bearer(admin))
    assert created.status_code == 422 and set(created.json["errors"]) == {"lead_status", "phone"}
    add_status(session, "dozing", "Dozing", "sales", admin.user, utcnow())
    session.commit()
    created = client.post("/api/v1/leads", json={"email": "c@acme.com", "lead_status": "dozing"}, headers=bearer(admin))
    assert created.status_code == 201 and created.json["lead_status"] == "dozing"


def test_the_page_is_read_only_for_reps_and_edits_for_admins_with_csrf_and_field_errors(client, session, make_account):
    rep, admin = make_account(Role.REP, "rep@example.com"), make_account(Role.ADMIN, "boss@example.com")
    login(client, rep)
    page = client.get("/definitions/statuses-and-bands/").get_data(as_text=True)
    assert "Bad timing" in page and 'name="new.key"' not in page and "Only admins can change these." in page
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post("/definitions/statuses-and-bands/", data={"csrf_token": token, "action": "add"}).status_code == 403

    client.post("/logout", data={"csrf_token": token})
    login(client, admin)
    page = client.get("/definitions/statuses-and-bands/").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"action": "add", "new.key": "demo_booked", "new.label": "Demo booked", "new.owner_team": "sales"}
    assert client.post("/definitions/statuses-and-bands/", data=form).status_code == 400  # no CSRF token: refused
    assert session.scalar(select(Lead.id).where(Lead.lead_status == "demo_booked")) is None

    bad = client.post("/definitions/statuses-and-bands/", data={**form, "new.key": "Demo booked!", "csrf_token": token})
    assert bad.status_code == 422
    assert 'id="new.key-error">Lower-case letters' in bad.get_data(as_text=True) and 'value="Demo booked"' in bad.get_data(as_text=True)
    assert client.post("/definitions/statuses-and-bands/", data={**form, "csrf_token": token}).status_code == 302
    renamed = client.post("/definitions/statuses-and-bands/", data={"csrf_token": token, "action": "rename:new", "status.new.label": "Fresh",
                                                                    "status.new.owner_team": "marketing"})  # fmt: skip
    assert renamed.status_code == 302
    page = client.get("/definitions/statuses-and-bands/").get_data(as_text=True)
    assert "demo_booked" in page and 'value="Fresh"' in page and "boss@example.com" in page and "renamed" in page
    lead = create_lead(session, validate_lead_input({"email": "d@acme.com"}), reason="test")
    session.commit()
    assert "<dd>Fresh</dd>" in client.get(f"/leads/{lead.id}").get_data(as_text=True)  # the label shows, the key stays
    assert session.get(Lead, lead.id).lead_status == "new"


def test_an_import_rejects_a_row_whose_status_is_not_an_active_value(session, tmp_path):
    import io

    from nurture.leads.importer import import_leads

    body = b"email,status\nok@acme.com,Connected\nodd@acme.com,dozing\n"
    result = import_leads(session, io.BytesIO(body), name="leads.csv", rejects_path=tmp_path / "rejects.csv")
    assert (result.imported, result.rejected) == (1, 1)
    assert "lead_status" in (tmp_path / "rejects.csv").read_text()
    assert session.scalar(select(Lead.lead_status).where(Lead.email == "ok@acme.com")) == "connected"
