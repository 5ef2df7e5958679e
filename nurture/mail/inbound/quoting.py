"""The new text of a reply, without the quoted message below it."""

from __future__ import annotations

import re

# Where a mail client starts quoting: "On … wrote:", "Am … schrieb …:", "Le … a écrit :", Outlook's header block.
QUOTE_START = re.compile(
    r"^(?:>|On .{0,200}wrote:\s*$|Am .{0,200}schrieb.{0,80}:\s*$|Le .{0,200}a écrit\s?:\s*$|El .{0,200}escribió:\s*$"
    r"|-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original)\s*-{2,}"
    r"|(?:From|Von|De)\s?: .+$)",
    re.IGNORECASE,
)


def reply_text(body: str) -> str:
    """Lines before the first quotation marker, trimmed."""
    kept = []
    for line in body.splitlines():
        if QUOTE_START.match(line.strip()):
            break
        kept.append(line)
    return "\n".join(kept).strip()


def excerpt(body: str, length: int = 200) -> str:
    text = " ".join(reply_text(body).split())
    return text if len(text) <= length else text[: length - 1] + "…"
