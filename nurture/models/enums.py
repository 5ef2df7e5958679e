"""Closed vocabularies, stored as strings (native_enum=False) so Alembic sees changes."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum


class Role(StrEnum):
    ADMIN = "admin"
    MARKETER = "marketer"
    REP = "rep"


class LeadSource(StrEnum):
    WEBINAR = "webinar"
    CONFERENCE = "conference"
    EBOOK = "ebook"
    TRADE_SHOW = "trade_show"
    WEBSITE = "website"
    REFERRAL = "referral"
    IMPORT = "import"
    OTHER = "other"


class LifecycleStage(StrEnum):
    """The keys of the built-in stages the code relies on (handoff, qualification, Closed Won, recycling).

    The stages themselves — their order, names, definitions and criteria, and any others — are data
    (``lifecycle_stages``, nurture.stages); a lead moves forward in that order only, except by a recorded recycle.
    """

    SUBSCRIBER = "subscriber"
    LEAD = "lead"
    MQL = "mql"
    SQL = "sql"
    OPPORTUNITY = "opportunity"
    CUSTOMER = "customer"


class LeadStatus(StrEnum):
    NEW = "new"
    ATTEMPTING = "attempting"
    CONNECTED = "connected"
    QUALIFIED = "qualified"
    UNQUALIFIED = "unqualified"
    BAD_TIMING = "bad_timing"


class OwnerTeam(StrEnum):
    MARKETING = "marketing"
    SALES = "sales"


class ConsentBasis(StrEnum):
    CONSENT = "consent"
    LEGITIMATE_INTEREST = "legitimate_interest"
    CONTRACT = "contract"
    NONE = "none"


def str_enum(enum_cls: type[StrEnum]) -> Enum:
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )


class DisqualificationReason(StrEnum):
    """Why a rep sent a lead back to marketing: a fixed list, so reports can count by reason."""

    NO_BUDGET = "no_budget"
    NO_AUTHORITY = "no_authority"
    NO_NEED = "no_need"
    BAD_TIMING = "bad_timing"
    COMPETITOR = "competitor"
    NOT_REACHABLE = "not_reachable"
    JUNK = "junk"


class StageOutcome(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"
