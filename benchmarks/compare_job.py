"""Figure 5: wall time of the default ``actlab compare`` job, end to end, and its report alone.

Runs ``python -m actlab.cli compare --out DIR --quiet`` from /tmp in a fresh process (imports,
training on the process pool, statistics, figures and report.html included), the way a user
runs it, and reads the training share from the printed "training N s" part. Then renders the
same run directory's report again in a fresh process: ``write_report(DIR)`` timed from after its
imports (figures and page only), and the whole ``actlab report DIR`` command (start-up included).
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

RENDER = (
    "import sys, time\nfrom actlab.report.html import write_report\n"
    "t0 = time.perf_counter(); write_report(sys.argv[1])\n"
    "print(time.perf_counter() - t0)"
)


def _env():
    return {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def _run(args) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, *args],
        cwd=tempfile.gettempdir(),
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise RuntimeError(f"{args} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return wall, proc.stdout


def once() -> tuple[float, float | None, float, float]:
    """(compare wall, its training seconds, report render in process, `actlab report` wall)."""
    out = tempfile.mkdtemp(prefix="bench_cmp_")
    shutil.rmtree(out)
    try:
        wall, stdout = _run(["-m", "actlab.cli", "compare", "--out", out, "--quiet"])
        m = re.search(r"training ([0-9.]+) s", stdout)
        _, printed = _run(["-c", RENDER, out])
        render = float(printed.strip().splitlines()[-1])
        report_wall, _ = _run(["-m", "actlab.cli", "report", out])
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return wall, (float(m.group(1)) if m else None), render, report_wall


def run(repeats: int):
    runs = [once() for _ in range(repeats)]
    med = [
        statistics.median(x for x in col if x is not None)
        if any(x is not None for x in col)
        else float("nan")
        for col in zip(*runs)
    ]
    header = ["job", "seconds (median)", "runs"]
    names = [
        "actlab compare (default), wall",
        "  of which training (printed)",
        "report alone: write_report after imports",
        "report alone: `actlab report DIR` wall",
    ]
    rows = [
        [n, f"{m:.2f}", " ".join("-" if r[k] is None else f"{r[k]:.2f}" for r in runs)]
        for k, (n, m) in enumerate(zip(names, med))
    ]
    return (
        header,
        rows,
        {"wall": med[0], "training": med[1], "render": med[2], "report_wall": med[3]},
    )
