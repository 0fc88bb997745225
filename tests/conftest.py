"""Shared fixtures. The tools are imported as ``from tools import nbtool`` (pytest's
``pythonpath`` in pyproject.toml puts the repository root on the path)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[1]
