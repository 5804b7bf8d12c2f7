"""scikit-learn estimators backed by actlab's Network (one replica) and Trainer.

``MLPClassifier`` and ``MLPRegressor`` follow scikit-learn's own MLP conventions where they
apply: ``coefs_`` / ``intercepts_`` (lists of (fan_in, fan_out) and (fan_out,) arrays in the
estimator's ``dtype``), ``loss_curve_``, ``n_iter_``, ``classes_``, ``n_layers_``,
``n_outputs_``, ``out_activation_``, ``best_loss_`` / ``validation_scores_``, ``warm_start`` and
``partial_fit``. What actlab adds: any registered activation (``"leaky_relu:0.1"``, ``"prelu"``,
``"maxout:3"``, ...), actlab's initializers and optimizers, and ``activation_params_``, the
learnable activation parameters (PReLU slopes, ...), so a warm start keeps them.

``coefs_``, ``intercepts_`` and ``activation_params_`` are the model: predictions and a warm
start read them, so weights assigned by hand are used as they are.

Divergence: if the training loss or the weights become NaN or inf, ``fit`` / ``partial_fit``
raise ``DivergenceError`` (a RuntimeError) naming the epoch and what to try. The estimator is
left as it was before the call (fitted attributes unchanged), so nothing silently predicts NaN.
scikit-learn's model selection tools (``cross_val_score``, ``GridSearchCV``) record such a fit
as failed (``error_score``) and go on.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from .activations import get_activation
from .errors import (
    DivergenceError,
    ParameterError,
    UnknownNameError,
    check_flag,
    check_float_dtype,
    check_int,
    is_int,
)
from .initializers import parse_init
from .losses import log_softmax, sigmoid, softmax, softplus
from .network import Network
from .optimizers import get_optimizer
from .training import Trainer

__all__ = ["DivergenceError", "MLPClassifier", "MLPRegressor"]

_OPTIMIZERS = ("gd", "sgd", "nesterov", "adam")
_OUT_ACTIVATION = {"softmax": "softmax", "sigmoid": "logistic", "identity": "identity"}


# --------------------------------------------------------------------------- parameter checks


def _hidden_sizes(value) -> list[int]:
    allowed = "a positive integer or a tuple of positive integers, e.g. (100,) or (100, 100)"
    if is_int(value):
        sizes = [value]
    else:
        try:
            sizes = list(value)
        except TypeError:
            raise ParameterError("hidden_layer_sizes", value, allowed) from None
    if isinstance(value, str) or not all(is_int(h) and h > 0 for h in sizes):
        raise ParameterError("hidden_layer_sizes", value, allowed)
    return [int(h) for h in sizes]


def _check_activation(spec, n_hidden):
    specs = list(spec) if isinstance(spec, (list, tuple)) else [spec]
    if isinstance(spec, (list, tuple)) and len(specs) != n_hidden:
        raise ParameterError("activation", spec,
                             f"one activation or a list of {n_hidden} (one per hidden layer)")
    for s in specs:
        get_activation(s)  # UnknownNameError / ParameterError naming "activation"
    return spec




def _seed(random_state) -> int:
    """An int seed: the int itself, or one drawn from a RandomState / Generator / np.random."""
    if random_state is None:
        return int(np.random.randint(np.iinfo(np.int32).max))
    if is_int(random_state):
        if random_state < 0:
            raise ParameterError("random_state", random_state, "None, an integer >= 0 or a RandomState")
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(np.iinfo(np.int32).max))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(np.iinfo(np.int32).max))
    raise ParameterError("random_state", random_state, "None, an integer >= 0 or a RandomState")


class _EpochCallback:
    """Reads the network after every epoch: validation score and the verbose line."""

    def __init__(self, estimator, X_val, y_val, first_epoch):
        self.estimator = estimator
        self.X_val, self.y_val = X_val, y_val
        self.first_epoch = first_epoch
        self.scores: list[float] = []

    def on_epoch_end(self, trainer, network, epoch, history):
        line = f"Iteration {self.first_epoch + epoch + 1}, loss = {history['train_loss'][0, epoch]:.8f}"
        if self.X_val is not None:
            logits = network.logits(self.X_val)[0]
            score = float(self.estimator._score_logits(logits, self.y_val))
            self.scores.append(score)
            line += f", validation score = {score:.6f}"
        if self.estimator.verbose:
            print(line)


# --------------------------------------------------------------------------- the shared base


class _BaseMLP(BaseEstimator):
    """What MLPClassifier and MLPRegressor share: parameters, training, warm start, forward."""

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, init="auto",
                 optimizer="sgd", learning_rate_init=0.01, momentum=0.9, batch_size=32,
                 max_iter=50, random_state=None, dtype="float32", warm_start=False,
                 early_stopping=False, validation_fraction=0.1, n_iter_no_change=10,
                 verbose=False):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.init = init
        self.optimizer = optimizer
        self.learning_rate_init = learning_rate_init
        self.momentum = momentum
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.random_state = random_state
        self.dtype = dtype
        self.warm_start = warm_start
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.verbose = verbose

    # --- checks ---------------------------------------------------------------------------
    def _check_params(self) -> dict:
        """Every parameter, checked before any data is looked at (actlab's one-line errors)."""
        hidden = _hidden_sizes(self.hidden_layer_sizes)
        _check_activation(self.activation, len(hidden))
        parse_init(self.init)
        if not isinstance(self.optimizer, str) or self.optimizer not in _OPTIMIZERS:
            raise UnknownNameError("optimizer", self.optimizer, _OPTIMIZERS)
        lr = self.learning_rate_init
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not (math.isfinite(lr) and lr > 0):
            raise ParameterError("learning_rate_init", lr, "a finite number > 0")
        mu = self.momentum
        if isinstance(mu, bool) or not isinstance(mu, numbers.Real) or not (0 <= mu < 1):
            raise ParameterError("momentum", mu, "a number in [0, 1)")
        if self.optimizer == "nesterov" and mu == 0:
            raise ParameterError("momentum", mu, "a number in (0, 1) with optimizer='nesterov'")
        if not (isinstance(self.batch_size, str) and self.batch_size == "auto"):
            check_int("batch_size", self.batch_size)
        check_int("max_iter", self.max_iter)
        check_int("n_iter_no_change", self.n_iter_no_change)
        vf = self.validation_fraction
        if isinstance(vf, bool) or not isinstance(vf, numbers.Real) or not (0 < vf < 1):
            raise ParameterError("validation_fraction", vf, "a number in (0, 1)")
        for name in ("warm_start", "early_stopping", "verbose"):
            check_flag(name, getattr(self, name))
        dtype = check_float_dtype(self.dtype)
        seed = _seed(self.random_state)
        return {"hidden": hidden, "dtype": dtype, "seed": seed}

    # --- training -------------------------------------------------------------------------
    def _fit(self, X, y, incremental, classes=None):
        cfg = self._check_params()
        continuing = hasattr(self, "coefs_") and (incremental or self.warm_start)
        reset = not continuing or not hasattr(self, "n_features_in_")
        X, y = validate_data(self, X, y, reset=reset, dtype=cfg["dtype"], multi_output=True,
                             y_numeric=not self._is_classifier, order="C")
        y_enc, head, fitted = self._prepare_targets(y, incremental, continuing, classes)
        n_features = X.shape[1]
        if y_enc.ndim == 2:
            n_outputs = y_enc.shape[1]
        else:
            n_outputs = len(fitted["classes_"]) if head == "softmax" else 1
        hidden = cfg["hidden"]
        net = Network(n_features, hidden, n_outputs, activation=self.activation, output=head,
                      init=self.init, seeds=[cfg["seed"]], dtype=cfg["dtype"])
        if continuing:
            self._load_into(net)
            if getattr(self, "_shuffle_rng", None) is not None:
                net.shuffle_rngs = [self._shuffle_rng]

        optimizer = getattr(self, "_optimizer", None) if incremental else None
        if optimizer is None or getattr(self, "_optimizer_name", None) != self.optimizer:
            optimizer = get_optimizer(self.optimizer, lr=self.learning_rate_init,
                                      momentum=self.momentum)  # dropped for gd and adam
        else:  # partial_fit continues the optimizer's state; set_params may have changed these
            optimizer.lr = self.learning_rate_init
            if optimizer.takes_momentum:
                optimizer.momentum = self.momentum

        early = bool(self.early_stopping) and not incremental
        X_val = y_val = None
        if early:
            X, X_val, y_enc, y_val = self._split(X, y_enc, cfg["seed"])
        batch = min(200, X.shape[0]) if isinstance(self.batch_size, str) else self.batch_size
        epochs = 1 if incremental else self.max_iter
        first_epoch = getattr(self, "n_iter_", 0) if continuing else 0
        callback = _EpochCallback(self, X_val, y_val, first_epoch)
        trainer = Trainer(optimizer=optimizer, epochs=epochs, batch_size=batch,
                          early_stopping=early, patience=self.n_iter_no_change,
                          callbacks=[callback])
        hist = trainer.fit(net, X, y_enc, X_val, y_val)

        if hist.status[0] == "diverged":
            self._optimizer = None
            raise DivergenceError(
                f"{type(self).__name__} diverged at epoch {first_epoch + hist.diverged_epoch[0]}: "
                f"the training loss or the weights became NaN or inf (optimizer={self.optimizer!r}, "
                f"learning_rate_init={self.learning_rate_init!r}); try a smaller "
                f"learning_rate_init, optimizer='adam', or standardized X (StandardScaler)")

        # --- success: publish the fitted attributes --------------------------------------
        for key, value in fitted.items():
            setattr(self, key, value)
        self.coefs_ = [d.W[0].copy() for d in net.dense]
        self.intercepts_ = [d.b[0, 0].copy() for d in net.dense]
        self.activation_params_ = [{k: v[0].copy() for k, v in act.params.items()}
                                   for act in net.activations]
        self._fit_activation = self.activation
        self._fit_dtype = cfg["dtype"]
        self._shuffle_rng = net.shuffle_rngs[0]
        self._optimizer = optimizer
        self._optimizer_name = self.optimizer
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(hidden) + 2
        self.out_activation_ = _OUT_ACTIVATION[head]
        losses = [float(v) for v in hist["train_loss"][0, :hist.epochs]]
        self.loss_curve_ = (list(getattr(self, "loss_curve_", [])) if continuing else []) + losses
        self.n_iter_ = first_epoch + hist.epochs
        self.t_ = (getattr(self, "t_", 0) if continuing else 0) + X.shape[0] * hist.epochs
        if early:
            old = getattr(self, "validation_scores_", None) if continuing else None
            self.validation_scores_ = list(old or []) + callback.scores
            best = hist.best_epoch[0]
            self.best_validation_score_ = callback.scores[best - 1] if best else None
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = min(self.loss_curve_)
        return self

    def _split(self, X, y_enc, seed):
        stratify = y_enc if (self._is_classifier and y_enc.ndim == 1) else None
        try:
            return train_test_split(X, y_enc, test_size=self.validation_fraction,
                                    random_state=seed % 2**32, stratify=stratify)
        except ValueError:
            if stratify is None:
                raise
            return train_test_split(X, y_enc, test_size=self.validation_fraction,
                                    random_state=seed % 2**32)

    def _load_into(self, net):
        """Copy coefs_, intercepts_ (and activation_params_) into ``net``'s single replica."""
        want_W = [tuple(d.W.shape[1:]) for d in net.dense]
        got_W = [tuple(np.shape(W)) for W in self.coefs_]
        want_b = [(d.b.shape[2],) for d in net.dense]
        got_b = [tuple(np.shape(b)) for b in getattr(self, "intercepts_", [])]
        if got_W != want_W:
            raise ParameterError("coefs_", f"shapes {got_W}",
                                 f"shapes {want_W} (from hidden_layer_sizes, the features and outputs)")
        if got_b != want_b:
            raise ParameterError("intercepts_", f"shapes {got_b}", f"shapes {want_b}")
        for d, W, b in zip(net.dense, self.coefs_, self.intercepts_):
            d.params["W"][0] = W
            d.params["b"][0, 0] = b
        saved = getattr(self, "activation_params_", None) or []
        if len(saved) == len(net.activations):
            for act, values in zip(net.activations, saved):
                for key, value in values.items():
                    if key in act.params and act.params[key][0].shape == np.shape(value):
                        act.params[key][0] = value

    # --- prediction -----------------------------------------------------------------------
    def _logits(self, X):
        """Logits (n, n_outputs), computed in float64 from the fitted weights."""
        check_is_fitted(self, "coefs_")
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        hidden = [W.shape[0] for W in self.coefs_[1:]]
        net = Network(self.coefs_[0].shape[0], hidden, self.coefs_[-1].shape[1],
                      activation=getattr(self, "_fit_activation", self.activation),
                      output="identity", init="auto", seeds=[0], dtype=np.float64)
        self._load_into(net)
        with np.errstate(over="ignore", invalid="ignore"):
            return net.logits(X.astype(np.float64, copy=False))[0]


# --------------------------------------------------------------------------- the classifier


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """A multi-layer perceptron classifier on actlab's hand-written network.

    Binary targets use one sigmoid output (as scikit-learn does), multi-class targets a softmax
    output, a 2-D 0/1 indicator matrix (multi-label) one sigmoid output per label. Labels may be
    any sortable values (strings too); ``classes_`` maps output columns back to them.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default (100,)
        Width of each hidden layer; ``()`` is a model without hidden layers.
    activation : str, default "relu"
        Any registered actlab activation name or spec ("relu", "tanh", "logistic" (= sigmoid),
        "leaky_relu:0.1", "prelu", "elu", "selu", "swish", "maxout:2", ...), or a list with one
        entry per hidden layer.
    init : str, default "auto"
        An actlab initializer ("auto" picks He / LeCun / Xavier from the activation's family).
    optimizer : {"gd", "sgd", "nesterov", "adam"}, default "sgd"
        "gd" trains on the full batch every step.
    learning_rate_init : float, default 0.01
    momentum : float in [0, 1), default 0.9
        For "sgd" and "nesterov".
    batch_size : int or "auto", default 32
        "auto" is min(200, n_samples), as in scikit-learn.
    max_iter : int, default 50
        Epochs (passes over the training data) per ``fit``.
    random_state : None, int or RandomState
        An int gives identical fits; None draws a fresh seed each fit.
    dtype : "float32" or "float64", default "float32"
        The precision of training and of ``coefs_`` / ``intercepts_`` (predictions are computed
        in float64 from them).
    warm_start : bool, default False
        ``fit`` continues from the current ``coefs_``, ``intercepts_`` and
        ``activation_params_`` (also ones assigned by hand) instead of drawing new weights.
    early_stopping : bool, default False
        Hold out ``validation_fraction`` of the data (stratified) and stop when the validation
        loss has not improved for ``n_iter_no_change`` epochs; the best weights are restored.
    validation_fraction : float in (0, 1), default 0.1
    n_iter_no_change : int, default 10
    verbose : bool, default False
        Print the loss after every epoch.

    Attributes
    ----------
    classes_, coefs_, intercepts_, activation_params_, loss_curve_, n_iter_, t_, best_loss_,
    validation_scores_, best_validation_score_, n_features_in_, feature_names_in_, n_layers_,
    n_outputs_, out_activation_ ("softmax", "logistic").

    ``fit`` raises ``DivergenceError`` if training produces NaN or inf.
    """

    _is_classifier = True

    def fit(self, X, y):
        """Train for ``max_iter`` epochs (from fresh weights unless ``warm_start``)."""
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X, y, classes=None):
        """One epoch over (X, y), continuing the weights and the optimizer state.

        ``classes`` (all labels that will ever appear) is required on the first call, as in
        scikit-learn, unless y is a multi-label indicator matrix.
        """
        return self._fit(X, y, incremental=True, classes=classes)

    def _prepare_targets(self, y, incremental, continuing, classes):
        if sp.issparse(y):
            y = y.toarray()
        check_classification_targets(y)
        multilabel = type_of_target(y) == "multilabel-indicator"
        if multilabel:
            y = np.asarray(y)
            labels = np.arange(y.shape[1])
        else:
            y = column_or_1d(y, warn=True)
            labels = unique_labels(y)
        known = getattr(self, "classes_", None) if continuing else None
        if known is not None and multilabel != getattr(self, "_multilabel", multilabel):
            raise ValueError("y: got a " + ("multi-label" if multilabel else "single-label")
                             + " target, but the model was trained on the other kind")
        if incremental and known is None and not multilabel:
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit "
                                 "(all labels that will appear), e.g. classes=np.unique(y)")
            known = unique_labels(classes)
        elif (incremental and known is not None and classes is not None and not multilabel
              and not np.array_equal(unique_labels(classes), known)):
            raise ValueError(f"classes: got {list(unique_labels(classes))}, but the first "
                             f"call to partial_fit used {list(known)}")
        if known is not None and not multilabel:
            unseen = np.setdiff1d(labels, known)
            if unseen.size:
                raise ValueError(f"y contains labels {list(unseen)} not in classes_ {list(known)} "
                                 "(continuing training cannot add classes)")
            labels = np.asarray(known)
        if multilabel:
            if known is not None and len(known) != len(labels):
                raise ValueError(f"y has {len(labels)} labels, but the model was trained on {len(known)}")
            return (y.astype(np.float64), "sigmoid",
                    {"classes_": labels, "_multilabel": True, "_label_dtype": y.dtype})
        if len(labels) < 2:
            raise ValueError(f"y contains only one class ({labels[0]!r}); a classifier needs at "
                             "least 2 classes")
        fitted = {"classes_": labels, "_multilabel": False, "_label_dtype": None}
        if len(labels) == 2:
            return (y == labels[1]).astype(np.float64), "sigmoid", fitted
        return np.searchsorted(labels, y).astype(np.int64), "softmax", fitted

    def _score_logits(self, logits, y_enc):
        """Accuracy (exact match for multi-label) of logits against encoded targets."""
        if logits.shape[1] == 1 or y_enc.ndim == 2:  # sigmoid head: binary or multi-label
            y2 = y_enc.reshape(len(y_enc), -1)
            return float(np.mean(np.all((logits > 0) == (y2 > 0.5), axis=1)))
        return float(np.mean(np.argmax(logits, axis=1) == y_enc))

    def predict(self, X):
        """Class labels (n,), or a 0/1 indicator matrix (n, n_labels) for multi-label targets."""
        z = self._logits(X)
        if self._multilabel:
            return (z > 0).astype(self._label_dtype)
        if len(self.classes_) == 2:
            return self.classes_[(z[:, 0] > 0).astype(np.intp)]
        return self.classes_[np.argmax(z, axis=1)]

    def predict_proba(self, X):
        """Probabilities (n, n_classes); for multi-label, P(label k) per column."""
        z = self._logits(X)
        if self._multilabel:
            return sigmoid(z)
        if len(self.classes_) == 2:
            return np.hstack([sigmoid(-z), sigmoid(z)])
        return softmax(z)

    def predict_log_proba(self, X):
        """log predict_proba, computed from the logits without forming tiny probabilities."""
        z = self._logits(X)
        if self._multilabel:
            return -softplus(-z)
        if len(self.classes_) == 2:
            return np.hstack([-softplus(z), -softplus(-z)])
        return log_softmax(z)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


