"""All models, imported here so the metadata is complete for Alembic."""

from nurture.db.base import Base
from nurture.models.api_token import ApiToken
from nurture.models.checkpoint import Checkpoint
from nurture.models.company import Company
from nurture.models.disqualification import Disqualification
from nurture.models.email_event import EmailEvent
from nurture.models.enums import (
    ConsentBasis,
    DisqualificationReason,
    LeadSource,
    LeadStatus,
    LifecycleStage,
    OwnerTeam,
    Role,
    StageOutcome,
)
from nurture.models.form import Form
from nurture.models.lead import Lead
from nurture.models.lead_event import LeadEvent
from nurture.models.opportunity import Opportunity, OpportunityDeleteRefused, OpportunityEvent
from nurture.models.outbox_message import OutboxMessage
from nurture.models.pipeline_stage import PipelineStage
from nurture.models.policy_version import PolicyVersion
from nurture.models.suppression import Suppression
from nurture.models.task import Task
from nurture.models.territory import Territory, territory_reps
from nurture.models.user import User

__all__ = [
    "ApiToken",
    "Checkpoint",
    "Base",
    "Company",
    "ConsentBasis",
    "Disqualification",
    "DisqualificationReason",
    "EmailEvent",
    "Form",
    "Lead",
    "LeadEvent",
    "LeadSource",
    "LeadStatus",
    "LifecycleStage",
    "Opportunity",
    "OpportunityDeleteRefused",
    "OpportunityEvent",
    "OutboxMessage",
    "OwnerTeam",
    "PolicyVersion",
    "PipelineStage",
    "Role",
    "StageOutcome",
    "Suppression",
    "Task",
    "Territory",
    "User",
    "territory_reps",
]
