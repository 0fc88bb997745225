"""A learner in live JupyterLab: run a chapter, then press the playground's buttons and move a
slider against the running kernel (`make lab-test`; needs /usr/bin/chromium and jupyterlab).

JupyterLab is started on 127.0.0.1 from this environment on a copy of the notebooks, so the
repository's files stay as they are. Each test runs every cell of one chapter, checks that no
cell shows an error, then drives the widgets and checks that the picture and the numbers they
show change.

Status: work in progress, not yet in CI. On the loaded 2-core machine it was written on, the
wait for "every prompt numbered and the kernel idle" after run-all timed out (400 s) in 2.1;
the cause (a cell left unrun, or the selectors) is not yet found.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sitecheck import ROOT

RUN_TIMEOUT_MS = 400_000  # a whole chapter on a busy 2-core machine
WIDGET_TIMEOUT_MS = 60_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Iterator[str]:
    """Base URL of a JupyterLab server on 127.0.0.1 (its token in the URL's query)."""
    if shutil.which("jupyter-lab", path=str(Path(sys.executable).parent)) is None:
        pytest.fail("jupyterlab is not installed in this environment: make install")
    work = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", work / "notebooks")
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "BOOK_OFFLINE": "1",
        "OMP_NUM_THREADS": "1",
        "JUPYTER_CONFIG_DIR": str(work / "config"),
        "JUPYTER_RUNTIME_DIR": str(work / "rt"),
        "JUPYTERLAB_WORKSPACES_DIR": str(work / "ws"),
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "jupyter-lab"),
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={work}",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(work / "lab.log").open("w"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(
                    f"{base}/api/status?token={token}", timeout=5
                )
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        "JupyterLab did not start:\n"
                        + (work / "lab.log").read_text()[-3000:]
                    )
                time.sleep(0.5)
        yield f"{base}/lab/tree/notebooks/{{}}?token={token}"
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()


def run_all(page, url: str) -> None:
    """Open a notebook, run every cell, wait for the last one; fail on any error output."""
    page.goto(url)
    page.wait_for_function(
        "() => window.jupyterapp && document.querySelector("
        "'.jp-Notebook .jp-Cell') && document.querySelector("
        "'.jp-Notebook-ExecutionIndicator[data-status=\"idle\"]')",
        timeout=WIDGET_TIMEOUT_MS * 2,
    )
    # Not awaited: the command's promise settles only when the last cell has run.
    page.evaluate(
        "() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }"
    )
    # Done when every code cell has a number in its prompt and the kernel is idle again.
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent))
                && document.querySelector('.jp-Notebook-ExecutionIndicator[data-status="idle"]');
        }""",
        timeout=RUN_TIMEOUT_MS,
        polling=1000,
    )
    assert_no_errors(page)


def assert_no_errors(page) -> None:
    errors = page.locator(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]'
    )
    texts = [errors.nth(i).inner_text()[-800:] for i in range(errors.count())]
    assert not texts, "cells show errors:\n" + "\n---\n".join(texts)


def image_source(locator) -> str:
    locator.wait_for(timeout=WIDGET_TIMEOUT_MS)
    return locator.get_attribute("src") or ""


def wait_changed(page, read, before: str, what: str) -> str:
    deadline = time.monotonic() + WIDGET_TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        now = read()
        if now != before:
            return now
        page.wait_for_timeout(250)
    raise AssertionError(f"{what} did not change (still {before[:120]!r})")


def test_playground_of_chapter_2_1_responds(browser, lab):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    run_all(page, lab.format("02_concepts/2_1_neural_networks.ipynb"))
    # The first playground: its status line holds the numbers, its Image widget the picture.
    box = page.locator(
        ".jupyter-widgets.widget-vbox",
        has=page.locator(".widget-html", has_text="train loss"),
    ).last
    box.scroll_into_view_if_needed()
    status = box.locator(".widget-html", has_text="train loss").first
    image = box.locator("img").first
    numbers, picture = status.inner_text(), image_source(image)
    assert "epoch 40" in numbers, numbers

    box.locator("button", has_text="step").first.click()
    numbers = wait_changed(
        page, status.inner_text, numbers, "the status after 'step'"
    )
    assert "epoch 41" in numbers, numbers
    picture = wait_changed(
        page,
        lambda: image.get_attribute("src"),
        picture,
        "the picture after 'step'",
    )

    play = box.locator(".widget-play button").first  # play, then pause
    play.click()
    numbers = wait_changed(
        page, status.inner_text, numbers, "the status while playing"
    )
    picture = wait_changed(
        page,
        lambda: image.get_attribute("src"),
        picture,
        "the picture while playing",
    )
    box.locator(".widget-play button").nth(1).click()
    epoch = int(numbers.split("epoch")[1].split()[0])
    assert epoch > 41, numbers

    slider = box.locator(".widget-slider", has_text="noise").first
    slider.locator(".noUi-handle, .slider-handle").first.focus()
    page.keyboard.press("ArrowRight")
    numbers = wait_changed(
        page, status.inner_text, numbers, "the status after the slider"
    )
    assert "epoch 0" in numbers, numbers  # new data: training starts again
    wait_changed(
        page,
        lambda: image.get_attribute("src"),
        picture,
        "the picture after the slider",
    )
    assert_no_errors(page)
    page.close()


def test_perceptron_slider_of_chapter_4_1_responds(browser, lab):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    run_all(page, lab.format("04_math/4_1_perceptron.ipynb"))
    box = page.locator(
        ".jupyter-widgets.widget-vbox",
        has=page.locator(".widget-html", has_text="misclassified"),
    ).last
    box.scroll_into_view_if_needed()
    slider = box.locator(".widget-slider", has_text="w₁").first
    readout = slider.locator(".widget-readout").first
    image = box.locator(".jp-OutputArea-output img, .widget-output img").first
    number, picture = readout.inner_text(), image_source(image)
    slider.locator(".noUi-handle, .slider-handle").first.focus()
    page.keyboard.press("ArrowRight")
    number = wait_changed(page, readout.inner_text, number, "the w₁ readout")
    wait_changed(
        page, lambda: image_source(image), picture, "the perceptron's picture"
    )
    assert_no_errors(page)
    page.close()
