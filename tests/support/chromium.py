"""Where Debian's Chromium is and how the browser tests start it. No Django here: ``make
screenshots`` imports it outside pytest, before any settings are configured."""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
