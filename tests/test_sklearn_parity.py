"""actlab.MLPClassifier / MLPRegressor against scikit-learn's: same parameters and defaults, and
the same training trajectory (loss_curve_, weights, n_iter_, validation scores, warnings) where
the algorithms are the same. float64 throughout; tolerances are rounding-level."""

import inspect
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor
from sklearn.preprocessing import StandardScaler

from actlab.estimators import MLPClassifier, MLPRegressor

RTOL, ATOL = 1e-9, 1e-12


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:400] / 16, y[:400]


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(n_samples=150, n_features=6, random_state=0)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(n_samples=150, n_features=5, noise=5.0, random_state=0)
    return StandardScaler().fit_transform(X), y / 50


def fit_both(sk_cls, ours_cls, X, y, **params):
    with warnings.catch_warnings(record=True) as sk_warns:
        warnings.simplefilter("always")
        sk = sk_cls(**params).fit(X, y)
    with warnings.catch_warnings(record=True) as our_warns:
        warnings.simplefilter("always")
        ours = ours_cls(**params).fit(X, y)
    return sk, ours, sk_warns, our_warns


def assert_same_model(sk, ours, rtol=RTOL, atol=ATOL):
    assert ours.n_iter_ == sk.n_iter_
    if hasattr(sk, "loss_curve_"):
        np.testing.assert_allclose(ours.loss_curve_, sk.loss_curve_, rtol=rtol, atol=atol)
        assert ours.t_ == sk.t_
    np.testing.assert_allclose(ours.loss_, sk.loss_, rtol=rtol, atol=atol)
    for a, b in zip(ours.coefs_ + ours.intercepts_, sk.coefs_ + sk.intercepts_, strict=True):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def messages(caught, category=ConvergenceWarning):
    return [str(w.message) for w in caught if issubclass(w.category, category)]


# --------------------------------------------------------------------------- parameters


@pytest.mark.parametrize(
    "ours, theirs", [(MLPClassifier, SkClassifier), (MLPRegressor, SkRegressor)]
)
def test_every_sklearn_parameter_with_the_same_default(ours, theirs):
    sk_params = inspect.signature(theirs.__init__).parameters
    our_params = inspect.signature(ours.__init__).parameters
    for name, p in sk_params.items():
        assert name in our_params, name
        assert our_params[name].default == p.default, name
        assert our_params[name].kind == p.kind, name  # positional where sklearn's are
    # sklearn's positional order (MLPRegressor starts with loss)
    positional = [n for n, p in sk_params.items() if p.kind == p.POSITIONAL_OR_KEYWORD]
    assert [n for n, p in our_params.items() if p.kind == p.POSITIONAL_OR_KEYWORD] == positional
    extra = {"init", "dtype", "weight_decay"}
    extra |= {"compiled"} if ours is MLPClassifier else set()  # the compiled step: softmax only
    assert set(our_params) - set(sk_params) == extra


# --------------------------------------------------------------------------- stochastic solvers

SCHEDULES = [
    {"solver": "sgd", "learning_rate": "constant", "learning_rate_init": 0.05},
    {"solver": "sgd", "learning_rate": "invscaling", "learning_rate_init": 0.5, "power_t": 0.3},
    {
        "solver": "sgd",
        "learning_rate": "adaptive",
        "learning_rate_init": 0.3,
        "tol": 1e-2,
        "n_iter_no_change": 2,
    },
    {"solver": "sgd", "nesterovs_momentum": False, "momentum": 0.7, "learning_rate_init": 0.05},
    {"solver": "sgd", "momentum": 0.0, "learning_rate_init": 0.1},
    {"solver": "adam", "learning_rate_init": 0.01},
    {"solver": "adam", "learning_rate_init": 0.01, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-6},
]


@pytest.mark.parametrize("params", SCHEDULES, ids=lambda p: "-".join(map(str, p.values())))
@pytest.mark.parametrize("shuffle", [False, True])
def test_classifier_follows_sklearns_trajectory(digits, params, shuffle):
    X, y = digits
    sk, ours, sk_w, our_w = fit_both(
        SkClassifier,
        MLPClassifier,
        X,
        y,
        hidden_layer_sizes=(20,),
        alpha=0.05,
        max_iter=12,
        batch_size=64,
        shuffle=shuffle,
        random_state=3,
        **params,
    )
    assert_same_model(sk, ours)
    assert messages(our_w) == messages(sk_w)
    np.testing.assert_array_equal(ours.predict(X), sk.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), sk.predict_proba(X), rtol=1e-8, atol=1e-12)


def test_adaptive_schedule_divides_the_rate_and_stops_as_sklearn(binary, capsys):
    X, y = binary
    params = {
        "hidden_layer_sizes": (10,),
        "solver": "sgd",
        "learning_rate": "adaptive",
        "learning_rate_init": 0.2,
        "alpha": 0.01,
        "tol": 0.5,
        "n_iter_no_change": 1,
        "max_iter": 300,
        "random_state": 0,
        "verbose": True,
    }
    sk = SkClassifier(**params).fit(X, y)
    sk_out = capsys.readouterr().out
    ours = MLPClassifier(**params).fit(X, y)
    our_out = capsys.readouterr().out
    assert "Setting learning rate to 0.040000" in sk_out
    assert "Learning rate too small. Stopping." in sk_out
    assert sk.n_iter_ < 300
    assert our_out == sk_out  # the same epochs, losses (8 decimals), rate changes and stop
    assert_same_model(sk, ours)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_early_stopping_follows_sklearn(digits, solver):
    X, y = digits
    sk, ours, sk_w, our_w = fit_both(
        SkClassifier,
        MLPClassifier,
        X,
        y,
        hidden_layer_sizes=(15,),
        solver=solver,
        learning_rate_init=0.05,
        alpha=0.1,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=3,
        tol=1e-3,
        max_iter=100,
        random_state=1,
    )
    assert sk.n_iter_ < 100
    np.testing.assert_allclose(ours.validation_scores_, sk.validation_scores_, rtol=0, atol=1e-12)
    assert ours.best_validation_score_ == sk.best_validation_score_
    assert ours.best_loss_ is None and sk.best_loss_ is None
    assert_same_model(sk, ours)  # the restored best weights too
    assert messages(our_w) == messages(sk_w) == []


