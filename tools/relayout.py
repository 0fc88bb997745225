"""Move bookutils' flat modules into topic subpackages, and rewrite references to them.

The table ``MOVES`` (old module -> new module, both relative to ``bookutils``) is the one
source of truth for the regroup of issue 16. Two sub-commands:

    python tools/relayout.py move             git mv every old module to its new place,
                                              then rewrite the whole repository (run once)
    python tools/relayout.py rewrite PATH...  rewrite references to old module paths in
                                              .py, .ipynb, .md (and other text) files;
                                              idempotent, so it can be re-run over files
                                              that come from branches started before the move

What ``rewrite`` changes:

* ``bookutils.OLD`` anywhere in the text (``from bookutils.OLD import x``,
  ``import bookutils.OLD as m``, ``bookutils.OLD.attr``, strings such as
  ``"bookutils.OLD"``), ``bu.OLD`` (the book's alias ``import bookutils as bu``) and the
  path ``bookutils/OLD.py``;
* ``from bookutils import OLD [as alias], name, ...``: module names are split off into
  ``from bookutils.PKG import NEW [as alias]`` lines (``as OLD`` keeps the local name when
  the module was renamed), other names stay;
* ``from bookutils.M import name`` where ``name`` moved or was renamed after the module
  moves (``NAME_MOVES``; the old local name is kept with ``as``); a name whose arguments
  changed (``REVIEW``) is reported, for a person to check its calls;
* relative imports inside ``src/bookutils``: resolved from the file's package (or, if that
  target no longer exists, from the package the file had before the move) and re-written
  relative to the file's current package.

Three old modules have the name of a new subpackage (``parallel``, ``widgets``,
``playground``). ``bookutils.parallel.simulated`` and ``from bookutils.parallel import
simulated`` are read as the new package; everything else with those names as the old module.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"

# old module -> new module, relative to bookutils. Modules not listed keep their place:
# notebook, device, reproducibility, selfcheck, metrics, data.*, checks.*.
MOVES: dict[str, str] = {
    # data/: everything a chapter loads or generates
    "history": "data.history",
    "corpus": "data.corpus",
    "sequence_tasks": "data.sequence_tasks",
    # foundations/: chapters 1, 3.1, 4
    "threshold_logic": "foundations.threshold_logic",
    "perceptron": "foundations.perceptron",
    "activations": "foundations.activations",
    "autograd": "foundations.autograd",
    "expressions": "foundations.expressions",
    "gradcheck": "foundations.gradcheck",
    "mlp_numpy": "foundations.mlp_numpy",
    # optim/: chapter 3
    "optimizers": "optim.optimizers",
    "second_order": "optim.second_order",
    "schedules": "optim.schedules",
    "regularization": "optim.regularization",
    "loss_surfaces": "optim.loss_surfaces",
    # transformer/: chapters 4.3, 5.3, 7.2, 8.3
    "attention": "transformer.attention",
    "encoder": "transformer.encoder",
    "char_gpt": "transformer.gpt",
    "pretrained": "transformer.bert",
    "lora": "transformer.lora",
    "linear_attention": "transformer.linear_attention",
    # training/: chapters 3.3, 8, 9
    "monitoring": "training.monitoring",
    "mixed_precision": "training.mixed_precision",
    "augment": "training.augment",
    "pretraining": "training.self_supervised",
    "contrastive": "training.contrastive",
    "compression": "training.compression",
    "privacy": "training.privacy",
    "interpretability": "training.interpretability",
    # parallel/: chapters 2.3, 9.3
    "parallel": "parallel.simulated",
    "distributed": "parallel.distributed",
    "distributed_jobs": "parallel.jobs",
    # tasks/: chapters 5.1, 6, 7
    "fashion": "tasks.classification",
    "nlp": "tasks.nlp",
    "vision": "tasks.vision",
    "audio": "tasks.speech",
    "ctc": "tasks.ctc",
    "charlm": "tasks.bigram_lm",
    "frameworks": "tasks.frameworks",
    # sizing/: chapters 2.2, 8.1, 8.2
    "param_count": "sizing.param_count",
    "compute": "sizing.compute",
    "scaling": "sizing.scaling",
    # viz/: figures
    "plotting": "viz.plotting",
    "scrub": "viz.scrub",
    "graph_drawing": "viz.graph",
    # widgets/: the explorers
    "widgets": "widgets.perceptron",
    "neuron_widget": "widgets.neuron",
    "optimizer_widget": "widgets.optimizer",
    # playground/: engine, view, widget
    "playground": "playground.engine",
    "playground_plot": "playground.view",
    "playground_widget": "playground.widget",
    # modules added by the branches that were merged after the move
    "initialization": "training.initialization",
    "normalization": "training.normalization",
    "torchrun": "parallel.torchrun",
    "attention_explorer": "transformer.attention_explorer",
    "schedule_explorer": "optim.schedule_explorer",
    "live_figure": "widgets.live_figure",
    "bpe": "transformer.bpe",
    "sampling": "transformer.sampling",
    "smollm2": "transformer.smollm2",
    "llama": "transformer.llama",
    "widget_display": "widgets.display",
    "sampling_widget": "widgets.sampling",
}

# Public names that moved or were renamed after the module moves (issue 16's collisions):
# (new module, old name) -> (new module, new name). `rewrite` fixes `from M import name`
# lines; REVIEW lists the names whose arguments changed, which it reports instead.
NAME_MOVES: dict[tuple[str, str], tuple[str, str]] = {
    ("bookutils.tasks.classification", "confusion_matrix"): (
        "bookutils.metrics",
        "confusion_matrix",
    ),
    ("bookutils.tasks.vision", "confusion_matrix"): (
        "bookutils.metrics",
        "confusion_matrix",
    ),
    ("bookutils.transformer.gpt", "accuracy"): ("bookutils.metrics", "accuracy"),
    ("bookutils.training.self_supervised", "accuracy"): (
        "bookutils.metrics",
        "accuracy",
    ),
    ("bookutils.transformer.bert", "lm_loss"): (
        "bookutils.transformer.bert",
        "pretraining_loss",
    ),
    ("bookutils.transformer.bert", "train_lm"): (
        "bookutils.transformer.bert",
        "pretrain_lm",
    ),
    ("bookutils.transformer.attention", "softmax"): (
        "bookutils.transformer.attention",
        "masked_softmax",
    ),
    ("bookutils.widgets.optimizer", "widget_hyperparameters"): (
        "bookutils.optim.optimizers",
        "hyperparameters_for",
    ),
    ("bookutils.parallel.distributed", "make_optimizer"): (
        "bookutils.optim.optimizers",
        "make_torch_optimizer",
    ),
}
# vision's confusion_matrix took (pred, target); the one in metrics takes (y_true, y_pred).
# make_optimizer's names were "sgd"/"adam"; make_torch_optimizer's are "SGD"/"Adam".
REVIEW = {
    ("bookutils.tasks.vision", "confusion_matrix"),
    ("bookutils.parallel.distributed", "make_optimizer"),
}
FROM_MODULE = re.compile(
    r"^(?P<indent>[ \t]*)from (?P<mod>bookutils[\w.]*) import "
    r"(?:\((?P<paren>[^)]*)\)|(?P<plain>[^\n#(]*?))(?P<tail>[ \t]*(?:#[^\n]*)?)$",
    re.MULTILINE,
)
NOTES: list[str] = []


def _from_module(match: re.Match) -> str:
    mod, indent, tail = (
        match.group("mod"),
        match.group("indent"),
        match.group("tail") or "",
    )
    body = (
        match.group("paren")
        if match.group("paren") is not None
        else match.group("plain")
    )
    parts = [
        p.strip() for p in re.sub(r"#[^\n]*", "", body).split(",") if p.strip()
    ]
    if not any((mod, p.split()[0]) in NAME_MOVES for p in parts):
        return match.group(0)
    keep, moved = [], {}
    for part in parts:
        words = part.split()
        key = (mod, words[0])
        if key not in NAME_MOVES:
            keep.append(part)
            continue
        new_mod, new_name = NAME_MOVES[key]
        if key in REVIEW:
            NOTES.append(
                f"review the calls of {words[0]} (was {mod}): its arguments changed"
            )
        local = words[2] if len(words) == 3 else words[0]
        clause = new_name if local == new_name else f"{new_name} as {local}"
        moved.setdefault(new_mod, []).append(clause)
    lines = [f"{indent}from {mod} import {', '.join(keep)}"] if keep else []
    lines += [f"{indent}from {m} import {', '.join(c)}" for m, c in moved.items()]
    lines[-1] += tail
    return "\n".join(lines)


NEW_PACKAGES = sorted({new.split(".")[0] for new in MOVES.values() if "." in new})
# Old module names that are also new package names, with the new package's children.
AMBIGUOUS: dict[str, set[str]] = {
    old: {
        new.split(".", 1)[1] for new in MOVES.values() if new.startswith(old + ".")
    }
    for old in MOVES
    if old in NEW_PACKAGES
}
REVERSE_PATHS = {
    f"bookutils/{new.replace('.', '/')}.py": old for old, new in MOVES.items()
}

_OLD = "|".join(sorted(MOVES, key=len, reverse=True))
# bookutils.OLD / bu.OLD, not followed by more identifier characters.
DOTTED = re.compile(rf"(?<![\w.])(bookutils|bu)\.({_OLD})(?!\w)")
SLASHED = re.compile(rf"(?<![\w.])bookutils/({_OLD})\.py\b")
# from bookutils import a, b as c   or   from bookutils import (a, b)
FROM_ROOT = re.compile(
    r"^(?P<indent>[ \t]*)from bookutils import (?:\((?P<paren>[^)]*)\)|(?P<plain>[^\n#(]*?))"
    r"(?P<tail>[ \t]*(?:#[^\n]*)?)$",
    re.MULTILINE,
)
RELATIVE = re.compile(
    r"^(?P<indent>[ \t]*)from (?P<dots>\.+)(?P<mod>[\w.]*) import (?P<names>\([^)]*\)|[^\n]*)$",
    re.MULTILINE,
)


def _names(text: str) -> list[str]:
    """The imported names of an import list, without comments and aliases."""
    text = re.sub(r"#[^\n]*", "", text)
    return [
        part.split()[0]
        for part in text.replace("(", "").replace(")", "").split(",")
        if part.strip()
    ]


def _old_names(old: str) -> set[str]:
    """The top-level names the old module ``old`` defined (read from its new file)."""
    path = SRC / "bookutils" / (MOVES[old].replace(".", "/") + ".py")
    if not path.exists():
        return set()
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = (
                node.targets if isinstance(node, ast.Assign) else [node.target]
            )
            names.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def _dotted(match: re.Match) -> str:
    """bookutils.OLD -> bookutils.NEW; for the three ambiguous names only with evidence.

    ``bookutils.parallel`` may be the old module or the new package. It is rewritten only
    when followed by a name the old module defined (``.shard_rows``, ``import shard_rows``);
    otherwise it is left alone and reported.
    """
    alias, old = match.group(1), match.group(2)
    if old in AMBIGUOUS:
        rest = match.string[match.end() :]
        old_names = _old_names(old)
        child = re.match(r"\.(\w+)", rest)
        names = re.match(r" import (\([^)]*\)|[^\n]*)", rest)
        listed = _names(names.group(1)) if names else []
        if child and child.group(1) in AMBIGUOUS[old]:
            return match.group(0)
        if listed and all(n in AMBIGUOUS[old] for n in listed):
            return match.group(0)
        if not (
            (child and child.group(1) in old_names)
            or (listed and all(n in old_names for n in listed))
        ):
            NOTES.append(
                f"left {match.group(0)!r} alone: the old module or the new package?"
            )
            return match.group(0)
    return f"{alias}.{MOVES[old]}"


def _from_root(match: re.Match) -> str:
    indent, tail = match.group("indent"), match.group("tail") or ""
    body = (
        match.group("paren")
        if match.group("paren") is not None
        else match.group("plain")
    )
    parts = [
        p.strip() for p in re.sub(r"#[^\n]*", "", body).split(",") if p.strip()
    ]
    modules = [p for p in parts if p.split()[0] in MOVES]
    if not modules:
        return match.group(0)
    lines = []
    for part in modules:
        words = part.split()
        old, alias = words[0], (words[2] if len(words) == 3 else None)
        package, leaf = MOVES[old].rsplit(".", 1)
        local = alias or old
        clause = leaf if local == leaf else f"{leaf} as {local}"
        lines.append(f"{indent}from bookutils.{package} import {clause}")
    rest = [p for p in parts if p not in modules]
    if rest:
        lines.insert(0, f"{indent}from bookutils import {', '.join(rest)}")
    lines[-1] += tail
    return "\n".join(lines)


def _module_exists(name: str) -> bool:
    path = SRC.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _resolve(package: str, dots: str, mod: str) -> str | None:
    parts = package.split(".")
    if len(dots) > len(parts):
        return None  # more dots than packages: not written for this location
    base = parts[: len(parts) - (len(dots) - 1)]
    return ".".join(base + ([mod] if mod else []))


def _relative(package: str, target: str) -> str:
    here, there = package.split("."), target.split(".")
    common = 0
    while common < min(len(here), len(there)) and here[common] == there[common]:
        common += 1
    return "." * (len(here) - common + 1) + ".".join(there[common:])


def _map_absolute(target: str, names: list[str]) -> str | None:
    """The new name of an absolute bookutils module, or None if it did not move."""
    if not target.startswith("bookutils."):
        return None
    old = target[len("bookutils.") :]
    head = old.split(".")[0]
    if head in AMBIGUOUS and (
        old != head or (names and all(n in AMBIGUOUS[head] for n in names))
    ):
        return None
    if old in MOVES:
        return f"bookutils.{MOVES[old]}"
    return None


def _rewrite_relative(text: str, package: str, old_package: str | None) -> str:
    def fix(match: re.Match) -> str:
        dots, mod, names_text = (
            match.group("dots"),
            match.group("mod"),
            match.group("names"),
        )
        names = _names(names_text)
        if not mod:  # from . import a, b as c: rewrite module by module
            return _relative_names(match, package, old_package, names)
        for base in (old_package, package):
            target = None if base is None else _resolve(base, dots, mod)
            if target is None:
                continue
            new = _map_absolute(target, names)
            if new is None and base == old_package and _module_exists(target):
                new = target
            if new is not None:
                return f"{match.group('indent')}from {_relative(package, new)} import {names_text}"
            if base == package and _module_exists(target):
                return match.group(0)
        return match.group(0)

    return RELATIVE.sub(fix, text)


def _relative_names(
    match: re.Match, package: str, old_package: str | None, names
) -> str:
    indent, dots, names_text = (
        match.group("indent"),
        match.group("dots"),
        match.group("names"),
    )
    parts = [
        p.strip()
        for p in re.sub(r"#[^\n]*", "", names_text).strip("()").split(",")
        if p.strip()
    ]
    lines = []
    for part in parts:
        words = part.split()
        name, alias = words[0], (words[2] if len(words) == 3 else None)
        done = False
        for base in (old_package, package):
            target = None if base is None or done else _resolve(base, dots, name)
            if target is None:
                continue
            new = _map_absolute(target, [])
            if new is None and base == old_package and _module_exists(target):
                new = target
            if new is not None:
                parent, leaf = new.rsplit(".", 1)
                local = alias or name
                clause = leaf if local == leaf else f"{leaf} as {local}"
                lines.append(
                    f"{indent}from {_relative(package, parent)} import {clause}"
                )
                done = True
            elif base == package and _module_exists(target):
                lines.append(f"{indent}from {dots} import {part}")
                done = True
        if not done:
            lines.append(f"{indent}from {dots} import {part}")
    return "\n".join(lines)


def _package_of(path: Path) -> tuple[str, str | None] | None:
    """(current package, package before the move) of a file under src/bookutils."""
    try:
        rel = path.resolve().relative_to(SRC.resolve())
    except ValueError:
        return None
    parts = list(rel.with_suffix("").parts)
    package = ".".join(parts[:-1])  # an __init__.py's package is its folder, too
    old = REVERSE_PATHS.get(rel.as_posix())
    old_package = "bookutils" if old is not None else None
    return package, old_package


def rewrite_text(text: str, path: Path | None = None) -> str:
    """``text`` with references to old module paths replaced by the new ones."""
    if path is not None and path.suffix == ".py":
        packages = _package_of(path)
        if packages is not None:
            text = _rewrite_relative(text, *packages)
    text = FROM_ROOT.sub(_from_root, text)
    text = DOTTED.sub(_dotted, text)
    text = SLASHED.sub(
        lambda m: f"bookutils/{MOVES[m.group(1)].replace('.', '/')}.py", text
    )
    text = FROM_MODULE.sub(_from_module, text)
    return text


def rewrite_file(path: Path) -> bool:
    """Rewrite one file in place; True if it changed."""
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        changed = False
        for cell in nb["cells"]:
            src = (
                cell["source"]
                if isinstance(cell["source"], str)
                else "".join(cell["source"])
            )
            new = rewrite_text(src)
            if new != src:
                cell["source"] = new
                changed = True
        if changed:
            path.write_text(
                json.dumps(nb, indent=1, ensure_ascii=False) + "\n",
                encoding="utf-8",
            )
        return changed
    text = path.read_text(encoding="utf-8")
    new = rewrite_text(text, path)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def _tracked_text_files() -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    suffixes = {".py", ".ipynb", ".md", ".yml", ".toml", ".txt", ".cfg", ".sh", ""}
    skip = {"tools/relayout.py", "tests/test_relayout.py"}
    return [
        ROOT / f
        for f in out
        if Path(f).suffix in suffixes
        and f not in skip
        and not f.startswith("book/js/")
    ]


def move() -> None:
    """git mv every module of MOVES, then rewrite every tracked text file."""
    pkg = SRC / "bookutils"
    for old, new in sorted(MOVES.items(), key=lambda kv: kv[0] in AMBIGUOUS):
        src, dst = pkg / f"{old}.py", pkg / (new.replace(".", "/") + ".py")
        if not src.exists():
            continue
        if (
            old in AMBIGUOUS
        ):  # the module and the package of the same name: go via a temp
            tmp = pkg / f"_relayout_{old}.py"
            subprocess.run(["git", "mv", str(src), str(tmp)], cwd=ROOT, check=True)
            src = tmp
        dst.parent.mkdir(exist_ok=True)
        subprocess.run(["git", "mv", str(src), str(dst)], cwd=ROOT, check=True)
    for name in NEW_PACKAGES:
        init = pkg / name / "__init__.py"
        if not init.exists():
            init.write_text(f'"""bookutils.{name}."""\n', encoding="utf-8")
    for path in _tracked_text_files():
        if path.exists():
            rewrite_file(path)


def main(argv: list[str]) -> int:
    if argv[:1] == ["move"]:
        move()
        return 0
    if argv[:1] == ["rewrite"] and len(argv) > 1:
        for name in argv[1:]:
            NOTES.clear()
            if rewrite_file(Path(name)):
                print(f"rewrote {name}")
            for note in dict.fromkeys(NOTES):
                print(f"  {name}: {note}")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
