"""People for the stage tests, without a password: Argon2 hashing is the slowest part of an account."""

from __future__ import annotations

from typing import Any

import pytest

from nurture.models import Role, User


@pytest.fixture
def person(session) -> Any:
    def make(role: Role, email: str) -> User:
        user = User(email=email, role=role, password_hash="!")  # no password can match "!"
        session.add(user)
        session.commit()
        return user

    return make


@pytest.fixture
def editor(person) -> User:
    return person(Role.ADMIN, "editor@example.com")
