"""Figure 1: one small model on digits, actlab (R = 1) against PyTorch and scikit-learn.

digits (8x8, 75/25 stratified split, standardized, float32), 64-100-100-10, SGD lr 0.1
momentum 0.9, batch 32, shuffled every epoch, 50 epochs. actlab and torch start from the same
init: weights U(+-1/sqrt(fan_in)) (actlab's "standard"; torch's default kaiming_uniform(a=sqrt 5))
and zero biases (torch's default draws its biases from the weights' range; the benchmark sets
them to 0, as actlab starts them). That difference alone moved relu's accuracy: over 20 seeds,
10 epochs, torch with random biases 0.939 mean, 0 of 20 collapsed; torch with zero biases 0.844,
2 collapsed; actlab (zero) 0.842, 3 collapsed; actlab with torch's random biases 0.912, 0
collapsed. scikit-learn: Glorot uniform (its only choice). actlab's 'auto' init for relu would
be He normal, which is unstable at lr 0.1 with momentum 0.9 in this net.

Accuracy is compared over ACCURACY_SEEDS seeds per system, by the median (a relu net at lr 0.1
with momentum 0.9 sometimes collapses to chance, in every system; a mean over 3 seeds then
says only whether a collapse happened), with the collapsed runs counted beside it.
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
from common import need

ACTIVATIONS = ("sigmoid", "tanh", "relu")
HIDDEN = (100, 100)
LR, MOMENTUM, BATCH = 0.1, 0.9, 32
ACTLAB_INIT = "standard"
ACCURACY_SEEDS = 10
COLLAPSED = 0.5  # a test accuracy below this (chance is 0.1) counts as a collapsed run


@lru_cache(maxsize=1)
def digits():
    from actlab.datasets import load_dataset

    X_tr, y_tr, X_te, y_te = load_dataset(
        "digits", seed=0, test_size=0.25, standardize=True, dtype="float32"
    )
    return (
        np.ascontiguousarray(X_tr, dtype=np.float32),
        np.asarray(y_tr, dtype=np.int64),
        np.ascontiguousarray(X_te, dtype=np.float32),
        np.asarray(y_te, dtype=np.int64),
    )


def actlab_fit(activation: str, epochs: int, seeds=(0,), init: str = ACTLAB_INIT, compiled=False):
    """Train R = len(seeds) replicas in lockstep; test accuracy per replica, shape (R,).
    ``compiled``: the compiled step (Trainer(compiled=True), opt-in), else the default."""
    from actlab.network import Network
    from actlab.training import Trainer, evaluate

    X_tr, y_tr, X_te, y_te = digits()
    net = Network(
        X_tr.shape[1],
        list(HIDDEN),
        10,
        activation=activation,
        init=init,
        seeds=list(seeds),
        dtype=np.float32,
    )
    trainer = Trainer(
        "sgd", lr=LR, momentum=MOMENTUM, epochs=epochs, batch_size=BATCH, compiled=compiled
    )
    hist = trainer.fit(net, X_tr, y_tr)
    assert trainer.step_kind_ == ("compiled" if compiled else "numpy"), trainer.step_kind_
    acc = evaluate(net, X_te, y_te)[1]
    return np.where([s == "ok" for s in hist.status], acc, np.nan)


_TORCH_ACT = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU", "swish": "SiLU"}


def torch_fit(activation: str, epochs: int, seed: int = 0, threads: int = 2) -> float:
    """The plain PyTorch loop a user would write: nn.Sequential, torch.optim.SGD, CPU."""
    torch = need("torch")
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    X_tr, y_tr, X_te, y_te = (torch.from_numpy(a) for a in digits())
    act = getattr(torch.nn, _TORCH_ACT[activation])
    model = torch.nn.Sequential(
        torch.nn.Linear(X_tr.shape[1], HIDDEN[0]),
        act(),
        torch.nn.Linear(HIDDEN[0], HIDDEN[1]),
        act(),
        torch.nn.Linear(HIDDEN[1], 10),
    )
    with torch.no_grad():  # zero biases, as actlab starts them (see the module docstring)
        for layer in model:
            if isinstance(layer, torch.nn.Linear):
                layer.bias.zero_()
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = X_tr.shape[0]
    for _ in range(epochs):
        perm = torch.randperm(n)
        for i in range(0, n, BATCH):
            idx = perm[i : i + BATCH]
            opt.zero_grad()
            loss = loss_fn(model(X_tr[idx]), y_tr[idx])
            loss.backward()
            opt.step()
    with torch.no_grad():
        return float((model(X_te).argmax(1) == y_te).float().mean())


_SK_ACT = {"sigmoid": "logistic", "tanh": "tanh", "relu": "relu"}


def sklearn_fit(activation: str, epochs: int, seed: int = 0) -> float:
    """scikit-learn's MLPClassifier with the same settings (no early stop, no L2, float32)."""
    need("sklearn")
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X_tr, y_tr, X_te, y_te = digits()
    clf = MLPClassifier(
        hidden_layer_sizes=HIDDEN,
        activation=_SK_ACT[activation],
        solver="sgd",
        learning_rate_init=LR,
        momentum=MOMENTUM,
        nesterovs_momentum=False,
        batch_size=BATCH,
        max_iter=epochs,
        tol=0,
        n_iter_no_change=10**9,
        alpha=0.0,
        shuffle=True,
        random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_tr, y_tr)
    return float(clf.score(X_te, y_te))


