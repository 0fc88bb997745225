"""Tests for bookutils.parallel.jobs: ZeRO-1 and FSDP against one-process Adam."""

from pathlib import Path

import pytest
import torch
from lesson_code import assert_notebook_shows

from bookutils.parallel import distributed as d
from bookutils.parallel import jobs as j


def test_sharding_job_matches_one_process_and_shards_memory():
    ranks = d.launch(j.sharding_job, 2, steps=5, n=8, hidden=6)
    reference = j.train_reference(steps=5, n=8, hidden=6)
    n_params = sum(v.numel() for v in reference.values())
    for run in ("ddp", "zero1", "fsdp"):
        for key, value in reference.items():
            # float64, only the order of additions differs: round-off ~1e-16
            torch.testing.assert_close(
                ranks[0][run][key], value, rtol=0, atol=1e-12
            )
            assert torch.equal(ranks[0][run][key], ranks[1][run][key])
    assert [r["ddp_state_bytes"] for r in ranks] == [16 * n_params] * 2
    assert sum(r["zero1_state_bytes"] for r in ranks) == 16 * n_params
    assert sum(r["fsdp_param_bytes"] for r in ranks) == 8 * n_params
    assert max(r["fsdp_param_bytes"] for r in ranks) < 8 * n_params


def test_state_bytes_counts_adam_moments():
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(model.parameters())
    assert j.state_bytes(opt) == 0  # no step yet: no state
    model(torch.randn(4, 3)).sum().backward()
    opt.step()
    assert j.state_bytes(opt) == 2 * 4 * 8  # two float32 moments of 8 numbers
    with pytest.raises(TypeError, match="Optimizer"):
        j.state_bytes("adam")


def test_bad_sizes():
    with pytest.raises(ValueError, match="hidden"):
        j.train_reference(hidden=0)
    with pytest.raises(RuntimeError, match="must split evenly"):
        d.launch(j.sharding_job, 2, n=7)


NOTEBOOK_9_3 = (
    Path(__file__).parents[1] / "notebooks/09_faq/9_3_efficient_training.ipynb"
)


def test_chapter_9_3_shows_the_lesson_code():
    # the notebook's cells define these exactly as the package does (one source)
    assert_notebook_shows(NOTEBOOK_9_3, j, {"sharding_job"})
