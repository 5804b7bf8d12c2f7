"""cost: structure and sanity only (timings on a shared machine are noise; no timed assertions)."""

import math

import pytest

from actlab.activations import get_activation
from actlab.cost import activation_cost, step_share
from actlab.errors import ParameterError, UnknownNameError

KEYS = {
    "activation",
    "size",
    "dtype",
    "fwd_ns_per_element",
    "fwd_bwd_ns_per_element",
    "fwd_ratio_to_relu",
    "fwd_bwd_ratio_to_relu",
    "fwd_ratio_to_copy",
    "fwd_bwd_ratio_to_copy",
}


def test_rows_per_activation_and_size_with_both_baselines():
    rows = activation_cost(["sigmoid", "prelu", "maxout"], sizes=(1_000, 2_000), repeats=1)
    assert len(rows) == 2 * 5  # copy, relu, sigmoid, prelu, maxout per size
    assert {r["activation"] for r in rows} == {"copy", "relu", "sigmoid", "prelu", "maxout"}
    for r in rows:
        assert set(r) == KEYS
        assert r["dtype"] == "float32"
        for k in KEYS - {"activation", "size", "dtype"}:
            assert math.isfinite(r[k]) and r[k] > 0, (r["activation"], k)
    for r in rows:
        if r["activation"] == "relu":
            assert r["fwd_ratio_to_relu"] == 1.0 and r["fwd_bwd_ratio_to_relu"] == 1.0
        if r["activation"] == "copy":
            assert r["fwd_ratio_to_copy"] == 1.0 and r["fwd_bwd_ratio_to_copy"] == 1.0


def test_maxout_counts_its_input_elements():
    rows = activation_cost(["maxout:3"], sizes=(1_000,), repeats=1, dtype="float64")
    row = next(r for r in rows if r["activation"] == "maxout:3")
    assert row["size"] % (3 * 100) == 0 and row["dtype"] == "float64"


def test_relu_listed_once_when_asked_for():
    rows = activation_cost(["relu", "relu"], sizes=(500,), repeats=1)
    assert [r["activation"] for r in rows] == ["copy", "relu"]


def test_bad_names_and_sizes_fail_before_timing():
    with pytest.raises(UnknownNameError, match="activation"):
        activation_cost(["sigmoidd"], sizes=(1_000,), repeats=1)
    for sizes in [(), (10,), (1_000, -5), "1000", (True,), (1e4,)]:
        with pytest.raises(ParameterError, match="sizes"):
            activation_cost(["relu"], sizes=sizes, repeats=1)
    with pytest.raises(ParameterError, match="repeats"):
        activation_cost(["relu"], sizes=(1_000,), repeats=0)
    with pytest.raises(ParameterError, match="dtype"):
        activation_cost(["relu"], sizes=(1_000,), repeats=1, dtype="int8")


@pytest.mark.parametrize("name", ["relu", "swish", "maxout"])
def test_step_share_is_a_fraction_and_restores_the_methods(name):
    out = step_share(name, hidden=(16, 16), n_features=8, n_classes=3, batch_size=8, steps=3)
    assert set(out) == {"activation", "step_seconds", "activation_seconds", "share"}
    assert out["activation"] == name
    assert out["step_seconds"] > 0 and out["activation_seconds"] > 0
    assert 0 < out["share"] < 1


def test_step_share_leaves_the_class_untouched():
    cls = type(get_activation("tanh"))
    before = (cls.forward, cls.backward)
    step_share("tanh", hidden=(4,), n_features=3, n_classes=2, batch_size=4, steps=1)
    assert (cls.forward, cls.backward) == before
    assert "forward" not in vars(get_activation("tanh"))


def test_step_share_errors():
    with pytest.raises(UnknownNameError):
        step_share("nope", steps=1)
    with pytest.raises(ParameterError, match="hidden"):
        step_share("relu", hidden=(), steps=1)
    with pytest.raises(ParameterError, match="steps"):
        step_share("relu", steps=0)
