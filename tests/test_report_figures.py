"""Figures that show what their captions say: heat maps average only the seeds that did not
diverge, draw a fully diverged group as 'diverged', and scale each panel on its own; many
activations become small multiples; the prototype preset is the seed's prototype."""

from __future__ import annotations

import numpy as np
import pytest

from actlab.report.common import svg_figures
from actlab.report.heatmaps import group_means, panel_norm, plot_layer_heatmaps


def _rec(act, status, value, init="auto", layers=2, times=3):
    return {
        "activation": act,
        "init": init,
        "status": status,
        "seed": 0,
        "probes": {
            "epochs": list(range(times)),
            "saturation": [[0.1] * layers] * times,
            "grad_W_norm": [[value] * (layers + 1)] * times,
            "act_mean": [[value] * layers] * times,
        },
    }


def test_group_means_leave_diverged_seeds_out():
    recs = [_rec("relu", "ok", 0.5), {**_rec("relu", "diverged", 1e20), "seed": 1}]
    epochs, values = group_means(recs, "act_mean")
    assert epochs == [0, 1, 2] and np.allclose(values, 0.5)


def test_each_panel_has_its_own_scale():
    small = np.full((2, 3), 0.01)
    big = np.full((2, 3), 1e6)
    assert panel_norm("act_mean", small).vmax == pytest.approx(0.01)
    assert panel_norm("act_mean", big).vmax == pytest.approx(1e6)
    assert panel_norm("grad_W_norm", big).vmin == pytest.approx(1e6)


def test_heatmaps_draw_a_fully_diverged_group(tmp_path):
    recs = [_rec("tanh", "ok", 0.2), _rec("relu", "diverged", 1e20)]
    for r in recs[1:]:
        r.pop("probes")
    recs[1]["probes"] = {}  # what a diverged replica may carry
    with svg_figures(True):
        png, svg = plot_layer_heatmaps(recs, tmp_path / "h")
    assert png.stat().st_size > 5000 and "diverged (every seed)" in svg.read_text()


@pytest.mark.parametrize(
    "norm, labels",
    [
        (("lin", 0.0, 1.0), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]),
        (("lin", -3.0, 3.0), ["-3.0", "-1.5", "0.0", "1.5", "3.0"]),
        (("lin", 0.0, 0.0025), ["0.0000", "0.0005", "0.0010", "0.0015", "0.0020", "0.0025"]),
        (("log", 1e-3, 10.0), ["0.001", "0.01", "0.1", "1", "10"]),
        (("log", 0.03, 0.4), ["0.05", "0.1", "0.2"]),  # under two decades: 1, 2, 5 times
    ],
)
def test_scale_ticks_follow_the_panels_own_range(norm, labels):
    from matplotlib.colors import LogNorm, Normalize

    from actlab.report.scalebar import scale_ticks

    kind, lo, hi = norm
    values, text = scale_ticks((LogNorm if kind == "log" else Normalize)(lo, hi))
    assert text == labels
    assert lo - 1e-9 * abs(lo) <= values.min() and values.max() <= hi + 1e-9 * abs(hi)


def test_each_heatmap_panel_shows_its_own_scale(tmp_path):
    """The scale beside each panel is labelled from that panel's values: a group whose mean
    activation is a million shows 1e+06 on its scale, the other group's scale stays small."""
    recs = [_rec("tanh", "ok", 0.002), _rec("relu", "ok", 1e6, init="prototype")]
    with svg_figures(True):
        _, svg = plot_layer_heatmaps(recs, tmp_path / "h")
    text = svg.read_text()
    assert "1e+06" in text and "0.0020" in text  # act_mean 1e6 / 0.002 at the top of a scale
    assert text.count(">saturated<") == 1  # tanh's flat-units scale is labelled saturated


def test_many_activations_become_small_multiples(tmp_path):
    from actlab.report.curves import SMALL_MULTIPLES, plot_training_curves

    acts = [f"a{k}" for k in range(SMALL_MULTIPLES + 2)]
    recs = [
        {
            "activation": a,
            "init": i,
            "seed": s,
            "status": "ok",
            "train_loss": [1.0 / (e + 1 + k) for e in range(4)],
            "test_acc": [0.5 + 0.1 * e for e in range(4)],
        }
        for k, a in enumerate(acts)
        for i in ("auto", "prototype")
        for s in (0, 1)
    ]
    with svg_figures(True):
        _, svg = plot_training_curves(recs, tmp_path / "c")
    text = svg.read_text()
    assert all(f"{a}: train loss" in text and f"{a}: test accuracy" in text for a in acts)


def test_prototype_preset_is_the_seeds_prototype(capsys):
    from actlab.cli import main
    from actlab.experiments.spec import preset

    spec = preset("prototype")
    assert (spec.activations, spec.inits, spec.hidden, spec.optimizers) == (
        ["sigmoid"],
        ["prototype"],
        [[100]],
        ["gd"],
    )
    assert main(["plan", "--preset", "prototype", "--no-calibrate"]) == 0
    assert "sigmoid" in capsys.readouterr().out
