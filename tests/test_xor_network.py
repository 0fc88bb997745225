"""The chapter 1.2 self-check on a hand-wired XOR network."""

from __future__ import annotations

import numpy as np
import torch

from bookutils.checks.xor_network import check_xor_network, xor_reference


def test_reference_is_xor_and_matches_torch():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    assert xor_reference(X).tolist() == [0, 1, 1, 0]
    t = torch.tensor(X).to(torch.bool)
    assert (
        xor_reference(X).tolist()
        == torch.logical_xor(t[:, 0], t[:, 1]).int().tolist()
    )


def test_passes_correct_network():
    def threshold_net(X):
        h = np.column_stack([X @ [1, 1] >= 1, X @ [-1, -1] >= -1]).astype(int)
        return (h @ [1, 1] >= 2).astype(int)

    assert check_xor_network(threshold_net)
