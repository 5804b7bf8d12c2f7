"""The compiled training step of a dense MLP: forward, softmax cross-entropy, backward in one call.

A small model is bound by what surrounds each numpy call (about 45 calls, 1 us each, beside
26 us of GEMMs in a digits 64-100-100-10 step at batch 32). Here a step is one call into
compiled code: per layer and replica one BLAS gemm (blas.py, the row-major trick there), the
bias and the activation over all replicas' rows in one loop each (the activations' compiled
loops of activations/jitloops.py), the head, then the backward with dW = x^T g, db = the sum of
g's rows (in row order, as numpy's reduction over the batch axis adds them), dx = g W^T and the
activation's derivative in place. The layout is the Trainer's: every W and b a slice of one
(R, P) array (Network._fuse_parameters), their gradients of another.

Forward, per hidden layer l:  z_l = h_{l-1} W_l + b_l,  h_l = f_l(z_l)   (h_{-1} = x)
Head (softmax cross-entropy): L = mean_rows log sum_j e^{z_j - m} - (z_y - m),  m = max_j z_j;
                              dL/dz = (softmax(z) - onehot(y)) / B
Backward: dW_l = h_{l-1}^T g_l;  db_l = sum_rows g_l;  g_{l-1} = (g_l W_l^T) * f'_{l-1}(z_{l-1})

``meta`` (int64) holds, per weighted layer, FIELDS entries (indices N_IN ... CODE): n_in,
n_out, the offsets of W and b in a replica's row of the fused parameters, the offsets in
``work`` of the layer's z, a (hidden layers only) and gradient g = dL/dz, each R x B x n_out,
replica after replica (one replica's rows are contiguous, and an activation loop runs over every
replica at once), and the activation code; last, the offset of a scratch for W^T. ``act_p``
(dtype) per layer: the activation's forward scalars, then from column 3 its backward scalars
(jitkernels' fargs and bargs).
"""

from __future__ import annotations

import math

from numba import from_dtype, njit, types

from ..activations import jitloops as loops
from ..activations.vecmath import exp_neg, typed
from . import CODES, SCALARS
from .blas import NO, TRANSPOSE, gemm

JIT = {"cache": True, "error_model": "numpy"}  # no fastmath: IEEE operations as written
N_IN, N_OUT, W_AT, B_AT, Z_AT, A_AT, G_AT, CODE = range(8)  # a layer's entries in ``meta``
FIELDS = 8
# the activation codes (compiled/__init__.py: CODES), as constants of the loops below
IDENTITY, RELU, LEAKY, ELU, SIGMOID, TANH, SOFTSIGN, SOFTPLUS, SWISH, GELU, MISH, STEP = range(
    len(CODES)
)


@njit
def forward(code, z, a, p):
    """a = f(z) over flat arrays; p: the forward's scalars."""
    if code == RELU:
        loops.relu_fwd(z, a)
    elif code == LEAKY:
        loops.leaky_fwd(z, a, p[0])
    elif code == ELU:
        loops.elu_fwd(z, a, p[0], p[1], p[2])
    elif code == SIGMOID:
        loops.sigmoid_fwd(z, a)
    elif code == TANH:
        loops.tanh_fwd(z, a)
    elif code == SOFTSIGN:
        loops.softsign_fwd(z, a)
    elif code == SOFTPLUS:
        loops.softplus_fwd(z, a)
    elif code == SWISH:
        loops.swish_fwd(z, a, p[0])
    elif code == GELU:
        loops.gelu_fwd(z, a)
    elif code == MISH:
        loops.mish_fwd(z, a)
    elif code == STEP:
        loops.step_fwd(z, a)
    else:
        a[:] = z


@njit
def backward(code, z, a, g, p):
    """g <- g * f'(z) in place over flat arrays (each loop reads what jitkernels' ``keep``
    names: z, a or both); p: the backward's scalars."""
    if code == RELU:
        loops.mask_bwd(a, g, g)
    elif code == LEAKY:
        loops.leaky_bwd(z, g, g, p[0])
    elif code == ELU:
        loops.elu_bwd(z, g, g, p[0], p[1])
    elif code == SIGMOID:
        loops.sigmoid_bwd(a, g, g)
    elif code == TANH:
        loops.tanh_bwd(a, g, g)
    elif code == SOFTSIGN:
        loops.softsign_bwd(z, g, g)
    elif code == SOFTPLUS:
        loops.softplus_bwd(a, g, g)
    elif code == SWISH:
        loops.swish_bwd(z, g, g, p[0])
    elif code == GELU:
        loops.gelu_bwd(z, a, g, g, p[0])
    elif code == MISH:
        loops.mish_bwd(z, g, g)
    elif code == STEP:
        g[:] = typed(g[0], 0.0)


