"""A stack of Dense layers and activations with a fused output head; forward and backward by hand.

Every array carries a leading replica axis R: the network holds R independent copies (one per
seed) that see their own minibatches and train in lockstep. R = 1 is one ordinary network.
"""

from __future__ import annotations

import math

import numpy as np

from .activations import Activation
from .arch import LAYER_KINDS, activations_of, fold_shapes, mlp_specs, parse_arch, with_output
from .buffers import OutputBuffers
from .errors import DataError, ParameterError, is_int
from .initializers import init_weights, parse_init
from .layers import Dense, ParamLayer
from .losses import get_head


def replica_rngs(seeds):
    """Per replica, two independent Generators (weights, minibatch order) from SeedSequence(s)."""
    streams = [np.random.SeedSequence(int(s)).spawn(2) for s in seeds]
    weights = [np.random.default_rng(a) for a, _ in streams]
    return weights, [np.random.default_rng(b) for _, b in streams]


def check_sizes(hidden) -> list[int]:
    sizes = list(hidden)
    for h in sizes:
        if not is_int(h) or h <= 0:
            raise ParameterError("hidden", hidden, "a list of positive integers, e.g. 100,100")
    return [int(h) for h in sizes]


class Network:
    """A stack of layers and activations with an output head; forward and backward by hand.

    The default is an MLP: [Dense -> activation] per hidden layer, then Dense -> output head.
    With ``arch`` it is any stack of convolution, pooling, flatten, dense and activation layers
    (see actlab.arch.parse_arch); ``hidden`` is the architecture
    [dense:h, act] per width, ending in the Dense layer that produces the logits.

    Parameters
    ----------
    n_inputs, hidden, n_outputs : layer widths (hidden may be empty: a single-layer model).
    activation : a name such as "relu" or "leaky_relu:0.1", an Activation instance (used as a
        template), or a list with one entry per hidden layer. With ``arch``: what the token
        ``act`` stands for.
    output : "softmax", "sigmoid" or "identity" (the head fuses it with its loss).
    init : initializer name (see actlab.initializers), one for every layer.
    seeds : one integer per replica; replica r draws its weights from SeedSequence(seeds[r]).
    arch : an architecture string such as "conv1d:25x5,act,conv1d:25x3,act,flatten,dense:10"
        (a final ``dense:n_outputs`` is appended when the string does not end with a dense).
    input_shape : the per-sample shape the first layer sees, e.g. (40, 1) for MNIST-1D or
        (8, 8, 1) for digits; flat rows of that many features are reshaped to it.
    """

    def __init__(
        self,
        n_inputs,
        hidden=(),
        n_outputs=None,
        activation="relu",
        output="softmax",
        init="auto",
        seeds=(0,),
        dtype=np.float32,
        arch=None,
        input_shape=None,
    ):
        parse_init(init)
        self.dtype = np.dtype(dtype)
        self.seeds = [int(s) for s in seeds]
        if not self.seeds:
            raise ParameterError("seeds", seeds, "at least one seed")
        self.n_replicas = len(self.seeds)
        self.init = init
        self.head = get_head(output)
        self.init_rngs, self.shuffle_rngs = replica_rngs(self.seeds)
        self.input_shape = tuple(input_shape) if input_shape is not None else (int(n_inputs),)
        if arch is None:
            sizes = check_sizes(hidden)
            specs = mlp_specs(sizes, activation)
            self.arch = None
        else:
            specs = parse_arch(arch) if isinstance(arch, str) else list(arch)
            self.arch = arch if isinstance(arch, str) else None
        self.layers = self._build(with_output(specs, n_outputs, arch), activation)
        if arch is None:
            self.sizes = [int(n_inputs), *sizes, n_outputs]
        self.dense = [layer for layer in self.layers if isinstance(layer, ParamLayer)]
        self.activations = [layer for layer in self.layers if isinstance(layer, Activation)]
        self._is_act = [isinstance(layer, Activation) for layer in self.layers]
        self._reusing = False  # layers write into kept arrays (loss_and_grad's ``reuse``)
        self._head_out = OutputBuffers()  # the head's arrays of a step with ``reuse``
        self._head_out.on = True
        self._fuse_parameters()

    def _build(self, specs, activation):
        """The layers of ``specs``: shapes checked first, then weights drawn layer by layer.

        A weighted layer's init sees the activation that follows it (its gain and family).
        """
        acts = activations_of(specs, activation)
        shapes = fold_shapes(specs, self.input_shape, acts)
        layers, shape = [], self.input_shape
        for i, (spec, act) in enumerate(zip(specs, acts)):
            if act is not None:
                act.build(self.n_replicas, shapes[i], self.dtype)
                layers.append(act)
            else:
                act_after = next((a for a in acts[i + 1 :] if a is not None), None)
                layers.append(
                    LAYER_KINDS[spec["kind"]].from_spec(
                        spec, shape, shapes[i], self._weights_for(act_after)
                    )
                )
            shape = shapes[i]
        self.sizes = [math.prod(self.input_shape), *[math.prod(s) for s in shapes]]
        return layers

    def _weights_for(self, act_after):
        """draw(fan_in, fan_out, fans=None) -> W (R, fan_in, fan_out), by this network's init."""

        def draw(fan_in, fan_out, fans=None):
            return init_weights(
                self.init, self.init_rngs, fan_in, fan_out, act_after, self.dtype, fans=fans
            )

        return draw

    # --- forward and backward -------------------------------------------------------------
    def forward(self, x: np.ndarray, trace: list | None = None) -> np.ndarray:
        """Logits (R, batch, n_outputs) for x of shape (R, batch, *input_shape) or
        (batch, *input_shape); flat rows of prod(input_shape) features are reshaped.

        ``trace``: a list that receives (z, a), an activation's input and output, per activation.
        Every array it returns or keeps is fresh (see ``loss_and_grad``'s ``reuse``).
        """
        if self._reusing:
            self._reuse(False)
        return self._forward(x, trace)

    def _reuse(self, on: bool) -> None:
        """Layers write their outputs into arrays they keep (on) or into fresh ones (off)."""
        for layer in self.layers:
            if hasattr(layer, "out"):
                layer.out.on = on
        self._reusing = on

    def _forward(self, x, trace=None):
        x = self._as_input(x)
        if x.ndim == len(self.input_shape) + 1:
            x = np.broadcast_to(x, (self.n_replicas, *x.shape))
        for layer, is_act in zip(self.layers, self._is_act):
            out = layer.forward(x)
            if trace is not None and is_act:
                trace.append((x, out))
            x = out
        return x

    def backward(
        self, grad_logits: np.ndarray, trace: list | None = None, deltas: list | None = None
    ) -> None:
        """Fill every parameter gradient from dL/dlogits (chain rule, last layer first).

        ``trace``: receives dL/dz (the gradient at an activation's input) per activation;
        ``deltas``: the gradient at each weighted layer's output; both first layer first.
        """
        g = grad_logits
        for i in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[i]
            if self._is_act[i]:
                g = layer.backward(g)
                if trace is not None:
                    trace.insert(0, g)
            else:
                if deltas is not None and "W" in layer.params:
                    deltas.insert(0, g)
                g = layer.backward(g, need_input_grad=i > 0)

    def loss_and_grad(self, x, y, reuse: bool = False):
        """Forward, loss (R,), backward; returns (loss, logits).

        ``reuse=True`` (the Trainer's steps): every layer writes its outputs into arrays it keeps
        from call to call (actlab.buffers), so the logits returned, the layers' caches and the
        gradients they pass are overwritten by the next call with ``reuse=True``. The parameter
        gradients are overwritten by every backward anyway.
        """
        if reuse != self._reusing:
            self._reuse(reuse)
        logits = self._forward(x)
        loss, grad = self.head.loss_and_grad(logits, y, self._head_out if reuse else None)
        self.backward(grad)
        return loss, logits

    def training_step(self):
        """A function ``step(x, y) -> (loss, logits)``: ``loss_and_grad(x, y, reuse=True)``
        with the per-call work done once per input shape instead of once per call.

        Small models are bound by what surrounds each numpy call. The first call with a given
        x.shape runs ``loss_and_grad`` and notes the shape and dtype each layer saw; from them
        each layer's ``step_fns`` gives a (forward, backward) pair with its lookups done once
        (the kernel chosen, the kept output arrays, W^T, the gradient arrays; a layer without
        one keeps its plain methods). Later calls run only those pairs: the same numpy calls
        into the same arrays as ``loss_and_grad``, so the same numbers, bit for bit. Made for
        one ``fit``: a plan holds the parameter arrays as they were when it was built.
        """
        plans: dict = {}
        head, head_out = self.head.loss_and_grad, self._head_out

        def step(x, y):
            plan = plans.get(x.shape)
            if plan is None:
                if x.shape in plans:  # no plan for this shape
                    return self.loss_and_grad(x, y, reuse=True)
                result, plans[x.shape] = self._first_step(x, y)
                return result
            if not self._reusing:  # evaluate() and the probes' forward switch kept arrays off
                self._reuse(True)
            forwards, backwards, reshape = plan
            if reshape is not None:
                x = x.reshape(reshape)
            for forward in forwards:
                x = forward(x)
            loss, g = head(x, y, head_out)
            for backward in backwards:
                g = backward(g)
            return loss, x

        return step

    def _first_step(self, x, y):
        """loss_and_grad(x, y, reuse=True) layer by layer, and the plan for inputs like x:
        ((loss, logits), (forwards, backwards last layer first, reshape or None) or None)."""
        self._reuse(True)
        shaped = self._as_input(x)
        reshape = shaped.shape if shaped.shape != x.shape else None
        if shaped.ndim == len(self.input_shape) + 1:  # no replica axis: never from the Trainer
            return self.loss_and_grad(x, y, reuse=True), None
        forwards, backwards, h = [], [], shaped
        for i, layer in enumerate(self.layers):
            make = getattr(layer, "step_fns", None)
            if self._is_act[i]:
                fns = None if make is None else make(h.shape, h.dtype)
                fns = fns or (layer.forward, layer.backward)
            else:
                fns = None if make is None else make(h.shape, h.dtype, i > 0)
                fns = fns or (layer.forward, _backward_of(layer, i > 0))
            forwards.append(fns[0])
            backwards.append(fns[1])
            h = layer.forward(h)
        loss, grad = self.head.loss_and_grad(h, y, self._head_out)
        self.backward(grad)
        return (loss, h), (forwards, backwards[::-1], reshape)

    def _as_input(self, x):
        """x reshaped as the first layer takes it (flat rows to ``input_shape``)."""
        if x.shape[-1] != self.input_shape[-1] or x.ndim < len(self.input_shape) + 1:
            x = x.reshape(*x.shape[:-1], *self.input_shape)
        return x

    # --- parameters -------------------------------------------------------------------------
    def parameters(self):
        """(name, array, grad) for every learnable array, weights first, then activation params."""
        out = []
        for i, dense in enumerate(self.dense):
            kind = "dense" if isinstance(dense, Dense) else "conv"
            out.append((f"{kind}{i}.W", dense.params["W"], dense.grads["W"]))
            out.append((f"{kind}{i}.b", dense.params["b"], dense.grads["b"]))
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
            view = self.flat_params[:, start : start + size].reshape(
                shape
            )  # a view: rows stay whole
            view[...] = params[key]
            params[key], grads[key] = view, self.flat_grads[:, start : start + size].reshape(shape)
            start += size

    def fused_parameters(self):
        """(flat_params, flat_grads), or None if some array was replaced since (not a view)."""
        for _, p, g in self.parameters():
            if not (
                np.may_share_memory(p, self.flat_params) and np.may_share_memory(g, self.flat_grads)
            ):
                return None
        return self.flat_params, self.flat_grads

    def n_parameters(self) -> int:
        """Learnable numbers in one replica."""
        return int(sum(array[0].size for _, array, _ in self.parameters()))

    def predict_output(self, x, batch_size=4096):
        """The output function's values (probabilities for softmax/sigmoid), (R, n, K)."""
        return self.head.predict(self.logits(x, batch_size))

    def check_input(self, x, name: str = "X") -> np.ndarray:
        """``x`` in this network's dtype, or a one-line DataError: see ``check_samples``."""
        return check_samples(x, self.input_shape, self.dtype, name)

    def logits(self, x, batch_size=4096):
        """Logits for a whole data set, in batches (no caches kept beyond the last batch)."""
        x = self.check_input(x)
        starts = range(0, x.shape[-2], batch_size)
        parts = [self.forward(x[..., i : i + batch_size, :]) for i in starts]
        return np.concatenate(parts, axis=-2)

    # --- saving ----------------------------------------------------------------------------
    def save(self, path):
        """Write every array and a JSON description to one ``.npz`` (see actlab.saving; no
        pickle). Returns the path written."""
        from .saving import save_network

        return save_network(self, path)

    @classmethod
    def load(cls, path) -> Network:
        """A network from a file written by :meth:`save`; predicts exactly as the saved one."""
        from .saving import load_network

        return load_network(path)[0]

    def __repr__(self):
        acts = ",".join(a.name for a in self.activations) or "none"
        shape = self.arch or "-".join(map(str, self.sizes))
        return f"Network({shape}, activations={acts}, R={self.n_replicas})"


