"""CSV import: the same validation as every capture, dedupe on email, nothing silently dropped."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import delete, event, func, select

from nurture.db.engine import make_sessionmaker
from nurture.errors import ValidationError
from nurture.leads.capture import create_lead
from nurture.leads.csv_columns import parse_overrides
from nurture.leads.importer import ImportFileError, LeadImport, import_leads
from nurture.leads.validation import validate_lead_input
from nurture.models import Company, Lead, LeadEvent, LeadSource, Role


def run(session, text: str | bytes, tmp_path: Path, **options):
    body = text.encode() if isinstance(text, str) else text
    return import_leads(session, io.BytesIO(body), name="leads.csv", rejects_path=tmp_path / "rejects.csv", **options)


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def rejects(tmp_path: Path) -> list[list[str]]:
    with (tmp_path / "rejects.csv").open(newline="", encoding="utf-8-sig", errors="surrogateescape") as fh:
        return list(csv.reader(fh))


def reasons(tmp_path: Path) -> dict[str, str]:
    rows = rejects(tmp_path)
    at = rows[0].index("row_number")
    return {row[at]: row[at + 1] for row in rows[1:]}


def leads_by_email(session) -> dict[str, Lead]:
    return {lead.email: lead for lead in session.scalars(select(Lead))}


def test_columns_are_matched_by_name_and_rows_become_leads_with_an_event_naming_the_file(session, tmp_path):
    text = (
        "E-mail,First Name,Surname,Company Name,Job Title,Phone Number,Country,Website,Favourite colour,custom_plan\n"
        "Ada@Acme.io,Ada,Lovelace,Acme Ltd,CTO,+44 20 7946 0000,GB,https://www.acme.io/about,blue,pro\n"
        "grace@gmail.com,Grace,Hopper,,Admiral,,United States,,,\n"
    )
    result = run(session, text, tmp_path, source=LeadSource.WEBINAR)
    assert result.summary == "rows read 2: imported 2, updated 0, rejected 0"
    assert result.ignored_columns == ["Favourite colour"] and result.rejects_path is None
    assert not (tmp_path / "rejects.csv").exists()

    leads = leads_by_email(session)
    ada, grace = leads["ada@acme.io"], leads["grace@gmail.com"]
    assert (ada.first_name, ada.last_name, ada.title, ada.phone) == ("Ada", "Lovelace", "CTO", "+44 20 7946 0000")
    assert (ada.country, ada.timezone, ada.source, ada.custom_fields) == (
        "GB",
        "Europe/London",
        "webinar",
        {"plan": "pro"},
    )
    assert (ada.company.domain, ada.company.name, ada.company.website) == (
        "acme.io",
        "Acme Ltd",
        "https://www.acme.io/about",
    )
    assert (grace.country, grace.timezone, grace.company_id) == (
        "US",
        "America/New_York",
        None,
    )  # free mail: no company
    event = session.scalars(select(LeadEvent).where(LeadEvent.lead_id == ada.id)).one()
    assert (event.kind, event.reason) == ("imported", "Imported from leads.csv")
    assert (
        event.data["email"] == "ada@acme.io" and event.data["first_name"] == "Ada" and event.data["source"] == "webinar"
    )


def test_hostile_rows_are_each_rejected_with_a_reason_and_only_valid_rows_are_stored(session, tmp_path):
    padding = "".join(f"pad{n}@example.com,Pad,Ding,{'x' * 60}\n" for n in range(900))  # past the 64 kB sample
    text = (
        "email,first_name,last_name,notes\n"
        + padding
        + "not-an-email,Bob,Builder,\n"  # row 902
        + "\n"  # a blank line is not a row
        + 'crlf@example.com,"Eve\r\nEvil",X,\n'  # 904
        + 'sql@example.com,"Robert\'); DROP TABLE leads;--",Tables,1=1\n'  # 905: valid, stored as text
        + f"big@example.com,{'x' * 10 * 1024 * 1024},Big,\n"  # 906: a 10 MB cell
        + "wide@example.com,a,b,c,d,e\n"  # 907: too many cells
        + "short@example.com,a\n"  # 908: too few
        + ",,,\n"  # all empty: a blank line too
        + "@example.com,At,Sign,\n"  # 910
    ).encode() + b"latin@example.com,Ren\xe9,Descartes,\n"  # 911: not UTF-8
    result = run(session, text, tmp_path, chunk_rows=250)
    assert (result.rows_read, result.imported, result.updated, result.rejected) == (908, 901, 0, 7)
    assert result.blank_rows == 2 and result.ignored_columns == ["notes"]
    assert count(session, Lead) == 901
    assert (
        session.scalar(select(Lead.first_name).where(Lead.email == "sql@example.com"))
        == "Robert'); DROP TABLE leads;--"
    )

    why = reasons(tmp_path)
    assert why == {
        "902": "email: Email address invalid",
        "904": "first_name: Must not contain line breaks or control characters",
        "906": "first_name: Too long (10,485,760 characters)",
        "907": "row: 6 cells, but the header has 4 columns",
        "908": "row: 2 cells, but the header has 4 columns",
        "910": "email: Email address invalid",
        "911": "first_name: Not valid UTF-8 text",
    }
    rows = {row[4]: row for row in rejects(tmp_path)[1:]}
    assert rows["907"] == ["wide@example.com", "a", "b", "c", "907", why["907"], "d", "e"]  # extra cells kept
    assert rows["904"][1] == "Eve\r\nEvil"  # the original cell, not a cleaned one
    raw = (tmp_path / "rejects.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfemail,first_name,last_name,notes,row_number,errors\r\n")
    assert b"latin@example.com,Ren\xe9,Descartes,,911," in raw  # bytes written back as they came


def test_a_known_email_is_updated_by_its_non_empty_cells_and_keeps_its_source(session, tmp_path):
    known = create_lead(
        session,
        validate_lead_input(
            {"email": "known@example.com", "first_name": "Old", "last_name": "Name", "source": "referral"}
        ),
        reason="seed",
    )
    session.commit()
    assert known.first_name == "Old"  # loaded: the import must not leave it stale
    result = run(session, "Email,First Name,Last Name,Lead Source\nKNOWN@example.com,New,,webinar\n", tmp_path)
    assert result.summary == "rows read 1: imported 0, updated 1, rejected 0"
    assert (known.first_name, known.last_name, known.source) == ("New", "Name", "referral")
    event = session.scalars(select(LeadEvent).where(LeadEvent.lead_id == known.id, LeadEvent.kind == "imported")).one()
    assert event.data == {"first_name": ["Old", "New"]} and event.reason == "Imported from leads.csv"


def test_the_same_email_twice_updates_the_first_row_within_and_across_chunks(session, tmp_path):
    rows = [f"lead{n % 5}@example.com,Name{n},{'Lovelace' if n == 0 else ''}" for n in range(12)]
    result = run(session, "email,first_name,last_name\n" + "\n".join(rows) + "\n", tmp_path, chunk_rows=3)
    assert result.summary == "rows read 12: imported 5, updated 7, rejected 0"
    leads = leads_by_email(session)
    assert len(leads) == 5
    assert (leads["lead0@example.com"].first_name, leads["lead0@example.com"].last_name) == ("Name10", "Lovelace")
    kinds = session.execute(
        select(LeadEvent.data).where(LeadEvent.lead_id == leads["lead0@example.com"].id).order_by(LeadEvent.id)
    ).scalars()
    assert [data.get("first_name") for data in kinds] == ["Name0", ["Name0", "Name5"], ["Name5", "Name10"]]


def test_semicolons_tabs_a_bom_and_explicit_mappings(session, tmp_path):
    overrides = parse_overrides(["Work Mail=email", "Vorname=first_name", "Tarif=custom_plan", "Land=ignore"])
    result = run(
        session,
        "\ufeffWork Mail;Vorname;Land;Tarif\nhans@example.de;Hans;Atlantis;pro\n",
        tmp_path,
        overrides=overrides,
    )
    assert result.summary == "rows read 1: imported 1, updated 0, rejected 0" and result.ignored_columns == []
    tabbed = run(session, "Email Address\tGiven name\tCountry\nana@example.es\tAna\tES\n", tmp_path)
    assert tabbed.imported == 1
    leads = leads_by_email(session)
    assert (leads["hans@example.de"].first_name, leads["hans@example.de"].custom_fields) == ("Hans", {"plan": "pro"})
    assert (leads["ana@example.es"].first_name, leads["ana@example.es"].timezone) == ("Ana", "Europe/Madrid")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"name,phone\nBob,123\n", "No email column"),
        (b"", "empty"),
        (b"\n\n", "empty"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5U\x02\x9c", "Not a CSV text file in UTF-8"),
        ("email,first_name\na@example.com,Zoë\n".encode("utf-16"), "Not a CSV text file in UTF-8"),
        ("email,first_name\na@example.com,Zoë\n".encode("latin-1"), "Not a CSV text file in UTF-8"),
    ],
)
def test_unusable_files_fail_clearly_before_anything_is_imported(session, tmp_path, body, message):
    with pytest.raises(ImportFileError, match=message):
        run(session, body, tmp_path)
    assert count(session, Lead) == 0 and not (tmp_path / "rejects.csv").exists()


def test_mappings_must_name_real_columns_and_fields(session, tmp_path):
    with pytest.raises(ImportFileError, match="does not have: work email"):
        LeadImport(io.BytesIO(b"email\na@example.com\n"), parse_overrides(["Work Email=email"]))
    with pytest.raises(ValidationError, match="unknown lead field"):
        parse_overrides(["Email=favourite_colour"])
    with pytest.raises(ValidationError, match="CSV header=lead field"):
        parse_overrides(["email"])
    job = LeadImport(io.BytesIO(b"Email,E-mail,Phone,Mobile\n"))
    assert job.columns.duplicates == ["E-mail (also email; Email is used)", "Mobile (also phone; Phone is used)"]


def test_owner_and_stage_rules_reject_only_their_rows(session, tmp_path, make_account):
    rep = make_account(Role.REP, "rep@example.com")
    create_lead(session, validate_lead_input({"email": "sql@example.com", "lifecycle_stage": "sql"}), reason="seed")
    session.commit()
    text = (
        "email,owner,stage\n"
        "a@example.com,REP@example.com,\n"
        "b@example.com,ghost@example.com,\n"
        "sql@example.com,,lead\n"  # backwards
        "c@example.com,,mql\n"
    )
    result = run(session, text, tmp_path)
    assert result.summary == "rows read 4: imported 2, updated 0, rejected 2"
    leads = leads_by_email(session)
    assert leads["a@example.com"].owner_user_id == rep.user.id and leads["c@example.com"].lifecycle_stage == "mql"
    assert "b@example.com" not in leads and leads["sql@example.com"].lifecycle_stage == "sql"
    why = reasons(tmp_path)
    assert why["3"] == "owner_email: No active user with this identity"
    assert why["4"].startswith("lifecycle_stage: Stage moves forward only (now sql)")
    kinds = session.scalars(select(LeadEvent.kind).where(LeadEvent.lead_id == leads["a@example.com"].id))
    assert list(kinds) == ["imported"]


def test_companies_are_found_or_created_once_per_domain(session, tmp_path):
    session.add(Company(domain="acme.io", name="Acme"))
    session.commit()
    text = (
        "email,company,industry,website,country\n"
        "a@acme.io,,,,DE\n"
        "b@acme.io,Acme GmbH,Robotics,,\n"
        "c@globex.com,Globex,,,FR\n"
        "d@globex.com,,,,\n"
        "e@gmail.com,Initech,,initech.example,\n"
    )
    result = run(session, text, tmp_path, chunk_rows=2)
    assert result.imported == 5
    companies = {c.domain: c for c in session.scalars(select(Company))}
    assert set(companies) == {"acme.io", "globex.com", "initech.example"}
    assert (companies["acme.io"].name, companies["acme.io"].industry, companies["acme.io"].country) == (
        "Acme GmbH",
        "Robotics",
        "DE",
    )
    assert (companies["globex.com"].name, companies["globex.com"].timezone) == ("Globex", "Europe/Paris")
    by_email = {lead.email: lead.company.domain for lead in session.scalars(select(Lead))}
    assert by_email == {"a@acme.io": "acme.io", "b@acme.io": "acme.io", "c@globex.com": "globex.com",
                        "d@globex.com": "globex.com", "e@gmail.com": "initech.example"}  # fmt: skip


def test_a_cell_too_large_to_be_real_stops_reading_and_is_counted(session, tmp_path):
    text = (
        'email,first_name\nok@example.com,Ok\nbroken@example.com,"'
        + "x" * (17 * 1024 * 1024)
        + "\nlater@example.com,L\n"
    )
    result = run(session, text, tmp_path)
    assert result.stopped is not None and result.stopped.startswith("row 3: field larger than field limit")
    assert result.summary == "rows read 2: imported 1, updated 0, rejected 1"
    assert set(leads_by_email(session)) == {"ok@example.com"}
    assert "reading stopped here" in reasons(tmp_path)["3"]


@pytest.fixture
def committed_by_others(database):
    """Leads other connections commit; deleted after the test's own transaction is rolled back (set up first)."""
    emails: list[str] = []
    yield emails
    with make_sessionmaker(database.engine)() as s:
        s.execute(delete(Lead).where(Lead.email.in_(emails)))
        s.commit()


