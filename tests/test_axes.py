"""The grid's axes, declared once (experiments/axes.py): a new axis is one entry in AXES and
reaches the spec (TOML and CLI), its check, the plan, the groups, the Trainer, the records,
the table and actlab.load; the declaration reproduces the texts and ids of before."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from actlab.cli import run_line
from actlab.experiments import axes
from actlab.experiments.compare import BLOCK_KEYS, block_title
from actlab.experiments.plan import expand
from actlab.experiments.results import CONFIG_COLUMNS
from actlab.experiments.spec import Spec, preset
from actlab.experiments.sweep import run_spec

# A throwaway axis: whether minibatches are reshuffled every epoch (the Trainer's ``shuffle``),
# declared in a fresh interpreter before the modules that read AXES are imported.
NEW_AXIS = """
from actlab.errors import ParameterError
from actlab.experiments import axes


def bools(field, values):
    if not isinstance(values, list) or not values or not all(isinstance(v, bool) for v in values):
        raise ParameterError(field, values, "a list of true or false")


def parse(text):
    words = {"true": True, "false": False}
    out = [words.get(w.lower(), w) for w in axes.comma_list(text)]
    if not all(isinstance(v, bool) for v in out):
        raise ParameterError("--shuffle", text, "a comma list of true or false")
    return out


axes.AXES = axes.AXES + (
    axes.Axis(
        "shuffles", "shuffle", (True,), bools, "--shuffle", parse=parse,
        to=("trainer", "shuffle"), kind=bool, singular="shuffle", implicit=True,
    ),
)
"""

OBSERVE = """
import contextlib, io, json, sys
from pathlib import Path

from actlab import cli
from actlab.errors import ParameterError
from actlab.experiments import results
from actlab.experiments.compare import BLOCK_KEYS, format_table
from actlab.experiments.estimate import _shape_key
from actlab.experiments.plan import describe_plan, expand
from actlab.experiments.spec import Spec
from actlab.experiments.sweep import run_spec

tmp = Path(sys.argv[1])
out = {}
(tmp / "one.toml").write_text("shuffle = false\\n")
(tmp / "two.toml").write_text("[grid]\\nshuffles = [true, false]\\n")
(tmp / "bad.toml").write_text("shuffles = [1]\\n")
out["toml_one"] = Spec.from_toml(tmp / "one.toml").shuffles
out["toml_two"] = Spec.from_toml(tmp / "two.toml").shuffles
try:
    Spec(shuffles=["yes"]).validate()
except ParameterError as exc:
    out["error"] = str(exc)


def main(*argv):
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = cli.main(list(argv))
    return [code, stdout.getvalue(), stderr.getvalue()]


small = ["--activations", "relu", "--init", "auto", "--hidden", "8", "--seeds", "2",
         "--epochs", "1", "--no-calibrate"]
out["cli_plan"] = main("plan", "--shuffle", "true,false", *small)
out["cli_bad_flag"] = main("plan", "--shuffle", "maybe", *small)
out["cli_bad_toml"] = main("plan", str(tmp / "bad.toml"), *small)
help_text = io.StringIO()
with contextlib.redirect_stdout(help_text), contextlib.suppress(SystemExit):
    cli.main(["plan", "--help"])
out["help"] = help_text.getvalue()
spec = Spec.from_dict({"activations": ["relu"], "inits": ["auto"], "hidden": [[8]],
                       "seeds": [0, 1], "epochs": 2, "shuffles": [True, False]})
groups = expand(spec)
out["plan"] = describe_plan(spec, groups)
out["ids"] = [g.id for g in groups]
out["configs"] = [g.config() for g in groups]
out["labels"] = [g.label() for g in groups]
out["run_line"] = cli.run_line(spec, "run")
out["block_keys"] = list(BLOCK_KEYS)
out["config_columns"] = list(results.CONFIG_COLUMNS)
out["shape_keys_differ"] = _shape_key(groups[0]) != _shape_key(groups[1])
from actlab.experiments.plan import Group
fields = {k: v for k, v in vars(groups[0]).items() if k != "shuffle"}
out["default_is_implicit"] = Group(**fields) == groups[0]  # as the playground makes groups
res = run_spec(spec, out=tmp / "run", progress="none", workers=1)
out["records"] = [{k: r.get(k) for k in ("group_id", "shuffle", "seed", "train_loss")}
                  for r in res.records]
