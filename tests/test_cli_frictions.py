"""The small frictions of issue 13, each made to happen: --version, plan with compare's flags,
"did you mean" for a prefix such as 'he', and the aliases in `actlab list`."""

import re
import subprocess
import sys

import pytest

from actlab import __version__
from actlab.activations import available_activations, get_activation
from actlab.cli import main


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "actlab.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_version():
    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"actlab {__version__}"


def test_plan_takes_the_compare_flags_without_a_spec(capsys):
    code = main(
        [
            "plan",
            "--dataset",
            "digits",
            "--arch",
            "conv2d:4x3,act,flatten,dense:10",
            "--activations",
            "relu,tanh",
            "--init",
            "auto",
            "--seeds",
            "3",
            "--epochs",
            "2",
            "--no-calibrate",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert out.startswith("spec 'compare': 2 groups x 3 seeds = 6 trainings of 2 epochs")
    assert re.search(r"archs\s+1\s+conv2d:4x3,act,flatten,dense:10", out)
    assert re.search(r"activations\s+2\s+relu, tanh", out)
    # a spec and a preset together are still refused, in one line
    assert main(["plan", "examples/sweep.toml", "--preset", "compare", "--no-calibrate"]) == 2
    assert "spec: got 'examples/sweep.toml'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, hint",
    [
        (["--init", "he"], "did you mean 'he_normal' or 'he_uniform'?"),
        (["--init", "xavier"], "did you mean 'xavier_normal' or 'xavier_uniform'?"),
        (["--activations", "leaky"], "did you mean 'leaky_relu'?"),
        (["--init", "zzz"], None),
    ],
)
def test_did_you_mean_for_prefixes(args, hint, tmp_path, capsys):
    assert main(["compare", *args, "--epochs", "1", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    if hint:
        assert err.endswith(f"({hint})"), err
    else:
        assert "did you mean" not in err
    assert not (tmp_path / "r").exists()


def test_list_shows_every_alias_the_parser_accepts(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    canonical = set(available_activations())
    aliases = set(available_activations(include_aliases=True)) - canonical
    assert {"logistic", "silu", "lrelu", "heaviside", "linear"} <= aliases
    for alias in aliases:
        name = get_activation(alias).name
        line = next(line for line in out.splitlines() if line.startswith(f"  {name} "))
        also = re.search(r"\(also: ([^)]*)\)$", line)
        assert also and alias in also.group(1).split(", "), line


def test_run_banner_of_a_huge_grid_is_short(tmp_path, capsys):
    """A spec of 3000 learning rates: the run's first line shows a few of them, not all, and
    the size check still refuses it (issue 11, case 10)."""
    lrs = ", ".join(f"{0.001 * (1 + i / 3000):.9f}" for i in range(3000))
    spec = tmp_path / "big.toml"
    spec.write_text(f'name = "big"\n[grid]\nactivations = ["relu"]\nlr = [{lrs}]\nseeds = 1\n')
    from actlab.cli import run_line
    from actlab.experiments import Spec

    assert main(["run", str(spec), "--out", str(tmp_path / "run")]) == 2
    assert capsys.readouterr().out == ""  # refused: its one error line only, no first line
    banner = run_line(Spec.from_toml(spec), "big")  # what the run would print first
    assert "lr 0.001/0.001000333/0.001000667/0.001001/.../0.001999333/0.001999667, 30" in banner
    assert len(banner) < 250 and not (tmp_path / "run").exists()
