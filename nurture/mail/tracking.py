"""Rewriting a rendered email for tracking: signed click links and an open pixel."""

from __future__ import annotations

import html
import re

from nurture.mail.bots import HONEYPOT_URL
from nurture.mail.tokens import TokenSigner

# href="http…" or href='http…' in anchors; mailto:, tel: and #anchors are left alone.
_HREF = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?://[^"']+)\2""", re.IGNORECASE)


def track_links(
    html_body: str, send_id: int, signer: TokenSigner, base_url: str, skip: frozenset[str] = frozenset()
) -> str:
    """Point every http(s) link at the click endpoint; ``skip`` keeps some (e.g. the unsubscribe link) direct."""

    def rewrite(match: re.Match[str]) -> str:
        url = html.unescape(match.group(3))
        if url in skip:
            return match.group(0)
        tracked = f"{base_url}/t/c/{signer.click_token(send_id, url)}"
        return f"{match.group(1)}{match.group(2)}{tracked}{match.group(2)}"

    return _HREF.sub(rewrite, html_body)


def add_open_pixel(html_body: str, send_id: int, signer: TokenSigner, base_url: str) -> str:
    """The open pixel, and a link no person can see or reach: whatever follows it is a machine."""
    pixel = (
        f'<img src="{base_url}/t/o/{signer.open_token(send_id)}" width="1" height="1" alt="" '
        'style="display:block;border:0;width:1px;height:1px" />'
        f'<a href="{base_url}/t/c/{signer.click_token(send_id, HONEYPOT_URL)}" aria-hidden="true" tabindex="-1" '
        'style="display:none;font-size:0;line-height:0;max-height:0;overflow:hidden;mso-hide:all"></a>'
    )
    index = html_body.lower().rfind("</body>")
    return html_body + pixel if index < 0 else html_body[:index] + pixel + html_body[index:]
