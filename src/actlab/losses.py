"""Output functions fused with their loss, so the gradient at the logits is the stable one.

Shapes: logits (R, batch, K). Each loss returns the per-replica mean over the batch, shape (R,),
and the gradient with respect to the logits, already divided by the batch size.
"""

from __future__ import annotations

import numpy as np

from .errors import UnknownNameError

# the stable formulas live in numerics (shared with the activations); imported here for the heads
# and for callers that take them from losses (estimators)
from .numerics import log_softmax, row_max, shift_by_max, sigmoid, softmax, softplus

_ROW_STARTS: dict[tuple[int, int, int], np.ndarray] = {}  # (R, B, K) -> flat index of each row


def _fresh(role, shape, dtype):
    """OutputBuffers.get's signature, always a fresh array (a head called without buffers)."""
    return np.empty(shape, dtype)


def _flat_targets(y, K):
    """Flat indices of the target entries y (R, B) in a C-contiguous (R, B, K) array."""
    R, B = y.shape
    starts = _ROW_STARTS.get((R, B, K))
    if starts is None:
        if len(_ROW_STARTS) > 64:
            _ROW_STARTS.clear()
        starts = _ROW_STARTS[R, B, K] = np.arange(0, R * B * K, K, dtype=np.intp).reshape(R, B)
    return starts + y


class SoftmaxCrossEntropy:
    """Softmax output + cross-entropy, for multi-class classification.

    L = -mean_batch log softmax(z)[y];  dL/dz = (softmax(z) - onehot(y)) / batch.
    Targets: integer class indices, shape (R, batch).
    """

    name = "softmax_cross_entropy"
    output = "softmax"
    task = "classification"

    def loss(self, logits, y):
        logp = log_softmax(logits)
        picked = np.take_along_axis(logp, y[..., None], axis=-1)[..., 0]
        return -picked.mean(axis=1)

    def loss_and_grad(self, logits, y, out=None):
        # One pass of exp, and the target entries read and written through flat indices (np.take
        # and np.put) instead of take/put_along_axis, which build index grids on every call.
        # ``out``: an OutputBuffers (actlab.buffers) for the arrays of the step, or fresh ones.
        _, B, K = logits.shape
        shape, dtype = logits.shape, logits.dtype
        get = _fresh if out is None else out.get
        maxima = row_max(logits, get("rows", (K, logits.size // K), dtype))
        shifted = shift_by_max(logits, -1, get("shifted", shape, dtype), maxima)
        grad = np.exp(shifted, out=get("grad", shape, dtype))
        total = np.add.reduce(
            grad, axis=-1, keepdims=True, out=get("total", (*shape[:-1], 1), dtype)
        )
        flat = _flat_targets(y, K)
        loss = np.add.reduce(np.log(total[..., 0]) - shifted.take(flat), axis=1) / B
        grad /= total  # softmax
        grad.put(flat, grad.take(flat) - 1)  # - onehot(y)
        grad /= B
        return loss, grad

    def predict(self, logits):
        return softmax(logits)

    def n_correct(self, logits, y):
        return (logits.argmax(axis=-1) == y).sum(axis=1)  # methods: half the cost of np.sum(...)


class SigmoidBinaryCrossEntropy:
    """Sigmoid output + binary cross-entropy, for binary and multi-label classification.

    L = mean_batch sum_k [softplus(z) - y z];  dL/dz = (sigmoid(z) - y) / batch.
    Targets: 0/1 floats, shape (R, batch, K) (K = 1 for a binary problem).
    """

    name = "sigmoid_binary_cross_entropy"
    output = "sigmoid"
    task = "classification"

    def loss(self, logits, y):
        return np.sum(softplus(logits) - y * logits, axis=-1).mean(axis=1)

    def loss_and_grad(self, logits, y, out=None):
        grad = sigmoid(logits) - y
        grad /= logits.shape[1]
        return self.loss(logits, y), grad

    def predict(self, logits):
        return sigmoid(logits)

    def n_correct(self, logits, y):
        """Samples whose every label is right (exact match), per replica."""
        return np.sum(np.all((logits > 0) == (y > 0.5), axis=-1), axis=1)


class IdentityMSE:
    """Identity output + squared error, for regression.

    L = mean_batch sum_t (z - y)^2 / (2 T) (scikit-learn's squared_error / 2);
    dL/dz = (z - y) / (batch T).
    Targets: floats, shape (R, batch, T).
    """

    name = "identity_mse"
    output = "identity"
    task = "regression"

    def loss(self, logits, y):
        diff = logits - y
        return 0.5 * np.mean(diff * diff, axis=(1, 2))

    def loss_and_grad(self, logits, y, out=None):
        diff = logits - y
        loss = 0.5 * np.mean(diff * diff, axis=(1, 2))
        diff /= logits.shape[1] * logits.shape[2]
        return loss, diff

    def predict(self, logits):
        return logits

    def n_correct(self, logits, y):
        return None


class ExpPoisson:
    """Exponential output + half Poisson deviance, for counts and rates (y >= 0).

    L = sum_t mean_batch [y log(y / exp(z)) - y + exp(z)] (scikit-learn's poisson_loss, with
    y log y = 0 at y = 0);  dL/dz = (exp(z) - y) / batch (the canonical link: no exp' factor).
    Targets: floats >= 0, shape (R, batch, T).
    """

    name = "exp_poisson"
    output = "exp"
    task = "regression"

    def loss(self, logits, y):
        with np.errstate(over="ignore"):
            mu = np.exp(logits)
        ylogy = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0)), 0.0)
        return np.sum(np.mean(ylogy - y * logits - y + mu, axis=1), axis=-1)

    def loss_and_grad(self, logits, y, out=None):
        with np.errstate(over="ignore"):
            grad = np.exp(logits) - y
        grad /= logits.shape[1]
        return self.loss(logits, y), grad

    def predict(self, logits):
        with np.errstate(over="ignore"):
            return np.exp(logits)

    def n_correct(self, logits, y):
        return None


_LOSSES = {
    "softmax": SoftmaxCrossEntropy,
    "sigmoid": SigmoidBinaryCrossEntropy,
    "identity": IdentityMSE,
    "exp": ExpPoisson,
}


def get_head(name: str):
    """The fused output+loss by the output function's name: softmax, sigmoid, identity, exp."""
    if isinstance(name, (SoftmaxCrossEntropy, SigmoidBinaryCrossEntropy, IdentityMSE, ExpPoisson)):
        return name
    if name not in _LOSSES:
        raise UnknownNameError("output", name, _LOSSES)
    return _LOSSES[name]()
