"""A playground session: the setup, one lane per activation on the real engine, and frames.

No web here. ``Session`` holds a valid ``Setup``, builds one lockstep ``Network`` per activation
(every seed on the replica axis), advances them together with ``step``, and describes what the
page draws with ``frame``: per activation the decision boundary, train/test loss with the band
over seeds, each hidden neuron's output over the input plane, per-layer saturation / inactive
fraction and gradient norms (from ``actlab.probes``), and the path of two weights of one unit.
``export`` writes an ordinary run directory that ``actlab report`` and ``actlab.load`` read.

Every change is validated first: a bad setting raises a ParameterError and the session is
exactly as it was.
"""

from __future__ import annotations

import base64
import math
import warnings
from contextlib import contextmanager

import numpy as np

from ..datasets import load_dataset
from .lane import Lane
from .setup import LIVE, Setup

BOUNDARY_GRID = 48  # points per side of the decision-boundary grid
NEURON_STRIDE = 2  # neuron thumbnails: every 2nd point of that grid (24 x 24)
CURVE_POINTS = 200  # loss curves sent to the page are thinned to at most this many epochs


def _b64(values: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(values, dtype=np.uint8).tobytes()).decode()


def _unit_interval(p: np.ndarray) -> np.ndarray:
    """Values in [0, 1] as bytes 0..255."""
    return np.round(np.clip(np.nan_to_num(p, nan=0.5), 0, 1) * 255)


