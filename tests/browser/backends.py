"""Choosing the backend of a browser test whose story does not depend on the database (to keep the run short)."""

from __future__ import annotations

import pytest

from tests.databases import backends

# PostgreSQL when it is there (what production runs), else SQLite. The session-scoped app of that backend is shared.
on_one_backend = pytest.mark.parametrize("live_app", [backends()[-1]], indirect=True)
