"""``make screenshots``: every page of ``screens.SCREENS`` at phone and desktop size, in Russian and
English, written to ``var/screenshots/{name}-{language}-{viewport}.png``.

It builds its own demo world under ``var/screenshots-data`` (seeded demo data, the marts built by
``run_etl``, the demo logins), runs the portal on a free port with the password sign-in and drives
Debian's Chromium through Playwright.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from tests.support import demo_portal
from tests.support.screens import LANGUAGES, SCREENS, VIEWPORTS

BASE_DIR = Path(__file__).resolve().parents[2]
OUT_DIR = BASE_DIR / "var" / "screenshots"
DATA_DIR = BASE_DIR / "var" / "screenshots-data"


def main() -> int:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    demo_portal.prepare(DATA_DIR)
    with demo_portal.running(DATA_DIR, log_dir=OUT_DIR) as portal_url, demo_portal.chromium() as browser:
        facts = demo_portal.demo_facts(browser, portal_url, demo_portal.demo_customers(DATA_DIR))
        for screen in SCREENS:
            for language in LANGUAGES:
                for viewport_name, viewport in VIEWPORTS.items():
                    page = demo_portal.open_page(browser, portal_url, screen, language, viewport, facts)
                    target = OUT_DIR / f"{screen.name}-{language}-{viewport_name}.png"
                    page.screenshot(path=str(target), full_page=True)
                    page.context.close()
                    print(target.relative_to(BASE_DIR))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sys.exit(main())
