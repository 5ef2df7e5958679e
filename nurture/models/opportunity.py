"""Opportunities: a deal with a contact lead, an amount, a stage and a close date. Never deleted.

The database refuses DELETE on this table (a trigger created by migration 0007);
the ORM refuses too, so the mistake shows up before the round trip.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Numeric, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nurture.db.base import Base, utcnow
from nurture.models.company import Company
from nurture.models.enums import LeadSource, str_enum
from nurture.models.lead import Lead
from nurture.models.pipeline_stage import PipelineStage
from nurture.models.user import User


class Opportunity(Base):
    __tablename__ = "opportunities"
    __table_args__ = (Index("ix_opportunities_owner_close_date", "owner_user_id", "close_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"), index=True)
    # No cascade: a lead with a deal cannot be deleted out from under it.
    contact_lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"), index=True)
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    stage_id: Mapped[int] = mapped_column(ForeignKey("pipeline_stages.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))  # ISO 4217
    close_date: Mapped[date] = mapped_column(Date)
    # Copied from the lead when the deal is created, so reports keep the attribution it had then.
    source: Mapped[LeadSource] = mapped_column(str_enum(LeadSource))
    source_detail: Mapped[str | None] = mapped_column(String(200))
    lost_reason: Mapped[str | None] = mapped_column(String(500))
    # A lost deal that comes back is a new opportunity pointing at the old one.
    previous_opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None]

    stage: Mapped[PipelineStage] = relationship(lazy="joined")
    company: Mapped[Company | None] = relationship(lazy="joined")
    contact: Mapped[Lead] = relationship(lazy="joined")
    owner: Mapped[User | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Opportunity {self.id} {self.name}>"


class OpportunityEvent(Base):
    """An opportunity's history: creation, every stage move and field change, with a reason."""

    __tablename__ = "opportunity_events"
    __table_args__ = (Index("ix_opportunity_events_opportunity_id_created_at", "opportunity_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"))
    kind: Mapped[str] = mapped_column(String(40))  # created, stage_changed, updated
    reason: Mapped[str] = mapped_column(String(500))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"field": [old, new]}
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OpportunityDeleteRefused(Exception):
    pass


@event.listens_for(Opportunity, "before_delete")
def _never_delete(_mapper: Any, _connection: Any, target: Opportunity) -> None:
    raise OpportunityDeleteRefused(f"Opportunities are never deleted (opportunity {target.id}); close it as lost instead")
