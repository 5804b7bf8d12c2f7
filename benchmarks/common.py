"""Shared helpers for the benchmarks: timing, lazy peer imports, machine facts, tables.

Timings follow one rule: peers are measured side by side in the same process and run, each
measurement is the median of ``repeats`` runs after a warm-up, and results are reported as
ratios (the machine is shared and noisy; absolute seconds move, ratios much less).
"""

from __future__ import annotations

import importlib
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT / "src"))

INSTALL_HINT = "pip install -e '.[bench]'"


class MissingPeer(RuntimeError):
    """A peer library (torch, scikit-learn) is not installed."""


def need(module: str):
    """Import a peer lazily; a clear message if it is missing."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingPeer(f"{module} is not installed: {INSTALL_HINT}  ({exc})") from None


def have(module: str) -> bool:
    try:
        need(module)
        return True
    except MissingPeer:
        return False


def median_time(fn, repeats: int, warmup: int = 1):
    """(median seconds, every time, last result) of ``fn()`` over ``repeats`` runs after warm-up."""
    for _ in range(warmup):
        fn()
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, result


def interleaved(fns: dict, repeats: int, warmup: int = 1):
    """Time several peers side by side: each repeat runs every peer once, in turn.

    Returns {name: (median seconds, times, last result)}. Interleaving spreads the machine's
    noise over all peers instead of letting one of them run in a quiet or a busy minute.
    """
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times = {k: [] for k in fns}
    results = {}
    for _ in range(repeats):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            results[k] = fn()
            times[k].append(time.perf_counter() - t0)
    return {k: (statistics.median(v), v, results[k]) for k, v in times.items()}


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_info() -> list[str]:
    lines = [
        f"cpu: {cpu_model()}, {os.cpu_count()} logical cores (nproc), "
        f"python {platform.python_version()}, numpy {np.__version__}"
    ]
    for mod in ("torch", "sklearn"):
        try:
            lines[-1] += f", {mod} {importlib.import_module(mod).__version__}"
        except ImportError:
            lines[-1] += f", {mod} missing"
    try:
        from threadpoolctl import threadpool_info

        for info in threadpool_info():
            if info.get("user_api") == "blas":
                owner = next(
                    (m for m in ("numpy", "scipy", "torch", "sklearn") if m in info["filepath"]),
                    "?",
                )
                lines.append(
                    f"blas ({owner}): {info.get('internal_api')} {info.get('version')} "
                    f"({info.get('architecture', '?')} kernels, "
                    f"{info.get('num_threads')} threads) {Path(info['filepath']).name}"
                )
    except ImportError:
        lines.append("blas: threadpoolctl missing")
    env = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS")}
    if env:
        lines.append("env: " + ", ".join(f"{k}={v}" for k, v in sorted(env.items())))
    return lines


def table(header: list[str], rows: list[list], title: str = "") -> str:
    cells = [[str(c) for c in r] for r in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) for i, h in enumerate(header)]
    out = [title] if title else []
    out.append("  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip())
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    return "\n".join(out)


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"
