"""Territories: ordered routing rules matching a lead's country and/or company size to a set of reps."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nurture.db.base import Base
from nurture.models.user import User

territory_reps = Table(
    "territory_reps",
    Base.metadata,
    Column("territory_id", ForeignKey("territories.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Territory(Base):
    __tablename__ = "territories"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Lower first: the first territory that matches a lead routes it.
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(100))
    # ISO 3166 alpha-2 codes, upper case; empty: any country.
    countries: Mapped[list[str]] = mapped_column(default=list)
    # Inclusive bounds on the company's size; both None: any size.
    min_company_size: Mapped[int | None]
    max_company_size: Mapped[int | None]

    reps: Mapped[list[User]] = relationship(secondary=territory_reps, order_by=User.id, lazy="selectin")
