"""Specs, plans, the result store (resume after a real kill), the local pool vs a Dask
LocalCluster, and statistics checked against scipy and planted data."""

import json
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps

from actlab.experiments import Spec, expand, preset, run_spec
from actlab.experiments import runner as runner_mod
from actlab.experiments.stats import compare_groups, describe, holm, paired_comparison
from actlab.experiments.store import RunStore

TINY = {
    "activations": ["relu", "tanh"],
    "inits": ["auto"],
    "hidden": [[8]],
    "epochs": 2,
    "seeds": [0, 1],
    "datasets": ["moons"],
    "probes": False,
}


# ----------------------------------------------------------------------------- spec and plan


@pytest.mark.parametrize(
    "change, message",
    [
        ({"activations": ["rleu"]}, r"activation: got 'rleu'.*did you mean 'relu'"),
        ({"inits": ["xavier"]}, r"init: got 'xavier'"),
        ({"datasets": ["digit"]}, r"dataset: got 'digit'"),
        ({"hidden": [[10, 0]]}, r"hidden: got \[\[10, 0\]\]; allowed: a list of lists of positive"),
        ({"lrs": [0.1, -1]}, r"lrs: got \[0.1, -1\]; allowed: a list of positive numbers"),
        ({"optimizers": ["adamw"]}, r"optimizer: got 'adamw'"),
        ({"epochs": 0}, r"epochs: got 0; allowed: a positive integer"),
        ({"seeds": [1, 1]}, r"seeds: got \[1, 1\]"),
        ({"momentum": 1.0}, r"momentum: got 1.0; allowed: a number in \[0, 1\)"),
        (
            {"scheduler": "localhost"},
            r"scheduler: got 'localhost'; allowed: an address like tcp://",
        ),
        ({"epochz": 3}, r"spec key: got 'epochz'; allowed: one of .*did you mean 'epochs'"),
    ],
)
def test_spec_validation_names_field_value_and_allowed(change, message):
    with pytest.raises(ValueError, match=message):
        Spec.from_dict({**TINY, **change}).validate()


def test_spec_from_toml_sections_and_singulars(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        'name = "t"\n[grid]\nactivation = "relu"\ninit = ["auto", "prototype"]\n'
        'dataset = "moons"\nhidden = [16, 16]\nseeds = 3\n[train]\nepochs = 4\n'
        "[data]\nn_samples = 200\n"
    )
    spec = Spec.from_toml(path).validate()
    assert spec.activations == ["relu"] and spec.inits == ["auto", "prototype"]
    assert spec.hidden == [[16, 16]] and spec.seeds == [0, 1, 2] and spec.epochs == 4
    assert spec.data_options == {"n_samples": 200} and spec.datasets == ["moons"]
    bad = tmp_path / "bad.toml"
    bad.write_text("epochs = [")
    with pytest.raises(ValueError, match="allowed: valid TOML"):
        Spec.from_toml(bad)


def test_plan_expands_the_grid():
    spec = preset("sweep")
    groups = expand(spec)
    assert len(groups) == 10 * 2 and all(len(g.seeds) == 10 for g in groups)
    assert len({g.id for g in groups}) == 20
    assert [g.id for g in expand(preset("sweep"))] == [g.id for g in groups]  # stable ids


# ----------------------------------------------------------------------------- statistics


def test_describe_t_interval_matches_scipy():
    x = [0.91, 0.95, 0.93, 0.97, 0.92, 0.94]
    d = describe(x)
    lo, hi = sps.t.interval(0.95, len(x) - 1, loc=np.mean(x), scale=sps.sem(x))
    assert d["ci_low"] == pytest.approx(lo, rel=1e-12) and d["ci_high"] == pytest.approx(
        hi, rel=1e-12
    )
    assert d["median"] == pytest.approx(0.935) and d["std"] == pytest.approx(np.std(x, ddof=1))
    b = describe(x, method="bootstrap")
    assert b["ci_low"] < np.mean(x) < b["ci_high"]
    assert min(x) <= b["ci_low"] and b["ci_high"] <= max(x)


def test_paired_tests_match_scipy():
    a = [0.90, 0.92, 0.95, 0.91, 0.93, 0.96, 0.94]
    b = [0.88, 0.93, 0.90, 0.89, 0.90, 0.91, 0.92]
    res = paired_comparison(a, b)
    assert res["t_p"] == pytest.approx(sps.ttest_rel(a, b).pvalue, rel=1e-12)
    assert res["wilcoxon_p"] == pytest.approx(sps.wilcoxon(a, b).pvalue, rel=1e-12)
    d = np.subtract(a, b)
    assert res["effect_size"] == pytest.approx(d.mean() / d.std(ddof=1))


