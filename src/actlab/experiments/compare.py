"""The comparison job: the same network trained with several activations and inits, many seeds.

Each (init, activation) pair is one group; a group trains all its seeds in lockstep on the
replica axis. ``actlab compare`` with no flags is the seed's exercise: sigmoid, tanh and ReLU
on digits, two hidden layers of 100, with a good init (``auto``) and the seed's prototype
U(-1, 1), 5 seeds each.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from ..activations import get_activation
from ..datasets import dataset_options, load_dataset
from ..errors import ParameterError
from ..initializers import parse_init, resolve_init
from ..network import Network, check_sizes
from ..optimizers import get_optimizer
from ..probes import Probes
from ..training import Trainer
from .stats import summarize_group
from .store import RunStore


@dataclass
class CompareConfig:
    """What to compare. Every field is validated by ``validate`` before any training."""

    activations: list[str] = field(default_factory=lambda: ["sigmoid", "tanh", "relu"])
    dataset: str = "digits"
    data_options: dict = field(default_factory=dict)
    hidden: list[int] = field(default_factory=lambda: [100, 100])
    inits: list[str] = field(default_factory=lambda: ["auto", "prototype"])
    optimizer: str = "sgd"
    lr: float = 0.03
    momentum: float = 0.9
    epochs: int = 30
    batch_size: int = 32
    seeds: list[int] = field(default_factory=lambda: list(range(5)))
    target_acc: float = 0.95
    dtype: str = "float32"
    probes: bool = True

    def validate(self) -> CompareConfig:
        if not self.activations:
            raise ParameterError("activations", self.activations, "at least one activation name")
        for spec in self.activations:
            get_activation(spec)
        if not self.inits:
            raise ParameterError("init", self.inits, "at least one initializer name")
        for spec in self.inits:
            parse_init(spec)
        dataset_options(self.dataset)
        check_sizes(self.hidden)
        optimizer_options = {} if self.optimizer in ("gd", "adam") else {"momentum": self.momentum}
        get_optimizer(self.optimizer, lr=self.lr, **optimizer_options)
        Trainer(epochs=self.epochs, batch_size=self.batch_size)
        if not self.seeds or len(set(self.seeds)) != len(self.seeds):
            raise ParameterError("seeds", self.seeds, "one or more distinct integers")
        if not (isinstance(self.target_acc, float) and 0 < self.target_acc <= 1):
            raise ParameterError("target_acc", self.target_acc, "a number in (0, 1]")
        if self.dtype not in ("float32", "float64"):
            raise ParameterError("dtype", self.dtype, "float32 or float64")
        return self


@dataclass
class CompareResult:
    config: CompareConfig
    rows: list[dict]
    records: list[dict]
    run_dir: str | None
    seconds: float


def train_group(config: CompareConfig, data, activation: str, init: str):
    """Train every seed of one (activation, init) group in lockstep; one record per seed."""
    X_tr, y_tr, X_te, y_te = data
    net = Network(data.n_features, config.hidden, data.n_classes, activation=activation,
                  output="softmax", init=init, seeds=config.seeds, dtype=config.dtype)
    options = {} if config.optimizer in ("gd", "adam") else {"momentum": config.momentum}
    probes = Probes() if config.probes else None
    trainer = Trainer(config.optimizer, lr=config.lr, epochs=config.epochs,
                      batch_size=config.batch_size, callbacks=[probes] if probes else [], **options)
    start = time.perf_counter()
    hist = trainer.fit(net, X_tr, y_tr, X_test=X_te, y_test=y_te)
    seconds = time.perf_counter() - start
    boundary = decision_grid(net, data) if data.n_features == 2 else None
    resolved = resolve_init(init, net.activations[0]) if net.activations else init
    records = []
    for r in range(net.n_replicas):
        rec = {"activation": activation, "init": init, "init_resolved": resolved,
               "dataset": config.dataset, "hidden": list(config.hidden),
               "optimizer": config.optimizer, "lr": config.lr, "epochs": config.epochs,
               "batch_size": config.batch_size, "group_seconds": seconds,
               "n_parameters": net.n_parameters()}
        rec.update(hist.replica(r))
        if probes is not None:
            rec["probes"] = probes.replica(r)
        if boundary is not None and r == 0:
            rec["boundary"] = boundary
        records.append(rec)
    return records


def decision_grid(net, data, steps=80) -> dict:
    """Replica 0's predicted class and confidence on a grid over a 2-D data set (for plots)."""
    X = np.vstack([data.X_train, data.X_test])
    lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    xs, ys = np.linspace(lo[0], hi[0], steps), np.linspace(lo[1], hi[1], steps)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2).astype(net.dtype)
    with np.errstate(all="ignore"):
        prob = net.predict_output(grid)[0]
    return {"x": xs.round(5).tolist(), "y": ys.round(5).tolist(),
            "label": prob.argmax(axis=1).reshape(steps, steps).tolist(),
            "confidence": prob.max(axis=1).reshape(steps, steps).round(4).tolist()}


