"""The one verdict vocabulary and the rules that produce it from intervals across seeds.

Every claim's ``decide`` combines these rules; each is one sentence, and each is driven by a
95% t-interval of per-seed values (:func:`actlab.experiments.stats.describe`), so a difference
whose interval straddles the threshold is "inconclusive", never "holds".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..experiments.stats import describe

HOLDS = "holds"
DIRECTION = "holds in direction only"
INCONCLUSIVE = "inconclusive"
FAILS = "does not hold"
VERDICTS = (HOLDS, DIRECTION, INCONCLUSIVE, FAILS)  # strongest first


@dataclass
class Part:
    """One tested part of a claim: what was tested, its verdict and the interval behind it."""

    what: str
    verdict: str
    detail: str

    def text(self) -> str:
        return f"{self.what}: {self.detail} -> {self.verdict}"


def interval(values) -> tuple[float, float, float, int]:
    """(mean, low, high, n) of the finite values: the 95% t-interval across seeds. One value
    (or identical values) gives a zero-width interval at the mean."""
    v = np.asarray([x for x in np.ravel(np.asarray(values, dtype=float)) if math.isfinite(x)])
    if v.size == 0:
        return math.nan, math.nan, math.nan, 0
    d = describe(v)
    lo, hi = d["ci_low"], d["ci_high"]
    if not math.isfinite(lo):
        lo = hi = d["mean"]
    return d["mean"], lo, hi, int(v.size)


def fmt(values, digits=3) -> str:
    """'0.962 [0.951, 0.973] (n=5)'."""
    m, lo, hi, n = interval(values)
    if n == 0:
        return "n/a"
    return f"{m:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}] (n={n})"


def effect(what, values, size=None, zero=0.0, digits=3) -> Part:
    """A claimed effect (per-seed values, positive = the claimed direction): holds if the
    interval lies above ``size`` (above ``zero`` when the claim names no size); holds in
    direction only if it lies above ``zero`` but not above ``size``; does not hold if it lies
    at or below ``zero``; inconclusive if it straddles ``zero``."""
    _, lo, hi, n = interval(values)
    if n == 0:
        verdict = INCONCLUSIVE
    elif lo > zero:
        verdict = HOLDS if size is None or lo > size else DIRECTION
    elif hi <= zero:
        verdict = FAILS
    else:
        verdict = INCONCLUSIVE
    bar = f"> {zero:g}" + ("" if size is None else f", claimed size > {size:g}")
    return Part(what, verdict, f"{fmt(values, digits)}, needs {bar}")


def within(what, values, low, high, digits=3) -> Part:
    """A claimed value range: holds if the interval lies inside [low, high]; does not hold if
    it lies entirely outside; inconclusive if it straddles a bound."""
    _, lo, hi, n = interval(values)
    if n == 0:
        verdict = INCONCLUSIVE
    elif low <= lo and hi <= high:
        verdict = HOLDS
    elif hi < low or lo > high:
        verdict = FAILS
    else:
        verdict = INCONCLUSIVE
    return Part(what, verdict, f"{fmt(values, digits)}, needs [{low:g}, {high:g}]")


def weakest(parts) -> str:
    """A claim made of parts holds only as far as its weakest part: does not hold <
    inconclusive < holds in direction only < holds."""
    verdicts = [p.verdict if isinstance(p, Part) else p for p in parts]
    order = (FAILS, INCONCLUSIVE, DIRECTION, HOLDS)
    return min(verdicts, key=order.index) if verdicts else INCONCLUSIVE


def sized(direction: Part, full: Part) -> str:
    """A claim with a direction and a size: holds if both parts hold; holds in direction only
    if the direction holds and the size does not; otherwise the direction's verdict."""
    if direction.verdict != HOLDS:
        return direction.verdict
    return HOLDS if full.verdict == HOLDS else DIRECTION
