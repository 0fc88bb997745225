import random

import numpy as np
import pytest
import torch

from bookutils import seed_everything, setup_notebook


def draws(seed):
    rng = seed_everything(seed)
    return random.random(), np.random.rand(), torch.rand(1).item(), rng.random()


def test_same_seed_same_numbers_everywhere():
    assert draws(3) == draws(3)


def test_different_seeds_differ():
    # each generator on its own: a tuple differs as soon as one of them does
    a, b = draws(3), draws(4)
    names = ("random", "numpy", "torch", "returned Generator")
    for name, x, y in zip(names, a, b, strict=True):
        assert x != y, f"seed_everything(3) and (4) give the same {name} draw {x}"


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5, "0", True])
def test_bad_seeds_are_rejected(bad):
    with pytest.raises((TypeError, ValueError), match="seed"):
        seed_everything(bad)


def test_setup_notebook_seeds_styles_and_picks_device(capsys):
    device = setup_notebook(seed=5, device="cpu")
    first = torch.rand(2)
    setup_notebook(seed=5, device="cpu")
    assert torch.equal(first, torch.rand(2))
    assert device == torch.device("cpu")
    import matplotlib as mpl

    assert mpl.rcParams["axes.spines.top"] is False
    assert "device=cpu" in capsys.readouterr().out
