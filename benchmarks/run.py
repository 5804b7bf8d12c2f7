"""actlab's speed against scikit-learn and PyTorch: ``python benchmarks/run.py [--quick]``.

Prints one table per figure of issue #5 and the goal each one is held to. Peers are imported
lazily; without them only actlab's own figures are measured (``pip install -e '.[bench]'``).
Every timing is the median of several runs after a warm-up, peers interleaved in the same run;
compare the ratios, not the seconds (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import numpy as np
from common import have, table, verdict

FIGURES = ("small", "sweep", "large", "kernels", "compare", "startup")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats and epochs (minutes)")
    ap.add_argument("--only", nargs="+", choices=FIGURES, help="run only these figures")
    ap.add_argument("--repeats", type=int, help="timed repeats per measurement (default 5)")
    ap.add_argument(
        "--no-counts",
        action="store_true",
        help="skip the valgrind call counts behind the profile lines of goals not met",
    )
    args = ap.parse_args(argv)
    quick = args.quick
    repeats = args.repeats or (3 if quick else 5)
    epochs = 10 if quick else 50
    only = set(args.only or FIGURES)
    print("actlab benchmarks" + (" (--quick: fewer repeats, 10 epochs)" if quick else ""))
    for line in common.machine_info():
        print("  " + line)
    print(
        f"  load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
        f"median of {repeats} runs after a warm-up, peers interleaved\n"
    )
    missing = [m for m in ("torch", "sklearn") if not have(m)]
    if missing:
        print(f"peers missing: {', '.join(missing)} -- {common.INSTALL_HINT}\n")
    goals = []
    t_start = time.perf_counter()

    if "small" in only:
        import small_model

        peers = tuple(
            p
            for p in ("torch1", "torch2", "sklearn")
            if have("torch" if p.startswith("torch") else p)
        )
        header, rows, worst, gaps = small_model.run(epochs, repeats, peers)
        print(
            table(
                header,
                rows,
                f"1. small model: digits 64-100-100-10, SGD 0.1/0.9, batch 32, "
                f"{epochs} epochs, float32; actlab R=1 init "
                f"'{small_model.ACTLAB_INIT}' (U(+-1/sqrt(fan_in)), as torch), "
                f"sklearn Glorot uniform",
            )
        )
        print()
        # torch at its best thread count, per activation; the goal reads the worst activation;
        # one line per actlab step: the default (NumPy) one and the compiled one (opt-in)
        steps = (("actlab", "default step"), ("actlab_c", "compiled step (opt-in)"))
        torch_threads = 1
        for key, step in steps:
            w = worst[key]
            torch_worst = min((w[p] for p in peers if p.startswith("torch")), default=None)
            if key == "actlab":
                torch_threads = 1 if w.get("torch1", 0) <= w.get("torch2", np.inf) else 2
            if torch_worst is not None:
                goals.append(
                    (
                        f"1. small model, {step}: >= 4x torch at its best thread count",
                        f"{torch_worst:.2f}x",
                        torch_worst >= 4,
                    )
                )
            if "sklearn" in w:
                goals.append(
                    (
                        f"1. small model, {step}: >= 3x faster than sklearn",
                        f"{w['sklearn']:.2f}x",
                        w["sklearn"] >= 3,
                    )
                )
            if gaps[key]:
                goals.append(
                    (
                        f"1. small model, {step}: test accuracy within 1 point of the best "
                        f"peer (median of {small_model.ACCURACY_SEEDS} seeds)",
                        ", ".join(f"{a} {-g:+.3f}" for a, g in gaps[key].items()),
                        all(g <= 0.01 for g in gaps[key].values()),
                    )
                )

    if "sweep" in only:
        import sweep

        threads = (torch_threads,) if "small" in only else (1,)
        header, rows, by_step = sweep.run(epochs, 1 if quick else repeats, threads)
        sweep_seconds = sweep.LAST  # GEMM-alone and best actlab seconds, steps: profile line
        print(table(header, rows, f"2. sweep: 3 activations x 10 seeds, {epochs} epochs"))
        print()
        for key, step in (("default", "default step"), ("compiled", "compiled step (opt-in)")):
            ratio, of_gemm = by_step[key]
            goals.append(
                (
                    f"3. sweep, {step}: >= 10x 30 sequential torch runs (either this ...)",
                    f"{ratio:.1f}x",
                    ratio >= 10,
                )
            )
            goals.append(
                (
                    f"3. sweep, {step}: ... or >= 60% of the float32 GEMM rate, same shapes",
                    f"{of_gemm:.0%}",
                    of_gemm >= 0.6,
                )
            )

    if "large" in only:
        import large_model

        header, rows, to_torch, of_gemm = large_model.run(repeats, steps=10 if quick else 20)
        print(
            table(
                header,
                rows,
                "3. large model: 784-1024-1024-10, batch 256, random data, "
                "SGD momentum, float32 (one epoch of steps per timed run)",
            )
        )
        print()
        goals.append(
            ("5. large model: step throughput >= 1.0x torch", f"{to_torch:.2f}x", to_torch >= 1.0)
        )
        goals.append(
            ("5. large model: >= 75% of the float32 GEMM rate", f"{of_gemm:.0%}", of_gemm >= 0.75)
        )

    if "kernels" in only:
        import kernels

        header, rows, note, ratios = kernels.run(
            repeats if not quick else 3, 20 if not quick else 5
        )
        print(
            table(
                header,
                rows,
                "4. activation kernels: forward + backward per element, "
                "float32 (1, 256, 1024) = 1 MiB and (1, 4096, 4096) = 64 MiB",
            )
        )
        print("   " + note)
        print()
        ne = kernels.run_numexpr(repeats if not quick else 3, 20 if not quick else 5)
        if ne is not None:
            print(
                table(
                    *ne,
                    "4b. the same kernels as numexpr expressions (not a dependency of "
                    "actlab: would it pay?)",
                )
            )
            print()
        for name, (_r_s, _goal_s, r_l) in ratios.items():
            goals.append(
                (f"2. kernel {name}: fwd+bwd <= 3x copy at 64 MiB", f"{r_l:.1f}x", r_l <= 3)
            )
        for name, (r_s, goal_s, _r_l) in ratios.items():
            why = (
                "piecewise linear"
                if name in kernels.PIECEWISE_LINEAR
                else f"half of {kernels.ISSUE_1MIB.get(name, 2 * goal_s)}x"
            )
            goals.append(
                (
                    f"2. kernel {name}: fwd+bwd <= {goal_s:.1f}x copy at 1 MiB ({why})",
                    f"{r_s:.1f}x",
                    r_s <= goal_s,
                )
            )

    if "compare" in only:
        import compare_job

        header, rows, cmp = compare_job.run(1 if quick else 3)
        print(
            table(
                header,
                rows,
                "5. the default 'actlab compare' job (3 activations x 2 inits "
                "x 5 seeds, 30 epochs, probes, report)",
            )
        )
        print()
        goals.append(
            ("4. default `actlab compare`: <= 5 s wall", f"{cmp['wall']:.1f} s", cmp["wall"] <= 5)
        )
        if cmp["wall"] > 5:  # where the time went: the compare run of median wall, its timings
            goals += [(f"4.   profile: {part}", value, None) for part, value in cmp["profile"]]
        goals.append(
            (
                "4. report rendering alone (write_report): <= 1.5 s",
                f"{cmp['render']:.2f} s",
                cmp["render"] <= 1.5,
            )
        )

    if "startup" in only:
        import startup

        header, rows, med = startup.run(3 if quick else 5)
        print(table(header, rows, "6. start-up of the command line (fresh process each)"))
        print()
        for cmd in ("actlab --help", "actlab list"):
            goals.append((f"4. `{cmd}`: < 0.5 s", f"{med[cmd]:.2f} s", med[cmd] < 0.5))

    goals.sort(key=lambda g: g[0].split(".")[0])  # the order; stable within a goal
    import profile_lines

    why = profile_lines.lines(
        goals,
        only,
        counts=not args.no_counts,
        sweep=sweep_seconds if "sweep" in only else None,
    )
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        profile_lines.with_lines(
            table(
                ["goal (issue 15)", "measured", "status"],
                [[g, m, "-" if ok is None else verdict(ok)] for g, m, ok in goals],
                f"goals (load average now: {load})",
            ),
            [g for g, _, _ in goals],
            why,
        )
    )
    print(f"\ntotal benchmark time {time.perf_counter() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
