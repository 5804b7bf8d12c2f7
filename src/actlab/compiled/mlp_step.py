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

``meta`` (int64) holds, per weighted layer l: [n_in, n_out, W offset, b offset, z offset,
a offset, activation code], and last the offset of a scratch for W^T; ``act_p`` (dtype) per layer the activation's forward and backward
scalars (jitkernels' fargs then bargs). Buffers (``work``, dtype): per layer z, a and the
gradient g, each R x B x n_out, replica after replica (so one replica's rows are contiguous and
the activation loop runs over every replica at once).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..activations import jitloops as loops
from ..activations.vecmath import exp_neg, expm1_neg, typed
from .blas import NO, TRANSPOSE, rows_gemm

JIT = {"cache": True, "error_model": "numpy"}  # no fastmath: IEEE operations as written
FIELDS = 7  # meta entries per layer
# activation codes: the loops of jitloops each one runs (see ``forward`` / ``backward``)
CODES = (
    "identity",
    "relu",
    "leaky_relu",
    "elu",  # and SELU: scale, alpha, cap
    "sigmoid",
    "tanh",
    "softsign",
    "softplus",
    "swish",
    "gelu",
    "mish",
    "step",
)
IDENTITY, RELU, LEAKY, ELU, SIGMOID, TANH, SOFTSIGN, SOFTPLUS, SWISH, GELU, MISH, STEP = range(
    len(CODES)
)


@njit(**JIT)
def tanh_fwd(z, a):
    """tanh(x) = sign(x) (-t) / (2 + t), t = e^{-2|x|} - 1 in (-1, 0]: no cancellation near 0
    (expm1), no overflow for large |x| (t -> -1); +-0 and NaN are returned as they are."""
    for i in range(z.size):
        x = z[i]
        t = expm1_neg(typed(x, -2.0) * abs(x))
        r = -t / (typed(x, 2.0) + t)
        a[i] = r if x > 0 else (-r if x < 0 else x)


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
        tanh_fwd(z, a)
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
    """Per replica r: loss[r] = mean over rows of -log softmax(z)[y]; g = dL/dz (softmax -
    onehot) / B, as SoftmaxCrossEntropy.loss_and_grad computes it (losses.py): the shifted
    logits z - max first, then e^shifted in one loop over every row (so it vectorizes), then
    per row the sum s, log s - shifted[y], e / s - onehot, / B."""
    R, B, K = z.shape
    for r in range(R):
        for i in range(B):  # shifted = z - max(z), into g
            row, out = z[r, i], g[r, i]
            m = row[0]
            for j in range(1, K):
                m = max(m, row[j])
            for j in range(K):
                out[j] = row[j] - m
    flat = g.reshape(-1)
    for k in range(flat.size):
        flat[k] = exp_neg(flat[k])
    for r in range(R):
        total = 0.0
        for i in range(B):
            row, out = z[r, i], g[r, i]
            s = out[0]
            for j in range(1, K):
                s += out[j]
            t = y[r, i]
            total += math.log(s) - _shifted(row, t)
            for j in range(K):
                out[j] = out[j] / s
            out[t] = out[t] - typed(s, 1.0)
            for j in range(K):
                out[j] = out[j] / typed(s, B)
        loss[r] = total / B


@njit(inline="always")
def _shifted(row, t):
    """row[t] - max(row): the target's shifted logit (g holds its exponential by now)."""
    m = row[0]
    for j in range(1, row.size):
        m = max(m, row[j])
    return row[t] - m


@njit(inline="always")
def fields(meta, k):
    """(n_in, n_out, W offset, b offset, z offset, a offset, activation code) of layer k."""
    i = k * FIELDS
    return meta[i], meta[i + 1], meta[i + 2], meta[i + 3], meta[i + 4], meta[i + 5], meta[i + 6]


@njit(inline="always")
def block(work, at, R, B, n):
    """The (R, B, n) buffer at offset ``at`` of ``work``."""
    return work[at : at + R * B * n].reshape(R, B, n)


@njit(inline="always")
def layer_input(x, work, meta, k, r, B):
    """(data address, row stride) of replica r's input rows to layer k: x, or the previous
    layer's activations a_{k-1}."""
    if k == 0:  # addresses as int64 in both branches (uintp and int64 would unify to float)
        return np.int64(x[r].ctypes.data), np.int64(x.strides[1] // x.itemsize)
    n_in, a_off = meta[k * FIELDS], meta[(k - 1) * FIELDS + 5]
    return np.int64(work[a_off + r * B * n_in :].ctypes.data), n_in


@njit(**JIT)
def transpose(w, wt):
    """wt (n_out x n_in, row-major, flat) = w^T: BLAS's g W^T with W transposed in the call
    ran at half the rate of the same product on a transposed copy (OpenBLAS, 100 x 100)."""
    n_in, n_out = w.shape
    for j in range(n_out):
        for i in range(n_in):
            wt[j * n_in + i] = w[i, j]


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


@njit(**JIT)
def train_step(addr, x, y, params, grads, work, meta, act_p, loss):
    """One step on the minibatch x (R, B, n_0) with targets y (R, B): fills ``grads`` and
    ``loss`` (R,); the logits are left in ``work`` (the last layer's z)."""
    R, B = x.shape[0], x.shape[1]
    one, zero = typed(params[0, 0], 1.0), typed(params[0, 0], 0.0)
    wt = work[meta[-1] :]  # room for the largest W^T
    L = (meta.size - 1) // FIELDS
    for k in range(L):  # forward: z_k = h W_k + b_k, a_k = f_k(z_k)
        n_in, n_out, w_off, b_off, z_off, a_off, code = fields(meta, k)
        z = block(work, z_off, R, B, n_out)
        for r in range(R):
            h, ldh = layer_input(x, work, meta, k, r, B)
            w = params[r, w_off:].ctypes.data
            rows_gemm(
                addr, NO, NO, B, n_out, n_in, one, zero, h, ldh, w, n_out, z[r].ctypes.data, n_out
            )
        add_bias(z, params, b_off)
        if k < L - 1:
            forward(code, z.reshape(-1), block(work, a_off, R, B, n_out).reshape(-1), act_p[k])
    n_out, z_off, a_off = (
        meta[(L - 1) * FIELDS + 1],
        meta[(L - 1) * FIELDS + 4],
        meta[(L - 1) * FIELDS + 5],
    )
    g_last = block(work, a_off + R * B * n_out, R, B, n_out)
    softmax_cross_entropy(block(work, z_off, R, B, n_out), y, g_last, loss)
    for k in range(L - 1, -1, -1):  # backward, from g_k = dL/dz_k
        n_in, n_out, w_off, b_off, z_off, a_off, code = fields(meta, k)
        g = block(work, a_off + R * B * n_out, R, B, n_out)
        if k > 0:
            _, _, _, _, z_prev, a_prev, code_prev = fields(meta, k - 1)
            g_prev = block(work, a_prev + R * B * n_in, R, B, n_in)
        for r in range(R):
            h, ldh = layer_input(x, work, meta, k, r, B)
            gr = g[r].ctypes.data
            dw = grads[r, w_off:].ctypes.data  # dW_k = h^T g_k
            rows_gemm(addr, TRANSPOSE, NO, n_in, n_out, B, one, zero, h, ldh, gr, n_out, dw, n_out)
            if k > 0:  # g W_k^T, into the previous layer's gradient rows
                transpose(params[r, w_off : w_off + n_in * n_out].reshape(n_in, n_out), wt)
                dh = g_prev[r].ctypes.data
                rows_gemm(
                    addr,
                    NO,
                    NO,
                    B,
                    n_in,
                    n_out,
                    one,
                    zero,
                    gr,
                    n_out,
                    wt.ctypes.data,
                    n_in,
                    dh,
                    n_in,
                )
        bias_grad(g, grads, b_off)
        if k > 0:  # g_{k-1} = (g_k W_k^T) * f'(z_{k-1})
            m = R * B * n_in
            z_k, a_k = work[z_prev : z_prev + m], work[a_prev : a_prev + m]
            backward(code_prev, z_k, a_k, g_prev.reshape(-1), act_p[k - 1, 3:])


@njit(**JIT)
def sgd_momentum(p, g, v, lr, mu):
    """v <- mu v - lr g; w <- w + v, elementwise over flat arrays, in the order and rounding of
    optimizers.SGD's numpy calls (lr g first; no fused multiply-add): the same numbers."""
    lr, mu = typed(p[0], lr), typed(p[0], mu)
    for i in range(p.size):
        v[i] = v[i] * mu - g[i] * lr
        p[i] = p[i] + v[i]
