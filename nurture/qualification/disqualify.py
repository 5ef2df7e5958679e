"""Disqualifying a lead: a reason from the fixed list, back to marketing, recycled SQL → lead as a recorded event.

Ownership: owner_team becomes marketing and the owner is cleared. A rep keeping
a lead they gave back would still count it in their book (routing capacity,
"my leads", task lists); who disqualified it stays on the disqualification row
and the timeline.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from nurture.errors import ValidationError
from nurture.leads.progress import set_status
from nurture.leads.timeline import record_event
from nurture.models import Disqualification, DisqualificationReason, Lead, LeadStatus, LifecycleStage, OwnerTeam, User
from nurture.qualification.bant import set_bant
from nurture.qualification.inputs import DisqualifyInput
from nurture.stages.ladder import load_ladder

REASON_LABELS = {
    DisqualificationReason.NO_BUDGET: "no budget",
    DisqualificationReason.NO_AUTHORITY: "no authority",
    DisqualificationReason.NO_NEED: "no need",
    DisqualificationReason.BAD_TIMING: "bad timing",
    DisqualificationReason.COMPETITOR: "went with a competitor",
    DisqualificationReason.NOT_REACHABLE: "not reachable",
    DisqualificationReason.JUNK: "junk",
}


def disqualify(session: Session, lead: Lead, values: DisqualifyInput, *, actor: User, now: datetime) -> Disqualification:
    stage, ladder = lead.lifecycle_stage, load_ladder(session)
    if ladder.rank(stage) >= ladder.rank(LifecycleStage.OPPORTUNITY):
        raise ValidationError({"lead": "The lead has an opportunity: close the deal as lost instead"})
    label = REASON_LABELS[values.reason]
    why = f"Disqualified by {actor.email}: {label}" + (f" (back on {values.resurface_on})" if values.resurface_on else "")
    disqualification = Disqualification(
        lead_id=lead.id, reason=values.reason, note=values.note, stage_before=stage, actor_user_id=actor.id,
        created_at=now, resurface_on=values.resurface_on,
    )  # fmt: skip
    session.add(disqualification)
    bant = set_bant(lead, values.bant)
    record_event(session, lead, "disqualified", why,
                 {**bant, "reason": values.reason.value, "note": values.note, "resurface_on": values.resurface_on and values.resurface_on.isoformat()},
                 actor)  # fmt: skip
    status = LeadStatus.BAD_TIMING if values.reason == DisqualificationReason.BAD_TIMING else LeadStatus.UNQUALIFIED
    set_status(session, lead, status, why, actor)
    if ladder.rank(stage) > ladder.rank(LifecycleStage.LEAD):
        # The one backward move of the lifecycle (DESIGN.md): explicit, with the disqualification reason.
        lead.lifecycle_stage = LifecycleStage.LEAD
        record_event(session, lead, "recycled", why,
                     {"lifecycle_stage": [stage, LifecycleStage.LEAD.value], "disqualification_reason": values.reason.value},
                     actor)  # fmt: skip
    if lead.owner_team != OwnerTeam.MARKETING or lead.owner_user_id is not None:
        record_event(session, lead, "owner_changed", f"{why}: back to marketing",
                     {"owner_team": [lead.owner_team, OwnerTeam.MARKETING.value], "owner_user_id": [lead.owner_user_id, None]},
                     actor)  # fmt: skip
        lead.owner_team, lead.owner_user_id, lead.owner = OwnerTeam.MARKETING, None, None
    session.flush()
    return disqualification
