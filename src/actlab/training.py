"""The Trainer: minibatches, epochs, per-epoch history, divergence and early stopping.

All replicas of a Network train in lockstep; each draws its own minibatch order from its own
Generator, so replica r of a stack gives the numbers of a single run with seed r. A replica whose
loss or weights become NaN or inf is frozen and marked diverged; the others go on.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from .errors import ParameterError, check_int
from .optimizers import WeightPenalty, get_optimizer
from .schedules import Schedule

METRICS = ("train_loss", "train_acc", "val_loss", "val_acc", "test_loss", "test_acc")


@dataclass
class History:
    """Per-epoch metrics, each an array of shape (R, epochs) (NaN where not measured)."""

    seeds: list[int]
    metrics: dict[str, np.ndarray] = field(default_factory=dict)
    status: list[str] = field(default_factory=list)  # "ok" | "diverged"
    diverged_epoch: list[int | None] = field(default_factory=list)
    stopped_epoch: list[int | None] = field(default_factory=list)
    best_epoch: list[int | None] = field(default_factory=list)
    epoch_seconds: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        return len(self.epoch_seconds)

    def __getitem__(self, key):
        return self.metrics[key]

    def replica(self, r: int) -> dict:
        """One replica's record: status and per-epoch metrics as plain lists (JSON-ready)."""
        rec = {
            "seed": self.seeds[r],
            "status": self.status[r],
            "diverged_epoch": self.diverged_epoch[r],
            "stopped_epoch": self.stopped_epoch[r],
            "best_epoch": self.best_epoch[r],
            "epoch_seconds": list(self.epoch_seconds),
        }
        for name, values in self.metrics.items():
            rec[name] = [None if not np.isfinite(v) else float(v) for v in values[r]]
        return rec


