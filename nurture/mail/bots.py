"""Telling machines from people: scanners, privacy proxies and prefetchers open and click too.

Raw events are always kept; a machine event is flagged with its reason and
never scores.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

# Security gateways, link checkers and privacy proxies seen opening and clicking mail.
SCANNER_AGENTS = re.compile(
    r"barracuda|mimecast|proofpoint|symantec|messagelabs|trend ?micro|fireeye|forcepoint|sophos|"
    r"microsoft office protection|safelinks|bingpreview|googleimageproxy|yahoomailproxy|"
    r"python-requests|curl/|wget/|go-http-client|java/|okhttp|headlesschrome|phantomjs|bot\b|crawler|spider|"
    r"preview|scanner|linkcheck|urlscan",
    re.IGNORECASE,
)
# Apple Mail Privacy Protection fetches every image through proxies with a bare "Mozilla/5.0" agent.
APPLE_MPP = re.compile(r"^Mozilla/5\.0$")
TOO_SOON = timedelta(seconds=5)  # no person clicks within seconds of delivery
HONEYPOT_URL = "https://nurture.invalid/hp"  # a link no person can see: only machines follow it


def machine_reason(kind: str, user_agent: str | None, occurred_at: datetime, sent_at: datetime | None, url: str | None) -> str | None:
    agent = (user_agent or "").strip()
    if url == HONEYPOT_URL:
        return "hidden honeypot link"
    if not agent:
        return "no user agent"
    if SCANNER_AGENTS.search(agent):
        return "scanner or proxy user agent"
    if kind == "open" and APPLE_MPP.match(agent):
        return "privacy proxy (Apple Mail Privacy Protection)"
    if kind == "click" and sent_at is not None and occurred_at - sent_at < TOO_SOON:
        return f"clicked within {TOO_SOON.seconds} s of delivery"
    return None
