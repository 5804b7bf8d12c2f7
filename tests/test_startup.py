"""Start-up: each command imports only what it needs (issue 15: `actlab --help` and `actlab list`
under 0.5 s). Checked by the modules a fresh process has loaded, never by a clock."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys
from actlab.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""

HEAVY = (
    "matplotlib",
    "actlab.claims",
    "actlab.report",
    "actlab.experiments.runner",
    "numba",
    "torch",
    "pandas",
    "sklearn",
    "scipy",
)


def loaded_after(argv) -> tuple[set[str], str]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=argv)], capture_output=True, text=True, check=True
    )
    return set(json.loads(proc.stderr.strip().splitlines()[-1])), proc.stdout


@pytest.mark.parametrize("argv", [["--help"], ["list"], ["compare", "--help"]])
def test_light_commands_import_no_plotting_no_experiment_engine(argv):
    modules, out = loaded_after(argv)
    assert out.strip()  # the command printed its text
    assert not [m for m in HEAVY if m in modules]


def test_explain_help_still_lists_the_topics():
    modules, out = loaded_after(["explain", "--help"])
    assert "Topics:" in out and "saturation" in out and "zigzag" in out
    assert "actlab.claims" in modules  # the topics come from the claims package itself


def test_help_without_topics_names_explain():
    from actlab.cli import build_parser

    full, light = build_parser(topics=True), build_parser(topics=False)
    assert "explain" in light.format_help()
    sub = {a.dest: a for a in light._subparsers._group_actions}["command"]
    assert "Topics:" not in sub.choices["explain"].description
    sub_full = {a.dest: a for a in full._subparsers._group_actions}["command"]
    assert "Topics:" in sub_full.choices["explain"].description


def test_compare_draws_in_a_figure_process_and_imports_neither_matplotlib_nor_sklearn(tmp_path):
    """`actlab compare` leaves every figure to the process it forks at the start (which draws the
    gallery and the weight path while the groups train): its own process imports no matplotlib
    and no scikit-learn (a second of start-up each), and the page still shows every figure."""
    out = tmp_path / "run"
    argv = ["compare", "--out", str(out), "--epochs", "2", "--seeds", "2", "--hidden", "8"]
    modules, _ = loaded_after([*argv, "--quiet"])
    assert not [m for m in ("matplotlib", "sklearn", "pandas") if m in modules]
    figures = sorted(p.name for p in (out / "figures").iterdir())
    assert figures == [
        "activations.png",
        "cost.png",
        "layer_heatmaps.png",
        "training_curves.png",
        "weight_path.png",
        "zigzag.png",
    ]
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") == len(figures)
