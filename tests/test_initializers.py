import math

import numpy as np
import pytest

from actlab.activations import get_activation
from actlab.initializers import available_initializers, init_weights, parse_init, resolve_init


def draw(spec, fan_in=400, fan_out=300, act=None, seeds=(0,)):
    rngs = [np.random.default_rng(s) for s in seeds]
    return init_weights(spec, rngs, fan_in, fan_out, act, np.float64)


@pytest.mark.parametrize(
    "spec, kind, scale",
    [
        ("prototype", "uniform", 1.0),
        ("standard", "uniform", 1 / math.sqrt(400)),
        ("xavier_uniform", "uniform", math.sqrt(6 / 700)),
        ("he_uniform", "uniform", math.sqrt(6 / 400)),
        ("uniform:0.3", "uniform", 0.3),
        ("xavier_normal", "normal", math.sqrt(2 / 700)),
        ("he_normal", "normal", math.sqrt(2 / 400)),
        ("lecun_normal", "normal", math.sqrt(1 / 400)),
        ("small", "normal", 0.01),
        ("normal:0.05", "normal", 0.05),
    ],
)
def test_initializer_ranges_and_spreads(spec, kind, scale):
    w = draw(spec)
    assert w.shape == (1, 400, 300)
    if kind == "uniform":
        assert np.abs(w).max() <= scale
        assert np.abs(w).max() > 0.99 * scale
        assert w.std() == pytest.approx(scale / math.sqrt(3), rel=0.01)
    else:
        assert w.std() == pytest.approx(scale, rel=0.01)
    assert abs(w.mean()) < 0.01 * scale


def test_xavier_uses_activation_gain():
    tanh = get_activation("tanh")
    w = draw("xavier_uniform", act=tanh)
    assert np.abs(w).max() == pytest.approx(5 / 3 * math.sqrt(6 / 700), rel=1e-3)


@pytest.mark.parametrize(
    "act, expected",
    [
        ("relu", "he_normal"),
        ("leaky_relu", "he_normal"),
        ("prelu", "he_normal"),
        ("elu", "he_normal"),
        ("selu", "lecun_normal"),
        ("tanh", "xavier_uniform"),
        ("sigmoid", "xavier_uniform"),
    ],
)
def test_auto_init_by_family(act, expected):
    assert resolve_init("auto", get_activation(act)) == expected


def test_replicas_draw_from_their_own_seed():
    stacked = draw("he_normal", seeds=(3, 4))
    np.testing.assert_array_equal(stacked[1], draw("he_normal", seeds=(4,))[0])
    assert not np.array_equal(stacked[0], stacked[1])


@pytest.mark.parametrize(
    "bad, message",
    [
        (
            "xavir_uniform",
            r"init: got 'xavir_uniform'; allowed: one of .*did you mean 'xavier_uniform'",
        ),
        ("normal:-1", r"init: got 'normal:-1'; allowed: normal:X with X a positive number"),
        ("uniform:abc", r"init: got 'uniform:abc'; allowed: uniform:X with X a positive number"),
        ("he_normal:2", r"init: got 'he_normal:2'"),
    ],
)
def test_bad_init_names(bad, message):
    with pytest.raises(ValueError, match=message):
        parse_init(bad)


def test_list_names():
    names = available_initializers()
    for n in [
        "prototype",
        "standard",
        "xavier_uniform",
        "xavier_normal",
        "he_uniform",
        "he_normal",
        "lecun_normal",
        "small",
        "normal:STD",
        "uniform:A",
        "auto",
    ]:
        assert n in names
