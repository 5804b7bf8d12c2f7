"""init: the seed's two graphs: activations compared with a good and with a bad weight init.

The seed shows two comparisons. With a good initialization ReLU and Swish are about equal and
ahead, and identity and sigmoid end up about equal and behind (sigmoid slower at first). With a
bad initialization sigmoid does best, then ReLU and Swish. Measured here on digits with the
prototype's shape (one hidden layer: two weight matrices), SGD with momentum, several seeds:
``auto`` init (Xavier with the activation's gain, He for ReLU) vs the seed's prototype U(-1, 1).
"""

from __future__ import annotations

import numpy as np

from ..datasets import load_dataset
from ..network import Network
from ..training import Trainer
from ._common import ExplainResult, mean_sd, pm, pyplot, replica_ok, save_figure, verdict

TOPIC = "init"
CLAIM = ("With a good weight initialization ReLU and Swish perform about the same and best, "
         "while identity and sigmoid end up about the same and behind; with a bad "
         "initialization sigmoid performs best, followed by ReLU and Swish.")
ACTIVATIONS = ("sigmoid", "tanh", "relu", "swish", "identity")
INITS = {"good": "auto", "bad": "prototype"}


def ranking(accs: dict[str, float]) -> list[str]:
    """Activation names ordered by mean accuracy, best first (NaN, e.g. diverged, last)."""
    return sorted(accs, key=lambda a: (not np.isfinite(accs[a]), -np.nan_to_num(accs[a])))


def good_init_verdict(accs: dict[str, float]) -> tuple[bool, str]:
    """Holds if ReLU and Swish both beat identity and sigmoid."""
    top = min(accs["relu"], accs["swish"])
    bottom = max(accs["identity"], accs["sigmoid"])
    holds = bool(top > bottom)
    return holds, (f"good init: relu {accs['relu']:.3f}, swish {accs['swish']:.3f} vs identity "
                   f"{accs['identity']:.3f}, sigmoid {accs['sigmoid']:.3f} (ReLU and Swish "
                   f"ahead of both?): {verdict(holds)}")


def bad_init_verdict(accs: dict[str, float], spread: dict[str, float]) -> tuple[bool, str]:
    """Holds if sigmoid has the highest mean accuracy; says whether the lead beats the spread."""
    order = ranking(accs)
    holds = order[0] == "sigmoid"
    runner = order[1] if holds else order[0]
    gap = accs["sigmoid"] - accs[runner]
    noise = max(spread.get("sigmoid", 0.0), spread.get(runner, 0.0))
    note = "larger" if abs(gap) > noise else "smaller"
    return holds, (f"bad init: sigmoid {accs['sigmoid']:.3f} vs {runner} {accs[runner]:.3f} "
                   f"(gap {gap:+.3f}, {note} than one seed sd {noise:.3f}); sigmoid first?: "
                   f"{verdict(holds)}")


def run(out_dir, quick: bool = False) -> ExplainResult:
    res = ExplainResult(TOPIC, CLAIM)
    Xtr, ytr, Xte, yte = load_dataset("digits", seed=0)
    if quick:
        Xtr, ytr = Xtr[:400], ytr[:400]
    hidden = [32] if quick else [100]
    seeds = list(range(2 if quick else 5))
    epochs = 3 if quick else 30
    lr, momentum = 0.01, 0.9
    res.lines.append(f"digits, 64-{hidden[0]}-10 (the prototype's two weight matrices), SGD lr "
                     f"{lr} momentum {momentum}, batch 32, {epochs} epochs, {len(seeds)} seeds")
    curves, table = {}, {}
    for label, init in INITS.items():
        accs, sds = {}, {}
        for act in ACTIVATIONS:
            net = Network(64, hidden, 10, activation=act, init=init, seeds=seeds)
            hist = Trainer("sgd", lr=lr, momentum=momentum, epochs=epochs, batch_size=32).fit(
                net, Xtr, ytr, X_test=Xte, y_test=yte)
            ok = replica_ok(hist)
            acc = hist["test_acc"][ok, -1]
            accs[act], sds[act] = mean_sd(acc)
            curves[(label, act)] = hist["train_loss"][ok]
            table.setdefault(label, {})[act] = {
                "init": init, "test_acc": acc.tolist(),
                "train_loss": hist["train_loss"][ok, -1].tolist(),
                "train_loss_epoch1": hist["train_loss"][ok, 0].tolist(),
                "diverged": int((~ok).sum())}
            res.lines.append(
                f"{label} init ({init}), {act}: test accuracy {pm(acc)}, final train loss "
                f"{pm(hist['train_loss'][ok, -1], 4)}, after epoch 1 "
                f"{pm(hist['train_loss'][ok, 0], 3)}, diverged {int((~ok).sum())}")
        order = ranking(accs)
        table[label]["ranking"] = order
        res.lines.append(f"{label} init ranking by test accuracy: " + " > ".join(
            f"{a} {accs[a]:.3f}" for a in order))
        if label == "good":
            _, line = good_init_verdict(accs)
        else:
            _, line = bad_init_verdict(accs, sds)
        res.lines.append(line)
    res.measurements = {"config": {"data": "digits", "hidden": hidden, "seeds": seeds,
                                   "epochs": epochs, "optimizer": f"sgd lr {lr} momentum "
                                   f"{momentum} batch 32", "inits": INITS},
                        "results": table}
    res.figures = plot(curves, out_dir)
    return res


def plot(curves, out_dir):
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5), sharey=True)
    for ax, (label, init) in zip(axes, INITS.items()):
        for act in ACTIVATIONS:
            c = curves[(label, act)]
            if c.size == 0:
                continue
            x = np.arange(1, c.shape[1] + 1)
            line, = ax.semilogy(x, c.mean(axis=0), label=act)
            ax.fill_between(x, c.min(axis=0), c.max(axis=0), color=line.get_color(), alpha=0.15)
        ax.set(title=f"{label} init ({init})", xlabel="epoch", ylabel="train loss (log)")
        ax.legend()
    return save_figure(fig, out_dir / "explain_init")
