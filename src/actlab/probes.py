"""Instruments: what can be watched inside a network while it trains.

A ``Probes`` object is a Trainer callback. Before training and after every epoch it runs one
forward and backward pass on a fixed probe batch and records, per layer and per replica:

- saturation: the fraction of (sample, unit) pairs with |f'(z)| < eps * max|f'| (the seed's
  flat regions; Glorot & Bengio 2010), and ``dead``: the fraction of units with |f'(z)| below
  that threshold on every sample of the batch (dead ReLUs, fully saturated sigmoids);
- activation statistics: mean, std and the 2nd / 50th / 98th percentiles of each layer's
  output (Glorot & Bengio 2010, Figs. 2-3);
- gradient flow: norm and std of dL/dW per Dense layer and of dL/dz per hidden layer, and the
  ratio of the first layer's dL/dW norm to the last layer's (vanishing gradients);
- zig-zag: ``coherence``, per Dense layer, the fraction of (sample, unit) pairs whose
  per-sample incoming-weight gradient x_i * delta_j has one sign for every i (the seed: inputs
  that are all >= 0 force it); ``batch_coherence``, the same for the gradient of one minibatch
  (a training step's, of the trainer's batch size); and ``flip_fraction``, the fraction of
  dL/dW entries whose sign flips between consecutive training steps (the first ``flip_steps``
  steps of every epoch);
- learnable activation parameters (PReLU slope, Swish beta, SELU scale and alpha): their mean.

Probes only read. Training with probes gives bit-identical numbers to training without: the
probe pass overwrites only gradient buffers and caches that the next step overwrites anyway.
"""

from __future__ import annotations

import numpy as np

LAYER_METRICS = (
    "saturation",
    "dead",
    "act_mean",
    "act_std",
    "act_p02",
    "act_p50",
    "act_p98",
    "grad_z_norm",
    "grad_z_std",
)
DENSE_METRICS = ("grad_W_norm", "grad_W_std", "coherence", "batch_coherence")


def max_abs_derivative(act) -> float:
    """max |f'(z)| over z in [-20, 20] (1 for Maxout, whose winner always passes slope 1)."""
    if act.pieces > 1:
        return 1.0
    grid = np.linspace(-20.0, 20.0, 8001)
    with np.errstate(all="ignore"):
        value = float(np.nanmax(np.abs(act.derivative(grid))))
    return value


