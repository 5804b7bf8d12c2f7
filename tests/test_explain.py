"""explain: every topic runs (quick), writes its figure, and decides its verdict from numbers."""

import json
import math

import numpy as np
import pytest

from actlab.errors import UnknownNameError
from actlab.explain import (
    FAILS,
    HOLDS,
    ExplainResult,
    available_topics,
    collapse,
    costs,
    dead_relu,
    initialization,
    plot_zigzag_paths,
    run_explain,
    saturation,
    zigzag,
)
from actlab.network import Network
from actlab.training import Trainer

TOPICS = ["saturation", "zigzag", "collapse", "cost", "dead-relu", "init"]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Each topic once in quick mode (the tests below share them)."""
    out = tmp_path_factory.mktemp("explain")
    return {t: run_explain(t, out, quick=True) for t in TOPICS}


def _numbers(obj):
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _numbers(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _numbers(v)
    elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
        yield obj


def test_available_topics():
    assert available_topics() == TOPICS


@pytest.mark.parametrize("topic", TOPICS)
def test_topic_runs_and_writes_png_and_svg(results, topic):
    res = results[topic]
    assert isinstance(res, ExplainResult) and res.topic == topic
    assert res.claim.endswith(".") and len(res.claim) > 40
    assert [p.suffix for p in res.figures] == [".png"]  # SVG only when asked for
    for p in res.figures:
        assert p.exists() and p.stat().st_size > 1000 and p.stem == f"explain_{topic}"
    assert res.lines and all(isinstance(s, str) and s for s in res.lines)
    assert any(HOLDS in s or FAILS in s or "holds here" in s or "reproduced here" in s
               for s in res.lines)
    text = json.dumps(res.measurements, allow_nan=False)  # JSON-ready: no NaN, no arrays
    assert text
    nums = list(_numbers(res.measurements))
    assert nums and all(math.isfinite(x) for x in nums)
    assert res.measurements["quick"] is True and res.measurements["seconds"] > 0
    json.dumps(res.to_dict())


def test_unknown_topic_names_the_allowed_ones(tmp_path):
    with pytest.raises(UnknownNameError) as info:
        run_explain("zig-zag", tmp_path)
    message = str(info.value)
    assert message.startswith("topic:")
    for t in TOPICS:
        assert t in message
    assert "did you mean 'zigzag'" in message
    assert not list(tmp_path.iterdir())  # nothing written


# --- targeted numbers ---------------------------------------------------------------------


def test_collapse_is_exact_to_rounding(results):
    m = results["collapse"].measurements
    assert m["max_difference_untrained"]["float32"] < 1e-5
    assert m["max_difference_untrained"]["float64"] < 1e-10
    assert m["max_difference_trained_float32"] < 1e-5


def test_zigzag_coherence_sigmoid_one_tanh_low(results):
    runs = results["zigzag"].measurements["batches"]["1"]["runs"]
    assert runs["sigmoid"]["coherence"] == 1.0
    assert runs["relu"]["coherence"] == 1.0
    assert runs["tanh"]["coherence"] < 0.5
    assert runs["sigmoid"]["same_sign"] == 1.0  # per sample, all-positive inputs force it


def test_zigzag_plot_from_json_data(results, tmp_path):
    data = json.loads(json.dumps(results["zigzag"].measurements))
    paths = plot_zigzag_paths(data, tmp_path / "zz")
    assert [p.name for p in paths] == ["zz.png"]
    from actlab.report.common import svg_figures

    with svg_figures():
        paths = plot_zigzag_paths(data, tmp_path / "zz")
    assert [p.name for p in paths] == ["zz.png", "zz.svg"]


def test_verdict_lines_match_the_measurements(results):
    z = results["zigzag"]
    runs = z.measurements["batches"]["1"]["runs"]
    _, line = zigzag.coherence_verdict(runs["sigmoid"]["coherence"], runs["tanh"]["coherence"],
                                       runs["relu"]["coherence"])
    assert line in z.lines
    c = results["collapse"]
    d = c.measurements["max_difference_untrained"]
    assert collapse.collapse_verdict(d["float32"], d["float64"])[1] in c.lines
    a = c.measurements["test_acc"]
    line = collapse.accuracy_verdict(a["deep identity"], a["single layer"], a["deep relu"])[1]
    assert line in c.lines
    dr = results["dead-relu"]
    m = dr.measurements
    assert dead_relu.dead_verdict(m["dead_final"], m["dead_max_any_epoch_any_seed"])[1] in dr.lines


def test_weight_path_only_reads(rng):
    X = rng.standard_normal((40, 5)).astype(np.float32)
    y = rng.integers(0, 3, 40)
    nets = [Network(5, [6, 6], 3, activation="sigmoid", seeds=[1]) for _ in range(2)]
    Trainer("sgd", lr=0.1, epochs=2, batch_size=8).fit(nets[0], X, y)
    path = zigzag.WeightPath(max_steps=5)
    Trainer("sgd", lr=0.1, epochs=2, batch_size=8, callbacks=[path]).fit(nets[1], X, y)
    for a, b in zip(nets[0].parameters(), nets[1].parameters()):
        assert np.array_equal(a[1], b[1])
    assert path.path().shape == (5, 2)


# --- verdict functions on planted numbers, both ways --------------------------------------


def test_same_sign_fraction_planted():
    path = np.array([[0, 0], [1, 1], [0, 0], [1, -1], [1, -1], [1, 0]], dtype=float)
    frac, n = zigzag.same_sign_fraction(path)
    assert n == 3 and frac == pytest.approx(2 / 3)  # the 0-move and the 1-only move are skipped
    assert math.isnan(zigzag.same_sign_fraction(np.zeros((3, 2)))[0])


def test_zigzag_verdicts_planted():
    holds, line = zigzag.coherence_verdict(1.0, 0.03)
    assert holds and line.endswith(HOLDS) and "1.00 vs tanh-fed 0.03" in line
    assert not zigzag.coherence_verdict(0.97, 0.03)[0]
    assert not zigzag.coherence_verdict(1.0, 0.6)[0]
    holds, line = zigzag.coherence_verdict(1.0, 0.0, relu=0.5)
    assert not holds and line.endswith(FAILS)
    assert zigzag.same_sign_verdict(0.9, 0.5, 1)[0]
    assert not zigzag.same_sign_verdict(0.4, 0.5, 32)[0]
    assert not zigzag.same_sign_verdict(float("nan"), 0.5, 1)[0]


def test_saturation_verdicts_planted():
    assert saturation.flat_threshold("sigmoid") == pytest.approx(5.99, abs=0.01)
    assert saturation.flat_threshold("tanh") == pytest.approx(2.99, abs=0.01)
    assert saturation.flat_threshold("relu") == 0.0
    assert saturation.flat_threshold("identity") == math.inf
    assert saturation.threshold_verdict(5.99)[1].endswith(HOLDS)
    assert saturation.threshold_verdict(3.0)[1].endswith(FAILS)
    assert saturation.top_layer_verdict(0.09, 0.5, 0.5)[0]
    assert not saturation.top_layer_verdict(0.3, 0.5, 0.5)[0]
    assert not saturation.top_layer_verdict(0.09, 0.2, 0.5)[0]
    ratios = {"sigmoid": 0.003, "tanh": 2.0, "relu": 1.5}
    accs = {"sigmoid": 0.1, "tanh": 0.96, "relu": 0.96}
    assert saturation.stall_verdict(ratios, accs)[1].endswith(HOLDS)
    assert not saturation.stall_verdict({**ratios, "sigmoid": 0.5}, accs)[0]
    assert not saturation.stall_verdict(ratios, {**accs, "sigmoid": 0.97})[0]


def test_collapse_verdicts_planted():
    assert collapse.collapse_verdict(4e-7, 1e-15)[0]
    assert not collapse.collapse_verdict(1e-3, 1e-15)[0]
    assert not collapse.collapse_verdict(1e-7, 1e-8)[0]
    same, relu = [0.896, 0.897, 0.895], [0.95, 0.956, 0.952]
    assert collapse.accuracy_verdict(same, [0.896] * 3, relu)[1].endswith(HOLDS)
    assert not collapse.accuracy_verdict([0.80] * 3, [0.896] * 3, relu)[0]  # deep != single
    assert not collapse.accuracy_verdict(same, [0.896] * 3, [0.90] * 3)[0]  # relu no better


def test_cost_verdicts_planted():
    assert costs.exp_verdict({"sigmoid": 9.0, "tanh": 4.0})[0]
    assert not costs.exp_verdict({"sigmoid": 9.0, "tanh": 1.1})[0]
    small = {"sigmoid": 0.08, "tanh": 0.03, "relu": 0.01, "elu": 0.13, "gelu": 0.3}
    holds, line = costs.share_verdict(small, "big net")
    assert holds and "elu 13%" in line and line.endswith("holds here")
    holds, line = costs.share_verdict({**small, "sigmoid": 0.25}, "small net")
    assert not holds and line.endswith("does not hold here")


def test_dead_and_init_verdicts_planted():
    dead = {"relu": 0.4, "leaky_relu": 0.0, "prelu": 0.0, "elu": 0.3}
    ever = {"relu": 0.5, "leaky_relu": 0.0, "prelu": 0.0, "elu": 0.3}
    assert dead_relu.dead_verdict(dead, ever)[1].endswith(HOLDS)
    assert not dead_relu.dead_verdict({**dead, "relu": 0.0}, ever)[0]
    assert not dead_relu.dead_verdict(dead, {**ever, "prelu": 0.03})[0]  # died once, recovered
    good = {"sigmoid": 0.961, "tanh": 0.964, "relu": 0.969, "swish": 0.970, "identity": 0.964}
    assert initialization.good_init_verdict(good)[0]
    assert not initialization.good_init_verdict({**good, "identity": 0.975})[0]
    bad = {"sigmoid": 0.941, "tanh": 0.914, "relu": 0.928, "swish": 0.928, "identity": 0.940}
    sd = {a: 0.006 for a in bad}
    holds, line = initialization.bad_init_verdict(bad, sd)
    assert holds and "smaller than one seed sd" in line
    holds, line = initialization.bad_init_verdict({**bad, "sigmoid": 0.90}, sd)
    assert not holds and line.endswith(FAILS)
    assert initialization.ranking({"a": 0.5, "b": float("nan"), "c": 0.9}) == ["c", "a", "b"]
