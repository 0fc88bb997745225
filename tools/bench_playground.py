"""How quickly the playground answers: time from a control change to a finished redraw.

    OMP_NUM_THREADS=1 .venv/bin/python tools/bench_playground.py [--repeats 60]

For the default network (moons, hidden layers 4 and 2, tanh, Adam) it changes a control
the way a reader does, which runs the widget's own observer: rebuild the model, redraw the
three panels, encode the PNG and hand it to the Image widget. It reports the median and
the 95th percentile for three kinds of change. The browser's decoding of the PNG (a few
ms) is not included. Both wall-clock and CPU time are reported, with the load average:
on a shared machine the wall clock includes waiting for a core. Targets: median <= 100 ms,
p95 <= 200 ms on a 2-core CPU.
This is a measurement, not a test: it never fails on a slow machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from bookutils.playground.widget import Playground


def timed(action, repeats: int) -> tuple[np.ndarray, np.ndarray]:
    """Wall-clock and CPU milliseconds of ``action(i)`` for i = 0..repeats-1."""
    wall, cpu = [], []
    for i in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        action(i)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return 1000 * np.array(wall), 1000 * np.array(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=60)
    args = parser.parse_args()

    pg = Playground()
    default = pg.config.to_string()
    lr_values, noise_values = (0.01, 0.03, 0.1), (0.1, 0.15, 0.2)

    def change_lr(i: int) -> None:
        pg.controls["lr"].value = lr_values[i % 3]

    def change_noise(i: int) -> None:
        pg.controls["noise"].value = noise_values[i % 3]

    def step(_i: int) -> None:
        pg.step_button.click()

    for action in (change_lr, change_noise, step):
        timed(action, 5)  # warm up caches and fonts
    rows = [
        ("learning rate (same data, new network)", timed(change_lr, args.repeats)),
        ("noise (new data set, points moved)", timed(change_noise, args.repeats)),
        ("step (train one epoch, redraw)", timed(step, args.repeats)),
    ]
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",) * 3
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs,"
        f" load average {load[0]:.2f} (1 min); OMP_NUM_THREADS="
        f"{os.environ.get('OMP_NUM_THREADS', 'unset')}"
    )
    print(f"default setting {default!r}, {args.repeats} changes each\n")
    print(
        "wall clock is what the reader waits for; CPU time is what it would be on an idle"
        " core\n(on a busy machine the two differ by the time spent waiting for a core)\n"
    )
    print(
        f"{'control change → finished redraw':42s} {'wall median':>12s} {'wall p95':>9s}"
        f" {'CPU median':>11s} {'CPU p95':>8s}"
    )
    for name, (wall, cpu) in rows:
        print(
            f"{name:42s} {np.median(wall):10.1f}ms {np.percentile(wall, 95):7.1f}ms"
            f" {np.median(cpu):9.1f}ms {np.percentile(cpu, 95):6.1f}ms"
        )


if __name__ == "__main__":
    main()