@njit(**JIT)
def softmax_cross_entropy(z, y, g, loss):
    """Per replica r: loss[r] = mean over rows of -log softmax(z)[y]; g = dL/dz = (softmax -
    onehot) / B, the formulas of SoftmaxCrossEntropy.loss_and_grad (losses.py): the shifted
    logits z - max first, then e^shifted in one loop over every row (so it vectorizes), then per
    row the sum s, log s - shifted[y], e / s - onehot, / B. The loss is summed in float64 (losses.py
    sums in the logits' dtype). A target outside 0..K-1 raises IndexError."""
    R, B, K = z.shape
    for r in range(R):
        total = 0.0
        for i in range(B):  # shifted = z - max(z), into g
            row, out = z[r, i], g[r, i]
            t = y[r, i]
            if t < 0 or t >= K:
                raise IndexError("a target class outside 0..K-1")
            m = row[0]
            for j in range(1, K):
                m = max(m, row[j])
            for j in range(K):
                out[j] = row[j] - m
            total -= out[t]
        loss[r] = total
    flat = g.reshape(-1)
    for k in range(flat.size):
        flat[k] = exp_neg(flat[k])
    for r in range(R):
        total = 0.0
        for i in range(B):
            out = g[r, i]
            s = out[0]
            for j in range(1, K):
                s += out[j]
            total += math.log(s)
            for j in range(K):
                out[j] = out[j] / s
            t = y[r, i]
            out[t] = out[t] - typed(s, 1.0)
            for j in range(K):
                out[j] = out[j] / typed(s, B)
        loss[r] = (loss[r] + total) / B


@njit(inline="always")
def fields(meta, k):
    """Layer k's entries of ``meta``: (n_in, n_out, W at, b at, z at, a at, g at, code)."""
    i = k * FIELDS
    return (
        meta[i + N_IN],
        meta[i + N_OUT],
        meta[i + W_AT],
        meta[i + B_AT],
        meta[i + Z_AT],
        meta[i + A_AT],
        meta[i + G_AT],
        meta[i + CODE],
    )


@njit(inline="always")
def block(work, at, R, B, n):
    """The (R, B, n) buffer at offset ``at`` of ``work``."""
    return work[at : at + R * B * n].reshape(R, B, n)


@njit(inline="always")
def layer_input(x, work, meta, k, r, B):
    """Replica r's input rows to layer k (B x n_in): x[r], or the previous layer's a_{k-1}."""
    if k == 0:
        return x[r]
    n_in, a_at = meta[k * FIELDS + N_IN], meta[(k - 1) * FIELDS + A_AT]
    return block(work, a_at, x.shape[0], B, n_in)[r]


@njit(inline="always")
def weights(params, r, w_at, n_in, n_out):
    """Replica r's W (n_in x n_out) of a layer, a view of its row of the fused parameters."""
    return params[r, w_at : w_at + n_in * n_out].reshape(n_in, n_out)


@njit(**JIT)
def transpose(w, wt):
    """wt (n_out x n_in, row-major) = w^T: BLAS's g W^T with W transposed in the call
    ran at half the rate of the same product on a transposed copy (OpenBLAS, 100 x 100)."""
    n_in, n_out = w.shape
    for j in range(n_out):
        for i in range(n_in):
            wt[j, i] = w[i, j]


@njit(**JIT)
def add_bias(z, params, b_off):
    """z[r, i, :] += b of replica r (params[r, b_off : b_off + n])."""
    R, B, n = z.shape
    for r in range(R):
        b = params[r, b_off : b_off + n]
        for i in range(B):
            row = z[r, i]
            for j in range(n):
                row[j] = row[j] + b[j]


