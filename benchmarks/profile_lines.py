"""The line under each goal of issue 15 that is not met: where the remaining time goes, and why
it cannot go, computed from what this run measured (nothing typed in):

- small model: a step's time (profile_step.stages) = the GEMMs alone + the numpy calls a step
  makes (counted under valgrind: load-independent) x the measured cost of one call + Python;
- kernels: the numpy passes a forward + backward makes (ufunc calls, counted), the time they took
  against a copy, and the memory traffic one fused loop would need (kernels.min_copies); for the
  compiled loops, their time at this size and in cache (the arithmetic alone), their memory
  traffic floor and their instructions per 16 elements (loop_asm, from their assembly);
- sweep: the GEMMs alone against actlab's time, and the rest per step with its call count.

Counts need valgrind; without it (or with ``--no-counts``) the lines say so and keep the times.
"""

from __future__ import annotations

import callgrind
import kernels
import numpy as np
import profile_step
from small_model import ACTIVATIONS


def _step_calls(counts: bool) -> dict | None:
    if not counts:
        return None
    res = callgrind.counts("profile_step", "step_job", [f"{a}:1" for a in ACTIVATIONS])
    if res is None:
        return None
    steps = profile_step.count_steps()
    SPLIT.update(
        {
            label.split(":")[0]: (
                c["numpy_instructions"] / steps,
                c["interpreter_instructions"] / steps,
            )
            for label, c in res.items()
        }
    )
    return {label.split(":")[0]: c["ufunc_calls"] / steps for label, c in res.items()}


SPLIT: dict = {}  # per activation: (numpy's, the interpreter's) instructions a step, counted


def _counted_line(act, step, gemm, rest, n, per_call) -> str:
    numpy_ins, python_ins = SPLIT.get(act, (0, 0))
    share = numpy_ins / max(numpy_ins + python_ins, 1)
    return (
        f"{act}: a step {step:.0f} us = GEMMs alone {gemm:.0f} us + the rest {rest:.0f} us "
        f"for {n:.1f} numpy calls (counted; the simplest call alone: {per_call:.2f} us); "
        f"of the rest's instructions (callgrind, outside BLAS) {share:.0%} are numpy's "
        f"compiled code, {numpy_ins / n / 1e3:.1f} thousand a call (dispatch, iterators, "
        f"broadcasting and reductions, the loops), {1 - share:.0%} the interpreter (this "
        f"code, numpy's Python wrappers such as np.errstate, objects): fewer calls need "
        f"fused, compiled steps"
    )


def small_model_lines(calls: dict | None) -> list[str]:
    per_call = profile_step.call_overhead_us()
    out = []
    for act in ACTIVATIONS:
        st = profile_step.stages(act, number=200, repeat=5)
        gemm, step = st["GEMMs alone"], st["step (as trained)"]
        rest = step - gemm
        if calls is None:
            out.append(
                f"{act}: a step {step:.0f} us, the GEMMs alone {gemm:.0f} us, the other "
                f"{rest:.0f} us numpy calls and Python (no valgrind: calls not counted)"
            )
        else:
            out.append(_counted_line(act, step, gemm, rest, calls[act], per_call))
        if "compiled step (as trained)" in st:
            c, c_gemm = st["compiled step (as trained)"], st["compiled GEMMs alone"]
            out.append(
                f"{act}: the compiled step (opt-in, Trainer(compiled=True) / --compiled) is one "
                f"such: a step {c:.0f} us = the same GEMMs called from compiled code "
                f"{c_gemm:.0f} us + {c - c_gemm:.0f} us for everything else"
            )
    return out


def _elementwise() -> set[str]:
    """Activations whose kernel runs block by block on large arrays (kernels.py)."""
    from actlab.activations import available_activations, get_activation
    from actlab.activations.kernels import kernel_for

    return {
        n
        for n in available_activations()
        if getattr(kernel_for(get_activation(n)), "elementwise", False)
    }


def _instructions(name: str) -> str:
    """ ", N + M vector instructions per 16 elements (...)" from the loops' assembly, or ""."""
    try:
        import loop_asm

        fwd, bwd = loop_asm.loops(name)
        if fwd is None and bwd is None:  # e.g. PReLU's loops over (R, rows, units) views
            return " (instructions not counted: no flat jitloops loop to read)"
        # None: not a jitloops loop (tanh's forward is np.tanh itself)
        counts = [f"{loop_asm.per_16(x):.0f}" if x else "uncounted" for x in (fwd, bwd)]
        scale = loop_asm.scale_per_16()
    except (ImportError, ValueError) as exc:  # no numba, or assembly this parser cannot read
        return f" (instructions not counted: {type(exc).__name__})"
    return (
        f"; the loops run {counts[0]} + {counts[1]} instructions per 16 elements "
        f"(counted in their assembly; a scaling loop a = s z: {scale:.1f})"
    )