def unit_slopes(act, z: np.ndarray) -> np.ndarray:
    """|f'(z)| per (replica, sample, unit); for Maxout the winner's slope, 1."""
    if act.pieces > 1:
        return np.ones((*z.shape[:-1], z.shape[-1] // act.pieces), dtype=z.dtype)
    return np.abs(act.derivative(z))


def sign_coherence(x: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """Per replica: the fraction of (sample, unit) pairs, among those with delta != 0, whose
    per-sample weight gradient x_b,i * delta_b,j has one sign over all i with x_b,i != 0.

    x: (R, B, fan_in) layer input; delta: (R, B, fan_out) dL/dz of the layer.
    """
    single_signed = ~((x > 0).any(axis=-1) & (x < 0).any(axis=-1))  # (R, B)
    live = delta != 0
    hits = (live & single_signed[..., None]).sum(axis=(1, 2))
    return hits / np.maximum(live.sum(axis=(1, 2)), 1)


def sorted_percentiles(values: np.ndarray, q) -> np.ndarray:
    """np.percentile(values, q, axis=1), computed on the rows sorted first: the same numbers
    (percentiles are order statistics; NaN still gives NaN), in a third of the time, because
    numpy's sort is vectorised and its partition for several ranks at once is not (it was a
    tenth of a probed training run)."""
    return np.percentile(np.sort(values, axis=1), q, axis=1)


def column_coherence(grad_W: np.ndarray) -> np.ndarray:
    """Per replica: the fraction of units (columns of dL/dW) whose nonzero entries share a sign."""
    pos = (grad_W > 0).any(axis=1)
    neg = (grad_W < 0).any(axis=1)
    live = pos | neg
    return (live & ~(pos & neg)).sum(axis=1) / np.maximum(live.sum(axis=1), 1)


class Probes:
    """A Trainer callback that records the instruments above once per epoch (and at epoch 0).

    Parameters
    ----------
    size : rows of the probe batch, drawn once from the training data with ``seed``.
    eps : saturation threshold as a fraction of the activation's max |f'| (default 1%).
    flip_steps : training steps per epoch whose gradient signs are compared (0: off).
    every : record every this many epochs (the last epoch is always recorded).
    """

    # on_step reads only the parameter gradients (d.grads["W"]), which the compiled training
    # step (actlab.compiled) fills as the NumPy step does: the Trainer may use either
    reads_only_parameter_gradients = True

    def __init__(self, size=256, eps=0.01, flip_steps=20, every=1, seed=0):
        self.size, self.eps, self.flip_steps, self.every, self.seed = (
            size,
            eps,
            flip_steps,
            every,
            seed,
        )
        self.epochs: list[int] = []
        self.series: dict[str, list] = {}
        self.params: dict[str, list] = {}
        self._flips: list[np.ndarray] = []
        self._flip_counts = None
        self._prev_signs = None

    # --- trainer hooks ---------------------------------------------------------------------
    def on_train_begin(self, trainer, net, X, y):
        rng = np.random.default_rng(self.seed)
        rows = np.sort(rng.permutation(len(X))[: min(self.size, len(X))])
        self._X, self._y = X[rows], y[rows]
        self._step_batch = min(trainer.batch_size or len(rows), len(rows))
        self._limits = [self.eps * max_abs_derivative(a) for a in net.activations]
        self._record(net, 0)

    def on_step(self, trainer, net, epoch, step):
        if step >= self.flip_steps:
            return
        signs = [np.signbit(d.grads["W"]) for d in net.dense]
        if step == 0:
            self._flip_counts = np.zeros((net.n_replicas, len(net.dense)))
            self._flip_steps_seen = 0
        elif self._prev_signs is not None:
            for k, (s, p) in enumerate(zip(signs, self._prev_signs)):
                self._flip_counts[:, k] += (s != p).mean(axis=(1, 2))
            self._flip_steps_seen += 1
        self._prev_signs = signs

    def on_epoch_end(self, trainer, net, epoch, history):
        if self._flip_counts is not None:
            self._flips.append(self._flip_counts / max(self._flip_steps_seen, 1))
        self._flip_counts, self._prev_signs = None, None
        if (epoch + 1) % self.every == 0 or epoch + 1 == trainer.epochs:
            self._record(net, epoch + 1)

    # --- one probe pass ----------------------------------------------------------------------
    def _record(self, net, epoch):
        fwd, bwd, deltas = [], [], []
        with np.errstate(all="ignore"):
            logits = net.forward(self._X, trace=fwd)
            inputs = [layer.input for layer in net.dense]  # the input each weighted layer saw
            yb = np.broadcast_to(self._y, (net.n_replicas, *self._y.shape))
            _, grad = net.head.loss_and_grad(logits, yb)
            net.backward(grad, trace=bwd, deltas=deltas)
            values = {m: [] for m in LAYER_METRICS + DENSE_METRICS}
            R = net.n_replicas
            for act, limit, (z, a), dz in zip(net.activations, self._limits, fwd, bwd):
                slow = unit_slopes(act, z) < limit
                units = slow.shape[-1]  # a unit: a neuron, or a channel of a convolution
                values["saturation"].append(slow.reshape(R, -1).mean(axis=1))
                values["dead"].append(slow.reshape(R, -1, units).all(axis=1).mean(axis=1))
                flat = a.reshape(R, -1)
                values["act_mean"].append(flat.mean(axis=1))
                values["act_std"].append(flat.std(axis=1))
                for q, v in zip((2, 50, 98), sorted_percentiles(flat, (2, 50, 98))):
                    values[f"act_p{q:02d}"].append(v)
                dz = dz.reshape(R, -1).astype(np.float64)
                values["grad_z_norm"].append(np.sqrt((dz**2).sum(axis=1)))
                values["grad_z_std"].append(dz.std(axis=1))
            for layer, x, delta in zip(net.dense, inputs, deltas):
                gW = layer.grads["W"]
                values["grad_W_norm"].append(np.sqrt((gW.astype(np.float64) ** 2).sum(axis=(1, 2))))
                values["grad_W_std"].append(gW.std(axis=(1, 2)))
                if x is None or x.ndim != 3:  # per-sample coherence is defined for Dense layers
                    values["coherence"].append(np.full(R, np.nan))
                    values["batch_coherence"].append(np.full(R, np.nan))
                    continue
                x = np.broadcast_to(x, (R, *x.shape[1:]))
                values["coherence"].append(sign_coherence(x, delta))
                k = self._step_batch
                step_grad = np.matmul(x[:, :k].transpose(0, 2, 1), delta[:, :k])
                values["batch_coherence"].append(column_coherence(step_grad))
        for name, per_layer in values.items():
            self.series.setdefault(name, []).append(
                np.stack(per_layer, axis=1) if per_layer else np.zeros((net.n_replicas, 0))
            )
        for i, act in enumerate(net.activations):
            for key, value in act.params.items():
                flat = value.reshape(value.shape[0], -1).astype(np.float64)
                self.params.setdefault(f"layer{i + 1}.{key}", []).append(flat.mean(axis=1))
        self.epochs.append(epoch)

    # --- results -----------------------------------------------------------------------------
    def arrays(self) -> dict[str, np.ndarray]:
        """Every series as an array (R, times, layers); ``grad_ratio`` (R, times)."""
        out = {name: np.stack(v, axis=1) for name, v in self.series.items()}
        norms = out["grad_W_norm"]
        with np.errstate(all="ignore"):
            out["grad_ratio"] = norms[:, :, 0] / norms[:, :, -1]
        if self._flips:
            out["flip_fraction"] = np.stack(self._flips, axis=1)
        for name, v in self.params.items():
            out[f"param:{name}"] = np.stack(v, axis=1)
        return out

    def replica(self, r: int) -> dict:
        """One replica's probe record, JSON-ready: lists indexed [time][layer]."""
        rec = {"epochs": list(self.epochs), "eps": self.eps}
        params = {}
        for name, arr in self.arrays().items():
            value = _clean(arr[r])
            if name.startswith("param:"):
                params[name[6:]] = value
            else:
                rec[name] = value
        rec["params"] = params
        return rec


def _clean(arr: np.ndarray):
    """A nested list with NaN and inf as None (JSON has neither)."""
    arr = np.asarray(arr, dtype=np.float64)
    if arr.ndim == 0:
        return float(arr) if np.isfinite(arr) else None
    return (
        [_clean(v) for v in arr]
        if arr.ndim > 1
        else [float(round(v, 8)) if np.isfinite(v) else None for v in arr]
    )
