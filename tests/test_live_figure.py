import ipywidgets as widgets
import matplotlib
import pytest

from bookutils.widgets.live_figure import LiveFigure, live_figure

matplotlib.use("Agg")


def test_live_figure_redraws_with_the_current_values():
    seen = []

    def draw(fig, gain, causal):
        ax = fig.add_subplot()
        ax.plot([0, 1], [0, gain])
        ax.set(title=f"gain {gain}", xlabel="x", ylabel="y")
        seen.append((gain, causal))

    live = live_figure(
        draw,
        gain=widgets.FloatSlider(value=1.0, min=0, max=2),
        causal=widgets.Checkbox(value=False),
    )
    assert (
        isinstance(live, LiveFigure)
        and seen == [(1.0, False)]
        and live.redraws == 1
    )
    live.controls["gain"].value = 1.5
    live.controls["causal"].value = True
    assert seen[-1] == (1.5, True) and live.redraws == 3
    fig = live.render()
    assert fig.axes[0].get_title() == "gain 1.5"


def test_bad_arguments_are_explained():
    with pytest.raises(TypeError, match="draw must be a function"):
        LiveFigure(None, {"a": widgets.FloatSlider()})
    with pytest.raises(ValueError, match="controls must map"):
        LiveFigure(lambda fig: None, {})
    with pytest.raises(ValueError, match="controls must map"):
        LiveFigure(lambda fig, a: None, {"a": 3})
