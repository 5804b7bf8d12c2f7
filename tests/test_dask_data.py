"""A Dask worker checks that the data it loads is the data the run fingerprinted: a worker on
another machine can read a different file under the same path. Made to happen here by editing
the CSV after this process has loaded (and cached) it, so the run's fingerprint matches the
stored one while a fresh worker process reads the edited file."""

import json

import pytest

from actlab.experiments import Spec, run_spec
from actlab.experiments.runner import DataChanged
from actlab.experiments.store import RunStore

METRICS = ("status", "train_loss", "train_acc", "test_loss", "test_acc")


def canon(records):
    return sorted(
        (r["group_id"], r["seed"], *(json.dumps(r.get(m)) for m in METRICS)) for r in records
    )


def test_dask_worker_with_other_data_is_refused_and_finished_groups_are_kept(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    data = tmp_path / "d.csv"
    rows = [f"{x:.2f},{(x * 7) % 3:.2f},{int(x * 10) % 2}" for x in [i / 40 for i in range(80)]]
    original = "a,b,y\n" + "\n".join(rows) + "\n"
    data.write_text(original)
    spec = Spec.from_dict(
        {
            "activations": ["relu", "tanh", "elu"],
            "inits": ["auto"],
            "datasets": ["csv"],
            "data_options": {"path": str(data), "label": "y"},
            "hidden": [[8]],
            "epochs": 2,
            "seeds": [0, 1],
            "probes": False,
        }
    )
    reference = canon(run_spec(spec, out=tmp_path / "ref", progress="none", workers=1).records)

    out = tmp_path / "run"
    real = RunStore.append_group

    def stop_after_one_group(self, records):
        real(self, records)
        raise KeyboardInterrupt

    monkeypatch.setattr(RunStore, "append_group", stop_after_one_group)
    with pytest.raises(KeyboardInterrupt):
        run_spec(spec, out=out, progress="none", workers=1)
    monkeypatch.setattr(RunStore, "append_group", real)
    kept = (out / "records.jsonl").read_bytes()
    assert len(kept.splitlines()) == 2  # one group of two seeds

    data.write_text(original.replace("0.50,", "0.55,", 1))  # the worker's copy differs
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        with pytest.raises(DataChanged) as caught:
            run_spec(spec, out=out, progress="none", scheduler=cluster.scheduler_address)
    message = str(caught.value)
    assert "\n" not in message and message.startswith("data: csv (label=y, path=")
    assert "differs from what this run fingerprinted" in message
    assert (out / "records.jsonl").read_bytes() == kept  # nothing lost, nothing trained on it

    data.write_text(original)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        done = run_spec(spec, out=out, progress="none", scheduler=cluster.scheduler_address)
    assert (out / "records.jsonl").read_bytes().startswith(kept)
    assert canon(done.records) == reference


def test_a_float64_run_on_dask_loads_and_checks_the_float64_data(tmp_path):
    """A float64 run loads its data in float64 (runner.data_source); a Dask worker loads it
    itself and checks it against the run's fingerprint, of the float64 data: the same load on
    both sides, so the run finishes with the records of an in-process run."""
    distributed = pytest.importorskip("distributed")
    data = tmp_path / "d.csv"
    rows = [f"{0.1234567890123 + i / 40!r},{i % 3},{i % 2}" for i in range(60)]
    data.write_text("a,b,y\n" + "\n".join(rows) + "\n")
    spec = Spec.from_dict(
        {
            "activations": ["relu", "tanh"],
            "inits": ["auto"],
            "datasets": ["csv"],
            "data_options": {"path": str(data), "label": "y"},
            "hidden": [[8]],
            "epochs": 2,
            "seeds": [0, 1],
            "probes": False,
            "dtype": "float64",
        }
    )
    reference = canon(run_spec(spec, out=tmp_path / "ref", progress="none", workers=1).records)
    config = json.loads((tmp_path / "ref" / "config.json").read_text())
    assert [*config["data"]] == [f"csv (dtype=float64, label=y, path={data})"]
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        done = run_spec(
            spec, out=tmp_path / "run", progress="none", scheduler=cluster.scheduler_address
        )
    assert canon(done.records) == reference