def _backward_of(layer, need_input_grad: bool):
    """layer.backward(g, need_input_grad) as a function of g alone."""

    def backward(g):
        return layer.backward(g, need_input_grad)

    return backward


def check_samples(x, input_shape, dtype, name: str = "X") -> np.ndarray:
    """``x`` as rows a network with this per-sample ``input_shape`` takes, cast to ``dtype``.

    Refuses, in one line naming ``name``: what is not numbers; no rows; a feature count other
    than prod(input_shape) (rows may come flat or shaped, with or without a leading replica
    axis); NaN or inf, including values that overflow ``dtype`` only once cast (1e300 in
    float32): the message gives how many and where the first one is, as the data loaders do.
    """
    try:
        arr = np.asarray(x)
        if arr.dtype.kind not in "fiub":
            arr = arr.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"{name}: expected an array of numbers; could not convert ({exc})"
        ) from None
    width = math.prod(input_shape)
    k = len(input_shape)
    shaped = arr.ndim >= k + 1 and tuple(arr.shape[-k:]) == tuple(input_shape)
    if arr.ndim < 2 or not (shaped or arr.shape[-1] == width):
        got = arr.shape[-1] if arr.ndim else arr.shape
        raise DataError(
            f"{name}: expected rows of {width} features (input shape "
            f"{tuple(input_shape)}); got shape {arr.shape}"
            + (f", {got} features per row" if arr.ndim >= 2 else "")
        )
    rows = arr.shape[-k - 1] if shaped else arr.shape[-2]
    if rows == 0:
        raise DataError(f"{name}: expected at least one sample; got shape {arr.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        cast = np.ascontiguousarray(arr, dtype=dtype)
    finite = np.isfinite(cast)
    if not finite.all():
        where = np.unravel_index(int(np.argmin(finite.reshape(-1))), cast.shape)
        value = arr[where].item()
        place = (
            f"row {where[0]}, column {where[1]}"
            if cast.ndim == 2
            else f"index {tuple(int(i) for i in where)}"
        )
        note = f"; {value!r} overflows {np.dtype(dtype).name}" if math.isfinite(value) else ""
        raise DataError(
            f"{name}: {int((~finite).sum())} non-finite value(s) (NaN or inf are "
            f"refused{note}); first at {place}: {value!r}"
        )
    return cast
