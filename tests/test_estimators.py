"""The scikit-learn estimators: sklearn's own checks, accuracy, warm start, errors."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits, make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from actlab.errors import ParameterError, UnknownNameError
from actlab.estimators import DivergenceError, MLPClassifier, MLPRegressor

# short fits on purpose: scikit-learn's "not converged yet" warning is expected here (it is
# tested in test_sklearn_parity.py)
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@parametrize_with_checks(
    [
        MLPClassifier(max_iter=100),  # scikit-learn's own test parameters for its MLPs
        MLPClassifier(
            hidden_layer_sizes=(16, 8),
            activation="prelu",
            solver="adam",
            learning_rate_init=0.01,
            max_iter=30,
            init="auto",
        ),
        MLPClassifier(hidden_layer_sizes=(20,), solver="lbfgs", max_iter=50),
        MLPRegressor(max_iter=100),
    ]
)
def test_sklearn_check_estimator(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X, y, random_state=0)


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(n_samples=200, n_features=6, random_state=0)
    return StandardScaler().fit_transform(X), y


# --------------------------------------------------------------------------- accuracy


def test_digits_pipeline_accuracy(digits):
    X_tr, X_te, y_tr, y_te = digits
    model = make_pipeline(
        StandardScaler(),
        MLPClassifier(hidden_layer_sizes=(100, 100), activation="relu", random_state=0),
    )
    model.fit(X_tr, y_tr)
    assert model.score(X_te, y_te) > 0.95


def test_digits_cross_val_score():
    X, y = load_digits(return_X_y=True)
    model = make_pipeline(
        StandardScaler(), MLPClassifier(max_iter=30, random_state=0, learning_rate_init=0.01)
    )
    scores = cross_val_score(model, X, y, cv=3)
    assert scores.mean() > 0.9


def test_regressor_fits_sine():
    rng = np.random.default_rng(0)
    X = rng.uniform(-3, 3, size=(600, 1))
    y = np.sin(X[:, 0])
    reg = MLPRegressor(
        hidden_layer_sizes=(32, 32),
        activation="tanh",
        max_iter=200,
        learning_rate_init=0.01,
        random_state=0,
    ).fit(X[:400], y[:400])
    assert reg.score(X[400:], y[400:]) > 0.9
    assert reg.predict(X[:5]).shape == (5,)
    assert reg.out_activation_ == "identity"


def test_regressor_2d_targets_keep_their_shape():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 3))
    Y = np.column_stack([X[:, 0], X[:, 1] - X[:, 2]])
    reg = MLPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit(X, Y)
    assert reg.predict(X).shape == (50, 2) and reg.n_outputs_ == 2
    col = MLPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit(X, Y[:, :1])
    assert col.predict(X).shape == (50,)  # one output column is raveled, as in scikit-learn


# --------------------------------------------------------------------------- warm start


def test_warm_start_uses_hand_assigned_weights(binary):
    X, y = binary
    a = MLPClassifier(hidden_layer_sizes=(10,), random_state=0, max_iter=20).fit(X, y)
    expected = a.predict_proba(X)

    # a fitted model with other weights: predictions follow the assigned coefs_ at once ...
    b = MLPClassifier(hidden_layer_sizes=(10,), random_state=1, max_iter=20).fit(X, y)
    assert not np.allclose(b.predict_proba(X), expected)
    b.coefs_ = [W.copy() for W in a.coefs_]
    b.intercepts_ = [c.copy() for c in a.intercepts_]
    np.testing.assert_allclose(b.predict_proba(X), expected, rtol=0, atol=1e-12)
    # ... and a warm start trains from them (a step too small to move float32 weights)
    b.set_params(warm_start=True, max_iter=1, learning_rate_init=1e-12)
    epochs_before = len(b.loss_curve_)
    b.fit(X, y)
    np.testing.assert_allclose(b.predict_proba(X), expected, rtol=0, atol=1e-6)
    # as scikit-learn: n_iter_ counts this fit's epochs, loss_curve_ goes on
    assert b.n_iter_ == 1 and len(b.loss_curve_) == epochs_before + 1

    # a never-fitted estimator with weights assigned by hand
    c = MLPClassifier(
        hidden_layer_sizes=(10,),
        warm_start=True,
        max_iter=1,
        learning_rate_init=1e-12,
        random_state=5,
    )
    c.coefs_, c.intercepts_ = a.coefs_, a.intercepts_
    c.fit(X, y)
    np.testing.assert_allclose(c.predict_proba(X), expected, rtol=0, atol=1e-6)
    assert c.coefs_[0] is not a.coefs_[0]  # training wrote new arrays, not into a's
    np.testing.assert_array_equal(a.predict_proba(X), expected)

    # partial_fit continues from assigned weights too
    d = MLPClassifier(hidden_layer_sizes=(10,), learning_rate_init=1e-12, random_state=3)
    d.partial_fit(X, y, classes=[0, 1])
    d.coefs_, d.intercepts_ = a.coefs_, a.intercepts_
    d.partial_fit(X, y)
    np.testing.assert_allclose(d.predict_proba(X), expected, rtol=0, atol=1e-6)


def test_warm_start_keeps_learnable_activation_parameters(binary):
    X, y = binary
    a = MLPClassifier(
        hidden_layer_sizes=(8,),
        activation="prelu",
        random_state=0,
        max_iter=30,
        learning_rate_init=0.05,
    ).fit(X, y)
    alpha = a.activation_params_[0]["alpha"]
    assert alpha.shape == (1, 1) and alpha.item() != pytest.approx(0.25)
    b = clone(a).set_params(warm_start=True, max_iter=1, learning_rate_init=1e-12)
    b.coefs_, b.intercepts_ = a.coefs_, a.intercepts_
    b.activation_params_ = a.activation_params_
    b.fit(X, y)
    np.testing.assert_allclose(b.predict_proba(X), a.predict_proba(X), rtol=0, atol=1e-6)


def test_warm_start_refuses_weights_of_another_shape(binary):
    X, y = binary
    a = MLPClassifier(hidden_layer_sizes=(10,), random_state=0, max_iter=2).fit(X, y)
    a.set_params(warm_start=True, hidden_layer_sizes=(7,))
    with pytest.raises(ParameterError, match="coefs_"):
        a.fit(X, y)


def test_partial_fit_lowers_the_loss(binary):
    X, y = binary
    clf = MLPClassifier(
        hidden_layer_sizes=(16,), random_state=0, learning_rate_init=0.01, batch_size=20
    )
    for _ in range(8):
        clf.partial_fit(X, y, classes=np.array([0, 1]))
    assert clf.n_iter_ == 1 and len(clf.loss_curve_) == 8  # n_iter_: this call's, as sklearn
    assert clf.loss_curve_[-1] < 0.7 * clf.loss_curve_[0]
    reg = MLPRegressor(
        hidden_layer_sizes=(16,), random_state=0, learning_rate_init=0.01, batch_size=20
    )
    for _ in range(8):
        reg.partial_fit(X, X[:, 0] - X[:, 1])
    assert reg.loss_curve_[-1] < reg.loss_curve_[0]


def test_partial_fit_needs_classes_on_first_call(binary):
    X, y = binary
    with pytest.raises(ValueError, match="classes must be passed"):
        MLPClassifier().partial_fit(X, y)
    clf = MLPClassifier(hidden_layer_sizes=(4,)).partial_fit(X, y, classes=[0, 1, 2])
    assert list(clf.classes_) == [0, 1, 2] and clf.out_activation_ == "softmax"
    with pytest.raises(ValueError, match="not in classes_"):
        clf.partial_fit(X, np.where(y == 1, 7, 0))


# --------------------------------------------------------------------------- reproducibility


def test_random_state_fixes_the_weights(binary):
    X, y = binary

    def fit(seed):
        return MLPClassifier(hidden_layer_sizes=(8,), max_iter=3, random_state=seed).fit(X, y)

    a, b, c = fit(0), fit(0), fit(1)
    for Wa, Wb, Wc in zip(a.coefs_, b.coefs_, c.coefs_):
        np.testing.assert_array_equal(Wa, Wb)
        assert not np.array_equal(Wa, Wc)
    # None draws a fresh seed each fit, like scikit-learn
    d, e = fit(None), fit(None)
    assert not np.array_equal(d.coefs_[0], e.coefs_[0])


@pytest.mark.parametrize("hidden", [(), (7,), (12, 5)])
@pytest.mark.parametrize("n_classes", [2, 4])
def test_coefs_shapes_match_sklearn(hidden, n_classes):
    X, y = make_classification(
        n_samples=60, n_features=5, n_informative=3, n_classes=n_classes, random_state=0
    )
    ours = MLPClassifier(hidden_layer_sizes=hidden, max_iter=1, random_state=0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = SkMLPClassifier(hidden_layer_sizes=hidden, max_iter=1, random_state=0).fit(X, y)
    assert [W.shape for W in ours.coefs_] == [W.shape for W in theirs.coefs_]
    assert [b.shape for b in ours.intercepts_] == [b.shape for b in theirs.intercepts_]
    assert ours.n_layers_ == theirs.n_layers_ and ours.n_outputs_ == theirs.n_outputs_
    assert ours.out_activation_ == theirs.out_activation_
    assert all(W.dtype == np.float64 for W in ours.coefs_ + ours.intercepts_)
    # float32 data trains in float32, as in scikit-learn
    small = MLPClassifier(hidden_layer_sizes=hidden, max_iter=1, random_state=0)
    small.fit(X.astype(np.float32), y)
    assert all(W.dtype == np.float32 for W in small.coefs_ + small.intercepts_)


def test_dtype_float64():
    X, y = make_classification(n_samples=40, random_state=0)
    clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, dtype="float64").fit(X, y)
    assert all(W.dtype == np.float64 for W in clf.coefs_ + clf.intercepts_)


# --------------------------------------------------------------------------- outputs


def test_probabilities(digits):
    X_tr, X_te, y_tr, _ = digits
    clf = MLPClassifier(hidden_layer_sizes=(20,), max_iter=5, random_state=0).fit(X_tr / 16, y_tr)
    P = clf.predict_proba(X_te / 16)
    assert P.shape == (len(X_te), 10)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(clf.predict_log_proba(X_te / 16), np.log(P), atol=1e-9)
    np.testing.assert_array_equal(clf.classes_[P.argmax(axis=1)], clf.predict(X_te / 16))
    # far outside the data: log-probabilities stay finite where probabilities underflow
    assert np.isfinite(clf.predict_log_proba(1e4 * X_te[:5])).all()


def test_binary_uses_one_sigmoid_output(binary):
    X, y = binary
    clf = MLPClassifier(
        hidden_layer_sizes=(8,), max_iter=10, random_state=0, learning_rate_init=0.01, batch_size=20
    ).fit(X, y)
    assert clf.n_outputs_ == 1 and clf.coefs_[-1].shape == (8, 1)
    assert clf.out_activation_ == "logistic"
    P = clf.predict_proba(X)
    assert P.shape == (len(X), 2)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[P.argmax(axis=1)])
    assert clf.score(X, y) > 0.8


def test_multilabel():
    X, Y = make_multilabel_classification(n_samples=200, n_features=8, n_classes=4, random_state=0)
    X = StandardScaler().fit_transform(X)
    clf = MLPClassifier(
        hidden_layer_sizes=(32,), max_iter=60, random_state=0, learning_rate_init=0.01
    ).fit(X, Y)
    assert clf.n_outputs_ == 4 and clf.out_activation_ == "logistic"
    pred = clf.predict(X)
    assert pred.shape == Y.shape and pred.dtype == Y.dtype
    assert set(np.unique(pred)) <= {0, 1}
    P = clf.predict_proba(X)
    assert P.shape == Y.shape and ((P >= 0) & (P <= 1)).all()
    assert np.mean(pred == Y) > 0.8


def test_string_labels(binary):
    X, y = binary
    names = np.array(["cat", "dog", "eel"])
    labels = names[(y + (X[:, 0] > 1)).astype(int)]
    clf = MLPClassifier(
        hidden_layer_sizes=(16,),
        max_iter=30,
        random_state=0,
        learning_rate_init=0.01,
        batch_size=20,
    ).fit(X, labels)
    assert list(clf.classes_) == ["cat", "dog", "eel"]
    assert set(clf.predict(X)) <= set(names)
    assert clf.score(X, labels) > 0.7


def test_early_stopping_records_validation_scores(binary):
    X, y = binary
    clf = MLPClassifier(
        hidden_layer_sizes=(16,),
        max_iter=200,
        early_stopping=True,
        n_iter_no_change=3,
        random_state=0,
    ).fit(X, y)
    assert clf.n_iter_ < 200
    assert len(clf.validation_scores_) == clf.n_iter_ == len(clf.loss_curve_)
    assert clf.best_loss_ is None and 0 <= clf.best_validation_score_ <= 1
    plain = MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, y)
    assert plain.validation_scores_ is None and plain.best_loss_ == min(plain.loss_curve_)


def test_clone_and_pipeline(binary):
    X, y = binary
    clf = MLPClassifier(
        hidden_layer_sizes=(8,),
        activation="leaky_relu:0.1",
        max_iter=5,
        random_state=0,
        learning_rate_init=0.01,
        batch_size=20,
    )
    copy = clone(clf)
    assert copy.get_params() == clf.get_params()
    pipe = make_pipeline(StandardScaler(), copy).fit(X, y)
    assert pipe.score(X, y) > 0.7
    assert not hasattr(clf, "coefs_")


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "params, error, words",
    [
        ({"activation": "rleu"}, UnknownNameError, ["activation", "'rleu'", "did you mean 'relu'"]),
        ({"learning_rate_init": -1}, ParameterError, ["learning_rate_init", "-1"]),
        ({"hidden_layer_sizes": (10, 0)}, ParameterError, ["hidden_layer_sizes", "(10, 0)"]),
        ({"hidden_layer_sizes": (10, 2.5)}, ParameterError, ["hidden_layer_sizes"]),
        ({"solver": "adma"}, UnknownNameError, ["solver", "adam"]),
        ({"learning_rate": "cosine"}, UnknownNameError, ["learning_rate", "invscaling"]),
        ({"alpha": -0.1}, ParameterError, ["alpha", "-0.1"]),
        ({"epsilon": 0.0}, ParameterError, ["epsilon"]),
        ({"beta_2": 1.0}, ParameterError, ["beta_2"]),
        ({"n_iter_no_change": 0}, ParameterError, ["n_iter_no_change"]),
        ({"max_fun": 0}, ParameterError, ["max_fun"]),
        ({"shuffle": "yes"}, ParameterError, ["shuffle"]),
        ({"momentum": 1.5}, ParameterError, ["momentum"]),
        ({"batch_size": 0}, ParameterError, ["batch_size"]),
        ({"max_iter": 0}, ParameterError, ["max_iter"]),
        ({"dtype": "int8"}, ParameterError, ["dtype", "float32"]),
        ({"init": "nope"}, UnknownNameError, ["init"]),
        ({"validation_fraction": 1.0}, ParameterError, ["validation_fraction"]),
    ],
)
@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_bad_parameters_name_themselves(cls, params, error, words):
    X = np.array([[0.0, 1.0], [1.0, np.nan]])  # parameters are checked before the data
    est = cls(**params)
    with pytest.raises(error) as info:
        est.fit(X, [0, 1])
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message
    assert not hasattr(est, "coefs_")


def test_nan_in_X_is_refused_before_training(binary):
    X, y = binary
    X = X.copy()
    X[3, 2] = np.nan
    clf = MLPClassifier(hidden_layer_sizes=(4,))
    with pytest.raises(ValueError, match="NaN"):
        clf.fit(X, y)
    assert not hasattr(clf, "coefs_")
    X[3, 2] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        MLPRegressor().fit(X, y)


def test_divergence_raises_and_leaves_the_model_as_it_was():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3)) * 100
    y = X @ np.array([3.0, -2.0, 1.0]) * 100
    reg = MLPRegressor(
        hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=1.0, max_iter=20, random_state=0
    )
    with pytest.raises(DivergenceError, match=r"diverged at epoch \d+.*learning_rate_init"):
        reg.fit(X, y)
    assert not hasattr(reg, "coefs_")
    reg.set_params(learning_rate_init=1e-6, solver="adam", max_iter=1).fit(X, y)
    before = [W.copy() for W in reg.coefs_]
    reg.set_params(warm_start=True, solver="sgd", learning_rate_init=1.0, max_iter=20)
    with pytest.raises(DivergenceError):
        reg.fit(X, y)
    for W, W0 in zip(reg.coefs_, before):
        np.testing.assert_array_equal(W, W0)


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_sklearn_weights_give_sklearns_probabilities(activation, n_classes):
    """coefs_ in scikit-learn's layout: sklearn's fitted weights, assigned here, predict alike."""
    X, y = make_classification(
        n_samples=80, n_features=5, n_informative=3, n_classes=n_classes, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = SkMLPClassifier(
            hidden_layer_sizes=(6, 4), activation=activation, max_iter=50, random_state=0
        ).fit(X, y)
    ours = MLPClassifier(
        hidden_layer_sizes=(6, 4), activation=activation, max_iter=1, random_state=0
    ).fit(X, y)
    ours.coefs_, ours.intercepts_ = sk.coefs_, sk.intercepts_
    np.testing.assert_allclose(ours.predict_proba(X), sk.predict_proba(X), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(ours.predict(X), sk.predict(X))


# --------------------------------------------------------------------------- saving


def test_save_and_load_through_the_network_format(binary, tmp_path):
    from actlab.errors import DataError
    from actlab.network import Network

    X, y = binary
    names = np.array(["cat", "dog", "eel"])
    labels = names[(y + (X[:, 0] > 1)).astype(int)]
    clf = MLPClassifier(
        hidden_layer_sizes=(9, 4),
        activation=["prelu", "tanh"],
        learning_rate_init=0.01,
        max_iter=20,
        random_state=0,
    ).fit(X, labels)
    path = clf.save(tmp_path / "clf")
    assert path.suffix == ".npz"
    back = MLPClassifier.load(path)
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(back.predict(X), clf.predict(X))
    assert back.get_params() == clf.get_params() and list(back.classes_) == list(names)
    assert back.loss_curve_ == clf.loss_curve_ and back.n_iter_ == clf.n_iter_
    np.testing.assert_array_equal(
        back.activation_params_[0]["alpha"], clf.activation_params_[0]["alpha"]
    )
    # the same file is an ordinary actlab network, loaded without pickle
    net = Network.load(path)
    np.testing.assert_allclose(net.predict_output(X)[0], clf.predict_proba(X), rtol=1e-12)
    with np.load(path, allow_pickle=False) as z:
        assert "dense0.W" in z.files
    # and the loaded estimator trains on from its weights
    back.set_params(warm_start=True, max_iter=2).fit(X, labels)
    assert len(back.loss_curve_) == len(clf.loss_curve_) + 2
    with pytest.raises(DataError, match="not a saved MLPRegressor"):
        MLPRegressor.load(path)

    reg = MLPRegressor(hidden_layer_sizes=(5,), max_iter=5, random_state=np.random.RandomState(0))
    reg.fit(X, X[:, 0] * 2)
    again = MLPRegressor.load(reg.save(tmp_path / "reg.npz"))
    np.testing.assert_array_equal(again.predict(X), reg.predict(X))
    assert again.random_state is None  # a RandomState is not saved
