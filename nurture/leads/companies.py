"""Company rows, one per domain, created on first sight."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nurture.leads.geography import guess_timezone
from nurture.models import Company


def company_for_domain(session: Session, domain: str, details: dict[str, Any]) -> Company:
    """Find or create the company of ``domain``; fill in details that were given."""
    company = session.scalar(select(Company).where(Company.domain == domain))
    if company is None:
        try:
            with session.begin_nested():  # a concurrent capture may create it first
                company = Company(domain=domain, name=details.get("company") or domain)
                session.add(company)
        except IntegrityError:
            company = session.scalars(select(Company).where(Company.domain == domain)).one()
    if details.get("company"):
        company.name = details["company"]
    for key in ("website", "industry"):
        if details.get(key):
            setattr(company, key, details[key])
    if details.get("company_size") is not None:
        company.size = details["company_size"]
    if details.get("country") and not company.country:
        company.country = details["country"]
        company.timezone = company.timezone or guess_timezone(details["country"])
    return company
