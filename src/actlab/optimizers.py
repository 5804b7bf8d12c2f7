"""Optimizers: full-batch gradient descent, SGD with momentum / Nesterov, Adam; L2 and
decoupled weight decay on the weights (``WeightPenalty``).

Each one updates a list of parameter arrays in place from their gradients. Every array has a
leading replica axis R; ``active`` (a boolean array of shape (R,)) freezes replicas that are done
or diverged: their parameters and optimizer state do not move. Hyperparameters may be per
replica, given as arrays of shape (R,).
"""

from __future__ import annotations

import numpy as np

from .errors import ParameterError, UnknownNameError, check_choice


def _positive(name, value, allow_zero=False):
    arr = np.asarray(value, dtype=float)
    ok = np.all(np.isfinite(arr)) and (np.all(arr >= 0) if allow_zero else np.all(arr > 0))
    if not ok:
        allowed = "a finite number >= 0" if allow_zero else "a finite number > 0"
        raise ParameterError(name, value, allowed)
    return value


def _fraction(name, value):
    arr = np.asarray(value, dtype=float)
    if not (np.all(np.isfinite(arr)) and np.all(arr >= 0) and np.all(arr < 1)):
        raise ParameterError(name, value, "a number in [0, 1)")
    return value


def _per_replica(value, like: np.ndarray):
    """A scalar, or an (R,) array reshaped to broadcast against ``like`` (R, ...)."""
    if isinstance(value, float) or np.ndim(value) == 0:  # the common case without np.ndim
        return float(value)
    return np.asarray(value, dtype=like.dtype).reshape((-1,) + (1,) * (like.ndim - 1))


class Optimizer:
    name = "optimizer"
    full_batch = False
    takes_momentum = False  # SGD and Nesterov: True; gd and adam take no momentum

    def __init__(self, lr):
        self.lr = _positive("lr", lr)
        self.t = 0
        self._buffers: dict[int, np.ndarray] = {}

    def step(self, params, grads, active=None):
        """Update ``params`` in place; ``active`` None means every replica moves."""
        self.t += 1
        if active is None or np.all(active):
            for i, (p, g) in enumerate(zip(params, grads)):
                self._update(i, p, g, None)
        else:
            idx = np.flatnonzero(active)
            for i, (p, g) in enumerate(zip(params, grads)):
                self._update(i, p, g, idx)

    def stepper(self, params, grads, compiled=False):
        """``step(params, grads, active)`` as a function of ``active`` alone, for a loop that
        updates the same arrays every step (the Trainer's); a subclass may do its lookups once
        (and, with ``compiled``, use a compiled update that gives the same numbers)."""

        def step(active=None):
            self.step(params, grads, active)

        return step

    def _update(self, i, p, g, idx):
        raise NotImplementedError

    def _scratch(self, i, p) -> np.ndarray:
        """A buffer shaped like parameter array ``i``, reused every step: lr * g written into
        it costs one pass, where a fresh temporary of a large array costs page faults too."""
        buf = self._buffers.get(i)
        if buf is None or buf.shape != p.shape or buf.dtype != p.dtype:
            buf = self._buffers[i] = np.empty_like(p)
        return buf