def _signed(a: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Values in [-scale, scale] as bytes 1..255 (128 is 0)."""
    return np.round(128 + 127 * np.clip(np.nan_to_num(a / scale), -1, 1))


class Session:
    """Lanes of networks that train side by side; see the module docstring."""

    def __init__(self, setup: Setup | str | dict | None = None):
        if setup is None:
            setup = Setup()
        elif not isinstance(setup, Setup):
            setup = Setup.from_query(setup)
        self.setup = setup.validated()
        self.running = False
        self.generation = 0  # counts builds: fresh networks (and maybe data) since
        self._build()

    # --- the controls ---------------------------------------------------------------------------
    def start(self) -> None:
        self.running = True

    def pause(self) -> None:
        self.running = False

    def reset(self) -> None:
        """Fresh networks for the same setup (same seeds: the same numbers again)."""
        self._build()

    def change(self, query: str | dict) -> Setup:
        """Apply settings (a query string or dict); ParameterError leaves everything unchanged.

        The learning rate, L2, the boundary view, epochs per frame and the followed unit change
        a session in place; anything else builds fresh networks (epoch 0), as a changed
        experiment must.
        """
        new = Setup.from_query(query, base=self.setup)
        changed = {k for k in self.setup.as_dict() if getattr(new, k) != getattr(self.setup, k)}
        old, self.setup = self.setup, new
        if changed <= set(LIVE):
            for lane in self.lanes:
                lane.set_live(new.lr, new.l2)
                if "follow" in changed:
                    lane.follow(new.followed())
            return new
        try:
            self._build()
        except BaseException:
            self.setup = old  # _build assigns nothing until it has built everything
            raise
        return new

    def step(self, epochs: int | None = None) -> int:
        """Advance every lane ``epochs`` epochs (default: the setup's epochs per frame)."""
        epochs = self.setup.epochs_per_frame if epochs is None else int(epochs)
        for lane in self.lanes:
            lane.step(epochs)
        self.epoch += epochs
        return self.epoch

    # --- building -------------------------------------------------------------------------------
    def _build(self) -> None:
        """Data, lanes and grids for the setup; assigned only once all of them are built."""
        s = self.setup
        data = load_dataset(
            s.dataset,
            seed=s.data_seed,
            test_size=1 - s.train_ratio,
            n_samples=s.n_samples,
            noise=s.noise,
        )
        seeds = list(range(s.seeds))
        lanes = [Lane(spec, s.layer_activations(spec), s, data, seeds) for spec in s.activations]
        X = np.vstack([data.X_train, data.X_test])
        half = float(np.ceil(np.abs(X).max() * 1.1 * 2) / 2)
        axis = np.linspace(-half, half, BOUNDARY_GRID)
        gx, gy = np.meshgrid(axis, axis)  # row 0: the lowest x2 (the page flips it)
        thumb = np.zeros((BOUNDARY_GRID, BOUNDARY_GRID), dtype=bool)
        thumb[::NEURON_STRIDE, ::NEURON_STRIDE] = True
        self.data, self.lanes, self.epoch, self.extent = data, lanes, 0, (-half, half)
        self.grid = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
        self.thumb_rows = np.flatnonzero(thumb.ravel())
        self.generation += 1

    # --- what the page draws --------------------------------------------------------------------
    def data_payload(self) -> dict:
        """The points, once per setup: [x1, x2, label] for train and test, and the extent."""
        d = self.data

        def rows(X, y):
            return np.column_stack([X.round(4), y]).tolist()

        return {
            "extent": list(self.extent),
            "train": rows(d.X_train, d.y_train),
            "test": rows(d.X_test, d.y_test),
            "n_classes": int(d.n_classes),
        }

    def frame(self) -> dict:
        """Everything the page draws now (small: bytes as base64, curves thinned)."""
        return {
            "epoch": self.epoch,
            "running": self.running,
            "setup": self.setup.to_query(),
            "boundary_size": BOUNDARY_GRID,
            "neuron_size": len(range(0, BOUNDARY_GRID, NEURON_STRIDE)),
            "lanes": [self._lane_frame(lane) for lane in self.lanes],
        }

    def _lane_frame(self, lane: Lane) -> dict:
        ok = lane.ok
        use = ok if ok.any() else np.ones_like(ok)
        trace = []
        with np.errstate(all="ignore"):
            logits = lane.net.forward(self.grid, trace=trace)
            prob = lane.net.head.predict(logits)[..., 1]  # (R, points): p(class 1)
        p = prob[use].mean(axis=0) if self.setup.view == "mean" else prob[0]
        neurons = []
        for _, a in trace:  # seed 0's output of every hidden unit over the plane
            a0 = a[0][self.thumb_rows].astype(np.float64)
            scale = np.maximum(np.nanmax(np.abs(a0), axis=0), 1e-12)
            codes = _signed(a0, scale)
            neurons.append(
                [
                    {
                        "img": _b64(codes[:, j]),
                        "max": float(scale[j]),
                        "min": float(np.nanmin(a0[:, j])),
                    }
                    for j in range(a0.shape[1])
                ]
            )
        probes = lane.latest_probes()
        return {
            "activation": lane.spec,
            "epoch": lane.epoch,
            "status": lane.status,
            "boundary": _b64(_unit_interval(p)),
            "curves": {m: self._band(lane.curve(m), use) for m in ("train_loss", "test_loss")},
            "train_acc": _mean_last(lane.curve("train_acc"), use),
            "test_acc": _mean_last(lane.curve("test_acc"), use),
            "neurons": neurons,
            "layers": {k: [_finite(v) for v in np.nanmean(probes[k][use], axis=0)] for k in probes},
            "path": {
                "layer": lane.path_layer + 1,
                "unit": lane.path_unit + 1,
                "inputs": [i + 1 for i in lane.path_inputs],
                "points": list(lane.path),
            },
        }

    @staticmethod
    def _band(curve: np.ndarray, use: np.ndarray) -> dict:
        """Mean and min..max over the seeds in ``use``, at most CURVE_POINTS epochs."""
        n = curve.shape[1]
        idx = (
            np.unique(np.linspace(0, n - 1, min(n, CURVE_POINTS)).round().astype(int))
            if n
            else np.zeros(0, dtype=int)
        )
        c = curve[use][:, idx]
        with np.errstate(all="ignore"), _quiet():
            mean, lo, hi = np.nanmean(c, axis=0), np.nanmin(c, axis=0), np.nanmax(c, axis=0)
        return {
            "epochs": (idx + 1).tolist(),
            "mean": _rounded(mean),
            "lo": _rounded(lo),
            "hi": _rounded(hi),
        }

    # --- export ---------------------------------------------------------------------------------
    def export(self, out=None):
        """Write the session as an ordinary run directory; returns its path. See export.py."""
        from .export import export_session

        return export_session(self, out)


def _rounded(values: np.ndarray) -> list:
    """Four significant digits (a curve on a 256-pixel canvas), NaN and inf as None."""
    v = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(v)
    scale = 10.0 ** (3 - np.floor(np.log10(np.where(finite & (v != 0), np.abs(v), 1.0))))
    out = np.where(finite, np.round(v * scale) / scale, np.nan).tolist()
    return [x if math.isfinite(x) else None for x in out]


def _finite(v) -> float | None:
    v = float(v)
    return v if np.isfinite(v) else None


def _mean_last(curve: np.ndarray, use: np.ndarray) -> float | None:
    if curve.shape[1] == 0:
        return None
    with np.errstate(all="ignore"), _quiet():
        return _finite(np.nanmean(curve[use, -1]))


@contextmanager
def _quiet():
    """All-NaN slices (every seed diverged) give NaN without a RuntimeWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield
