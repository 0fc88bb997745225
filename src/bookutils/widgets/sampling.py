"""The next-token distribution under temperature, top-k and top-p, live and static (5.5).

:class:`NextTokenExplorer` is the live version (ipywidgets sliders, needs a kernel);
:func:`draw_next_token` draws one frame, so that the notebook's scrubbable figure for the
HTML book shows exactly what the widget shows.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from IPython.display import display
from torch import Tensor

from ..transformer.sampling import next_token_probs

__all__ = [
    "NextTokenExplorer",
    "draw_next_token",
    "filtered_probs",
    "next_token_explorer",
]


def filtered_probs(
    logits: Tensor, temperature: float, top_k: int, top_p: float
) -> Tensor:
    """:func:`~bookutils.transformer.sampling.next_token_probs`; top_k = V, top_p = 1 mean off."""
    V = logits.shape[-1]
    return next_token_probs(
        logits.double(),
        temperature,
        top_k if top_k < V else None,
        top_p if top_p < 1 else None,
    )


def draw_next_token(
    ax: plt.Axes, probs: Tensor, labels: Sequence[str], order: Tensor, title: str
) -> None:
    """Bars of ``probs`` for the tokens ``order`` (most likely first), labelled with ``labels``.

    Tokens removed by top-k or top-p (probability 0) are drawn as empty outlines.
    """
    if len(labels) != probs.shape[-1]:
        raise ValueError(f"{len(labels)} labels for {probs.shape[-1]} tokens")
    shown = probs[order].tolist()
    kept = [p > 0 for p in shown]
    x = range(len(shown))
    ax.bar(
        x,
        shown,
        color=["C0" if k else "none" for k in kept],
        edgecolor=["C0" if k else "0.6" for k in kept],
    )
    ax.set_xticks(
        list(x),
        [repr(labels[i])[1:-1] or "␣" for i in order.tolist()],
        rotation=90,
        fontfamily="monospace",
    )
    ax.set_ylim(0, 1)
    ax.set(
        title=title, xlabel="next token (most likely first)", ylabel="probability"
    )


class NextTokenExplorer:
    """Sliders for temperature, top-k and top-p redraw the next-token distribution."""

    def __init__(
        self, logits: Tensor, labels: Sequence[str], *, shown: int = 20
    ) -> None:
        if logits.ndim != 1:
            raise ValueError(
                f"logits must be 1-D (one position), got shape {tuple(logits.shape)}"
            )
        if len(labels) != logits.shape[0]:
            raise ValueError(f"{len(labels)} labels for {logits.shape[0]} logits")
        self.logits, self.labels = logits.detach().double(), list(labels)
        self.order = torch.argsort(self.logits, descending=True)[:shown]
        V = logits.shape[0]
        self.temperature = widgets.FloatSlider(
            value=1.0, min=0.0, max=2.0, step=0.05, description="temperature"
        )
        self.top_k = widgets.IntSlider(value=V, min=1, max=V, description="top-k")
        self.top_p = widgets.FloatSlider(
            value=1.0, min=0.05, max=1.0, step=0.05, description="top-p"
        )
        for s in (self.temperature, self.top_k, self.top_p):
            s.observe(lambda _change: self.redraw(), names="value")
        self.status = widgets.HTML()
        self.output = widgets.Output()
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.temperature, self.top_k, self.top_p]),
                self.status,
                self.output,
            ]
        )
        self.redraw()

    def probs(self) -> Tensor:
        """The distribution the sliders' settings give."""
        return filtered_probs(
            self.logits, self.temperature.value, self.top_k.value, self.top_p.value
        )

    def redraw(self) -> None:
        """Redraw the bars and the count of tokens that can still be drawn."""
        probs = self.probs()
        kept = int((probs > 0).sum())
        self.status.value = (
            f"tokens that can be sampled: <b>{kept}</b> of {len(self.labels)}"
            f" &nbsp;·&nbsp; most likely: <b>{probs.max():.1%}</b>"
        )
        with self.output:
            self.output.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(7, 3.4))
            draw_next_token(
                ax,
                probs,
                self.labels,
                self.order,
                f"T = {self.temperature.value:.2f}, top-k = {self.top_k.value},"
                f" top-p = {self.top_p.value:.2f}",
            )
            plt.show()
            plt.close(fig)


def next_token_explorer(
    logits: Tensor, labels: Sequence[str], **kwargs
) -> NextTokenExplorer:
    """Build a :class:`NextTokenExplorer`, display it, and return it for inspection."""
    explorer = NextTokenExplorer(logits, labels, **kwargs)
    display(explorer.widget)
    return explorer
