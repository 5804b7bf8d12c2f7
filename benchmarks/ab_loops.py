"""The compiled kernel loops of another commit against this tree's, interleaved in one process.

    python benchmarks/ab_loops.py ff8bc6d [--large] [names...]

The commit's activations/vecmath.py and jitloops.py are written into a temporary package (git
show; compiled uncached) and each activation's forward + backward loop pair of both versions is
timed in turn on the same float32 arrays, with a copy of the output array (np.copyto) timed
between them: (fwd + bwd) / copy for each, median of 5 rounds, each the best of 3 runs of
``number`` calls (1 at 64 MiB, 20 at 1 MiB). Interleaving is what makes the ratio trustworthy on
a shared machine: both versions see the same load. The load average is printed before and after.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FILES = ("vecmath.py", "jitloops.py")


def load_commit(commit: str):
    """The jitloops module of ``commit``, imported as package ``ab_<commit>`` from a temp dir."""
    pkg = f"ab_{commit}"
    tmp = Path(tempfile.mkdtemp()) / pkg
    tmp.mkdir()
    for name in FILES:
        text = subprocess.run(
            ["git", "show", f"{commit}:src/actlab/activations/{name}"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        text = text.replace("from .vecmath import", f"from {pkg}.vecmath import")
        (tmp / name).write_text(text.replace('"cache": True', '"cache": False'))
    (tmp / "__init__.py").write_text("")
    sys.path.insert(0, str(tmp.parent))
    __import__(f"{pkg}.jitloops")
    return sys.modules[f"{pkg}.jitloops"]


def pairs(L, n: int) -> dict:
    """{activation: (forward, backward)} thunks over shared float32 arrays of n outputs."""
    f = np.float32
    rng = np.random.default_rng(0)
    z, g = rng.standard_normal(n, dtype=f), rng.standard_normal(n, dtype=f)
    a, d = np.empty_like(z), np.empty_like(z)
    z2 = rng.standard_normal(2 * n, dtype=f)
    d2, first = np.empty_like(z2), np.empty(n, np.uint8)
    one, inf = f(1), f(np.inf)
    out = {
        "sigmoid": (lambda: L.sigmoid_fwd(z, a), lambda: L.sigmoid_bwd(a, g, d)),
        "swish": (lambda: L.swish_fwd(z, a, one), lambda: L.swish_bwd(z, g, d, one)),
        "softplus": (lambda: L.softplus_fwd(z, a), lambda: L.softplus_bwd(a, g, d)),
        "gelu": (lambda: L.gelu_fwd(z, a), lambda: L.gelu_bwd(z, a, g, d, f(10))),
        "mish": (lambda: L.mish_fwd(z, a), lambda: L.mish_bwd(z, g, d)),
        "elu": (lambda: L.elu_fwd(z, a, one, one, inf), lambda: L.elu_bwd(z, g, d, one, one)),
        "tanh": (lambda: np.tanh(z, out=a), lambda: L.tanh_bwd(a, g, d)),
    }
    if hasattr(L, "maxout2_fwd_first"):  # the winner bytes (this tree)
        out["maxout"] = (
            lambda: L.maxout2_fwd_first(z2, a, first),
            lambda: L.maxout2_bwd_first_pairs(first, g, d2.view(np.int64)),
        )
    else:  # before: the backward reads z back
        out["maxout"] = (
            lambda: L.maxout2_fwd(z2, a),
            lambda: L.maxout2_bwd_pairs(z2.view(np.int64), g, d2.view(np.int64)),
        )
    out["(copy)"] = (lambda: np.copyto(d, z), lambda: None)
    return out


def _best(fn, number: int, runs: int = 3) -> float:
    fn()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        out.append((time.perf_counter() - t0) / number)
    return min(out)


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    commit, large = args[0], "--large" in args
    names = [x for x in args[1:] if not x.startswith("--")]
    from actlab.activations import jitloops

    n = 4096 * 4096 if large else 256 * 1024
    number = 1 if large else 20
    old, new = pairs(load_commit(commit), n), pairs(jitloops, n)
    copy = old["(copy)"][0]
    print(f"{n} float32 outputs; load {os.getloadavg()[0]:.2f}")
    for name in names or [k for k in new if not k.startswith("(")]:
        rows = {"copy": [], "old": [], "new": []}
        for _ in range(5):
            rows["copy"].append(_best(copy, number))
            rows["old"].append(sum(_best(fn, number) for fn in old[name]))
            rows["new"].append(sum(_best(fn, number) for fn in new[name]))
        c, o, w = (statistics.median(rows[k]) for k in ("copy", "old", "new"))
        print(
            f"{name:9s} {commit} {o / c:5.2f}  now {w / c:5.2f} copies of the output "
            f"(now / {commit} {w / o:.2f}); copy {c / n * 1e9:.3f} ns/elem"
        )
    print(f"load {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
