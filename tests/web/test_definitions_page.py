"""Admin → Definitions: every role reads the glossary (stages in order, definitions, owners, criteria in words,
maximum age, lead counts); only admins edit it, through CSRF-protected forms with per-field errors."""

from __future__ import annotations

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from nurture.leads.capture import create_lead
from nurture.leads.validation import validate_lead_input
from nurture.models import Role, Stage, StageChange
from tests.conftest import login
from tests.web.page_forms import PageForm


def test_a_rep_reads_the_glossary_and_cannot_change_it(client, session, make_account):
    for n in range(2):
        create_lead(session, validate_lead_input({"email": f"m{n}@example.com", "lifecycle_stage": "mql"}), reason="test")
    session.commit()
    login(client, make_account(Role.REP))
    page = client.get("/definitions/").get_data(as_text=True)
    assert 'href="/definitions/"' in page  # in the navigation
    order = [page.index(f"<code class=\"muted\">{key}</code>") for key in ("subscriber", "lead", "mql", "sql", "opportunity", "customer")]
    assert order == sorted(order)
    assert "Marketing-qualified: engaged enough" in page and "Score: engagement ≥ 30 (the MQL threshold of Admin → Scoring)." in page
    assert "<td>2</td>" in page and "New stage" not in page and "/definitions/mql/retire" not in page
    assert client.get("/definitions/mql").status_code == 403
    assert client.post("/definitions/mql/up").status_code in (400, 403)


def test_an_admin_adds_a_stage_with_errors_shown_per_field_then_saved_and_audited(client, session, admin):
    login(client, admin)
    form = PageForm(client.get("/definitions/new").get_data(as_text=True), "stage-form")
    form.update({"name": "", "max_age_days": "soon", "criteria.signals": "form:", "criteria.fields": "colour equals red"})
    refused = client.post("/definitions/new", data=form.data("save"))
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Required field missing" in body and "A whole number of days" in body
    assert "signals[0]: Events joined by +" in body and "fields[0].field: One of" in body
    assert 'value="soon"' in body and "colour equals red" in body  # what was typed is kept
    assert session.scalar(select(Stage).where(Stage.key == "information_qualified")) is None

    form = PageForm(body, "stage-form").update({"name": "Information qualified", "max_age_days": "14", "after": "lead",
                                                "criteria.signals": "form:whitepaper", "criteria.fields": "", "definition": "Read a guide."})  # fmt: skip
    assert client.post("/definitions/new", data=form.data("save")).status_code == 302
    page = client.get("/definitions/").get_data(as_text=True)
    assert page.index("information_qualified") < page.index("<code class=\"muted\">mql</code>")
    assert "14 days" in page and "a submission of form &#39;whitepaper&#39;" in page and "Created" in page
    change = session.scalar(select(StageChange))
    assert (change.stage_key, change.action, change.actor_user_id) == ("information_qualified", "created", admin.user.id)


def test_an_admin_renames_reorders_and_retires_and_a_post_without_csrf_is_refused(client, session, admin):
    login(client, admin)
    form = PageForm(client.get("/definitions/subscriber").get_data(as_text=True), "stage-form")
    without_token = MultiDict([(k, v) for k, v in form.data("save").items(multi=True) if k != "csrf_token"])
    assert client.post("/definitions/subscriber", data=without_token).status_code == 400
    assert client.post("/definitions/subscriber", data=form.set("name", "Newsletter").data("save")).status_code == 302
    token = form.get("csrf_token")
    assert client.post("/definitions/subscriber/retire", data={"csrf_token": token}).status_code == 302
    client.post("/definitions/sql/up", data={"csrf_token": token})  # two built-ins: refused with a message
    page = client.get("/definitions/").get_data(as_text=True)
    assert "keep their order" in page and "Newsletter" in page and "retired" in page
    stages = {s.key: s for s in session.scalars(select(Stage))}
    assert stages["subscriber"].name == "Newsletter" and stages["subscriber"].retired_at is not None
    assert stages["mql"].position < stages["sql"].position
    assert [c.action for c in session.scalars(select(StageChange).order_by(StageChange.id))] == ["updated", "retired"]
