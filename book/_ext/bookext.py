"""Book pages generated from the notebooks at build time, so they cannot drift.

Directives (used in book/instructor_guide.md):

- ``chapter-table``: one row per chapter: number and title (linked), time, prerequisites.
- ``chapter-details``: per chapter, its learning objectives and its exercises.
- ``chapter-graph``: a figure of which chapter builds on which, drawn from the
  prerequisite links in the notebooks' headers.
- ``course-path``: a list of chapter numbers (the directive's content) rendered as links with
  their times and a total; numbers without a notebook yet are marked "not yet written". The
  ``:assumes:`` option lists chapters read before the path starts; ``:continues:`` assumes
  the chapters of the paths above it on the page (up to one without it). The build fails when a
  chapter of the path needs a prerequisite that is neither earlier in it nor assumed.
- ``reading-order``: the book's recommended reading order (tools/reading_order.py), rendered
  as links; the build fails when a chapter comes before one of its prerequisites.
- ``exercise-levels``: every exercise grouped by level (★ apply, ★★ derive or build,
  ★★★ open or multi-step), with its chapter and time.
- ``glossary-table``: the English–Chinese glossary of book/glossary.yml, linked to chapters.

Everything is read from the notebooks listed in ``_toc.yml`` with the same parser the
structure tests use (tools/nbtool.py).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import yaml
from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

ROOT = Path(__file__).resolve().parents[2]


# tools/nbtool.py and tools/reading_order.py hold the rules this extension shares with the
# tests; Sphinx does not put the repository root on the import path, so each is loaded from
# its file (nbtool first: reading_order imports it).
def _load_tool(name: str):
    spec = importlib.util.spec_from_file_location(
        name, ROOT / "tools" / f"{name}.py"
    )
    module = sys.modules.setdefault(name, importlib.util.module_from_spec(spec))
    spec.loader.exec_module(module)
    return module


nbtool = _load_tool("nbtool")
reading_order = _load_tool("reading_order")

GENERATED = ROOT / "book" / "_generated"


def _doc_links(text: str, folder: Path) -> str:
    """Markdown links to notebooks (relative to ``folder``) as {doc} links, valid anywhere."""

    def to_doc(m: re.Match) -> str:
        doc = (
            (folder / m.group(2))
            .resolve()
            .relative_to(ROOT)
            .with_suffix("")
            .as_posix()
        )
        return f"{{doc}}`{m.group(1)} </{doc}>`"

    return re.sub(r"\[([^\]]+)\]\(([^)#]+\.ipynb)\)", to_doc, text)


def chapters() -> list[dict]:
    """Header data of every notebook in the table of contents, in book order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [
        ch["file"]
        for part in toc.get("parts", [])
        for ch in part.get("chapters", [])
    ]
    out = []
    for doc in files:
        path = ROOT / f"{doc}.ipynb"
        if not path.is_file():
            continue
        nb = nbtool.load(path)
        header = nbtool.parse_header(nb)
        text = "\n".join(
            nbtool.source(c) for c in nb["cells"] if c["cell_type"] == "markdown"
        )
        header["doc"] = doc
        header["prerequisites"] = _doc_links(header["prerequisites"], path.parent)
        header["exercises"] = re.findall(r"^`{3,}\{exercise\}\s*(.*)$", text, re.M)
        header["exercise_list"] = nbtool.exercises(nb)
        header["needs"] = sorted(
            set(re.findall(r"\{doc\}`[^<`]*</([^>]+)>`", header["prerequisites"]))
        )
        out.append(header)
    return out


def _link(ch: dict) -> str:
    return f"{{doc}}`{ch['number']} {ch['title']} </{ch['doc']}>`"


class _Generated(SphinxDirective):
    has_content = True

    def markdown(self) -> list[str]:
        raise NotImplementedError

    def run(self) -> list[nodes.Node]:
        for path in sorted(ROOT.glob("notebooks/**/*.ipynb")):
            self.env.note_dependency(
                str(path)
            )  # rebuild the page when a notebook changes
        container = nodes.container()
        self.state.nested_parse(
            StringList(self.markdown()), self.content_offset, container
        )
        return container.children


