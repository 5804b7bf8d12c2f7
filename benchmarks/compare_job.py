"""Figure 5: wall time of the default ``actlab compare`` job, end to end, and its report alone.

Runs ``python -m actlab.cli compare --out DIR --quiet`` from /tmp in a fresh process (imports,
training on the process pool, statistics, figures and report.html included), the way a user
runs it, with ACTLAB_TIMINGS set so the command writes where its time went (training, the
report's part after the training, each figure). Then renders the same run directory's report
again in a fresh process: ``write_report(DIR)`` timed from after its imports (matplotlib
included in the imports: figures and page only), and the whole ``actlab report DIR`` command
(start-up included).
"""

from __future__ import annotations

import json
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
    "import sys, time\nimport actlab.report.common\nfrom actlab.report.html import write_report\n"
    "t0 = time.perf_counter(); write_report(sys.argv[1])\n"
    "print(time.perf_counter() - t0)"
)


def _env(**extra):
    return {**os.environ, "PYTHONPATH": str(ROOT / "src"), **extra}


def _run(args, **env) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, *args],
        cwd=tempfile.gettempdir(),
        env=_env(**env),
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise RuntimeError(f"{args} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return wall, proc.stdout


def once() -> tuple[tuple[float, float | None, float, float, float | None], dict]:
    """(compare wall, its training seconds, report render in process, `actlab report` wall,
    the compare's report part after its training) and the compare's ACTLAB_TIMINGS."""
    out = tempfile.mkdtemp(prefix="bench_cmp_")
    shutil.rmtree(out)
    timings_file = out + ".timings.json"
    try:
        wall, stdout = _run(
            ["-m", "actlab.cli", "compare", "--out", out, "--quiet"], ACTLAB_TIMINGS=timings_file
        )
        m = re.search(r"training ([0-9.]+) s", stdout)
        try:
            with open(timings_file, encoding="utf-8") as f:
                timings = json.load(f)
        except (OSError, ValueError):  # an actlab from before the timings
            timings = {}
        timings["wall"] = wall
        _, printed = _run(["-c", RENDER, out])
        render = float(printed.strip().splitlines()[-1])
        report_wall, _ = _run(["-m", "actlab.cli", "report", out])
    finally:
        shutil.rmtree(out, ignore_errors=True)
        if os.path.exists(timings_file):
            os.remove(timings_file)
    training = float(m.group(1)) if m else None
    return (wall, training, render, report_wall, timings.get("report")), timings


def profile(t: dict) -> list[tuple[str, str]]:
    """Where one compare run's wall time went, from its ACTLAB_TIMINGS: (part, seconds) rows."""
    if "in_all" not in t:
        return [("no profile", "this actlab writes no ACTLAB_TIMINGS")]
    figures = sorted(t.get("figures", {}).items(), key=lambda kv: -kv[1])
    early = t.get("figures_during_training", {})
    page = t["report"] - t["cost"] - t["figures_wait"]
    return [
        ("python start-up and imports", f"{t['wall'] - t['in_all']:.2f} s"),
        ("checks, statistics, tables", f"{t['until_report'] - t['training']:.2f} s"),
        ("training (pool of 2, probes on)", f"{t['training']:.2f} s"),
        ("after training: cost per element", f"{t['cost']:.2f} s"),
        ("after training: waiting for figures", f"{t['figures_wait']:.2f} s"),
        ("after training: page", f"{page:.2f} s"),
        (
            "figures after training, 2 at a time",
            ", ".join(f"{k} {v:.2f} s" for k, v in figures),
        ),
        ("figures beside the training", ", ".join(f"{k} {v:.2f} s" for k, v in early.items())),
    ]


def run(repeats: int):
    results = [once() for _ in range(repeats)]
    runs = [r for r, _ in results]
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
        "  compare's report part after training",
    ]
    rows = [
        [n, f"{m:.2f}", " ".join("-" if r[k] is None else f"{r[k]:.2f}" for r in runs)]
        for k, (n, m) in enumerate(zip(names, med))
    ]
    median_run = sorted(results, key=lambda r: r[0][0])[len(results) // 2][1]
    return (
        header,
        rows,
        {
            "wall": med[0],
            "training": med[1],
            "render": med[2],
            "report_wall": med[3],
            "profile": profile(median_run),
        },
    )
