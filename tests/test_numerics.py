"""numerics: the stable formulas shared by activations and losses."""

from __future__ import annotations

import math

import numpy as np
import pytest

from actlab import losses
from actlab.activations import get_activation
from actlab.numerics import log_softmax, sigmoid, softmax, softplus


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_no_warnings_and_exact_limits_at_the_float_range(dtype):
    m = float(np.finfo(dtype).max)
    z = np.array([-m, -1e30, -50.0, 0.0, 50.0, 1e30, m], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = sigmoid(z)
        sp = softplus(z)
        ls = log_softmax(z.reshape(1, -1))
        sm = softmax(z.reshape(1, -1))
    for out in (s, sp, ls, sm):
        assert out.dtype == dtype
    assert s[0] == 0 and s[-1] == 1 and s[3] == 0.5
    assert sp[0] == 0 and sp[-1] == dtype(m)
    assert np.isfinite(ls[0, 2:]).all() and sm[0, -1] == 1


def test_tails_are_accurate_to_a_few_ulp():
    z = np.array([-700.0, -30.0, -1.0, 1.0, 30.0])
    want = np.array([1 / (1 + math.exp(-v)) for v in z])
    np.testing.assert_allclose(sigmoid(z), want, rtol=4e-16)
    np.testing.assert_allclose(
        softplus(np.array([-30.0, 30.0])),
        [math.log1p(math.exp(-30.0)), 30.0 + math.log1p(math.exp(-30.0))],
        rtol=4e-16,
    )
    logits = np.array([[1.0, 2.0, 3.0]])
    np.testing.assert_allclose(np.exp(log_softmax(logits)), softmax(logits), rtol=1e-15)
    np.testing.assert_allclose(softmax(logits).sum(), 1.0, rtol=1e-15)


def test_activations_and_losses_share_one_sigmoid():
    z = np.linspace(-40, 40, 81)
    assert losses.sigmoid is sigmoid and losses.softplus is softplus
    np.testing.assert_array_equal(get_activation("sigmoid")(z), sigmoid(z))
    np.testing.assert_array_equal(get_activation("softplus")(z), softplus(z))
    np.testing.assert_array_equal(get_activation("softplus").derivative(z), sigmoid(z))
