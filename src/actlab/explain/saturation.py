"""saturation: sigmoid's slope vanishes beyond |z| ~ 6, and a saturated top layer stalls the rest.

Measures f'(z) for sigmoid, tanh and ReLU, then trains a 4-hidden-layer network on digits with
Glorot & Bengio's "standard" init U(+-1/sqrt(fan_in)) for each of the three and records, per
layer and epoch, the mean activation, the saturated fraction and |dL/dW| (actlab's Probes).
"""

from __future__ import annotations

import numpy as np

from ..activations import get_activation
from ..datasets import load_dataset
from ..network import Network
from ..probes import Probes
from ..training import Trainer
from ._common import ExplainResult, mean_sd, pm, pyplot, replica_ok, save_figure, verdict

TOPIC = "saturation"
CLAIM = ("Sigmoid's slope f'(z) is practically zero beyond |z| ~ 6, so weight updates vanish "
         "there (saturation), and once a later layer saturates the layers before it stop "
         "learning too.")
ACTIVATIONS = ("sigmoid", "tanh", "relu")


def flat_threshold(name: str, fraction: float = 0.01) -> float:
    """The smallest |z| beyond which |f'(z)| stays below ``fraction`` of its peak on at least one
    side (sigmoid, tanh: ~both; ReLU: 0, its negative side); inf if f' never flattens."""
    act = get_activation(name)
    z = np.linspace(0.0, 40.0, 40001)
    sides = np.abs(np.stack([act.derivative(-z), act.derivative(z)]))
    limit = fraction * sides.max()
    best = np.inf
    for d in sides:
        flat = d < limit
        if flat[-1]:
            steep = np.flatnonzero(~flat)
            best = min(best, float(z[steep[-1] + 1]) if steep.size else 0.0)
    return best


def threshold_verdict(sigmoid_threshold: float) -> tuple[bool, str]:
    """The seed's '|z| ~ 6': holds if sigmoid' drops below 1% of its peak between 5 and 7."""
    holds = 5.0 <= sigmoid_threshold <= 7.0
    return holds, (f"sigmoid'(z) stays below 1% of its peak for |z| > {sigmoid_threshold:.2f} "
                   f"(the seed: ~6): {verdict(holds)}")


def top_layer_verdict(top_mean: float, lower_min: float, start: float) -> tuple[bool, str]:
    """Glorot & Bengio Fig. 2: the top sigmoid layer driven toward 0 while lower layers stay
    near 0.5 or above. Reproduced if the top mean ends below 0.2 and every lower layer above 0.4."""
    ok = top_mean < 0.2 and lower_min > 0.4
    word = "reproduced here" if ok else "not reproduced here"
    return ok, (f"sigmoid top hidden layer mean {start:.2f} -> {top_mean:.2f} while the lower "
                f"layers stay >= {lower_min:.2f} (Glorot & Bengio 2010 Fig. 2): {word}")


def stall_verdict(ratios: dict[str, float], accs: dict[str, float]) -> tuple[bool, str]:
    """Holds if sigmoid's first-layer |dW| relative to the output layer's is under a tenth of
    tanh's and ReLU's, and sigmoid's accuracy is below both."""
    s = ratios["sigmoid"]
    others = [ratios[a] for a in ratios if a != "sigmoid"]
    acc_others = [accs[a] for a in accs if a != "sigmoid"]
    holds = bool(s < 0.1 * min(others) and accs["sigmoid"] < min(acc_others))
    parts = ", ".join(f"{a} {ratios[a]:.3g}" for a in ratios)
    accp = ", ".join(f"{a} {accs[a]:.3f}" for a in accs)
    return holds, (f"first-layer |dW| / output-layer |dW| (mean over training): {parts}; test "
                   f"accuracy {accp}: {verdict(holds)}")


def _train(act, quick):
    Xtr, ytr, Xte, yte = load_dataset("digits", seed=0)
    if quick:
        Xtr, ytr = Xtr[:400], ytr[:400]
    hidden = [32] * 4 if quick else [100] * 4
    seeds = range(2) if quick else range(3)
    epochs = 2 if quick else 20
    net = Network(64, hidden, 10, activation=act, init="standard", seeds=seeds)
    probes = Probes(every=1, flip_steps=0)
    trainer = Trainer("sgd", lr=0.1, momentum=0.0, epochs=epochs, batch_size=10,
                      callbacks=[probes])
    hist = trainer.fit(net, Xtr, ytr, X_test=Xte, y_test=yte)
    return hist, probes.arrays(), {"hidden": hidden, "seeds": list(seeds), "epochs": epochs}


