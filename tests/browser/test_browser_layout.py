"""The built book on every screen (issue 21, points 1-5), in headless Chromium.

- the ☰ and "contents" buttons open the navigation at phone and tablet width, and hide the
  sidebar on a wide screen; there is one search box;
- no control on a page changes its readout without changing what it claims to control (a
  saved ipywidget without a kernel did exactly that), and no page carries widget state;
- figure text is large enough: the tick labels of every figure, from the figure's width in
  inches (the image's header) and the width it is shown at;
- outputs hold no stderr, temporary paths, raw log records, progress-bar redraws or BibTeX keys;
- nothing is clipped: no page scrolls sideways at 390 px, and no display equation is wider
  than its column at 1366 px.
"""

from __future__ import annotations

import os
import re

import pytest
from layoutcheck import (
    bib_keys,
    figure_inches,
    image_bytes,
    output_noise,
    png_dpi,
    tick_label_px,
    tick_points,
)
from sitecheck import book_dir, pages

pytestmark = pytest.mark.skipif(
    os.environ.get("BOOK_BROWSER_TESTS") != "1",
    reason="browser tests run with `make browser-test`",
)

PAGES = pages(book_dir()) if book_dir().is_dir() else []
CHAPTERS = [p for p in PAGES if p.startswith("notebooks/")]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
TABLET = {"viewport": {"width": 900, "height": 1000}}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
# Smallest tick-label height, in CSS pixels, of a figure shown in a page at 1366 px.
MIN_TICK_PX = 9.0


def _open(browser, site, path, **context):
    ctx = browser.new_context(**context)
    page = ctx.new_page()
    page.route(
        "**/*",
        lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort(),
    )
    page.goto(site + path, wait_until="load")
    page.evaluate("() => window.MathJax?.startup?.promise")
    page.wait_for_load_state("networkidle")
    return ctx, page


def _evaluate(browser, site, path, script: str, context: dict):
    """What ``script`` returns in ``path`` opened with ``context`` (a fresh browser context)."""
    ctx, page = _open(browser, site, path, **context)
    try:
        return page.evaluate(script)
    finally:
        ctx.close()


VISIBLE = """e => { const r = e.getBoundingClientRect();
  return r.width > 0 && r.height > 0
    && e.checkVisibility({opacityProperty: true, visibilityProperty: true}) }"""


def _visible_button(page, kind: str):
    buttons = page.locator(f".{kind}-toggle")
    for i in range(buttons.count()):
        if buttons.nth(i).evaluate(VISIBLE):
            return buttons.nth(i)
    raise AssertionError(f"no visible .{kind}-toggle button")


@pytest.mark.parametrize("size", ["phone", "tablet"])
def test_menu_opens_the_navigation(browser, site, size):
    ctx, page = _open(
        browser,
        site,
        "notebooks/04_math/4_1_perceptron.html",
        **(PHONE if size == "phone" else TABLET),
    )
    try:
        sidebar = page.locator("#pst-primary-sidebar")
        assert not sidebar.evaluate(
            "e => { const r = e.getBoundingClientRect(); return r.right > 0 && r.width > 0 }"
        ), "the sidebar should start off screen"
        button = _visible_button(page, "primary")
        if size == "phone":
            button.tap()
        else:
            button.click()
        dialog = page.locator("#pst-primary-sidebar-modal")
        dialog.wait_for(state="visible", timeout=15_000)
        links = dialog.locator("nav a.reference")
        shown = [links.nth(i).evaluate(VISIBLE) for i in range(links.count())]
        assert sum(shown) >= 20, (
            f"{sum(shown)} navigation links visible after the tap"
        )
        page.keyboard.press("Escape")
        dialog.wait_for(state="hidden", timeout=15_000)
        _visible_button(page, "secondary").click()
        secondary = page.locator("#pst-secondary-sidebar-modal")
        secondary.wait_for(state="visible", timeout=15_000)
        assert secondary.locator("a").count() >= 5, (
            "the page's contents did not open"
        )
    finally:
        ctx.close()


def test_menu_hides_the_sidebar_on_a_wide_screen_and_one_search_box(browser, site):
    ctx, page = _open(
        browser, site, "notebooks/04_math/4_1_perceptron.html", **DESKTOP
    )
    try:
        sidebar = page.locator("#pst-primary-sidebar")
        assert sidebar.evaluate(VISIBLE), "the sidebar should show at 1366 px"
        boxes = page.locator(".search-button-field, .search-button")
        shown = sum(boxes.nth(i).evaluate(VISIBLE) for i in range(boxes.count()))
        assert shown == 1, (
            f"{shown} search buttons or boxes visible (one in the sidebar)"
        )
        _visible_button(page, "primary").click()
        page.wait_for_timeout(1000)
        assert not sidebar.evaluate(VISIBLE), "☰ did not hide the sidebar"
    finally:
        ctx.close()


