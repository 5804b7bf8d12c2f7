"""Learning-rate schedules, changed once per epoch, as scikit-learn's MLP does it.

- ``constant``: lr = lr0.
- ``invscaling``: after each epoch, lr = lr0 / (t + 1) ** power_t, where t is the number of
  training samples seen so far (scikit-learn's ``SGDOptimizer.iteration_ends(t_)``).
- ``adaptive``: lr stays lr0 while the monitored value improves; when it has not improved by
  more than ``tol`` on the best so far for more than ``n_iter_no_change`` consecutive epochs,
  lr <- lr / 5, or, once lr <= 1e-6, the replica stops (scikit-learn's ``trigger_stopping``).

Everything is per replica: lr0 may be an (R,) array, and each replica keeps its own best value,
count and current lr.
"""

from __future__ import annotations

import numpy as np

from .errors import ParameterError, UnknownNameError

SCHEDULES = ("constant", "invscaling", "adaptive")
ADAPTIVE_FACTOR = 5.0  # lr is divided by this on a plateau
ADAPTIVE_MIN_LR = 1e-6  # at or below it, a plateau stops the replica instead


def check_schedule(name, power_t=0.5, tol=1e-4, n_iter_no_change=10) -> str:
    """The schedule's name, after checking it and its options (one-line errors)."""
    if name not in SCHEDULES:
        raise UnknownNameError("schedule", name, SCHEDULES)
    for key, value in (("power_t", power_t), ("tol", tol)):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float, np.floating))
            or not (np.isfinite(value) and value >= 0)
        ):
            raise ParameterError(key, value, "a finite number >= 0")
    if n_iter_no_change != np.inf and (
        isinstance(n_iter_no_change, bool)
        or not isinstance(n_iter_no_change, (int, np.integer))
        or n_iter_no_change < 1
    ):
        raise ParameterError("n_iter_no_change", n_iter_no_change, "an integer >= 1 or inf")
    return name


def invscaling(lr0, samples_seen, power_t):
    """lr0 / (t + 1) ** power_t with t the samples seen so far (scikit-learn's invscaling)."""
    return lr0 / (samples_seen + 1) ** power_t


class Plateau:
    """Counts epochs without improvement, per replica (scikit-learn's ``_no_improvement_count``).

    An epoch improves when the value beats the best so far by more than ``tol`` (lower for a
    loss, higher with ``maximize`` for a score); the best is kept whenever the value beats it at
    all. ``update`` returns the replicas whose count exceeds ``n_iter_no_change``.
    """

    def __init__(self, n_replicas, tol=1e-4, n_iter_no_change=10, maximize=False):
        self.tol, self.n_iter_no_change, self.maximize = tol, n_iter_no_change, maximize
        self.best = np.full(n_replicas, -np.inf if maximize else np.inf)
        self.count = np.zeros(n_replicas, dtype=np.int64)

    def update(self, value, active=None) -> np.ndarray:
        value = np.asarray(value, dtype=np.float64)
        live = np.ones(len(self.best), dtype=bool) if active is None else np.asarray(active)
        if self.maximize:
            stale, better = value < self.best + self.tol, value > self.best
        else:
            stale, better = value > self.best - self.tol, value < self.best
        self.count[live & stale] += 1
        self.count[live & ~stale] = 0
        self.best[live & better] = value[live & better]
        return live & (self.count > self.n_iter_no_change)


def decay_on_plateau(lr, plateaued):
    """(new lr, replicas to stop): lr / 5 where a plateau was reached, stop where lr <= 1e-6."""
    lr = np.asarray(lr, dtype=np.float64)
    stop = plateaued & (lr <= ADAPTIVE_MIN_LR)
    return np.where(plateaued & ~stop, lr / ADAPTIVE_FACTOR, lr), stop


class Schedule:
    """A schedule for one ``Trainer.fit``: ``start`` with lr0, then ``after_epoch`` each epoch.

    The adaptive schedule watches the training loss (the objective, with the L2 penalty).
    """

    def __init__(self, name="constant", power_t=0.5, tol=1e-4, n_iter_no_change=10):
        self.name = check_schedule(name, power_t, tol, n_iter_no_change)
        self.power_t, self.tol, self.n_iter_no_change = power_t, tol, n_iter_no_change
        self.lr0 = None
        self.plateau = None

    def start(self, lr0, n_replicas):
        self.lr0 = lr0
        if self.name == "adaptive":
            self.plateau = Plateau(n_replicas, self.tol, self.n_iter_no_change)

    def after_epoch(self, lr, samples_seen, train_loss, active):
        """(lr for the next epoch, boolean mask (R,) of replicas that stop now)."""
        stop = np.zeros(len(active), dtype=bool)
        if self.name == "invscaling":
            lr = invscaling(self.lr0, samples_seen, self.power_t)
        elif self.name == "adaptive":
            plateaued = self.plateau.update(train_loss, active)
            if plateaued.any():
                new, stop = decay_on_plateau(np.broadcast_to(lr, active.shape), plateaued)
                self.plateau.count[plateaued] = 0
                lr = new if np.ndim(lr) or not np.all(new == new[0]) else float(new[0])
        return lr, stop


__all__ = ["SCHEDULES", "Plateau", "Schedule", "check_schedule", "decay_on_plateau", "invscaling"]
