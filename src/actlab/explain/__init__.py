"""``actlab explain TOPIC``: each claim of the seed document, measured and drawn.

Every topic trains small networks with actlab's own Network, Trainer and Probes (digits or a
2-D toy set, several seeds on the replica axis), prints the numbers it measured, decides from
them whether the seed's claim holds here, and writes one figure (PNG and SVG). No verdict is
written in advance: each comes from a function of the measurements (tested on planted numbers).

    from actlab.explain import run_explain
    result = run_explain("zigzag", "runs/explain")
    print(result.claim); print("\\n".join(result.lines))

Topics (one module each): saturation, zigzag, collapse, cost, dead-relu, init. A full run takes
under a minute per topic on two cores; ``quick=True`` a few seconds (smaller nets, fewer seeds
and epochs: for tests, not for conclusions).
"""

from __future__ import annotations

import time
from pathlib import Path

from ..errors import UnknownNameError
from . import collapse, costs, dead_relu, initialization, saturation, zigzag
from ._common import FAILS, HOLDS, ExplainResult, verdict
from .zigzag import plot_zigzag_paths, zigzag_paths

_TOPICS = {m.TOPIC: m for m in (saturation, zigzag, collapse, costs, dead_relu, initialization)}

__all__ = ["FAILS", "HOLDS", "ExplainResult", "available_topics", "describe_topics",
           "plot_zigzag_paths", "run_explain", "verdict", "zigzag_paths"]


def available_topics() -> list[str]:
    """The topic names, in the seed's order."""
    return list(_TOPICS)


def describe_topics() -> list[tuple[str, str]]:
    """(topic, the seed's claim) pairs, for listings."""
    return [(name, module.CLAIM) for name, module in _TOPICS.items()]


def run_explain(topic: str, out_dir: str | Path, quick: bool = False) -> ExplainResult:
    """Run one topic: measure, decide, draw. Figures go to ``out_dir/explain_TOPIC.{png,svg}``.

    Raises UnknownNameError("topic", ...) naming the allowed topics for an unknown one. The
    result's ``measurements`` also holds ``seconds`` (wall time) and ``quick``.
    """
    if not isinstance(topic, str) or topic not in _TOPICS:
        raise UnknownNameError("topic", topic, available_topics())
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    result = _TOPICS[topic].run(out_dir, quick=bool(quick))
    result.measurements["quick"] = bool(quick)
    result.measurements["seconds"] = time.perf_counter() - start
    from ._common import jsonable

    result.measurements = jsonable(result.measurements)
    return result
