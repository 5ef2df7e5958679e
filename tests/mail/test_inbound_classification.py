"""Classifying what comes back: bounces of every common shape, out-of-office in three languages, people."""

from datetime import date

import pytest

from nurture.errors import ValidationError
from nurture.mail.inbound.classify import classify
from nurture.mail.inbound.parsing import parse_message
from nurture.mail.inbound.quoting import excerpt
from nurture.mail.inbound.return_date import return_date
from nurture.models import InboundKind
from tests.mail.inbound_fixtures import load

RECEIVED = date(2026, 11, 23)


def classified(raw: bytes):
    return classify(parse_message(raw), RECEIVED)


@pytest.mark.parametrize(
    "name,status,report_format",
    [
        ("postfix_user_unknown", "5.1.1", "rfc3464"),
        ("gmail_no_such_user", "5.1.1", "rfc3464"),
        ("office365_recipient_not_found", "5.1.10", "rfc3464"),
        ("exim_failed", "5.1.1", "flufl"),
        ("exchange_legacy_ndr", "5.0.0", "flufl"),
    ],
)
def test_each_bounce_shape_is_a_hard_bounce_of_exactly_the_failed_recipient(name, status, report_format):
    result = classified(load(name, rcpt="Gone.User@Example.org"))
    assert result.kind == InboundKind.HARD_BOUNCE, result.reason
    assert result.report is not None and result.report.format == report_format
    assert [(r.address, r.status) for r in result.report.hard] == [("gone.user@example.org", status)]
    assert result.report.soft == []


def test_bounces_carry_the_original_message_id_when_they_attach_its_headers():
    msgid = "<n42.0123456789abcdef@nurture.test>"
    for name in ("postfix_user_unknown", "gmail_no_such_user", "office365_recipient_not_found", "exchange_legacy_ndr"):
        assert classified(load(name, msgid=msgid)).report.original_message_id == msgid, name


def test_mailbox_full_4_2_2_is_a_soft_bounce():
    result = classified(load("postfix_mailbox_full", rcpt="full@example.org"))
    assert result.kind == InboundKind.SOFT_BOUNCE
    assert [(r.address, r.status, r.permanent) for r in result.report.soft] == [("full@example.org", "4.2.2", False)]


def test_a_5_2_2_mailbox_full_counts_as_soft_and_a_delay_warning_is_only_noted():
    five = load("postfix_mailbox_full").replace(b"Status: 4.2.2", b"Status: 5.2.2")
    assert classified(five).kind == InboundKind.SOFT_BOUNCE
    delayed = load("postfix_mailbox_full").replace(b"Action: failed", b"Action: delayed")
    assert classified(delayed).kind == InboundKind.DELAY_NOTICE


@pytest.mark.parametrize(
    "name,back",
    [("ooo_english", date(2026, 12, 4)), ("ooo_german", date(2026, 12, 7)), ("ooo_french", date(2026, 12, 2))],
)
def test_out_of_office_in_english_german_and_french_with_the_return_date(name, back):
    result = classified(load(name, sender="person@example.org"))
    assert result.kind == InboundKind.OUT_OF_OFFICE, result.reason
    assert result.return_on == back
    assert result.report is None


def test_a_human_reply_is_a_reply_and_its_excerpt_leaves_out_the_quote():
    result = classified(load("human_reply", sender="ada@example.org"))
    assert result.kind == InboundKind.HUMAN_REPLY
    assert result.sender == "ada@example.org"
    assert excerpt(result.body) == "Thanks, this looks interesting. Could we talk on Tuesday at 10? Ada"


def test_other_machine_mail_is_ignored_not_taken_for_a_reply():
    assert classified(load("ticket_autoack")).kind == InboundKind.AUTO_REPLY
    noreply = load("human_reply").replace(b"From: Ada Lovelace <lead@example.org>", b"From: no-reply@example.org")
    assert classified(noreply).kind == InboundKind.AUTO_REPLY


def test_a_person_mentioning_a_holiday_is_still_a_person():
    raw = b"From: a@example.org\r\nSubject: Re: hello\r\n\r\nI'm on vacation next week, let's talk after 7 December.\r\n"
    assert classified(raw).kind == InboundKind.HUMAN_REPLY


@pytest.mark.parametrize("raw", [b"", b"   \r\n", b"just some text\r\n", b"\x00\x01\x02binary", b"Subject: no sender\r\n\r\nhi"])
def test_garbage_is_refused_with_a_field_error(raw):
    with pytest.raises(ValidationError) as error:
        parse_message(raw)
    assert "raw" in error.value.errors


@pytest.mark.parametrize(
    "text,back",
    [
        ("I am back on 3 December.", date(2026, 12, 3)),
        ("Back Dec 2nd", date(2026, 12, 2)),
        ("bis 4.12. nicht erreichbar", date(2026, 12, 4)),
        ("de retour le 1er décembre", date(2026, 12, 1)),
        ("returning 2026-12-05", date(2026, 12, 5)),
        ("back on 3 January", date(2027, 1, 3)),  # the next 3 January
        ("away 25/11 to 30/11, back on 8 December", date(2026, 12, 8)),  # the latest date wins
        ("I am away with no date", None),
        ("back on 3 March 2024", None),  # in the past: not a return date
    ],
)
def test_return_dates(text, back):
    assert return_date(text, RECEIVED) == back