class Trainer:
    """Trains a Network.

    Parameters
    ----------
    optimizer : an Optimizer or a name (gd, sgd, nesterov, adam); "gd" trains on the full batch.
    lr, momentum : passed to the optimizer when it is given by name.
    epochs : passes over the training data.
    batch_size : minibatch size (None or the optimizer "gd": the whole training set).
    validation_fraction : hold out this fraction of the training data (the same rows for every
        replica, chosen by ``split_seed``) as validation data when ``fit`` is given none; 0 = no.
    early_stopping : stop a replica when its validation loss has not improved for ``patience``
        epochs, and restore its best weights. Needs validation data.
    l2 : L2 strength on the weights (not biases), scikit-learn's ``alpha`` and scaling: the
        loss gains l2/(2B) sum ||W||^2 and grad_W gains l2/B W (B: the minibatch size). The
        recorded train_loss includes this penalty; validation and test losses do not.
    weight_decay : decoupled weight decay, W <- W (1 - lr weight_decay) before every step.
        l2 and weight_decay may be per replica: arrays of shape (R,) (see optimizers.WeightPenalty).
    schedule, power_t, tol, n_iter_no_change : the learning-rate schedule, "constant",
        "invscaling" or "adaptive", changed after every epoch (see actlab.schedules).
    blas_threads : threads for the BLAS library (matmul) during ``fit``, through threadpoolctl;
        None leaves the process's setting. On a busy machine 1 can beat 2 (a second thread that
        is descheduled stalls every large GEMM). Results can differ in the last bits between
        thread counts for large layers (OpenBLAS splits the work differently).
    compiled : train with the compiled step (actlab.compiled, numba): a dense MLP's forward,
        loss and backward in one call, and SGD momentum's update in one pass; 2.5-2.8x faster
        per step on small models (BENCHMARKS.md). Off by default: its rounding differs from the
        NumPy step's in the last bits (one step agrees to a few ulp), so a run's numbers belong
        to the step it used, and numba compiles it once per machine (seconds, then cached).
        Where it does not apply (another architecture or head, an activation without a
        compiled loop, sample weights, an ``on_step`` callback that does not declare
        ``reads_only_parameter_gradients``, as Probes does) the NumPy step trains; after
        ``fit``, ``step_kind_`` says which step ran and why.
    callbacks : objects (probes) with any of ``on_train_begin(trainer, network, X, y)``,
        ``on_step(trainer, network, epoch, step)`` (after the gradients, before the update) and
        ``on_epoch_end(trainer, network, epoch, history)``. They read and never write the network.
        The layers' outputs and caches of a training step live in arrays the layers keep
        (actlab.buffers): the next step overwrites them, so a callback that keeps one copies it.
    """

    def __init__(
        self,
        optimizer="sgd",
        lr=None,
        momentum=None,
        epochs=50,
        batch_size=32,
        validation_fraction=0.0,
        split_seed=0,
        early_stopping=False,
        patience=10,
        callbacks=(),
        shuffle=True,
        blas_threads=None,
        l2=0.0,
        weight_decay=0.0,
        schedule="constant",
        power_t=0.5,
        tol=1e-4,
        n_iter_no_change=10,
        compiled=False,
    ):
        options = {} if momentum is None else {"momentum": momentum}
        self.optimizer = get_optimizer(optimizer, lr=lr, **options)
        WeightPenalty((), (), l2, weight_decay)  # checks the two strengths
        self.l2, self.weight_decay = l2, weight_decay
        self.schedule = Schedule(schedule, power_t, tol, n_iter_no_change)
        self.epochs = check_int("epochs", epochs)
        self.batch_size = None if batch_size is None else check_int("batch_size", batch_size)
        if self.optimizer.full_batch:
            self.batch_size = None
        if not (isinstance(validation_fraction, (int, float)) and 0 <= validation_fraction < 1):
            raise ParameterError("validation_fraction", validation_fraction, "a number in [0, 1)")
        self.validation_fraction = float(validation_fraction)
        self.split_seed = int(split_seed)
        self.early_stopping = bool(early_stopping)
        self.patience = check_int("patience", patience)
        self.callbacks = list(callbacks)
        self.shuffle = shuffle
        if blas_threads is not None:
            blas_threads = check_int("blas_threads", blas_threads)
        self.blas_threads = blas_threads
        if not isinstance(compiled, (bool, np.bool_)):
            raise ParameterError("compiled", compiled, "True or False")
        self.compiled = bool(compiled)
        self.step_kind_ = None  # after fit: "numpy" or "compiled" (and why not compiled)

    def fit(
        self, net, X, y, X_val=None, y_val=None, X_test=None, y_test=None, sample_weight=None
    ) -> History:
        """Train ``net`` in place on (X, y); evaluate validation and test data after each epoch.

        X: (n, features); y: as the head expects for one replica (class indices (n,), or (n, K)).
        sample_weight: None, or (n,) weights of the training samples (scikit-learn's weighting,
        see ``weighted_loss_and_grad``); the recorded train_loss is then the weighted one.
        """
        args = (net, X, y, X_val, y_val, X_test, y_test, sample_weight)
        if self.blas_threads is None:
            return self._fit(*args)
        with blas_limits(self.blas_threads):
            return self._fit(*args)

    def _fit(self, net, X, y, X_val, y_val, X_test, y_test, sample_weight=None) -> History:
        X, y = check_fit_inputs(net, X, y, "X", "y")
        sw = None if sample_weight is None else check_sample_weight(sample_weight, len(X))
        if sw is not None and X_val is None and self.validation_fraction > 0:
            raise ParameterError(
                "sample_weight",
                "an array",
                "None with validation_fraction > 0 (pass X_val, y_val instead)",
            )
        if X_val is None and self.validation_fraction > 0:
            X, y, X_val, y_val = self._split(X, y)
        if self.early_stopping and X_val is None:
            raise ParameterError("early_stopping", True, "False, or True with validation data")
        if X_val is not None or y_val is not None:
            X_val, y_val = check_fit_inputs(net, X_val, y_val, "X_val", "y_val")
        if X_test is not None or y_test is not None:
            X_test, y_test = check_fit_inputs(net, X_test, y_test, "X_test", "y_test")
        R, n = net.n_replicas, X.shape[0]
        batch = n if self.batch_size is None else min(self.batch_size, n)
        hist = History(seeds=list(net.seeds))
        hist.metrics = {m: np.full((R, self.epochs), np.nan) for m in METRICS}
        hist.status = ["ok"] * R
        hist.diverged_epoch = [None] * R
        hist.stopped_epoch = [None] * R
        hist.best_epoch = [None] * R
        active = np.ones(R, dtype=bool)
        # one (R, P) array: a few optimizer calls, not a few per array
        fused = net.fused_parameters()
        params = [fused[0]] if fused else [p for _, p, _ in net.parameters()]
        grads = [fused[1]] if fused else [g for _, _, g in net.parameters()]
        best_val = np.full(R, np.inf)
        best_params = None
        since_best = np.zeros(R, dtype=int)
        step_hooks = [cb for cb in self.callbacks if hasattr(cb, "on_step")]
        weights = [(p, g) for name, p, g in net.parameters() if name.endswith(".W")]
        penalty = WeightPenalty(
            [p for p, _ in weights], [g for _, g in weights], self.l2, self.weight_decay
        )
        l2, decay = penalty.has_l2, penalty.has_decay
        self.schedule.start(self.optimizer.lr, R)
        for cb in self.callbacks:
            if hasattr(cb, "on_train_begin"):
                cb.on_train_begin(self, net, X, y)
        # Per step, only what must happen per step (small models are bound by numpy calls):
        # each step's loss and logits are stored, and the epoch's train loss and accuracy are
        # computed from them once, at the end of the epoch (the same sums, in the same order).
        steps = -(-n // batch)
        step_loss = np.zeros((steps, R))
        step_rows = np.full((steps, 1), float(batch))  # rows per step: full ones, then the rest
        step_rows[-1] = n - (steps - 1) * batch
        classify = net.head.task == "classification"
        train_step = self._training_step(net, step_hooks, sw)
        # optimizer.step(params, grads, active), its lookups done once
        update = self.optimizer.stepper(params, grads, compiled=self.step_kind_ == "compiled")
        for epoch in range(self.epochs):
            start = time.perf_counter()
            order = self._order(net, n)
            step_loss[:] = 0
            epoch_logits = None
            moving = None if active.all() else active  # the optimizer's ``active``: None = all
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                for step, (xb, yb) in enumerate(_minibatches(X, y, order, batch)):
                    if sw is None:
                        # outputs into arrays the layers keep: no allocation per step
                        loss, logits = train_step(xb, yb)
                        mass = yb.shape[1]
                    else:
                        wb = sw[order[:, step * batch : (step + 1) * batch]]
                        loss, logits, mass = weighted_loss_and_grad(net, xb, yb, wb)
                    if l2:
                        loss = loss + penalty.add_l2(mass)
                    # rare: one reduction per step in the common case (a sum of finite losses
                    # is finite unless it overflows; then the exact check below finds nothing)
                    if not math.isfinite(loss.item() if R == 1 else np.add.reduce(loss)):
                        self._diverge(hist, active, active & ~np.isfinite(loss), epoch)
                        if not active.any():
                            break
                        moving = None if active.all() else active
                    for cb in step_hooks:
                        cb.on_step(self, net, epoch, step)
                    if decay:
                        penalty.decay(self.optimizer.lr, moving)
                    update(moving)
                    step_loss[step] = loss
                    if classify:
                        if epoch_logits is None:
                            epoch_logits = np.empty((R, n, *logits.shape[2:]), logits.dtype)
                        epoch_logits[:, step * batch : step * batch + logits.shape[1]] = logits
                # sum over steps of loss x rows, in step order (as a running sum would add them)
                loss_sum = np.add.reduce(step_loss * step_rows, axis=0)
                correct = np.zeros(R)
                if epoch_logits is not None:
                    done = min(n, (step + 1) * batch)
                    nc = net.head.n_correct(
                        epoch_logits[:, :done], np.take(y, order[:, :done], axis=0)
                    )
                    correct = np.zeros(R) if nc is None else nc
                finite = np.ones(R, dtype=bool)  # weights: checked once per epoch, not per step
                for p in params:
                    finite &= np.isfinite(p.reshape(R, -1)).all(axis=1)
                if not finite[active].all():
                    self._diverge(hist, active, active & ~finite, epoch)
                m = hist.metrics
                live = active
                m["train_loss"][live, epoch] = loss_sum[live] / n
                if net.head.task == "classification":
                    m["train_acc"][live, epoch] = correct[live] / n
                for split, (Xs, ys) in (("val", (X_val, y_val)), ("test", (X_test, y_test))):
                    if Xs is not None:
                        loss_s, acc_s = evaluate(net, Xs, ys)
                        m[f"{split}_loss"][live, epoch] = loss_s[live]
                        m[f"{split}_acc"][live, epoch] = acc_s[live]
            hist.epoch_seconds.append(time.perf_counter() - start)
            if self.schedule.name != "constant":
                self.optimizer.lr, stop = self.schedule.after_epoch(
                    self.optimizer.lr, n * (epoch + 1), hist.metrics["train_loss"][:, epoch], active
                )
                for r in np.flatnonzero(stop):
                    hist.stopped_epoch[r] = epoch + 1
                active &= ~stop
            if self.early_stopping:
                best_params = self._early_stop(
                    hist, net, params, active, best_val, since_best, best_params, epoch
                )
            for cb in self.callbacks:
                if hasattr(cb, "on_epoch_end"):
                    cb.on_epoch_end(self, net, epoch, hist)
            if not active.any():
                break
        self._finish(hist, net, params, best_params)
        return hist

    def _training_step(self, net, step_hooks, sample_weight):
        """``step(x, y) -> (loss, logits)``: the compiled step where asked for and possible,
        else Network.training_step (loss_and_grad(reuse=True), its lookups done once)."""
        if self.compiled:
            from .compiled import CompiledStep, why_not

            reason = why_not(net)
            watching = [cb for cb in step_hooks if not _reads_only_parameter_gradients(cb)]
            if reason is None and watching:
                reason = (
                    f"callback {type(watching[0]).__name__} watches every step (only those that "
                    "set reads_only_parameter_gradients run beside the compiled step)"
                )
            if reason is None and sample_weight is not None:
                reason = "sample weights"
            if reason is None:
                self.step_kind_ = "compiled"
                return CompiledStep(net)
            self.step_kind_ = f"numpy (not compiled: {reason})"
        else:
            self.step_kind_ = "numpy"
        return net.training_step()

    def _split(self, X, y):
        n = len(X)
        n_val = round(self.validation_fraction * n)
        if not 1 <= n_val < n:
            raise ParameterError(
                "validation_fraction",
                self.validation_fraction,
                f"a fraction that leaves both parts non-empty for {n} samples",
            )
        perm = np.random.default_rng(self.split_seed).permutation(n)
        val, train = np.sort(perm[:n_val]), np.sort(perm[n_val:])
        return X[train], np.asarray(y)[train], X[val], np.asarray(y)[val]

    def _order(self, net, n):
        if not self.shuffle:
            return np.broadcast_to(np.arange(n), (net.n_replicas, n))
        return np.stack([rng.permutation(n) for rng in net.shuffle_rngs])

    @staticmethod
    def _diverge(hist, active, bad, epoch):
        for r in np.flatnonzero(bad):
            if active[r]:
                hist.status[r] = "diverged"
                hist.diverged_epoch[r] = epoch + 1
        active &= ~bad

    def _early_stop(self, hist, net, params, active, best_val, since_best, best_params, epoch):
        val = hist.metrics["val_loss"][:, epoch]
        better = active & (val < best_val)
        if best_params is None:
            best_params = [p.copy() for p in params]
        for r in np.flatnonzero(better):
            best_val[r] = val[r]
            hist.best_epoch[r] = epoch + 1
            for saved, p in zip(best_params, params):
                saved[r] = p[r]
        since_best[better] = 0
        since_best[active & ~better] += 1
        for r in np.flatnonzero(active & (since_best >= self.patience)):
            hist.stopped_epoch[r] = epoch + 1
            active[r] = False
        return best_params

    def _finish(self, hist, net, params, best_params):
        if best_params is not None:
            for r in range(net.n_replicas):
                if hist.status[r] == "ok" and hist.best_epoch[r] is not None:
                    for saved, p in zip(best_params, params):
                        p[r] = saved[r]


def _reads_only_parameter_gradients(callback) -> bool:
    """Whether ``callback``'s on_step is declared (by the class that defines it, so a subclass
    with its own on_step does not inherit the promise) to read only parameter gradients."""
    for klass in type(callback).__mro__:
        if "on_step" in vars(klass):
            return bool(vars(klass).get("reads_only_parameter_gradients", False))
    return False


def blas_limits(threads: int):
    """threadpoolctl's limit of ``threads`` on every BLAS a training step calls: numpy's, and
    scipy's, which the compiled step calls (actlab.compiled.blas). A limit applies only to the
    libraries loaded when it is set, so scipy's is loaded first. A context manager; also in
    force without ``with`` (a pool worker's setting for its life)."""
    import scipy.linalg.cython_blas  # noqa: F401
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=threads)


