"""Company domains: from a website URL or a work email address."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Mailbox providers: their domain says nothing about the lead's company.
FREE_MAIL_DOMAINS = frozenset(
    """
    gmail.com googlemail.com yahoo.com yahoo.co.uk yahoo.fr ymail.com hotmail.com hotmail.co.uk hotmail.fr
    outlook.com live.com msn.com aol.com icloud.com me.com mac.com mail.com gmx.com gmx.de gmx.net web.de
    protonmail.com proton.me pm.me yandex.ru yandex.com mail.ru qq.com 163.com 126.com zoho.com fastmail.com
    hey.com tutanota.com free.fr orange.fr laposte.net t-online.de libero.it
    """.split()
)

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def is_valid_hostname(host: str) -> bool:
    if not host or len(host) > 253 or "." not in host:
        return False
    labels = host.split(".")
    return all(_LABEL.match(label) for label in labels) and not labels[-1].isdigit()


def website_domain(url: str) -> str | None:
    """The registrable-looking host of a website address, or None when it is not one.

    Accepts ``example.com`` as well as ``https://www.example.com/path``.
    """
    candidate = url if "://" in url else f"https://{url}"
    try:
        parts = urlsplit(candidate)
        host = (parts.hostname or "").lower()
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not port_ok or parts.username or parts.password:
        return None
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    if not is_valid_hostname(host):
        return None
    return host.removeprefix("www.")


def email_company_domain(email: str) -> str | None:
    domain = email.rsplit("@", 1)[-1].lower()
    return None if domain in FREE_MAIL_DOMAINS else domain