def compiled_line(name: str, large: bool, ratio: float) -> str:
    """Where a compiled kernel's time goes, from this run's seconds: its loops at this size,
    the same loops in cache (the arithmetic alone), the memory traffic floor and the
    instructions per element of each loop."""
    floor = kernels.min_copies(name)
    detail = kernels.DETAIL.get(name)
    head = f"{name}: compiled kernels (jitkernels, numba), one loop forward and one backward"
    if detail is None:
        return (
            f"{head}: {ratio:.1f}x a copy; the least memory traffic is {floor:g} copies' "
            "worth, the rest is arithmetic"
        )
    size = "large" if large else "small"
    n = float(np.prod(kernels.LARGE if large else kernels.SHAPE))
    n_s = float(np.prod(kernels.SHAPE))
    fwd, bwd = detail[size]
    copy = kernels.DETAIL["copy"][size]
    line = (
        f"{head}: fwd {fwd / n * 1e9:.2f} + bwd {bwd / n * 1e9:.2f} ns/elem = {ratio:.1f}x a "
        f"copy ({copy / n * 1e9:.3f} ns/elem); memory traffic at least {floor:g} copies"
    )
    if large:
        fs, bs = detail["small"]
        alone = (fs + bs) / n_s / (copy / n)
        line += (
            f"; in cache the same loops take {fs / n_s * 1e9:.2f} + {bs / n_s * 1e9:.2f} "
            f"ns/elem, the arithmetic alone {alone:.1f}x this copy"
        )
        why = (
            "over 3x by its memory traffic alone"
            if floor > 3
            else "over 3x by the arithmetic alone"
            if alone > 3
            else "arithmetic and memory traffic each under 3x, overlapping in part"
        )
    else:
        why = "in cache the time is the loops' instructions and the cache's bandwidth"
    wide = kernels.DETAIL.get("input copy", {}).get(name)
    if wide:
        line += (
            f"; a copy of its input z (twice the output) takes {wide[size] / copy:.1f}x the "
            f"output's copy, and this kernel {(fwd + bwd) / wide[size]:.1f}x that copy"
        )
    return line + _instructions(name) + f": {why}"


def kernel_lines(not_met: list[str], counts: bool) -> dict[str, list[str]]:
    from actlab.activations import jitkernels

    def compiled(large: bool) -> bool:  # one loop each way there: no numpy passes to count
        size = np.prod(kernels.LARGE if large else kernels.SHAPE)
        return jitkernels.available() and size >= jitkernels.JIT_FROM

    elementwise = _elementwise()
    names = sorted({g.split()[2].rstrip(":") for g in not_met})
    count = counts and names and not (compiled(False) and compiled(True))
    res = callgrind.counts("kernels", "kernel_job", names) if count else None
    out = {}
    for g in not_met:
        name = g.split()[2].rstrip(":")
        r_s, _, r_l = kernels.LAST[name]
        large = "64 MiB" in g
        ratio = r_l if large else r_s
        passes = None if res is None else res[name]["ufunc_calls"]
        if compiled(large):
            line = compiled_line(name, large, ratio)
        elif not passes:
            line = f"{name}: {ratio:.1f}x a copy (no valgrind: passes not counted)"
        elif large:
            best = kernels.min_copies(name)
            where = (
                "block by block in cache (kernels.BLOCK), where the same passes cost "
                f"{r_s:.1f}x a copy at 1 MiB"
                if name in elementwise
                else "each over the whole array in memory"
            )
            line = (
                f"{name}: {passes} numpy passes for forward + backward (ufunc calls, counted), "
                f"{where}: {ratio:.1f}x a copy; one fused loop would move {best:.1f} copies' "
                "worth"
                + (" (over 3x by its shape alone)" if best > 3 else "")
                + "; numpy cannot fuse passes"
            )
        else:
            per_pass = ratio / passes
            line = (
                f"{name}: {passes} numpy passes (counted), {ratio:.1f}x a copy in cache = "
                f"{per_pass:.1f} copies a pass"
                + (
                    ": a pass costs more than moving its data (arithmetic such as exp or erfc, "
                    "a comparison written as float, call overhead)"
                    if per_pass > 1.5
                    else ": each pass costs about a copy; fewer passes need a fused loop"
                )
            )
        out[g] = [line]
    return out


def sweep_lines(sweep: dict, calls: dict | None) -> list[str]:
    rest = sweep["actlab"] - sweep["gemm"]
    per_step = rest / sweep["steps"] * 1e6
    n = (
        ""
        if calls is None
        else f", up to {max(calls.values()):.1f} numpy calls a step (counted at R = 1)"
    )
    return [
        f"np.matmul alone {sweep['gemm']:.2f} s of actlab's {sweep['actlab']:.2f} s; the other "
        f"{rest:.2f} s = {per_step:.0f} us in each of {sweep['steps']} steps{n}, elementwise "
        f"work and dispatch on (10, 32, 100) arrays"
    ]


def lines(goals, only, counts: bool = True, sweep: dict | None = None) -> dict[str, list[str]]:
    """{goal text: lines to print under it} for the goals of figures 1-3 that are not met."""
    not_met = [g for g, _, ok in goals if ok is False]
    small = [  # small_model_lines profiles the default step
        g for g in not_met if g.startswith("1. small model, default") and "accuracy" not in g
    ]
    kern = [g for g in not_met if g.startswith("2. kernel ")]
    swp = [g for g in not_met if g.startswith("3. sweep, default")]  # sweep_lines: its profile
    why: dict[str, list[str]] = {}
    calls = _step_calls(counts) if (small or swp) else None
    if small and "small" in only:
        why[small[0]] = small_model_lines(calls)
    if kern and "kernels" in only:
        why.update(kernel_lines(kern, counts))
    if swp and sweep:
        why[swp[-1]] = sweep_lines(sweep, calls)
    return why


def with_lines(table_text: str, goal_texts: list[str], why: dict) -> str:
    """The goals table with each goal's lines printed under its row (rows in goal order)."""
    rows = table_text.splitlines()
    head = len(rows) - len(goal_texts)
    out = rows[:head]
    for goal, row in zip(goal_texts, rows[head:]):
        out.append(row)
        out += [f"      why: {line}" for line in why.get(goal, [])]
    return "\n".join(out)
