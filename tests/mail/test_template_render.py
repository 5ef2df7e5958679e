"""Rendering per lead skips Template.render's copy of the globals: the output and the errors must not change."""

from __future__ import annotations

import pytest
from jinja2.sandbox import SecurityError

from nurture.mail.templating import compile_email, sample_context

HTML = (
    "<p>Hi {{ lead.first_name | default('there') }} of {{ company.name | default('your team') }}</p>"
    "{% set ns = namespace(n=0) %}{% for i in range(3) %}{% set ns.n = ns.n + i %}{% endfor %}<p>{{ ns.n }}</p>"
    "{% set c = cycler('a', 'b') %}<p>{{ c.next() }}{{ c.next() }}{{ lead.missing.deeper }}</p>"
    "<p>{{ lead.custom.note }}</p><a href='https://e.com/{{ lead.first_name }}'>x</a>"
)


def _leads() -> list[dict]:
    base = sample_context()
    return [
        base,
        {**base, "lead": {**base["lead"], "first_name": "Zoë <b>&", "custom": {"note": "<script>x</script>"}}},
        {**base, "lead": {"first_name": None, "custom": {}}, "company": {}},
    ]


def test_a_rendered_email_is_exactly_what_jinja_renders_for_every_lead():
    email = compile_email("Hello {{ lead.first_name }}\r\nBcc: x", HTML)
    for context in _leads():
        rendered = email.render(context)
        assert rendered.subject == " ".join(email.subject.render(context).split())
        assert rendered.html == email.html.render(context)
        assert rendered.text == email.text.render(context)
        assert "\n" not in rendered.subject


def test_the_sandbox_still_refuses_an_unsafe_call_at_render_time():
    email = compile_email("Hi", HTML + "{% if lead.first_name == 'evil' %}{{ lead.pop('email') }}{% endif %}")
    evil = {**sample_context(), "lead": {"first_name": "evil", "email": "e@x.com"}}
    with pytest.raises(SecurityError, match="unsafe"):
        email.render(evil)
    assert evil["lead"]["email"] == "e@x.com"
