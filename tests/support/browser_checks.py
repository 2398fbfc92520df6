"""What the browser checks measure on a page: horizontal overflow of the page and of primary
actions, axe-core's serious and critical violations, and the rendered size of chart text."""

from __future__ import annotations

from pathlib import Path

AXE_JS = Path(__file__).resolve().parents[1] / "e2e" / "node_modules" / "axe-core" / "axe.min.js"
PRIMARY_ACTIONS = ".button--primary, form button[type=submit], a.button, .site-header button"

# Each primary action's right edge against the viewport and against every ancestor that clips
# (overflow other than visible): an action scrolled out of its table is cut off all the same.
OVERFLOW_JS = """
(selector) => {
  const width = document.documentElement.clientWidth;
  const page = document.scrollingElement.scrollWidth;
  const cut = [];
  for (const el of document.querySelectorAll(selector)) {
    const box = el.getBoundingClientRect();
    if (!box.width) continue;
    let clipped = box.right > width + 1 || box.left < -1;
    for (let a = el.parentElement; a && !clipped; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (style.overflowX !== "visible") {
        const outer = a.getBoundingClientRect();
        clipped = box.right > outer.right + 1 || box.left < outer.left - 1;
      }
    }
    if (clipped) cut.push((el.innerText || el.value || el.outerHTML).trim().slice(0, 60));
  }
  return {width, page, cut};
}
"""

CHART_TEXT_JS = """
() => Array.from(document.querySelectorAll("svg.chart text")).map(t => {
  const scale = t.getScreenCTM() ? t.getScreenCTM().a : 1;
  return {text: t.textContent.trim().slice(0, 40), px: parseFloat(getComputedStyle(t).fontSize) * scale};
})
"""


def overflow(page) -> dict:
    return page.evaluate(OVERFLOW_JS, PRIMARY_ACTIONS)


def serious_axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def chart_text_sizes(page) -> list[dict]:
    return page.evaluate(CHART_TEXT_JS)
