"""A clean read (issue 21, points 6-10): exercise numbers and references, solutions that
open where readers click and print open, the cover and preface, a "report a mistake" link
on every page, search that knows the glossary's spellings, and accessibility (axe-core).

book/_ext/reader.py and book/_ext/static/reader.{css,js} do most of this; each test here
fails on the build before them.
"""

from __future__ import annotations

import re
import sys
from html import unescape

import pytest
import yaml
from sitecheck import ROOT, book_dir, pages

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import reader  # noqa: E402

AXE = ROOT / "book" / "js" / "node_modules" / "axe-core" / "axe.min.js"
REPO = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))[
    "repository"
]["url"]
CHAPTER_PAGES = [
    p
    for p in (pages(book_dir()) if book_dir().is_dir() else [])
    if reader.chapter_of(p.removesuffix(".html"))
]
_EXERCISE_TITLE = re.compile(
    r'<div class="exercise admonition" id="([^"]+)">\s*<p class="admonition-title">'
    r'<span class="caption-number">Exercise ([\d.]+) </span>'
)
_EXERCISE_LINK = re.compile(
    r'<a class="reference internal" href="([^"]*#(ex-[^"]+))">'
    r"(?:<span[^>]*>)?([^<]*)"
)


def _read(page: str) -> str:
    return (book_dir() / page).read_text(encoding="utf-8")


def test_exercises_are_numbered_per_chapter():
    numbers: dict[str, str] = {}
    for page in CHAPTER_PAGES:
        major, minor = reader.chapter_of(page.removesuffix(".html"))
        found = _EXERCISE_TITLE.findall(_read(page))
        assert len(found) >= 3, f"{page}: {len(found)} exercises found"
        expected = [f"{major}.{minor}.{k}" for k in range(1, len(found) + 1)]
        assert [n for _, n in found] == expected, (
            f"{page}: exercises numbered {found}"
        )
        numbers.update(dict(found))
    assert len(numbers) >= 3 * len(CHAPTER_PAGES)
    # Every link to an exercise, in any page, shows the number the exercise carries.
    wrong = []
    for page in pages(book_dir()):
        for _, label, text in _EXERCISE_LINK.findall(_read(page)):
            if (
                label in numbers
                and re.search(r"\d", text)
                and f"Exercise {numbers[label]}" not in unescape(text)
            ):
                wrong.append((page, label, text))
    assert not wrong, (
        f"links that show another number than their exercise's: {wrong}"
    )


def _errors(page) -> list[str]:
    errors: list[str] = []
    page.on(
        "console",
        lambda m: m.type == "error"
        and errors.append(f"{m.text} ({m.location.get('url')})"),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "response",
        lambda r: r.status >= 400 and errors.append(f"{r.status} {r.url}"),
    )
    return errors


# Where a reader clicks: the middle of the title's words ("... Exercise 4.1.1 (Predict with
# a perceptron)"), wherever they are in the title's markup.
_TITLE_WORDS_JS = """(title) => {
  const range = document.createRange();
  range.selectNodeContents(title);
  const button = title.querySelector('.toggle-button');
  if (button) range.setEndBefore(button);
  const boxes = [...range.getClientRects()].filter(r => r.width > 20);
  const last = boxes[boxes.length - 1];
  return {x: last.left + last.width * 0.75, y: last.top + last.height / 2};
}"""


def test_clicking_a_solution_title_opens_the_solution(browser, site):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    errors = _errors(page)
    try:
        url = site + "notebooks/04_math/4_1_perceptron.html"
        page.goto(url)
        page.wait_for_load_state("networkidle")
        solutions = page.locator("div.solution")
        assert solutions.count() >= 3
        for i in range(solutions.count()):
            solution = solutions.nth(i)
            title = solution.locator(":scope > .admonition-title")
            body = solution.locator(":scope > section")
            title.scroll_into_view_if_needed()
            assert not body.is_visible(), "a solution is open before it is clicked"
            point = title.evaluate(_TITLE_WORDS_JS)
            page.mouse.click(point["x"], point["y"])
            page.wait_for_timeout(400)
            assert page.url == url, (
                f"clicking solution {i + 1}'s title went to {page.url}"
            )
            assert body.is_visible(), (
                f"clicking solution {i + 1}'s title did not open it"
            )
        assert errors == [], f"script errors: {errors}"
    finally:
        page.close()