class ChapterTable(_Generated):
    def markdown(self) -> list[str]:
        rows = ["| chapter | time | prerequisites |", "|---|---:|---|"]
        for ch in chapters():
            needs = ", ".join(
                n.rsplit("/", 1)[-1].split("_", 2)[0]
                + "."
                + n.rsplit("/", 1)[-1].split("_", 2)[1]
                for n in ch["needs"]
            )
            rows.append(f"| {_link(ch)} | {ch['minutes']} min | {needs or '—'} |")
        total = sum(ch["minutes"] for ch in chapters())
        return rows + [
            "",
            f"{len(chapters())} chapters, {total / 60:.1f} hours in all.",
        ]


class ChapterDetails(_Generated):
    def markdown(self) -> list[str]:
        lines = []
        for ch in chapters():
            lines += [
                f"**{_link(ch)}** ({ch['minutes']} minutes). "
                f"Prerequisites: {ch['prerequisites']}",
                "",
                "Learning objectives:",
                "",
            ]
            lines += [f"- {o}" for o in ch["objectives"]]
            lines += ["", "Exercises: " + "; ".join(ch["exercises"]) + ".", ""]
        return lines


class ExerciseLevels(_Generated):
    """Every exercise of the book, grouped by level, with its chapter and time."""

    def markdown(self) -> list[str]:
        lines = []
        for level, kind in nbtool.LEVELS.items():
            rows = [
                (ch, ex)
                for ch in chapters()
                for ex in ch["exercise_list"]
                if ex["level"] == level
            ]
            minutes = sum(ex["minutes"] for _, ex in rows)
            lines += [
                f"**{'★' * level} {kind}**: {len(rows)} exercises, about"
                f" {minutes / 60:.1f} hours in all.",
                "",
                "| exercise | chapter | time |",
                "|---|---|---:|",
            ]
            lines += [
                f"| {{ref}}`{ex['label']}`: {ex['title']} | {_link(ch)} |"
                f" {ex['minutes']} min |"
                for ch, ex in rows
            ]
            lines.append("")
        return lines


def _check_order(
    directive: SphinxDirective, path: list[str], assumed: list[str]
) -> None:
    """Fail the build (an error, not a warning) when ``path`` breaks a prerequisite."""
    written = set(reading_order.notebooks())
    needs = reading_order.prerequisites()
    problems = reading_order.violations(
        [n for n in path if n in written],
        needs,
        [n for n in assumed if n in written],
    )
    if problems:
        raise directive.error(
            f"{directive.name}: the order breaks a prerequisite: "
            + "; ".join(problems)
        )


class CoursePath(_Generated):
    option_spec = {"assumes": str, "continues": directives.flag}

    def markdown(self) -> list[str]:
        known = {ch["number"]: ch for ch in chapters()}
        wanted = " ".join(self.content).split()
        assumed = self.options.get("assumes", "").split()
        earlier = self.env.temp_data.setdefault(
            "bookext_course_path", []
        )  # this page's
        if "continues" not in self.options:
            earlier.clear()
        _check_order(self, wanted, earlier + assumed)
        lines, total = [], 0
        if earlier:
            lines += ["Continues the path above.", ""]
        earlier += assumed + wanted
        if assumed:
            lines += [
                "Assumes "
                + ", ".join(_link(known[n]) if n in known else n for n in assumed)
                + ".",
                "",
            ]
        for number in wanted:
            if number in known:
                total += known[number]["minutes"]
                lines.append(
                    f"- {_link(known[number])} ({known[number]['minutes']} min)"
                )
            else:
                lines.append(f"- {number} (not yet written)")
        return lines + ["", f"Reading and exercises: about {total / 60:.1f} hours."]


