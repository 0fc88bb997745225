"""The repository's scripts, importable as modules (``from tools import nbtool``).

Run them from the repository root: ``python tools/nbtool.py ...`` or, for the scripts that
import another tool, ``python -m tools.student`` and ``python -m tools.bench``.
"""
