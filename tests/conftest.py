"""Shared fixtures. The tools are imported as ``from tools import nbtool`` (pytest's
``pythonpath`` in pyproject.toml puts the repository root on the path)."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[1]
# No test may reach the network: every download in bookutils is an error under this switch.
# The tests of the download paths unset it and serve their files from 127.0.0.1.
os.environ["BOOK_OFFLINE"] = "1"