class ReadingOrder(_Generated):
    def markdown(self) -> list[str]:
        known = {ch["number"]: ch for ch in chapters()}
        order = [n for n in reading_order.READING_ORDER if n in known]
        _check_order(self, order, [])
        missing = sorted(set(known) - set(order))
        if missing:
            raise self.error(
                f"reading-order: chapters {missing} are not in the reading order"
                " (tools/reading_order.py)"
            )
        return [f"{i}. {_link(known[n])}" for i, n in enumerate(order, 1)]


def glossary() -> list[dict]:
    """The glossary entries of book/glossary.yml, sorted by English term."""
    entries = yaml.safe_load(
        (ROOT / "book" / "glossary.yml").read_text(encoding="utf-8")
    )
    return sorted(entries, key=lambda e: e["en"].lower())


class GlossaryTable(_Generated):
    def markdown(self) -> list[str]:
        known = {ch["number"]: ch for ch in chapters()}
        rows = ["| English | 中文 | meaning | taught in |", "|---|---|---|---|"]
        for e in glossary():
            ch = known.get(e["chapter"])
            where = (
                f"{{doc}}`{e['chapter']} </{ch['doc']}>`"
                if ch
                else f"{e['chapter']} (not yet written)"
            )
            rows.append(f"| {e['en']} | {e['zh']} | {e['definition']} | {where} |")
        return rows + ["", f"{len(rows) - 2} terms."]


class ChapterGraph(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        chs = chapters()
        pos = {}
        for ch in chs:
            major, minor = (int(x) for x in ch["number"].split("."))
            pos[ch["doc"]] = (major, -minor)
        fig, ax = plt.subplots(figsize=(8, 3.6))
        for ch in chs:
            for need in ch["needs"]:
                if need in pos:
                    ax.annotate(
                        "",
                        xy=pos[ch["doc"]],
                        xytext=pos[need],
                        arrowprops={
                            "arrowstyle": "->",
                            "color": "#888",
                            "lw": 1,
                            "shrinkA": 12,
                            "shrinkB": 12,
                            "connectionstyle": "arc3,rad=0.15",
                        },
                    )
        for ch in chs:
            x, y = pos[ch["doc"]]
            ax.text(
                x,
                y,
                ch["number"],
                ha="center",
                va="center",
                fontsize=10,
                bbox={
                    "boxstyle": "round",
                    "fc": "#E69F00" if x % 2 else "#56B4E9",
                    "ec": "none",
                },
            )
        ax.set_xlim(0.4, max(p[0] for p in pos.values()) + 0.6)
        ax.set_ylim(min(p[1] for p in pos.values()) - 0.6, -0.4)
        ax.set_xlabel("chapter")
        ax.set_ylabel("section")
        ax.set_xticks(sorted({p[0] for p in pos.values()}))
        ax.set_yticks(
            sorted({p[1] for p in pos.values()}),
            [str(-v) for v in sorted({p[1] for p in pos.values()})],
        )
        ax.set_title(
            "Which chapter builds on which (arrow: prerequisite → chapter)"
        )
        GENERATED.mkdir(exist_ok=True)
        fig.savefig(GENERATED / "chapter_graph.png", dpi=100, bbox_inches="tight")
        plt.close(fig)
        for path in sorted(ROOT.glob("notebooks/**/*.ipynb")):
            self.env.note_dependency(str(path))
        edges = sum(len(ch["needs"]) for ch in chs)
        alt = (
            f"A graph of the book's {len(chs)} chapters placed by chapter and section, "
            f"with {edges} arrows from each prerequisite to the chapter that needs it."
        )
        return [nodes.image(uri="/book/_generated/chapter_graph.png", alt=alt)]


def setup(app):
    app.add_directive("chapter-table", ChapterTable)
    app.add_directive("chapter-details", ChapterDetails)
    app.add_directive("course-path", CoursePath)
    app.add_directive("reading-order", ReadingOrder)
    app.add_directive("chapter-graph", ChapterGraph)
    app.add_directive("glossary-table", GlossaryTable)
    app.add_directive("exercise-levels", ExerciseLevels)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
