"""scikit-learn's MLPClassifier / MLPRegressor, as drop-ins, on actlab's Network and Trainer.

Every parameter of ``sklearn.neural_network.MLPClassifier`` / ``MLPRegressor`` is accepted with
the same name, meaning and default (scikit-learn 1.9): ``solver`` "adam" / "sgd" / "lbfgs",
``alpha`` (L2 on the weights, scaled by the minibatch size), ``batch_size="auto"``,
``learning_rate`` "constant" / "invscaling" / "adaptive" with ``power_t``, ``tol`` and
``n_iter_no_change`` (the same stopping rule), ``momentum`` / ``nesterovs_momentum``,
``beta_1`` / ``beta_2`` / ``epsilon``, ``early_stopping`` / ``validation_fraction``,
``max_fun``, ``shuffle``, ``random_state``, ``warm_start``, ``verbose``. The random stream is
scikit-learn's too: with ``init="sklearn"`` (the default) the weights are drawn as scikit-learn
draws them (Glorot uniform, biases too) from ``check_random_state(random_state)``, minibatches
are shuffled and the early-stopping split is made from the same RandomState, so a fit with an
integer ``random_state`` follows scikit-learn's fit with the same parameters (up to rounding).
``lbfgs`` calls ``scipy.optimize.minimize(method="L-BFGS-B")`` with scikit-learn's options.
``ConvergenceWarning`` is emitted where scikit-learn emits it.

What actlab adds: any registered activation (``"leaky_relu:0.1"``, ``"prelu"``, ``"swish"``,
``"maxout:3"``, ...) or a list with one per hidden layer; ``init`` (any actlab initializer, whose
biases start at zero); ``dtype`` (None: float32 data stays float32, anything else float64, as
scikit-learn does); ``weight_decay`` (decoupled, AdamW's form); ``activation_params_``, the
learnable activation parameters (PReLU slopes, ...), so a warm start keeps them. The training
itself is actlab's: the L2 term, the schedules and the stopping rule live in the core
(actlab.optimizers.WeightPenalty, actlab.schedules), shared with the CLI.

``coefs_``, ``intercepts_`` and ``activation_params_`` are the model: predictions and a warm
start read them, so weights assigned by hand are used as they are.

Divergence: if the training loss becomes NaN or inf, ``fit`` / ``partial_fit`` raise
``DivergenceError`` (a RuntimeError) naming the epoch and what to try, and leave the estimator as
it was (scikit-learn trains on and raises ValueError at the end). Sparse X is accepted and
densified (the network computes on dense arrays). ``sample_weight`` weighs each sample's loss
(and scales the L2 term by the weights' sum) as scikit-learn does.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np
import scipy.optimize
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.fixes import _get_additional_lbfgs_options_dict
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.optimize import _check_optimize_result
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from .activations import get_activation
from .errors import (
    DivergenceError,
    ParameterError,
    check_choice,
    check_flag,
    check_float_dtype,
    check_int,
    is_int,
)
from .initializers import parse_init
from .losses import log_softmax, sigmoid, softmax, softplus
from .network import Network
from .optimizers import SGD, Adam, WeightPenalty
from .schedules import Plateau, decay_on_plateau, invscaling
from .training import Trainer, _as_target, weighted_loss_and_grad

__all__ = ["DivergenceError", "MLPClassifier", "MLPRegressor"]

_SOLVERS = ("lbfgs", "sgd", "adam")
_SCHEDULES = ("constant", "invscaling", "adaptive")
_OUT_ACTIVATION = {
    "softmax": "softmax",
    "sigmoid": "logistic",
    "identity": "identity",
    "exp": "exp",
}


# --------------------------------------------------------------------------- parameter checks


def _real(name, value, low, high=math.inf, low_open=False, high_open=False):
    """A real number in the interval; the message writes the interval as scikit-learn's docs do."""
    ok = (
        not isinstance(value, (bool, np.bool_))
        and isinstance(value, numbers.Real)
        and not math.isnan(value)
        and (value > low if low_open else value >= low)
        and (value < high if high_open else value <= high)
    )
    if not ok:
        lo, hi = "(" if low_open else "[", ")" if high_open or high == math.inf else "]"
        top = "inf" if high == math.inf else high
        raise ParameterError(name, value, f"a number in {lo}{low}, {top}{hi}")
    return float(value)


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
        raise ParameterError(
            "activation", spec, f"one activation or a list of {n_hidden} (one per hidden layer)"
        )
    return [get_activation(s) for s in specs]  # UnknownNameError / ParameterError naming it


