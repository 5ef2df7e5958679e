"""Admin CSV upload: the CLI's rules, the counts shown, rejects downloadable by importers only."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from nurture.models import Lead, LeadEvent, Role
from tests.conftest import login
from tests.jobs import work_off


def csrf(client, path: str = "/imports/") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def upload(client, body: bytes, filename: str = "show.csv", **form):
    data = {"csrf_token": csrf(client), "source": "trade_show", **form, "file": (io.BytesIO(body), filename)}
    return client.post("/imports/", data=data, content_type="multipart/form-data")


def count(page: str, name: str) -> int:
    return int(re.search(rf'data-count="{name}">(\d+)<', page).group(1))


def leads(session) -> int:
    return session.scalar(select(func.count()).select_from(Lead))


def test_a_marketer_uploads_a_csv_sees_the_counts_and_downloads_the_rejects(
    client, session, make_account, settings, session_factory
):
    marketer = make_account(Role.MARKETER)
    login(client, marketer)
    body = b"Email,First Name,Shoe size\nada@example.com,Ada,38\nnope,Bob,44\nada@example.com,Ada L.,\n"
    response = upload(client, body, filename="../../etc/Trade show.csv")
    assert response.status_code == 303
    result_url = response.headers["Location"]
    assert re.fullmatch(r"/imports/[0-9a-f]{32}", result_url)
    assert "Waiting for a worker" in client.get(result_url).get_data(as_text=True)
    work_off(settings, session_factory)

    page = client.get(result_url).get_data(as_text=True)
    assert [count(page, n) for n in ("read", "imported", "updated", "rejected")] == [3, 1, 1, 1]
    assert "Import of Trade show.csv" in page and "Shoe size" in page
    link = re.search(r'href="(/imports/[0-9a-f]{32}/rejects\.csv)"', page).group(1)
    download = client.get(link)
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert (
        download.data
        == b"\xef\xbb\xbfEmail,First Name,Shoe size,row_number,errors\r\nnope,Bob,44,3,email: Email address invalid\r\n"
    )

    lead = session.scalar(select(Lead))
    assert (lead.email, lead.first_name, lead.source) == ("ada@example.com", "Ada L.", "trade_show")
    events = session.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead.id)).all()
    assert {(e.kind, e.reason, e.actor_user_id) for e in events} == {
        ("imported", "Imported from Trade show.csv", marketer.user.id)
    }
    client.get(result_url)  # reloading the result imports nothing again
    assert leads(session) == 1 and len(session.scalars(select(LeadEvent)).all()) == 2


def test_only_admins_and_marketers_import_and_tokens_cannot_be_forged(
    client, session, make_account, settings, session_factory
):
    login(client, make_account(Role.ADMIN))
    result_url = upload(client, b"email\nbad\n").headers["Location"]
    work_off(settings, session_factory)
    rejects_url = f"{result_url}/rejects.csv"
    assert client.get(rejects_url).status_code == 200
    for forged in (
        "/imports/../secret_key",
        "/imports/secret_key/rejects.csv",
        "/imports/" + "0" * 32 + "/rejects.csv",
    ):
        assert client.get(forged).status_code == 404, forged

    rep = make_account(Role.REP)
    client.post("/logout", data={"csrf_token": csrf(client)})
    assert client.get(rejects_url).status_code == 302  # to the login page
    login(client, rep)
    for url in ("/imports/", result_url, rejects_url):
        assert client.get(url).status_code == 403, url
    assert upload_as_rep(client) == 403
    assert leads(session) == 0


def upload_as_rep(client) -> int:
    token = csrf(client, "/leads/")
    data = {"csrf_token": token, "source": "import", "file": (io.BytesIO(b"email\nr@example.com\n"), "x.csv")}
    return client.post("/imports/", data=data, content_type="multipart/form-data").status_code


def test_bad_uploads_keep_the_form_and_say_why(client, session, make_account):
    login(client, make_account(Role.ADMIN))
    token = csrf(client)
    missing = client.post("/imports/", data={"csrf_token": token, "source": "moon", "map": "Work Email=colour"})
    page = missing.get_data(as_text=True)
    assert missing.status_code == 422
    assert "Choose a CSV file" in page and "Unknown value" in page and "unknown lead field" in page
    assert "Work Email=colour" in page  # kept in the form
    no_email = upload(client, b"name\nBob\n")
    assert no_email.status_code == 422 and "No email column" in no_email.get_data(as_text=True)
    spreadsheet = upload(client, b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5U\x02\x9c", filename="x.xlsx")
    assert spreadsheet.status_code == 422 and "CSV UTF-8" in spreadsheet.get_data(as_text=True)
    no_csrf = client.post(
        "/imports/", data={"file": (io.BytesIO(b"email\na@example.com\n"), "a.csv")}, content_type="multipart/form-data"
    )
    assert no_csrf.status_code == 400
    assert leads(session) == 0


def test_the_upload_alone_accepts_bodies_larger_than_the_usual_limit(
    client, session, make_account, app, settings, session_factory
):
    login(client, make_account(Role.MARKETER))
    notes = "n" * 1_200_000  # an ignored column: past the 1 MB limit of every other body
    body = f"email,notes\nbig1@example.com,{notes}\nbig2@example.com,{notes}\n".encode()
    assert len(body) > 2 * app.extensions["nurture.settings"].max_body_bytes
    assert upload(client, body).status_code == 303
    work_off(settings, session_factory)
    assert leads(session) == 2
    too_big_elsewhere = client.post("/login", data={"email": "x", "password": notes})
    assert too_big_elsewhere.status_code == 413
