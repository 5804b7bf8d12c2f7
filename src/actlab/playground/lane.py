"""One lane of the playground: the networks of one activation (all seeds in lockstep) training.

A lane owns a real ``Network`` (replica axis = seeds), a ``Trainer`` driven a few epochs at a
time, a ``Probes`` instrument fed through the trainer's callbacks, the per-epoch history, and
the path of two incoming weights of one unit (the seed's zig-zag).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from ..network import Network
from ..probes import Probes
from ..training import Trainer

PATH_POINTS = 300  # weight-path points kept (the newest)
CURVE_METRICS = ("train_loss", "test_loss", "train_acc", "test_acc")


def path_unit(net: Network) -> tuple[int, int, tuple[int, int]]:
    """(dense layer, unit, (input a, input b)) whose two weights the page follows.

    The second Dense layer when there is one: its inputs are the first hidden layer's outputs,
    all >= 0 under sigmoid or ReLU, which is where the seed's zig-zag appears. Else the first.
    """
    k = 1 if len(net.dense) > 1 and net.dense[1].params["W"].shape[1] >= 2 else 0
    return k, 0, (0, 1)


class _Watch:
    """Trainer callback: forwards to the lane's Probes with the lane's epoch count, and records
    the followed weights before every update (the optimizer steps right after on_step)."""

    def __init__(self, lane: Lane):
        self.lane = lane

    def on_step(self, trainer, net, epoch, step):
        self.lane.probes.on_step(trainer, net, epoch, step)
        self.lane.record_weights()

    def on_epoch_end(self, trainer, net, epoch, history):
        self.lane.probes.on_epoch_end(trainer, net, self.lane.epoch + epoch, history)


class Lane:
    def __init__(self, spec: str, layer_spec, setup, data, seeds):
        self.spec = spec
        X, y = data.X_train, data.y_train
        self.net = Network(
            data.n_features,
            list(setup.hidden),
            data.n_classes,
            activation=layer_spec,
            output="softmax",
            init=setup.init,
            seeds=seeds,
        )
        self.trainer = Trainer(
            setup.optimizer,
            lr=setup.lr,
            epochs=1,
            batch_size=min(setup.batch_size, len(X)),
            l2=setup.l2,
            callbacks=[_Watch(self)],
        )
        self.probes = Probes(size=min(256, len(X)), flip_steps=0)  # flips: not drawn, and costly
        self.probes.on_train_begin(self.trainer, self.net, X, np.asarray(y, dtype=np.int64))
        self.data = data
        self.epoch = 0
        # (R, capacity) per metric, filled up to self.epoch (doubled when full)
        self.history = {m: np.full((len(seeds), 64), np.nan) for m in CURVE_METRICS}
        self.epoch_seconds: list[float] = []
        R = len(seeds)
        self.status = ["ok"] * R
        self.diverged_epoch: list[int | None] = [None] * R
        self.path: deque = deque(maxlen=PATH_POINTS)
        self.follow(setup.followed())

    def follow(self, choice: tuple[int, int] | None) -> None:
        """Follow unit ``choice = (weight layer, unit)`` (None: the default); a new path."""
        if choice is None:
            self.path_layer, self.path_unit, self.path_inputs = path_unit(self.net)
        else:
            self.path_layer, self.path_unit, self.path_inputs = choice[0], choice[1], (0, 1)
        self.path.clear()
        self.record_weights()

    def record_weights(self) -> None:
        W = self.net.dense[self.path_layer].params["W"]
        a, b = self.path_inputs
        self.path.append(
            (round(float(W[0, a, self.path_unit]), 5), round(float(W[0, b, self.path_unit]), 5))
        )

    def set_live(self, lr: float, l2: float) -> None:
        """Settings that apply from the next step on: learning rate and L2 strength."""
        self.trainer.optimizer.lr = lr
        self.trainer.l2 = l2

    def step(self, epochs: int) -> None:
        """Train every seed ``epochs`` more epochs (the optimizer's state carries over)."""
        d = self.data
        self.trainer.epochs = epochs
        hist = self.trainer.fit(self.net, d.X_train, d.y_train, X_test=d.X_test, y_test=d.y_test)
        end = self.epoch + epochs
        for m in CURVE_METRICS:
            if end > self.history[m].shape[1]:
                grown = np.full((self.net.n_replicas, 2 * end), np.nan)
                grown[:, : self.epoch] = self.history[m][:, : self.epoch]
                self.history[m] = grown
            self.history[m][:, self.epoch : end] = hist.metrics[m]
        self.epoch_seconds += hist.epoch_seconds + [0.0] * (epochs - hist.epochs)
        for r, status in enumerate(hist.status):
            if status == "diverged" and self.status[r] == "ok":
                self.status[r] = "diverged"
                self.diverged_epoch[r] = self.epoch + hist.diverged_epoch[r]
        self.epoch += epochs

    @property
    def ok(self) -> np.ndarray:
        return np.array([s == "ok" for s in self.status])

    def curve(self, metric: str) -> np.ndarray:
        """(R, epochs) of ``metric`` (NaN where not measured or after divergence)."""
        return self.history[metric][:, : self.epoch]

    def latest_probes(self) -> dict[str, np.ndarray]:
        """The newest probe record: saturation, dead, grad_W_norm, each (R, layers)."""
        return {k: self.probes.series[k][-1] for k in ("saturation", "dead", "grad_W_norm")}

    def replica_record(self, r: int) -> dict:
        """Replica r's history as Trainer.History.replica writes it (JSON-ready)."""
        rec = {
            "seed": self.net.seeds[r],
            "status": self.status[r],
            "diverged_epoch": self.diverged_epoch[r],
            "stopped_epoch": None,
            "best_epoch": None,
            "epoch_seconds": list(self.epoch_seconds),
        }
        for m in (*CURVE_METRICS, "val_loss", "val_acc"):
            values = self.curve(m)[r] if m in self.history else np.full(self.epoch, np.nan)
            rec[m] = [float(v) if np.isfinite(v) else None for v in values]
        return rec
