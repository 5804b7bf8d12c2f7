"""Save a playground session as an ordinary actlab run directory.

One group per activation (its seeds are the replicas), records in the layout the experiment
runner writes (config, per-epoch metrics, probe series, status, the decision grid of seed 0),
each group's trained networks (weights/GROUP.npz), then the tables and report.html:
``actlab report DIR`` and ``actlab.load(DIR)`` read it like the result of ``actlab compare``.
"""

from __future__ import annotations

from pathlib import Path

from ..experiments.plan import Group
from ..experiments.runner import decision_grid
from ..experiments.stats import summarize_group
from ..experiments.store import RunStore, default_run_dir
from ..experiments.sweep import history_rows
from ..initializers import resolve_init
from ..optimizers import takes_momentum
from ..saving import network_bytes

TARGET_ACC = 0.95


def _group(setup, spec: str, epochs: int) -> Group:
    options = {
        "seed": setup.data_seed,
        "test_size": round(1 - setup.train_ratio, 6),
        "n_samples": setup.n_samples,
        "noise": setup.noise,
    }
    return Group(
        dataset=setup.dataset,
        data_options=tuple(sorted(options.items())),
        hidden=tuple(setup.hidden),
        arch="",
        activation=spec,
        init=setup.init,
        optimizer=setup.optimizer,
        lr=float(setup.lr),
        momentum=0.9 if takes_momentum(setup.optimizer) else 0.0,
        epochs=epochs,
        batch_size=setup.batch_size,
        seeds=tuple(range(setup.seeds)),
        dtype="float32",
        probes=True,
        l2=float(setup.l2),
    )


def _records(session, lane) -> list[dict]:
    group = _group(session.setup, lane.spec, lane.epoch)
    base = group.config()
    base.pop("seeds")
    base.pop("probes")
    acts = lane.net.activations
    resolved = resolve_init(session.setup.init, acts[0]) if acts else session.setup.init
    seconds = float(sum(lane.epoch_seconds))
    grid = decision_grid(lane.net, session.data)
    out = []
    for r in range(lane.net.n_replicas):
        rec = {
            "group_id": group.id,
            **base,
            "init_resolved": resolved,
            "group_seconds": seconds,
            "n_parameters": lane.net.n_parameters(),
            "source": "actlab playground",
        }
        rec.update(lane.replica_record(r))
        rec["probes"] = lane.probes.replica(r)
        if r == 0:
            rec["boundary"] = grid
        out.append(rec)
    return out


def export_session(session, out=None) -> Path:
    """Write ``session`` to ``out`` (default runs/playground-<time>); returns the directory.

    Refuses (ParameterError, nothing written) a directory that already holds files, and a
    session that has not trained yet (a run directory holds finished epochs).
    """
    from ..errors import ParameterError
    from ..report.html import write_report

    if session.epoch == 0:
        raise ParameterError(
            "export",
            "epoch 0",
            "a session trained for at least one epoch",
            "press play or step first",
        )
    path = RunStore.check_new(out if out is not None else default_run_dir("playground"))
    s = session.setup
    config = {
        "name": "playground",
        "activations": list(s.activations),
        "inits": [s.init],
        "datasets": [s.dataset],
        "hidden": [list(s.hidden)],
        "optimizers": [s.optimizer],
        "lrs": [s.lr],
        "batch_size": s.batch_size,
        "epochs": session.epoch,
        "seeds": list(range(s.seeds)),
        "playground": s.to_query(),
    }
    records = [_records(session, lane) for lane in session.lanes]
    with RunStore.create(path, config) as store:  # the run directory's lock, released at the end
        for lane, recs in zip(session.lanes, records):  # weights first: a record names its network
            store.write_weights(recs[0]["group_id"], network_bytes(lane.net))
            store.append_records(recs)
        flat = [r for recs in records for r in recs]
        rows = [summarize_group(recs, TARGET_ACC) for recs in records]
        store.write_csv("table.csv", rows)
        store.write_json("table.json", {"rows": rows, "seconds": sum(r["seconds"] for r in rows)})
        store.write_csv("history.csv", history_rows(flat))
        write_report(store.path)
    return store.path