class _SklearnOrder:
    """The minibatch order of scikit-learn's MLP: each epoch shuffles the previous epoch's order
    again (``sklearn.utils.shuffle(sample_idx, random_state)``), from the estimator's RandomState.
    Stands in for a replica's shuffle Generator in the Trainer (it asks for ``permutation(n)``)."""

    def __init__(self, random_state, n):
        self.random_state = random_state
        self.order = np.arange(n)

    def permutation(self, n):
        self.order = self.order[self.random_state.permutation(n)]
        return self.order


_HEADS = {out: head for head, out in _OUT_ACTIVATION.items()}
# fitted attributes a saved estimator keeps (besides its arrays and classes_)
_SAVED = (
    "n_features_in_",
    "feature_names_in_",
    "classes_",
    "n_iter_",
    "n_layers_",
    "n_outputs_",
    "out_activation_",
    "loss_",
    "t_",
    "loss_curve_",
    "best_loss_",
    "validation_scores_",
    "best_validation_score_",
    "_no_improvement_count",
    "_multilabel",
    "_y_ndim",
)


def _to_json(name, value):
    """A parameter or fitted attribute as JSON (lists for arrays and tuples, None for non-finite
    numbers); anything else cannot be saved without pickle and is refused."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_to_json(name, v) for v in value]
    if isinstance(value, (np.generic,)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ParameterError(
        name,
        value,
        "numbers, strings or lists of them, to be saved without "
        "pickle (pickle the estimator instead)",
    )


# --------------------------------------------------------------------------- the shared base


class _BaseMLP(BaseEstimator):
    """What MLPClassifier and MLPRegressor share: parameters, the solvers, warm start, forward."""

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        init="sklearn",
        dtype=None,
        weight_decay=0.0,
        compiled=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.init = init
        self.dtype = dtype
        self.weight_decay = weight_decay
        self.compiled = compiled

    # --- checks ---------------------------------------------------------------------------
    def _check_params(self) -> dict:
        """Every parameter, checked before any data is looked at (actlab's one-line errors)."""
        hidden = _hidden_sizes(self.hidden_layer_sizes)
        acts = _check_activation(self.activation, len(hidden))
        if self.init != "sklearn":
            parse_init(self.init)
        check_choice("solver", self.solver, _SOLVERS)
        _real("alpha", self.alpha, 0)
        if not (isinstance(self.batch_size, str) and self.batch_size == "auto") and (
            not is_int(self.batch_size) or self.batch_size < 1
        ):
            raise ParameterError("batch_size", self.batch_size, "'auto' or an integer >= 1")
        check_choice("learning_rate", self.learning_rate, _SCHEDULES)
        _real("learning_rate_init", self.learning_rate_init, 0, low_open=True)
        _real("power_t", self.power_t, 0)
        check_int("max_iter", self.max_iter)
        check_flag("shuffle", self.shuffle)
        _real("tol", self.tol, 0)
        if not isinstance(self.verbose, (bool, np.bool_, numbers.Integral)):
            raise ParameterError("verbose", self.verbose, "True, False or an integer")
        check_flag("warm_start", self.warm_start)
        _real("momentum", self.momentum, 0, 1, high_open=True)
        check_flag("nesterovs_momentum", self.nesterovs_momentum)
        check_flag("early_stopping", self.early_stopping)
        _real("validation_fraction", self.validation_fraction, 0, 1, high_open=True)
        _real("beta_1", self.beta_1, 0, 1, high_open=True)
        _real("beta_2", self.beta_2, 0, 1, high_open=True)
        _real("epsilon", self.epsilon, 0, low_open=True)
        if self.n_iter_no_change != np.inf:
            check_int("n_iter_no_change", self.n_iter_no_change)
        check_int("max_fun", self.max_fun)
        dtype = None if self.dtype is None else check_float_dtype(self.dtype)
        _real("weight_decay", self.weight_decay, 0)
        check_random_state(self.random_state)
        self._check_loss()
        logistic = (len(acts) > 0 and all(a.name == "sigmoid" for a in acts)) or (
            self.activation in ("logistic", "sigmoid")
        )
        return {"hidden": hidden, "dtype": dtype, "glorot_factor": 2.0 if logistic else 6.0}

    def _check_loss(self):
        pass

    # --- fit ------------------------------------------------------------------------------
    def _fit(self, X, y, incremental, classes=None, sample_weight=None):
        cfg = self._check_params()
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        dtype = (np.float64, np.float32) if cfg["dtype"] is None else cfg["dtype"]
        X, y = validate_data(
            self,
            X,
            y,
            reset=first_pass,
            accept_sparse=["csr", "csc"],
            dtype=dtype,
            multi_output=True,
            y_numeric=not self._is_classifier,
            order="C",
        )
        X = X.toarray() if sp.issparse(X) else X  # the network computes on dense arrays
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        dtype = X.dtype
        y_enc, head, fitted, y_split = self._prepare_targets(
            y, incremental, not first_pass, classes
        )
        n_outputs = (
            y_enc.shape[1]
            if y_enc.ndim == 2
            else len(fitted["classes_"])
            if head == "softmax"
            else 1
        )
        rs = check_random_state(self.random_state)
        draw = first_pass and self.init != "sklearn"  # actlab's initializers take an int seed
        net = Network(
            X.shape[1],
            cfg["hidden"],
            n_outputs,
            activation=self.activation,
            output=head,
            init="auto" if self.init == "sklearn" else self.init,
            seeds=[rs.randint(np.iinfo(np.int32).max) if draw else 0],
            dtype=dtype,
        )
        state = self._start_state(first_pass)
        if first_pass:
            if self.init == "sklearn":  # scikit-learn's _init_coef, from the same RandomState
                for d in net.dense:
                    bound = np.sqrt(cfg["glorot_factor"] / (d.fan_in + d.fan_out))
                    d.params["W"][0] = rs.uniform(-bound, bound, (d.fan_in, d.fan_out))
                    d.params["b"][0, 0] = rs.uniform(-bound, bound, d.fan_out)
        else:
            self._load_into(net)
        if self.solver == "lbfgs":
            self._fit_lbfgs(net, X, y_enc, state, sample_weight)
        else:
            self._fit_stochastic(net, X, y_enc, y_split, incremental, rs, state, sample_weight)
        self._publish(net, fitted, head, cfg["hidden"], n_outputs, state)
        return self

    def _start_state(self, first_pass) -> dict:
        """The training state scikit-learn keeps across warm starts (reset on a first pass)."""
        keep = not first_pass
        stochastic = self.solver != "lbfgs"
        state = {"t_": getattr(self, "t_", 0) if keep else 0, "n_iter_": 0, "loss_": None}
        if stochastic:
            fresh = not keep or not hasattr(self, "loss_curve_")
            state["loss_curve_"] = [] if fresh else list(self.loss_curve_)
            state["_no_improvement_count"] = 0 if fresh else self._no_improvement_count
            if fresh:
                state["validation_scores_"] = [] if self.early_stopping else None
                state["best_validation_score_"] = -np.inf if self.early_stopping else None
                state["best_loss_"] = None if self.early_stopping else np.inf
            else:
                state["validation_scores_"] = (
                    None if self.validation_scores_ is None else list(self.validation_scores_)
                )
                state["best_validation_score_"] = self.best_validation_score_
                state["best_loss_"] = self.best_loss_
        return state

    def _optimizer_for(self, incremental):
        """scikit-learn makes a new optimizer on every fit; partial_fit keeps the last one."""
        old = getattr(self, "_optimizer", None)
        same_solver = getattr(self, "_optimizer_solver", None) == self.solver
        if incremental and old is not None and same_solver:
            return old
        if self.solver == "sgd":
            return SGD(
                lr=float(self.learning_rate_init),
                momentum=self.momentum,
                nesterov=self.nesterovs_momentum and self.momentum > 0,
            )
        return Adam(
            lr=float(self.learning_rate_init),
            beta1=self.beta_1,
            beta2=self.beta_2,
            eps=self.epsilon,
            eps_hat=True,
        )

    def _fit_stochastic(self, net, X, y_enc, y_split, incremental, rs, state, weights):
        optimizer = self._optimizer_for(incremental)
        X_val = y_val = w_val = None
        if self.early_stopping:  # scikit-learn's split: same RandomState, same stratification
            rows = np.arange(X.shape[0])
            train, val = train_test_split(
                rows, random_state=rs, test_size=self.validation_fraction, stratify=y_split
            )
            if len(val) < 2:
                raise ValueError(
                    "The validation set is too small. Increase "
                    "'validation_fraction' or the size of your dataset."
                )
            X, X_val, y_enc, y_val = X[train], X[val], y_enc[train], y_enc[val]
            if weights is not None:
                weights, w_val = weights[train], weights[val]
        n = X.shape[0]
        if self.batch_size == "auto":
            batch = min(200, n)
        else:
            if self.batch_size > n:
                warnings.warn(
                    "Got `batch_size` less than 1 or larger than sample size. It is "
                    "going to be clipped",
                    stacklevel=3,
                )
            batch = int(np.clip(self.batch_size, 1, n))
        if self.shuffle:
            net.shuffle_rngs = [_SklearnOrder(rs, n)]
        trainer = Trainer(
            optimizer=optimizer,
            epochs=1,
            batch_size=batch,
            shuffle=self.shuffle,
            l2=float(self.alpha),
            weight_decay=float(self.weight_decay),
            compiled=self.compiled,
        )
        maximize = self.early_stopping
        plateau = Plateau(1, self.tol, self.n_iter_no_change, maximize=maximize)
        best = state["best_validation_score_"] if maximize else state["best_loss_"]
        plateau.best[0] = best
        plateau.count[0] = state["_no_improvement_count"]
        best_params = net.flat_params.copy()
        y_target = _as_target(y_enc, net)
        for _ in range(self.max_iter):
            hist = trainer.fit(net, X, y_target, sample_weight=weights)
            if hist.status[0] == "diverged":
                raise DivergenceError(
                    f"{type(self).__name__} diverged at epoch {state['n_iter_'] + 1}: the training "
                    f"loss became NaN or inf (solver={self.solver!r}, learning_rate_init="
                    f"{self.learning_rate_init!r}); try a smaller learning_rate_init, "
                    f"solver='adam', or standardized X (StandardScaler)"
                )
            state["n_iter_"] += 1
            state["loss_"] = float(hist["train_loss"][0, 0])
            state["t_"] += n
            state["loss_curve_"].append(state["loss_"])
            if self.verbose:
                print(f"Iteration {state['n_iter_']}, loss = {state['loss_']:.8f}")
            if maximize:
                score = self._validation_score(net, X_val, y_val, w_val)
                state["validation_scores_"].append(score)
                if self.verbose:
                    print(f"Validation score: {score:f}")
                plateaued = plateau.update([score])[0]
                if score > state["best_validation_score_"]:
                    state["best_validation_score_"] = score
                    best_params = net.flat_params.copy()
            else:
                plateaued = plateau.update([state["loss_"]])[0]
                state["best_loss_"] = float(plateau.best[0])
            if self.solver == "sgd" and self.learning_rate == "invscaling":
                optimizer.lr = invscaling(float(self.learning_rate_init), state["t_"], self.power_t)
            if plateaued:
                what = "Validation score" if maximize else "Training loss"
                msg = (
                    f"{what} did not improve more than tol={self.tol:f} for "
                    f"{self.n_iter_no_change} consecutive epochs."
                )
                if self.solver == "sgd" and self.learning_rate == "adaptive":
                    lr, stop = decay_on_plateau(np.array([optimizer.lr]), np.array([True]))
                    if stop[0]:
                        if self.verbose:
                            print(msg + " Learning rate too small. Stopping.")
                        break
                    optimizer.lr = float(lr[0])
                    plateau.count[0] = 0
                    if self.verbose:
                        print(msg + f" Setting learning rate to {optimizer.lr:f}")
                else:
                    if self.verbose:
                        print(msg + " Stopping.")
                    break
            if incremental:
                break
            if state["n_iter_"] == self.max_iter:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                    "reached and the optimization hasn't converged yet.",
                    ConvergenceWarning,
                    stacklevel=3,
                )
        state["_no_improvement_count"] = int(plateau.count[0])
        if maximize:
            net.flat_params[...] = best_params
        self._optimizer = optimizer
        self._optimizer_solver = self.solver

    def _validation_score(self, net, X_val, y_val, w_val=None):
        logits = net.logits(X_val)[0]
        if not np.isfinite(logits).all():
            return np.nan
        return float(self._score_logits(logits, y_val, w_val))

    def _fit_lbfgs(self, net, X, y_enc, state, sample_weight=None):
        """scipy's L-BFGS-B on the packed parameters, with scikit-learn's options and order
        (every weight matrix, then every bias vector, then actlab's activation parameters)."""
        flat, grads = net.flat_params, net.flat_grads
        order = self._packed_order(net)
        n = X.shape[0]
        xb = X[None]
        yb = _as_target(y_enc, net)[None]
        weights = [(p, g) for name, p, g in net.parameters() if name.endswith(".W")]
        penalty = WeightPenalty([p for p, _ in weights], [g for _, g in weights], l2=self.alpha)

        wb = None if sample_weight is None else sample_weight[None]

        def loss_grad(packed):
            flat[0, order] = packed
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                if wb is None:
                    loss, _ = net.loss_and_grad(xb, yb)
                    mass = n
                else:
                    loss, _, mass = weighted_loss_and_grad(net, xb, yb, wb)
                loss = loss + penalty.add_l2(mass)
            return float(loss[0]), grads[0, order].astype(np.float64)

        iprint = 1 if self.verbose is True or self.verbose >= 1 else -1
        result = scipy.optimize.minimize(
            loss_grad,
            flat[0, order].astype(np.float64),
            method="L-BFGS-B",
            jac=True,
            options={
                "maxfun": self.max_fun,
                "maxiter": self.max_iter,
                "gtol": self.tol,
                **_get_additional_lbfgs_options_dict("iprint", iprint),
            },
        )
        if not np.isfinite(result.fun):
            raise DivergenceError(
                f"{type(self).__name__}: L-BFGS-B reached a NaN or inf loss; "
                "try standardized X (StandardScaler) or a larger alpha"
            )
        state["n_iter_"] = _check_optimize_result("lbfgs", result, self.max_iter)
        state["loss_"] = float(result.fun)
        flat[0, order] = result.x

    @staticmethod
    def _packed_order(net):
        """Column indices of the fused parameters in scikit-learn's packing order."""
        starts, pos = {}, 0
        for name, p, _ in net.parameters():
            starts[name] = np.arange(pos, pos + p[0].size)
            pos += p[0].size
        names = [name for name, _, _ in net.parameters()]
        ordered = (
            [k for k in names if k.endswith(".W")]
            + [k for k in names if k.endswith(".b")]
            + [k for k in names if not k.endswith((".W", ".b"))]
        )
        return np.concatenate([starts[k] for k in ordered])

    def _publish(self, net, fitted, head, hidden, n_outputs, state):
        """Success: the fitted attributes, all at once (a failed fit leaves the old ones)."""
        for key, value in {**fitted, **state}.items():
            setattr(self, key, value)
        self.coefs_ = [d.W[0].copy() for d in net.dense]
        self.intercepts_ = [d.b[0, 0].copy() for d in net.dense]
        self.activation_params_ = [
            {k: v[0].copy() for k, v in act.params.items()} for act in net.activations
        ]
        self._fit_activation = self.activation
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(hidden) + 2
        self.out_activation_ = _OUT_ACTIVATION[head]
        if self.solver == "lbfgs":
            for key in (
                "loss_curve_",
                "best_loss_",
                "validation_scores_",
                "best_validation_score_",
                "_no_improvement_count",
            ):
                self.__dict__.pop(key, None)

    def _load_into(self, net):
        """Copy coefs_, intercepts_ (and activation_params_) into ``net``'s single replica."""
        want_W = [tuple(d.W.shape[1:]) for d in net.dense]
        got_W = [tuple(np.shape(W)) for W in self.coefs_]
        want_b = [(d.b.shape[2],) for d in net.dense]
        got_b = [tuple(np.shape(b)) for b in getattr(self, "intercepts_", [])]
        if got_W != want_W:
            raise ParameterError(
                "coefs_",
                f"shapes {got_W}",
                f"shapes {want_W} (from hidden_layer_sizes, the features and outputs)",
            )
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
        X = validate_data(
            self, X, reset=False, accept_sparse=["csr", "csc"], dtype=(np.float64, np.float32)
        )
        X = X.toarray() if sp.issparse(X) else X
        net = self.network(np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            return net.logits(X.astype(np.float64, copy=False))[0]

    # --- the network and saving -----------------------------------------------------------
    def network(self, dtype=None) -> Network:
        """The fitted model as an actlab Network (one replica, the estimator's output head),
        in ``dtype`` (default: that of ``coefs_``)."""
        check_is_fitted(self, "coefs_")
        hidden = [W.shape[0] for W in self.coefs_[1:]]
        net = Network(
            self.coefs_[0].shape[0],
            hidden,
            self.coefs_[-1].shape[1],
            activation=getattr(self, "_fit_activation", self.activation),
            output=_HEADS[getattr(self, "out_activation_", "identity")],
            init="auto",
            seeds=[0],
            dtype=np.dtype(dtype or np.asarray(self.coefs_[0]).dtype),
        )
        self._load_into(net)
        return net

    def save(self, path):
        """Write the fitted model to one ``.npz`` in actlab's network format (actlab.saving: the
        arrays and a JSON description, never pickle), with the estimator's parameters and fitted
        attributes in its JSON; ``load`` reads it back. Returns the path written."""
        from .saving import save_network

        fitted = {k: _to_json(k, getattr(self, k)) for k in _SAVED if hasattr(self, k)}
        for key in ("classes_", "feature_names_in_"):
            if hasattr(self, key):
                fitted[key + "dtype"] = str(np.asarray(getattr(self, key)).dtype)
        if hasattr(self, "_label_dtype"):
            label = self._label_dtype
            fitted["_label_dtype"] = None if label is None else str(np.dtype(label))
        params = self.get_params()
        if not is_int(params["random_state"]):
            params["random_state"] = None  # a RandomState object is state, not a setting
        params = {k: _to_json(k, v) for k, v in params.items()}
        return save_network(
            self.network(),
            path,
            {"estimator": type(self).__name__, "params": params, "fitted": fitted},
        )

    @classmethod
    def load(cls, path):
        """A fitted estimator from a file written by ``save``; it predicts exactly as the saved
        one did and can go on training (``warm_start``, ``partial_fit``)."""
        from .errors import DataError
        from .saving import load_network

        net, extra = load_network(path)
        if not isinstance(extra, dict) or extra.get("estimator") != cls.__name__:
            raise DataError(
                f"{path}: not a saved {cls.__name__} (an actlab network file "
                "without the estimator's description; use actlab.Network.load)"
            )
        params = dict(extra["params"])
        if isinstance(params.get("hidden_layer_sizes"), list):
            params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
        est = cls(**params)
        fitted = dict(extra["fitted"])
        for key in ("classes_", "feature_names_in_"):
            if key in fitted:
                fitted[key] = np.asarray(fitted[key], dtype=fitted.pop(key + "dtype"))
        if fitted.get("_label_dtype") is not None:
            fitted["_label_dtype"] = np.dtype(fitted["_label_dtype"])
        for key, value in fitted.items():
            setattr(est, key, value)
        est.coefs_ = [d.W[0].copy() for d in net.dense]
        est.intercepts_ = [d.b[0, 0].copy() for d in net.dense]
        est.activation_params_ = [
            {k: v[0].copy() for k, v in act.params.items()} for act in net.activations
        ]
        est._fit_activation = est.activation
        return est

    def _is_stochastic(self):
        return self.solver in ("sgd", "adam")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True  # accepted as scikit-learn does, densified for the network
        return tags


# --------------------------------------------------------------------------- the classifier


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier: scikit-learn's MLPClassifier on actlab's network.

    Parameters: those of ``sklearn.neural_network.MLPClassifier`` with the same names, meanings
    and defaults (see the module docstring), except that ``activation`` may be any actlab
    activation or a list with one per hidden layer, plus:

    init : "sklearn" or an actlab initializer, default "sklearn"
        "sklearn" draws weights and biases as scikit-learn does (Glorot uniform, gain 2 for
        logistic units, from ``random_state``); an actlab initializer ("auto", "he_normal", ...)
        draws the weights from a seed taken from ``random_state`` and starts biases at zero.
    dtype : None, "float32" or "float64", default None
        The precision of training and of ``coefs_``; None keeps float32 data in float32 and
        computes everything else in float64, as scikit-learn does. Predictions are computed in
        float64 from the weights.
    weight_decay : float >= 0, default 0.0
        Decoupled weight decay (AdamW's form): W <- W (1 - lr weight_decay) before every step.
    compiled : bool, default False
        Train with the compiled step (actlab.compiled; numba) where it applies: a multi-class
        softmax model without sample weights. Faster on small models; the numbers differ from
        the default step's in the last bits (see Trainer's ``compiled``).

    Binary targets use one sigmoid output, multi-class targets a softmax output, a 2-D 0/1
    indicator matrix (multi-label) one sigmoid output per label, as in scikit-learn.

    Attributes: scikit-learn's (``classes_``, ``loss_``, ``best_loss_``, ``loss_curve_``,
    ``validation_scores_``, ``best_validation_score_``, ``t_``, ``coefs_``, ``intercepts_``,
    ``n_features_in_``, ``feature_names_in_``, ``n_iter_``, ``n_layers_``, ``n_outputs_``,
    ``out_activation_``) and ``activation_params_``.
    """

    _is_classifier = True

    def fit(self, X, y, sample_weight=None):
        """Train (``max_iter`` epochs at most, or L-BFGS iterations), from fresh weights unless
        ``warm_start``; ``sample_weight`` weighs each sample's loss as scikit-learn does."""
        return self._fit(X, y, incremental=False, sample_weight=sample_weight)

    @available_if(_BaseMLP._is_stochastic)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch over (X, y), continuing the weights and the optimizer state.

        ``classes`` (all labels that will ever appear) is required on the first call, as in
        scikit-learn, unless y is a multi-label indicator matrix.
        """
        return self._fit(X, y, incremental=True, classes=classes, sample_weight=sample_weight)

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
            raise ValueError(
                "y: got a "
                + ("multi-label" if multilabel else "single-label")
                + " target, but the model was trained on the other kind"
            )
        if (
            known is not None
            and not incremental
            and self.warm_start
            and not multilabel
            and set(labels) != set(known)
        ):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as in "
                f"the previous call to fit. Previously got {known}, `y` has {labels}"
            )
        if incremental and known is None and not multilabel:
            if classes is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit "
                    "(all labels that will appear), e.g. classes=np.unique(y)"
                )
            known = unique_labels(classes)
        elif (
            incremental
            and known is not None
            and classes is not None
            and not multilabel
            and not np.array_equal(unique_labels(classes), known)
        ):
            raise ValueError(
                f"classes: got {list(unique_labels(classes))}, but the first "
                f"call to partial_fit used {list(known)}"
            )
        if known is not None and not multilabel:
            unseen = np.setdiff1d(labels, known)
            if unseen.size:
                raise ValueError(
                    f"y contains labels {list(unseen)} not in classes_ {list(known)} "
                    "(continuing training cannot add classes)"
                )
            labels = np.asarray(known)
        if multilabel:
            if known is not None and len(known) != len(labels):
                raise ValueError(
                    f"y has {len(labels)} labels, but the model was trained on {len(known)}"
                )
            return (
                y.astype(np.float64),
                "sigmoid",
                {"classes_": labels, "_multilabel": True, "_label_dtype": y.dtype},
                None,
            )
        if len(labels) < 2:
            raise ValueError(
                f"y contains only one class ({labels[0]!r}); a classifier needs at least 2 classes"
            )
        fitted = {"classes_": labels, "_multilabel": False, "_label_dtype": None}
        if len(labels) == 2:  # scikit-learn stratifies its early-stopping split on this column
            positive = y == labels[1]
            return positive.astype(np.float64), "sigmoid", fitted, positive[:, None]
        return np.searchsorted(labels, y).astype(np.int64), "softmax", fitted, None

    def _score_logits(self, logits, y_enc, weights=None):
        """Accuracy (exact match for multi-label) of logits against encoded targets."""
        if logits.shape[1] == 1 or y_enc.ndim == 2:  # sigmoid head: binary or multi-label
            y2 = y_enc.reshape(len(y_enc), -1)
            right = np.all((logits > 0) == (y2 > 0.5), axis=1)
        else:
            right = np.argmax(logits, axis=1) == y_enc
        return float(np.average(right, weights=weights))

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
    """Multi-layer perceptron regressor: scikit-learn's MLPRegressor on actlab's network.

    Identity output and squared error (halved, as in scikit-learn), or with ``loss="poisson"``
    an exp output and half the Poisson deviance. Parameters: those of
    ``sklearn.neural_network.MLPRegressor`` with the same names, meanings and defaults,
    ``loss`` first, plus actlab's ``init``, ``dtype`` and ``weight_decay`` as in
    ``MLPClassifier``. ``predict`` returns (n,) for a 1-D or one-column y, else (n, n_outputs).
    Multi-output regression departs from scikit-learn in one point: actlab's gradient is that of
    the reported loss (the mean over outputs), while scikit-learn's is n_outputs times larger.
    """

    _is_classifier = False

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        init="sklearn",
        dtype=None,
        weight_decay=0.0,
    ):
        self.loss = loss
        super().__init__(
            hidden_layer_sizes,
            activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            init=init,
            dtype=dtype,
            weight_decay=weight_decay,
        )

    def _check_loss(self):
        check_choice("loss", self.loss, ("squared_error", "poisson"))

    def fit(self, X, y, sample_weight=None):
        """Train (``max_iter`` epochs at most, or L-BFGS iterations), from fresh weights unless
        ``warm_start``; ``sample_weight`` weighs each sample's loss as scikit-learn does."""
        return self._fit(X, y, incremental=False, sample_weight=sample_weight)

    @available_if(_BaseMLP._is_stochastic)
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over (X, y), continuing the weights and the optimizer state."""
        return self._fit(X, y, incremental=True, sample_weight=sample_weight)

    def _prepare_targets(self, y, incremental, continuing, classes):
        y = np.asarray(y, dtype=np.float64)
        if y.ndim not in (1, 2):
            raise ValueError(f"y: expected a 1-D or 2-D array; got shape {y.shape}")
        if self.loss == "poisson":
            if np.any(y < 0):
                raise ValueError(
                    "Some value(s) of y are negative which is not allowed for Poisson regression."
                )
            return y, "exp", {"_y_ndim": y.ndim}, None
        return y, "identity", {"_y_ndim": y.ndim}, None

    def _score_logits(self, logits, y_enc, weights=None):
        return r2_score(y_enc, self._output(logits).reshape(y_enc.shape), sample_weight=weights)

    def _output(self, logits):
        """Predictions from logits: exp for the Poisson loss, else the logits."""
        if self.loss != "poisson":
            return logits
        with np.errstate(over="ignore"):
            return np.exp(logits)

    def predict(self, X):
        """Predictions (n,) for a 1-D y at fit, else (n, n_outputs); float64."""
        z = self._output(self._logits(X))
        return z[:, 0] if self._y_ndim == 1 else z

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