def accuracy(epochs: int, peers, activation: str, seeds: int = ACCURACY_SEEDS) -> dict:
    """{system: test accuracies of ``seeds`` seeds}; actlab trains them as one lockstep stack
    (replica r gives the numbers of a single run with seed r), torch at 1 thread (2 threads
    computes the same), scikit-learn one by one."""
    out = {
        "actlab": actlab_fit(activation, epochs, seeds=tuple(range(seeds))),
        "actlab compiled": actlab_fit(activation, epochs, seeds=tuple(range(seeds)), compiled=True),
    }
    if any(p.startswith("torch") for p in peers):
        out["torch"] = np.array([torch_fit(activation, epochs, s, threads=1) for s in range(seeds)])
    if "sklearn" in peers:
        out["sklearn"] = np.array([sklearn_fit(activation, epochs, s) for s in range(seeds)])
    return out


def run(epochs: int, repeats: int, peers=("torch1", "torch2", "sklearn"), activations=ACTIVATIONS):
    """Time every system per activation, interleaved: repeat k trains every system with seed k.

    actlab twice: the default (NumPy) step and the compiled step (opt-in, ``compiled=True``).
    ``worst``: per actlab step ("actlab", "actlab_c"), per peer, the smallest peer / actlab
    time ratio over the activations. ``gaps``: per actlab step and activation, the best peer's
    median test accuracy over ACCURACY_SEEDS seeds minus actlab's (the goal: at most 0.01);
    see the module docstring for why the median.
    """
    import statistics
    import time

    fits = {
        "actlab": lambda a, s: float(actlab_fit(a, epochs, seeds=(s,))[0]),
        "actlab_c": lambda a, s: float(actlab_fit(a, epochs, seeds=(s,), compiled=True)[0]),
        "torch1": lambda a, s: torch_fit(a, epochs, s, threads=1),
        "torch2": lambda a, s: torch_fit(a, epochs, s, threads=2),
        "sklearn": lambda a, s: sklearn_fit(a, epochs, s),
    }
    names = {
        "actlab": "actlab",
        "actlab_c": "actlab compiled",
        "torch1": "torch 1 thr",
        "torch2": "torch 2 thr",
        "sklearn": "sklearn",
    }
    ours = ("actlab", "actlab_c")
    systems = [*ours, *peers]
    rows, worst, gaps = [], {o: {} for o in ours}, {o: {} for o in ours}
    for act in activations:
        for s in systems:  # warm-up
            fits[s](act, 0)
        times = {s: [] for s in systems}
        for k in range(repeats):
            for s in systems:
                t0 = time.perf_counter()
                fits[s](act, k)
                times[s].append(time.perf_counter() - t0)
        t = {s: statistics.median(v) for s, v in times.items()}
        accs = accuracy(epochs, peers, act)
        median = {s: float(np.nanmedian(v)) for s, v in accs.items()}
        row = [act] + [f"{t[s]:.3f}" for s in systems]
        for p in peers:
            for o in ours:
                worst[o][p] = min(worst[o].get(p, np.inf), t[p] / t[o])
            row.append(" / ".join(f"{t[p] / t[o]:.2f}x" for o in ours))
        row.append(
            " / ".join(
                f"{median[s]:.3f} [{int(np.sum(~(np.asarray(v) >= COLLAPSED)))}]"
                for s, v in accs.items()
            )
        )
        best_peer = max((m for s, m in median.items() if not s.startswith("actlab")), default=None)
        if best_peer is not None:
            gaps["actlab"][act] = best_peer - median["actlab"]
            gaps["actlab_c"][act] = best_peer - median["actlab compiled"]
        rows.append(row)
    header = (
        ["activation"]
        + [f"{names[s]} s" for s in systems]
        + [f"{names[p]} / actlab (numpy / compiled)" for p in peers]
        + [
            f"test acc, median of {ACCURACY_SEEDS} seeds [collapsed < {COLLAPSED}] ("
            + " / ".join(accs)
            + ")"
        ]
    )
    return header, rows, worst, gaps
