"""Admin CSV upload: counts shown, rejects downloadable by marketers only, the same rules as the CLI."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from nurture.models import Lead, Role
from tests.conftest import login


def _csrf(client, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def test_a_marketer_uploads_a_csv_and_downloads_the_rejects(client, session, make_account):
    login(client, make_account(Role.MARKETER))
    body = b"Email,First Name\nada@example.com,Ada\nnope,Bob\nada@example.com,Ada L.\n"
    response = client.post(
        "/imports/",
        data={"csrf_token": _csrf(client, "/imports/"), "source": "trade_show", "file": (io.BytesIO(body), "show.csv")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'data-count="read">3<', page) and re.search(r'data-count="imported">1<', page)
    assert re.search(r'data-count="updated">1<', page) and re.search(r'data-count="rejected">1<', page)
    link = re.search(r'href="(/imports/[0-9a-f]{24}/rejects\.csv)"', page).group(1)
    download = client.get(link)
    assert download.status_code == 200 and b"nope,Bob,3,email: Email address invalid" in download.data
    lead = session.scalar(select(Lead))
    assert (lead.email, lead.first_name, lead.source) == ("ada@example.com", "Ada L.", "trade_show")


def test_reps_cannot_import_and_paths_cannot_be_forged(client, session, make_account):
    login(client, make_account(Role.REP))
    assert client.get("/imports/").status_code == 403
    client.get("/logout")
    assert client.get("/imports/../../secret_key/rejects.csv").status_code in (403, 404)


def test_bad_uploads_keep_the_input_and_say_why(client, session, make_account):
    login(client, make_account(Role.ADMIN))
    token = _csrf(client, "/imports/")
    missing = client.post("/imports/", data={"csrf_token": token, "source": "moon", "map": "Work Email=email"})
    page = missing.get_data(as_text=True)
    assert missing.status_code == 422 and "Choose a CSV file" in page and "Unknown value" in page and "Work Email=email" in page
    no_email = client.post(
        "/imports/", data={"csrf_token": token, "source": "import", "file": (io.BytesIO(b"name\nBob\n"), "x.csv")},
        content_type="multipart/form-data",
    )
    assert no_email.status_code == 422 and "No email column" in no_email.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Lead)) == 0