def test_binary_early_stopping_split_is_stratified_as_sklearns(binary):
    X, y = binary
    sk, ours, _, _ = fit_both(
        SkClassifier,
        MLPClassifier,
        X,
        y,
        hidden_layer_sizes=(8,),
        early_stopping=True,
        learning_rate_init=0.01,
        max_iter=15,
        random_state=7,
    )
    np.testing.assert_allclose(ours.validation_scores_, sk.validation_scores_, atol=1e-12)
    assert_same_model(sk, ours)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_regressor_follows_sklearns_trajectory(regression, solver):
    X, y = regression
    sk, ours, sk_w, our_w = fit_both(
        SkRegressor,
        MLPRegressor,
        X,
        y,
        hidden_layer_sizes=(16, 8),
        activation="tanh",
        solver=solver,
        learning_rate_init=0.01,
        alpha=0.3,
        max_iter=20,
        batch_size=32,
        random_state=0,
    )
    assert_same_model(sk, ours)
    assert messages(our_w) == messages(sk_w) and messages(sk_w)
    np.testing.assert_allclose(ours.predict(X), sk.predict(X), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
def test_each_sklearn_activation_and_its_initialization(binary, activation):
    X, y = binary
    sk, ours, _, _ = fit_both(
        SkClassifier,
        MLPClassifier,
        X,
        y,
        hidden_layer_sizes=(7, 5),
        activation=activation,
        alpha=0.02,
        max_iter=8,
        batch_size=25,
        learning_rate_init=0.01,
        random_state=11,
    )
    assert_same_model(sk, ours)


def test_from_the_same_assigned_weights_without_shuffling(digits):
    """The issue's protocol: both start from identical coefs_/intercepts_ (sklearn's after one
    epoch, assigned to a never-fitted actlab model with another init), shuffle=False."""
    X, y = digits
    common = {
        "hidden_layer_sizes": (25,),
        "solver": "sgd",
        "learning_rate": "invscaling",
        "learning_rate_init": 0.3,
        "alpha": 0.01,
        "shuffle": False,
        "warm_start": True,
        "random_state": 0,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = SkClassifier(**common, max_iter=1).fit(X, y)
        ours = MLPClassifier(**common, max_iter=10, init="he_normal")
        ours.coefs_ = [W.copy() for W in sk.coefs_]
        ours.intercepts_ = [b.copy() for b in sk.intercepts_]
        ours.t_ = sk.t_  # invscaling counts the samples seen so far
        sk.set_params(max_iter=10).fit(X, y)
        ours.fit(X, y)
    np.testing.assert_allclose(ours.loss_curve_, sk.loss_curve_[1:], rtol=RTOL, atol=ATOL)
    for a, b in zip(ours.coefs_ + ours.intercepts_, sk.coefs_ + sk.intercepts_, strict=True):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)


def test_warm_start_and_partial_fit_continue_as_sklearn(binary):
    X, y = binary
    params = {
        "hidden_layer_sizes": (9,),
        "solver": "sgd",
        "learning_rate": "invscaling",
        "learning_rate_init": 0.3,
        "alpha": 0.01,
        "max_iter": 4,
        "random_state": 2,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk, ours = SkClassifier(**params).fit(X, y), MLPClassifier(**params).fit(X, y)
        for model in (sk, ours):
            model.set_params(warm_start=True, max_iter=3).fit(X, y)
    assert_same_model(sk, ours)  # t_ keeps counting, the optimizer starts afresh
    assert len(ours.loss_curve_) == 7 and ours.n_iter_ == 3
    sk, ours = SkClassifier(**params), MLPClassifier(**params)
    for _ in range(3):
        sk.partial_fit(X, y, classes=[0, 1])
        ours.partial_fit(X, y, classes=[0, 1])
    assert_same_model(sk, ours)


# --------------------------------------------------------------------------- lbfgs


@pytest.mark.parametrize("max_iter", [15, 60])
def test_lbfgs_follows_sklearn(digits, max_iter):
    """Same iterates up to rounding. Rounding differences (actlab's fused log-softmax against
    sklearn's clipped log of probabilities) grow about tenfold every 25 iterations on this
    non-convex problem: 4e-15 after 15, 2e-11 after 60, 1e-1 in the weights after 400 (the
    loss then agrees to 4e-4), as two BLAS builds would."""
    X, y = digits
    sk, ours, sk_w, our_w = fit_both(
        SkClassifier,
        MLPClassifier,
        X,
        y,
        hidden_layer_sizes=(12,),
        solver="lbfgs",
        alpha=0.5,
        max_iter=max_iter,
        random_state=0,
    )
    assert_same_model(sk, ours, rtol=1e-7, atol=1e-9)
    assert messages(our_w) == messages(sk_w)
    assert messages(sk_w)  # "lbfgs failed to converge" when cut short
    assert not hasattr(ours, "loss_curve_") and not hasattr(sk, "loss_curve_")


def test_lbfgs_regressor_and_max_fun(regression):
    X, y = regression
    sk, ours, sk_w, our_w = fit_both(
        SkRegressor,
        MLPRegressor,
        X,
        y,
        hidden_layer_sizes=(10,),
        solver="lbfgs",
        alpha=0.1,
        max_fun=40,
        random_state=0,
    )
    assert_same_model(sk, ours, rtol=1e-7, atol=1e-9)
    assert messages(our_w) == messages(sk_w) and messages(sk_w)


# --------------------------------------------------------------------------- warnings


def test_max_iter_warning_text_and_batch_size_clipping(binary):
    X, y = binary
    sk, ours, sk_w, our_w = fit_both(
        SkClassifier,
        MLPClassifier,
        X,
        y,
        hidden_layer_sizes=(4,),
        max_iter=3,
        batch_size=1000,
        random_state=0,
    )
    assert (
        messages(our_w)
        == messages(sk_w)
        == [
            (
                "Stochastic Optimizer: Maximum iterations (3) reached and the optimization hasn't "
                "converged yet."
            )
        ]
    )
    assert messages(our_w, UserWarning) == messages(sk_w, UserWarning)
    assert any("clipped" in m for m in messages(our_w, UserWarning))
    assert_same_model(sk, ours)


def test_partial_fit_only_for_stochastic_solvers():
    assert hasattr(MLPClassifier(solver="adam"), "partial_fit")
    assert not hasattr(MLPClassifier(solver="lbfgs"), "partial_fit")
    assert not hasattr(SkClassifier(solver="lbfgs"), "partial_fit")
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit([[0.0], [1.0]], [0, 1], classes=[0, 1])


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_poisson_regressor_follows_sklearn(solver):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    y = rng.poisson(np.exp(0.5 * X[:, 0] - 0.3 * X[:, 1]))
    sk, ours, _, _ = fit_both(
        SkRegressor,
        MLPRegressor,
        X,
        y,
        loss="poisson",
        hidden_layer_sizes=(8,),
        solver=solver,
        alpha=0.1,
        max_iter=15,
        learning_rate_init=0.01,
        random_state=0,
    )
    assert ours.out_activation_ == sk.out_activation_ == "exp"
    assert_same_model(sk, ours, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.predict(X), sk.predict(X), rtol=1e-8)
    with pytest.raises(ValueError, match="negative"):
        MLPRegressor(loss="poisson").fit(X, -y - 1.0)


def test_sparse_input_gives_the_dense_result(binary):
    import scipy.sparse as sp

    X, y = binary
    params = {"hidden_layer_sizes": (6,), "max_iter": 5, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        dense = MLPClassifier(**params).fit(X, y)
        sparse = MLPClassifier(**params).fit(sp.csr_matrix(X), y)
        sk = SkClassifier(**params).fit(sp.csr_matrix(X), y)
    assert_same_model(dense, sparse, rtol=0, atol=0)
    assert_same_model(sk, sparse)
    np.testing.assert_array_equal(sparse.predict_proba(sp.csc_matrix(X)), dense.predict_proba(X))


@pytest.mark.parametrize(
    "params",
    [
        {"solver": "adam"},
        {"solver": "sgd", "batch_size": 37},
        {"solver": "lbfgs"},
        {"solver": "adam", "early_stopping": True},
    ],
    ids=["adam", "sgd", "lbfgs", "early_stopping"],
)
def test_sample_weight_follows_sklearn(digits, params):
    X, y = digits
    w = np.random.default_rng(0).uniform(0, 2, len(y))
    common = {
        "hidden_layer_sizes": (20,),
        "max_iter": 10,
        "random_state": 0,
        "alpha": 0.1,
        "learning_rate_init": 0.01,
        **params,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = SkClassifier(**common).fit(X, y, sample_weight=w)
        ours = MLPClassifier(**common).fit(X, y, sample_weight=w)
        plain = MLPClassifier(**common).fit(X, y)
    assert_same_model(sk, ours)
    if params.get("early_stopping"):
        assert ours.validation_scores_ == pytest.approx(sk.validation_scores_, abs=1e-12)
    assert not np.allclose(plain.coefs_[0], ours.coefs_[0])  # the weights did something
