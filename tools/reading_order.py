"""The book's recommended reading order, and the check that it respects every prerequisite.

The chapter numbers follow the source article, so chapter 3.1 needs chapter 4.1 and
chapter 2.3 needs 4.3 and 5.1. The recommended order below fixes that: every chapter comes
after every chapter its header lists as a prerequisite (a link to another notebook). Used by

- ``book/_ext/bookext.py``: the ``reading-order`` directive (preface) and the
  ``course-path`` directive (instructor guide) fail the build on a violation;
- ``tests/test_reading_order.py``: the same checks under ``make test``, plus the
  "Reading order" line of every chapter's header;
- ``python tools/reading_order.py``: prints the order; ``--write`` rewrites each
  header's "Reading order" line from it (run it after adding a chapter or merging).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
try:
    from tools import nbtool
except (
    ImportError
):  # run as a script (python tools/reading_order.py): tools/ is on the path
    import nbtool  # type: ignore[no-redef]

READING_ORDER: tuple[str, ...] = (
    "1.1",
    "1.2",
    "1.3",  # history and sizes: no mathematics needed yet
    "4.1",  # the perceptron: the unit everything else builds on
    "2.1",
    "2.2",
    "3.1",
    "4.2",  # networks, back-propagation: idea, code, derivation
    "3.2",
    "3.3",
    "3.4",  # optimizers, training techniques, initialisation
    "4.3",
    "5.1",
    "2.3",  # attention, PyTorch training, then large-model training
    "5.2",
    "5.3",
    "5.4",
    "5.5",
    "5.6",
    "5.7",  # fine-tuning, then tokens, sampling, a real LLM, tuning it
    "6.1",
    "6.2",
    "6.3",
    "7.1",
    "7.2",
    "7.3",
    "8.1",
    "8.2",
    "8.3",
    "9.1",
    "9.2",
    "9.3",
)

LINE_RE = re.compile(r"^\*\*Reading order:\*\* .*$", re.M)
LINK_RE = re.compile(r"\]\(([^)#]+\.ipynb)\)")


def notebooks() -> dict[str, Path]:
    """Chapter number → notebook path, for every chapter notebook in the repository."""
    out = {}
    for path in sorted(ROOT.glob("notebooks/*/*.ipynb")):
        m = re.match(r"(\d+)_(\d+)_", path.name)
        if m:
            out[f"{int(m.group(1))}.{int(m.group(2))}"] = path
    return out


def prerequisites(paths: dict[str, Path] | None = None) -> dict[str, list[str]]:
    """Chapter number → the chapters its header's prerequisites line links to."""
    paths = notebooks() if paths is None else paths
    number_of = {p.resolve(): n for n, p in paths.items()}
    out = {}
    for number, path in paths.items():
        header = nbtool.parse_header(nbtool.load(path))
        needs = []
        for link in LINK_RE.findall(header["prerequisites"]):
            target = (path.parent / link).resolve()
            if target not in number_of:
                raise ValueError(
                    f"{number}: prerequisite link {link} is not a chapter notebook"
                )
            needs.append(number_of[target])
        out[number] = sorted(set(needs))
    return out


def violations(
    path: list[str] | tuple[str, ...],
    needs: dict[str, list[str]],
    assumed: list[str] | tuple[str, ...] = (),
) -> list[str]:
    """Why ``path`` (chapter numbers, in reading order) does not respect ``needs``; [] if it does.

    A prerequisite must come earlier in the path or be in ``assumed`` (read before the path
    starts). Unknown chapters and chapters listed twice are violations too.
    """
    problems, seen = [], set(assumed)
    for number in path:
        if number not in needs:
            problems.append(f"{number} is not a chapter of the book")
            continue
        if number in seen:
            problems.append(f"{number} is listed twice (or is also assumed)")
        missing = [n for n in needs[number] if n not in seen]
        if missing:
            problems.append(
                f"{number} needs {', '.join(missing)}, which come(s) later or not at"
                f" all; move it earlier or list it as assumed"
            )
        seen.add(number)
    return problems


def header_line(number: str, order: tuple[str, ...] = READING_ORDER) -> str:
    """The "Reading order" line of a chapter's header."""
    i = order.index(number)
    before = f"after {order[i - 1]}" if i > 0 else "first"
    after = f"before {order[i + 1]}" if i + 1 < len(order) else "last"
    return (
        f"**Reading order:** {i + 1} of {len(order)} in the recommended order of the"
        f" preface: {before}, {after}."
    )


def write_header_lines() -> list[Path]:
    """Insert or update the "Reading order" line, just before each header's estimated time."""
    changed = []
    for number, path in notebooks().items():
        nb = nbtool.load(path)
        cell = next(c for c in nb["cells"] if c["cell_type"] == "markdown")
        text = nbtool.source(cell)
        line = header_line(number)
        if LINE_RE.search(text):
            new = LINE_RE.sub(lambda _m, line=line: line, text)
        else:
            new = re.sub(
                r"^(\*\*Estimated time:\*\*)",
                lambda m, line=line: f"{line}\n\n{m.group(1)}",
                text,
                count=1,
                flags=re.M,
            )
        if new != text:
            cell["source"] = new
            nbtool.save(path, nb)
            changed.append(path)
    return changed


if __name__ == "__main__":
    if "--write" in sys.argv[1:]:
        for p in write_header_lines():
            print("updated", p.relative_to(ROOT))
    needs = prerequisites()
    print(" → ".join(READING_ORDER))
    for problem in violations(READING_ORDER, needs):
        print("VIOLATION:", problem)
