"""The unsubscribe link opens a preferences page: topics a lead can leave one by one, or everything at once."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from campaigns.definitions import parse_definition
from campaigns.enrollments import enroll
from campaigns.models import Enrollment, EnrollmentState
from nurture.errors import ValidationError
from nurture.mail.tokens import TokenSigner
from nurture.models import LeadEvent, Suppression, TopicOptOut


def _two_emails(topic: str, subject: str) -> dict:
    return {
        "topic": topic,
        "steps": [
            {"id": "one", "type": "email", "subject": f"{subject} 1", "html": "<p>One</p>"},
            {"id": "gap", "type": "wait", "amount": 1, "unit": "days"},
            {"id": "two", "type": "email", "subject": f"{subject} 2", "html": "<p>Two</p>"},
        ],
    }


@pytest.fixture
def sent(session, clock, make_lead, make_sequence, tick, smtp_transport, smtp_sink):
    """A lead enrolled in a newsletter and a product-updates sequence, each of whose first emails went out."""
    lead = make_lead("reader@example.com")
    for name, topic in (("News", "newsletter"), ("Updates", "Product updates")):
        enroll(session, make_sequence(_two_emails(topic, name), name=name), lead, now=clock(), by="test")
    session.commit()
    tick(smtp_transport)
    assert sorted(r.message["Subject"] for r in smtp_sink.received) == ["News 1", "Updates 1"]
    news = next(r for r in smtp_sink.received if r.message["Subject"] == "News 1")
    return lead, news.message["List-Unsubscribe"].strip("<>").removeprefix("http://nurture.test")


def _form_action(page: str) -> str:
    return re.search(r'<form method="post" action="([^"]+/preferences)"', page).group(1)


def _csrf(page: str) -> dict[str, str]:
    """The preferences form is a normal form: it carries the page's CSRF token (only one-click is exempt)."""
    return {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)}


def test_the_page_lists_the_topics_and_a_get_changes_nothing(client, session, sent):
    lead, path = sent
    page = client.get(path).get_data(as_text=True)
    assert "Email preferences" in page and "reader@example.com" in page
    assert 'value="newsletter" style="width:auto" checked' in page and 'value="Product updates" style="width:auto" checked' in page
    assert session.scalar(select(TopicOptOut)) is None and session.scalar(select(Suppression)) is None
    assert session.scalar(select(LeadEvent).where(LeadEvent.kind.like("topic%"))) is None


def test_leaving_a_topic_stops_its_next_email_only_and_is_on_the_timeline(
    client, session, clock, sent, tick, smtp_transport, smtp_sink
):
    lead, path = sent
    page = client.get(path).get_data(as_text=True)
    action = _form_action(page)
    assert client.post(action, data={"topics": ["Product updates"]}).status_code == 400  # no CSRF token: refused
    assert session.scalar(select(TopicOptOut)) is None
    saved = client.post(action, data={"topics": ["Product updates"], **_csrf(page)})  # newsletter unticked
    assert saved.status_code == 200 and "Your preferences are saved" in saved.get_data(as_text=True)
    assert 'value="newsletter" style="width:auto">' in saved.get_data(as_text=True)  # shown unticked now
    assert [(o.email, o.topic) for o in session.scalars(select(TopicOptOut))] == [("reader@example.com", "newsletter")]
    [event] = session.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead.id, LeadEvent.kind == "topic_opted_out"))
    assert event.reason == "Opted out of 'newsletter' emails (preferences page)"

    clock.advance(days=2)
    tick(smtp_transport)
    assert sorted(r.message["Subject"] for r in smtp_sink.received) == ["News 1", "Updates 1", "Updates 2"]
    exits = {e.state: e.exit_reason for e in session.scalars(select(Enrollment))}
    assert exits[EnrollmentState.EXITED] == "Opted out of 'newsletter' emails"
    assert session.scalar(select(Suppression)) is None  # still subscribed to the rest

    client.post(action, data={"topics": ["Product updates", "newsletter"], **_csrf(page)})  # and back in
    assert session.scalar(select(TopicOptOut)) is None
    kinds = list(session.scalars(select(LeadEvent.kind).where(LeadEvent.kind.like("topic%")).order_by(LeadEvent.id)))
    assert kinds == ["topic_opted_out", "topic_opted_in"]


def test_the_form_can_unsubscribe_from_everything_and_one_click_still_does(client, session, sent):
    _lead, path = sent
    page = client.get(path).get_data(as_text=True)
    done = client.post(_form_action(page), data={"all": "on", "topics": ["newsletter"], **_csrf(page)})
    assert "You are unsubscribed" in done.get_data(as_text=True)
    assert session.scalar(select(Suppression.detail)) == "preferences page"
    assert "You are unsubscribed" in client.get(path).get_data(as_text=True)
    one_click = client.post(path, data={"List-Unsubscribe": "One-Click"})  # idempotent
    assert one_click.status_code == 200 and len(session.scalars(select(Suppression)).all()) == 1


def test_each_token_opens_only_its_own_door(client, session, sent, settings):
    _lead, path = sent
    unsubscribe_token = path.rsplit("/", 1)[1]
    send_id = TokenSigner(settings.secret_key).read_unsubscribe(unsubscribe_token)
    preferences_token = TokenSigner(settings.secret_key).preferences_token(send_id)
    token = _csrf(client.get(path).get_data(as_text=True))
    assert client.post(f"/u/{unsubscribe_token}/preferences", data={"topics": [], **token}).status_code == 404
    assert client.post(f"/u/{preferences_token}", data={"List-Unsubscribe": "One-Click"}).status_code == 404
    assert client.get(f"/u/{preferences_token}").status_code == 404
    edited = preferences_token[:-1] + ("A" if preferences_token[-1] != "A" else "B")
    assert client.post(f"/u/{edited}/preferences", data={"topics": [], **token}).status_code == 404
    assert client.post(f"/u/{TokenSigner(settings.secret_key).preferences_token(999999)}/preferences", data=token).status_code == 404
    assert session.scalar(select(TopicOptOut)) is None and session.scalar(select(Suppression)) is None


def test_a_topic_must_be_short_single_line_text():
    steps = [{"id": "one", "type": "email", "subject": "S", "html": "<p>x</p>"}]
    assert parse_definition({"topic": " newsletter ", "steps": steps}).topic == "newsletter"
    for bad in ("", "x" * 65, "two\nlines", 5):
        with pytest.raises(ValidationError) as caught:
            parse_definition({"topic": bad, "steps": steps})
        assert "topic" in caught.value.errors
