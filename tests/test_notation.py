"""The notation page (book/notation.md) gives every symbol one meaning, book-wide.

- no symbol is listed in two rows of the page;
- every Greek letter and every labelled symbol ($d_{\\text{model}}$) that a chapter writes in
  its text is listed on the page;
- symbols renamed for the one-meaning rule stay renamed (each was a clash: see the reason).
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import cache
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "book" / "notation.md"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*/*.ipynb"))

GREEK = (
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda "
    "mu nu xi pi rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda "
    "Xi Pi Sigma Phi Psi Omega"
).split()
MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$|```\{math\}(.+?)```", re.S)
# A base letter (or Greek command, possibly bold) with an upright label: d_{\text{model}}.
LABELLED = re.compile(
    r"(\\mathbf\{[A-Za-z]\}|\\boldsymbol\\[A-Za-z]+|\\[A-Za-z]+"
    r"|(?<![A-Za-z])[A-Za-z])\s*([_^])\s*\{?\\(?:text|mathrm)\{([^{}]+)\}\}?"
)
OPERATORS = {
    "\\sum",
    "\\prod",
    "\\max",
    "\\min",
    "\\lim",
    "\\log",
    "\\exp",
    "\\arg",
}


def maths(text: str) -> list[str]:
    """The TeX of every maths span in a markdown text (inline, display, {math} blocks)."""
    text = re.sub(r"`[^`\n]*`", "", text)  # code spans are not maths
    return [
        next(g for g in m.groups() if g is not None) for m in MATH.finditer(text)
    ]


def split_top(tex: str) -> list[str]:
    """``tex`` split at commas and semicolons that are not inside braces or parentheses."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(tex):
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth -= 1
        elif (
            ch in ",;" and depth == 0 and tex[i - 1 : i] != "\\"
        ):  # not the thin space \,
            parts.append(tex[start:i])
            start = i + 1
    parts.append(tex[start:])
    return parts


def symbol_key(piece: str) -> str:
    """The defined symbol of one listed item: the left side of '=', '\\in', '\\le', spaces out."""
    lhs = re.split(r"=|\\in\b|\\le\b|\\ge\b|\\approx", piece)[0]
    if lhs.strip() in {"\\dots", "\\ldots", "\\cdots"}:
        return ""
    return re.sub(r"\s+|\\,|\\;|\\!", "", lhs).replace("{\\text", "\\text")


def page_rows() -> list[tuple[str, str, list[str]]]:
    """(section, row text, defined symbols) of every table row of the notation page."""
    rows, section = [], ""
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:]
        elif (
            line.startswith("|")
            and not set(line) <= set("|- ")
            and "symbol | meaning" not in line
        ):
            first = line.split("|")[1]
            keys = [symbol_key(p) for tex in maths(first) for p in split_top(tex)]
            rows.append((section, line, [k for k in keys if k]))
    return rows


def labelled(tex: str) -> set[str]:
    """The labelled symbols in ``tex``, written one way (``\\boldsymbol{\\theta}`` as
    ``\\boldsymbol\\theta``, ``\\bar{x}`` as ``\\bar x``); operators (``\\sum_{...}``) left out."""
    tex = re.sub(r"\\(boldsymbol|bar|hat|tilde)\{(\\?[A-Za-z]+)\}", r"\\\1 \2", tex)
    tex = tex.replace("\\boldsymbol \\", "\\boldsymbol\\")
    return {
        f"{base}{mark}{label.strip()}"
        for base, mark, label in LABELLED.findall(tex)
        if base not in OPERATORS
    }


