"""The lead: a person marketing nurtures and sales works."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from nurture.db.base import Base, utcnow
from nurture.models.company import Company
from nurture.models.enums import ConsentBasis, LeadSource, LeadStatus, LifecycleStage, OwnerTeam, str_enum
from nurture.models.user import User


class Lead(Base):
    __tablename__ = "leads"
    __table_args__ = (
        Index("ix_leads_created_at_id", "created_at", "id"),
        Index("ix_leads_stage_status", "lifecycle_stage", "lead_status"),
        # The stuck-leads report: who has sat in a stage since when.
        Index("ix_leads_stage_entered", "lifecycle_stage", "stage_entered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Normalized by email-validator and lower-cased: the dedupe key.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(150))
    phone: Mapped[str | None] = mapped_column(String(40))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"), index=True)
    source: Mapped[LeadSource] = mapped_column(str_enum(LeadSource), default=LeadSource.OTHER, index=True)
    source_detail: Mapped[str | None] = mapped_column(String(200))
    consent_basis: Mapped[ConsentBasis | None] = mapped_column(str_enum(ConsentBasis))
    consent_at: Mapped[datetime | None]
    country: Mapped[str | None] = mapped_column(String(2))
    timezone: Mapped[str | None] = mapped_column(String(64))
    owner_team: Mapped[OwnerTeam] = mapped_column(str_enum(OwnerTeam), default=OwnerTeam.MARKETING)
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # A key of lifecycle_stages (nurture.stages): checked against that table by the services that set it.
    lifecycle_stage: Mapped[str] = mapped_column(String(32), default=LifecycleStage.LEAD.value)
    # When the lead entered its current stage: set on every change of stage, whichever path made it.
    stage_entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A key of lead_status_values (data an admin edits; checked by the services that set it).
    lead_status: Mapped[str] = mapped_column(String(32), default=LeadStatus.NEW.value)
    budget: Mapped[str | None] = mapped_column(String(200))
    authority: Mapped[str | None] = mapped_column(String(200))
    need: Mapped[str | None] = mapped_column(String(200))
    timeline: Mapped[str | None] = mapped_column(String(200))
    custom_fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    company: Mapped[Company | None] = relationship(lazy="joined")
    owner: Mapped[User | None] = relationship(lazy="joined")

    @validates("lifecycle_stage")
    def _entering(self, _key: str, stage: str) -> str:
        if self.id is not None and stage != self.lifecycle_stage:
            self.stage_entered_at = utcnow()
        return str(stage)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    def __repr__(self) -> str:
        return f"<Lead {self.id} {self.email}>"
