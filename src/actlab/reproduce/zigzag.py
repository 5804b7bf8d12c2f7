"""zigzag (the seed): all-positive inputs (sigmoid, ReLU) give a unit's incoming weight updates
one sign; tanh-fed updates do not. Reuses ``actlab explain zigzag`` (zigzag_paths)."""

from __future__ import annotations

import numpy as np

from ..explain import zigzag as zz
from ._common import Reproduction, three_way

NAME = "zigzag"
SOURCE = "the seed"
PUBLISHED = "sigmoid/ReLU-fed updates share one sign; tanh-fed do not"


def decide(coh_sigmoid, coh_relu, coh_tanh, same_sigmoid: list, same_tanh: list) -> str:
    """HOLDS if explain zigzag's coherence test holds (sigmoid- and ReLU-fed per-sample coherence
    1, tanh-fed < 0.5) and the sigmoid-fed weight pair moved together more often than the
    tanh-fed pair at every batch size; DIRECTION if sigmoid-fed coherence exceeds tanh-fed;
    FAILS otherwise."""
    coh, _ = zz.coherence_verdict(coh_sigmoid, coh_tanh, coh_relu)
    same = all(s > t for s, t in zip(same_sigmoid, same_tanh))
    return three_way(bool(coh and same), bool(coh_sigmoid > coh_tanh))


def run(out_dir, quick: bool = False) -> Reproduction:
    data = zz.zigzag_paths(quick)
    b1 = data["batches"]["1"]["runs"]
    batches = list(data["batches"])
    ss = [data["batches"][b]["runs"]["sigmoid"]["same_sign"] for b in batches]
    st = [data["batches"][b]["runs"]["tanh"]["same_sign"] for b in batches]
    ss = [np.nan if v is None else v for v in ss]
    st = [np.nan if v is None else v for v in st]
    verdict = decide(
        b1["sigmoid"]["coherence"], b1["relu"]["coherence"], b1["tanh"]["coherence"], ss, st
    )
    figs = zz.plot_zigzag_paths(data, out_dir / "reproduce_zigzag")
    cfg = data["config"]
    lines = [
        f"batch {b}: {a}-fed coherence per sample {r['coherence']:.2f}, same-sign steps "
        f"{r['same_sign'] if r['same_sign'] is not None else float('nan'):.0%}"
        for b in batches
        for a, r in data["batches"][b]["runs"].items()
    ]
    return Reproduction(
        NAME,
        zz.CLAIM,
        SOURCE,
        PUBLISHED,
        setup=f"digits, 64-{cfg['hidden'][0]}-{cfg['hidden'][1]}-10, plain SGD, batch 1 and 32, "
        f"{len(cfg['seeds'])} seeds (coherence: mean over seeds)",
        measured=f"per-sample coherence sigmoid {b1['sigmoid']['coherence']:.2f}, relu "
        f"{b1['relu']['coherence']:.2f}, tanh {b1['tanh']['coherence']:.2f}; same-sign "
        f"steps sigmoid {'/'.join(f'{v:.0%}' for v in ss)} vs tanh "
        f"{'/'.join(f'{v:.0%}' for v in st)} (batch {'/'.join(batches)})",
        verdict=verdict,
        lines=lines,
        figures=[p for p in figs if str(p).endswith(".png")],
        measurements={k: v for k, v in data.items() if k != "batches"},
    )
