"""The parity table of actlab.MLPClassifier / MLPRegressor against scikit-learn's.

For every parameter of scikit-learn's MLPClassifier (and MLPRegressor's ``loss``): is actlab's
default the same (read from both signatures), and does a fit with a non-default value follow
scikit-learn's trajectory (both fitted from the same ``random_state`` on the same data, float64;
the largest differences in ``loss_curve_`` (``loss_`` for lbfgs) and in the final weights are
measured). Run: ``python examples/sklearn_parity.py``.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import warnings

import numpy as np
from sklearn.datasets import load_digits, make_regression
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor

from actlab import MLPClassifier, MLPRegressor

SAME = 1e-9  # largest difference still called "the same" (rounding)

BASE = {
    "hidden_layer_sizes": (20,),
    "max_iter": 12,
    "random_state": 0,
    "alpha": 0.01,
    "learning_rate_init": 0.01,
}
SGD = {"solver": "sgd", "learning_rate_init": 0.1}
# parameter -> (value tried, other parameters it needs to matter)
TRIALS = {
    "hidden_layer_sizes": ((13, 7), {}),
    "activation": (["identity", "logistic", "tanh", "relu"], {}),
    "solver": (["sgd", "adam", "lbfgs"], {}),
    "alpha": (0.5, {}),
    "batch_size": (17, {}),
    "learning_rate": (
        ["constant", "invscaling", "adaptive"],
        {**SGD, "tol": 0.02, "n_iter_no_change": 1, "max_iter": 200},
    ),
    "learning_rate_init": (0.05, {}),
    "power_t": (0.3, {**SGD, "learning_rate": "invscaling", "learning_rate_init": 0.5}),
    "max_iter": (5, {}),
    "shuffle": (False, {}),
    "random_state": (7, {}),
    "tol": (0.05, {"max_iter": 200}),
    "verbose": (True, {}),
    "warm_start": (True, {}),
    "momentum": (0.5, SGD),
    "nesterovs_momentum": (False, SGD),
    "early_stopping": (True, {"n_iter_no_change": 2, "max_iter": 200}),
    "validation_fraction": (0.3, {"early_stopping": True, "max_iter": 200}),
    "beta_1": (0.8, {}),
    "beta_2": (0.99, {}),
    "epsilon": (1e-4, {}),
    "n_iter_no_change": (2, {"tol": 0.01, "max_iter": 200}),
    "max_fun": (30, {"solver": "lbfgs", "max_iter": 200}),
}


def fit(cls, X, y, params, twice=False, **fit_params):
    out = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out):
        warnings.simplefilter("always")
        model = cls(**params).fit(X, y, **fit_params)
        if twice:
            model.fit(X, y, **fit_params)
    warned = [
        str(w.message)
        for w in caught
        if "Iteration" in str(w.message) or "converge" in str(w.message)
    ]
    return model, out.getvalue(), warned


def compare(sk_cls, our_cls, X, y, params, twice=False, **fit_params):
    sk, sk_out, sk_warn = fit(sk_cls, X, y, params, twice, **fit_params)
    ours, our_out, our_warn = fit(our_cls, X, y, params, twice, **fit_params)
    curve = "loss_curve_" if hasattr(sk, "loss_curve_") else "loss_"
    d_loss = float(np.max(np.abs(np.subtract(getattr(ours, curve), getattr(sk, curve)))))
    d_w = max(
        float(np.max(np.abs(a - b)))
        for a, b in zip(ours.coefs_ + ours.intercepts_, sk.coefs_ + sk.intercepts_)
    )
    return {
        "n_iter": (sk.n_iter_, ours.n_iter_),
        "d_loss": d_loss,
        "d_w": d_w,
        "same_print": sk_out == our_out,
        "same_warn": sk_warn == our_warn,
    }


def main():
    X, y = load_digits(return_X_y=True)
    X, y = X[:500] / 16, y[:500]
    Xr, yr = make_regression(n_samples=200, n_features=6, noise=3.0, random_state=0)
    sk_sig = inspect.signature(SkClassifier.__init__).parameters
    our_sig = inspect.signature(MLPClassifier.__init__).parameters
    rows = []
    for name in [n for n in sk_sig if n != "self"]:
        values, extra = TRIALS[name]
        same_default = name in our_sig and our_sig[name].default == sk_sig[name].default
        for value in values if isinstance(values, list) else [values]:
            params = {**BASE, **extra, name: value}
            r = compare(SkClassifier, MLPClassifier, X, y, params, twice=name == "warm_start")
            rows.append((name, value, same_default, r))
    reg_sig = inspect.signature(SkRegressor.__init__).parameters
    same = (
        inspect.signature(MLPRegressor.__init__).parameters["loss"].default
        == reg_sig["loss"].default
    )
    r = compare(SkRegressor, MLPRegressor, Xr / 50, yr / 50, {**BASE, "loss": "squared_error"})
    rows.append(("loss (MLPRegressor)", "squared_error", same, r))
    counts = np.random.default_rng(0).poisson(np.exp(Xr[:, 0] / 2))
    r = compare(SkRegressor, MLPRegressor, Xr, counts, {**BASE, "loss": "poisson"})
    rows.append(("loss (MLPRegressor)", "poisson", same, r))
    weights = np.random.default_rng(0).uniform(0, 2, len(y))
    for solver in ("adam", "sgd", "lbfgs"):
        r = compare(
            SkClassifier, MLPClassifier, X, y, {**BASE, "solver": solver}, sample_weight=weights
        )
        rows.append(("fit(sample_weight=)", solver, True, r))

    print(
        f"{'parameter':<22} {'value tried':<13} {'same default':<13} {'n_iter sk/ours':<15} "
        f"{'max|dloss|':<11} {'max|dW|':<10} {'same trajectory'}"
    )
    for name, value, same_default, r in rows:
        same_traj = (
            r["n_iter"][0] == r["n_iter"][1]
            and r["d_loss"] < SAME
            and r["d_w"] < SAME
            and r["same_warn"]
            and r["same_print"]
        )
        n_iter = f"{r['n_iter'][0]}/{r['n_iter'][1]}"
        print(
            f"{name:<22} {value!s:<13} {'yes' if same_default else 'NO':<13} "
            f"{n_iter:<15} {r['d_loss']:<11.1e} {r['d_w']:<10.1e} "
            f"{'yes' if same_traj else 'NO'}"
        )
    print(
        f"\n'same trajectory': equal n_iter_, differences below {SAME:g}, the same warnings and "
        "the same verbose output. digits (500 rows, /16), float64, "
        f"base parameters {BASE}."
    )


if __name__ == "__main__":
    main()