# --------------------------------------------------------------------------- the regressor


class MLPRegressor(RegressorMixin, _BaseMLP):
    """A multi-layer perceptron regressor on actlab's hand-written network: identity output,
    squared error (halved, as in scikit-learn). y may be 1-D or 2-D (several targets);
    ``predict`` returns the same number of dimensions as the y given to ``fit``.

    Parameters and attributes: as ``MLPClassifier`` (``out_activation_`` is "identity",
    ``validation_scores_`` are R^2 scores), except that ``optimizer`` defaults to "adam" (as
    scikit-learn's solver does): squared error on unscaled targets (values in the hundreds)
    makes SGD with momentum diverge at learning_rate_init=0.01, Adam's step does not grow with
    the gradient. ``fit`` raises ``DivergenceError`` if training produces NaN or inf.
    """

    _is_classifier = False

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, init="auto",
                 optimizer="adam", learning_rate_init=0.01, momentum=0.9, batch_size=32,
                 max_iter=50, random_state=None, dtype="float32", warm_start=False,
                 early_stopping=False, validation_fraction=0.1, n_iter_no_change=10,
                 verbose=False):
        super().__init__(
            hidden_layer_sizes, activation, init=init, optimizer=optimizer,
            learning_rate_init=learning_rate_init, momentum=momentum, batch_size=batch_size,
            max_iter=max_iter, random_state=random_state, dtype=dtype, warm_start=warm_start,
            early_stopping=early_stopping, validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change, verbose=verbose)

    def fit(self, X, y):
        """Train for ``max_iter`` epochs (from fresh weights unless ``warm_start``)."""
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X, y):
        """One epoch over (X, y), continuing the weights and the optimizer state."""
        return self._fit(X, y, incremental=True)

    def _prepare_targets(self, y, incremental, continuing, classes):
        y = np.asarray(y, dtype=np.float64)
        if y.ndim not in (1, 2):
            raise ValueError(f"y: expected a 1-D or 2-D array; got shape {y.shape}")
        return y, "identity", {"_y_ndim": y.ndim}

    def _score_logits(self, logits, y_enc):
        return r2_score(y_enc, logits.reshape(y_enc.shape))

    def predict(self, X):
        """Predictions (n,) for a 1-D y at fit, else (n, n_outputs); float64."""
        z = self._logits(X)
        return z[:, 0] if self._y_ndim == 1 else z

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
