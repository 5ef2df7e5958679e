"""What the sequence pages share: who may use them, and finding a sequence and its current definition."""

from __future__ import annotations

from flask import abort, current_app

from campaigns.models import Sequence, SequenceVersion
from campaigns.steps import SequenceDefinition
from campaigns.versions import definition_of
from nurture.config import Settings
from nurture.models import Role
from nurture.web.db import db

EDITORS = (Role.ADMIN, Role.MARKETER)


def settings() -> Settings:
    return current_app.extensions["nurture.settings"]


def sequence_or_404(sequence_id: int) -> Sequence:
    return db().get(Sequence, sequence_id) or abort(404)


def current_version(sequence: Sequence) -> SequenceVersion | None:
    return db().get(SequenceVersion, sequence.current_version_id) if sequence.current_version_id else None


def current_definition(sequence: Sequence) -> SequenceDefinition:
    if sequence.current_version_id is None:
        abort(404)
    return definition_of(db(), sequence.current_version_id)