def test_holm_by_hand():
    # sorted p: 0.01 (x3 = 0.03), 0.02 (x2 = 0.04), 0.04 (x1 = 0.04)
    assert holm([0.04, 0.01, 0.02]) == pytest.approx([0.04, 0.03, 0.04])
    assert holm([0.5, 0.6]) == pytest.approx([1.0, 1.0])


def test_planted_difference_is_significant_and_null_is_not():
    rng = np.random.default_rng(0)
    seeds = range(10)
    base = {s: 0.9 + 0.01 * rng.normal() for s in seeds}
    samples = {
        "good": {s: base[s] + 0.03 + 0.003 * rng.normal() for s in seeds},  # planted +3 points
        "same_a": {s: base[s] + 0.003 * rng.normal() for s in seeds},
        "same_b": {s: base[s] + 0.003 * rng.normal() for s in seeds},
    }
    out = compare_groups(samples)
    sig = {(p["a"], p["b"]): p["significant"] for p in out["pairs"]}
    assert sig[("good", "same_a")] and sig[("good", "same_b")]
    assert not sig[("same_a", "same_b")]
    marks = {r["name"]: r["mark"] for r in out["ranking"]}
    assert marks == {"good": "best", "same_a": "below", "same_b": "below"}


# ----------------------------------------------------------------------------- running


def test_run_resume_keeps_finished_groups(tmp_path, monkeypatch):
    spec = Spec.from_dict(TINY)
    out = tmp_path / "run"
    first = run_spec(spec, out=out, progress="none", workers=1)
    assert first.n_run == 2 and len(first.records) == 4
    before = (out / "records.jsonl").read_bytes()
    with open(out / "records.jsonl", "ab") as fh:
        fh.write(b'{"group_id": "half-writ')  # a record cut off by a kill
    calls = []
    monkeypatch.setattr(runner_mod, "train_group", lambda g, on_epoch=None: calls.append(g))
    again = run_spec(spec, out=out, progress="none", workers=1)
    assert calls == [] and again.n_resumed == 2 and again.n_run == 0
    assert (out / "records.jsonl").read_bytes() == before
    other = Spec.from_dict({**TINY, "epochs": 3})
    with pytest.raises(ValueError, match="out: got .*holds another run"):
        run_spec(other, out=out, progress="none")


def test_failed_and_diverged_groups_are_results(tmp_path, monkeypatch):
    spec = Spec.from_dict({**TINY, "activations": ["relu", "tanh", "sigmoid"], "lrs": [0.05]})
    real = runner_mod.train_group

    def flaky(group, on_epoch=None):
        if group.activation == "tanh":
            raise RuntimeError("planted failure")
        return real(group, on_epoch)

    monkeypatch.setattr(runner_mod, "train_group", flaky)
    res = run_spec(spec, out=tmp_path / "r", progress="none", workers=1)
    status = {(r["activation"], r["seed"]): r["status"] for r in res.records}
    assert status[("tanh", 0)] == "failed" and status[("relu", 0)] == "ok"
    row = {r["activation"]: r for r in res.rows}["tanh"]
    assert row["n_failed"] == 2 and row["n_ok"] == 0
    assert "planted failure" in next(r for r in res.records if r["status"] == "failed")["error"]

    diverge = Spec.from_dict(
        {
            **TINY,
            "activations": ["relu"],
            "inits": ["prototype"],
            "lrs": [1e4],
            "datasets": ["digits"],
            "hidden": [[32]],
        }
    )
    res = run_spec(diverge, out=tmp_path / "d", progress="none", workers=1)
    assert res.rows[0]["n_diverged"] == 2 and all(r["diverged_epoch"] for r in res.records)


def test_local_pool_and_dask_localcluster_give_the_same_records(tmp_path):
    distributed = pytest.importorskip("distributed")
    spec = Spec.from_dict({**TINY, "activations": ["relu", "tanh", "elu"]})
    pool = run_spec(spec, out=tmp_path / "pool", progress="none", workers=2)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        dask = run_spec(
            spec, out=tmp_path / "dask", progress="none", scheduler=cluster.scheduler_address
        )
    key = lambda r: (r["group_id"], r["seed"])
    a, b = sorted(pool.records, key=key), sorted(dask.records, key=key)
    assert len(a) == len(b) == 6
    for x, y in zip(a, b):
        assert x["train_loss"] == y["train_loss"] and x["test_acc"] == y["test_acc"]


