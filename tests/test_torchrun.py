"""Chapters 2.3 and 9.3's distributed training under torchrun: two agents (two 'nodes') on
127.0.0.1 meeting through a c10d rendezvous, gloo, one process each. The final weights must
equal those of one process, as in the chapters (where bookutils.launch starts the ranks)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from bookutils.parallel import distributed, torchrun

TORCHRUN = Path(sys.executable).with_name("torchrun")


def two_nodes(
    job: str, out: Path, timeout: float = 240
) -> list[subprocess.CompletedProcess]:
    """Start two torchrun agents as two machines would, and wait for both."""
    port = distributed.free_port()
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "GLOO_SOCKET_IFNAME": "lo",
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    cmd = [
        str(TORCHRUN),
        "--nnodes=2",
        "--nproc-per-node=1",
        "--rdzv-backend=c10d",
        f"--rdzv-endpoint=127.0.0.1:{port}",
        "--rdzv-id=book-test",
        "--local-addr=127.0.0.1",
        "--max-restarts=0",
        "-m",
        "bookutils.parallel.torchrun",
        job,
        "--out",
        str(out),
    ]
    agents = [
        subprocess.Popen(
            cmd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    done = []
    try:
        for agent in agents:
            stdout, _ = agent.communicate(timeout=timeout)
            done.append(subprocess.CompletedProcess(cmd, agent.returncode, stdout))
    finally:
        for agent in agents:
            if agent.poll() is None:
                agent.kill()
    return done


@pytest.mark.slow
@pytest.mark.skipif(
    not TORCHRUN.exists(), reason="torchrun is not installed next to python"
)
@pytest.mark.parametrize("job", ["ddp", "sharding"])
def test_two_torchrun_nodes_match_one_process(job, tmp_path):
    agents = two_nodes(job, tmp_path)
    for agent in agents:
        assert agent.returncode == 0, agent.stdout[-3000:]
    ranks = [
        torch.load(tmp_path / f"rank{r}.pt", weights_only=False) for r in range(2)
    ]
    reference = torchrun.JOBS[job][2]()
    for rank in ranks:
        gaps = torchrun.largest_gaps(rank, reference)
        assert max(gaps.values()) <= torchrun.TOLERANCE, gaps
    for run, weights in reference.items():
        for k in weights:
            assert torch.equal(ranks[0][run][k], ranks[1][run][k]), (run, k)
    assert "largest difference from one process" in "".join(
        a.stdout for a in agents
    )


def test_largest_gaps_sees_a_difference():
    w = {"w": torch.zeros(3, dtype=torch.float64)}
    assert torchrun.largest_gaps(
        {"a": {"w": torch.tensor([0.0, 0.5, 0.0])}}, {"a": w}
    ) == {"a": 0.5}


def test_main_without_torchrun_says_how_to_start_it(monkeypatch, capsys):
    for k in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(k, raising=False)
    with pytest.raises(SystemExit):
        torchrun.main(["ddp"])
    assert "start this module with torchrun" in capsys.readouterr().err
