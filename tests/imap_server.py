"""A real IMAP server for tests: Debian's dovecot with its own throwaway configuration.

Plain authentication over loopback, one passwd-file user, maildir in a temporary
folder, a free port. When dovecot is missing it is installed with apt-get (we
run as root here) or the fixture fails saying how to install it.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from imapclient import IMAPClient

from tests import debian_packages
from tests.campaigns.processes import stop

DOVECOT = "/usr/sbin/dovecot"
INSTALL_HINT = "dovecot is not installed: run `apt-get install -y dovecot-imapd` (as root)"


def ensure_dovecot() -> str:
    """The dovecot binary, installed with apt-get when absent; fails clearly when it cannot be."""
    return debian_packages.ensure_installed("dovecot", DOVECOT, "dovecot-imapd", INSTALL_HINT)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ImapServer:
    host: str
    port: int
    user: str
    password: str

    def url(self, folder: str = "INBOX", query: str = "") -> str:
        return f"imap://{self.user}:{self.password}@{self.host}:{self.port}/{folder}" + (f"?{query}" if query else "")

    @contextmanager
    def client(self) -> Iterator[IMAPClient]:
        client = IMAPClient(self.host, self.port, ssl=False, timeout=10)
        client.login(self.user, self.password)
        try:
            yield client
        finally:
            client.logout()

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        with self.client() as client:
            client.append(folder, raw)

    def messages(self, folder: str = "INBOX") -> dict[int, list[bytes]]:
        """UID → flags of every message in a folder."""
        with self.client() as client:
            if not client.folder_exists(folder):
                return {}
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            return {uid: list(data[b"FLAGS"]) for uid, data in client.fetch(uids, ["FLAGS"]).items()} if uids else {}


def _config(root: Path, port: int, uid: int, gid: int, internal_user: str, login_user: str) -> str:
    return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal_user}
default_login_user = {login_user}
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


@contextmanager
def dovecot_server(user: str = "inbox@nurture.test", password: str = "imap-test-password") -> Iterator[ImapServer]:
    binary = ensure_dovecot()
    # Not under pytest's 0700 tmp folders: dovecot's processes run as unprivileged users and must reach it.
    root = Path(tempfile.mkdtemp(prefix="nurture-dovecot-"))
    os.chmod(root, 0o755)
    if os.geteuid() == 0:
        mail_user = pwd.getpwnam("nobody")
        internal, login = "dovecot", "dovenull"
    else:
        mail_user = pwd.getpwuid(os.geteuid())
        internal = login = mail_user.pw_name
    for name in ("run", "state", "mail", "home"):
        (root / name).mkdir()
    for name in ("mail", "home"):
        os.chown(root / name, mail_user.pw_uid, mail_user.pw_gid)
    (root / "passwd").write_text(f"{user}:{{PLAIN}}{password}\n")
    port = free_port()
    config = root / "dovecot.conf"
    config.write_text(_config(root, port, mail_user.pw_uid, mail_user.pw_gid, internal, login))
    process = subprocess.Popen([binary, "-F", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                    output = process.stdout.read().decode() if process.poll() is not None and process.stdout else ""
                    raise RuntimeError(f"dovecot did not start: {output}\n{log}") from None
                time.sleep(0.05)
        yield ImapServer("127.0.0.1", port, user, password)
    finally:
        stop(process)
        shutil.rmtree(root, ignore_errors=True)
