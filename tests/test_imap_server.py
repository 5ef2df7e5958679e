"""The IMAP test server's own promise: without dovecot and without a way to install it, a clear failure."""

import pytest

from tests import debian_packages, imap_server


def test_missing_dovecot_that_cannot_be_installed_fails_saying_how(monkeypatch, tmp_path):
    monkeypatch.setattr(debian_packages.shutil, "which", lambda name: None)
    monkeypatch.setattr(imap_server, "DOVECOT", str(tmp_path / "no-dovecot"))
    monkeypatch.setattr(debian_packages.os, "geteuid", lambda: 1000)  # not root: apt-get is not an option
    with pytest.raises(RuntimeError, match=r"apt-get install -y dovecot-imapd"):
        imap_server.ensure_dovecot()