def run_compare(config: CompareConfig, out=None, progress=None) -> CompareResult:
    """Validate, load the data, train every group, store records as they finish, summarise.

    ``out``: a run directory to create (None: keep results in memory only). ``progress``: a
    callable taking one line of text per finished group.
    """
    config.validate()
    if out is not None:
        RunStore.check_new(out)
    data = load_dataset(config.dataset, **{"seed": 0, **config.data_options})
    if data.task != "classification":
        raise ParameterError("dataset", config.dataset, "a classification data set for compare")
    store = RunStore.create(out, asdict(config)) if out is not None else None
    start = time.perf_counter()
    rows, all_records = [], []
    groups = [(init, act) for init in config.inits for act in config.activations]
    for k, (init, act) in enumerate(groups, 1):
        records = train_group(config, data, act, init)
        if store is not None:
            store.append_records(records)
        all_records.extend(records)
        row = summarize_group(records, config.target_acc)
        rows.append(row)
        if progress is not None:
            progress(f"[{k}/{len(groups)}] {act:<12} init={init:<10} test acc "
                     f"{row['test_acc_mean']:.3f}  ({row['seconds']:.1f} s, "
                     f"{len(config.seeds)} seeds)")
    result = CompareResult(config, rows, all_records, str(store.path) if store else None,
                           time.perf_counter() - start)
    if store is not None:
        store.write_csv("table.csv", rows)
        store.write_json("table.json", {"rows": rows, "seconds": result.seconds})
        store.write_csv("history.csv", history_rows(all_records))
    return result


def history_rows(records: list[dict]) -> list[dict]:
    """Long-format per-epoch history: one row per (activation, init, seed, epoch)."""
    rows = []
    for rec in records:
        for e in range(len(rec["train_loss"])):
            rows.append({"activation": rec["activation"], "init": rec["init"], "seed": rec["seed"],
                         "epoch": e + 1,
                         **{m: rec[m][e] for m in ("train_loss", "train_acc", "test_loss",
                                                   "test_acc")}})
    return rows


def _pct(x) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{x:.1%}"


def _num(x) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{x:.3g}"


def _row(cells, widths) -> str:
    return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()


def format_table(rows: list[dict]) -> str:
    """The printed comparison: one table per init."""
    lines = []
    for init in dict.fromkeys(r["init"] for r in rows):
        group = [r for r in rows if r["init"] == init]
        resolved = sorted({r["init_resolved"] for r in group})
        target = group[0]["target_train_acc"]
        lines.append(f"init = {init}" + (f" ({', '.join(resolved)})" if resolved != [init] else ""))
        probes = "last_hidden_saturation" in group[0]
        header = ["activation", "test accuracy", "final train loss",
                  f"epochs to {target:.0%} train acc", "seconds"]
        if probes:
            header[4:4] = ["saturation (last hidden)", "|dW first|/|dW last|"]
        body = []
        for r in group:
            n = r["n_seeds"]
            acc = f"{r['test_acc_mean']:.3f} +- {r['test_acc_std']:.3f}"
            if r["n_diverged"]:
                acc += f" ({r['n_diverged']}/{n} diverged)"
            reach = ("never" if r["n_reached_target"] == 0 else
                     f"{r['epochs_to_target_mean']:.1f}" +
                     ("" if r["n_reached_target"] == r["n_ok"] else
                      f" ({r['n_reached_target']}/{n} seeds)"))
            loss = "nan" if math.isnan(r["train_loss_mean"]) else f"{r['train_loss_mean']:.3g}"
            cells = [r["activation"], acc, loss, reach, f"{r['seconds']:.1f}"]
            if probes:
                cells[4:4] = [_pct(r["last_hidden_saturation"]), _num(r["grad_ratio"])]
            body.append(cells)
        widths = [max(len(str(x)) for x in col) for col in zip(header, *body)]
        lines.append(_row(header, widths))
        lines.append(_row(["-" * w for w in widths], widths))
        lines.extend(_row(b, widths) for b in body)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


__all__ = ["CompareConfig", "CompareResult", "format_table", "run_compare", "train_group"]
