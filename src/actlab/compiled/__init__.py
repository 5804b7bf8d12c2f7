"""The compiled training step (numba): a dense MLP's forward, loss and backward in one call.

Opt-in (``Trainer(compiled=True)``, ``compiled = true`` in a spec, ``--compiled``): the NumPy
step (Network.training_step) is the reference and the default. The compiled step computes the
same formulas (every activation loop is one of activations/jitloops.py, tested against the
readable f / df; tanh's forward, np.tanh in the NumPy kernels, is jitloops' expm1 form) with its
own rounding: BLAS called directly, exp by vecmath's polynomial, sums in another order. One step agrees with the NumPy step to a few ulp (float32) or 1e-12 (float64);
a trajectory of many steps drifts apart as those of two BLAS builds do, so a run's numbers are
those of the step it used (``Trainer.step_kind_`` says which). Replica r of a lockstep stack
still gives the numbers of a single run with seed r, as in the NumPy step.

It applies to a dense MLP (no ``arch``) with a softmax head, float32 or float64, and hidden
activations with a compiled loop (``CODES`` below, fixed parameters); ``why_not``
says what keeps a network on the NumPy step. numba compiles it once per machine and dtype
and caches it on disk (numba's cache, ``NUMBA_CACHE_DIR``): with an empty cache the first
float32 fit took 12.3 s here (load average about 1) and the first float64 fit 9.3 s more (every
activation's loops are compiled with it; one machine code per dtype serves any R); a fresh
process then imports numba and loads it in about 0.5 s. That
is why it is not the default: the first ``actlab compare`` would wait for it (issue 15's
condition on a compiler), and its numbers are not the NumPy step's bits.
"""

from __future__ import annotations

import numpy as np

from ..activations.jitkernels import available as numba_available
from ..errors import DataError

# activation codes of mlp_step, named by the jitkernels class whose loops each runs (SELU runs
# ELU's, with its scale: a subclass takes its first base's code); Identity runs no loop
CODES = (
    "Identity",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "Sigmoid",
    "Tanh",
    "Softsign",
    "Softplus",
    "Swish",
    "GELU",
    "Mish",
    "Step",
)
SCALARS = 3  # forward scalars, then as many backward scalars, per layer (mlp_step's act_p)


def _activation_entry(act, dtype):
    """(code, forward scalars, backward scalars) of activation ``act``, or why it has none."""
    from ..activations.kernels import kernel_for
    from ..activations.relu_like import Identity

    if type(act) is Identity:
        return CODES.index("Identity"), (), ()
    kernel = kernel_for(act)
    if kernel is None or not kernel.__module__.endswith("jitkernels"):
        return f"activation {act.name!r} has no compiled loop with these parameters"
    name = next((k.__name__ for k in kernel.__mro__ if k.__name__ in CODES), None)
    if name is None:
        return f"activation {act.name!r} is not one the compiled step runs"
    fargs, bargs = kernel.fargs(act, dtype), kernel.bargs(act, dtype)
    assert len(fargs) <= SCALARS and len(bargs) <= SCALARS, kernel
    return CODES.index(name), fargs, bargs


def why_not_activation(activation, dtype) -> str | None:
    """Why a dense MLP of this activation (a name such as "leaky_relu:0.1") and dtype trains
    on the NumPy step with ``compiled=True``, or None: what a spec's groups are checked with
    before they train (``why_not`` checks a built network by the same rules)."""
    from ..activations import get_activation

    if not numba_available():
        return "numba is not installed (or ACTLAB_NUMBA=0)"
    entry = _activation_entry(get_activation(activation), np.dtype(dtype))
    return entry if isinstance(entry, str) else None


def why_not(net) -> str | None:
    """Why ``net`` trains with the NumPy step even with ``compiled=True``, or None."""
    from ..activations import Activation
    from ..layers import Dense

    if not numba_available():
        return "numba is not installed (or ACTLAB_NUMBA=0)"
    if net.arch is not None or len(net.input_shape) != 1:
        return "not a dense MLP (an arch string)"
    if net.dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        return f"dtype {net.dtype} (float32 or float64 only)"
    if net.head.name != "softmax_cross_entropy":
        return f"output {net.head.output!r} (softmax only)"
    dense = [type(layer) is Dense for layer in net.layers]
    if dense != [i % 2 == 0 for i in range(len(dense))] or not dense[-1]:
        return "not Dense and activation layers in turn"
    if any(not isinstance(layer, Activation) for layer in net.layers[1::2]):
        return "a layer that is not an activation between two Dense layers"
    for act in net.layers[1::2]:
        entry = _activation_entry(act, net.dtype)
        if isinstance(entry, str):
            return entry
    if max(net.sizes) >= 2**31:
        return "a layer of 2^31 units or more (BLAS's int32 dimensions)"
    if net.fused_parameters() is None:
        return "the parameters are not one fused array"
    return None


_READY: list = []


