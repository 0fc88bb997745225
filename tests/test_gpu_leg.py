import pytest
import torch

from tools import gpu_leg


def test_gpu_plan_runs_serially_on_cuda():
    env, cmd, message = gpu_leg.plan(True)
    assert env["BOOK_DEVICE"] == "cuda" and "no:xdist" in cmd and "-n" not in cmd
    assert "notebooks" in cmd and "--nbval-lax" in cmd and "GPU found" in message


def test_cpu_fallback_is_announced_not_silent():
    env, cmd, message = gpu_leg.plan(
        False, ["notebooks/04_math/4_1_perceptron.ipynb"]
    )
    assert env["BOOK_DEVICE"] == "cpu" and "no CUDA GPU" in message
    assert cmd[3] == "notebooks/04_math/4_1_perceptron.ipynb"


def test_dry_run_prints_the_command(capsys):
    assert gpu_leg.main(["--dry-run"]) == 0
    out = capsys.readouterr().out
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert f"BOOK_DEVICE={expected}" in out and "pytest notebooks" in out


@pytest.mark.slow
@pytest.mark.skipif(
    torch.cuda.is_available(), reason="tests the fallback on a CPU machine"
)
def test_cpu_fallback_really_runs_a_notebook():
    assert gpu_leg.main(["notebooks/04_math/4_2_backprop_derivation.ipynb"]) == 0
