"""All models, imported here so the metadata is complete for Alembic."""

from nurture.db.base import Base
from nurture.models.activity_event import ActivityEvent
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
from nurture.models.inbound_message import InboundKind, InboundMessage
from nurture.models.lead import Lead
from nurture.models.lead_event import LeadEvent
from nurture.models.lead_score_snapshot import LeadScoreSnapshot
from nurture.models.mailbox import Mailbox
from nurture.models.opportunity import Opportunity, OpportunityDeleteRefused, OpportunityEvent
from nurture.models.outbox_message import OutboxMessage
from nurture.models.pipeline_stage import PipelineStage
from nurture.models.policy_version import PolicyVersion
from nurture.models.suppression import Suppression
from nurture.models.task import Task
from nurture.models.territory import Territory, territory_reps
from nurture.models.topic_opt_out import TopicOptOut
from nurture.models.user import User
from nurture.models.webhook_delivery import DeliveryState, WebhookDelivery
from nurture.models.webhook_endpoint import WebhookEndpoint

__all__ = [
    "ActivityEvent",
    "ApiToken",
    "Checkpoint",
    "Base",
    "Company",
    "DeliveryState",
    "ConsentBasis",
    "Disqualification",
    "DisqualificationReason",
    "EmailEvent",
    "Form",
    "InboundKind",
    "InboundMessage",
    "Lead",
    "LeadEvent",
    "LeadScoreSnapshot",
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
    "TopicOptOut",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
    "Mailbox",
]

from nurture.models.stage import Stage, StageChange  # noqa: E402

__all__ += ["Stage", "StageChange"]
from nurture.models.definition_change import DefinitionChange  # noqa: E402
from nurture.models.lead_status_value import LeadStatusValue  # noqa: E402

__all__ += ["LeadStatusValue", "DefinitionChange"]
