"""All models, imported here so the metadata is complete for Alembic."""

from nurture.db.base import Base
from nurture.models.activity_event import ActivityEvent
from nurture.models.api_token import ApiToken
from nurture.models.checkpoint import Checkpoint
from nurture.models.company import Company
from nurture.models.email_event import EmailEvent
from nurture.models.enums import ConsentBasis, LeadSource, LeadStatus, LifecycleStage, OwnerTeam, Role
from nurture.models.form import Form
from nurture.models.lead import Lead
from nurture.models.lead_event import LeadEvent
from nurture.models.outbox_message import OutboxMessage
from nurture.models.suppression import Suppression
from nurture.models.task import Task
from nurture.models.user import User

__all__ = [
    "ActivityEvent",
    "ApiToken",
    "Checkpoint",
    "Base",
    "Company",
    "ConsentBasis",
    "EmailEvent",
    "Form",
    "Lead",
    "LeadEvent",
    "LeadSource",
    "LeadStatus",
    "LifecycleStage",
    "OutboxMessage",
    "OwnerTeam",
    "Role",
    "Suppression",
    "Task",
    "User",
]