class SGD(Optimizer):
    """Minibatch SGD with momentum mu (Polyak) or Nesterov momentum.

    v <- mu v - lr g;  w <- w + v  (Nesterov: w <- w + mu v - lr g), as in torch.optim.SGD up to
    the placement of lr. mu = 0 is plain SGD.
    """

    name = "sgd"
    takes_momentum = True

    def __init__(self, lr=0.1, momentum=0.9, nesterov=False):
        super().__init__(lr)
        self.momentum = _fraction("momentum", momentum)
        if nesterov and np.all(np.asarray(momentum) == 0):
            raise ParameterError("nesterov", nesterov, "False when momentum is 0")
        self.nesterov = bool(nesterov)
        self._velocity: dict[int, np.ndarray] = {}

    def stepper(self, params, grads, compiled=False):
        """As Optimizer.stepper; one array with a scalar lr and momentum (the fused (R, P)
        parameters of a Trainer) gets the momentum update with its buffers looked up once:
        the numpy calls of ``_update``, so the same numbers; with ``compiled``, those calls as
        one compiled pass (actlab.compiled.compiled_sgd, also the same numbers). Anything else
        (several arrays, frozen replicas, per-replica or non-float hyperparameters, no momentum,
        Nesterov): ``step``. ``lr`` is read at every step (a schedule changes it)."""
        generic = super().stepper(params, grads)
        if len(params) != 1 or self.nesterov:
            return generic
        p, g = params[0], grads[0]
        if 0 not in self._velocity:
            self._velocity[0] = np.zeros_like(p)  # as _update creates it on its first call
        v, lr_g = self._velocity[0], self._scratch(0, p)
        multiply, subtract, add = np.multiply, np.subtract, np.add
        one_pass = None
        if compiled and p.flags.c_contiguous and g.flags.c_contiguous:
            from .compiled import compiled_sgd

            one_pass = compiled_sgd(p, g, v)

        def step(active=None):
            lr, mu = self.lr, self.momentum
            if active is not None or type(lr) is not float or type(mu) is not float or mu == 0:
                return generic(active)
            self.t += 1
            if one_pass is not None:
                return one_pass(lr, mu)
            multiply(g, lr, out=lr_g)  # v <- mu v - lr g; w <- w + v, as _update writes it
            multiply(v, mu, out=v)
            subtract(v, lr_g, out=v)
            add(p, v, out=p)

        return step

    def _update(self, i, p, g, idx):
        lr = _per_replica(self.lr, p)
        mu = _per_replica(self.momentum, p)
        if (mu == 0) if isinstance(mu, float) else not mu.any():  # plain SGD
            if idx is None:
                p -= np.multiply(g, lr, out=self._scratch(i, p))
            else:
                p[idx] -= _take(lr, idx) * g[idx]
            return
        v = self._velocity.get(i)
        if v is None:
            v = self._velocity[i] = np.zeros_like(p)
        if idx is None:
            lr_g = np.multiply(g, lr, out=self._scratch(i, p))  # lr g, in a buffer kept per array
            v *= mu
            v -= lr_g
            p += mu * v - lr_g if self.nesterov else v
        else:
            lr_i, mu_i = _take(lr, idx), _take(mu, idx)
            v[idx] = mu_i * v[idx] - lr_i * g[idx]
            p[idx] += mu_i * v[idx] - lr_i * g[idx] if self.nesterov else v[idx]


class GD(SGD):
    """Full-batch gradient descent, the seed's prototype: w <- w - lr dL/dw on the whole data."""

    name = "gd"
    full_batch = True
    takes_momentum = False

    def __init__(self, lr=0.1):
        super().__init__(lr, momentum=0.0)


class Adam(Optimizer):
    """Adam (Kingma & Ba 2014, arXiv 1412.6980), defaults beta1 0.9, beta2 0.999, eps 1e-8.

    m <- b1 m + (1-b1) g;  v <- b2 v + (1-b2) g^2;  w <- w - lr mhat / (sqrt(vhat) + eps).
    Bias corrections count each replica's own steps, so a frozen replica resumes consistently.
    ``eps_hat=True`` adds eps to sqrt(v) before the bias correction instead
    (w <- w - lr sqrt(1-b2^t)/(1-b1^t) m / (sqrt(v) + eps), the paper's "epsilon hat" form of
    Algorithm 1, which scikit-learn and Keras use); the two differ only while sqrt(v) ~ eps.
    """

    name = "adam"

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, eps_hat=False):
        super().__init__(lr)
        self.beta1 = _fraction("beta1", beta1)
        self.beta2 = _fraction("beta2", beta2)
        self.eps = _positive("eps", eps)
        self.eps_hat = bool(eps_hat)
        self._m: dict[int, np.ndarray] = {}
        self._v: dict[int, np.ndarray] = {}
        self._steps = None

    def step(self, params, grads, active=None):
        n = params[0].shape[0]
        if self._steps is None:
            self._steps = np.zeros(n, dtype=np.int64)
        self._steps += 1 if active is None else np.asarray(active, dtype=np.int64)
        super().step(params, grads, active)

    def _update(self, i, p, g, idx):
        m = self._m.setdefault(i, np.zeros_like(p))
        v = self._v.setdefault(i, np.zeros_like(p))
        b1, b2 = self.beta1, self.beta2
        steps = self._steps.astype(np.float64)
        lr_t = np.asarray(self.lr, dtype=np.float64) * np.sqrt(1 - b2**steps) / (1 - b1**steps)
        lr_t = lr_t.astype(p.dtype).reshape((-1,) + (1,) * (p.ndim - 1))
        eps = (
            self.eps
            if self.eps_hat
            else (self.eps * np.sqrt(1 - b2**steps).astype(p.dtype).reshape(lr_t.shape))
        )
        if idx is None:
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            p -= lr_t * m / (np.sqrt(v) + eps)
        else:
            m[idx] = b1 * m[idx] + (1 - b1) * g[idx]
            v[idx] = b2 * v[idx] + (1 - b2) * g[idx] * g[idx]
            p[idx] -= lr_t[idx] * m[idx] / (np.sqrt(v[idx]) + _take(eps, idx))


