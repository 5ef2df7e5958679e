"""The builder's live preview: an email step as typed (not saved) rendered for a lead the marketer picks.

The page's own form is posted with ``op=preview``: without JavaScript the page comes back with the
preview filled in; with htmx the preview panel alone follows the typing. The message's HTML is shown in a
sandboxed frame under a no-fetch, no-script policy of its own (the builder page itself runs scripts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from campaigns.definitions import parse_definition
from campaigns.proofs import proof_envelope
from campaigns.steps import EmailStep
from nurture.errors import ValidationError
from nurture.leads.query import list_leads, parse_lead_filters
from nurture.mail.preview import preview_message
from nurture.models import Lead
from nurture.web.admin.outbox import MESSAGE_CSP
from nurture.web.admin.sequences.common import settings
from nurture.web.admin.sequences.form import definition_from_values
from nurture.web.db import db

# Inside the frame: the parent page's policy does not reach a srcdoc document's own fetches reliably, its meta does.
FRAME_POLICY = Markup('<meta http-equiv="Content-Security-Policy" content="{}">').format(MESSAGE_CSP)


@dataclass
class LivePreview:
    choice: str = ""  # "step:variant index"
    lead_query: str = ""
    choices: list[tuple[str, str]] = field(default_factory=list)  # (value, label) of every email variant
    lead: Lead | None = None
    subject: str = ""
    frame: str = ""  # srcdoc of the sandboxed frame
    text: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def email_choices(values: dict[str, Any]) -> list[tuple[str, str]]:
    """("step:index", label) of every email variant as typed (an A/B step offers each variant)."""
    return [(f"{step['id']}:{index}", f"{step['id']} — variant {index + 1}" if len(step["variants"]) > 1 else step["id"])
            for step in values["steps"] if step["type"] == "email" for index, _variant in enumerate(step["variants"])]  # fmt: skip


def _find_lead(query: str) -> Lead | None:
    query = query.strip()
    if not query:
        return None
    if query.isdigit():
        return db().get(Lead, int(query))
    filters, _page, _per_page = parse_lead_filters({"q": query[:200]})
    matches = list_leads(db(), filters, 1, 10).items
    return next((m for m in matches if m.email == query.lower()), matches[0] if matches else None)


def live_preview(values: dict[str, Any], form: Any) -> LivePreview:
    """Render the chosen email variant of the typed definition for the chosen lead, or say what is missing."""
    preview = LivePreview(choice=form.get("preview_email", ""), lead_query=form.get("preview_lead", "").strip())
    preview.choices = email_choices(values)
    if not preview.choices:
        preview.errors["preview_email"] = "Add an email step to preview it"
        return preview
    if preview.choice not in dict(preview.choices):
        preview.choice = preview.choices[0][0]
    try:
        preview.lead = _find_lead(preview.lead_query)
    except ValidationError as exc:
        preview.errors["preview_lead"] = next(iter(exc.errors.values()))
        return preview
    if preview.lead is None:
        preview.errors["preview_lead"] = "Type a lead's email, name or id" if not preview.lead_query else "No lead matches"
        return preview
    step_id, index = preview.choice.rsplit(":", 1)
    try:
        definition = parse_definition(definition_from_values(values))
        step = definition.step(step_id)
        assert isinstance(step, EmailStep)
        variant = step.variants[int(index)]
        message = preview_message(proof_envelope(db(), settings(), definition, variant, preview.lead).raw)
    except ValidationError as exc:
        preview.errors.update({f"preview:{k}": v for k, v in exc.errors.items()})
        return preview
    preview.subject = dict(message.headers).get("Subject", "")
    preview.frame = str(FRAME_POLICY + Markup(message.html)) if message.html else str(FRAME_POLICY + escape(message.text or ""))
    preview.text = message.text or ""
    return preview