def test_a_group_gives_the_same_numbers_in_process_in_a_pool_and_beside_others(tmp_path):
    """OpenBLAS splits a large product across threads and sums in another order: with the
    threads the run had, --workers 1 and --workers 2 (and a group alone or beside another)
    gave numbers 1e-7 apart at 512 units. Every executor trains with one BLAS thread."""
    wide = {**TINY, "hidden": [[512, 512]], "epochs": 2, "inits": ["auto"]}
    alone = run_spec(
        Spec.from_dict({**wide, "activations": ["relu"]}),
        out=tmp_path / "alone",
        progress="none",
        workers=1,
    )
    pool = run_spec(
        Spec.from_dict({**wide, "activations": ["relu", "tanh"]}),
        out=tmp_path / "pool",
        progress="none",
        workers=2,
    )
    together = run_spec(
        Spec.from_dict({**wide, "activations": ["relu", "tanh"]}),
        out=tmp_path / "in",
        progress="none",
        workers=1,
    )
    by_key = lambda res: {(r["group_id"], r["seed"]): r for r in res.records}
    a, p, t = by_key(alone), by_key(pool), by_key(together)
    assert len(a) == 2 and len(p) == len(t) == 4
    for key, rec in p.items():
        assert rec["train_loss"] == t[key]["train_loss"], key
        assert rec["test_acc"] == t[key]["test_acc"], key
        if key in a:
            assert rec["train_loss"] == a[key]["train_loss"], key


def test_resume_after_a_real_kill(tmp_path):
    """SIGKILL right after the second group is stored (a record count, not a time: the kill
    lands there on any machine); the rerun keeps both groups byte for byte, trains the rest."""
    spec_path = tmp_path / "spec.toml"
    spec_path.write_text(
        'activations = ["relu", "tanh", "sigmoid", "elu", "swish", "selu"]\n'
        'inits = ["auto"]\ndatasets = ["digits"]\nhidden = [[64, 64]]\n'
        "epochs = 12\nseeds = 2\nprobes = false\n"
    )
    out = tmp_path / "run"
    args = ["run", str(spec_path), "--out", str(out), "--workers", "1", "--quiet"]
    fault = Path(__file__).parent / "fault_cli.py"
    killed = subprocess.run(
        [sys.executable, str(fault), "kill", "4", "--", *args],
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL
    records = out / "records.jsonl"
    kept = records.read_bytes()
    assert kept.count(b"\n") == 4
    done = subprocess.run(
        [sys.executable, "-m", "actlab.cli", *args[:-1]],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "resuming: 2 of 6 groups" in done.stdout
    final = records.read_bytes()
    assert final.startswith(kept)  # nothing finished was lost or rewritten
    recs = [json.loads(line) for line in final.splitlines()]
    assert len(recs) == 12
    assert len({(r["group_id"], r["seed"]) for r in recs}) == 12  # nothing recomputed twice


def test_load_returns_a_dataframe(tmp_path):
    # actlab.load returns a Comparison now (tests/test_comparison.py); the per-replica
    # DataFrame loader stays in experiments.results
    from actlab.experiments.results import load

    run_spec(Spec.from_dict(TINY), out=tmp_path / "r", progress="none", workers=1)
    df = load(tmp_path / "r")
    assert list(df["activation"]) == ["relu", "relu", "tanh", "tanh"]
    assert df["final_test_acc"].between(0, 1).all()
    hist = load(tmp_path / "r", history=True)
    assert len(hist) == 4 * 2 and set(hist["epoch"]) == {1, 2}
    with pytest.raises(ValueError, match="run_dir: got"):
        load(tmp_path / "nothing")


def test_store_open_refuses_foreign_directory(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="out: got"):
        RunStore.open(tmp_path / "x", {"a": 1})


def test_accuracy_interval_is_clipped_to_0_1():
    from actlab.experiments.stats import summarize_group

    recs = [
        {
            "activation": "relu",
            "init": "p",
            "status": "ok",
            "test_acc": [a],
            "train_loss": [0.1],
            "train_acc": [0.9],
            "epoch_seconds": [1.0],
        }
        for a in (0.99, 0.98, 0.2, 0.97, 0.99)
    ]
    row = summarize_group(recs, 0.95)
    assert row["test_acc_ci_high"] == 1.0
    assert row["test_acc_ci_low"] == pytest.approx(
        describe([0.99, 0.98, 0.2, 0.97, 0.99])["ci_low"]
    )
