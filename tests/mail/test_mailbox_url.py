"""Mailbox URLs from NURTURE_IMAP_URL: parsed fully, and the password never shown."""

import pytest

from nurture.config import Settings
from nurture.mail.inbound.mailbox import parse_mailbox_url


def test_a_tls_mailbox_with_an_encoded_password_and_a_processed_folder():
    config = parse_mailbox_url("imaps://replies%40example.com:p%40ss%2Fword@imap.example.com/Bounces?move_to=Done")
    assert (config.host, config.port, config.tls, config.starttls) == ("imap.example.com", 993, True, False)
    assert (config.user, config.password, config.folder, config.move_to) == ("replies@example.com", "p@ss/word", "Bounces", "Done")
    assert "p@ss" not in repr(config) and "p@ss" not in config.label and "p@ss" not in config.checkpoint_prefix


def test_plain_imap_defaults_and_starttls():
    config = parse_mailbox_url("imap://u:p@127.0.0.1:1143?starttls=1")
    assert (config.port, config.tls, config.starttls, config.folder, config.move_to) == (1143, False, True, "INBOX", None)


@pytest.mark.parametrize("url", ["pop3://u:p@host/", "imaps://host/INBOX", "imaps://user@host/INBOX", "imaps://u:secret@host:99999/"])
def test_unusable_urls_say_why_without_the_password(url):
    with pytest.raises(ValueError) as error:
        parse_mailbox_url(url)
    assert "secret" not in str(error.value)


def test_several_mailboxes_from_the_environment():
    settings = Settings.from_env({"NURTURE_DATABASE_URL": "sqlite://", "NURTURE_SECRET_KEY": "k",
                                  "NURTURE_IMAP_URL": "imaps://a:b@one/INBOX, imaps://c:d@two/INBOX"})  # fmt: skip
    assert settings.imap_urls == ("imaps://a:b@one/INBOX", "imaps://c:d@two/INBOX")
    assert (settings.soft_bounce_limit, settings.soft_bounce_window_days, settings.imap_poll_seconds) == (3, 30.0, 60.0)