def test_a_lead_captured_while_its_chunk_is_written_is_updated_not_duplicated(
    committed_by_others, session, connection, database, tmp_path
):
    if database.backend == "sqlite":
        # The race cannot happen here: our transaction holds SQLite's writer lock (BEGIN IMMEDIATE),
        # so no other connection can insert between our lookup and our insert. Prove the lock holds.
        import sqlite3

        run(session, "email\nheld@gmail.com\n", tmp_path)
        other = sqlite3.connect(database.engine.url.database, timeout=0)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()
        return
    committed_by_others.append("race@gmail.com")

    def capture_first(_conn, _cursor, statement, *_args):
        if statement.startswith("INSERT INTO leads ") and not raced:
            raced.append(True)
            # A form capture committed by another connection (free mail: no company row to wait on).
            with make_sessionmaker(database.engine)() as other:
                create_lead(other, validate_lead_input({"email": "race@gmail.com", "title": "CEO"}), reason="form")
                other.commit()

    raced: list[bool] = []
    event.listen(connection, "before_cursor_execute", capture_first)
    try:
        result = run(session, "email,first_name\ncalm@gmail.com,Calm\nrace@gmail.com,Racer\n", tmp_path)
    finally:
        event.remove(connection, "before_cursor_execute", capture_first)
    assert raced and result.summary == "rows read 2: imported 1, updated 1, rejected 0"
    race = session.scalars(select(Lead).where(Lead.email == "race@gmail.com")).one()
    assert (race.first_name, race.title) == ("Racer", "CEO")
