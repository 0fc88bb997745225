"""Draw the computational graph of a :class:`bookutils.foundations.autograd.Value` with matplotlib.

Inputs sit on the left and the output on the right: a node's column is the length of the
longest path from an input to it. Each box shows the node's name (or operation), its value
and its gradient.
"""

from __future__ import annotations

from matplotlib.axes import Axes

from ..foundations.autograd import Value, _check_node, topological_order
from .plotting import PALETTE

__all__ = ["graph_layout", "draw_graph"]


def graph_layout(root: Value) -> dict[Value, tuple[float, float]]:
    """Positions (column, row) for every node of ``root``'s graph, inputs in column 0."""
    _check_node(
        root, "graph_layout"
    )  # a Value, or a notebook's own copy of the class
    order = topological_order(root)
    column: dict[Value, int] = {}
    for node in order:  # parents come first in this order
        column[node] = 1 + max((column[p] for p in node.parents), default=-1)
    rows: dict[int, int] = {}
    position: dict[Value, tuple[float, float]] = {}
    for node in order:
        c = column[node]
        position[node] = (float(c), -float(rows.get(c, 0)))
        rows[c] = rows.get(c, 0) + 1
    for node, (x, y) in position.items():  # centre every column vertically
        position[node] = (x, y + (rows[int(x)] - 1) / 2)
    return position


def draw_graph(
    ax: Axes, root: Value, *, show_grad: bool = True, max_nodes: int = 60
) -> dict[Value, tuple[float, float]]:
    """Draw ``root``'s graph on ``ax`` and return the layout used.

    Leaves (inputs and weights) are blue, computed nodes orange. Graphs with more than
    ``max_nodes`` nodes are refused: they would not be readable.
    """
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
    position = graph_layout(root)
    if len(position) > max_nodes:
        raise ValueError(
            f"the graph has {len(position)} nodes, more than max_nodes="
            f"{max_nodes} can be drawn legibly"
        )
    for node, (x, y) in position.items():
        for parent in node.parents:
            px, py = position[parent]
            ax.annotate(
                "",
                xy=(x - 0.28, y),
                xytext=(px + 0.28, py),
                arrowprops={"arrowstyle": "->", "color": "0.4", "lw": 1.2},
            )
    for node, (x, y) in position.items():
        name = node.label or node.op or "input"
        if node.label and node.op:
            name = f"{node.label} = {node.op}"
        text = f"{name}\nvalue {node.data:.3g}"
        if show_grad:
            text += f"\ngrad {node.grad:.3g}"
        colour = PALETTE[0] if not node.parents else PALETTE[1]
        ax.text(
            x,
            y,
            text,
            ha="center",
            va="center",
            fontsize=8,
            bbox={
                "boxstyle": "round,pad=0.35",
                "facecolor": colour,
                "alpha": 0.25,
                "edgecolor": colour,
            },
        )
    xs = [p[0] for p in position.values()]
    ys = [p[1] for p in position.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.7, max(ys) + 0.7)
    ax.set_xticks(sorted(set(xs)))
    ax.set_yticks([])
    ax.grid(False)
    return position
