"""Debian's Chromium (/usr/bin/chromium), driven by Playwright: never a browser Playwright downloads."""

from __future__ import annotations

import os

EXECUTABLE = os.environ.get("NURTURE_TEST_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling Google's hosts, which this network refuses.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Generous for a loaded 2-core machine; Playwright waits for elements itself, the tests never sleep.
TIMEOUT_MS = 15_000
LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
