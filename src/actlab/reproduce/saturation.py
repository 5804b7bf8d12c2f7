"""saturation (Glorot & Bengio 2010, Fig. 2): in a 4-hidden-layer sigmoid network with the
"standard" init, the top hidden layer is driven toward 0 early while lower layers stay above
0.5. Reuses ``actlab explain saturation``'s training and probes (its ``_train``)."""

from __future__ import annotations

import numpy as np

from ..explain import saturation as sat
from ..explain._common import pyplot, replica_ok, save_figure
from ._common import Reproduction, ci, fmt_ci, three_way

NAME = "saturation"
SOURCE = "Glorot & Bengio 2010, Fig. 2"
PUBLISHED = "top layer mean -> ~0 early; lower layers > 0.5"
CLAIM = (
    "With sigmoid and 'standard' init U(+-1/sqrt(fan_in)), the top hidden layer of a "
    "4-hidden-layer network saturates toward 0 early in training while the lower hidden "
    "layers stay above 0.5."
)


def decide(top_start: list, top_end: list, lower_min: list) -> str:
    """Per seed: the top layer's mean activation at the start and end, and the smallest mean of
    the lower layers over training. HOLDS if the top ends below 0.2 (CI upper bound) and the lower
    layers stay above 0.5 (CI lower bound); DIRECTION if the top layer fell (CI of the fall > 0)
    and ends below the lower layers; FAILS otherwise."""
    e, lo = ci(top_end), ci(lower_min)
    fall = ci(np.asarray(top_start, float) - np.asarray(top_end, float))
    full = e["ci_high"] < 0.2 and lo["ci_low"] > 0.5
    direction = fall["ci_low"] > 0 and e["mean"] < lo["mean"]
    return three_way(bool(full), bool(direction))


def run(out_dir, quick: bool = False) -> Reproduction:
    hist, arr, cfg = sat._train("sigmoid", quick)
    ok = replica_ok(hist)
    means = arr["act_mean"][ok]  # (R, times, layers)
    top_start, top_end = means[:, 0, -1], means[:, -1, -1]
    lower_min = means[:, :, :-1].min(axis=(1, 2))
    verdict = decide(top_start, top_end, lower_min)
    lines = [
        f"per layer mean activation, epoch 0 -> {cfg['epochs']} (mean over seeds): "
        + ", ".join(
            f"L{k + 1} {a:.2f}->{b:.2f}"
            for k, (a, b) in enumerate(zip(means[:, 0].mean(0), means[:, -1].mean(0)))
        )
    ]
    below = np.flatnonzero(means[:, :, -1].mean(0) < 0.2)
    lines.append(
        "top layer mean first below 0.2 at probe epoch "
        + (str(int(below[0])) if below.size else "never")
    )
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4))
    m = means.mean(0)
    for k in range(m.shape[1]):
        ax.plot(m[:, k], marker="o", ms=3, label=f"hidden layer {k + 1}")
    ax.set(
        xlabel="epoch",
        ylabel="mean sigmoid activation",
        ylim=(0, 1),
        title="sigmoid, standard init (cf. Glorot & Bengio Fig. 2)",
    )
    ax.legend()
    figs = save_figure(fig, out_dir / "reproduce_saturation")
    return Reproduction(
        NAME,
        CLAIM,
        SOURCE,
        PUBLISHED,
        setup=f"digits, 64-{'-'.join(map(str, cfg['hidden']))}-10 sigmoid, standard init, SGD lr "
        f"0.1 batch 10, {cfg['epochs']} epochs, {len(cfg['seeds'])} seeds",
        measured=f"top layer {np.mean(top_start):.2f} -> {fmt_ci(top_end, 2)}; lower layers min "
        f"{fmt_ci(lower_min, 2)}",
        verdict=verdict,
        lines=lines,
        figures=[figs[0]],
        measurements={
            "top_start": top_start,
            "top_end": top_end,
            "lower_min": lower_min,
            "act_mean": m,
            "config": cfg,
        },
    )
