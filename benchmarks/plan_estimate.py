"""Is `actlab plan`'s time estimate within 1.5x of the training time `actlab run` prints?

For every preset and every runnable example of the README and examples/, runs `plan` and then
the run itself (each a fresh `python -m actlab.cli` process, as a user types them) and prints:
spec, the estimate, the measured training time ("training N s" in the run's last line), their
ratio (measured / estimate) and whether it is within 1.5x either way. The machine may be shared:
plan runs before and after the run (the median is the estimate, every call is shown) and the
1-minute load average at the run's start is printed beside it, with the share of a core per
worker the plan measured and how long the (last) plan call took.

    python benchmarks/plan_estimate.py               # everything (about 15 min on 2 cores)
    python benchmarks/plan_estimate.py --only compare sweep
    python benchmarks/plan_estimate.py --plans 4 --only mnist1d-cnn   # plan's own spread

Left out: the README's `--dataset csv --path data.csv` and `--dataset mnist --path
~/data/mnist` examples (they name files of the user's, not shipped).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

CNN1D = "conv1d:25x5:s2:p1,act,conv1d:25x3:s2:p1,act,conv1d:25x3:s2:p1,act,flatten,dense:10"
CNN2D = (
    "conv2d:16x3:p1,act,maxpool2d:2,conv2d:32x3:p1,act,maxpool2d:2,flatten,dense:64,act,dense:10"
)

# The README's `actlab compare` examples, by their flags (`actlab plan` takes compare's flags)
README = {
    "readme: 5 activations x 10 seeds": "--activations relu,leaky_relu:0.1,elu,selu,swish --seeds 10",
    "readme: mnist1d 100,100 adam": (
        "--dataset mnist1d --hidden 100,100 --optimizer adam --lr 0.01 --batch-size 100"
    ),
    "readme: moons 8,8": "--dataset moons --hidden 8,8 --activations relu,tanh,sigmoid",
    "readme: mnist1d cnn": (
        f"--dataset mnist1d --optimizer adam --lr 0.01 --batch-size 100 --epochs 40 --arch {CNN1D}"
    ),
    "readme: digits cnn": f"--dataset digits --optimizer adam --lr 0.003 --init auto --arch {CNN2D}",
}
PRESETS = ["prototype", "sweep", "mnist1d", "mnist1d-cnn", "digits-cnn"]
FILES = ["examples/sweep.toml", "examples/depth.toml"]

# name: (plan arguments, run arguments)
CASES = {
    "compare": (["plan"], ["compare"]),
    **{p: (["plan", "--preset", p], ["run", "--preset", p]) for p in PRESETS},
    **{n: (["plan", *f.split()], ["compare", *f.split()]) for n, f in README.items()},
    **{f: (["plan", f], ["run", f]) for f in FILES},
}

ESTIMATE = re.compile(r"estimated training time: .*?([\d.]+) s\)? on")
MEASURED = re.compile(r"training ([\d.]+) s, in all")
SPREAD = re.compile(r"timed epochs ([\d.]+-[\d.]+x)")
SHARE = re.compile(r"at ([\d.]+) of a core per worker")


def actlab(args: list[str], cwd: str) -> str:
    """Run ``python -m actlab.cli ARGS``; its stdout (raises with its stderr if it fails)."""
    proc = subprocess.run(
        [sys.executable, "-m", "actlab.cli", *args], cwd=cwd, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise RuntimeError(f"actlab {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
    return proc.stdout


def estimate(plan_args: list[str], cwd: str) -> tuple[float, str, str, float]:
    """(the estimate, the spread of the timed epochs, the share per worker, plan's seconds)."""
    start = time.perf_counter()
    out = actlab(plan_args, cwd)
    seconds = time.perf_counter() - start
    found = ESTIMATE.search(out)
    if found is None:
        raise RuntimeError(f"no estimate in: {out}")
    spread, share = SPREAD.search(out), SHARE.search(out)
    return (
        float(found.group(1)),
        spread.group(1) if spread else "?",
        share.group(1) if share else "?",
        seconds,
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", help="case names (default: all)")
    parser.add_argument(
        "--plans", type=int, default=2, help="plan calls, half before the run, half after"
    )
    args = parser.parse_args(argv)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    names = args.only or list(CASES)
    print(f"load average at start: {_load()}")
    print(
        f"each spec: plan x{args.plans - args.plans // 2}, run, plan x{args.plans // 2}; "
        "estimate = median of the plans (all shown); measured = the run's 'training N s'"
    )
    header = [
        "spec",
        "estimates s",
        "measured s",
        "ratio",
        "within 1.5x",
        "epoch spread",
        "share",
        "plan s",
        "load",
    ]
    rows = []
    for name in names:
        plan_args, run_args = CASES[name]
        estimates, spread, share, plan_seconds = [], "?", "?", 0.0
        for _ in range(args.plans - args.plans // 2):
            est, spread, share, plan_seconds = estimate(plan_args, root)
            estimates.append(est)
        load = _load(1)
        with tempfile.TemporaryDirectory(prefix="actlab-plan-estimate-") as tmp:
            out = actlab([*run_args, "--out", os.path.join(tmp, "run")], root)
        measured = float(MEASURED.search(out).group(1))
        for _ in range(args.plans // 2):
            estimates.append(estimate(plan_args, root)[0])
        est = statistics.median(estimates)
        ratio = measured / est
        shown = "/".join(f"{e:.1f}" for e in estimates)
        rows.append(
            [
                name,
                shown,
                f"{measured:.1f}",
                f"{ratio:.2f}",
                _yes(ratio),
                spread,
                share,
                f"{plan_seconds:.1f}",
                load,
            ],
        )
        print("  " + "  ".join(rows[-1]), f"({time.strftime('%H:%M:%S')})", flush=True)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print()
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    inside = sum(r[4] == "yes" for r in rows)
    print(f"within 1.5x: {inside} of {len(rows)}; load average at end: {_load()}")
    return 0


def _load(n: int = 3) -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()[:n])


def _yes(ratio: float) -> str:
    return "yes" if 1 / 1.5 <= ratio <= 1.5 else "no"


if __name__ == "__main__":
    sys.exit(main())
