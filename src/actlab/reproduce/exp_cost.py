"""exp-cost (the seed; Clevert 2015): exp-based activations cost more per element than ReLU,
but are a small share of a whole training step. Reuses ``actlab explain cost``."""

from __future__ import annotations

from ..explain import costs
from ._common import Reproduction, three_way

NAME = "exp-cost"
SOURCE = "the seed; Glorot 2011; Clevert 2015"
PUBLISHED = "exp-based costlier per element; small share of a step (ELU nets +5%)"


def decide(ratios: dict, shares_per_net: list[dict]) -> str:
    """HOLDS if explain cost's per-element test (sigmoid, tanh > 1.5x ReLU) and its small-share
    test for every net hold; DIRECTION if either holds; FAILS otherwise."""
    per, _ = costs.exp_verdict(ratios)
    small = all(costs.share_verdict(s, "net")[0] for s in shares_per_net)
    return three_way(bool(per and small), bool(per or small))


def run(out_dir, quick: bool = False) -> Reproduction:
    res = costs.run(out_dir, quick=quick)
    rows = res.measurements["per_element"]
    big = max(r["size"] for r in rows)
    ratios = {r["activation"]: r["fwd_bwd_ratio_to_relu"] for r in rows if r["size"] == big}
    shares = [
        {r["activation"]: r["share"] for r in b["rows"]}
        for b in res.measurements["step_share"].values()
    ]
    worst = max(max(s[a] for a in costs.SHARE_JUDGED) for s in shares)
    return Reproduction(
        NAME,
        costs.CLAIM,
        SOURCE,
        PUBLISHED,
        setup=f"per element at {big:,} float32 elements; share of SGD steps of "
        f"{', '.join(res.measurements['step_share'])} nets (median of rounds; no seeds)",
        measured=f"fwd+bwd vs relu: sigmoid {ratios['sigmoid']:.1f}x, tanh {ratios['tanh']:.1f}x, "
        f"elu {ratios['elu']:.1f}x; largest step share {worst:.0%}",
        verdict=decide(ratios, shares),
        lines=list(res.lines),
        figures=[p for p in res.figures if str(p).endswith(".png")],
        measurements={"ratios": ratios, "shares": shares},
    )