def _mlp_step():
    """mlp_step, its disk cache checked against its sources first (activations/jitcache.py):
    numba does not notice an edit to the loops it calls from other files."""
    if not _READY:
        from ..activations import jitkernels, jitloops, vecmath
        from ..activations.jitcache import refresh
        from . import blas, mlp_step

        jitkernels._loops()  # the loops' own cache, checked against vecmath.py
        refresh(mlp_step, [mlp_step.__file__, blas.__file__, jitloops.__file__, vecmath.__file__])
        _READY.append(mlp_step)
    return _READY[0]


class CompiledStep:
    """``step(x, y) -> (loss (R,), logits (R, B, K))`` for ``net``, as Network.training_step's
    function; call ``why_not(net)`` first. The logits and loss are overwritten by the next
    step (as with ``reuse=True``)."""

    def __init__(self, net):
        from . import blas

        mlp_step = _mlp_step()
        self.FIELDS, self.Z_AT = mlp_step.FIELDS, mlp_step.Z_AT
        self.kernel = mlp_step.train_step(net.dtype)
        self.dtype = net.dtype
        self.addr = blas.gemm_address(net.dtype)
        self.params, self.grads = net.fused_parameters()
        self.R = net.n_replicas
        dense = net.layers[0::2]
        self.sizes = [d.params["W"].shape[1:] for d in dense]  # (n_in, n_out) per layer
        self.offsets = self._offsets(dense)
        self.codes, self.act_p = [], np.zeros((len(dense), 2 * SCALARS), dtype=net.dtype)
        for i, act in enumerate(net.layers[1::2]):
            code, fargs, bargs = _activation_entry(act, net.dtype)
            self.codes.append(code)
            self.act_p[i, : len(fargs)] = fargs
            self.act_p[i, SCALARS : SCALARS + len(bargs)] = bargs
        self.codes.append(CODES.index("Identity"))  # the logits: the head follows
        self.loss = np.zeros(self.R, dtype=net.dtype)
        self.batch = 0
        self.views: dict[int, np.ndarray] = {}

    def _offsets(self, dense):
        """(W offset, b offset) of each Dense layer in a replica's row of the fused array."""
        base, row = self.params.__array_interface__["data"][0], self.params.strides[0]
        out = []
        for d in dense:
            w_at = (d.params["W"].__array_interface__["data"][0] - base) % row
            b_at = (d.params["b"].__array_interface__["data"][0] - base) % row
            out.append((w_at // self.params.itemsize, b_at // self.params.itemsize))
        return out

    def _allocate(self, batch):
        """The work buffer and meta for minibatches of up to ``batch`` rows: per layer z, a
        (hidden layers) and g, each R x batch x n_out; then a scratch for the largest W^T."""
        R, at, meta = self.R, 0, []
        for k, ((n_in, n_out), (w_at, b_at), code) in enumerate(
            zip(self.sizes, self.offsets, self.codes)
        ):
            block = R * batch * n_out
            hidden = k < len(self.sizes) - 1
            z_at, a_at = at, at + block if hidden else -1
            g_at = at + (2 if hidden else 1) * block
            meta += [n_in, n_out, w_at, b_at, z_at, a_at, g_at, code]  # mlp_step.N_IN ... CODE
            at = g_at + block
        meta.append(at)
        at += max(n_in * n_out for n_in, n_out in self.sizes)
        self.work = np.zeros(at, dtype=self.dtype)
        self.meta = np.array(meta, dtype=np.int64)
        self.batch, self.views = batch, {}

    def __call__(self, x, y):
        R, B = x.shape[0], x.shape[1]
        if x.shape != (self.R, B, self.sizes[0][0]) or y.shape != (self.R, B) or B == 0:
            raise DataError(
                f"compiled step: expected x of shape (R={self.R}, B, {self.sizes[0][0]}) and y of "
                f"shape (R, B) with B >= 1; got x {x.shape}, y {np.shape(y)}"
            )
        if B > self.batch:
            self._allocate(B)
        if (
            x.dtype != self.dtype
            or not x.flags.writeable  # (np.broadcast_to's read-only views: another type)
            or x.strides[2] != x.itemsize
            or x.strides[1] < x.shape[2] * x.itemsize  # 0 or negative: not rows BLAS reads
            or x.strides[1] % x.itemsize
            or x.strides[1] >= 2**31 * x.itemsize
        ):
            x = np.ascontiguousarray(x, dtype=self.dtype)
        if y.dtype != np.int64 or not y.flags.writeable:
            y = y.astype(np.int64)
        self.kernel(
            self.addr, x, y, self.params, self.grads, self.work, self.meta, self.act_p, self.loss
        )
        logits = self.views.get(B)
        if logits is None:
            z_at, k = self.meta[-1 - self.FIELDS + self.Z_AT], self.sizes[-1][1]
            logits = self.views[B] = self.work[z_at : z_at + R * B * k].reshape(R, B, k)
        return self.loss, logits


def compiled_sgd(p, g, v):
    """update(lr, mu): SGD momentum on flat arrays in one compiled pass (mlp_step.sgd_momentum:
    the same numbers as the NumPy update)."""
    sgd_momentum = _mlp_step().sgd_momentum
    pf, gf, vf = p.reshape(-1), g.reshape(-1), v.reshape(-1)

    def update(lr, mu):
        sgd_momentum(pf, gf, vf, lr, mu)

    return update
