"""bookutils: the shared, tested package behind "From Zero to Large Models".

Notebooks import from here what more than one chapter needs: device choice, seeding, data,
the figure style, self-checks, widgets, and the from-scratch pieces later chapters reuse.
"""

from importlib import metadata as _metadata

from .checks.perceptron import check_perceptron_predict, check_perceptron_update
from .data import (
    FASHION_MNIST_CLASSES,
    load_fashion_mnist,
    make_moons,
    make_separable,
    make_spirals,
    make_xor,
    xor_truth_table,
)
from .device import choose_device
from .foundations.perceptron import (
    PerceptronRun,
    margin_and_radius,
    novikoff_bound,
    perceptron_predict,
    perceptron_update,
    train_perceptron,
)
from .notebook import setup_notebook
from .reproducibility import seed_everything
from .selfcheck import Case, CheckResult, Mistake, run_check
from .viz.plotting import (
    new_figure,
    plot_decision_regions,
    plot_linear_boundary,
    plot_points,
    use_book_style,
)

try:  # one version number, pyproject.toml's, read from the installed package's metadata
    __version__ = _metadata.version("bookutils")
except (
    _metadata.PackageNotFoundError
):  # imported from a source tree that is not installed
    __version__ = "0+unknown"

# The perceptron explorer needs ipywidgets: it loads on first use, so that importing any
# part of bookutils (a model, an optimizer, the data) does not import the widget stack.
_LAZY = {
    "PerceptronExplorer": ".widgets.perceptron",
    "perceptron_explorer": ".widgets.perceptron",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FASHION_MNIST_CLASSES",
    "Case",
    "CheckResult",
    "Mistake",
    "PerceptronExplorer",
    "PerceptronRun",
    "check_perceptron_predict",
    "check_perceptron_update",
    "choose_device",
    "load_fashion_mnist",
    "make_moons",
    "make_separable",
    "make_spirals",
    "make_xor",
    "margin_and_radius",
    "new_figure",
    "novikoff_bound",
    "perceptron_explorer",
    "perceptron_predict",
    "perceptron_update",
    "plot_decision_regions",
    "plot_linear_boundary",
    "plot_points",
    "run_check",
    "seed_everything",
    "setup_notebook",
    "train_perceptron",
    "use_book_style",
    "xor_truth_table",
]
