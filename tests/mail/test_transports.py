"""Mail goes to a real SMTP server when configured, else to the local outbox."""

from sqlalchemy import select

from nurture.mail.smtp import SmtpTransport
from nurture.mail.system_email import build_system_email, send_system_email
from nurture.models import OutboxMessage


def test_without_smtp_url_mail_is_kept_in_the_outbox(settings, session):
    delivery = send_system_email(settings, session, "lead@example.com", "Hi", "Hello there")
    session.commit()
    assert delivery.accepted
    kept = session.scalars(select(OutboxMessage)).all()
    assert [(m.rcpt_to, m.subject) for m in kept] == [("lead@example.com", "Hi")]
    assert b"\r\n" in kept[0].raw and b"Hello there" in kept[0].raw


def test_smtp_transport_delivers_to_a_real_server_and_reuses_the_connection(settings, smtp_sink):
    transport = SmtpTransport(smtp_sink.url)
    try:
        for n in range(3):
            env = build_system_email(settings, f"lead{n}@example.com", f"Subject {n}", "Body")
            assert transport.send(env).accepted
        first_connection = transport._conn
        assert first_connection is not None
    finally:
        transport.close()
    assert [r.rcpt_tos for r in smtp_sink.received] == [[f"lead{n}@example.com"] for n in range(3)]
    assert smtp_sink.received[2].message["Subject"] == "Subject 2"


def test_a_refused_recipient_is_a_permanent_failure_for_that_recipient_only(settings, smtp_sink):
    smtp_sink.handler.refuse["gone@example.com"] = "550 5.1.1 No such user"
    transport = SmtpTransport(smtp_sink.url)
    try:
        refused = transport.send(build_system_email(settings, "gone@example.com", "A", "x"))
        accepted = transport.send(build_system_email(settings, "here@example.com", "B", "x"))
    finally:
        transport.close()
    assert (refused.accepted, refused.code, refused.permanent_failure) == (False, 550, True)
    assert accepted.accepted
    assert [r.rcpt_tos for r in smtp_sink.received] == [["here@example.com"]]


def test_an_unreachable_server_is_a_connection_error_not_a_crash(settings):
    transport = SmtpTransport("smtp://127.0.0.1:9", timeout=2)
    delivery = transport.send(build_system_email(settings, "a@example.com", "A", "x"))
    assert not delivery.accepted and delivery.code == 0 and "connection error" in delivery.detail
