"""What a browser check asserts on an open page: nothing scrolls sideways (the page, or a primary
action pushed off screen; a table that scrolls inside its own box is fine) and axe-core finds no
serious or critical violation. axe-core is the npm package pinned in tests/e2e/package.json."""

from __future__ import annotations

from pathlib import Path

AXE_JS = Path(__file__).resolve().parents[1] / "e2e" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")

OVERFLOW_JS = """
() => {
  const width = document.documentElement.clientWidth;
  const scrollsInside = (el) => {
    for (let node = el.parentElement; node && node !== document.body; node = node.parentElement) {
      const overflow = getComputedStyle(node).overflowX;
      if (overflow === 'auto' || overflow === 'scroll') return true;
    }
    return false;
  };
  const actions = [...document.querySelectorAll(
    'button, .button, input[type=submit], input[type=search], a.button, [role=button]')]
    .filter((el) => {
      const box = el.getBoundingClientRect();
      return box.width > 1 && box.height > 1 && getComputedStyle(el).visibility !== 'hidden';
    })
    .filter((el) => !scrollsInside(el))
    .filter((el) => {
      const box = el.getBoundingClientRect();
      return box.right > width + 1 || box.left < -1;
    })
    .map((el) => el.outerHTML.slice(0, 160));
  return {page: document.documentElement.scrollWidth - width, actions};
}
"""


def horizontal_overflow(page) -> dict:
    """``{"page": pixels the page is wider than the window, "actions": [actions off screen]}``."""
    return page.evaluate(OVERFLOW_JS)


def blocking_axe_violations(page) -> list[dict]:
    # Evaluated through DevTools, not as a <script> tag: the portal's CSP refuses inline scripts.
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:5]]}
        for v in result["violations"]
        if v["impact"] in BLOCKING_IMPACTS
    ]