GATHER_BYTES = 8 << 20  # rows gathered at once for an epoch's minibatches (per chunk)


def check_sample_weight(sample_weight, n):
    """Per-sample weights as a float64 array (n,): finite, >= 0, not all zero."""
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.shape != (n,) or not np.isfinite(w).all() or (w < 0).any() or not w.any():
        raise ParameterError(
            "sample_weight",
            f"an array of shape {w.shape}",
            f"{n} finite numbers >= 0, not all zero",
        )
    return w


def weighted_loss_and_grad(net, x, y, w):
    """Forward, loss and backward with per-sample weights w (R, B), scikit-learn's weighting:
    loss = sum_i w_i l_i / sum_i w_i and dL/dz_i = w_i dl_i/dz_i / sum_i w_i. Returns (loss (R,),
    logits, sum_i w_i (R,)); the sum is what scales the L2 term instead of the batch size."""
    logits = net.forward(x)
    _, grad = net.head.loss_and_grad(logits, y)
    R, B = logits.shape[:2]
    per_sample = net.head.loss(
        logits.reshape(R * B, 1, -1), y.reshape(R * B, 1, *y.shape[2:])
    ).reshape(R, B)
    mass = w.sum(axis=1)
    grad *= (w * (B / mass)[:, None]).astype(grad.dtype)[..., None]
    net.backward(grad)
    return (per_sample * w).sum(axis=1) / mass, logits, mass


