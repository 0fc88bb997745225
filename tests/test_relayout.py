"""tools/relayout.py: the old -> new module table and the idempotent rewrite of references."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from tools import relayout

SRC = Path(relayout.__file__).resolve().parents[1] / "src" / "bookutils"


def test_every_new_module_exists_and_no_old_one_is_left():
    for old, new in relayout.MOVES.items():
        assert (SRC / (new.replace(".", "/") + ".py")).exists(), new
        assert not (SRC / f"{old}.py").exists(), f"{old}.py is still at the root"
        importlib.import_module(f"bookutils.{new}")


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            "from bookutils.attention import softmax\n",
            "from bookutils.transformer.attention import masked_softmax as softmax\n",
        ),
        (
            "import bookutils.char_gpt as g\n",
            "import bookutils.transformer.gpt as g\n",
        ),
        (
            "x = bookutils.vision.box_iou(a, b)\n",
            "x = bookutils.tasks.vision.box_iou(a, b)\n",
        ),
        ("c = bu.plotting.PALETTE\n", "c = bu.viz.plotting.PALETTE\n"),
        (
            "see src/bookutils/fashion.py\n",
            "see src/bookutils/tasks/classification.py\n",
        ),
        (
            "from bookutils import mlp_numpy as mn\n",
            "from bookutils.foundations import mlp_numpy as mn\n",
        ),
        (
            "from bookutils import pretrained  # noqa: E402\n",
            "from bookutils.transformer import bert as pretrained  # noqa: E402\n",
        ),
        (
            "from bookutils import choose_device, optimizers\n",
            "from bookutils import choose_device\nfrom bookutils.optim import optimizers\n",
        ),
        (
            "from bookutils import (\n    load_fashion_mnist,\n)\n",
            "from bookutils import (\n    load_fashion_mnist,\n)\n",
        ),
        # an old module whose name is now a package's
        (
            "from bookutils.parallel import average_gradients\n",
            "from bookutils.parallel.simulated import average_gradients\n",
        ),
        (
            "from bookutils import parallel\n",
            "from bookutils.parallel import simulated as parallel\n",
        ),
        (
            "from bookutils.playground import PlaygroundModel\n",
            "from bookutils.playground.engine import PlaygroundModel\n",
        ),
        # untouched: modules that did not move, and the checks
        (
            "from bookutils.checks.attention import check_attention\n",
            "from bookutils.checks.attention import check_attention\n",
        ),
        (
            "from bookutils.metrics import top_k_accuracy\n",
            "from bookutils.metrics import top_k_accuracy\n",
        ),
        # names that moved after the module moves
        (
            "from bookutils.char_gpt import CharGPT, accuracy\n",
            "from bookutils.transformer.gpt import CharGPT\n"
            "from bookutils.metrics import accuracy\n",
        ),
        (
            "from bookutils.pretrained import lm_loss, train_lm as fit\n",
            "from bookutils.transformer.bert import pretraining_loss as lm_loss,"
            " pretrain_lm as fit\n",
        ),
        (
            "from bookutils.fashion import (\n    confusion_matrix,\n)\n",
            "from bookutils.metrics import confusion_matrix\n",
        ),
    ],
)
def test_rewrite_text_and_idempotence(before, after):
    assert relayout.rewrite_text(before) == after
    assert relayout.rewrite_text(after) == after


def test_the_new_package_is_left_alone_and_reported():
    relayout.NOTES.clear()
    text = "see bookutils.parallel, and bookutils.playground.engine\n"
    assert relayout.rewrite_text(text) == text
    assert relayout.NOTES == [
        "left 'bookutils.parallel' alone: the old module or the new package?"
    ]


def test_a_name_whose_arguments_changed_is_reported():
    relayout.NOTES.clear()
    out = relayout.rewrite_text(
        "from bookutils.vision import confusion_matrix, mean_iou\n"
    )
    assert out == (
        "from bookutils.tasks.vision import mean_iou\n"
        "from bookutils.metrics import confusion_matrix\n"
    )
    assert any(
        "confusion_matrix" in note and "arguments changed" in note
        for note in relayout.NOTES
    ), relayout.NOTES


@pytest.mark.parametrize(
    ("path", "before", "after"),
    [
        # a check module, which did not move, importing a module that did
        (
            "checks/attention.py",
            "from ..attention import softmax\n",
            "from ..transformer.attention import softmax\n",
        ),
        (
            "checks/parallel.py",
            "from ..parallel import shard_rows\n",
            "from ..parallel.simulated import shard_rows\n",
        ),
        # a moved module whose import was written for its old place at the root
        (
            "transformer/attention.py",
            "from .selfcheck import Case\n",
            "from ..selfcheck import Case\n",
        ),
        (
            "widgets/perceptron.py",
            "from .perceptron import perceptron_update\n",
            "from ..foundations.perceptron import perceptron_update\n",
        ),
        (
            "playground/engine.py",
            "from . import mlp_numpy as mn\n",
            "from ..foundations import mlp_numpy as mn\n",
        ),
        (
            "playground/view.py",
            "from .plotting import PALETTE\n",
            "from ..viz.plotting import PALETTE\n",
        ),
        (
            "optim/schedules.py",
            "from .optimizers import SGD\n",
            "from .optimizers import SGD\n",
        ),
        (
            "__init__.py",
            "from .perceptron import train_perceptron\n",
            "from .foundations.perceptron import train_perceptron\n",
        ),
    ],
)
def test_relative_imports(path, before, after):
    file = SRC / path
    assert relayout.rewrite_text(before, file) == after
    assert relayout.rewrite_text(after, file) == after


def test_rewrite_file_notebook_changes_only_the_cell_it_must(tmp_path):
    cells = [
        {
            "cell_type": "code",
            "metadata": {},
            "source": "from bookutils import lora\n",
            "outputs": [],
            "execution_count": None,
        },
        {"cell_type": "markdown", "metadata": {}, "source": "Nothing to change."},
    ]
    path = tmp_path / "nb.ipynb"
    path.write_text(
        json.dumps(
            {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5},
            indent=1,
        )
        + "\n"
    )
    assert relayout.rewrite_file(path)
    nb = json.loads(path.read_text())
    assert nb["cells"][0]["source"] == "from bookutils.transformer import lora\n"
    assert nb["cells"][1]["source"] == "Nothing to change."
    assert not relayout.rewrite_file(path)
