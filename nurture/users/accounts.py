"""Creating users and checking their credentials."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nurture.errors import ValidationError
from nurture.leads.text import clean_text
from nurture.leads.validation import normalize_email
from nurture.models import Role, User
from nurture.users.passwords import generate_password, hash_password, verify_password

MIN_PASSWORD_LENGTH = 10


def create_user(
    session: Session, email: str, role: Role | str, *, password: str | None = None, name: str = ""
) -> tuple[User, str]:
    """Create a user; returns (user, password), generating the password when none is given."""
    errors: dict[str, str] = {}
    normalized, error = normalize_email(email)
    if error:
        errors["email"] = error
    try:
        role = Role(role)
    except ValueError:
        errors["role"] = "Unknown role; one of: " + ", ".join(r.value for r in Role)
    clean_name, name_error = clean_text(name, 200)
    if name_error:
        errors["name"] = name_error
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = f"Too short (at least {MIN_PASSWORD_LENGTH} characters)"
    if normalized and session.scalar(select(User.id).where(User.email == normalized)):
        errors["email"] = "A user with this email address already exists"
    if errors:
        raise ValidationError(errors)
    password = password or generate_password()
    user = User(email=normalized, role=Role(role), name=clean_name or "", password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user, password


def set_password(user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError({"password": f"Too short (at least {MIN_PASSWORD_LENGTH} characters)"})
    user.password_hash = hash_password(password)


def authenticate(session: Session, email: str, password: str) -> User | None:
    normalized, error = normalize_email(email)
    if error:
        return None
    user = session.scalar(select(User).where(User.email == normalized))
    if user is None or not user.active or not verify_password(user.password_hash, password):
        return None
    return user


def user_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


def find_user(session: Session, email: str) -> User | None:
    normalized, error = normalize_email(email)
    return None if error else session.scalar(select(User).where(User.email == normalized))
