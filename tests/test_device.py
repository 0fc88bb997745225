import pytest
import torch

from bookutils import choose_device
from bookutils.device import ENV_VAR


def test_default_is_best_available(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    expected = (
        "cuda"
        if torch.cuda.is_available()
        else ("mps" if torch.backends.mps.is_available() else "cpu")
    )
    assert choose_device().type == expected


def test_environment_variable_overrides(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "cpu")
    assert choose_device() == torch.device("cpu")


def test_argument_overrides_environment(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "nonsense")
    assert choose_device("CPU") == torch.device("cpu")


def test_unknown_device_is_a_clear_error(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "tpu")
    with pytest.raises(ValueError, match="unknown device 'tpu'.*BOOK_DEVICE"):
        choose_device()


@pytest.mark.skipif(
    torch.cuda.is_available(), reason="needs a machine without CUDA"
)
def test_unavailable_device_is_an_error_not_a_fallback():
    with pytest.raises(RuntimeError, match="not available"):
        choose_device("cuda")


def test_non_string_is_rejected():
    with pytest.raises(TypeError, match="string"):
        choose_device(0)
