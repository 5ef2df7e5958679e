"""Reading new messages from an IMAP folder by UID, and marking the ones we processed (imapclient)."""

from __future__ import annotations

import ssl
from dataclasses import dataclass

from imapclient import IMAPClient

from nurture.mail.inbound.mailbox import MailboxConfig

PROCESSED_FLAG = b"$Nurture"


@dataclass(frozen=True)
class Fetched:
    uid: int
    raw: bytes  # at most the first max_bytes of the message
    size: int


class ImapMailbox:
    """One session on one folder: ``with ImapMailbox(config) as box: box.fetch_after(uid, …)``."""

    def __init__(self, config: MailboxConfig, timeout: float = 30.0):
        self.config = config
        self.timeout = timeout
        self.client: IMAPClient | None = None
        self.uidvalidity = 0

    def __enter__(self) -> ImapMailbox:
        config = self.config
        context = ssl.create_default_context() if config.tls or config.starttls else None
        client = IMAPClient(config.host, config.port, ssl=config.tls, ssl_context=context, timeout=self.timeout)
        try:
            if config.starttls:
                client.starttls(context)
            client.login(config.user, config.password)
            selected = client.select_folder(config.folder)
        except Exception:
            client.shutdown()
            raise
        self.client = client
        self.uidvalidity = int(selected.get(b"UIDVALIDITY", 0))
        return self

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            try:
                self.client.logout()
            except Exception:  # the server hung up first: nothing left to close politely
                self.client.shutdown()
            self.client = None

    def fetch_after(self, last_uid: int, max_bytes: int, limit: int) -> list[Fetched]:
        """Messages with a UID above ``last_uid``, oldest first, at most ``limit`` of them."""
        assert self.client is not None
        # "n:*" always includes the highest UID even when it is below n (RFC 3501 §6.4.8): filter.
        uids = sorted(uid for uid in self.client.search(["UID", f"{last_uid + 1}:*"]) if uid > last_uid)[:limit]
        if not uids:
            return []
        data = self.client.fetch(uids, [f"BODY.PEEK[]<0.{max_bytes}>", "RFC822.SIZE"])
        found = []
        for uid in uids:
            item = data.get(uid) or {}
            raw = item.get(b"BODY[]<0>") or item.get(b"BODY[]") or b""
            found.append(Fetched(uid, bytes(raw), int(item.get(b"RFC822.SIZE", len(raw)))))
        return found

    def mark_processed(self, uids: list[int]) -> None:
        """Move them to the configured folder, or flag them \\Seen and $Nurture."""
        if not uids:
            return
        assert self.client is not None
        target = self.config.move_to
        if target is None:
            self.client.add_flags(uids, [b"\\Seen", PROCESSED_FLAG])
            return
        if not self.client.folder_exists(target):
            self.client.create_folder(target)
        if self.client.has_capability("MOVE"):
            self.client.move(uids, target)
        else:
            self.client.copy(uids, target)
            self.client.delete_messages(uids)
            if self.client.has_capability("UIDPLUS"):
                self.client.uid_expunge(uids)
            else:
                self.client.expunge()
