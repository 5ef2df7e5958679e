"""The outbox: mail kept locally, shown as the lead would see it, never running its scripts."""

from __future__ import annotations

import email.policy
import html
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select

from nurture.models import OutboxMessage, Role
from tests.conftest import login

HTML_BODY = (
    '<p style="color:#333">Hello <b>Ada</b> &amp; friends</p>'
    "<script>alert(document.cookie)</script>"
    '<img src="http://nurture.test/t/o/pixel" alt="">'
)


def keep(session, subject: str, to: str = "ada@example.org", created_at: datetime | None = None) -> OutboxMessage:
    message = EmailMessage()
    message["From"] = "Nurture <hello@nurture.test>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = f"<{abs(hash(subject))}@nurture.test>"
    message.set_content("Hello Ada,\n\nA plain <b>text</b> version.\n")
    message.add_alternative(HTML_BODY, subtype="html")
    row = OutboxMessage(
        message_id=message["Message-ID"],
        mail_from="hello@nurture.test",
        rcpt_to=to,
        subject=subject,
        raw=message.as_bytes(policy=email.policy.SMTP),
        created_at=created_at or datetime.now(UTC),
    )
    session.add(row)
    session.commit()
    return row


def test_only_admins_and_marketers_see_the_outbox(client, session, make_account):
    row = keep(session, "Welcome")
    assert "/login" in client.get("/outbox/").headers["Location"]
    login(client, make_account(Role.REP))
    assert client.get("/outbox/").status_code == 403
    assert client.get(f"/outbox/{row.id}").status_code == 403


def test_empty_outbox_explains_why_mail_is_kept_here(client, make_account):
    login(client, make_account(Role.MARKETER))
    page = client.get("/outbox/").get_data(as_text=True)
    assert "The outbox is empty." in page
    assert "With no <code>NURTURE_SMTP_URL</code> set" in page


def test_list_is_newest_first_and_paginated(client, session, admin):
    start = datetime(2026, 3, 1, tzinfo=UTC)
    for n in range(51):
        keep(session, f"Message {n:02d}", to=f"lead{n}@example.org", created_at=start + timedelta(minutes=n))
    login(client, admin)

    first = client.get("/outbox/").get_data(as_text=True)
    subjects = re.findall(r">(Message \d\d)</a>", first)
    assert subjects[0] == "Message 50" and subjects[-1] == "Message 01" and len(subjects) == 50
    assert "lead50@example.org" in first and "2026-03-01 00:50 UTC" in first
    assert "Page 1 of 2" in first

    second = client.get("/outbox/?page=2").get_data(as_text=True)
    assert re.findall(r">(Message \d\d)</a>", second) == ["Message 00"]
    assert client.get("/outbox/?page=nonsense").status_code == 200


