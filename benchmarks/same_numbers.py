"""Same spec + seed, same numbers: train a fixed set of networks and compare two checkouts.

A speed change must not change what training computes. ``write OUT.npz`` trains 16 setups (MLPs
with relu, sigmoid, tanh, prelu, maxout, swish, gelu, leaky_relu, softplus, elu in float64; SGD
with and without momentum, Nesterov with L2, Adam, weight decay, GD, early stopping, a replica
that diverges, the adaptive schedule, probes, sample weights, regression; two conv1d nets) and
stores every history array, status and final parameter; ``compare A.npz B.npz`` says which
arrays differ in any bit (NaN equal to NaN; -0.0 and 0.0 differ). It imports the actlab on the
path (it does not put this checkout's src first), so for code without this script:

    PYTHONPATH=old/src python benchmarks/same_numbers.py write /tmp/old.npz
    PYTHONPATH=src python benchmarks/same_numbers.py write /tmp/new.npz
    python benchmarks/same_numbers.py compare /tmp/old.npz /tmp/new.npz
"""

from __future__ import annotations

import sys

import numpy as np

MLP = {
    "relu_sgd": ({"activation": "relu"}, {"optimizer": "sgd", "lr": 0.1, "momentum": 0.9}),
    "sigmoid_sgd": ({"activation": "sigmoid"}, {"optimizer": "sgd", "lr": 0.1, "momentum": 0.9}),
    "tanh_nesterov_l2": ({"activation": "tanh"}, {"optimizer": "nesterov", "lr": 0.05, "l2": 1e-3}),
    "prelu_adam": ({"activation": "prelu"}, {"optimizer": "adam", "lr": 0.01}),
    "maxout_sgd_wd": (
        {"activation": "maxout"},
        {"optimizer": "sgd", "lr": 0.05, "weight_decay": 1e-2},
    ),
    "swish_plain_sgd": ({"activation": "swish"}, {"optimizer": "sgd", "lr": 0.1, "momentum": 0.0}),
    "elu_f64": (
        {"activation": "elu", "dtype": np.float64},
        {"optimizer": "sgd", "lr": 0.1, "momentum": 0.9},
    ),
    "gelu_early": (
        {"activation": "gelu"},
        {
            "optimizer": "sgd",
            "lr": 0.1,
            "momentum": 0.9,
            "validation_fraction": 0.2,
            "early_stopping": True,
            "patience": 2,
            "epochs": 8,
        },
    ),
    "relu_diverge": (
        {"activation": "relu"},
        {"optimizer": "sgd", "lr": np.array([0.1, 1e6, 0.05]), "momentum": 0.9},
    ),
    "leaky_adaptive": (
        {"activation": "leaky_relu:0.1"},
        {"optimizer": "sgd", "lr": 0.1, "momentum": 0.9, "schedule": "adaptive"},
    ),
    "tanh_probes": ({"activation": "tanh"}, {"optimizer": "sgd", "lr": 0.1, "momentum": 0.9}),
    "relu_weighted": ({"activation": "relu"}, {"optimizer": "sgd", "lr": 0.1, "momentum": 0.9}),
    "softplus_gd": ({"activation": "softplus"}, {"optimizer": "gd", "lr": 0.5}),
    "regression": (
        {"activation": "tanh", "output": "identity"},
        {"optimizer": "sgd", "lr": 0.01, "momentum": 0.9},
    ),
}
CONV = {
    "conv1d": (
        "conv1d:5x5,act,conv1d:4x3,act,flatten,dense:2",
        {"activation": "relu"},
        {"optimizer": "sgd", "lr": 0.05, "momentum": 0.9},
    ),
    "conv1d_prelu_pool": (
        "conv1d:6x5,act,maxpool1d:2,conv1d:4x3,act,flatten,dense:8,act",
        {"activation": "prelu"},
        {"optimizer": "adam", "lr": 0.01},
    ),
}


def train_all() -> dict[str, np.ndarray]:
    """Every setup's histories, status, epochs and final parameters, by "setup/name"."""
    from actlab.network import Network
    from actlab.probes import Probes
    from actlab.training import Trainer

    rng = np.random.default_rng(0)
    X = rng.standard_normal((203, 12)).astype(np.float32)  # 203 rows: a short last batch
    y = ((X[:, 0] - X[:, 3] + 0.5 * X[:, 5]) > 0).astype(int) + (X[:, 1] > 0.7)
    y_reg = (X[:, :2].sum(axis=1, keepdims=True) ** 2).astype(np.float32)
    Xs = rng.standard_normal((150, 40)).astype(np.float32)
    ys = (Xs[:, :20].sum(axis=1) > 0).astype(int)
    seeds = [3, 4, 5]
    runs = []
    for name, (net_kw, tr_kw) in MLP.items():
        reg = name == "regression"
        net = Network(12, [16, 9], 1 if reg else 3, seeds=seeds, **net_kw)
        runs.append((name, net, dict(tr_kw), X, y_reg if reg else y))
    for name, (arch, net_kw, tr_kw) in CONV.items():
        net = Network(40, n_outputs=2, arch=arch, input_shape=(40, 1), seeds=seeds, **net_kw)
        runs.append((name, net, dict(tr_kw), Xs, ys))
    out = {}
    for name, net, tr_kw, Xa, ya in runs:
        probes = [Probes(size=50, every=1)] if name == "tanh_probes" else []
        epochs = tr_kw.pop("epochs", 4)
        trainer = Trainer(epochs=epochs, batch_size=16, callbacks=probes, **tr_kw)
        weights = rng.random(len(Xa)) + 0.1 if name == "relu_weighted" else None
        hist = trainer.fit(net, Xa, ya, X_test=Xa[:50], y_test=ya[:50], sample_weight=weights)
        for metric, values in hist.metrics.items():
            out[f"{name}/{metric}"] = values
        out[f"{name}/status"] = np.array(hist.status)
        for key in ("diverged_epoch", "stopped_epoch", "best_epoch"):
            out[f"{name}/{key}"] = np.array([-1 if e is None else e for e in getattr(hist, key)])
        for pname, p, _ in net.parameters():
            out[f"{name}/param/{pname}"] = p.copy()
        for key, values in probes[0].arrays().items() if probes else ():
            out[f"{name}/probe/{key}"] = values
    return out


def differing(a: dict, b: dict) -> list[str]:
    """Names whose arrays differ in dtype, shape or any bit (NaN = NaN, -0.0 != 0.0), and
    names present in only one of the two."""
    bad = sorted(set(a) ^ set(b))
    for k in sorted(set(a) & set(b)):
        x, y = np.asarray(a[k]), np.asarray(b[k])
        same = x.dtype == y.dtype and x.shape == y.shape
        if same and x.dtype.kind in "fc":
            same = np.array_equal(x, y, equal_nan=True) and np.array_equal(
                np.signbit(x), np.signbit(y)
            )
        elif same:
            same = np.array_equal(x, y)
        if not same:
            bad.append(k)
    return bad


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "write":
        import actlab

        out = train_all()
        np.savez(argv[1], **out)
        print(f"{len(out)} arrays from {actlab.__file__} -> {argv[1]}")
        return 0
    if len(argv) == 3 and argv[0] == "compare":
        with np.load(argv[1]) as fa, np.load(argv[2]) as fb:
            a, b = dict(fa), dict(fb)
        bad = differing(a, b)
        print(f"{len(set(a) | set(b))} arrays compared, {len(bad)} differ" + (":" if bad else ""))
        for k in bad:
            print(f"  {k}")
        return 1 if bad else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
