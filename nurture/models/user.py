"""People who use the admin and the API: admins, marketers, reps."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

from nurture.db.base import Base, utcnow
from nurture.models.enums import Role, str_enum


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(str_enum(Role))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Lead routing (reps): away reps get no new leads; capacity caps open sales leads (0: no cap);
    # weight shares new leads among reps (2 gets twice as many as 1).
    away: Mapped[bool] = mapped_column(default=False, server_default=false())
    capacity: Mapped[int] = mapped_column(default=0, server_default="0")
    routing_weight: Mapped[int] = mapped_column(default=1, server_default="1")
    # Away with a date: available again from that moment on, without anyone having to remember.
    away_until: Mapped[datetime | None]
    # Who hears about this rep's missed first-touch deadlines (else the escalation address).
    manager_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def is_away(self, now: datetime) -> bool:
        return self.away and (self.away_until is None or self.away_until > now)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"
