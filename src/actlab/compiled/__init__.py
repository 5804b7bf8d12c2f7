"""The compiled training step (numba): a dense MLP's forward, loss and backward in one call.

Opt-in (``Trainer(compiled=True)``, ``compiled = true`` in a spec, ``--compiled``): the NumPy
step (Network.training_step) is the reference and the default. The compiled step computes the
same formulas (every activation loop is one of activations/jitloops.py, tested against the
readable f / df) with its own rounding: BLAS called directly, exp by vecmath's polynomial, sums
in another order. One step agrees with the NumPy step to a few ulp (float32) or 1e-12 (float64);
a trajectory of many steps drifts apart as those of two BLAS builds do, so a run's numbers are
those of the step it used (``Trainer.step_kind_`` says which). Replica r of a lockstep stack
still gives the numbers of a single run with seed r, as in the NumPy step.

It applies to a dense MLP (no ``arch``) with a softmax head, float32 or float64, and hidden
activations with a compiled loop (``CODES`` of mlp_step.py, fixed parameters); ``why_not``
says what keeps a network on the NumPy step. numba compiles it once per machine and dtype
and caches it on disk (numba's cache, ``NUMBA_CACHE_DIR``): with an empty cache the first
float32 step took 11.3 s here and the first float64 step 8.1 s more (every activation's loops
are compiled with it); a fresh process then imports numba and loads it in about 0.4 s. That
is why it is not the default: the first ``actlab compare`` would wait for it (issue 15's
condition on a compiler), and its numbers are not the NumPy step's bits.
"""

from __future__ import annotations

import numpy as np

from ..activations.jitkernels import available as numba_available

FIELDS = 7
_CODE_OF = {  # jitkernels class name -> mlp_step code name
    "ReLU": "relu",
    "LeakyReLU": "leaky_relu",
    "ELU": "elu",
    "SELU": "elu",
    "Sigmoid": "sigmoid",
    "Tanh": "tanh",
    "Softsign": "softsign",
    "Softplus": "softplus",
    "Swish": "swish",
    "GELU": "gelu",
    "Mish": "mish",
    "Step": "step",
}


def _activation_entry(act, dtype):
    """(code name, forward scalars, backward scalars) of ``act``, or a reason it has none."""
    from ..activations.kernels import kernel_for
    from ..activations.relu_like import Identity

    if type(act) is Identity:
        return "identity", (), ()
    kernel = kernel_for(act)
    if kernel is None or not kernel.__module__.endswith("jitkernels"):
        return f"activation {act.name!r} has no compiled loop with these parameters"
    name = _CODE_OF.get(kernel.__name__)
    if name is None:
        return f"activation {act.name!r} is not one the compiled step runs"
    return name, kernel.fargs(act, dtype), kernel.bargs(act, dtype)


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
    kinds = [isinstance(layer, Dense) for layer in net.layers]
    if kinds != [i % 2 == 0 for i in range(len(kinds))] or not kinds[-1]:
        return "not Dense and activation layers in turn"
    if any(not isinstance(layer, Activation) for layer in net.layers[1::2]):
        return "a layer that is not an activation between two Dense layers"
    for act in net.layers[1::2]:
        entry = _activation_entry(act, net.dtype)
        if isinstance(entry, str):
            return entry
    if net.fused_parameters() is None:
        return "the parameters are not one fused array"
    return None


class CompiledStep:
    """``step(x, y) -> (loss (R,), logits (R, B, K))`` for ``net``, as Network.training_step's
    function; call ``why_not(net)`` first. The logits and loss are overwritten by the next
    step (as with ``reuse=True``)."""

    def __init__(self, net):
        from . import blas, mlp_step

        self.kernel = mlp_step.train_step
        self.dtype = net.dtype
        self.addr = blas.gemm_address(net.dtype)
        self.params, self.grads = net.fused_parameters()
        self.R = net.n_replicas
        dense = net.layers[0::2]
        acts = [*net.layers[1::2], None]
        self.sizes = [d.params["W"].shape[1:] for d in dense]  # (n_in, n_out) per layer
        offsets = self._offsets(net, dense)
        codes, act_p = [], np.zeros((len(dense), 6), dtype=net.dtype)
        for i, act in enumerate(acts):
            name, fargs, bargs = (
                ("identity", (), ()) if act is None else _activation_entry(act, net.dtype)
            )
            codes.append(mlp_step.CODES.index(name))
            act_p[i, : len(fargs)] = fargs
            act_p[i, 3 : 3 + len(bargs)] = bargs
        self.codes, self.act_p, self.w_b = codes, act_p, offsets
        self.loss = np.zeros(self.R, dtype=net.dtype)
        self.batch = 0
        self.views: dict[int, np.ndarray] = {}

    def _offsets(self, net, dense):
        """(W offset, b offset) of each Dense layer in the fused (R, P) parameter array."""
        base = self.params.__array_interface__["data"][0]
        row = self.params.strides[0]
        out = []
        for d in dense:
            w_at = (d.params["W"].__array_interface__["data"][0] - base) % row
            b_at = (d.params["b"].__array_interface__["data"][0] - base) % row
            out.append((w_at // self.params.itemsize, b_at // self.params.itemsize))
        return out

    def _allocate(self, batch):
        """The work buffer and meta for minibatches of up to ``batch`` rows."""
        R, at, meta = self.R, 0, []
        for (n_in, n_out), (w_off, b_off), code in zip(self.sizes, self.w_b, self.codes):
            block = R * batch * n_out
            meta += [n_in, n_out, w_off, b_off, at, at + block, code]
            at += 3 * block  # z, a, g
        meta.append(at)  # then the scratch for W^T
        at += max(n_in * n_out for n_in, n_out in self.sizes)
        self.work = np.zeros(at, dtype=self.dtype)
        self.meta = np.array(meta, dtype=np.int64)
        self.batch, self.views = batch, {}

    def __call__(self, x, y):
        R, B = x.shape[:2]
        if B > self.batch:
            self._allocate(B)
        if x.dtype != self.dtype or x.strides[2] != x.itemsize or x.strides[1] % x.itemsize:
            x = np.ascontiguousarray(x, dtype=self.dtype)
        self.kernel(
            self.addr, x, y, self.params, self.grads, self.work, self.meta, self.act_p, self.loss
        )
        logits = self.views.get(B)
        if logits is None:
            z_at, k = self.meta[-FIELDS - 1 + 4], self.sizes[-1][1]
            logits = self.views[B] = self.work[z_at : z_at + R * B * k].reshape(R, B, k)
        return self.loss, logits


def compiled_sgd(p, g, v):
    """update(lr, mu): SGD momentum on flat arrays in one compiled pass (mlp_step.sgd_momentum:
    the same numbers as the NumPy update)."""
    from .mlp_step import sgd_momentum

    pf, gf, vf = p.reshape(-1), g.reshape(-1), v.reshape(-1)

    def update(lr, mu):
        sgd_momentum(pf, gf, vf, lr, mu)

    return update
