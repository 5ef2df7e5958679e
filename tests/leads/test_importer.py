"""CSV import: the same validation as every capture, dedupe on email, nothing silently dropped."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from nurture.errors import ValidationError
from nurture.leads.capture import create_lead
from nurture.leads.csv_columns import parse_overrides
from nurture.leads.importer import ImportError_, import_leads
from nurture.leads.validation import validate_lead_input
from nurture.models import Company, Lead, LeadEvent


def run(session, text: str, tmp_path: Path, **kwargs):
    return import_leads(session, io.StringIO(text), name="leads.csv", rejects_path=tmp_path / "rejects.csv", **kwargs)


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def rejects(tmp_path: Path) -> list[dict[str, str]]:
    with (tmp_path / "rejects.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_rows_are_imported_updated_or_rejected_and_the_counts_add_up(session, tmp_path):
    create_lead(session, validate_lead_input({"email": "known@example.com", "first_name": "Old"}), reason="seed")
    session.commit()
    text = (
        "E-mail,First Name,Surname,Company Name,Job Title,Country,Favourite colour,custom_plan\n"
        "ada@acme.io,Ada,Lovelace,Acme,CTO,GB,blue,pro\n"
        "not-an-email,Bob,Builder,,,,,\n"
        "KNOWN@example.com,New,,,,,,\n"
        "ada@acme.io,Ada,King,,,,,\n"
        "\n"
        "eve@example.com,\"Eve\r\nEvil\",X,,,,,\n"
        "sql@example.com,\"Robert'); DROP TABLE leads;--\",Tables,,,,,\n"
        "wide@example.com,a,b,c,d,e,f,g,h,i\n"
        "nocountry@example.com,N,C,,,Atlantis,,\n"
    )
    result = run(session, text, tmp_path)
    assert (result.rows_read, result.imported, result.updated, result.rejected) == (8, 2, 2, 4)
    assert result.imported + result.updated + result.rejected == result.rows_read
    assert result.ignored_columns == ["Favourite colour"]

    leads = {lead.email: lead for lead in session.scalars(select(Lead))}
    assert set(leads) == {"known@example.com", "ada@acme.io", "sql@example.com"}
    assert leads["known@example.com"].first_name == "New"  # updated, not duplicated
    ada = leads["ada@acme.io"]
    assert (ada.last_name, ada.title, ada.country, ada.timezone, ada.source) == ("King", "CTO", "GB", "Europe/London", "import")
    assert ada.custom_fields == {"plan": "pro"}
    assert session.get(Company, ada.company_id).name == "Acme"
    assert leads["sql@example.com"].first_name == "Robert'); DROP TABLE leads;--"

    reasons = {row["row_number"]: row["errors"] for row in rejects(tmp_path)}
    assert reasons["3"] == "email: Email address invalid"
    assert "line breaks" in reasons["7"]
    assert "more cells than the header" in reasons["9"]
    assert reasons["10"].startswith("country: Country invalid")
    kinds = set(session.scalars(select(LeadEvent.kind).where(LeadEvent.lead_id == ada.id)))
    assert {"imported", "updated"} <= kinds


def test_an_oversized_cell_is_rejected_not_fatal(session, tmp_path):
    huge = "x" * (10 * 1024 * 1024)
    result = run(session, f"email,first_name\nbig@example.com,{huge}\nsmall@example.com,Sam\n", tmp_path)
    assert (result.imported, result.rejected) == (1, 1)
    assert "longer than" in rejects(tmp_path)[0]["errors"]
    assert count(session, Lead) == 1


def test_semicolon_files_with_a_bom_and_mapped_headers(session, tmp_path):
    text = "\ufeffWork Mail;Vorname;Land\nhans@example.de;Hans;DE\n"
    result = run(session, text, tmp_path, overrides=parse_overrides(["Work Mail=email", "Vorname=first_name", "Land=country"]))
    assert result.imported == 1
    lead = session.scalar(select(Lead))
    assert (lead.email, lead.first_name, lead.timezone) == ("hans@example.de", "Hans", "Europe/Berlin")


def test_unusable_files_fail_clearly_before_importing(session, tmp_path):
    with pytest.raises(ImportError_, match="No email column"):
        run(session, "name,phone\nBob,123\n", tmp_path)
    with pytest.raises(ImportError_, match="empty"):
        run(session, "", tmp_path)
    with pytest.raises(ValidationError):
        parse_overrides(["Email=favourite_colour"])
    assert count(session, Lead) == 0


def test_a_bad_owner_rejects_only_its_row(session, tmp_path, make_account):
    from nurture.models import Role

    rep = make_account(Role.REP, "rep@example.com")
    text = "email,owner_email\na@example.com,rep@example.com\nb@example.com,ghost@example.com\nc@example.com,\n"
    result = run(session, text, tmp_path)
    assert (result.imported, result.rejected) == (2, 1)
    owners = dict(session.execute(select(Lead.email, Lead.owner_user_id)).all())
    assert owners == {"a@example.com": rep.user.id, "c@example.com": None}
    assert "owner_email" in rejects(tmp_path)[0]["errors"]


def test_large_imports_commit_in_chunks_and_dedupe_across_them(session, tmp_path):
    rows = [f"lead{n % 2500}@example.com,Name{n}" for n in range(3000)]  # 500 repeats across chunks
    result = run(session, "email,first_name\n" + "\n".join(rows) + "\n", tmp_path)
    assert (result.rows_read, result.imported, result.updated) == (3000, 2500, 500)
    assert count(session, Lead) == 2500
    assert session.scalar(select(Lead.first_name).where(Lead.email == "lead0@example.com")) == "Name2500"
