"""Whole-book checks: internal links and anchors, heading order, search, the home page,
and screenshots of three key pages for review (saved in _build/browser/)."""

from __future__ import annotations

import pytest
from sitecheck import book_dir, broken_links, heading_jumps, pages, scan

SHOTS = {
    "home": "book/cover.html",
    "4_1": "notebooks/04_math/4_1_perceptron.html",
    "5_3": "notebooks/05_practice/5_3_finetuning.html",
}


def test_internal_links_and_anchors():
    html = book_dir()
    cache: dict = {}
    total, bad = 0, {}
    listed = pages(html)
    assert len(listed) >= 30, f"only {len(listed)} pages built"
    for page in listed:
        checked, broken = broken_links(html, page, cache)
        total += checked
        if broken:
            bad[page] = broken
    print(f"\n{total} internal links checked on {len(listed)} pages")
    assert total > 10 * len(
        listed
    )  # the theme's navigation alone links every chapter
    assert not bad, f"broken internal links: {bad}"


def test_every_id_is_unique_on_its_page():
    html = book_dir()
    repeated = {
        page: sorted(set(ids))
        for page in pages(html)
        if (ids := scan(html / page).repeated_ids)
    }
    assert not repeated, f"ids used twice on one page: {repeated}"


def test_headings_in_order():
    html = book_dir()
    bad = {}
    for page in pages(html):
        if not page.startswith(("notebooks/", "book/")):
            continue
        levels = scan(html / page).headings
        jumps = heading_jumps(levels)
        if not levels or levels[0] != 1 or jumps:
            bad[page] = (levels[:3], jumps)
    assert not bad, f"pages whose headings skip a level (or lack one h1): {bad}"


def test_home_redirect_and_screenshots(browser, site, report_dir):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(site)
        page.wait_for_url("**/" + SHOTS["home"])
        for name, path in SHOTS.items():
            page.goto(site + path)
            page.evaluate("() => window.MathJax?.startup?.promise")
            page.wait_for_load_state("networkidle")
            shot = report_dir / f"screenshot-{name}.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 20_000, f"{shot} looks blank"
    finally:
        page.close()


@pytest.mark.parametrize(
    "term, expected",
    [
        ("perceptron", "4_1_perceptron.html"),
        ("fine-tuning", "5_3_finetuning.html"),
        ("speech", "6_3_speech.html"),
    ],
)
def test_search_finds_the_chapter(browser, site, term, expected):
    page = browser.new_page()
    try:
        page.goto(site + "search.html")
        box = page.locator("input[name=q]:visible").first
        box.fill(term)
        box.press("Enter")
        page.wait_for_selector("#search-results ul.search li", timeout=30_000)
        hits = page.locator("#search-results ul.search li a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
        assert any(expected in (h or "") for h in hits[:5]), (
            f"top hits for {term!r}: {hits[:5]}"
        )
    finally:
        page.close()
