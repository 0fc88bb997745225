"""Tests for bookutils.sizing.scaling: power laws fitted in log-log space."""

from pathlib import Path

import numpy as np
import pytest
import torch
from lesson_code import assert_notebook_shows

from bookutils.sizing import scaling
from bookutils.sizing.scaling import PowerLawFit, fit_power_law, power_law


def test_fit_recovers_an_exact_power_law():
    x = np.geomspace(10, 1e6, 7)
    y = 3.5 * x**-0.42  # L = a x^(-alpha), written here, not by power_law
    assert np.allclose(power_law(x, 3.5, 0.42), y, rtol=1e-14), "power_law"
    fit = fit_power_law(x, y)
    assert isinstance(fit, PowerLawFit)
    assert fit.alpha == pytest.approx(0.42, abs=1e-12)
    assert fit.a == pytest.approx(3.5, rel=1e-10)
    assert fit.r2 == pytest.approx(1.0, abs=1e-12)
    assert np.allclose(fit(x), y)


def test_fit_matches_torch_least_squares_on_noisy_data():
    rng = np.random.default_rng(0)
    x = np.geomspace(1, 1e4, 20)
    y = 2.0 * x**-0.3 * np.exp(rng.normal(0, 0.05, x.shape))
    fit = fit_power_law(x, y)
    design = torch.tensor(np.column_stack([np.ones_like(x), np.log(x)]))
    sol = torch.linalg.lstsq(design, torch.tensor(np.log(y)).unsqueeze(1)).solution
    assert fit.alpha == pytest.approx(-sol[1, 0].item(), abs=1e-10)
    assert np.log(fit.a) == pytest.approx(sol[0, 0].item(), abs=1e-10)
    assert 0.9 < fit.r2 < 1.0
    # r2 of the straight line in log-log space, computed here from torch's solution
    residual = np.log(y) - (design.numpy() @ sol.numpy()).ravel()
    r2 = 1 - np.sum(residual**2) / np.sum((np.log(y) - np.log(y).mean()) ** 2)
    assert fit.r2 == pytest.approx(r2, abs=1e-10), (
        f"PowerLawFit.r2 {fit.r2} vs {r2}"
    )


@pytest.mark.parametrize(
    "x, y, match",
    [
        ([1, 2, 3], [1, -1, 2], "positive"),
        ([1, 2], [1, 2], "at least 3"),
        ([1, 2, 3], [1, 2], "same length"),
        ([[1, 2, 3]], [[1, 2, 3]], "one-dimensional"),
    ],
)
def test_fit_rejects_bad_input(x, y, match):
    with pytest.raises(ValueError, match=match):
        fit_power_law(x, y)


def test_power_law_rejects_non_positive_x():
    with pytest.raises(ValueError, match="positive"):
        power_law(np.array([0.0, 1.0]), 1.0, 0.5)


NOTEBOOK_8_1 = Path(__file__).parents[1] / "notebooks/08_outlook/8_1_trends.ipynb"


def test_chapter_8_1_shows_the_lesson_code():
    # the notebook's cells define these exactly as the package does (one source)
    assert_notebook_shows(NOTEBOOK_8_1, scaling, {"fit_power_law"})
