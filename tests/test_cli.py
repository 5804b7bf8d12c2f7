"""The `actlab` command: the default job end to end, and one clear line for every bad input.

The commands run in this process through ``main(argv)`` (what the ``actlab`` script calls),
their output read with capsys; one test starts the real ``python -m actlab.cli`` to check the
exit code and the single stderr line end to end.
"""

import csv
import json
import re
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

from actlab.cli import main
from actlab.errors import ActlabError


@pytest.fixture
def run_cli(capsys):
    """run_cli(*args) -> (returncode, stdout, stderr) of ``actlab *args``, in this process."""

    def run(*args):
        capsys.readouterr()  # drop what earlier calls printed
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's own errors
            code = exc.code
        out = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out.out, stderr=out.err)

    return run


def test_the_real_command_prints_one_line_and_exits_2(tmp_path):
    """The one subprocess: the module entry point, its exit status and its stderr."""
    out = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "actlab.cli", "compare", "--epochs", "0", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr == "actlab: error: --epochs: got '0'; allowed: a positive integer\n"
    assert proc.stdout == "" and not out.exists()


def test_compare_end_to_end_on_digits(tmp_path, capsys):
    """relu and tanh pass 95% test accuracy on digits; files land in the run directory."""
    out = tmp_path / "run"
    code = main(
        [
            "compare",
            "--activations",
            "sigmoid,tanh,relu",
            "--init",
            "auto",
            "--seeds",
            "2",
            "--epochs",
            "15",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "init = auto" in printed and "epochs to 95% train acc" in printed
    rows = {r["activation"]: r for r in json.loads((out / "table.json").read_text())["rows"]}
    assert rows["relu"]["test_acc_mean"] > 0.95
    assert rows["tanh"]["test_acc_mean"] > 0.95
    assert rows["sigmoid"]["test_acc_mean"] > 0.80
    records = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]
    assert len(records) == 6 and {r["seed"] for r in records} == {0, 1}
    assert all(len(r["train_loss"]) == 15 and r["status"] == "ok" for r in records)
    with open(out / "history.csv") as fh:
        assert len(list(csv.DictReader(fh))) == 6 * 15
    assert (out / "loss_curves.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "table.csv").exists() and (out / "config.json").exists()
    # the printed mean is the mean of the stored per-seed final accuracies
    relu_final = [r["test_acc"][-1] for r in records if r["activation"] == "relu"]
    assert rows["relu"]["test_acc_mean"] == pytest.approx(np.mean(relu_final))


def test_compare_prototype_init_and_toy_data(tmp_path, capsys):
    code = main(
        [
            "compare",
            "--dataset",
            "moons",
            "--activations",
            "relu,leaky_relu:0.1,maxout",
            "--hidden",
            "8",
            "--init",
            "prototype",
            "--seeds",
            "0,3",
            "--epochs",
            "3",
            "--out",
            str(tmp_path / "r"),
            "--quiet",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "leaky_relu:0.1" in printed and "init = prototype" in printed
    assert "[1/3]" not in printed  # --quiet keeps only the table


@pytest.mark.parametrize(
    "args, message",
    [
        (["--activations", "rleu"], "--activations|activation: got 'rleu'; allowed: one of"),
        (["--activations", "relu,sigmod"], "did you mean 'sigmoid'"),
        (["--init", "xavir"], "init: got 'xavir'"),
        (
            ["--dataset", "digit"],
            r"dataset: got 'digit'; allowed: one of .* \(did you mean 'digits'\?\)",
        ),
        (["--lr", "-0.1"], "--lr: got '-0.1'; allowed: a positive number"),
        (["--lr", "abc"], "--lr: got 'abc'; allowed: a positive number"),
        (["--epochs", "0"], "--epochs: got '0'; allowed: a positive integer"),
        (["--epochs", "2.5"], "--epochs: got '2.5'; allowed: a positive integer"),
        (
            ["--hidden", "100,x"],
            "--hidden: got '100,x'; allowed: comma-separated positive integers",
        ),
        (["--hidden", "100,0"], "--hidden: got '100,0'"),
        (["--batch-size", "-1"], "--batch-size: got '-1'"),
        (["--seeds", "0"], "--seeds: got '0'"),
        (
            ["--optimizer", "adamw"],
            "optimizer: got 'adamw'; allowed: one of adam, gd, nesterov, sgd",
        ),
        (["--dataset", "mnist", "--data-option", "n_train=7"], "mnist: cannot download .*--path"),
        (["--dataset", "mnist", "--path", "/nonexistent/mnist"], "/nonexistent/mnist"),
        (["--dataset", "csv", "--path", "/nonexistent.csv", "--label", "y"], "/nonexistent.csv"),
    ],
)
def test_bad_input_one_line_exit_2(args, message, tmp_path, run_cli):
    out = tmp_path / "run"
    proc = (
        run_cli("compare", *args, "--out", str(out), "--epochs", "1")
        if "--epochs" not in args
        else run_cli("compare", *args, "--out", str(out))
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("actlab: error: ")

    assert re.search(message, lines[0]), lines[0]
    assert "Traceback" not in proc.stderr
    assert not out.exists()  # refused before anything was written


@pytest.mark.parametrize(
    "content, message",
    [
        ("a,b,y\n1,2,0\n3,nan,1\n", "line 3"),
        ("a,b,y\n1,2,0\n3,inf,1\n", "inf"),
        ("a,b,y\n1,2,0\n3,hello,1\n", "hello"),
        ("a,b,z\n1,2,0\n3,4,1\n", "label"),
    ],
)
def test_bad_csv_is_refused_with_one_line(tmp_path, content, message, run_cli):
    path = tmp_path / "data.csv"
    path.write_text(content)
    proc = run_cli(
        "compare",
        "--dataset",
        "csv",
        "--path",
        str(path),
        "--label",
        "y",
        "--epochs",
        "1",
        "--out",
        str(tmp_path / "run"),
    )
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and message in proc.stderr
    assert not (tmp_path / "run").exists()


def test_existing_run_directory_is_never_overwritten(tmp_path, run_cli):
    out = tmp_path / "run"
    out.mkdir()
    (out / "records.jsonl").write_text('{"kept": true}\n')
    proc = run_cli("compare", "--epochs", "1", "--out", str(out))
    assert proc.returncode == 2 and "out: got" in proc.stderr
    assert (out / "records.jsonl").read_text() == '{"kept": true}\n'


def test_debug_shows_the_traceback():
    """--debug lets the error propagate (a traceback) instead of the one-line message."""
    with pytest.raises(ActlabError, match="activation: got 'nope'"):
        main(["--debug", "compare", "--activations", "nope"])


def test_list_names_everything(run_cli):
    proc = run_cli("list")
    assert proc.returncode == 0
    for name in [
        "sigmoid",
        "tanh",
        "relu",
        "leaky_relu",
        "prelu",
        "elu",
        "selu",
        "swish",
        "maxout",
        "step",
        "gelu",
        "softplus",
        "softsign",
        "mish",
        "identity",
        "prototype",
        "standard",
        "xavier_uniform",
        "he_normal",
        "lecun_normal",
        "digits",
        "mnist1d",
        "moons",
        "spiral",
        "csv",
        "fashion-mnist",
    ]:
        assert name in proc.stdout
    assert "he_normal" in proc.stdout.split("relu ")[1].splitlines()[0]


def test_explain_runs_a_topic_and_names_bad_ones(tmp_path, run_cli):
    proc = run_cli("explain", "collapse", "--quick", "--out", str(tmp_path))  # an alias
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("claim: ") and "\nverdict: " in proc.stdout
    assert (tmp_path / "claim_linear-collapse.png").stat().st_size > 10_000
    bad = run_cli("explain", "zigzg")
    assert bad.returncode == 2
    assert "claim: got 'zigzg'" in bad.stderr and "did you mean 'zigzag'" in bad.stderr


def test_compare_writes_report_with_cost_and_weight_path(tmp_path):
    out = tmp_path / "r"
    assert (
        main(
            [
                "compare",
                "--activations",
                "relu,tanh",
                "--init",
                "auto",
                "--seeds",
                "2",
                "--epochs",
                "2",
                "--hidden",
                "16",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    page = (out / "report.html").read_text()
    assert (out / "cost.json").exists() and (out / "figures" / "weight_path.png").exists()
    assert page.count("<img") >= 6 and "No cost.json" not in page


def test_compare_a_cnn_with_an_arch_string(tmp_path):
    out = tmp_path / "cnn"
    code = main(
        [
            "compare",
            "--dataset",
            "digits",
            "--arch",
            "conv2d:4x3:p1,act,maxpool2d:2,flatten,dense:10",
            "--activations",
            "relu,tanh",
            "--init",
            "auto",
            "--seeds",
            "2",
            "--epochs",
            "2",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    rows = json.loads((out / "table.json").read_text())["rows"]
    assert [r["hidden"] for r in rows] == ["conv2d:4x3:p1,act,maxpool2d:2,flatten,dense:10"] * 2
    assert all(r["test_acc_mean"] > 0.5 for r in rows)
    records = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]
    assert len(records[0]["probes"]["saturation"][-1]) == 1  # one activation layer, probed
    assert (out / "report.html").exists()


def test_bad_arch_is_one_line(tmp_path, run_cli):
    proc = run_cli("compare", "--arch", "conv1d:25", "--out", str(tmp_path / "r"))
    assert proc.returncode == 2 and "arch: got 'conv1d:25'" in proc.stderr
    proc = run_cli(
        "compare",
        "--dataset",
        "mnist1d",
        "--arch",
        "conv2d:4x3,act,flatten",
        "--out",
        str(tmp_path / "r"),
    )
    assert proc.returncode == 2 and "image data set" in proc.stderr
    assert not (tmp_path / "r").exists()
