"""The claims package: one verdict vocabulary driven by intervals across seeds, every claim's
decide rule tested on planted measurements for each outcome, explain and reproduce giving the
same verdict (the same code), and a real quick run of every claim with its figure and page."""

from __future__ import annotations

import re

import numpy as np
import pytest

from actlab.claims import available, get, run_claims
from actlab.claims import verdict as V
from actlab.cli import main

H, D, I, F = V.HOLDS, V.DIRECTION, V.INCONCLUSIVE, V.FAILS  # noqa: E741 (the verdicts' initials)

UP = [0.10, 0.11, 0.09, 0.10, 0.12]  # an effect clearly above 0
SMALL = [0.010, 0.011, 0.009, 0.010, 0.012]  # clearly above 0, clearly below a size
NOISE = [-0.10, 0.10, 0.05, -0.05, 0.01]  # straddles 0
DOWN = [-0.10, -0.11, -0.09, -0.10, -0.12]


# ----------------------------------------------------------------------------- the rules


def test_effect_rule_each_outcome():
    assert V.effect("x", UP).verdict == H
    assert V.effect("x", UP, size=0.05).verdict == H
    assert V.effect("x", SMALL, size=0.05).verdict == D
    assert V.effect("x", NOISE).verdict == I
    assert V.effect("x", DOWN).verdict == F
    # a +0.001 gap smaller than one seed's spread straddles 0: inconclusive, never "holds"
    assert V.effect("x", [0.001 + e for e in (0.01, -0.012, 0.008, -0.006, 0.002)]).verdict == I
    assert V.effect("x", []).verdict == I


def test_within_rule_each_outcome():
    assert V.within("x", [0.5, 0.51, 0.49], 0.4, 0.6).verdict == H
    assert V.within("x", [0.9, 0.91, 0.89], 0.4, 0.6).verdict == F
    assert V.within("x", [0.3, 0.7, 0.5], 0.4, 0.6).verdict == I


def test_weakest_and_sized():
    assert V.weakest([H, D, I]) == I and V.weakest([H, D]) == D and V.weakest([H, F, I]) == F
    h, d = V.effect("x", UP), V.effect("x", SMALL, size=0.05)
    assert V.sized(h, V.effect("x", UP, size=0.05)) == H
    assert V.sized(h, d) == D
    assert V.sized(V.effect("x", NOISE), d) == I


# ----------------------------------------------------------------------------- planted data


def _u(values, base=0.5):
    return [base + v for v in values]


