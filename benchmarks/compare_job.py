"""Figure 5: wall time of the default ``actlab compare`` job, end to end.

Runs ``python3 -m actlab.cli compare --out DIR --quiet`` from /tmp in a fresh process (imports,
training on the process pool, statistics, figures and report.html included), the way a user
runs it, and reads the training share from the printed "results: ... N s" line.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from common import ROOT


def once() -> tuple[float, float | None]:
    out = tempfile.mkdtemp(prefix="bench_cmp_")
    shutil.rmtree(out)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "actlab.cli", "compare", "--out", out, "--quiet"],
                          cwd=tempfile.gettempdir(), env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    shutil.rmtree(out, ignore_errors=True)
    if proc.returncode:
        raise RuntimeError(f"actlab compare failed ({proc.returncode}): {proc.stderr[-2000:]}")
    m = re.search(r"\);\s*([0-9.]+) s\s*$", proc.stdout.strip())
    return wall, (float(m.group(1)) if m else None)


def run(repeats: int):
    runs = [once() for _ in range(repeats)]
    walls = [w for w, _ in runs]
    inner = [s for _, s in runs if s is not None]
    header = ["job", "wall seconds (median)", "runs", "reported run seconds (median)"]
    rows = [["actlab compare (default)", f"{statistics.median(walls):.1f}",
             " ".join(f"{w:.1f}" for w in walls),
             f"{statistics.median(inner):.1f}" if inner else "n/a"]]
    return header, rows, statistics.median(walls)