def test_solutions_print_open(browser, site):
    page = browser.new_page()
    try:
        page.goto(site + "notebooks/04_math/4_1_perceptron.html")
        page.wait_for_load_state("networkidle")
        page.emulate_media(media="print")
        shown = page.locator("div.solution > section").evaluate_all(
            "els => els.map(e => [getComputedStyle(e).visibility,"
            " e.getBoundingClientRect().height])"
        )
        assert len(shown) >= 3
        assert all(v == "visible" and h > 20 for v, h in shown), (
            f"in print: {shown}"
        )
        buttons = page.locator("div.solution button.toggle-button").evaluate_all(
            "els => els.filter(e => getComputedStyle(e).display !== 'none').length"
        )
        assert buttons == 0, f"{buttons} 'Click to show' buttons in print"
    finally:
        page.close()


def test_report_a_mistake_link_on_every_page():
    missing = []
    for page in pages(book_dir()):
        if page in ("search.html", "genindex.html"):
            continue
        html = _read(page)
        if f'<p class="bu-report"><a href="{REPO}/issues/new?' not in html:
            missing.append(page)
    assert not missing, (
        f"pages without a 'report a mistake' link to {REPO}/issues: {missing}"
    )


def test_cover_page_leads_into_the_book(browser, site):
    page = browser.new_page()
    try:
        page.goto(site)
        page.wait_for_load_state("networkidle")
        main = page.locator("main")
        text = main.inner_text()
        for needed in ("Who it is for", "Where to start"):
            assert needed in text, f"the home page ({page.url}) lacks {needed!r}"
        start = page.get_by_role("link", name=re.compile("Start reading"))
        assert start.count() == 1, (
            f"the home page ({page.url}) has no 'Start reading' link"
        )
        start.click()
        page.wait_for_load_state()
        assert page.url.endswith("book/preface.html"), page.url
    finally:
        page.close()


def test_preface_is_current_and_links_every_chapter():
    html = _read("book/preface.html")
    assert "so far" not in html, (
        "the preface still says which chapters exist 'so far'"
    )
    table = html[html.index("<table") : html.index("</table>")]
    linked = set(re.findall(r'href="\.\./(notebooks/[^"#]+\.html)"', table))
    assert linked == set(CHAPTER_PAGES), (
        f"chapters not linked: {set(CHAPTER_PAGES) - linked}"
    )


def test_no_index_of_raw_proof_labels():
    html = book_dir()
    assert not (html / "prf-prf.html").exists(), (
        "prf-prf.html lists raw proof labels"
    )


@pytest.mark.parametrize(
    "path",
    [
        "book/benchmarks.html",
        "book/notation.html",
        "book/glossary.html",
        "book/instructor_guide.html",
    ],
)
def test_tables_fit_the_desktop_column(browser, site, path):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    try:
        page.goto(site + path)
        cut = page.locator("article table").evaluate_all(
            "els => els.filter(t => t.scrollWidth > t.parentElement.clientWidth + 1)"
            ".map(t => [t.scrollWidth, t.parentElement.clientWidth])"
        )
        assert cut == [], (
            f"tables on {path} wider than the column (hidden part): {cut}"
        )
    finally:
        page.close()


def _search(page, site, query: str) -> list[str]:
    page.goto(site + "search.html?q=" + query.replace(" ", "+"))
    page.wait_for_function(
        "() => !!document.querySelector('#search-results p.search-summary')"
        " && document.querySelector('#search-results p.search-summary').innerText !== ''",
        timeout=30_000,
    )
    return page.locator("#search-results ul.search li > a").evaluate_all(
        "links => links.map(a => a.getAttribute('href').split('#')[0])"
    )


SPELLINGS = reader.spelling_groups(
    yaml.safe_load((ROOT / "book" / "glossary.yml").read_text(encoding="utf-8"))
)


@pytest.mark.parametrize("term", sorted(SPELLINGS))
def test_search_finds_the_glossarys_spellings(browser, site, term):
    page = browser.new_page()
    try:
        expected = sorted(set(_search(page, site, term)))
        assert expected, f"{term!r} finds nothing"
        for other in SPELLINGS[term]:
            found = sorted(set(_search(page, site, other)))
            assert found == expected, (
                f"{other!r} finds {len(found)} pages, {term!r} "
                f"{len(expected)}: {sorted(set(found) ^ set(expected))}"
            )
    finally:
        page.close()


def test_backpropagation_finds_the_chapters(browser, site):
    page = browser.new_page()
    try:
        found = set(_search(page, site, "backpropagation"))
        assert any("2_2_backprop_idea" in f for f in found), sorted(found)
        assert len(found) >= 10, f"'backpropagation' finds only {sorted(found)}"
    finally:
        page.close()


