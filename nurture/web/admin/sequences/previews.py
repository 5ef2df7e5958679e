"""Preview a sequence email as one real lead gets it, and send that rendering to yourself as a test."""

from __future__ import annotations

from typing import Any

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from campaigns.proofs import proof_envelope, send_test
from campaigns.steps import EmailStep, EmailVariant, SequenceDefinition
from nurture.errors import ValidationError
from nurture.leads.query import list_leads, parse_lead_filters
from nurture.mail.preview import preview_message
from nurture.mail.system_email import transport_for
from nurture.models import Lead
from nurture.web.admin.outbox import MESSAGE_CSP
from nurture.web.admin.sequences import bp
from nurture.web.admin.sequences.common import EDITORS, current_definition, sequence_or_404, settings
from nurture.web.auth import roles_required
from nurture.web.db import db

MATCHES = 10


def _pick(definition: SequenceDefinition, args: Any) -> tuple[EmailStep | None, EmailVariant | None]:
    emails = [s for s in definition.steps if isinstance(s, EmailStep)]
    step = next((s for s in emails if s.id == args.get("step")), emails[0] if emails else None)
    if step is None:
        return None, None
    return step, next((v for v in step.variants if v.id == args.get("variant")), step.variants[0])


def _lead(raw: str | None) -> Lead | None:
    return db().get(Lead, int(raw)) if raw and raw.isdigit() else None


@bp.get("/<int:sequence_id>/preview")
@roles_required(*EDITORS)
def preview(sequence_id: int) -> Any:
    session = db()
    sequence = sequence_or_404(sequence_id)
    definition = current_definition(sequence)
    step, variant = _pick(definition, request.args)
    q = request.args.get("q", "").strip()
    errors: dict[str, str] = {}
    matches: list[Lead] = []
    if q:
        try:
            filters, _page, _per_page = parse_lead_filters({"q": q})
            matches = list_leads(session, filters, 1, MATCHES).items
        except ValidationError as exc:
            errors["q"] = exc.errors.get("q", "Could not search for this")
    lead = _lead(request.args.get("lead_id")) or next((m for m in matches if m.email == q.lower()), None)
    message = None
    if lead is not None and step is not None and variant is not None:
        try:
            message = preview_message(proof_envelope(session, settings(), definition, variant, lead).raw)
        except ValidationError as exc:
            errors.update(exc.errors)
    response = make_response(
        render_template(
            "web/sequences/preview.html",
            sequence=sequence,
            definition=definition,
            step=step,
            variant=variant,
            q=q,
            matches=matches,
            lead=lead,
            message=message,
            headers=dict(message.headers) if message else {},
            errors=errors,
        )
    )
    response.headers["Content-Security-Policy"] = MESSAGE_CSP  # the message's HTML must not run or fetch anything
    return response


@bp.post("/<int:sequence_id>/test-send")
@roles_required(*EDITORS)
def test_send(sequence_id: int) -> Any:
    """Send the lead's rendering to the signed-in person, marked [Test]; no ledger row, no event, no stats."""
    session = db()
    sequence = sequence_or_404(sequence_id)
    definition = current_definition(sequence)
    step, variant = _pick(definition, request.form)
    lead = _lead(request.form.get("lead_id"))
    back = url_for(
        "admin_sequences.preview", sequence_id=sequence.id, step=step.id if step else None,
        variant=variant.id if variant else None, lead_id=lead.id if lead else None,
    )  # fmt: skip
    if lead is None or variant is None:
        flash("Choose an email step and a lead first.", "error")
        return redirect(back)
    transport = transport_for(settings(), session)
    try:
        delivery = send_test(session, settings(), transport, definition, variant, lead, current_user.email)
    except ValidationError as exc:
        flash(next(iter(exc.errors.values())), "error")
        return redirect(back)
    finally:
        transport.close()
    if delivery.accepted:
        session.commit()  # the outbox row, when mail is kept locally
        flash(f"Test sent to {current_user.email}, rendered for {lead.email}.", "success")
    else:
        session.rollback()
        flash(f"The test could not be sent: {delivery.code or ''} {delivery.detail}".strip(), "error")
    return redirect(back)