def _plant(name, outcome):
    """Planted measurements of claim ``name`` that must decide ``outcome``."""
    e = {H: UP, D: SMALL, I: NOISE, F: DOWN}[outcome]
    z = [0.0] * 5
    if name == "prototype-steps":
        steps = [{"label": f"s{k}", "test_acc": _u(z, 0.5 + 0.1 * k)} for k in range(3)]
        steps.append({"label": "s3", "test_acc": [a + b for a, b in zip(steps[2]["test_acc"], e)]})
        return {"steps": steps}
    if name == "linear-collapse":
        same = {H: SMALL, I: [0.0, 0.03, -0.01, 0.04, 0.0], F: _u(UP, 0.0)}[outcome]
        return {
            "diff_float32": [1e-7] * 5,
            "diff_float64": [1e-15] * 5,
            "acc deep identity": _u(same, 0.85),
            "acc single layer": _u(z, 0.85),
            "acc deep relu": _u(z, 0.97),
        }
    if name == "saturation":
        gap = np.array(
            {H: _u(SMALL, 0.5), D: _u(SMALL, 0.1), I: NOISE, F: _u(SMALL, -0.2)}[outcome]
        )
        top_end = np.array([0.1, 0.12, 0.08, 0.11, 0.09])
        act = np.full((5, 3, 4), 0.5)
        act[:, :, :-1] = (top_end + gap)[:, None, None]
        act[:, -1, -1] = top_end
        ratio = {"sigmoid": [0.01] * 5, "tanh": [0.5] * 5}
        return {
            "flat_threshold": 5.99,
            "sigmoid": {"act_mean": act.tolist(), "first_over_output": ratio["sigmoid"]},
            "tanh": {"first_over_output": ratio["tanh"]},
        }
    if name == "zigzag":
        return {
            "sigmoid": {"efficiency": _u(z, 0.3), "loss_auc": _u(e, 1.0)},
            "centered_sigmoid": {"efficiency": _u(z, 0.6), "loss_auc": _u(z, 1.0)},
        }
    if name == "dead-relu":
        relu = {H: _u(UP, 0.2), I: _u(NOISE, 0.0), F: _u(z, 0.0)}[outcome]
        prelu = _u(SMALL, 0.1) if outcome == F else z  # F twice: ReLU not dead, or PReLU stays dead
        return {
            "relu": {"final": relu if outcome != F else _u(UP, 0.2)},
            "leaky_relu": {"final": z},
            "prelu": {"final": prelu},
        }
    if name == "init-matters":
        acts = ("sigmoid", "tanh", "relu", "swish", "identity")
        good = {a: {"test_acc": _u(z, 0.9)} for a in acts}
        good["relu"]["test_acc"] = good["swish"]["test_acc"] = _u(e, 0.9)
        bad = {a: {"test_acc": _u(z, 0.5)} for a in acts}
        bad["sigmoid"]["test_acc"] = _u(UP, 0.5)
        return {"good": good, "bad": bad}
    if name == "relu-converges-faster":
        r = {H: _u(z, 6.0), D: _u(z, 1.5), I: _u(NOISE, 1.0), F: _u(z, 0.7)}[outcome]
        return {"mlp": {"ratio": r}, "cnn": {"ratio": _u(z, 6.0)}}
    if name == "he-init-depth":
        return {
            "he": {"factor": _u(z, 1.0), "test_acc": _u(e, 0.2 + 0.5 * (outcome == H))},
            "1/fan_in": {"factor": _u(z, 0.5), "test_acc": _u(z, 0.2)},
        }
    if name == "selu-self-normalizes":
        selu = {H: 0.05, D: 0.5}.get(outcome, 0.05)
        other = {I: NOISE, F: DOWN}.get(outcome, UP)
        return {
            "selu": {"deviation": _u(z, selu)},
            "identity": {"deviation": _u(other, selu + (0.0 if outcome in (I, F) else 1.0))},
            "relu": {"deviation": _u(z, selu + 1.0)},
        }
    if name == "elu-mean-near-zero":
        return {
            "elu": {"abs_mean": _u(z, 0.2), "early_loss": _u(z, 1.0)},
            "relu": {"abs_mean": _u(z, 0.4), "early_loss": _u(e, 1.0)},
            "leaky_relu": {"abs_mean": _u(z, 0.4), "early_loss": _u(z, 1.1)},
        }
    if name == "maxout":
        diff = {H: z, I: _u(NOISE, -0.01), F: _u(z, -0.05)}[outcome]
        return {
            "maxout": {"params": 2000, "test_acc": _u(diff, 0.7)},
            "relu equal width": {"params": 1000, "test_acc": _u(z, 0.7)},
        }
    if name == "exp-cost":
        ratio = {H: _u(z, 3.0), I: [0.5, 2.0, 1.5, 0.7, 1.0], F: _u(z, 0.5)}[outcome]
        return {
            "ratio": {"sigmoid": ratio, "tanh": _u(z, 2.0)},
            "share": {"net": {a: _u(z, 0.05) for a in ("sigmoid", "tanh", "relu", "elu")}},
        }
    if name == "mnist1d-baselines":
        off = {H: 0.0, D: -0.15}.get(outcome, 0.0)
        acc = {"logistic": _u(z, 0.32), "mlp": _u(z, 0.68 + off), "cnn": _u(z, 0.94 + off)}
        if outcome == I:
            acc["cnn"] = _u([-0.3, 0.3, 0.1, -0.2, 0.1], 0.68)
        if outcome == F:
            acc["cnn"] = _u(z, 0.5)
        return {k: {"test_acc": v} for k, v in acc.items()}
    raise KeyError(name)


OUTCOMES = {  # the outcomes each claim's rule can give
    "prototype-steps": (H, I, F),
    "linear-collapse": (H, I, F),
    "saturation": (H, D, I, F),
    "zigzag": (H, I, F),
    "dead-relu": (H, I, F),
    "init-matters": (H, I, F),
    "relu-converges-faster": (H, D, I, F),
    "he-init-depth": (H, D, I, F),
    "selu-self-normalizes": (H, D, I, F),
    "elu-mean-near-zero": (H, I, F),
    "maxout": (H, I, F),
    "exp-cost": (H, I, F),
    "mnist1d-baselines": (H, D, I, F),
}