@pytest.mark.parametrize("query", ["attention", "back-propagation"])
def test_search_snippets_are_prose(browser, site, query):
    page = browser.new_page()
    try:
        _search(page, site, query)
        page.wait_for_function(
            "() => document.querySelectorAll('#search-results li p.context').length >= 5",
            timeout=30_000,
        )
        snippets = page.locator("#search-results li p.context").all_inner_texts()
        bad = [
            s
            for s in snippets
            if re.search(
                r"\\\(|\\\[|\\frac|\\mathbf|^\s*(\.\.\.)?\s*(import|from) \w", s
            )
            or re.search(r"\bContents\b", s)
        ]
        assert not bad, (
            f"{len(bad)} of {len(snippets)} snippets are not prose: {bad[:3]}"
        )
    finally:
        page.close()


def test_search_icon_leaves_the_query_readable(browser, site):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    try:
        page.goto(site + "search.html?q=attention")
        form = page.locator("form.bd-search:visible").first
        icon = form.locator(".fa-magnifying-glass").bounding_box()
        text_left = form.locator("input").evaluate(
            "i => i.getBoundingClientRect().left + parseFloat(getComputedStyle(i).paddingLeft)"
        )
        end = icon["x"] + icon["width"]
        assert end <= text_left, (
            f"the icon ends at {end:.0f} px, the query at {text_left:.0f}"
        )
    finally:
        page.close()


def test_glossary_chinese_column_is_marked_chinese():
    html = _read("book/glossary.html")
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)
    assert len(rows) >= 50
    bad = [
        r[:120]
        for r in rows
        if re.search(r"[\u4e00-\u9fff]", r)
        and not re.search(
            r'lang="zh-Hans"[^>]*>[^<]*(<[^>]*>)*[^<]*[\u4e00-\u9fff]', r
        )
    ]
    assert not bad, (
        f"{len(bad)} glossary rows with Chinese not marked lang=zh-Hans: {bad[:2]}"
    )


def test_exercise_box_links_have_contrast(browser, site):
    page = browser.new_page()
    try:
        page.emulate_media(color_scheme="light")
        page.goto(site + "notebooks/04_math/4_3_transformer_math.html")
        page.wait_for_load_state("networkidle")
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("""async () => (await axe.run(
            document.querySelectorAll('div.exercise'),
            {runOnly: ['color-contrast']})).violations""")
        assert result == [], [n["target"] for v in result for n in v["nodes"]][:5]
    finally:
        page.close()


# Pages of every kind: home, reference pages, chapters with widgets, maths, proofs, search.
AXE_PAGES = [
    "book/cover.html",
    "book/preface.html",
    "book/glossary.html",
    "book/notation.html",
    "book/instructor_guide.html",
    "book/benchmarks.html",
    "notebooks/02_concepts/2_1_neural_networks.html",
    "notebooks/03_algorithms/3_2_optimizers.html",
    "notebooks/04_math/4_1_perceptron.html",
    "notebooks/04_math/4_3_transformer_math.html",
    "notebooks/05_practice/5_1_pytorch_mlp.html",
    "search.html",
]


# Saved widgets are drawn after the page loads: scan them once they are there.
WIDGETS_DRAWN_JS = """() => !document.querySelector(
    "script[type='application/vnd.jupyter.widget-view+json']")
  || !!document.querySelector('.jupyter-widgets .widget-slider, .jupyter-widgets button')"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violations(browser, site, report_dir, scheme):
    assert AXE.is_file(), f"{AXE} is missing: run `make vendor` (npm ci in book/js)"
    report, serious = [], []
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    try:
        page.emulate_media(color_scheme=scheme)
        for path in AXE_PAGES:
            page.goto(site + path, wait_until="load")
            page.evaluate("() => window.MathJax?.startup?.promise")
            page.wait_for_function(WIDGETS_DRAWN_JS, timeout=30_000)
            page.wait_for_timeout(
                500
            )  # the widget manager draws a view in several steps
            page.add_script_tag(path=str(AXE))
            violations = page.evaluate(
                "async () => (await axe.run(document)).violations"
            )
            for v in violations:
                line = (
                    f"{path}: {v['impact']} {v['id']} ({len(v['nodes'])}): "
                    f"{v['nodes'][0]['target']}"
                )
                report.append(line)
                if v["impact"] in ("serious", "critical"):
                    serious.append(line)
    finally:
        page.close()
    (report_dir / f"axe-{scheme}.txt").write_text(
        "\n".join(report) + "\n", encoding="utf-8"
    )
    assert not serious, "serious axe-core violations:\n" + "\n".join(serious)


def test_axe_is_served_locally():
    assert AXE.is_file() and AXE.stat().st_size > 100_000
    pinned = (ROOT / "book" / "js" / "package.json").read_text(encoding="utf-8")
    assert re.search(r'"axe-core": "\d+\.\d+\.\d+"', pinned), (
        "axe-core is not pinned"
    )