@cache
def notebook_maths(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return [
        tex
        for cell in nb.cells
        if cell.cell_type == "markdown"
        for tex in maths(cell.source)
    ]


def test_the_page_parses_into_many_symbols():
    rows = page_rows()
    assert len(rows) > 200 and sum(len(keys) for _, _, keys in rows) > 300


def test_no_symbol_is_listed_twice():
    where = defaultdict(list)
    for section, _, keys in page_rows():
        for key in set(keys):
            where[key].append(section)
    twice = {key: sections for key, sections in where.items() if len(sections) > 1}
    assert not twice, f"listed in more than one row: {twice}"


def test_the_page_no_longer_lists_letters_with_several_meanings():
    assert "more than one meaning" not in PAGE.read_text(encoding="utf-8")


PAGE_TEX = " ".join(tex for tex in maths(PAGE.read_text(encoding="utf-8")))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_greek_letter_a_chapter_writes_is_on_the_page(path):
    used = {
        g
        for tex in notebook_maths(path)
        for g in re.findall(r"\\([A-Za-z]+)", tex)
        if g in GREEK
    }
    missing = sorted(
        g for g in used if not re.search(rf"\\{g}(?![A-Za-z])", PAGE_TEX)
    )
    names = ", ".join("\\" + g for g in missing)
    assert not missing, (
        f"{path.stem} writes {names} but book/notation.md lists none"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_labelled_symbol_a_chapter_writes_is_on_the_page(path):
    listed = labelled(PAGE_TEX)
    used = set().union(*(labelled(tex) for tex in notebook_maths(path)))
    missing = sorted(used - listed)
    assert not missing, (
        f"{path.stem} writes {missing}; add them to book/notation.md"
    )


# (notebook stem, TeX that must not come back, why it was renamed)
RETIRED = [
    (
        "1_3_large_models",
        r"d_\{?L\}?(?![a-z])",
        "number of layers is n_layers (L is the loss)",
    ),
    (
        "2_1_neural_networks",
        r"\\varphi",
        "the normal density is Phi' (phi is 8.3's feature map)",
    ),
    (
        "2_2_backprop_idea",
        r"v_N\b|C\(i\)",
        "nodes up to n_nodes, children ch(i) (N, C are size, compute)",
    ),
    (
        "2_3_large_model_training",
        r"(?<![A-Za-z\\_{])N(?![A-Za-z_])",
        "workers are P (N is parameters)",
    ),
    (
        "3_2_optimizers",
        r"\\mathbf\{s\}_t|\\mathbf\{b\}_t|\\rho_k|\\tau",
        "buffers m_t/v_t, BFGS nu_k, dampening delta_damp",
    ),
    (
        "3_2_optimizers",
        r"\\lambda(?![_A-Za-z])\s*\\lVert|\\tfrac\{?\\lambda\}?\{?2",
        "regularisation strength is lambda_reg",
    ),
    (
        "3_3_training_techniques",
        r"\\gamma(?!_\{\\text)|\\lambda(?!_\{\\text)",
        "gamma_decay, lambda_reg (gamma is the margin)",
    ),
    (
        "3_3_training_techniques",
        r"\\mathbf\{m\}",
        "the dropout mask is r (m_t is the momentum buffer)",
    ),
    (
        "4_3_transformer_math",
        r"\\mathbf\{M\}_k|\\mathrm\{PE\}_p",
        "rotation R_k, position index t",
    ),
    (
        "4_3_transformer_math",
        r"\\mu(?!_\{\\text)|(?<![A-Za-z\\])L\s*\\times\s*S",
        "LN mean mu_LN; n_q x n_kv",
    ),
    (
        "5_1_pytorch_mlp",
        r"\\mathbf\{H\}|\\mathbf\{P\}",
        "hidden X_1, probabilities Y-hat (H is the Hessian)",
    ),
    (
        "5_3_finetuning",
        r"\\mathbf\{[AB]\}|\\alpha(?!_\{\\text)",
        "LoRA factors D, U and alpha_LoRA",
    ),
    ("6_1_nlp", r"\\alpha", "attention weights are a_tj (alpha is an exponent)"),
    (
        "6_2_vision",
        r"\\mathbf\{K\}|K_\{o",
        "the convolution kernel is W (K are keys)",
    ),
    (
        "6_3_speech",
        r"\\alpha|\\mathcal\{B\}|(?<![A-Za-z\\_{])[NHM](?![A-Za-z_])",
        "xi_t(s), collapse C, n_fft, n_hop, n_mels",
    ),
    ("7_1_frameworks", r"\\mathbf\{K\}", "Keras' kernel is W^T"),
    (
        "7_2_pretrained_models",
        r"(?<![A-Za-z\\_{])[MP](?![A-Za-z_])|\\tilde\{?x",
        "masked set is calligraphic M; positions n_ctx",
    ),
    ("7_3_datasets", r"\\operatorname\{IoU\}\(B", "IoU of regions G-hat, G"),
    (
        "8_1_trends",
        r"\\lambda(?!_\{\\text)|\\mathbf\{p\}_T",
        "lambda_KD; one temperature tau",
    ),
    (
        "8_2_challenges",
        r"C\s*/\s*\\lVert|\\sigma(?!_\{\\text)\s*\S*\s*C",
        "DP-SGD's bound is c and its noise sigma_DP",
    ),
    (
        "8_3_research_directions",
        r"\\mathbf\{z\}|\\tilde\{\\mathbf\{x\}\}",
        "normaliser n, masked input x^masked",
    ),
    (
        "9_3_efficient_training",
        r"(?<![A-Za-z\\_{])N(?![A-Za-z_])",
        "ranks are P (N is parameters)",
    ),
]


@pytest.mark.parametrize("stem, pattern, why", RETIRED, ids=[r[0] for r in RETIRED])
def test_renamed_symbols_stay_renamed(stem, pattern, why):
    path = next(p for p in NOTEBOOKS if p.stem == stem)
    hits = [tex for tex in notebook_maths(path) if re.search(pattern, tex)]
    assert not hits, f"{stem}: {why}; found in {hits[:3]}"
