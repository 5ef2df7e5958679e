"""Jobs: ids in, services do the work, each with its own session."""

from __future__ import annotations

from campaigns.claiming import Claim
from campaigns.execution import run_claim
from nurture.mail.system_email import send_system_email
from nurture.models import User
from workers.context import job_session, settings
from workers.transports import rate_limiter, transport_for_job


def send_test_email(user_id: int) -> str:
    """Send a test email to a user: proves web → queue → worker → transport end to end."""
    with job_session() as session:
        user = session.get(User, user_id)
        if user is None:
            return "user gone"
        delivery = send_system_email(
            settings(),
            session,
            user.email,
            "Nurture test email",
            f"Hello {user.name or user.email},\n\nThis test email went through the queue and a worker.\n",
        )
        session.commit()
        return "sent" if delivery.accepted else f"failed {delivery.code} {delivery.detail}"


def run_send_batch(enrollment_ids: list[int], claim_token: str) -> dict[str, int]:
    """Run one claimed batch of enrollments (ids in; the engine does the work)."""
    with job_session() as session:
        transport = transport_for_job(settings(), session)
        claim = Claim(claim_token, enrollment_ids)
        return dict(run_claim(session, settings(), claim, transport, limiter=rate_limiter(settings())))
