"""Jobs: ids in, services do the work, each with its own session."""

from __future__ import annotations

from nurture.mail.system_email import send_system_email
from nurture.models import User
from workers.context import job_session, settings


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