out["table"] = format_table(res.rows, res.records)
out["csv_header"] = (tmp / "run" / "table.csv").read_text().splitlines()[0]
frame = results.load(tmp / "run")
out["load_shuffle"] = frame["shuffle"].tolist()
old = Spec.from_dict({"activations": ["relu"], "inits": ["auto"], "hidden": [[8]],
                      "seeds": [0, 1], "epochs": 1})
again = run_spec(old, out=tmp / "before", progress="none", workers=1)
out["resumed"] = [again.n_resumed, again.n_run]
print(json.dumps(out))
"""


def _with_new_axis(tmp_path) -> dict:
    script = NEW_AXIS + OBSERVE
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_a_new_axis_is_one_entry(tmp_path):
    # a run directory made before the axis existed (this process has no such axis)
    base = {"activations": ["relu"], "inits": ["auto"], "hidden": [[8]], "seeds": [0, 1]}
    before = run_spec(
        Spec.from_dict({**base, "epochs": 1}), out=tmp_path / "before", progress="none", workers=1
    )
    assert before.n_run == 1
    old_id = expand(Spec.from_dict({**base, "epochs": 2}))[0].id
    seen = _with_new_axis(tmp_path)

    # the spec: TOML (singular and plural, in a [grid] table) and the CLI flag
    assert seen["toml_one"] == [False] and seen["toml_two"] == [True, False]
    code, stdout, stderr = seen["cli_plan"]
    assert code == 0, stderr
    assert "spec 'compare': 2 groups x 2 seeds = 4 trainings of 1 epochs" in stdout
    assert "  shuffles       2  True, False" in stdout.splitlines()
    assert "--shuffle" in seen["help"]
    # the check: one line naming the field, the value and what is allowed; exit 2
    assert seen["error"] == "shuffles: got ['yes']; allowed: a list of true or false"
    for code, stdout, stderr in (seen["cli_bad_flag"], seen["cli_bad_toml"]):
        assert code == 2 and stdout == "" and len(stderr.splitlines()) == 1
    assert "--shuffle: got 'maybe'" in seen["cli_bad_flag"][2]
    assert "shuffles: got [1]; allowed: a list of true or false" in seen["cli_bad_toml"][2]

    # the groups: one per value; at its implicit value a group keeps the id it had before
    assert [line.split()[0] for line in seen["plan"][1:]] == [
        "datasets",
        "hidden",
        "optimizers",
        "lrs",
        "shuffles",
        "inits",
        "activations",
        "seeds",
    ]  # a setting: after the others, before init and activation (which vary fastest)
    assert "  shuffles       2  True, False" in seen["plan"]
    assert [c["shuffle"] for c in seen["configs"]] == [True, False]
    assert seen["ids"][0] == old_id and seen["ids"][1] != old_id
    assert seen["labels"] == [
        "relu init=auto digits 8 sgd lr=0.03 shuffle=True",
        "relu init=auto digits 8 sgd lr=0.03 shuffle=False",
    ]
    assert seen["run_line"] == (
        "actlab run: relu on digits, network 8, init auto, 2 seeds, sgd lr 0.03, "
        "shuffle True, False, 2 epochs"
    )
    assert seen["shape_keys_differ"]  # the plan's estimate times each value
    assert seen["default_is_implicit"]  # code that builds a Group without the new axis

    # the records: the value, and it reached the Trainer (same seeds, other batches)
    recs = seen["records"]
    assert [(r["shuffle"], r["seed"]) for r in recs] == [
        (True, 0),
        (True, 1),
        (False, 0),
        (False, 1),
    ]
    assert recs[0]["train_loss"][0] != recs[2]["train_loss"][0]
    assert recs[0]["train_loss"][1] != recs[2]["train_loss"][1]

    # the table: a block per value, named in its title; the columns of table.csv and load
    assert seen["block_keys"] == ["dataset", "hidden", "optimizer", "lr", "shuffle", "init"]
    assert "digits, network 8, sgd lr 0.03, shuffle True, init = auto" in seen["table"]
    assert "digits, network 8, sgd lr 0.03, shuffle False, init = auto" in seen["table"]
    assert "shuffle" in seen["csv_header"].split(",")
    assert "shuffle" in seen["config_columns"]
    assert seen["load_shuffle"] == [True, True, False, False]

    # a run directory from before the axis resumes under it: nothing trained again
    assert seen["resumed"] == [1, 0]


def test_without_the_new_axis_nothing_of_it_shows():
    """The assertions above could not pass on the declaration as it ships."""
    assert "shuffle" not in BLOCK_KEYS and "shuffle" not in CONFIG_COLUMNS
    assert not hasattr(Spec(), "shuffles")


def test_ids_and_texts_are_those_from_before_the_declaration():
    """Group ids (run directories resume on them) and the texts the declaration rebuilds,
    as the code that named every axis by hand made them."""
    assert [g.id for g in expand(preset("compare"))] == [
        "6503aa1c42ec",
        "de658169f033",
        "4827d1ccaa81",
        "c647b6f50d8d",
        "3f04b097025e",
        "79852c478ef9",
    ]
    assert [g.id for g in expand(preset("mnist1d-cnn"))][:2] == ["6c5e71d38c0a", "0edb2b9140dd"]
    reg = Spec.from_dict(
        {
            "l2": 0.001,
            "weight_decay": 0.01,
            "schedule": "invscaling",
            "lrs": [0.1, 0.01],
            "optimizers": ["sgd", "adam"],
            "hidden": [[10], [], [5, 5]],
            "datasets": ["digits", "moons"],
            "data_options": {"n_samples": 300},
        }
    )
    groups = expand(reg)
    assert [g.id for g in groups][:3] == ["7b9cb7b85e16", "3cc622a9402c", "8326cc15669b"]
    assert groups[0].label() == "sigmoid init=auto digits 10 sgd lr=0.1"
    assert groups[41].label() == "relu init=prototype digits linear adam lr=0.1"
    assert groups[-1].label() == "relu init=prototype moons 5-5 adam lr=0.01"
    assert run_line(preset("compare"), "compare") == (
        "actlab compare: sigmoid, tanh, relu on digits, network 100,100, init auto, "
        "prototype, 5 seeds, sgd lr 0.03, 30 epochs"
    )
    rows = [
        {
            "dataset": "digits",
            "hidden": "100-100",
            "optimizer": "sgd",
            "lr": 0.03,
            "init": "auto",
            "init_resolved": r,
        }
        for r in ("he_normal", "xavier_uniform")
    ]
    assert block_title(rows, many=True) == (
        "digits, network 100-100, sgd lr 0.03, init = auto (he_normal, xavier_uniform)"
    )
    assert block_title(rows[:1], many=False) == "init = auto (he_normal)"
    assert BLOCK_KEYS == ("dataset", "hidden", "optimizer", "lr", "init")


def test_every_axis_is_declared_whole():
    """Each axis names its Spec field, Group field, flag and role, and its Spec fields exist."""
    names = [f for a in axes.AXES for f, _, _ in a.spec_fields()]
    assert names == ["datasets", "hidden", "archs", "activations", "inits", "optimizers", "lrs"]
    assert [a.role for a in axes.AXES].count("compared") == 1
    assert all(hasattr(Spec(), n) for n in names)
    assert axes.spellings() == {
        "dataset": "datasets",
        "arch": "archs",
        "activation": "activations",
        "init": "inits",
        "optimizer": "optimizers",
        "lr": "lrs",
    }
