"""Claims of the seed and of the papers it leans on, each measured at small scale and decided.

One module per claim. Each states the claim (``CLAIM``), where it stands (``SOURCE``: paper
and figure, table or section), the published value (``PUBLISHED``), ``measure(quick)``
returning per-seed measurements, ``decide(measurements)`` returning one verdict from one
vocabulary (holds / holds in direction only / inconclusive / does not hold, see
:mod:`actlab.claims.verdict`) with the parts it was decided from, ``describe`` and ``draw``.
``actlab explain NAME`` shows one claim in depth and ``actlab reproduce`` all of them as a
table and a page: the same code, so the same verdict.

    from actlab.claims import run_claim
    result = run_claim("zigzag", "claims", quick=True)
    print(result.verdict, result.parts)

``quick=True`` takes seconds (tiny nets, 2 seeds: for tests, not for conclusions).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from ..errors import UnknownNameError
from .base import Decision, Result, run
from .verdict import DIRECTION, FAILS, HOLDS, INCONCLUSIVE, VERDICTS

# the seed's story first, then the papers' claims in the order the seed raises them
MODULES = (
    "prototype",
    "linear_collapse",
    "saturation",
    "zigzag",
    "dead_relu",
    "init_matters",
    "relu_faster",
    "he_init",
    "selu",
    "elu",
    "maxout",
    "exp_cost",
    "mnist1d",
)

__all__ = [
    "DIRECTION",
    "FAILS",
    "HOLDS",
    "INCONCLUSIVE",
    "VERDICTS",
    "Decision",
    "Result",
    "available",
    "describe_claims",
    "format_table",
    "get",
    "run_claim",
    "run_claims",
]


def _modules() -> dict:
    mods = [importlib.import_module(f".{m}", __name__) for m in MODULES]
    return {m.NAME: m for m in mods}


def available() -> list[str]:
    """The claim names, in order."""
    return list(_modules())


def get(name: str):
    """The module of claim ``name`` (or one of its aliases); UnknownNameError otherwise."""
    mods = _modules()
    for m in mods.values():
        if name == m.NAME or name in m.ALIASES:
            return m
    raise UnknownNameError("claim", name, list(mods))


def describe_claims() -> list[tuple[str, str, str]]:
    """(name, source, claim) for listings."""
    return [(m.NAME, m.SOURCE, m.CLAIM) for m in _modules().values()]


def run_claim(name: str, out_dir, quick: bool = False) -> Result:
    """Measure, decide and draw one claim; figures go to ``out_dir``."""
    return run(get(name), out_dir, quick)


def _run_one(args):
    name, out_dir, quick = args
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):  # two claims side by side on two cores
        return run_claim(name, out_dir, quick)


def run_claims(names, out_dir, quick: bool = False, workers: int = 1, page: bool = True):
    """Run several claims (all names checked first), ``workers`` at a time in separate
    processes; write ``reproduce.json`` and ``reproduce.html`` to ``out_dir``."""
    modules = [get(n) for n in names]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = [(m.NAME, str(out_dir), bool(quick)) for m in modules]
    if workers > 1 and len(jobs) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_run_one, jobs))
    else:
        results = [run_claim(*job) for job in jobs]
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
    cap = (22, 28, 28, 60, 24)
    widths = [min(w, c) for w, c in zip(widths, cap)]
    import textwrap

    lines = [
        " | ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip(),
        "-+-".join("-" * w for w in widths),
    ]
    for row in rows:
        cells = [textwrap.wrap(c, w) or [""] for c, w in zip(row, widths)]
        for k in range(max(len(c) for c in cells)):
            lines.append(
                " | ".join(
                    (c[k] if k < len(c) else "").ljust(w) for c, w in zip(cells, widths)
                ).rstrip()
            )
    return "\n".join(lines)


def format_result(r: Result) -> list[str]:
    """One claim in depth (``actlab explain``): claim, source, setup, measurements, verdict,
    the rule and each part it was decided from."""
    out = [
        f"claim: {r.claim}",
        f"source: {r.source}",
        f"published: {r.published}",
        f"setup: {r.setup}" + (" (quick mode: for tests, not for conclusions)" if r.quick else ""),
        f"measured: {r.measured}",
    ]
    out += [f"  {line}" for line in r.lines]
    out.append(f"verdict: {r.verdict}")
    out += [f"  {p}" for p in r.parts]
    out.append(f"rule: {r.rule}")
    return out
