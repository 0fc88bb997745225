"""Shared fixtures; also puts tools/ on the path so tests use the same rules as nbtool."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
# No test may reach the network: every download in bookutils is an error under this switch.
# The tests of the download paths unset it and serve their files from 127.0.0.1.
os.environ["BOOK_OFFLINE"] = "1"
