"""maxout (Goodfellow et al. 2013; the seed): maxout generalizes ReLU and trains at least as
well at the same width, at the price of k times the parameters. Compared here at equal width
and at equal parameter count (Network.n_parameters())."""

from __future__ import annotations

import numpy as np

from ..datasets import load_dataset
from ..explain._common import pyplot, save_figure
from ..network import Network
from ..training import Trainer
from ._common import Reproduction, ci, fmt_ci, three_way

NAME = "maxout"
SOURCE = "Goodfellow et al. 2013; the seed"
PUBLISHED = "maxout >= ReLU accuracy at equal width; k x the parameters"
CLAIM = (
    "Maxout (max over k linear pieces) is at least as accurate as ReLU at the same width, "
    "and costs about k times the parameters."
)
K = 2


def mlp_parameters(n_in: int, width: int, n_out: int, depth: int) -> int:
    """Weights and biases of an n_in-(width x depth)-n_out MLP with one-output activations."""
    return (n_in + 1) * width + (depth - 1) * (width + 1) * width + (width + 1) * n_out


def equal_param_width(target: int, n_in: int, n_out: int, depth: int) -> int:
    """The ReLU width whose MLP has the parameter count nearest ``target``."""
    return min(range(1, 4000), key=lambda w: abs(mlp_parameters(n_in, w, n_out, depth) - target))


def decide(param_ratio: float, diff_equal_width, k: int = K) -> str:
    """diff = maxout - ReLU test accuracy per seed at equal width. HOLDS if the parameter ratio
    is within 10% of k and the diff's CI lower bound is > -0.01 with mean >= 0; DIRECTION if the
    ratio exceeds 1.5 and the mean diff is >= -0.01; FAILS otherwise."""
    d = ci(diff_equal_width)
    full = 0.9 * k <= param_ratio <= 1.1 * k and d["ci_low"] > -0.01 and d["mean"] >= 0
    return three_way(bool(full), bool(param_ratio > 1.5 and d["mean"] >= -0.01))


def run(out_dir, quick: bool = False) -> Reproduction:
    Xtr, ytr, Xte, yte = load_dataset("mnist1d")
    if quick:
        Xtr, ytr = Xtr[:800], ytr[:800]
    width, depth = (32, 2) if quick else (100, 2)
    seeds = list(range(2 if quick else 5))
    epochs = 3 if quick else 30
    maxout_params = Network(40, [width] * depth, 10, activation=f"maxout:{K}").n_parameters()
    eq = equal_param_width(maxout_params, 40, 10, depth)
    models = {
        f"maxout k={K}, width {width}": (f"maxout:{K}", width),
        f"relu, width {width} (equal width)": ("relu", width),
        f"relu, width {eq} (equal parameters)": ("relu", eq),
    }
    accs, params, curves = {}, {}, {}
    for label, (act, w) in models.items():
        net = Network(40, [w] * depth, 10, activation=act, seeds=seeds)
        params[label] = Network(40, [w] * depth, 10, activation=act).n_parameters()
        h = Trainer("adam", lr=1e-3, epochs=epochs, batch_size=100).fit(
            net, Xtr, ytr, X_test=Xte, y_test=yte
        )
        accs[label] = np.nan_to_num(h["test_acc"][:, -1], nan=0.0)
        curves[label] = np.nanmean(h["test_acc"], axis=0)
    mo, rw, rp = list(models)
    ratio = params[mo] / params[rw]
    diff_w, diff_p = accs[mo] - accs[rw], accs[mo] - accs[rp]
    verdict = decide(ratio, diff_w)
    lines = [
        f"{label}: {params[label]:,} parameters, test accuracy {fmt_ci(accs[label])}"
        for label in models
    ]
    lines.append(
        f"maxout - relu (paired per seed): equal width {fmt_ci(diff_w)}, equal "
        f"parameters {fmt_ci(diff_p)}"
    )
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for label, c in curves.items():
        ax.plot(np.arange(1, len(c) + 1), c, label=f"{label} ({params[label]:,} params)")
    ax.set(xlabel="epoch", ylabel="test accuracy", title="MNIST-1D: maxout vs ReLU")
    ax.legend(fontsize=8)
    figs = save_figure(fig, out_dir / "reproduce_maxout")
    return Reproduction(
        NAME,
        CLAIM,
        SOURCE,
        PUBLISHED,
        setup=f"MNIST-1D ({len(Xtr)} train), {depth} hidden layers, Adam lr 1e-3 batch 100, "
        f"{epochs} epochs, {len(seeds)} seeds",
        measured=f"params x{ratio:.2f}; maxout-relu acc equal width {fmt_ci(diff_w)}, equal "
        f"params {fmt_ci(diff_p)}",
        verdict=verdict,
        lines=lines,
        figures=[figs[0]],
        measurements={"params": params, "test_acc": accs, "param_ratio": ratio},
    )
