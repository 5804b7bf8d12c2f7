"""scikit-learn's own MLP examples, run with scikit-learn's MLPClassifier and with actlab's.

Each example's code is kept as scikit-learn wrote it (parameters untouched); only the class
differs: ``from sklearn.neural_network import MLPClassifier`` against
``from actlab import MLPClassifier``. Scores are printed side by side.

- plot_mlp_training_curves.py: seven sgd/adam settings on iris, digits, circles and moons
  (MinMaxScaler, max_iter 400, 15 for digits), training-set score and loss.
- plot_mlp_alpha.py: lbfgs, hidden [10, 10], early_stopping, max_iter 2000, random_state 1,
  alpha in logspace(-1, 1, 5), in a StandardScaler pipeline, on moons, circles and a linearly
  separable set; test score (test_size 0.4, random_state 42).
- plot_mnist_filters.py: hidden (40,), max_iter 8, alpha 1e-4, sgd, learning_rate_init 0.2,
  random_state 1 -- on the bundled 8x8 digits (X / 16) instead of MNIST from OpenML (no
  network in the tests); train and test score.

Run: ``python examples/sklearn_examples.py``.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn import datasets
from sklearn.datasets import make_circles, make_classification, make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from actlab import MLPClassifier as ActlabMLPClassifier

TRAINING_CURVES_PARAMS = [  # plot_mlp_training_curves.py
    {"solver": "sgd", "learning_rate": "constant", "momentum": 0, "learning_rate_init": 0.2},
    {
        "solver": "sgd",
        "learning_rate": "constant",
        "momentum": 0.9,
        "nesterovs_momentum": False,
        "learning_rate_init": 0.2,
    },
    {
        "solver": "sgd",
        "learning_rate": "constant",
        "momentum": 0.9,
        "nesterovs_momentum": True,
        "learning_rate_init": 0.2,
    },
    {"solver": "sgd", "learning_rate": "invscaling", "momentum": 0, "learning_rate_init": 0.2},
    {
        "solver": "sgd",
        "learning_rate": "invscaling",
        "momentum": 0.9,
        "nesterovs_momentum": False,
        "learning_rate_init": 0.2,
    },
    {
        "solver": "sgd",
        "learning_rate": "invscaling",
        "momentum": 0.9,
        "nesterovs_momentum": True,
        "learning_rate_init": 0.2,
    },
    {"solver": "adam", "learning_rate_init": 0.01},
]
TRAINING_CURVES_LABELS = [
    "constant learning-rate",
    "constant with momentum",
    "constant with Nesterov's momentum",
    "inv-scaling learning-rate",
    "inv-scaling with momentum",
    "inv-scaling with Nesterov's momentum",
    "adam",
]


def training_curves(MLPClassifier):
    iris = datasets.load_iris()
    X_digits, y_digits = datasets.load_digits(return_X_y=True)
    data_sets = [
        (iris.data, iris.target),
        (X_digits, y_digits),
        datasets.make_circles(noise=0.2, factor=0.5, random_state=1),
        datasets.make_moons(noise=0.3, random_state=0),
    ]
    rows = []
    for (X, y), name in zip(data_sets, ["iris", "digits", "circles", "moons"]):
        X = MinMaxScaler().fit_transform(X)
        max_iter = 15 if name == "digits" else 400
        for label, param in zip(TRAINING_CURVES_LABELS, TRAINING_CURVES_PARAMS):
            mlp = MLPClassifier(random_state=0, max_iter=max_iter, **param)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", category=ConvergenceWarning, module="sklearn")
                warnings.filterwarnings("ignore", category=ConvergenceWarning)
                mlp.fit(X, y)
            rows.append((f"training_curves {name}: {label}", mlp.score(X, y), mlp.loss_))
    return rows


def alpha(MLPClassifier):
    alphas = np.logspace(-1, 1, 5)
    X, y = make_classification(
        n_features=2, n_redundant=0, n_informative=2, random_state=0, n_clusters_per_class=1
    )
    rng = np.random.RandomState(2)
    X += 2 * rng.uniform(size=X.shape)
    data_sets = [
        make_moons(noise=0.3, random_state=0),
        make_circles(noise=0.2, factor=0.5, random_state=1),
        (X, y),
    ]
    rows = []
    for (X, y), name in zip(data_sets, ["moons", "circles", "linearly separable"]):
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.4, random_state=42)
        for a in alphas:
            clf = make_pipeline(
                StandardScaler(),
                MLPClassifier(
                    solver="lbfgs",
                    alpha=a,
                    random_state=1,
                    max_iter=2000,
                    early_stopping=True,
                    hidden_layer_sizes=[10, 10],
                ),
            )
            clf.fit(X_train, y_train)
            rows.append(
                (f"mlp_alpha {name}: alpha {a:.2f}", clf.score(X_test, y_test), clf[-1].loss_)
            )
    return rows


def mnist_filters(MLPClassifier):
    X, y = datasets.load_digits(return_X_y=True)
    X = X / 16.0
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, test_size=0.3)
    mlp = MLPClassifier(
        hidden_layer_sizes=(40,),
        max_iter=8,
        alpha=1e-4,
        solver="sgd",
        verbose=False,
        random_state=1,
        learning_rate_init=0.2,
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        mlp.fit(X_train, y_train)
    return [
        ("mnist_filters (digits 8x8): train", mlp.score(X_train, y_train), mlp.loss_),
        ("mnist_filters (digits 8x8): test", mlp.score(X_test, y_test), mlp.loss_),
    ]


def main():
    print(f"{'example: setting':<62} {'sklearn':>8} {'actlab':>8} {'loss sk':>9} {'loss ours':>9}")
    worst = 0.0
    for example in (training_curves, alpha, mnist_filters):
        theirs, ours = example(SkMLPClassifier), example(ActlabMLPClassifier)
        for (label, s_sk, l_sk), (_, s_us, l_us) in zip(theirs, ours):
            worst = max(worst, abs(s_sk - s_us))
            print(f"{label:<62} {s_sk:>8.4f} {s_us:>8.4f} {l_sk:>9.5f} {l_us:>9.5f}")
    print(f"\nlargest score difference: {worst:.4f}")


if __name__ == "__main__":
    main()