@njit(**JIT)
def bias_grad(g, grads, b_off):
    """db[r] = sum over rows of g[r], row after row (numpy's order for the batch axis)."""
    R, B, n = g.shape
    for r in range(R):
        db = grads[r, b_off : b_off + n]
        db[:] = g[r, 0]
        for i in range(1, B):
            row = g[r, i]
            for j in range(n):
                db[j] = db[j] + row[j]


def _train_step(addr, x, y, params, grads, work, meta, act_p, loss):
    """One step on the minibatch x (R, B, n_0) with targets y (R, B): fills ``grads`` and
    ``loss`` (R,); the logits are left in ``work`` (the last layer's z)."""
    R, B = x.shape[0], x.shape[1]
    wt = work[meta[-1] :]  # room for the largest W^T
    L = (meta.size - 1) // FIELDS
    for k in range(L):  # forward: z_k = h W_k + b_k, a_k = f_k(z_k)
        n_in, n_out, w_at, b_at, z_at, a_at, _, code = fields(meta, k)
        z = block(work, z_at, R, B, n_out)
        for r in range(R):
            h = layer_input(x, work, meta, k, r, B)
            gemm(addr, NO, NO, h, weights(params, r, w_at, n_in, n_out), z[r])
        add_bias(z, params, b_at)
        if k < L - 1:
            forward(code, z.reshape(-1), block(work, a_at, R, B, n_out).reshape(-1), act_p[k])
    _, n_out, _, _, z_at, _, g_at, _ = fields(meta, L - 1)
    softmax_cross_entropy(block(work, z_at, R, B, n_out), y, block(work, g_at, R, B, n_out), loss)
    for k in range(L - 1, -1, -1):  # backward, from g_k = dL/dz_k
        n_in, n_out, w_at, b_at, _, _, g_at, _ = fields(meta, k)
        g = block(work, g_at, R, B, n_out)
        g_prev, z_prev, a_prev, code_prev = g, 0, 0, 0  # (the input's gradient: not needed)
        if k > 0:
            _, _, _, _, z_prev, a_prev, g_prev_at, code_prev = fields(meta, k - 1)
            g_prev = block(work, g_prev_at, R, B, n_in)
        for r in range(R):
            h = layer_input(x, work, meta, k, r, B)
            gemm(addr, TRANSPOSE, NO, h, g[r], weights(grads, r, w_at, n_in, n_out))  # h^T g
            if k > 0:  # g W_k^T, on a transposed copy, into the previous layer's gradient rows
                w_t = wt[: n_in * n_out].reshape(n_out, n_in)
                transpose(weights(params, r, w_at, n_in, n_out), w_t)
                gemm(addr, NO, NO, g[r], w_t, g_prev[r])
        bias_grad(g, grads, b_at)
        if k > 0:  # g_{k-1} = (g_k W_k^T) * f'(z_{k-1})
            m = R * B * n_in
            z_k, a_k = work[z_prev : z_prev + m], work[a_prev : a_prev + m]
            backward(code_prev, z_k, a_k, g_prev.reshape(-1), act_p[k - 1, SCALARS:])


_TRAIN_STEPS: dict = {}


def train_step(dtype):
    """The compiled ``_train_step`` for float32 or float64, one machine code per dtype: x and y
    as strided arrays (a lockstep stack's minibatch is a view; R = 1's is contiguous, and
    without the signature numba would compile a second code for it), the rest contiguous."""
    step = _TRAIN_STEPS.get(dtype)
    if step is None:
        f = from_dtype(dtype)
        i64 = types.int64
        sig = types.void(
            i64, f[:, :, :], i64[:, :], f[:, ::1], f[:, ::1], f[::1], i64[::1], f[:, ::1], f[::1]
        )
        step = _TRAIN_STEPS[dtype] = njit(sig, **JIT)(_train_step)
    return step


@njit(**JIT)
def sgd_momentum(p, g, v, lr, mu):
    """v <- mu v - lr g; w <- w + v, elementwise over flat arrays, in the order and rounding of
    optimizers.SGD's numpy calls (lr g first; no fused multiply-add): the same numbers."""
    lr, mu = typed(p[0], lr), typed(p[0], mu)
    for i in range(p.size):
        v[i] = v[i] * mu - g[i] * lr
        p[i] = p[i] + v[i]