def _take(value, idx):
    return value if np.ndim(value) == 0 else value[idx]


class WeightPenalty:
    """L2 regularization and decoupled weight decay on the weight arrays of a network.

    Only the weights (``W`` of dense and convolution layers) are penalized, never biases nor
    activation parameters, as in scikit-learn's MLP. Both strengths may be per replica, arrays of
    shape (R,).

    L2 (``l2`` = scikit-learn's ``alpha``, scaled by the minibatch size B as scikit-learn does)::

        loss += l2 / (2 B) * sum ||W||^2      grad_W += l2 / B * W

    Decoupled weight decay (Loshchilov & Hutter 2019, arXiv 1711.05101; torch.optim.AdamW's
    form), applied to the weights before each optimizer step with the current learning rate::

        W <- W - lr * weight_decay * W

    It does not enter the loss or the gradient, so Adam's scaling does not weaken it.
    """

    def __init__(self, weights, grads, l2=0.0, weight_decay=0.0):
        self.weights = list(weights)  # (R, ...) arrays, updated in place (views of the network)
        self.grads = list(grads)  # their gradients, in the same order
        self.l2 = _positive("l2", l2, allow_zero=True)
        self.weight_decay = _positive("weight_decay", weight_decay, allow_zero=True)
        self.has_l2 = bool(np.any(np.asarray(l2) > 0))
        self.has_decay = bool(np.any(np.asarray(weight_decay) > 0))

    def add_l2(self, batch: int) -> np.ndarray:
        """grad_W += l2/B W for every weight array; returns l2/(2B) sum ||W||^2 per replica (R,).
        B: the minibatch size, or per replica (R,) the sum of the sample weights."""
        total = 0.0
        for W, g in zip(self.weights, self.grads):
            flat = W.reshape(W.shape[0], -1)
            total = total + np.einsum("ri,ri->r", flat, flat)
            g += (_per_replica(self.l2, W) / _per_replica(batch, W)) * W
        return (0.5 / batch) * np.asarray(self.l2, dtype=np.float64) * total

    def decay(self, lr, active=None) -> None:
        """W <- W (1 - lr weight_decay) for the active replicas (``lr`` scalar or (R,))."""
        rate = np.asarray(lr, dtype=np.float64) * np.asarray(self.weight_decay, dtype=np.float64)
        idx = None if active is None else np.flatnonzero(active)
        for W in self.weights:
            keep = (1.0 - rate).astype(W.dtype)
            keep = keep.reshape((-1,) + (1,) * (W.ndim - 1)) if keep.ndim else keep[()]
            if idx is None:
                W *= keep
            else:
                W[idx] *= _take(keep, idx)


_OPTIMIZERS = {"gd": GD, "sgd": SGD, "nesterov": SGD, "adam": Adam}


def available_optimizers() -> list[str]:
    return sorted(_OPTIMIZERS)


def takes_momentum(name: str) -> bool:
    """Whether the optimizer called ``name`` has a momentum (sgd, nesterov: yes; gd, adam: no)."""
    return _OPTIMIZERS[check_choice("optimizer", name, _OPTIMIZERS)].takes_momentum


def get_optimizer(name: str, lr=None, **options) -> Optimizer:
    """An optimizer by name: gd (full batch), sgd (momentum 0.9 by default), nesterov, adam."""
    if isinstance(name, Optimizer):
        return name
    if name not in _OPTIMIZERS:
        raise UnknownNameError("optimizer", name, _OPTIMIZERS)
    if lr is not None:
        options["lr"] = lr
    if name == "nesterov":
        options.setdefault("nesterov", True)
    cls = _OPTIMIZERS[name]
    if not cls.takes_momentum:  # a momentum given for every optimizer alike is ignored here
        options.pop("momentum", None)
        options.pop("nesterov", None)
    return cls(**options)


__all__ = [
    "GD",
    "SGD",
    "Adam",
    "Optimizer",
    "WeightPenalty",
    "available_optimizers",
    "get_optimizer",
    "takes_momentum",
]
