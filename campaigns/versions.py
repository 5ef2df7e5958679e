"""Parsed definitions and compiled emails, cached per immutable version."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from sqlalchemy.orm import Session

from campaigns.definitions import parse_definition
from campaigns.models import SequenceVersion
from campaigns.steps import EmailVariant, SequenceDefinition
from nurture.mail.templating import CompiledEmail, compile_email

_definitions: dict[str, SequenceDefinition] = {}


def definition_of(session: Session, version_id: int) -> SequenceDefinition:
    """Versions never change once written, so a process keeps what it parsed, keyed by content
    (an id alone could be reused after a rollback or in another database)."""
    version = session.get(SequenceVersion, version_id)
    if version is None:
        raise LookupError(f"sequence version {version_id} is gone")
    key = hashlib.sha256(json.dumps(version.definition, sort_keys=True).encode()).hexdigest()
    cached = _definitions.get(key)
    if cached is None:
        cached = parse_definition(version.definition)
        if len(_definitions) > 1000:
            _definitions.clear()
        _definitions[key] = cached
    return cached


@lru_cache(maxsize=2048)
def _compiled(subject: str, html: str, text: str | None, layout: str | None) -> CompiledEmail:
    return compile_email(subject, html, text, layout)


def compiled_variant(definition: SequenceDefinition, variant: EmailVariant) -> CompiledEmail:
    """Compiled once per process for each distinct template (keyed by its content)."""
    return _compiled(variant.subject, variant.html, variant.text, definition.layout)

