"""actlab reproduce: verdict functions on planted numbers (each of the three outcomes), a few
reproductions end to end in quick mode, the self-contained page and the CLI."""

from __future__ import annotations

import re

import numpy as np
import pytest

from actlab.cli import main
from actlab.errors import UnknownNameError
from actlab.reproduce import (
    DIRECTION,
    FAILS,
    HOLDS,
    available,
    format_table,
    he_init,
    linear_collapse,
    relu_faster,
    run_reproduction,
    run_reproductions,
    saturation,
)
from actlab.reproduce._common import ratio_verdict, three_way


def test_three_way_and_ratio():
    assert three_way(True, True) == HOLDS
    assert three_way(False, True) == DIRECTION
    assert three_way(False, False) == FAILS
    assert ratio_verdict(4.0, 6.5, 6.0) == HOLDS
    assert ratio_verdict(1.2, 1.5, 6.0) == DIRECTION
    assert ratio_verdict(0.8, 1.5, 6.0) == FAILS
    assert ratio_verdict(float("nan"), 6.0, 6.0) == FAILS


def test_relu_faster_verdict_planted():
    assert relu_faster.decide([5.5, 6.0, 6.5, 6.2]) == HOLDS
    assert relu_faster.decide([1.4, 1.5, 1.6, 1.5]) == DIRECTION
    assert relu_faster.decide([0.7, 1.5, 0.9, 1.2]) == FAILS
    assert relu_faster.decide([20.0, 21.0, 22.0]) == DIRECTION  # faster, but not ~6x


def test_collapse_verdict_planted():
    same = [0.85, 0.86, 0.85]
    assert linear_collapse.decide(1e-7, 1e-15, same, same, [0.97, 0.96, 0.97]) == (
        HOLDS,
        linear_collapse.decide(1e-7, 1e-15, same, same, [0.97, 0.96, 0.97])[1],
    )
    assert linear_collapse.decide(1e-7, 1e-15, same, same, same)[0] == DIRECTION
    assert linear_collapse.decide(1e-2, 1e-2, same, same, [0.97, 0.96, 0.97])[0] == FAILS


def test_saturation_verdict_planted():
    start = [0.5, 0.5, 0.5]
    assert saturation.decide(start, [0.05, 0.06, 0.04], [0.6, 0.62, 0.61]) == HOLDS
    assert saturation.decide(start, [0.30, 0.32, 0.31], [0.55, 0.56, 0.57]) == DIRECTION
    assert saturation.decide(start, [0.50, 0.51, 0.49], [0.50, 0.50, 0.51]) == FAILS


def test_he_init_verdict_and_factor_planted():
    var = np.array([[1.0 * 0.5**k for k in range(30)]] * 3)
    assert np.allclose(he_init.per_layer_factor(var), 0.5)
    he, fan, good, bad = [1.0, 0.98, 1.02], [0.5, 0.49, 0.51], [0.9, 0.92, 0.91], [0.1, 0.1, 0.1]
    assert he_init.decide(he, fan, good, bad) == HOLDS
    assert he_init.decide([0.8, 0.82, 0.81], fan, good, bad) == DIRECTION
    assert he_init.decide(fan, he, bad, good) == FAILS


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("reproduce")
    return out, run_reproductions(["linear-collapse", "he-init-depth"], out, quick=True)


def test_quick_end_to_end(quick_run):
    out, results = quick_run
    assert [r.name for r in results] == ["linear-collapse", "he-init-depth"]
    for r in results:
        assert r.verdict in (HOLDS, DIRECTION, FAILS)
        assert r.measured and r.claim and r.source and r.published and r.setup
        assert "[" in r.measured  # an interval across seeds
    assert results[0].verdict == HOLDS  # the exact collapse cannot fail
    assert (out / "reproduce.json").exists()
    table = format_table(results)
    assert table.splitlines()[0].split(" | ")[0].strip() == "claim"
    assert "linear-collapse" in table and "verdict" in table


def test_page_is_self_contained(quick_run):
    out, results = quick_run
    html = (out / "reproduce.html").read_text()
    assert "http://" not in html and "https://" not in html
    assert html.count('src="data:image/png;base64,') >= len(results)
    assert not re.search(r'<img[^>]+src="(?!data:)', html)
    for r in results:
        assert f'id="{r.name}"' in html


