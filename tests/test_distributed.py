"""Tests for bookutils.parallel.distributed: the launcher, and DDP against one-process training."""

import socket
import sys
from pathlib import Path

import pytest
import torch

from bookutils.parallel import distributed as d


def test_free_port_is_bindable():
    port = d.free_port()
    assert 1024 <= port <= 65535
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", port))


def _job_in_main(rank, world_size):
    return rank


def test_launch_bad_input():
    with pytest.raises(TypeError, match="job must be a function"):
        d.launch(42)
    _job_in_main.__module__ = "__main__"
    with pytest.raises(ValueError, match="__main__"):
        d.launch(_job_in_main)
    with pytest.raises(ValueError, match="world_size"):
        d.launch(d.failing_job, 0)
    with pytest.raises(ValueError, match="start_method"):
        d.launch(d.failing_job, 2, start_method="thread")
    with pytest.raises(ValueError, match="timeout_s"):
        d.launch(d.failing_job, 2, timeout_s=0)
    with pytest.raises(ValueError, match="backend must be one of"):
        d.launch(d.failing_job, 2, backend="mpi")


def test_launch_nccl_needs_a_gpu_per_process():
    """Asking for NCCL without a GPU per rank is a clear error before any process starts."""
    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    with pytest.raises(ValueError, match="one CUDA GPU per process"):
        d.launch(d.failing_job, gpus + 1, backend="nccl")


def test_ddp_matches_one_process_and_zero1_splits_adam_state():
    ranks = d.launch(d.ddp_job, 2, steps=10, n=16)
    assert len(ranks) == 2
    for name, opt, lr in (
        ("sgd", "sgd", 0.1),
        ("adam", "adam", 0.01),
        ("zero1", "adam", 0.01),
    ):
        single = d.train_single(opt, steps=10, lr=lr, n=16)
        for key, value in single.items():
            # float64: only the order of the additions differs, so round-off is ~1e-16
            torch.testing.assert_close(
                ranks[0][name][key], value, rtol=0, atol=1e-12
            )
            assert torch.equal(ranks[0][name][key], ranks[1][name][key])
        assert ranks[0][f"{name}_losses"][-1] < ranks[0][f"{name}_losses"][0]
    n_params = sum(p.numel() for p in d.make_mlp().parameters())
    held = [r["zero1_state_numel"] for r in ranks]
    assert sum(held) == 2 * n_params and max(held) < 2 * n_params


def test_ddp_job_needs_an_even_split():
    with pytest.raises(RuntimeError, match="must split evenly"):
        d.launch(d.ddp_job, 2, n=15)


def test_a_failing_worker_raises_with_its_traceback():
    with pytest.raises(RuntimeError, match="rank 1 was told to fail") as info:
        d.launch(d.failing_job, 2, bad_rank=1)
    assert str(info.value).startswith("worker rank 1 of 2 failed")
    assert "--- rank 1 ---" in str(info.value)


def test_a_slow_run_times_out():
    with pytest.raises(TimeoutError, match="did not finish within 3 s"):
        d.launch(d.sleeping_job, 2, timeout_s=3, seconds=60)


def test_fork_start_method_and_results_in_rank_order():
    assert d.launch(d.failing_job, 3, start_method="fork", bad_rank=-1) == [0, 1, 2]


def test_allreduce_timing_job():
    times = d.launch(d.allreduce_timing_job, 2, sizes=[1, 1000], repeats=3)
    assert all(set(t) == {1, 1000} and min(t.values()) > 0 for t in times)


def test_reference_pieces():
    X, y = d.make_regression(8, 3, seed=1)
    assert X.shape == (8, 3) and y.shape == (8, 1) and X.dtype == torch.float64
    assert torch.equal(X, d.make_regression(8, 3, seed=1)[0])
    init = {k: v.detach() for k, v in d.make_mlp(seed=2).state_dict().items()}
    assert all(
        torch.equal(init[k], v) for k, v in d.make_mlp(seed=2).state_dict().items()
    )
    untrained = d.train_single("sgd", steps=0, seed=0)
    assert all(
        torch.equal(untrained[k], v) for k, v in d.make_mlp().state_dict().items()
    )
    with pytest.raises(ValueError, match="positive"):
        d.make_regression(0)
    with pytest.raises(ValueError, match="'sgd' or 'adam'"):
        d.train_single("lbfgs", steps=1)


sys.path.insert(0, str(Path(__file__).parent))
from lesson_code import assert_notebook_shows  # noqa: E402

CHAPTER_2_3 = (
    Path(__file__).parents[1]
    / "notebooks/02_concepts/2_3_large_model_training.ipynb"
)


def test_chapter_2_3_shows_the_lesson_code():
    from bookutils.parallel import distributed

    assert_notebook_shows(CHAPTER_2_3, distributed, {"ddp_job"})
