"""init-matters (the seed's two graphs): with a good init ReLU and Swish lead and identity and
sigmoid trail; with a bad init sigmoid is best. Reuses ``actlab explain init``."""

from __future__ import annotations

from ..explain import initialization as ini
from ._common import Reproduction, fmt_ci, three_way

NAME = "init-matters"
SOURCE = "the seed (two graphs)"
PUBLISHED = "good init: relu~swish > identity~sigmoid; bad init: sigmoid best"


def decide(good: dict, bad: dict) -> str:
    """good, bad: activation -> per-seed test accuracies. HOLDS if both of explain init's tests
    hold (good: ReLU and Swish beat identity and sigmoid on the mean; bad: sigmoid ranks first);
    DIRECTION if one of them holds; FAILS otherwise."""
    from ..explain._common import mean_sd

    g = {a: mean_sd(v)[0] for a, v in good.items()}
    b = {a: mean_sd(v)[0] for a, v in bad.items()}
    sd = {a: mean_sd(v)[1] for a, v in bad.items()}
    ok_good, _ = ini.good_init_verdict(g)
    ok_bad, _ = ini.bad_init_verdict(b, sd)
    return three_way(bool(ok_good and ok_bad), bool(ok_good or ok_bad))


def run(out_dir, quick: bool = False) -> Reproduction:
    res = ini.run(out_dir, quick=quick)
    r = res.measurements["results"]
    acc = {lab: {a: r[lab][a]["test_acc"] for a in ini.ACTIVATIONS} for lab in ini.INITS}
    cfg = res.measurements["config"]
    return Reproduction(
        NAME,
        ini.CLAIM,
        SOURCE,
        PUBLISHED,
        setup=f"digits, 64-{cfg['hidden'][0]}-10, {cfg['optimizer']}, {cfg['epochs']} epochs, "
        f"{len(cfg['seeds'])} seeds; good = auto, bad = U(-1, 1)",
        measured=f"good: relu {fmt_ci(acc['good']['relu'])}, sigmoid "
        f"{fmt_ci(acc['good']['sigmoid'])}; bad: first {r['bad']['ranking'][0]}, sigmoid "
        f"{fmt_ci(acc['bad']['sigmoid'])}",
        verdict=decide(acc["good"], acc["bad"]),
        lines=list(res.lines),
        figures=[p for p in res.figures if str(p).endswith(".png")],
        measurements=acc,
    )