def run(out_dir, quick: bool = False) -> ExplainResult:
    res = ExplainResult(TOPIC, CLAIM)
    m = res.measurements
    thresholds = {a: flat_threshold(a) for a in ACTIVATIONS}
    m["flat_threshold_1pct"] = {a: (None if not np.isfinite(t) else t) for a, t in thresholds.items()}
    res.lines.append("|z| beyond which f'(z) < 1% of its peak: sigmoid {:.2f}, tanh {:.2f}, "
                     "relu {} (relu' = 0 for every z < 0, 1 for every z > 0)".format(
                         thresholds["sigmoid"], thresholds["tanh"],
                         f"{thresholds['relu']:.2f}" if np.isfinite(thresholds["relu"]) else "0"))
    _, line = threshold_verdict(thresholds["sigmoid"])
    res.lines.append(line)

    runs, ratios, accs = {}, {}, {}
    for act in ACTIVATIONS:
        hist, arr, cfg = _train(act, quick)
        ok = replica_ok(hist)
        means = arr["act_mean"][ok].mean(axis=0)  # (times, layers)
        sat = arr["saturation"][ok].mean(axis=0)
        gW = arr["grad_W_norm"][ok]  # (R, times, dense)
        ratio = float(np.mean(gW[:, 1:, 0] / gW[:, 1:, -1]))  # after training starts
        ratios[act], accs[act] = ratio, mean_sd(hist["test_acc"][ok, -1])[0]
        runs[act] = {"act_mean": means, "saturation": sat, "grad_W_norm": gW.mean(axis=0),
                     "test_acc": hist["test_acc"][:, -1], "first_over_output_grad": ratio}
        ep = cfg["epochs"]
        res.lines.append(
            f"{act}, {len(cfg['hidden'])}x{cfg['hidden'][0]}, standard init, SGD lr 0.1 batch "
            f"10, {ep} epochs, {len(cfg['seeds'])} seeds: mean activation per layer, epoch 0 -> "
            f"{ep}: " + ", ".join(f"{a:.2f}->{b:.2f}" for a, b in zip(means[0], means[-1]))
            + "; saturated at the end: " + " ".join(f"{s:.2f}" for s in sat[-1])
            + "; |dW| per layer at the end: " + " ".join(f"{g:.2g}" for g in gW.mean(axis=0)[-1])
            + f"; test accuracy {pm(hist['test_acc'][ok, -1])}")
    m["config"] = {"data": "digits", **cfg, "init": "standard", "optimizer": "sgd lr 0.1 batch 10"}
    m["runs"] = runs
    sig = runs["sigmoid"]["act_mean"]
    top_end, lower_min = float(sig[-1, -1]), float(sig[:, :-1].min())
    _, line = top_layer_verdict(top_end, lower_min, float(sig[0, -1]))
    res.lines.append(line)
    below = np.flatnonzero(sig[:, -1] < 0.2)
    m["sigmoid_top_below_0.2_epoch"] = int(below[0]) if below.size else None
    if below.size:
        res.lines.append(f"sigmoid top hidden layer mean first below 0.2 after epoch {below[0]}")
    _, line = stall_verdict(ratios, accs)
    res.lines.append(line)
    res.figures = plot(runs, thresholds, out_dir)
    return res


def plot(runs, thresholds, out_dir):
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    z = np.linspace(-10, 10, 801)
    for a in ACTIVATIONS:
        axes[0].plot(z, get_activation(a).derivative(z), label=a)
    t = thresholds["sigmoid"]
    axes[0].axvspan(t, 10, color="0.9")
    axes[0].axvspan(-10, -t, color="0.9")
    axes[0].set(title=f"f'(z); shaded: sigmoid' < 1% of peak (|z| > {t:.2f})", xlabel="z",
                ylabel="f'(z)")
    axes[0].legend()
    means = runs["sigmoid"]["act_mean"]
    for k in range(means.shape[1]):
        axes[1].plot(means[:, k], label=f"hidden layer {k + 1}")
    axes[1].set(title="sigmoid, standard init: mean activation per layer", xlabel="epoch",
                ylabel="mean activation", ylim=(0, 1))
    axes[1].legend()
    for a in ACTIVATIONS:
        g = runs[a]["grad_W_norm"][1:].mean(axis=0)
        axes[2].semilogy(np.arange(1, len(g) + 1), g, marker="o", label=a)
    axes[2].set(title="|dL/dW| per layer (mean over epochs, seeds)", xlabel="dense layer "
                "(last = output)", ylabel="|dL/dW|")
    axes[2].legend()
    return save_figure(fig, out_dir / "explain_saturation")