def test_unknown_name(tmp_path, capsys):
    with pytest.raises(UnknownNameError, match="saturation"):
        run_reproduction("saturaton", tmp_path)
    assert main(["reproduce", "saturaton", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "did you mean 'saturation'" in err


def test_cli_prints_table(tmp_path, capsys):
    assert main(["reproduce", "saturation", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "claim" in out and "| verdict" in out and "saturation" in out
    assert (tmp_path / "reproduce.html").exists()


def test_registry_order():
    names = available()
    assert names[:4] == ["linear-collapse", "saturation", "relu-converges-faster", "he-init-depth"]


def test_selu_verdict_planted():
    from actlab.reproduce import selu

    assert selu.decide([0.05, 0.06, 0.05], [0.9, 0.95, 0.92]) == HOLDS
    assert selu.decide([0.3, 0.35, 0.32], [0.9, 0.95, 0.92]) == DIRECTION
    assert selu.decide([0.9, 0.95, 0.92], [0.3, 0.35, 0.32]) == FAILS
    mean = np.zeros((2, 32))
    var = np.ones((2, 32))
    var[1, 5] = 1.5
    assert np.allclose(selu.deviation(mean, var), [0.0, 0.5])


def test_zigzag_init_cost_verdicts_planted():
    from actlab.reproduce import exp_cost, init_matters, zigzag

    assert zigzag.decide(1.0, 1.0, 0.1, [0.9, 0.8], [0.5, 0.6]) == HOLDS
    assert zigzag.decide(1.0, 1.0, 0.7, [0.9, 0.8], [0.5, 0.6]) == DIRECTION
    assert zigzag.decide(0.2, 0.3, 0.7, [0.4, 0.4], [0.5, 0.6]) == FAILS
    acts = ("sigmoid", "tanh", "relu", "swish", "identity")
    good = dict(zip(acts, ([0.90], [0.95], [0.97], [0.97], [0.90])))
    bad = dict(zip(acts, ([0.9], [0.5], [0.6], [0.6], [0.3])))
    assert init_matters.decide(good, bad) == HOLDS
    assert init_matters.decide(good, dict(bad, sigmoid=[0.1])) == DIRECTION
    assert init_matters.decide(dict(good, relu=[0.5]), dict(bad, sigmoid=[0.1])) == FAILS
    r = {"sigmoid": 3.0, "tanh": 3.0}
    small = [{"sigmoid": 0.05, "tanh": 0.05, "relu": 0.02, "elu": 0.05}]
    big = [{"sigmoid": 0.5, "tanh": 0.5, "relu": 0.2, "elu": 0.5}]
    assert exp_cost.decide(r, small) == HOLDS
    assert exp_cost.decide(r, big) == DIRECTION
    assert exp_cost.decide({"sigmoid": 1.0, "tanh": 1.1}, big) == FAILS


def test_elu_verdict_planted():
    from actlab.reproduce import elu

    pos = {"relu": [0.2, 0.21, 0.19], "leaky_relu": [0.2, 0.22, 0.18]}
    noisy = {"relu": [0.3, -0.1, 0.2], "leaky_relu": [0.3, -0.1, 0.2]}
    neg = {"relu": [-0.2, -0.21, -0.19], "leaky_relu": [-0.2, -0.2, -0.2]}
    assert elu.decide(pos, pos) == HOLDS
    assert elu.decide(pos, noisy) == DIRECTION
    assert elu.decide(pos, neg) == FAILS


def test_mnist1d_verdict_planted():
    from actlab.reproduce import mnist1d

    assert mnist1d.kendall_tau(mnist1d.RANKING, mnist1d.RANKING) == 1.0
    assert mnist1d.kendall_tau(mnist1d.RANKING[::-1], mnist1d.RANKING) == -1.0
    near = {"logistic": [0.31, 0.33], "mlp": [0.66, 0.67], "cnn": [0.93, 0.92]}
    low = {"logistic": [0.20, 0.21], "mlp": [0.40, 0.41], "cnn": [0.60, 0.62]}
    swapped = ("relu", "swish", "tanh", "elu", "softplus", "sigmoid")
    assert mnist1d.decide(near, mnist1d.RANKING) == HOLDS
    assert mnist1d.decide(low, swapped) == DIRECTION
    assert mnist1d.decide(near, mnist1d.RANKING[::-1]) == FAILS


def test_maxout_verdict_and_parameters():
    from actlab.network import Network
    from actlab.reproduce import maxout

    assert maxout.mlp_parameters(40, 37, 10, 3) == Network(40, [37] * 3, 10).n_parameters()
    w = maxout.equal_param_width(34_000, 64, 10, 2)
    assert abs(maxout.mlp_parameters(64, w, 10, 2) - 34_000) < 300
    assert maxout.decide(2.0, [0.01, 0.02, 0.015]) == HOLDS
    assert maxout.decide(1.6, [0.01, 0.02, 0.015]) == DIRECTION
    assert maxout.decide(2.0, [-0.05, -0.04, -0.06]) == FAILS


def test_cli_needs_names_or_all(capsys):
    assert main(["reproduce"]) == 2
    assert "--all" in capsys.readouterr().err
    assert len(available()) == 11


def test_weakest_verdict():
    from actlab.reproduce._common import weakest

    assert weakest([HOLDS, DIRECTION]) == DIRECTION
    assert weakest([HOLDS, HOLDS]) == HOLDS
    assert weakest([DIRECTION, FAILS, HOLDS]) == FAILS
    assert weakest([]) == FAILS