def _minibatches(X, y, order, batch):
    """Each replica's minibatches in its own ``order`` (R, n): (xb, yb) of shape (R, b, ...).

    Rows are gathered with one np.take per chunk of steps (the whole epoch for small data) and
    each minibatch is a view of the chunk, instead of one fancy-index copy per step.
    """
    R, n = order.shape
    row_bytes = R * X.itemsize * int(np.prod(X.shape[1:]))
    chunk = max(batch, GATHER_BYTES // max(row_bytes, 1) // batch * batch)
    for a in range(0, n, chunk):
        idx = order[:, a : a + chunk]
        Xc, yc = np.take(X, idx, axis=0), np.take(y, idx, axis=0)
        for i in range(0, idx.shape[1], batch):
            yield Xc[:, i : i + batch], yc[:, i : i + batch]


def check_fit_inputs(net, X, y, x_name="X", y_name="y"):
    """(X, y) as ``fit`` uses them, or a one-line DataError: X rows the network takes
    (Network.check_input: feature count, NaN/inf after the cast to its dtype), one target per
    row, class indices in 0..K-1 for a softmax head, finite targets otherwise."""
    from .errors import DataError

    if X is None or y is None:
        raise ParameterError(
            y_name if X is not None else x_name, None, f"{x_name} and {y_name} given together"
        )
    X = net.check_input(X, x_name)
    n = X.shape[0]
    try:
        target = np.asarray(y)
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"{y_name}: expected an array of numbers; could not convert ({exc})"
        ) from None
    if target.ndim == 0 or target.shape[0] != n:
        got = target.shape[0] if target.ndim else "no"
        raise DataError(f"{y_name}: has {got} labels but {x_name} has {n} rows; they must match")
    if net.head.name == "softmax_cross_entropy":
        k = net.sizes[-1]
        ok = (target.ndim == 1 and target.dtype.kind in "iub") or (
            target.dtype.kind == "f"
            and np.isfinite(target).all()
            and np.all(np.mod(target, 1) == 0)
        )
        if not ok or target.ndim != 1 or (n and (target.min() < 0 or target.max() >= k)):
            raise DataError(
                f"{y_name}: expected class indices 0..{k - 1}, one per row; got "
                f"shape {target.shape}, values {np.unique(target)[:5].tolist()}"
            )
    elif target.dtype.kind == "f" and not np.isfinite(_quiet_cast(target, net.dtype)).all():
        row = int(np.argwhere(~np.isfinite(_quiet_cast(target, net.dtype)))[0][0])
        raise DataError(f"{y_name}: NaN or inf target at row {row}: {target[row]!r}")
    return X, _as_target(target, net)


def _quiet_cast(a, dtype):
    with np.errstate(over="ignore"):
        return a.astype(dtype)


def _as_target(y, net):
    """Targets in the layout the head wants, for one replica (the batch index adds R)."""
    if net.head.name == "softmax_cross_entropy":
        return np.asarray(y, dtype=np.int64)
    y = np.asarray(y, dtype=net.dtype)
    return y[:, None] if y.ndim == 1 else y


def evaluate(net, X, y, batch_size=4096):
    """Mean loss and accuracy (NaN for regression) on (X, y), per replica: two arrays (R,)."""
    X = np.asarray(X, dtype=net.dtype)
    y = _as_target(y, net)
    R, n = net.n_replicas, X.shape[0]
    loss = np.zeros(R)
    correct = np.zeros(R)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for i in range(0, n, batch_size):
            logits = net.forward(X[i : i + batch_size])
            yb = np.broadcast_to(y[i : i + batch_size], (R, *y[i : i + batch_size].shape))
            loss += net.head.loss(logits, yb) * logits.shape[1]
            nc = net.head.n_correct(logits, yb)
            correct += 0 if nc is None else nc
    acc = correct / n if net.head.task == "classification" else np.full(R, np.nan)
    return loss / n, acc
