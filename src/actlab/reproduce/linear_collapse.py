"""linear-collapse (the seed): a deep identity network is one affine map, and it is no better
than a single-layer model. Reuses ``actlab explain collapse`` (its measurement and figure)."""

from __future__ import annotations

import numpy as np

from ..explain import collapse
from ._common import Reproduction, ci, fmt_ci, three_way

NAME = "linear-collapse"
SOURCE = "the seed"
PUBLISHED = "deep linear net == one affine map; accuracy = a single layer's"


def decide(diff32: float, diff64: float, deep: list, single: list, relu: list) -> tuple[str, str]:
    """HOLDS if the collapse is exact to rounding and deep identity equals the single layer
    within noise while deep ReLU beats both (explain collapse's two tests); DIRECTION if the
    collapse is exact and the deep identity net is no better than the single layer by more
    than the noise band; FAILS otherwise."""
    exact, _ = collapse.collapse_verdict(diff32, diff64)
    same, line = collapse.accuracy_verdict(deep, single, relu)
    d, s = ci(deep), ci(single)
    no_better = d["mean"] - s["mean"] <= max(0.01, 2 * max(d["std"], s["std"]))
    return three_way(exact and same, exact and no_better), line


def run(out_dir, quick: bool = False) -> Reproduction:
    res = collapse.run(out_dir, quick=quick)
    m = res.measurements
    accs = m["test_acc"]
    diffs = m["max_difference_untrained"]
    verdict, reason = decide(
        diffs["float32"],
        diffs["float64"],
        accs["deep identity"],
        accs["single layer"],
        accs["deep relu"],
    )
    cfg = m["config"]
    return Reproduction(
        NAME,
        collapse.CLAIM,
        SOURCE,
        PUBLISHED,
        setup=f"two moons, 2-{'-'.join(map(str, cfg['hidden']))}-2 identity vs single layer vs "
        f"relu, {cfg['optimizer']}, {cfg['epochs']} epochs, {len(cfg['seeds'])} seeds",
        measured=f"max diff {diffs['float32']:.1g} (f32), {diffs['float64']:.1g} (f64); acc deep "
        f"identity {fmt_ci(accs['deep identity'])} vs single {fmt_ci(accs['single layer'])}"
        f" vs deep relu {np.mean(accs['deep relu']):.3f}",
        verdict=verdict,
        reason=reason,
        lines=list(res.lines),
        figures=[p for p in res.figures if str(p).endswith(".png")],
        measurements=m,
    )
