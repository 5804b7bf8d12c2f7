"""cost: what exp-based activations cost per element, and what share of a training step that is.

Uses :mod:`actlab.cost`: per-element forward and forward+backward times against a plain copy
and ReLU, and the activations' share of whole training steps, for a digits-sized network
(64-100-100-10, batch 32) and an MNIST-sized one (784-1024-1024-10, batch 256).
"""

from __future__ import annotations

import numpy as np

from ..cost import activation_cost, step_share
from ._common import ExplainResult, pyplot, save_figure, verdict

TOPIC = "cost"
CLAIM = ("Sigmoid and tanh are slow because they compute exp, while ReLU, with no exp, is "
         "fast; the references add that in whole-network training the activation is only a "
         "small share of the time.")
ACTIVATIONS = ("sigmoid", "tanh", "relu", "elu", "swish", "gelu", "selu", "mish")
NETS = {"digits-sized": {"hidden": (100, 100), "n_features": 64, "batch_size": 32},
        "mnist-sized": {"hidden": (1024, 1024), "n_features": 784, "batch_size": 256}}
STEPS = {"digits-sized": 10, "mnist-sized": 5}  # per round; 3 rounds, interleaved


def exp_verdict(ratios: dict[str, float]) -> tuple[bool, str]:
    """Holds if sigmoid's and tanh's forward+backward per element cost more than 1.5x ReLU's."""
    holds = ratios["sigmoid"] > 1.5 and ratios["tanh"] > 1.5
    return holds, (f"forward+backward per element vs relu: sigmoid {ratios['sigmoid']:.1f}x, "
                   f"tanh {ratios['tanh']:.1f}x (exp is costlier if > 1.5x): {verdict(holds)}")


SHARE_JUDGED = ("sigmoid", "tanh", "relu", "elu")  # the seed's three, and Clevert 2015's ELU


def share_verdict(shares: dict[str, float], label: str, limit: float = 0.2) -> tuple[bool, str]:
    """The references' 'small share': holds if each activation the seed and Clevert et al. 2015
    time (sigmoid, tanh, relu, elu) takes under ``limit`` of a training step."""
    judged = {a: shares[a] for a in SHARE_JUDGED if a in shares}
    worst = max(judged, key=judged.get)
    holds = judged[worst] < limit
    word = "holds here" if holds else "does not hold here"
    return holds, (f"{label}: the largest share among {', '.join(judged)} is {worst} "
                   f"{judged[worst]:.0%} ('small' if < {limit:.0%}): the references' claim "
                   f"{word}")


def _median_shares(kw, steps, rounds):
    """step_share per activation, ``rounds`` interleaved rounds, medians (load is shared)."""
    per = {a: [] for a in ACTIVATIONS}
    for _ in range(rounds):
        for a in ACTIVATIONS:
            per[a].append(step_share(a, steps=steps, **kw))
    out = {}
    for a, rows in per.items():
        out[a] = {"activation": a, "rounds": rounds, "steps_per_round": steps}
        for key in ("step_seconds", "activation_seconds", "share"):
            out[a][key] = float(np.median([r[key] for r in rows]))
    return out


def run(out_dir, quick: bool = False) -> ExplainResult:
    res = ExplainResult(TOPIC, CLAIM)
    m = res.measurements
    sizes = (10_000,) if quick else (10_000, 100_000, 1_000_000)
    repeats = 1 if quick else 5
    rows = activation_cost(ACTIVATIONS, sizes=sizes, repeats=repeats)
    m["per_element"] = rows
    big = max(r["size"] for r in rows)
    at_big = {r["activation"]: r for r in rows if r["size"] == big}
    res.lines.append(f"per element at {big:,} elements, float32, median of {repeats}: "
                     f"copy {at_big['copy']['fwd_ns_per_element']:.2f} ns forward")
    for a in ("relu", *[x for x in ACTIVATIONS if x != "relu"]):
        r = at_big[a]
        res.lines.append(
            f"  {a:8s} forward {r['fwd_ns_per_element']:6.2f} ns ({r['fwd_ratio_to_relu']:5.1f}x "
            f"relu, {r['fwd_ratio_to_copy']:5.1f}x copy); forward+backward "
            f"{r['fwd_bwd_ns_per_element']:6.2f} ns ({r['fwd_bwd_ratio_to_relu']:5.1f}x relu)")
    _, line = exp_verdict({a: at_big[a]["fwd_bwd_ratio_to_relu"] for a in ACTIVATIONS})
    res.lines.append(line)
    nets = {"digits-sized": NETS["digits-sized"]} if quick else NETS
    rounds = 1 if quick else 3
    m["step_share"] = {}
    for label, kw in nets.items():
        steps = 5 if quick else STEPS[label]
        shares = _median_shares(kw, steps, rounds)
        m["step_share"][label] = {"config": {**kw, "hidden": list(kw["hidden"]), "steps": steps,
                                             "rounds": rounds},
                                  "rows": list(shares.values())}
        relu_step = shares["relu"]["step_seconds"]
        res.lines.append(
            f"{label} net {kw['n_features']}-{'-'.join(map(str, kw['hidden']))}-10, batch "
            f"{kw['batch_size']}, median of {rounds} rounds of {steps} SGD steps: activation share of the step (step time vs "
            f"relu's): " + ", ".join(
                f"{a} {s['share']:.0%} ({s['step_seconds'] / relu_step:.2f}x)"
                for a, s in shares.items()))
        _, line = share_verdict({a: s["share"] for a, s in shares.items()}, label)
        res.lines.append(line)
    res.figures = plot(at_big, m["step_share"], big, out_dir)
    return res


def plot(at_big, step_shares, size, out_dir):
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.3))
    names = list(ACTIVATIONS)
    x = np.arange(len(names))
    fwd = [at_big[a]["fwd_ratio_to_relu"] for a in names]
    both = [at_big[a]["fwd_bwd_ratio_to_relu"] for a in names]
    axes[0].bar(x - 0.2, fwd, 0.4, label="forward")
    axes[0].bar(x + 0.2, both, 0.4, label="forward+backward")
    axes[0].axhline(1, color="k", lw=0.8)
    axes[0].set(xticks=x, xticklabels=names, ylabel="time per element / relu's",
                title=f"per-element cost vs relu ({size:,} elements, float32)")
    axes[0].legend()
    width = 0.8 / max(len(step_shares), 1)
    for k, (label, block) in enumerate(step_shares.items()):
        shares = {r["activation"]: r["share"] for r in block["rows"]}
        axes[1].bar(x - 0.4 + width * (k + 0.5), [100 * shares[a] for a in names], width,
                    label=label)
    axes[1].set(xticks=x, xticklabels=names, ylabel="% of training-step time",
                title="activation forward+backward share of a training step")
    axes[1].legend()
    return save_figure(fig, out_dir / "explain_cost")
