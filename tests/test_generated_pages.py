"""The instructor guide and the glossary are generated from the notebooks and glossary.yml."""

from __future__ import annotations

import sys

import pytest
import yaml

from tools import nbtool

sys.path.insert(0, str(nbtool.ROOT / "book" / "_ext"))
import bookext  # noqa: E402

OUTLINE_NUMBERS = {
    f"{major}.{minor}" for major in range(1, 10) for minor in (1, 2, 3)
}
# Chapters added to the outline later: 3.4 for fundamentals it lacked (issue 19), 5.4-5.7 on
# tokens, sampling, a real LLM and its tuning (issue 18).
OUTLINE_NUMBERS |= {"3.4", "5.4", "5.5", "5.6", "5.7"}


def test_every_notebook_in_the_toc_is_a_chapter_with_its_header():
    chapters = bookext.chapters()
    docs = {c["doc"] for c in chapters}
    assert docs == {
        p.relative_to(nbtool.ROOT).with_suffix("").as_posix()
        for p in nbtool.all_notebooks()
    }
    for ch in chapters:
        assert ch["number"] in OUTLINE_NUMBERS and ch["minutes"] > 0
        assert len(ch["exercises"]) >= 3 and all(ch["exercises"])
        assert all(need in docs for need in ch["needs"]), ch["doc"]
        assert ch["doc"] not in ch["needs"], f"{ch['doc']} lists itself"


def test_glossary_entries_are_complete_and_link_to_existing_chapters():
    entries = bookext.glossary()
    known = {c["number"] for c in bookext.chapters()}
    assert len(entries) >= 50
    for e in entries:
        assert set(e) == {"en", "zh", "chapter", "definition"}, e
        assert e["zh"] and e["definition"].endswith(".")
        assert e["chapter"] in known, (
            f"{e['en']}: chapter {e['chapter']} does not exist"
        )
    english = [e["en"].lower() for e in entries]
    assert len(english) == len(set(english)), "a term is listed twice"


def test_glossary_terms_come_from_the_source_article():
    raw = yaml.safe_load(
        (nbtool.ROOT / "book" / "glossary.yml").read_text(encoding="utf-8")
    )
    article = next((nbtool.ROOT.parent / "shared" / "seed").glob("*.txt"), None)
    if article is None:
        pytest.skip(
            "the source article (../shared/seed) lies beside the repository"
        )
    text = article.read_text(encoding="utf-8")
    found = [e for e in raw if e["zh"].split("（")[0].split("、")[0] in text]
    assert len(found) >= 0.6 * len(raw), (
        f"only {len(found)} of {len(raw)} terms are in it"
    )
