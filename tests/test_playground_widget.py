"""The playground's pictures and its live widget (driven here without a browser)."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bookutils.playground.engine import PlaygroundConfig, PlaygroundModel
from bookutils.playground.view import (
    PANELS,
    PlaygroundView,
    draw_playground,
    training_scrubber,
)
from bookutils.playground.widget import Playground, parse_hidden, playground

PNG = b"\x89PNG"


def new_fig() -> Figure:
    fig = Figure(figsize=(9, 3))
    FigureCanvasAgg(fig)
    return fig


def test_view_labels_every_panel_and_draws():
    model = PlaygroundModel(PlaygroundConfig(epochs=3))
    fig = new_fig()
    view = draw_playground(fig, model)
    assert isinstance(view, PlaygroundView) and tuple(view.axes) == PANELS
    for ax in view.axes.values():
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert "epoch 3" in view.axes["boundary"].get_title()
    fig.canvas.draw()
    # the loss lines hold one value per epoch, and the legend shows the latest ones
    assert np.array_equal(
        view._artists["train"].get_ydata(), model.history["train"]
    )
    assert (
        f"{model.history['test'][-1]:.3f}"
        in view._artists["legend"].get_texts()[1].get_text()
    )


def test_view_reuses_artists_until_the_architecture_changes():
    fig = new_fig()
    view = PlaygroundView(fig)
    view.update(PlaygroundModel())
    map_artist, units = view._artists["map"], view._artists["units"]
    view.update(
        PlaygroundModel(PlaygroundConfig(lr=0.1, epochs=1))
    )  # same data and net
    assert view._artists["map"] is map_artist and view._artists["units"] is units
    view.update(PlaygroundModel(PlaygroundConfig(hidden=(3, 3, 3))))
    assert view._artists["map"] is map_artist  # the data are the same
    assert len(view._artists["units"]) == 2 + 9 + 1
    xor = PlaygroundModel(PlaygroundConfig(data="xor"))
    view.update(xor)  # new data: the same artists, moved
    assert view._artists["map"] is map_artist
    assert np.array_equal(
        view._artists["points"][0].get_offsets(),
        xor.points[xor.train_idx][xor.labels[xor.train_idx] == 0],
    )
    assert view.axes["boundary"].get_xlim() == (
        xor.points[:, 0].min() - 0.3,
        xor.points[:, 0].max() + 0.3,
    )


def test_view_maps_show_the_model():
    model = PlaygroundModel(PlaygroundConfig(hidden=(2,), epochs=2))
    view = PlaygroundView(
        new_fig(), ("boundary", "network"), resolution=20, unit_resolution=5
    )
    view.update(model)
    shown = np.asarray(view._artists["map"].get_array())
    assert shown.shape == (20, 20) and 0 <= shown.min() and shown.max() <= 1
    lo, hi = (
        model.points.min(axis=0) - 0.3,
        model.points.max(axis=0) + 0.3,
    )  # the pad
    gx, gy = np.meshgrid(
        np.linspace(lo[0], hi[0], 20), np.linspace(lo[1], hi[1], 20)
    )
    expected = model.predict_proba(np.column_stack([gx.ravel(), gy.ravel()]))
    assert np.allclose(shown.ravel(), expected, rtol=0, atol=1e-12)
    out_unit = np.asarray(view._artists["units"][-1].get_array())
    assert out_unit.shape == (5, 5)
    assert np.isclose(out_unit[0, 0], expected[0]) and np.isclose(
        out_unit[-1, -1], expected[-1]
    )


def test_views_fill_subfigures():
    fig = new_fig()
    top, bottom = fig.subfigures(2, 1)
    models = [
        PlaygroundModel("pg1:data=xor&hidden="),
        PlaygroundModel("pg1:data=xor"),
    ]
    views = [
        draw_playground(sub, m, ("boundary",))
        for sub, m in zip((top, bottom), models, strict=True)
    ]
    fig.canvas.draw()
    assert [len(sub.axes) for sub in (top, bottom)] == [1, 1]
    assert views[0].axes["boundary"].figure is top


def test_view_and_draw_reject_bad_input():
    with pytest.raises(TypeError, match="Figure"):
        PlaygroundView("figure")
    with pytest.raises(ValueError, match="panels"):
        PlaygroundView(new_fig(), ("boundary", "weights"))
    with pytest.raises(ValueError, match="panels"):
        PlaygroundView(new_fig(), ())
    with pytest.raises(TypeError, match="PlaygroundModel"):
        PlaygroundView(new_fig()).update(PlaygroundConfig())


def test_training_scrubber_frames_follow_the_checkpoints():
    fig, model = training_scrubber(
        "pg1:data=xor&hidden=3",
        [0, 2, 5],
        alt="Three frames of a small network learning XOR.",
        panels=("boundary", "loss"),
        dpi=40,
    )
    assert len(fig.frames) == 3 and all(f.startswith(PNG) for f in fig.frames)
    assert fig.labels[0].startswith("epoch 0:") and fig.labels[-1].startswith(
        "epoch 5:"
    )
    again = PlaygroundModel("pg1:data=xor&hidden=3&epochs=5")
    assert model.epoch == 5 and all(
        np.array_equal(model.params[k], again.params[k]) for k in again.params
    )
    for bad in ([], [3, 2], [-1, 4], [2, 2]):
        with pytest.raises(ValueError, match="checkpoints"):
            training_scrubber(
                PlaygroundConfig(), bad, alt="A figure that never gets drawn."
            )


def test_parse_hidden():
    assert parse_hidden("4, 2") == (4, 2)
    assert parse_hidden(" 3;3 ") == (3, 3)
    assert parse_hidden("") == ()
    with pytest.raises(ValueError, match="separated by commas"):
        parse_hidden("4 x 2")
    with pytest.raises(TypeError, match="text"):
        parse_hidden((4, 2))


def test_widget_builds_with_every_control_and_a_picture():
    pg = Playground("pg1:data=xor&hidden=3&epochs=2")
    assert isinstance(pg.widget, widgets.VBox)
    assert set(pg.controls) == {
        f
        for f in PlaygroundConfig.__dataclass_fields__
        if f not in ("points", "epochs", "hyper")
    }
    assert pg.controls["data"].value == "xor" and pg.controls["hidden"].value == "3"
    assert bytes(pg.image.value).startswith(PNG)
    assert (
        pg.setting.value
        == "pg1:data=xor&hidden=3&epochs=2"
        == pg.config.to_string()
    )
    assert "epoch <b>2</b>" in pg.status.value


def test_a_control_change_rebuilds_at_epoch_zero():
    pg = Playground(PlaygroundConfig(epochs=3))
    before = pg.image.value
    pg.controls["lr"].value = 0.1
    assert pg.config == PlaygroundConfig(lr=0.1) and pg.model.epoch == 0
    assert pg.image.value != before
    pg.controls["hidden"].value = "2, 2, 2"
    assert pg.config.hidden == (2, 2, 2)
    pg.controls["features"].value = ("x1", "x2", "sinx1")
    assert pg.config.features == ("x1", "x2", "sinx1")


def test_invalid_controls_report_and_keep_the_model():
    pg = Playground()
    model = pg.model
    pg.controls["hidden"].value = "4, many"
    assert "separated by commas" in pg.status.value and pg.model is model
    pg.controls["hidden"].value = "4, 2"
    pg.controls["optimizer"].value = "Momentum"
    pg.controls["beta"].value = 0.0
    assert "Momentum needs momentum > 0" in pg.status.value
    assert pg.config.optimizer == "Momentum" and pg.config.beta > 0


def test_step_play_and_reset():
    pg = Playground(epochs_per_tick=3)
    pg.step_button.click()
    assert pg.model.epoch == 1
    pg.play.value = 1  # what one tick of the Play widget does
    assert pg.model.epoch == 4
    pg.play.value = 0  # the Play widget's stop: no training
    assert pg.model.epoch == 4
    start = PlaygroundModel(pg.config.replace(epochs=0)).params
    pg.reset_button.click()
    assert pg.model.epoch == 0 and not pg.play.playing
    assert all(np.array_equal(pg.model.params[k], start[k]) for k in start)


def test_setting_box_loads_a_string_and_reports_bad_ones():
    pg = Playground()
    pg.setting.value = (
        "pg1:data=spirals&activation=relu&reg=L2&reg_rate=0.002&epochs=2"
    )
    assert (
        pg.controls["data"].value == "spirals"
        and pg.controls["reg_rate"].value == 0.002
    )
    assert pg.model.epoch == 2 and pg.config.activation == "relu"
    pg.setting.value = "pg1:colour=red"
    assert "unknown setting" in pg.status.value and pg.model.epoch == 2
    pg.load(PlaygroundConfig(data="moons"))
    assert pg.controls["data"].value == "moons" and pg.setting.value == "pg1:"


def test_playground_displays_and_returns_the_widget(capsys):
    pg = playground("pg1:epochs=1", dpi=50)
    assert isinstance(pg, Playground) and pg.model.epoch == 1
    assert (
        "VBox" in capsys.readouterr().out
    )  # display() outside a notebook prints repr


def test_the_browsers_echo_of_a_control_keeps_the_trained_model():
    # Jupyter's sliders send their value back when they render; a float slider may send
    # 0.9000000000000001 for 0.9. That must not throw away the epochs the setting trained.
    pg = Playground("pg1:data=xor&hidden=&epochs=5")
    model = pg.model
    pg.controls["beta"].value = 0.9000000000000001
    pg.controls["noise"].value = 0.15000000000000002
    assert pg.model is model and pg.model.epoch == 5, pg.status.value
    assert pg.setting.value == "pg1:data=xor&hidden=&epochs=5"
    pg.controls["noise"].value = 0.2  # a real change still starts again
    assert pg.model.epoch == 0 and pg.config.noise == 0.2


def test_the_learning_rate_slider_holds_the_exact_rate():
    pg = Playground("pg1:lr=0.03")
    assert pg.controls["lr"].value == 0.03 and pg.config.lr == 0.03
    assert "0.03" in pg.controls["lr"].options[pg.controls["lr"].index][0]
    pg.setting.value = "pg1:lr=0.0005&epochs=1"  # a rate between the slider's stops
    assert pg.controls["lr"].value == 0.0005 and pg.config.lr == 0.0005
    assert pg.model.epoch == 1
