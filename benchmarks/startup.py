"""Figure 6: start-up of the command line, ``actlab --help`` and ``actlab list``.

Each command runs in a fresh process (``python -m actlab.cli ...`` from /tmp, the way a user's
shell starts it), interleaved with ``python -c pass`` (the interpreter alone) and
``python -c "import numpy"`` (the floor of any command that touches an array). Median wall time.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

from common import ROOT

COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "python -c 'import numpy'": ["-c", "import numpy"],
    "actlab --help": ["-m", "actlab.cli", "--help"],
    "actlab list": ["-m", "actlab.cli", "list"],
}


def _once(args) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, *args],
        cwd=tempfile.gettempdir(),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise RuntimeError(f"{args} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return wall


def run(repeats: int):
    for args in COMMANDS.values():  # warm the page cache and __pycache__
        _once(args)
    times = {k: [] for k in COMMANDS}
    for _ in range(repeats):
        for k, args in COMMANDS.items():
            times[k].append(_once(args))
    med = {k: statistics.median(v) for k, v in times.items()}
    rows = [
        [
            k,
            f"{med[k]:.3f}",
            " ".join(f"{t:.2f}" for t in times[k]),
            f"{med[k] / med['python -c pass']:.1f}x",
        ]
        for k in COMMANDS
    ]
    header = ["command", "wall seconds (median)", "runs", "/ python -c pass"]
    return header, rows, med