# Each control of a page, operated; the test records what the control claims (its readout)
# and what it controls (the picture or box it belongs to) before and after.
CONTROLS_JS = """() => {
  const out = [];
  const scope = document.querySelector('article') || document.body;
  scope.querySelectorAll('input, select, button, [role=slider], .jupyter-widgets')
    .forEach(e => {
      if (e.closest('.toggle, .dropdown, details, .bu-scrub, .highlight, form, .admonition-title'))
        return;
      if (e.matches('button.toggle-button, .copybtn, .headerlink')) return;
      out.push(e.outerHTML.slice(0, 120));
    });
  return out;
}"""


@pytest.mark.parametrize("path", CHAPTERS or ["(no built book)"])
def test_controls_act_on_what_they_show(browser, site, path):
    """A control must change its picture when it changes its readout (the scrubbable
    figures do); a saved ipywidget, which only moves its own readout, must not be on a page."""
    assert CHAPTERS, "no chapter pages: run `make book`"
    html = (book_dir() / path).read_text(encoding="utf-8")
    assert "application/vnd.jupyter.widget-state+json" not in html, (
        "saved widget state"
    )
    ctx, page = _open(browser, site, path, **DESKTOP)
    try:
        stray = page.evaluate(CONTROLS_JS)
        assert not stray, f"controls that act on nothing: {stray[:3]}"
        scrubs = page.locator(".bu-scrub")
        for i in range(scrubs.count()):
            scrub = scrubs.nth(i)
            image, label = scrub.locator("img"), scrub.locator(".bu-scrub-label")
            before = (image.get_attribute("src"), label.inner_text())
            scrub.locator(".bu-next").click()
            after = (image.get_attribute("src"), label.inner_text())
            assert after[1] != before[1], (
                f"scrub figure {i}: the label did not move"
            )
            assert after[0] != before[0], (
                f"scrub figure {i}: label moved, picture did not"
            )
            dpi = png_dpi(image_bytes(after[0], book_dir() / path))
            assert dpi and dpi >= 100, (
                f"scrub figure {i}: frames at {dpi} dpi (< 100)"
            )
            shown = image.evaluate("e => e.getBoundingClientRect().width")
            column = scrub.evaluate(
                "e => e.parentElement.getBoundingClientRect().width"
            )
            assert shown >= column - 2, (
                f"scrub figure {i}: {shown:.0f} px of {column:.0f} px"
            )
    finally:
        ctx.close()


SIZES_JS = """() => [...document.querySelectorAll('article img')].map(img => ({
  src: img.getAttribute('src'), shown: img.getBoundingClientRect().width,
  natural: img.naturalWidth, alt: img.getAttribute('alt') || ''}))"""


@pytest.mark.parametrize("path", CHAPTERS or ["(no built book)"])
def test_figure_text_is_readable(browser, site, path):
    """Tick labels at least MIN_TICK_PX CSS pixels high at 1366 px. Every figure records
    its size (the PNG's dpi) and its smallest tick label (bookutils writes it in the PNG)."""
    assert CHAPTERS, "no chapter pages: run `make book`"
    ctx, page = _open(browser, site, path, **DESKTOP)
    try:
        page.evaluate(
            "() => document.querySelectorAll('details').forEach(d => d.open = true)"
        )
        images = page.evaluate(SIZES_JS)
    finally:
        ctx.close()
    small, unknown = [], []
    for img in images:
        if img["shown"] < 50:  # icons and badges, not figures
            continue
        data = image_bytes(img["src"], book_dir() / path)
        inches, points = figure_inches(data), tick_points(data)
        if inches is None or points is None:
            unknown.append(f"{img['src'][:40]} {img['alt'][:40]!r}")
            continue
        px = tick_label_px(img["shown"], inches, points)
        if points and px < MIN_TICK_PX:
            small.append(
                f"{px:.1f} px ({points:g} pt, {inches:.1f} in shown"
                f" {img['shown']:.0f} px): {img['alt'][:50]!r}"
            )
    assert not unknown, f"figures that do not record their size: {unknown}"
    assert not small, f"tick labels below {MIN_TICK_PX} px: {small}"


def test_outputs_are_clean():
    """No stderr, temporary paths, raw log dictionaries, progress redraws or BibTeX keys."""
    html, keys = book_dir(), bib_keys()
    noisy = {
        p: found
        for p in pages(html)
        if (found := output_noise((html / p).read_text(encoding="utf-8"), keys))
    }
    assert not noisy, f"noise in outputs: {noisy}"


OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('article *')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.right > width + 1 && getComputedStyle(e).position !== 'fixed';
  }).filter(e => !e.closest('pre, .highlight, .cell_output, table, mjx-container, .bd-sidebar'));
  return {scroll: document.documentElement.scrollWidth, width,
          wide: wide.slice(0, 3).map(e => e.tagName + '.' + e.className + ': '
                                       + (e.innerText || '').slice(0, 40))};
}"""


@pytest.mark.parametrize("path", PAGES or ["(no built book)"])
def test_no_sideways_scroll_on_a_phone(browser, site, path):
    assert PAGES, "no pages: run `make book`"
    found = _evaluate(browser, site, path, OVERFLOW_JS, PHONE)
    assert found["scroll"] <= found["width"] + 1, (
        f"page {found['scroll']} px wide at {found['width']} px: {found['wide']}"
    )


MATH_JS = """() => {
  const tex = new Map();
  const doc = window.MathJax?.startup?.document;
  if (doc) for (const item of doc.math) tex.set(item.typesetRoot, item.math);
  return [...document.querySelectorAll('article mjx-container[display="true"]')].map(m => {
    const math = m.querySelector('mjx-math');
    return {need: Math.round(math ? math.getBoundingClientRect().width : 0),
            column: Math.round(m.parentElement.getBoundingClientRect().width),
            tex: (tex.get(m) || '').trim().slice(0, 70)};
  }).filter(m => m.need > m.column + 1);
}"""


@pytest.mark.parametrize("path", PAGES or ["(no built book)"])
def test_display_maths_fits_the_column(browser, site, path):
    assert PAGES, "no pages: run `make book`"
    wide = _evaluate(browser, site, path, MATH_JS, DESKTOP)
    assert not wide, (
        f"display equations wider than the column at 1366 px: {wide[:3]}"
    )


_FIGURE_NUMBER = re.compile(r'<span class="caption-number">Figure ([\d.]+) </span>')
_EQUATION_NUMBER = re.compile(r'<span class="eqno">\(([\d.]+)\)')


@pytest.mark.parametrize("kind", ["figure", "equation"])
def test_figures_and_equations_are_numbered_per_chapter(kind):
    """Captioned figures read "Figure 4.1.1, 4.1.2 ...", display equations "(4.1.1) ...",
    in page order, restarting in each chapter."""
    assert CHAPTERS, "no chapter pages: run `make book`"
    pattern = _FIGURE_NUMBER if kind == "figure" else _EQUATION_NUMBER
    total = 0
    for path in CHAPTERS:
        major, minor = path.split("/")[-1].split("_")[:2]
        found = pattern.findall((book_dir() / path).read_text(encoding="utf-8"))
        expected = [f"{major}.{minor}.{k}" for k in range(1, len(found) + 1)]
        assert found == expected, f"{path}: {kind}s numbered {found}"
        total += len(found)
    assert total >= 2 * len(CHAPTERS), f"only {total} numbered {kind}s"


PANELS_JS = """() => [...document.querySelectorAll('img.bu-panels')].map(img => {
  const stack = img.nextElementSibling;
  const panels = stack ? [...stack.querySelectorAll('.bu-panel')] : [];
  return {figure: img.getBoundingClientRect().width,
    stack: stack ? stack.getBoundingClientRect().width : 0,
    column: (stack || img).closest('figure, div').getBoundingClientRect().width,
    panels: panels.map(p => [p.getBoundingClientRect().width,
                             p.getBoundingClientRect().height])};
})"""


def test_side_by_side_panels_stack_on_a_phone(browser, site):
    """A figure of several panels shows them one under another at 390 px, each as wide as
    the column; at 1366 px it shows the figure itself."""
    with_panels = [
        p
        for p in CHAPTERS
        if "bu-panels" in (book_dir() / p).read_text(encoding="utf-8")
    ]
    assert len(with_panels) >= 5, f"pages with side-by-side panels: {with_panels}"
    for path in with_panels[:3]:
        for fig in _evaluate(browser, site, path, PANELS_JS, PHONE):
            assert fig["figure"] == 0, (
                f"{path}: the whole figure still shows: {fig}"
            )
            assert len(fig["panels"]) >= 2, f"{path}: no stacked panels: {fig}"
            for width, height in fig["panels"]:
                assert width >= 0.98 * fig["column"] and height > 40, (path, fig)
            assert fig["column"] >= 0.8 * PHONE["viewport"]["width"], (path, fig)
    wide = _evaluate(browser, site, with_panels[0], PANELS_JS, DESKTOP)
    assert wide and all(f["figure"] > 0 and f["stack"] == 0 for f in wide), wide
