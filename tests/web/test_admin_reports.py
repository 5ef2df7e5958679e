"""The Reports section: pages with charts and their tables, the date range, CSV, JSON, and who sees what."""

from __future__ import annotations

import csv
import io
import re

from nurture.db.base import utcnow
from nurture.models import Role
from nurture.reports.catalog import REPORTS
from tests.conftest import bearer, login
from tests.reports.test_lead_quality import seed as seed_lead_quality
from tests.reports.test_report_queries import _leads, _task, plain_user

NOVEMBER = "from=2026-11-01&to=2026-11-30"


def test_report_pages_show_charts_beside_their_tables_and_export_csv(client, session, settings, make_account):
    marketer = make_account(Role.MARKETER)
    seed_lead_quality(session, settings, plain_user(session, "rep@example.com"))
    login(client, marketer)
    index = client.get("/reports/").get_data(as_text=True)
    assert all(f"/reports/{spec.slug}" in index for spec in REPORTS) and 'href="/reports/"' in index  # in the nav too
    for spec in REPORTS:
        assert client.get(f"/reports/{spec.slug}?{NOVEMBER}").status_code == 200, spec.slug
    funnel = client.get(f"/reports/funnel?{NOVEMBER}").get_data(as_text=True)
    # Progressive: the canvas is hidden until the vendored Chart.js draws it; the table carries the figures.
    assert "vendor/chart.umd.min.js" in funnel and "<canvas data-chart='" in funnel and '<figure class="chart" hidden>' in funnel
    overall = funnel.split('id="t-overall"')[1].split("</table>")[0]
    assert re.findall(r'<th scope="row">(\w+)</th>\s*<td class="num">(\d+)</td>', overall) == [
        ("Leads", "10"), ("MQL", "8"), ("SQL", "6"), ("Opportunity", "3"), ("Won", "1")]
    assert 'value="2026-11-01"' in funnel and "GET /api/v1/reports/funnel?from=2026-11-01" in funnel
    assert client.get("/static/vendor/chart.umd.min.js").status_code == 200

    response = client.get(f"/reports/marketing-vs-sales/export.csv?{NOVEMBER}")
    assert response.mimetype == "text/csv" and "marketing-vs-sales-2026-11-01-2026-11-30.csv" in response.headers["Content-Disposition"]
    rows = {r["source"]: r for r in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}
    assert (rows["webinar"]["marketing_qualified"], rows["webinar"]["sales_accepted"], rows["all"]["leads"]) == ("7", "5", "10")


def test_a_bad_period_says_which_field_and_no_period_means_the_last_30_days(client, make_account):
    login(client, make_account(Role.ADMIN))
    page = client.get("/reports/speed-to-lead?from=2026-13-01&to=2026-11-30")
    body = page.get_data(as_text=True)
    assert page.status_code == 400 and 'id="from-error"' in body and "YYYY-MM-DD" in body and 'value="2026-13-01"' in body
    backwards = client.get("/reports/deals?from=2026-11-30&to=2026-11-01").get_data(as_text=True)
    assert "Must be after from" in backwards and "Download CSV" not in backwards
    assert client.get("/reports/deals/export.csv?from=nope").status_code == 400
    body = client.get("/reports/funnel").get_data(as_text=True)
    assert f'name="to" type="date" value="{utcnow().date().isoformat()}"' in body and "Nothing in this period." in body


def test_a_rep_sees_only_their_own_task_completion(client, session, make_account):
    rep, other = make_account(Role.REP, "rep@example.com"), plain_user(session, "other@example.com")
    [lead] = _leads(session, 1)
    now = utcnow()
    _task(session, lead, due=now, completed=now, kind="call", owner=rep.user)
    _task(session, lead, due=now, kind="call", owner=other)
    session.commit()
    login(client, rep)
    index = client.get("/reports/").get_data(as_text=True)
    assert "/reports/task-completion" in index and "/reports/funnel" not in index
    page = client.get("/reports/task-completion").get_data(as_text=True)
    assert "rep@example.com" in page and "other@example.com" not in page
    assert client.get("/reports/funnel").status_code == 403 and client.get("/reports/nothing").status_code == 404
    api = client.get("/api/v1/reports/task-completion", headers=bearer(rep)).json
    assert [r["rep"] for r in api["tables"]["by_rep"]["rows"]] == ["rep@example.com"]
    assert client.get("/api/v1/reports/funnel", headers=bearer(rep)).status_code == 403


def test_api_json_and_csv_with_clear_errors(client, session, settings, make_account):
    marketer = make_account(Role.MARKETER)
    seed_lead_quality(session, settings, plain_user(session, "rep@example.com"))
    url = f"/api/v1/reports/disqualifications?{NOVEMBER}"
    body = client.get(url, headers=bearer(marketer)).json
    assert body["report"] == "disqualifications" and body["to"] == "2026-12-01T00:00:00+00:00"
    assert body["summary"]["by_reason"]["junk"] == 1 and body["tables"]["by_source"]["columns"][0] == "source"
    as_csv = client.get(url + "&format=csv", headers=bearer(marketer))
    assert as_csv.mimetype == "text/csv" and as_csv.get_data(as_text=True).startswith("table,source,no_budget")
    bad = client.get("/api/v1/reports/funnel?from=2026-11-01&to=soon&limit=3", headers=bearer(marketer))
    assert bad.status_code == 422 and bad.json["errors"] == {"limit": "Unknown parameter"}
    bad = client.get("/api/v1/reports/funnel?from=2026-11-01&to=soon", headers=bearer(marketer))
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"to"}
    assert client.get("/api/v1/reports/deals").status_code == 401