def test_every_claim_has_planted_outcomes():
    assert set(OUTCOMES) == set(available())


@pytest.mark.parametrize("name, outcome", [(n, o) for n, os in OUTCOMES.items() for o in os])
def test_decide_on_planted_measurements(name, outcome):
    d = get(name).decide(_plant(name, outcome))
    assert d.verdict == outcome, [p.text() for p in d.parts]
    assert d.verdict in V.VERDICTS and d.parts


def test_rules_are_one_documented_paragraph_each():
    from actlab.claims.base import rule_of

    for name in available():
        m = get(name)
        rule = rule_of(m)
        assert rule and len(rule) < 600, name
        assert m.SOURCE and m.PUBLISHED and m.CLAIM


def test_mnist1d_cites_the_headline_figures():
    m = get("mnist1d-baselines")
    assert m.PUBLISHED_ACC == {"logistic": 0.32, "mlp": 0.68, "cnn": 0.94}
    assert "README" in m.SOURCE and "2011.14439" in m.SOURCE


def test_linear_collapse_map():
    from actlab import Network
    from actlab.claims.linear_collapse import collapse

    X = np.random.default_rng(0).normal(size=(50, 5))
    net = Network(5, [7, 6], 3, activation="identity", seeds=[0, 1], dtype=np.float64)
    W, b, diff = collapse(net, X)
    assert W.shape == (2, 5, 3) and b.shape == (2, 1, 3) and diff < 1e-12
    with pytest.raises(ValueError, match="non-identity"):
        collapse(Network(5, [7], 3, activation="relu"), X)


# ----------------------------------------------------------------------------- explain = reproduce


def _verdict_line(text, name=None):
    if name is None:
        return re.search(r"^verdict: (.*)$", text, re.MULTILINE).group(1).strip()
    row = next(ln for ln in text.splitlines() if ln.startswith(name + " "))
    return row.split("|")[-1].strip()


@pytest.mark.parametrize("name", sorted(OUTCOMES))
def test_explain_and_reproduce_print_the_same_verdict(name, monkeypatch, capsys, tmp_path):
    mod = get(name)
    outcome = OUTCOMES[name][-2]  # not always "holds": the same verdict whatever it is
    monkeypatch.setattr(mod, "measure", lambda quick=False: _plant(name, outcome))
    monkeypatch.setattr(mod, "describe", lambda m: ("planted", "planted", []))
    monkeypatch.setattr(mod, "draw", lambda m, stem: [])
    assert main(["explain", name, "--out", str(tmp_path)]) == 0
    explained = _verdict_line(capsys.readouterr().out)
    assert main(["reproduce", name, "--workers", "1", "--out", str(tmp_path)]) == 0
    reproduced = _verdict_line(capsys.readouterr().out, name)
    assert explained == reproduced == outcome


def test_explain_without_topic_lists_them_and_unknown_exits_2(capsys):
    assert main(["explain"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in available())
    assert main(["explain", "nonsense"]) == 2
    assert "claim: got 'nonsense'" in capsys.readouterr().err


# ----------------------------------------------------------------------------- real runs


@pytest.fixture(scope="module")
def quick_all(tmp_path_factory):
    out = tmp_path_factory.mktemp("claims")
    return out, run_claims(available(), out, quick=True, workers=2)


def test_every_claim_runs_draws_and_lands_on_the_page(quick_all):
    out, results = quick_all
    assert [r.name for r in results] == available()
    page = (out / "reproduce.html").read_text()
    for r in results:
        assert r.verdict in V.VERDICTS and r.parts and r.measured
        assert r.figures and all(p.exists() and p.stat().st_size > 5000 for p in r.figures)
        assert f'id="{r.name}"' in page and r.rule[:40] in page.replace("&#x27;", "'")
    assert page.count("<img") == len(results)


@pytest.mark.parametrize("name", ["linear-collapse", "zigzag"])
def test_real_explain_matches_real_reproduce(name, quick_all, capsys, tmp_path):
    _, results = quick_all
    assert main(["explain", name, "--quick", "--out", str(tmp_path)]) == 0
    assert _verdict_line(capsys.readouterr().out) == {r.name: r for r in results}[name].verdict
