"""Per-notebook timing for `make notebooks`: a table at the end of the nbval run.

Each notebook's time is the sum of its cells' setup, call and teardown durations, kernel
start included. The 60 s budget is reported, not enforced: timings on a shared 2-core machine
are noisy, so the only hard limit is nbval's per-cell timeout (a runaway guard).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

BUDGET_S = 60.0
_times: dict[str, float] = defaultdict(float)
_failed: set[str] = set()


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _times[path] += report.duration
        if report.failed:
            _failed.add(path)


def pytest_terminal_summary(terminalreporter):
    if not _times:
        return
    rows = sorted(_times.items())
    lines = ["| notebook | seconds | within 60 s | result |", "|---|---:|---|---|"]
    for path, seconds in rows:
        within = "yes" if seconds <= BUDGET_S else "**OVER BUDGET**"
        lines.append(
            f"| {path} | {seconds:.1f} | {within} | "
            f"{'FAILED' if path in _failed else 'passed'} |"
        )
    total = sum(_times.values())
    lines.append(f"| total ({len(rows)} notebooks, summed) | {total:.1f} | | |")
    terminalreporter.section("notebook execution times")
    for line in lines:
        terminalreporter.write_line(line)
    over = [p for p, s in rows if s > BUDGET_S]
    if over:
        terminalreporter.write_line(
            f"{len(over)} notebook(s) over the {BUDGET_S:.0f} s budget: "
            + ", ".join(over)
        )
    out = Path("_build") / "notebook-times.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
