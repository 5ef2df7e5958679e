"""The first run: an installation with no users gets an admin with a printed one-time password."""

from __future__ import annotations

from sqlalchemy.orm import Session

from nurture.models import Role
from nurture.users.accounts import create_user, user_count

DEFAULT_ADMIN_EMAIL = "admin@example.com"


def ensure_first_admin(session: Session, email: str = DEFAULT_ADMIN_EMAIL) -> str | None:
    """Create the first admin when there are no users; return its password, else None."""
    if user_count(session) > 0:
        return None
    _user, password = create_user(session, email, Role.ADMIN, name="Administrator")
    session.commit()
    return password
