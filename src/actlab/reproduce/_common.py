"""What every reproduction shares: the result record, the three verdicts and the interval
helpers. A verdict is always computed from the measurement by a small function (tested on
planted numbers in tests/test_reproduce.py); none is written in advance."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..experiments.stats import describe

HOLDS = "holds"
DIRECTION = "holds in direction only"
FAILS = "does not hold at this scale"
VERDICTS = (HOLDS, DIRECTION, FAILS)


@dataclass
class Reproduction:
    """One reproduction's outcome: what was claimed, where, what was measured, the verdict.

    measured : the headline number(s) as text, with the 95% CI across seeds where there are
    seeds; lines : further measurements; figures : PNG files written; measurements : numbers.
    """

    name: str
    claim: str
    source: str
    published: str
    setup: str
    measured: str = ""
    verdict: str = FAILS
    reason: str = ""
    lines: list[str] = field(default_factory=list)
    figures: list[Path] = field(default_factory=list)
    measurements: dict = field(default_factory=dict)
    seconds: float = 0.0
    quick: bool = False

    def to_dict(self) -> dict:
        from ..explain._common import jsonable

        d = {
            k: getattr(self, k)
            for k in (
                "name",
                "claim",
                "source",
                "published",
                "setup",
                "measured",
                "verdict",
                "reason",
                "lines",
                "seconds",
                "quick",
            )
        }
        d["figures"] = [str(p) for p in self.figures]
        d["measurements"] = jsonable(self.measurements)
        return d


def ci(values) -> dict:
    """describe() of the finite values: mean and t-based 95% interval across seeds."""
    return describe(values)


def fmt_ci(values, digits: int = 3) -> str:
    """'0.962 [0.951, 0.973] (n=5)'; one value prints without an interval."""
    d = ci(values)
    if d["n"] == 0:
        return "n/a"
    if d["n"] == 1 or not math.isfinite(d["ci_low"]):
        return f"{d['mean']:.{digits}f} (n={d['n']})"
    return (
        f"{d['mean']:.{digits}f} [{d['ci_low']:.{digits}f}, {d['ci_high']:.{digits}f}] (n={d['n']})"
    )


def three_way(full: bool, direction: bool) -> str:
    """HOLDS if the full claim is met, DIRECTION if only its direction is, FAILS otherwise."""
    if full:
        return HOLDS
    return DIRECTION if direction else FAILS


def ratio_verdict(low: float, mean: float, target: float, factor: float = 2.0) -> str:
    """For 'A is ``target`` times B': HOLDS if the CI lower bound of the ratio is > 1 and the
    mean is within ``factor`` of ``target``; DIRECTION if the lower bound is > 1 only;
    FAILS otherwise (NaN counts as not > 1)."""
    above = bool(np.isfinite(low) and low > 1.0)
    near = bool(np.isfinite(mean) and target / factor <= mean <= target * factor)
    return three_way(above and near, above)


def weakest(verdicts) -> str:
    """The weakest of several verdicts (FAILS < DIRECTION < HOLDS); FAILS for none."""
    verdicts = list(verdicts)
    return min(verdicts, key=lambda v: -VERDICTS.index(v)) if verdicts else FAILS
