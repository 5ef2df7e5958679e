"""Marketer-authored email templates: sandboxed Jinja, compiled once, rendered per lead.

A template is composed into its layout (which must carry the unsubscribe link
and the sender's postal address), CSS is inlined and the plain-text part is
derived at compile time, so rendering per lead is only Jinja substitution.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import css_inline
import html2text
from jinja2 import ChainableUndefined, Template, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from nurture.errors import ValidationError

DEFAULT_LAYOUT_PATH = Path(__file__).resolve().parents[2] / "templates" / "email" / "layout.html"
CONTENT_SLOT = re.compile(r"\{\{\s*content\s*\}\}")
PROBE_UNSUBSCRIBE = "https://probe.invalid/u/PROBE-UNSUBSCRIBE"
PROBE_POSTAL = "PROBE-POSTAL-ADDRESS 1 Probe Street"


def _finalize(value: Any) -> Any:
    return "" if value is None else value


@cache
def _environment(autoescape: bool) -> ImmutableSandboxedEnvironment:
    # ChainableUndefined: {{ lead.company.name | default("your team") }} works when a part is missing.
    return ImmutableSandboxedEnvironment(autoescape=autoescape, undefined=ChainableUndefined, finalize=_finalize)


@cache
def default_layout() -> str:
    return DEFAULT_LAYOUT_PATH.read_text(encoding="utf-8")


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


@dataclass(frozen=True)
class CompiledEmail:
    subject: Template
    html: Template
    text: Template

    def render(self, context: dict[str, Any]) -> RenderedEmail:
        subject = " ".join(self.subject.render(context).split())  # no CR/LF: no header injection
        return RenderedEmail(subject[:900], self.html.render(context), self.text.render(context))


JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)


def _html_to_text(html: str) -> str:
    """Derive the plain-text part; Jinja tags are set aside so html2text cannot escape them."""
    tags: list[str] = []

    def hide(match: re.Match[str]) -> str:
        tags.append(match.group(0))
        return f"JINJATAG{len(tags) - 1}X"

    converter = html2text.HTML2Text()
    converter.body_width = 0  # keep URLs on one line
    converter.ignore_images = True
    text = converter.handle(JINJA_TAG.sub(hide, html))
    return re.sub(r"JINJATAG(\d+)X", lambda m: tags[int(m.group(1))], text)


def _compose(layout: str | None, html: str) -> str:
    layout = layout if layout is not None else default_layout()
    if not CONTENT_SLOT.search(layout):
        raise ValidationError({"layout": "The layout must contain {{ content }} where the email goes"})
    return CONTENT_SLOT.sub(lambda _m: html, layout, count=1)


def compile_email(subject: str, html: str, text: str | None = None, layout: str | None = None) -> CompiledEmail:
    """Compile once per step version; raise ValidationError on syntax errors or a missing footer."""
    errors: dict[str, str] = {}
    composed = _compose(layout, html)
    try:
        inlined = css_inline.inline(composed)
    except ValueError as exc:
        raise ValidationError({"html": f"CSS could not be inlined: {exc}"}) from None
    # css_inline escapes Jinja's quotes inside attributes; restore them so expressions still parse.
    inlined = JINJA_TAG.sub(lambda m: m.group(0).replace("&quot;", '"').replace("&#39;", "'"), inlined)
    text_source = text if text else _html_to_text(composed)
    if text and not CONTENT_SLOT.search(text):
        text_source = text + "\n\n--\n{{ postal_address }}\nUnsubscribe: {{ unsubscribe_url }}\n"
    compiled: dict[str, Template] = {}
    for name, source, autoescape in (("subject", subject, False), ("html", inlined, True), ("text", text_source, False)):
        try:
            template = _environment(autoescape).from_string(source)
            # Its globals are a ChainMap over the environment's, copied into a new dict on every render
            # (a third of a short template's render): the same names, flattened once.
            template.globals = dict(template.globals)
            compiled[name] = template
        except TemplateSyntaxError as exc:
            errors[name if name != "html" else "html"] = f"Template error on line {exc.lineno}: {exc.message}"
    if errors:
        raise ValidationError(errors)
    email = CompiledEmail(compiled["subject"], compiled["html"], compiled["text"])
    _check_footer(email)
    return email


def _check_footer(email: CompiledEmail) -> None:
    """A marketing email must show the unsubscribe link and the postal address (CAN-SPAM, GDPR)."""
    try:
        probe = email.render(sample_context(unsubscribe_url=PROBE_UNSUBSCRIBE, postal_address=PROBE_POSTAL))
    except SecurityError as exc:
        raise ValidationError({"html": f"Not allowed in a template: {exc}"}) from None
    except Exception as exc:  # noqa: BLE001 (any render error of a marketer's template is input error)
        raise ValidationError({"html": f"Template error: {exc}"}) from None
    missing = []
    if PROBE_UNSUBSCRIBE not in probe.html:
        missing.append("the unsubscribe link {{ unsubscribe_url }}")
    if PROBE_POSTAL not in probe.html:
        missing.append("the postal address {{ postal_address }}")
    if missing:
        raise ValidationError({"html": "The email must include " + " and ".join(missing)})


def sample_context(**overrides: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "lead": {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "title": "CTO"},
        "company": {"name": "Analytical Engines Ltd", "domain": "example.com"},
        "owner": {"name": "Sam Rep", "email": "sam@example.com"},
        "sender_name": "Nurture",
        "unsubscribe_url": "https://example.com/u/sample",
        "postal_address": "1 Example Street, Springfield",
    }
    context.update(overrides)
    return context