def test_message_html_is_shown_only_inside_a_sandboxed_iframe(client, session, make_account):
    row = keep(session, "Your <report> is ready")
    login(client, make_account(Role.MARKETER))
    response = client.get(f"/outbox/{row.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)

    # Nothing from the message runs in the admin page: no script tag at all, and a policy forbidding them.
    assert "<script" not in page and "<img" not in page
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "script-src" not in response.headers["Content-Security-Policy"]

    iframe = re.search(r"<iframe[^>]*>", page).group(0)
    assert " sandbox " in iframe and "allow-" not in iframe
    srcdoc = re.search(r'srcdoc="([^"]*)"', iframe).group(1)
    assert "&lt;script&gt;alert(document.cookie)&lt;/script&gt;" in srcdoc
    assert html.unescape(srcdoc).strip() == HTML_BODY  # what the frame renders: the message as the lead sees it

    pre = page.split('<pre class="mail-text">')[1].split("</pre>")[0]
    assert "A plain &lt;b&gt;text&lt;/b&gt; version." in pre
    assert "Your &lt;report&gt; is ready" in page  # the subject, escaped
    assert "<dt>Message-ID</dt>" in page and "Nurture &lt;hello@nurture.test&gt;" in page


def test_unknown_message_is_not_found(client, admin):
    login(client, admin)
    assert client.get("/outbox/424242").status_code == 404


def test_search_finds_messages_by_subject_recipient_or_message_id_and_keeps_the_words_in_the_pages(client, session, admin):
    start = datetime(2026, 3, 1, tzinfo=UTC)
    for n in range(52):
        keep(session, f"Webinar reminder {n:02d}", to=f"lead{n}@example.org", created_at=start + timedelta(minutes=n))
    keep(session, "Your 50% discount", to="bob@example.net", created_at=start)
    login(client, admin)

    by_subject = client.get("/outbox/?q=WEBINAR").get_data(as_text=True)
    assert "Page 1 of 2 · 52 in all" in by_subject and 'href="/outbox/?q=WEBINAR&amp;page=2"' in by_subject
    assert 'value="WEBINAR"' in by_subject and "Your 50% discount" not in by_subject
    assert re.findall(r">(Your 50% discount)</a>", client.get("/outbox/?q=50%25").get_data(as_text=True)) == ["Your 50% discount"]
    assert "Your 50% discount" not in client.get("/outbox/?q=5_").get_data(as_text=True)  # _ is not a wildcard
    by_recipient = client.get("/outbox/?q=bob@example").get_data(as_text=True)
    assert re.findall(r">(Your[^<]*)</a>", by_recipient) == ["Your 50% discount"]
    message_id = session.scalar(select(OutboxMessage.message_id).where(OutboxMessage.subject == "Webinar reminder 07"))
    assert re.findall(r">(Webinar reminder \d\d)</a>", client.get(f"/outbox/?q={message_id.strip('<>')}").get_data(as_text=True)) == [
        "Webinar reminder 07"
    ]
    nothing = client.get("/outbox/?q=no-such-thing").get_data(as_text=True)
    assert "No message matches “no-such-thing”." in nothing


def test_every_mime_part_is_listed_and_embedded_images_show_inline(client, session, admin):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "hello@nurture.test", "ada@example.org", "With a logo"
    message["Message-ID"] = "<logo@nurture.test>"
    message.set_content("Logo below.\n")
    logo_html = '<p>Logo: <img src="cid:logo@nurture.test" alt="logo"></p>'
    message.add_alternative(logo_html, subtype="html")
    message.get_payload()[1].add_related(b"GIF89a-logo-bytes", "image", "gif", cid="<logo@nurture.test>")
    message.add_attachment(b"%PDF-1.4 brochure", maintype="application", subtype="pdf", filename="brochure.pdf")
    row = OutboxMessage(message_id="<logo@nurture.test>", mail_from="hello@nurture.test", rcpt_to="ada@example.org",
                        subject="With a logo", raw=message.as_bytes(policy=email.policy.SMTP))  # fmt: skip
    session.add(row)
    session.commit()
    login(client, admin)

    page = client.get(f"/outbox/{row.id}").get_data(as_text=True)
    parts = re.findall(r"<tr data-part><td>([^<]+)</td><td class=\"nowrap\">(\d+) bytes</td><td>([^<]+)</td><td class=\"wrap\">([^<]+)</td>", page)
    assert parts == [
        ("text/plain", "13", "—", "—"),  # as sent: lines end in CRLF
        ("text/html", str(len(logo_html) + 2), "—", "—"),
        ("image/gif", "17", "inline", "—"),
        ("application/pdf", "17", "attachment", "brochure.pdf"),
    ]
    assert "logo@nurture.test</td>" in page
    srcdoc = html.unescape(re.search(r'srcdoc="([^"]*)"', page).group(1))
    assert 'src="data:image/gif;base64,R0lGODlhLWxvZ28tYnl0ZXM="' in srcdoc and "cid:" not in srcdoc
    assert "brochure.pdf" in page.split("<h3>Attachments</h3>")[1]
