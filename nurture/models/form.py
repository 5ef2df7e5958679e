"""Public capture forms that websites post to at /f/<key>."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from nurture.db.base import Base, utcnow
from nurture.models.enums import LeadSource, str_enum


class Form(Base):
    __tablename__ = "forms"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Lead fields the form may post (email is always accepted) and those it must.
    fields: Mapped[list[str]] = mapped_column(default=list)
    required_fields: Mapped[list[str]] = mapped_column(default=list)
    source: Mapped[LeadSource] = mapped_column(str_enum(LeadSource), default=LeadSource.WEBSITE)
    source_detail: Mapped[str | None] = mapped_column(String(200))
    thank_you_url: Mapped[str | None] = mapped_column(String(2048))
    # Origins allowed to post with CORS, e.g. ["https://www.example.com"].
    allowed_origins: Mapped[list[str]] = mapped_column(default=list)
    honeypot_field: Mapped[str] = mapped_column(String(64), default="website_url")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
