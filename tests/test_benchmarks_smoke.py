"""The benchmark scripts still import and their goals-table code still runs (tiny sizes, no
timing asserted): a benchmark that breaks on an import or a renamed function is caught here,
not at the next benchmark run."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
MODULES = sorted(p.stem for p in BENCH.glob("*.py"))


@pytest.fixture(autouse=True)
def _bench_path(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))


@pytest.mark.parametrize("name", MODULES)
def test_every_benchmark_module_imports(name):
    module = importlib.import_module(name)
    assert module.__doc__, f"benchmarks/{name}.py has no docstring saying what it measures"


def test_goals_table_runs_on_tiny_kernels_and_prints_profile_lines(monkeypatch, capsys):
    """run.py's whole goals path for figure 4 on tiny arrays: the table, a status per goal
    and, under every goal not met, a profile line built from this run's numbers."""
    import kernels
    import run

    monkeypatch.setattr(kernels, "SHAPE", (1, 4, 8))
    monkeypatch.setattr(kernels, "LARGE", (1, 8, 8))
    monkeypatch.setattr(
        "actlab.activations.available_activations", lambda: ["relu", "sigmoid", "maxout"]
    )
    assert run.main(["--quick", "--only", "kernels", "--no-counts", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    goals = [line for line in out.splitlines() if line.startswith("2. kernel ")]
    assert len(goals) == 6  # 3 kernels x (64 MiB, 1 MiB)
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("2. kernel ") and line.rstrip().endswith("NOT met"):
            name = line.split()[2].rstrip(":")
            assert lines[i + 1].startswith(f"      why: {name}: ")
            assert "x a copy" in lines[i + 1]


def test_profile_lines_compute_from_the_measurements(monkeypatch):
    import kernels
    import profile_lines

    from actlab.activations import jitkernels

    monkeypatch.setitem(kernels.LAST, "relu", (6.0, 4.0, 4.5))
    monkeypatch.setattr(jitkernels, "_ON", [True])  # the compiled kernels: no passes to count
    monkeypatch.setattr(kernels, "SHAPE", (1, 4, 8))  # below jitkernels.JIT_FROM: numpy's
    goals = [
        ("2. kernel relu: fwd+bwd <= 3x copy at 64 MiB", "4.5x", False),
        ("2. kernel relu: fwd+bwd <= 4.0x copy at 1 MiB (piecewise linear)", "6.0x", False),
    ]
    monkeypatch.setattr(kernels, "DETAIL", {})  # no seconds measured: the short line
    why = profile_lines.lines(goals, {"kernels"}, counts=False)
    assert why[goals[0][0]][0].startswith("relu: compiled kernels (jitkernels, numba), one loop")
    assert "4.5x a copy; the least memory traffic is 2.5 copies' worth" in why[goals[0][0]][0]
    n_s, n_l = 32, np.prod(kernels.LARGE)  # seconds a call that give round ns/elem
    detail = {
        "relu": {"small": (0.3e-9 * n_s, 0.4e-9 * n_s), "large": (0.4e-9 * n_l, 0.5e-9 * n_l)}
    }
    detail["copy"] = {"small": 0.1e-9 * n_s, "large": 0.2e-9 * n_l}
    monkeypatch.setattr(kernels, "DETAIL", detail)
    line = profile_lines.lines(goals, {"kernels"}, counts=False)[goals[0][0]][0]
    assert (
        "fwd 0.40 + bwd 0.50 ns/elem = 4.5x a copy (0.200 ns/elem); memory traffic at least "
        "2.5 copies; in cache the same loops take 0.30 + 0.40 ns/elem, the arithmetic alone "
        "3.5x this copy"
    ) in line, line
    assert re.search(r"the loops run \d+ \+ \d+ instructions per 16 elements", line), line
    assert line.endswith(": over 3x by the arithmetic alone")
    assert why[goals[1][0]] == ["relu: 6.0x a copy (no valgrind: passes not counted)"]
    monkeypatch.setattr(jitkernels, "_ON", [False])  # the NumPy kernels at both sizes
    goals = [
        ("2. kernel relu: fwd+bwd <= 3x copy at 64 MiB", "4.5x", False),
        ("2. kernel relu: fwd+bwd <= 4.0x copy at 1 MiB (piecewise linear)", "6.0x", False),
        ("3. sweep, default step: ... or >= 60% of the float32 GEMM rate", "40%", False),
    ]
    sweep = {"gemm": 1.0, "actlab": 2.5, "steps": 1000}
    why = profile_lines.lines(goals, {"kernels", "sweep"}, counts=False, sweep=sweep)
    assert why[goals[0][0]] == ["relu: 4.5x a copy (no valgrind: passes not counted)"]
    assert why[goals[1][0]] == ["relu: 6.0x a copy (no valgrind: passes not counted)"]
    assert why[goals[2][0]][0].startswith(
        "np.matmul alone 1.00 s of actlab's 2.50 s; the other 1.50 s = 1500 us"
    )
    text = profile_lines.with_lines("t\nh\n-\nrow a\nrow b", ["a", "b"], {"b": ["x"]})
    assert text.splitlines() == ["t", "h", "-", "row a", "row b", "      why: x"]
    assert kernels.min_copies("relu") == 2.5 and kernels.min_copies("maxout") == 3.25
    assert kernels.min_copies("gelu") == 3.0 and kernels.min_copies("maxout:3") == 6.0


def test_small_model_and_sweep_paths_on_tiny_runs():
    import profile_step
    import small_model
    import sweep

    header, rows, worst, gaps = small_model.run(1, 1, peers=(), activations=("relu",))
    assert rows[0][0] == "relu"
    assert worst == gaps == {"actlab": {}, "actlab_c": {}}  # no peers: nothing to compare
    assert "median of" in header[-1]
    st = profile_step.stages("tanh", number=2, repeat=1)
    assert set(st) == {
        "forward",
        "loss+grad",
        "backward",
        "optimizer",
        "step (sum)",
        "step (as trained)",
        "GEMMs alone",
        "compiled step (as trained)",
        "compiled GEMMs alone",
    }
    assert 0 < st["compiled GEMMs alone"] < st["compiled step (as trained)"]
    assert st["step (sum)"] == pytest.approx(
        st["forward"] + st["loss+grad"] + st["backward"] + st["optimizer"]
    )
    assert profile_step.call_overhead_us(number=10, repeat=1) > 0
    assert sweep.sweep_flops(1) > 0


def test_callgrind_dump_is_parsed(tmp_path):
    import callgrind

    dump = tmp_path / "cg.out.1"
    dump.write_text(
        "events: Ir\nfn=(1) main\n0 5\ncfn=(2) ufunc_generic_fastcall\ncalls=7 0\n0 3\n"
        "cfn=(3) scipy_cblas_sgemm64_\ncalls=2 0\n0 9\ncfn=(2)\ncalls=1 0\n0 1\n"
        "summary: 1234\n"
    )
    assert callgrind._parse(dump) == {
        "instructions": 1234,
        "ufunc_calls": 8,
        "gemm_calls": 2,
        "interpreter_instructions": 0,
        "numpy_instructions": 0,
    }


def test_callgrind_dump_splits_exclusive_instructions_by_library(tmp_path):
    """Exclusive costs by object file: a call's inclusive cost (the line after calls=) is not
    the caller's own; objects are named once and then referred to by number."""
    import callgrind

    dump = tmp_path / "cg.out.1"
    dump.write_text(
        "events: Ir\nob=(1) /usr/lib/libpython3.11.so.1.0\nfn=(1) eval\n0 50\n"
        "cob=(2) /venv/numpy/_core/_multiarray_umath.so\ncfn=(2) ufunc_generic_fastcall\n"
        "calls=3 0\n0 70\n+2 6\n"
        "ob=(2)\nfn=(2)\n0 40\n"
        "cob=(3) /venv/numpy.libs/libscipy_openblas64_.so\ncfn=(3) scipy_cblas_sgemm64_\n"
        "calls=1 0\n0 30\nob=(3)\nfn=(3)\n0 30\ntotals: 126\n"
    )
    res = callgrind._parse(dump)
    assert res["interpreter_instructions"] == 56  # 50 + 6, not the call's 70
    assert res["numpy_instructions"] == 40  # openblas (numpy.libs) is not numpy's own code
    assert res["ufunc_calls"] == 3 and res["gemm_calls"] == 1


def test_same_numbers_finds_one_ulp_a_signed_zero_and_a_missing_array():
    import same_numbers

    base = {"a": np.array([1.0, np.nan], np.float32), "z": np.zeros(2), "s": np.array(["ok"])}
    assert same_numbers.differing(base, dict(base)) == []  # NaN equals NaN
    ulp = {**base, "a": np.array([np.nextafter(np.float32(1), np.float32(2)), np.nan])}
    assert same_numbers.differing(base, ulp) == ["a"]
    assert same_numbers.differing(base, {**base, "z": np.array([0.0, -0.0])}) == ["z"]
    assert same_numbers.differing(base, {**base, "a": base["a"].astype(np.float64)}) == ["a"]
    assert same_numbers.differing(base, {"a": base["a"], "z": base["z"]}) == ["s"]


def test_loop_asm_reads_the_vector_loop_and_its_step():
    """loop_asm counts the instructions of the one-block loop with vector registers and the
    elements one pass handles; scalar-only assembly is refused, not counted as 1 element."""
    import loop_asm

    head = ".LBB0_2:\n\tmovss\t(%rdi), %xmm0\n\tincq\t%rax\n\tjne\t.LBB0_2\n"
    loop = (
        ".LBB0_3:\n\tvmovups\t(%rdi,%rax,4), %zmm0\n\tvmulps\t%zmm1, %zmm0, %zmm0\n"
        "\tvmovups\t%zmm0, (%rsi,%rax,4)\n\taddq\t$32, %rax\n\tcmpq\t%rax, %rcx\n"
        "\tjne\t.LBB0_3\n"
    )
    assert loop_asm.main_loop(head + loop) == (6, 32)
    with pytest.raises(ValueError, match="no vector loop"):
        loop_asm.main_loop(head)
    with pytest.raises(ValueError, match="no index increment"):
        loop_asm.main_loop(loop.replace("\taddq\t$32, %rax\n", ""))
