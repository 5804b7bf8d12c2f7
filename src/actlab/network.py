"""A stack of Dense layers and activations with a fused output head; forward and backward by hand.

Every array carries a leading replica axis R: the network holds R independent copies (one per
seed) that see their own minibatches and train in lockstep. R = 1 is one ordinary network.
"""

from __future__ import annotations

import numpy as np

from .activations import get_activation
from .errors import ParameterError
from .initializers import init_weights, parse_init
from .layers import Dense
from .losses import get_head


def replica_rngs(seeds):
    """Per replica, two independent Generators (weights, minibatch order) from SeedSequence(seed)."""
    streams = [np.random.SeedSequence(int(s)).spawn(2) for s in seeds]
    return [np.random.default_rng(a) for a, _ in streams], [np.random.default_rng(b) for _, b in streams]


def check_sizes(hidden) -> list[int]:
    sizes = list(hidden)
    for h in sizes:
        if isinstance(h, bool) or not isinstance(h, (int, np.integer)) or h <= 0:
            raise ParameterError("hidden", hidden, "a list of positive integers, e.g. 100,100")
    return [int(h) for h in sizes]


class Network:
    """An MLP: [Dense -> activation] per hidden layer, then Dense -> output head.

    Parameters
    ----------
    n_inputs, hidden, n_outputs : layer widths (hidden may be empty: a single-layer model).
    activation : a name such as "relu" or "leaky_relu:0.1", an Activation instance (used as a
        template), or a list with one entry per hidden layer.
    output : "softmax", "sigmoid" or "identity" (the head fuses it with its loss).
    init : initializer name (see actlab.initializers), one for every layer.
    seeds : one integer per replica; replica r draws its weights from SeedSequence(seeds[r]).
    """

    def __init__(self, n_inputs, hidden, n_outputs, activation="relu", output="softmax",
                 init="auto", seeds=(0,), dtype=np.float32):
        hidden = check_sizes(hidden)
        parse_init(init)
        self.dtype = np.dtype(dtype)
        self.seeds = [int(s) for s in seeds]
        if not self.seeds:
            raise ParameterError("seeds", seeds, "at least one seed")
        self.n_replicas = len(self.seeds)
        self.init = init
        self.head = get_head(output)
        specs = activation if isinstance(activation, (list, tuple)) else [activation] * len(hidden)
        if len(specs) != len(hidden):
            raise ParameterError("activation", activation,
                                 f"one activation or a list of {len(hidden)} (one per hidden layer)")
        self.init_rngs, self.shuffle_rngs = replica_rngs(self.seeds)
        self.dense: list[Dense] = []
        self.activations = []
        fan_in = n_inputs
        for width, spec in zip(hidden, specs):
            act = get_activation(spec)
            fan_out = width * act.pieces
            self.dense.append(self._dense(init, fan_in, fan_out, act))
            act.build(self.n_replicas, (width,), self.dtype)
            self.activations.append(act)
            fan_in = width
        self.dense.append(self._dense(init, fan_in, n_outputs, None))
        self.sizes = [n_inputs, *hidden, n_outputs]
        self._fuse_parameters()

    def _dense(self, init, fan_in, fan_out, act):
        W = init_weights(init, self.init_rngs, fan_in, fan_out, act, self.dtype)
        b = np.zeros((self.n_replicas, 1, fan_out), dtype=self.dtype)
        return Dense(W, b)

    # --- forward and backward -------------------------------------------------------------
    def forward(self, x: np.ndarray, trace: list | None = None) -> np.ndarray:
        """Logits (R, batch, n_outputs) for x of shape (R, batch, n_inputs) or (batch, n_inputs).

        ``trace``: a list that receives (z, a), pre-activation and output, per hidden layer.
        """
        if x.ndim == 2:
            x = np.broadcast_to(x, (self.n_replicas, *x.shape))
        for dense, act in zip(self.dense, self.activations):
            z = dense.forward(x)
            x = act.forward(z)
            if trace is not None:
                trace.append((z, x))
        return self.dense[-1].forward(x)

    def backward(self, grad_logits: np.ndarray, trace: list | None = None) -> None:
        """Fill every parameter gradient from dL/dlogits (chain rule, last layer first).

        ``trace``: a list that receives dL/dz per hidden layer, first layer first.
        """
        g = self.dense[-1].backward(grad_logits)
        for i in range(len(self.activations) - 1, -1, -1):
            g = self.activations[i].backward(g)
            if trace is not None:
                trace.insert(0, g)
            g = self.dense[i].backward(g, need_input_grad=i > 0)

    def loss_and_grad(self, x, y):
        """Forward, loss (R,), backward; returns (loss, logits)."""
        logits = self.forward(x)
        loss, grad = self.head.loss_and_grad(logits, y)
        self.backward(grad)
        return loss, logits

    # --- parameters -------------------------------------------------------------------------
    def parameters(self):
        """(name, array, grad) for every learnable array, weights first, then activation params."""
        out = []
        for i, dense in enumerate(self.dense):
            out.append((f"dense{i}.W", dense.params["W"], dense.grads["W"]))
            out.append((f"dense{i}.b", dense.params["b"], dense.grads["b"]))
        for i, act in enumerate(self.activations):
            for key, value in act.params.items():
                out.append((f"act{i}.{key}", value, act.grads[key]))
        return out

    def _fuse_parameters(self) -> None:
        """Move every parameter into one (R, P) array and every gradient into another.

        The layers' and activations' arrays become views of these two (same shapes and values,
        still updated in place), so an optimizer can update all of them with a few numpy calls
        per step instead of a few per array: the small models are bound by per-call overhead.
        """
        entries = self.parameters()
        total = sum(p[0].size for _, p, _ in entries)
        self.flat_params = np.empty((self.n_replicas, total), dtype=self.dtype)
        self.flat_grads = np.zeros((self.n_replicas, total), dtype=self.dtype)
        owners = [(d.params, d.grads, k) for d in self.dense for k in ("W", "b")]
        owners += [(a.params, a.grads, k) for a in self.activations for k in a.params]
        start = 0
        for params, grads, key in owners:
            shape, size = params[key].shape, params[key][0].size
            view = self.flat_params[:, start:start + size].reshape(shape)  # a view: rows stay whole
            view[...] = params[key]
            params[key], grads[key] = view, self.flat_grads[:, start:start + size].reshape(shape)
            start += size

    def fused_parameters(self):
        """(flat_params, flat_grads), or None if some array was replaced since (not a view)."""
        for _, p, g in self.parameters():
            if not (np.may_share_memory(p, self.flat_params)
                    and np.may_share_memory(g, self.flat_grads)):
                return None
        return self.flat_params, self.flat_grads

    def n_parameters(self) -> int:
        """Learnable numbers in one replica."""
        return int(sum(array[0].size for _, array, _ in self.parameters()))

    def predict_output(self, x, batch_size=4096):
        """The output function's values (probabilities for softmax/sigmoid), (R, n, K)."""
        return self.head.predict(self.logits(x, batch_size))

    def logits(self, x, batch_size=4096):
        """Logits for a whole data set, in batches (no caches kept beyond the last batch)."""
        parts = [self.forward(x[..., i:i + batch_size, :]) for i in range(0, x.shape[-2], batch_size)]
        return np.concatenate(parts, axis=-2)

    def __repr__(self):
        acts = ",".join(a.name for a in self.activations) or "none"
        return f"Network({'-'.join(map(str, self.sizes))}, activations={acts}, R={self.n_replicas})"
