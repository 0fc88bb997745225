"""Every page of the built book in headless Chromium, served from 127.0.0.1 only.

Per page: no request leaves 127.0.0.1, no console error, the maths is typeset, every
theorem/proof/exercise/solution renders, every dropdown toggles, every saved widget renders
(and a slider responds to the keyboard without a kernel). The last test writes the page
weights to _build/browser/page-weights.md and checks the budget.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from sitecheck import book_dir, pages, weight_summary

MB = 1_000_000
MAX_PAGE, MAX_MEDIAN = 8 * MB, 4 * MB  # the budget, uncompressed bytes
PAGES = pages(book_dir()) if book_dir().is_dir() else []
WEIGHTS: dict[str, int] = {}
DETAILS: dict[
    str, tuple[int, int, float]
] = {}  # page -> (requests, widget views, seconds)

# TeX that would show if MathJax had not run (prose only: code and outputs are removed).
RAW_TEX = re.compile(
    r"\$\$|\\\(|\\\[|\\(?:frac|sum|mathbf|boldsymbol|begin|left|sqrt|partial)\b"
)

# Visible prose of the article, with code, outputs and typeset maths taken out.
PROSE_JS = """() => {
  const a = document.querySelector('article');
  if (!a) return '';
  const c = a.cloneNode(true);
  c.querySelectorAll('pre, code, script, style, .highlight, mjx-container, .cell_output')
    .forEach(e => e.remove());
  return c.innerText;
}"""

# TeX that MathJax typeset as an error: an merror node (bad syntax, such as a double
# subscript) or an undefined macro, which MathJax shows as red text (\\partialL).
TEX_ERRORS_JS = """() => {
  const bad = [];
  const doc = window.MathJax && MathJax.startup && MathJax.startup.document;
  if (!doc) return bad;
  for (const item of doc.math) {
    let broken = false;
    item.root.walkTree(node => {
      if (node.isKind('merror') ||
          (node.isKind('mtext') && node.attributes.get('mathcolor') === 'red')) broken = true;
    });
    if (broken) bad.push(item.math);
  }
  return bad;
}"""

FACTS_JS = """() => ({
  mjx: document.querySelectorAll('mjx-container').length,
  mathSpans: document.querySelectorAll('article .math').length,
  views: document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]').length,
  rendered: [...document.querySelectorAll('.widget-subarea')]
    .filter(e => e.getBoundingClientRect().height > 0).length,
  blocks: [...document.querySelectorAll(
    '.proof.admonition, .exercise.admonition, .solution.admonition')].map(e => ({
      id: e.id, title: (e.querySelector('.admonition-title') || e).innerText || '',
      height: e.getBoundingClientRect().height})),
  bytes: performance.getEntriesByType('navigation')[0].decodedBodySize
    + performance.getEntriesByType('resource').reduce((s, e) => s + e.decodedBodySize, 0),
  requests: 1 + performance.getEntriesByType('resource').length,
})"""


def _hidden(locator) -> bool:
    return locator.evaluate("e => e.classList.contains('toggle-hidden')")


def _check_toggles(page) -> int:
    """Click every sphinx-togglebutton dropdown and every <details> twice; return how many."""
    buttons = page.locator("article button.toggle-button")
    for i in range(buttons.count()):
        button = buttons.nth(i)
        target = button.get_attribute("data-target") or ""
        box = page.locator(f"[id='{target}']")
        before = _hidden(box)
        button.click()
        assert _hidden(box) != before, f"dropdown {i} did not toggle"
        button.click()
        assert _hidden(box) == before, f"dropdown {i} did not toggle back"
    details = page.locator("article details")
    for i in range(details.count()):
        item = details.nth(i)
        before = item.evaluate("e => e.open")
        item.locator("summary").first.click()
        assert item.evaluate("e => e.open") != before, (
            f"<details> {i} did not toggle"
        )
        item.locator("summary").first.click()
    return buttons.count() + details.count()


def _check_sliders(page) -> None:
    """A saved slider updates its own readout from the keyboard, no kernel needed."""
    sliders = page.locator(".widget-slider")
    for i in range(sliders.count()):
        slider = sliders.nth(i)
        if slider.locator(".widget-readout").count() == 0:
            continue
        readout = slider.locator(".widget-readout")
        before = readout.inner_text()
        handle = slider.locator(".noUi-handle").first
        handle.focus()
        handle.press("ArrowRight")
        if (
            readout.inner_text() == before
        ):  # already at the maximum: go the other way
            handle.press("ArrowLeft")
            handle.press("ArrowLeft")
        assert readout.inner_text() != before, f"slider {i} ignores the keyboard"


@pytest.mark.parametrize("path", PAGES or ["(no built book)"])
def test_page(browser, site, path):
    assert PAGES, f"no pages under {book_dir()}: run `make book` first"
    start = time.perf_counter()
    context = browser.new_context()
    page = context.new_page()
    external, errors = [], []

    def route(r):
        if urlsplit(r.request.url).hostname == "127.0.0.1":
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "response",
        lambda r: r.status >= 400 and errors.append(f"{r.status} {r.url}"),
    )
    facts = {"bytes": 0, "requests": 0, "views": 0}
    try:
        page.goto(site + path, wait_until="load")
        page.evaluate("() => window.MathJax?.startup?.promise")
        page.wait_for_load_state("networkidle")
        facts = page.evaluate(FACTS_JS)
        assert external == [], f"requests to other hosts: {external}"
        assert errors == [], f"console errors: {errors}"
        if facts["mathSpans"]:
            assert facts["mjx"] >= facts["mathSpans"], "some maths was not typeset"
        broken = page.evaluate(TEX_ERRORS_JS)
        assert not broken, f"TeX that MathJax could not typeset: {broken[:5]}"
        prose = page.evaluate(PROSE_JS)
        leftover = RAW_TEX.findall(prose)
        assert not leftover, f"raw TeX in the visible text: {leftover[:5]}"
        for block in facts["blocks"]:
            assert block["title"].strip() and block["height"] > 0, (
                f"empty block {block['id']}"
            )
        assert facts["rendered"] >= facts["views"], (
            f"{facts['views']} saved widgets, {facts['rendered']} rendered"
        )
        _check_toggles(page)
        _check_sliders(page)
        assert errors == [], f"console errors after interacting: {errors}"
    finally:
        WEIGHTS[path] = facts["bytes"]
        DETAILS[path] = (
            facts["requests"],
            facts["views"],
            time.perf_counter() - start,
        )
        context.close()


def test_page_weight_budget(report_dir):
    """Writes the per-page weight table; no page over 8 MB, median at most 4 MB."""
    missing = sorted(set(PAGES) - set(WEIGHTS))
    if missing:
        pytest.skip(
            f"page tests did not run for {len(missing)} pages (run the whole module)"
        )
    largest, median = weight_summary(WEIGHTS)
    lines = [
        "| page | requests | widgets | MB | seconds |",
        "|---|---:|---:|---:|---:|",
    ]
    for path, size in sorted(WEIGHTS.items(), key=lambda kv: -kv[1]):
        requests, views, seconds = DETAILS[path]
        lines.append(
            f"| {path} | {requests} | {views} | {size / MB:.2f} | {seconds:.1f} |"
        )
    lines.append(
        f"\n{len(WEIGHTS)} pages; largest {largest / MB:.2f} MB, "
        f"median {median / MB:.2f} MB (uncompressed, everything the page loads)"
    )
    (report_dir / "page-weights.md").write_text(
        "\n".join(lines) + "\n", encoding="utf-8"
    )
    print("\n".join(lines[-1:]))
    heavy = {p: s for p, s in WEIGHTS.items() if s > MAX_PAGE}
    assert not heavy, f"pages over {MAX_PAGE / MB:.0f} MB: {heavy}"
    assert median <= MAX_MEDIAN, f"median page weight {median / MB:.2f} MB > 4 MB"
