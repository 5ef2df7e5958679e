"""Deactivating and reactivating users: a deactivated user can neither log in nor use a token."""

from __future__ import annotations

from nurture.errors import ValidationError
from nurture.models import User


def set_active(user: User, active: bool, *, actor: User) -> None:
    # The actor is an active admin, so refusing self-deactivation always leaves one admin who can log in.
    if not active and user.id == actor.id:
        raise ValidationError({"active": "You cannot deactivate yourself; ask another admin"})
    user.active = active
