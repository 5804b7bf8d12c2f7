"""The import graph of src/actlab: no cycle, no import from a lower floor to a higher one.

Floors (DESIGN.md, "Layout"): a module imports only from its own floor or the floors below.
A new top-level module or package must be given a floor in FLOORS (the test says so).
Floors are checked on every import, including those inside functions; cycles on the imports
that run when a module is imported (a function-level import that closes a loop is a
deliberate late binding within one floor, e.g. Network.save and actlab.saving).
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import actlab

SRC = Path(actlab.__file__).parent

FLOORS = {
    1: (
        "_version",
        "numerics",
        "buffers",
        "errors",
        "activations",
        "initializers",
        "layers",
        "arch",
        "losses",
        "optimizers",
        "schedules",
        "network",
        "compiled",
        "saving",
    ),
    2: ("training", "probes"),
    3: ("datasets", "estimators", "cost"),
    4: ("experiments",),
    5: ("claims", "report", "playground", "comparison"),
    6: ("cli", "__main__", "__init__"),  # __init__: the package face (actlab itself)
}
FLOOR = {unit: floor for floor, units in FLOORS.items() for unit in units}
# never imported by floors 1-2 (DESIGN: "the core never imports ..."), not even lazily
HEAVY = ("matplotlib", "pandas", "dask", "distributed", "sklearn", "torch")


def _modules(src: Path) -> dict[str, Path]:
    out = {}
    for path in src.rglob("*.py"):
        parts = list(path.relative_to(src.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _targets(module: str, is_package: bool, node, modules) -> list[str]:
    """The modules of the package an import statement names (resolved like Python does)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - node.level + 1]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    return [f"{target}.{a.name}" if f"{target}.{a.name}" in modules else target for a in node.names]


def import_graph(src: Path):
    """(all_edges, import_time_edges): module -> set of imported modules (any package)."""
    modules = _modules(src)
    every, at_import = {}, {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        is_package = path.name == "__init__.py"
        top = {id(n) for n in tree.body}
        top |= {
            id(n)
            for stmt in tree.body
            if isinstance(stmt, (ast.Try, ast.If))
            for n in ast.walk(stmt)
        }
        every[module], at_import[module] = set(), set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = set(_targets(module, is_package, node, modules)) - {module}
                every[module] |= names
                if id(node) in top:
                    at_import[module] |= names
    return every, at_import


def unit(module: str) -> str:
    """actlab.layers.conv -> 'layers'; actlab -> '__init__'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def floor_violations(every) -> list[str]:
    bad = []
    for module, targets in sorted(every.items()):
        for target in sorted(targets):
            if target.split(".")[0] != "actlab" or unit(target) == unit(module):
                continue
            if FLOOR[unit(target)] > FLOOR[unit(module)]:
                bad.append(
                    f"{module} (floor {FLOOR[unit(module)]}) imports {target} "
                    f"(floor {FLOOR[unit(target)]})"
                )
    return bad


def find_cycle(edges) -> list[str] | None:
    """One cycle among actlab modules as a list of names, or None (depth-first search)."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if not nxt.startswith("actlab"):
                continue
            if state.get(nxt) == "open":
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_every_package_has_a_floor():
    units = {unit(m) for m in _modules(SRC)}
    missing = sorted(units - set(FLOOR))
    assert not missing, f"give these a floor in FLOORS (DESIGN.md, Layout): {missing}"


def test_no_import_from_a_lower_floor_to_a_higher_one():
    every, _ = import_graph(SRC)
    assert floor_violations(every) == []


def test_no_import_cycle():
    _, at_import = import_graph(SRC)
    assert find_cycle(at_import) is None


def test_experiments_have_no_cycle_even_through_late_imports():
    """Within experiments/ no loop at all, function-level imports included: plan and runner
    once imported each other; axes.py, which plan, spec and runner read, imports none of them."""
    every, _ = import_graph(SRC)
    inside = {
        m: {t for t in targets if t.startswith("actlab.experiments.")}
        for m, targets in every.items()
        if m.startswith("actlab.experiments.")
    }
    assert find_cycle(inside) is None
    assert "actlab.experiments.runner" not in every["actlab.experiments.plan"]
    assert inside["actlab.experiments.axes"] == set()


def test_the_core_never_imports_heavy_libraries():
    every, _ = import_graph(SRC)
    bad = sorted(
        f"{m} imports {t}"
        for m, targets in every.items()
        if FLOOR[unit(m)] <= 2
        for t in targets
        if t.split(".")[0] in HEAVY
    )
    assert bad == []


def test_the_checks_catch_what_they_look_for(tmp_path):
    """A planted arrow up (store importing the face) and a planted cycle are both found."""
    pkg = tmp_path / "actlab"
    (pkg / "experiments").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from .network import Network\n")
    (pkg / "network.py").write_text("from .arch import x\n")
    (pkg / "arch.py").write_text("from . import network\n")
    (pkg / "experiments" / "__init__.py").write_text("")
    (pkg / "experiments" / "store.py").write_text("def f():\n    from .. import __version__\n")
    every, at_import = import_graph(pkg)
    assert floor_violations(every) == [
        "actlab.experiments.store (floor 4) imports actlab (floor 6)"
    ]
    assert find_cycle(at_import) == ["actlab.network", "actlab.arch", "actlab.network"]
    assert "actlab" not in at_import["actlab.experiments.store"]  # inside a function


BLOCKER = textwrap.dedent("""
    import sys

    BLOCKED = {blocked!r}

    class Blocker:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError("blocked for this test: " + name)
            return None

    sys.meta_path.insert(0, Blocker())
    for name in BLOCKED:
        sys.modules.pop(name, None)
""")


def _run_blocked(code: str, blocked=("sklearn", "scipy", "pandas", "matplotlib")):
    script = BLOCKER.format(blocked=tuple(blocked)) + textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )


def test_the_core_imports_and_trains_without_sklearn_scipy_pandas():
    out = _run_blocked("""
        import numpy as np
        import actlab.activations
        from actlab import Network, Trainer, get_activation
        z = np.linspace(-3, 3, 7)
        print(float(get_activation("gelu")(z)[-1]))  # erfc without scipy
        X = np.random.default_rng(0).normal(size=(40, 4)).astype(np.float32)
        y = (X[:, 0] > 0).astype(int)
        net = Network(4, [8], 2, activation="tanh", seeds=[0, 1])
        history = Trainer("sgd", lr=0.1, epochs=2, batch_size=10).fit(net, X, y)
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("sklearn", "scipy", "pandas")))
        try:
            actlab.MLPClassifier
        except ImportError as exc:
            print("lazy:", exc)
    """)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert abs(float(lines[0]) - 2.9959502) < 1e-6  # GELU(3) = 3 Phi(3)
    assert lines[1] == "[]"
    assert lines[2].startswith("lazy: blocked for this test: ")  # estimators need them


def test_the_blocker_blocks():
    """The subprocess above would pass vacuously if blocking did nothing."""
    out = _run_blocked("import actlab\nactlab.MLPClassifier\n")
    assert out.returncode != 0 and "ImportError: blocked for this test: " in out.stderr
