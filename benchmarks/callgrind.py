"""Load-independent counts: instructions and numpy ufunc calls per job, under valgrind.

Timings on a shared machine move by 2x; the number of instructions a training step executes
and the number of numpy calls it makes do not. ``counts(jobs)`` runs one Python process under
``valgrind --tool=callgrind`` with instrumentation off, and for each job switches it on around
the job alone (``callgrind_control``), so imports and set-up are not counted. A job is
(label, setup, run): ``setup()`` returns an argument (warm-up included), ``run(arg)`` is the
work counted. Returns {label: {"instructions", "ufunc_calls", "gemm_calls"}}, or None when
valgrind is not installed.

    python benchmarks/callgrind.py            # the small model's step, relu, R = 1 and 10
"""

from __future__ import annotations

import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
# numpy's C entry points: every ufunc call (np.add(...), a += b, matmul) and every reduction
UFUNC_ENTRIES = ("ufunc_generic_fastcall", "ufunc_reduce")
GEMM_ENTRIES = ("scipy_cblas_sgemm64_", "cblas_sgemm", "scipy_cblas_dgemm64_", "cblas_dgemm")


def available() -> bool:
    return shutil.which("valgrind") is not None and shutil.which("callgrind_control") is not None


def _parse(path: Path) -> dict:
    """Instructions and call counts of one callgrind dump; ``interpreter_instructions`` and
    ``numpy_instructions``: those executed in libpython's own code (bytecode, objects, calls)
    and in numpy's compiled modules (dispatch, iterators, the loops), exclusive of callees."""
    names, calls, callee, total = {}, collections.Counter(), None, 0
    objects, by_object, obj, after_call = {}, collections.Counter(), None, False
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith(("ob=", "cob=")):
            m = re.match(r"c?ob=\((\d+)\)(?: (.*))?", line)
            if m:
                if m.group(2):
                    objects[m.group(1)] = m.group(2)
                if line.startswith("ob="):
                    obj = objects.get(m.group(1))
            continue
        if line[:1].isdigit() or line[:1] in "+-*":  # a cost line: exclusive unless a call's
            if not after_call and len(line.split()) > 1:
                by_object[obj] += int(line.split()[1])
            after_call = False
            continue
        if line.startswith(("fn=", "cfn=")):
            m = re.match(r"c?fn=\((\d+)\)(?: (.*))?", line)
            if m:
                if m.group(2):
                    names[m.group(1)] = m.group(2)
                if line.startswith("cfn="):
                    callee = names.get(m.group(1))
        elif line.startswith("calls="):
            calls[callee] += int(line.split("=")[1].split()[0])
            after_call = True
        elif line.startswith(("summary:", "totals:")):
            total = int(line.split()[1])
    return {
        "instructions": total,
        "ufunc_calls": sum(calls[n] for n in UFUNC_ENTRIES),
        "gemm_calls": sum(calls[n] for n in GEMM_ENTRIES),
        "interpreter_instructions": sum(v for k, v in by_object.items() if "libpython" in str(k)),
        "numpy_instructions": sum(
            v for k, v in by_object.items() if "/numpy/" in str(k) and "openblas" not in str(k)
        ),
    }


def counts(module: str, function: str, labels: list[str], timeout: float = 900) -> dict | None:
    """Run ``module.function(label)`` -> (setup, run) for each label under callgrind."""
    if not available():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cg.out"
        cmd = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={out}",
            sys.executable,
            str(Path(__file__).resolve()),
            "--driver",
            json.dumps([module, function, labels]),
        ]
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1")  # one thread: one count
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
        dumps = sorted(Path(tmp).glob("cg.out.*"), key=lambda p: int(p.name.rsplit(".", 1)[1]))
        if proc.returncode != 0 or len(dumps) < len(labels):
            return None
        return {label: _parse(d) for label, d in zip(labels, dumps)}


def _driver(module: str, function: str, labels: list[str]) -> None:
    sys.path.insert(0, str(HERE))
    import importlib

    make = getattr(importlib.import_module(module), function)
    pid = str(os.getpid())

    def ctl(*args):
        subprocess.run(["callgrind_control", *args, pid], capture_output=True, check=False)

    for label in labels:
        setup, run = make(label)
        arg = setup()
        ctl("--zero")
        ctl("--instr=on")
        run(arg)
        ctl("--instr=off")
        ctl(f"--dump={label}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--driver":
        _driver(*json.loads(sys.argv[2]))
    else:
        import profile_step

        res = counts("profile_step", "step_job", ["relu:1", "relu:10"])
        print(res if res is not None else "valgrind not available")
        if res:
            for label, c in res.items():
                per = profile_step.count_steps()
                print(
                    f"{label}: {c['instructions'] / per:,.0f} instructions, "
                    f"{c['ufunc_calls'] / per:.1f} numpy ufunc calls, "
                    f"{c['gemm_calls'] / per:.1f} GEMM calls per step"
                )
