"""``actlab reproduce``: the seed's claims and published results, checked at small scale.

Each reproduction (one module each) states the claim, its source and the published figure,
runs a small-scale setup with several seeds on the replica axis, reports what it measured
with a 95% t-interval across seeds, and computes a verdict from the measurement: "holds",
"holds in direction only" or "does not hold at this scale".

    from actlab.reproduce import run_reproductions, format_table
    results = run_reproductions(["saturation"], "reproduce", quick=True)
    print(format_table(results))

``quick=True`` takes seconds (tiny nets, 2 seeds; for tests, not for conclusions).
"""

from __future__ import annotations

import time
from pathlib import Path

from ..errors import UnknownNameError
from . import (
    elu,
    exp_cost,
    he_init,
    init_matters,
    linear_collapse,
    maxout,
    mnist1d,
    relu_faster,
    saturation,
    selu,
    zigzag,
)
from ._common import DIRECTION, FAILS, HOLDS, VERDICTS, Reproduction

# priority order of issue #7
_MODULES = [
    linear_collapse,
    saturation,
    relu_faster,
    he_init,
    selu,
    elu,
    zigzag,
    init_matters,
    mnist1d,
    maxout,
    exp_cost,
]
REGISTRY = {m.NAME: m for m in _MODULES}

__all__ = [
    "DIRECTION",
    "FAILS",
    "HOLDS",
    "REGISTRY",
    "VERDICTS",
    "Reproduction",
    "available",
    "format_table",
    "run_reproduction",
    "run_reproductions",
]


def available() -> list[str]:
    """The reproduction names, in priority order."""
    return list(REGISTRY)


def run_reproduction(name: str, out_dir, quick: bool = False) -> Reproduction:
    """Run one reproduction; figures go to ``out_dir``. Unknown names raise UnknownNameError."""
    if not isinstance(name, str) or name not in REGISTRY:
        raise UnknownNameError("reproduction", name, available())
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    res = REGISTRY[name].run(out_dir, quick=bool(quick))
    res.seconds = time.perf_counter() - start
    res.quick = bool(quick)
    return res


def run_reproductions(names, out_dir, quick: bool = False, page: bool = True):
    """Run several (checked before any runs), write ``reproduce.json`` and the HTML page."""
    names = list(names)
    for n in names:
        if n not in REGISTRY:
            raise UnknownNameError("reproduction", n, available())
    results = [run_reproduction(n, out_dir, quick) for n in names]
    if page:
        from .page import write_json, write_page

        write_json(results, out_dir)
        write_page(results, out_dir)
    return results


def format_table(results) -> str:
    """claim | source | published | measured (interval) | verdict, as a plain-text table."""
    head = ("claim", "source", "published", "measured (95% CI across seeds)", "verdict")
    rows = [(r.name, r.source, r.published, r.measured, r.verdict) for r in results]
    widths = [
        max(len(h), *(len(row[k]) for row in rows)) if rows else len(h) for k, h in enumerate(head)
    ]
    line = lambda cells: " | ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    return "\n".join([line(head), "-+-".join("-" * w for w in widths)] + [line(r) for r in rows])
