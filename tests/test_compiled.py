"""The compiled training step (actlab.compiled): one step against the NumPy step for every
activation it runs and both dtypes, replicas still independent, trajectories, the compiled SGD
update (the same bits), BLAS's gemm on row-major matrices, and where it does not apply."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from test_jitkernels import SPECS as JIT_SPECS

from actlab.activations import jitkernels
from actlab.errors import ParameterError
from actlab.network import Network
from actlab.optimizers import SGD
from actlab.training import Trainer

pytestmark = pytest.mark.skipif(
    not jitkernels.available(), reason="numba not installed or ACTLAB_NUMBA=0"
)

# every compiled kernel's configuration (test_jitkernels.SPECS) but those the compiled step does
# not run (checked below), identity, and one activation per hidden layer
NOT_COMPILED = {"prelu", "maxout", "maxout:3"}  # a learnable slope; k x the units
ACTIVATIONS = [
    "identity",
    *(s for s in JIT_SPECS if s not in NOT_COMPILED),
    ["tanh", "relu"],
]
# one step agrees with the NumPy step to: float32 a few ulp of the largest entry (gemm sums in
# another order, exp by vecmath's polynomial), float64 1e-12 (issue 15's bound)
TOLERANCE = {np.float32: 16 * np.finfo(np.float32).eps, np.float64: 1e-12}


def _step_pair(activation, dtype, batch=24, seeds=(0, 1, 2)):
    """(NumPy's (loss, logits, grads), the compiled step's) on one minibatch, same weights."""
    from actlab.compiled import CompiledStep, why_not

    rng = np.random.default_rng(5)
    net = Network(7, [13, 9], 4, activation=activation, seeds=list(seeds), dtype=dtype)
    assert why_not(net) is None
    x = rng.standard_normal((len(seeds), batch, 7)).astype(dtype) * 2
    y = rng.integers(0, 4, (len(seeds), batch))
    loss, logits = net.loss_and_grad(x, y)
    ref = (loss.copy(), logits.copy(), net.flat_grads.copy())
    net.flat_grads[:] = np.nan  # every gradient entry must be written again
    loss, logits = CompiledStep(net)(x, y)
    return ref, (loss.copy(), logits.copy(), net.flat_grads.copy())


def test_the_compiled_step_runs_every_compiled_kernel_but_prelu_and_maxout():
    from actlab.compiled import why_not_activation

    skipped = {s for s in JIT_SPECS if why_not_activation(s, np.float32) is not None}
    assert skipped == NOT_COMPILED


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", ACTIVATIONS, ids=str)
def test_one_step_agrees_with_the_numpy_step(activation, dtype):
    ref, got = _step_pair(activation, dtype)
    for name, a, b in zip(("loss", "logits", "gradients"), ref, got):
        assert b.dtype == np.dtype(dtype), name
        assert np.isfinite(b).all(), name
        bound = TOLERANCE[dtype] * max(1.0, float(np.abs(a).max()))
        assert np.abs(a - b).max() <= bound, (name, np.abs(a - b).max(), bound)
    assert np.abs(ref[2]).max() > 0 or activation == "step"


def test_the_comparison_fails_on_a_wrong_activation_loop(monkeypatch):
    """The check above can fail: tanh's network run on softsign's loops is far off."""
    import actlab.compiled

    ref, _ = _step_pair("tanh", np.float64)
    codes = list(actlab.compiled.CODES)
    i, j = codes.index("Tanh"), codes.index("Softsign")
    codes[i], codes[j] = codes[j], codes[i]
    monkeypatch.setattr(actlab.compiled, "CODES", tuple(codes))
    _, got = _step_pair("tanh", np.float64)
    assert np.abs(ref[2] - got[2]).max() > 1e-3


@pytest.mark.parametrize("batch", [1, 5, 40])
def test_batches_of_other_sizes_and_growing_buffers(batch):
    """The last minibatch of an epoch is smaller; a larger one reallocates the buffers."""
    from actlab.compiled import CompiledStep

    rng = np.random.default_rng(1)
    net = Network(7, [13], 4, activation="sigmoid", seeds=[0, 1], dtype=np.float64)
    step = CompiledStep(net)
    for b in (24, batch):
        x = rng.standard_normal((2, b, 7))
        y = rng.integers(0, 4, (2, b))
        loss, logits = step(x, y)
        got = (loss.copy(), logits.copy(), net.flat_grads.copy())
        ref_loss, ref_logits = net.loss_and_grad(x, y)
        assert logits.shape == (2, b, 4)
        np.testing.assert_allclose(got[0], ref_loss, rtol=0, atol=1e-12)
        np.testing.assert_allclose(got[1], ref_logits, rtol=0, atol=1e-12)
        np.testing.assert_allclose(got[2], net.flat_grads, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    "take",
    [
        lambda wide: wide[:, 3:27, :7],  # rows 10 apart (leading dimension 10 > 7 features)
        lambda wide: wide[:, 26:2:-1, :7],  # rows in reverse: a negative stride, copied
        lambda wide: np.broadcast_to(wide[:1, 3:27, :7], (3, 24, 7)),  # replicas share rows
    ],
    ids=["row-stride", "reversed", "broadcast"],
)
def test_minibatch_views_give_the_numbers_of_their_copies(take):
    """The Trainer's minibatches are views of a gathered chunk; any view gives the numbers of
    its contiguous copy (the rows BLAS reads in place, or a copy where it cannot)."""
    from actlab.compiled import CompiledStep

    rng = np.random.default_rng(2)
    net = Network(7, [13], 4, activation="relu", seeds=[0, 1, 2], dtype=np.float64)
    x, y = take(rng.standard_normal((3, 30, 10))), rng.integers(0, 4, (3, 24))
    step = CompiledStep(net)
    loss, _ = step(x, y)
    got = (loss.copy(), net.flat_grads.copy())
    loss, _ = step(np.ascontiguousarray(x), y)
    np.testing.assert_array_equal(got[0], loss)
    np.testing.assert_array_equal(got[1], net.flat_grads)
    ref, _ = net.loss_and_grad(np.ascontiguousarray(x), y)
    np.testing.assert_allclose(got[0], ref, rtol=0, atol=1e-12)


def test_deeper_networks_and_batches_that_shrink_and_grow():
    """Three hidden layers of other widths and activations, R = 3, minibatches of 24, 5, 1,
    40, 3, 40, 17 rows: every step as the NumPy step's."""
    from actlab.compiled import CompiledStep

    rng = np.random.default_rng(6)
    acts = ["tanh", "relu", "swish"]
    net = Network(7, [13, 3, 21], 4, activation=acts, seeds=[0, 1, 2], dtype=np.float64)
    step = CompiledStep(net)
    for b in (24, 5, 1, 40, 3, 40, 17):
        x, y = rng.standard_normal((3, b, 7)), rng.integers(0, 4, (3, b))
        loss, logits = step(x, y)
        got = (loss.copy(), logits.copy(), net.flat_grads.copy())
        ref_loss, ref_logits = net.loss_and_grad(x, y)
        np.testing.assert_allclose(got[0], ref_loss, rtol=0, atol=1e-12)
        np.testing.assert_allclose(got[1], ref_logits, rtol=0, atol=1e-12)
        np.testing.assert_allclose(got[2], net.flat_grads, rtol=0, atol=1e-12)


def test_bad_inputs_are_refused_in_one_line():
    from actlab.compiled import CompiledStep
    from actlab.errors import DataError

    net = Network(5, [6], 3, seeds=[0, 1], dtype=np.float64)
    step = CompiledStep(net)
    rng = np.random.default_rng(0)
    good_x, good_y = rng.standard_normal((2, 4, 5)), rng.integers(0, 3, (2, 4))
    for x, y in (
        (good_x[..., :4], good_y),  # 4 features for 5 inputs
        (good_x[:1], good_y[:1]),  # 1 replica of 2
        (good_x, good_y[:, :3]),  # 3 targets for 4 rows
        (good_x[:, :0], good_y[:, :0]),  # no rows
    ):
        with pytest.raises(DataError, match=r"compiled step: expected x of shape \(R=2, B, 5\)"):
            step(x, y)
    with pytest.raises(IndexError, match="target class outside 0..K-1"):
        step(good_x, np.where(good_y == 0, 3, good_y))


def test_one_machine_code_per_dtype_for_any_number_of_replicas(blobs):
    from actlab.compiled import mlp_step

    for seeds in ([0], [0, 1, 2]):  # R = 1's minibatch is contiguous, R = 3's is a view
        trainer, _, _ = _fit(seeds, blobs)
        assert trainer.step_kind_ == "compiled"
    assert len(mlp_step.train_step(np.dtype(np.float32)).signatures) == 1


def _fit(seeds, blobs, compiled=True, dtype=np.float32, activation="tanh", **kw):
    Xtr, ytr, Xte, yte = blobs
    net = Network(6, [16, 16], 3, activation=activation, seeds=seeds, dtype=dtype)
    trainer = Trainer(
        "sgd", lr=0.05, momentum=0.9, epochs=6, batch_size=16, compiled=compiled, **kw
    )
    hist = trainer.fit(net, Xtr, ytr, X_test=Xte, y_test=yte)
    return trainer, net, hist


def test_replica_r_gives_the_numbers_of_a_single_compiled_run(blobs):
    trainer, net, hist = _fit([11, 12, 13], blobs)
    assert trainer.step_kind_ == "compiled"
    for r, seed in enumerate([11, 12, 13]):
        _, single, h1 = _fit([seed], blobs)
        np.testing.assert_array_equal(net.flat_params[r], single.flat_params[0])
        for m in ("train_loss", "train_acc", "test_loss", "test_acc"):
            np.testing.assert_array_equal(hist[m][r], h1[m][0])


def test_a_float64_trajectory_follows_the_numpy_one(blobs):
    """Six epochs of 13 steps: the two steps' rounding differs, the training does not."""
    t1, net1, h1 = _fit([3, 4], blobs, compiled=True, dtype=np.float64)
    t0, net0, h0 = _fit([3, 4], blobs, compiled=False, dtype=np.float64)
    assert (t1.step_kind_, t0.step_kind_) == ("compiled", "numpy")
    assert h1["train_loss"][0, -1] < 0.5 * h1["train_loss"][0, 0]  # it learns
    np.testing.assert_allclose(h1["train_loss"], h0["train_loss"], rtol=1e-10)
    np.testing.assert_allclose(net1.flat_params, net0.flat_params, rtol=0, atol=1e-10)
    assert not np.array_equal(net1.flat_params, net0.flat_params)  # two roundings, really


def test_the_compiled_sgd_update_gives_the_numpy_updates_bits():
    rng = np.random.default_rng(3)
    p0 = rng.standard_normal((3, 1000)).astype(np.float32)
    g = rng.standard_normal((3, 1000)).astype(np.float32)
    p1 = p0.copy()
    plain, compiled = SGD(0.1, 0.9), SGD(0.1, 0.9)
    step0, step1 = plain.stepper([p0], [g]), compiled.stepper([p1], [g], compiled=True)
    for _ in range(5):
        g[:] = rng.standard_normal(g.shape).astype(np.float32)
        step0()
        step1()
        np.testing.assert_array_equal(p0, p1)
        np.testing.assert_array_equal(plain._velocity[0], compiled._velocity[0])
    assert compiled.t == plain.t == 5
    assert not np.array_equal(p0, rng.standard_normal(p0.shape))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rows_gemm_on_row_major_matrices_with_row_strides(dtype):
    from numba import njit

    from actlab.compiled.blas import NO, TRANSPOSE, gemm_address, rows_gemm

    @njit
    def call(addr, ta, tb, m, n, k, one, zero, a, lda, b, ldb, c, ldc):
        rows_gemm(
            addr,
            ta,
            tb,
            m,
            n,
            k,
            one,
            zero,
            a.ctypes.data,
            lda,
            b.ctypes.data,
            ldb,
            c.ctypes.data,
            ldc,
        )

    rng = np.random.default_rng(4)
    m, n, k = 5, 7, 3
    for ta, tb in ((NO, NO), (TRANSPOSE, NO), (NO, TRANSPOSE)):
        a_shape = (k, m) if ta == TRANSPOSE else (m, k)
        b_shape = (n, k) if tb == TRANSPOSE else (k, n)
        a = rng.standard_normal((a_shape[0], a_shape[1] + 2)).astype(dtype)  # rows 2 longer
        b = rng.standard_normal((b_shape[0], b_shape[1] + 1)).astype(dtype)
        c = np.full((m, n + 3), 99.0, dtype=dtype)
        av, bv = a[:, : a_shape[1]], b[:, : b_shape[1]]
        one, zero = dtype(1), dtype(0)
        call(
            gemm_address(dtype),
            ta,
            tb,
            m,
            n,
            k,
            one,
            zero,
            av,
            a.shape[1],
            bv,
            b.shape[1],
            c,
            c.shape[1],
        )
        want = (av.T if ta == TRANSPOSE else av) @ (bv.T if tb == TRANSPOSE else bv)
        np.testing.assert_allclose(c[:, :n], want, rtol=1e-5 if dtype == np.float32 else 1e-13)
        assert (c[:, n:] == 99).all()  # nothing written beyond each row's n entries


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tanh_loop_to_a_few_ulp_and_at_the_extremes(dtype):
    """jitloops.tanh_fwd (the compiled step's tanh; the Tanh kernel uses np.tanh) against the
    float64 reference: float32 within 4 eps, float64 within 1e-12; +-0 keep their sign."""
    from actlab.activations.jitloops import tanh_fwd

    z = np.concatenate(
        [np.linspace(-12, 12, 200001), [0.0, -0.0, 1e-30, -1e-30, 1e30, -1e30, np.inf, -np.inf]]
    ).astype(dtype)
    a = np.empty_like(z)
    tanh_fwd(z, a)
    ref = np.tanh(z.astype(np.float64))
    if dtype == np.float32:
        err = np.abs(a - ref) / (np.finfo(np.float32).eps * np.maximum(np.abs(ref), 1e-38))
        assert err[np.abs(ref) > 1e-30].max() <= 4
    else:
        assert (np.abs(a - ref) / np.maximum(np.abs(ref), 1e-300)).max() <= 1e-12
    assert np.signbit(a[z == 0]).tolist() == np.signbit(z[z == 0]).tolist()
    nan = np.array([np.nan], dtype)
    tanh_fwd(nan, a[:1])
    assert np.isnan(a[0])


@pytest.mark.parametrize(
    ("net_kw", "fit_kw", "reason"),
    [
        ({"activation": "prelu"}, {}, "activation 'prelu' is not one the compiled step runs"),
        ({"activation": "swish:2"}, {}, "has no compiled loop with these parameters"),
        ({"activation": "maxout"}, {}, "not one the compiled step runs"),
        ({"output": "sigmoid"}, {}, "output 'sigmoid' (softmax only)"),
        ({"arch": "dense:8,act,dense:3"}, {}, "not a dense MLP"),
        ({}, {"sample_weight": True}, "sample weights"),
        ({}, {"probe": True}, "callback Watcher watches every step"),
    ],
)
def test_where_it_does_not_apply_the_numpy_step_trains_and_says_why(blobs, net_kw, fit_kw, reason):
    class Watcher:  # an on_step callback that may read the NumPy step's caches
        def on_step(self, trainer, net, epoch, step):
            pass

    Xtr, ytr, _, _ = blobs
    y = ytr if net_kw.get("output") != "sigmoid" else np.eye(3)[ytr]
    net = Network(6, [16], 3, seeds=[0], **net_kw)
    callbacks = [Watcher()] if fit_kw.get("probe") else []
    trainer = Trainer("sgd", lr=0.05, epochs=2, compiled=True, callbacks=callbacks)
    weights = np.ones(len(Xtr)) if fit_kw.get("sample_weight") else None
    hist = trainer.fit(net, Xtr, y, sample_weight=weights)
    assert trainer.step_kind_.startswith("numpy (not compiled: ")
    assert reason in trainer.step_kind_
    assert np.isfinite(hist["train_loss"]).all()


def test_without_numba_the_numpy_step_trains_and_says_why():
    code = (
        "import numpy as np; from actlab.network import Network; "
        "from actlab.training import Trainer; "
        "X = np.random.default_rng(0).normal(size=(40, 3)); y = (X[:, 0] > 0).astype(int); "
        "t = Trainer(epochs=1, compiled=True); t.fit(Network(3, [4], 2), X, y); "
        "print(t.step_kind_)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "ACTLAB_NUMBA": "0"},
        check=True,
    )
    assert out.stdout.strip() == "numpy (not compiled: numba is not installed (or ACTLAB_NUMBA=0))"


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_compiled_takes_true_or_false(value):
    with pytest.raises(ParameterError, match=r"compiled.*allowed: True or False"):
        Trainer(compiled=value)


def test_probes_watch_the_compiled_step(blobs):
    """Probes read only parameter gradients per step: the compiled step runs beside them and
    their series follow the NumPy step's (float64: the two roundings agree to 1e-9)."""
    from actlab.probes import Probes

    Xtr, ytr, _, _ = blobs
    series = {}
    for compiled in (True, False):
        net = Network(6, [16, 16], 3, activation="tanh", seeds=[0, 1], dtype=np.float64)
        probes = Probes(size=50)
        trainer = Trainer("sgd", lr=0.05, epochs=3, compiled=compiled, callbacks=[probes])
        trainer.fit(net, Xtr, ytr)
        assert trainer.step_kind_ == ("compiled" if compiled else "numpy")
        series[compiled] = probes.replica(1)
    assert set(series[True]) == set(series[False])
    for name in ("saturation", "act_mean", "grad_W_norm", "flip_fraction"):  # rounded to 1e-8
        np.testing.assert_allclose(series[True][name], series[False][name], rtol=0, atol=2e-8)
    assert np.asarray(series[True]["flip_fraction"]).max() > 0


def test_a_compiled_spec_trains_compiled_groups_and_says_so_in_its_records():
    from actlab.experiments.plan import expand
    from actlab.experiments.runner import train_group
    from actlab.experiments.spec import Spec

    base = {
        "datasets": ["moons"],
        "hidden": [[8]],
        "activations": ["relu"],
        "epochs": 2,
        "seeds": [0, 1],
    }
    plain, compiled = (expand(Spec(**base, compiled=c))[0] for c in (False, True))
    assert plain.id != compiled.id  # never resumed into each other's records
    assert "compiled" not in plain.config()  # groups made before the field keep their ids
    records = train_group(compiled)
    assert [r["step"] for r in records] == ["compiled", "compiled"]
    assert [r["step"] for r in train_group(plain)] == ["numpy", "numpy"]
    with pytest.raises(ParameterError, match="compiled: got 'yes'; allowed: true or false"):
        Spec(**base, compiled="yes").validate()
    from actlab.experiments.plan import describe_plan

    assert describe_plan(Spec(**base, compiled=True))[0].endswith("of 2 epochs, compiled step")
    assert describe_plan(Spec(**base))[0].endswith("of 2 epochs")


def test_compare_with_the_compiled_flag(tmp_path, capsys):
    """``actlab compare --compiled``: every group trains on the compiled step, the records say
    so, and the run line names it; the same command without the flag trains on NumPy's."""
    import json

    from actlab.cli import main

    common = ["compare", "--activations", "tanh,relu", "--seeds", "2", "--epochs", "3"]
    common += ["--dataset", "moons", "--workers", "1"]
    for flag, step in (["--compiled"], "compiled"), ([], "numpy"):
        out = tmp_path / step
        assert main([*common, *flag, "--out", str(out)]) == 0
        printed = capsys.readouterr().out
        assert ("compiled step" in printed) == bool(flag)
        lines = (out / "records.jsonl").read_text().splitlines()
        records = [json.loads(line) for line in lines if line.startswith("{")]
        steps = {r["step"] for r in records if "step" in r}
        assert steps == {step}, steps


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 5 epochs
def test_the_estimator_trains_compiled_where_it_applies(monkeypatch):
    """MLPClassifier(compiled=True): a multi-class model on the compiled step, predictions as
    the default step's (float64: the two roundings agree)."""
    from actlab.estimators import MLPClassifier

    kinds = []
    plan = Trainer._training_step

    def spy(self, *args):
        step = plan(self, *args)
        kinds.append(self.step_kind_)
        return step

    monkeypatch.setattr(Trainer, "_training_step", spy)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    kw = {"hidden_layer_sizes": (10,), "solver": "sgd", "max_iter": 5, "random_state": 0}
    kw.update(activation="tanh", dtype="float64")
    fast = MLPClassifier(compiled=True, **kw).fit(X, y)
    assert kinds == ["compiled"] * 5  # one Trainer.fit per epoch
    plain = MLPClassifier(**kw).fit(X, y)
    assert kinds[5:] == ["numpy"] * 5
    np.testing.assert_allclose(fast.loss_curve_, plain.loss_curve_, rtol=1e-10)
    np.testing.assert_allclose(fast.predict_proba(X), plain.predict_proba(X), atol=1e-10)
    assert fast.get_params()["compiled"] is True


def test_a_diverged_replica_is_frozen_and_its_siblings_keep_the_numbers_of_their_own_runs(blobs):
    """Per-replica learning rates (the update falls back to NumPy's, the step stays compiled):
    replica 1's absurd one makes it diverge; NaN and inf in its rows do not reach replica 0,
    which trains as it does alone."""
    Xtr, ytr, Xte, yte = blobs
    out = {}
    for lrs in ([0.01, 1e6], [0.01]):
        net = Network(6, [16, 16], 3, activation="relu", init="prototype", seeds=[0, 1][: len(lrs)])
        trainer = Trainer("sgd", lr=np.array(lrs), epochs=4, batch_size=16, compiled=True)
        out[len(lrs)] = (trainer.fit(net, Xtr * 100, ytr, X_test=Xte, y_test=yte), net)
        assert trainer.step_kind_ == "compiled"
    (hist, net), (alone, net1) = out[2], out[1]
    assert hist.status == ["ok", "diverged"] and hist.diverged_epoch[1] == 1
    np.testing.assert_array_equal(hist["train_loss"][0], alone["train_loss"][0])
    np.testing.assert_array_equal(net.flat_params[0], net1.flat_params[0])


@pytest.mark.parametrize(
    "trainer_kw",
    [
        {"l2": 0.01},
        {"weight_decay": 0.01},
        {"optimizer": "nesterov"},
        {"optimizer": "adam", "lr": 0.01},
        {"schedule": "invscaling"},
        {"schedule": "adaptive"},
        {"momentum": 0.0},
        {"early_stopping": True, "validation_fraction": 0.2},
    ],
    ids=str,
)
def test_every_optimizer_and_penalty_follows_the_numpy_step(blobs, trainer_kw):
    """The compiled step fills the same gradients: whatever is done with them after it (L2,
    decay, another optimizer, a schedule, early stopping) gives the NumPy step's trajectory."""
    Xtr, ytr, _, _ = blobs
    out = {}
    for compiled in (True, False):
        kw = {"optimizer": "sgd", "lr": 0.05, "momentum": 0.9, **trainer_kw}
        net = Network(6, [16, 16], 3, activation="tanh", seeds=[0, 1], dtype=np.float64)
        trainer = Trainer(epochs=4, batch_size=16, compiled=compiled, **kw)
        out[compiled] = (trainer.fit(net, Xtr, ytr), net, trainer.step_kind_)
    assert (out[True][2], out[False][2]) == ("compiled", "numpy")
    np.testing.assert_allclose(out[True][0]["train_loss"], out[False][0]["train_loss"], rtol=1e-9)
    np.testing.assert_allclose(out[True][1].flat_params, out[False][1].flat_params, atol=1e-9)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        ("relu_subclass", "has no compiled loop with these parameters"),
        ("gelu_tanh", "has no compiled loop with these parameters"),
        ("trainable_swish", "has no compiled loop with these parameters"),
    ],
)
def test_activations_the_compiled_loops_do_not_cover_stay_on_the_numpy_step(make, reason):
    from actlab.activations import get_activation
    from actlab.activations.relu_like import ReLU
    from actlab.compiled import why_not

    class MyReLU(ReLU):  # a subclass may have its own formulas: never another class's loop
        name = "my_relu"

    act = {
        "relu_subclass": lambda: MyReLU(),
        "gelu_tanh": lambda: get_activation("gelu", approximate="tanh"),
        "trainable_swish": lambda: get_activation("swish", trainable=True),
    }[make]()
    net = Network(4, [5], 3, activation=act, seeds=[0])
    assert reason in why_not(net)


def test_a_probes_subclass_with_its_own_on_step_does_not_inherit_the_promise(blobs):
    from actlab.probes import Probes

    class MyProbes(Probes):
        def on_step(self, trainer, net, epoch, step):  # may read anything
            super().on_step(trainer, net, epoch, step)

    Xtr, ytr, _, _ = blobs
    for probes, kind in ((Probes(size=20), "compiled"), (MyProbes(size=20), "numpy (not")):
        trainer = Trainer(epochs=1, compiled=True, callbacks=[probes])
        trainer.fit(Network(6, [8], 3, seeds=[0]), Xtr, ytr)
        assert trainer.step_kind_.startswith(kind)


def test_a_blas_thread_limit_reaches_the_compiled_steps_blas():
    """scipy's BLAS (the compiled step's) is loaded before the limit is set, so it applies to
    it from the first fit of a fresh process, as to numpy's."""
    code = """
import numpy as np
from threadpoolctl import threadpool_info
from actlab.network import Network
from actlab.training import Trainer
seen = {}
class Spy:
    reads_only_parameter_gradients = True
    def on_step(self, trainer, net, epoch, step):
        seen.update((lib["filepath"], lib["num_threads"]) for lib in threadpool_info())
X = np.random.default_rng(0).normal(size=(64, 4)); y = (X[:, 0] > 0).astype(int)
t = Trainer(epochs=1, compiled=True, blas_threads=1, callbacks=[Spy()])
t.fit(Network(4, [8], 2), X, y)
print(t.step_kind_, sorted(set(seen.values())), len(seen))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("compiled [1] ")
    assert int(out.stdout.split()[-1]) >= 2  # numpy's and scipy's OpenBLAS


def test_a_compiled_run_names_the_groups_on_the_numpy_step_and_needs_numba(tmp_path, capsys):
    from actlab.cli import main

    args = ["compare", "--activations", "prelu,relu", "--seeds", "2", "--epochs", "1"]
    args += ["--dataset", "moons", "--workers", "1", "--compiled"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.endswith(
        ", compiled step (NumPy step for prelu: activation 'prelu' is not one the compiled "
        "step runs)"
    )
    code = (
        "import sys; from actlab.cli import main; "
        f"sys.exit(main({[*args, '--out', str(tmp_path / 'a')]!r}))"
    )
    env = {**__import__("os").environ, "ACTLAB_NUMBA": "0"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 2  # the resume refused: its groups would train on NumPy's step
    assert proc.stderr == (
        "actlab: error: compiled: got True; allowed: false here (numba is not installed or "
        "ACTLAB_NUMBA=0)\n"
    )
    assert main([*args, "--no-compiled", "--out", str(tmp_path / "b")]) == 0
    assert "compiled step" not in capsys.readouterr().out


def test_the_cache_follows_an_edit_to_a_file_the_compiled_code_comes_from(tmp_path):
    """numba alone keeps a cached function whose callee, in another file, changed; refresh()
    drops it (activations/jitcache.py). Without refresh the old code would run: shown too."""
    pkg = tmp_path / "toy"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "loops.py").write_text(
        "from numba import njit\n@njit(cache=True)\ndef f(x):\n    return x * 2.0\n"
    )
    (pkg / "step.py").write_text(
        "import os\nfrom numba import njit\nfrom . import loops\n"
        "@njit(cache=True)\ndef g(x):\n    return loops.f(x) + 1.0\n"
        "if os.environ.get('REFRESH') == '1':\n"
        "    from actlab.activations.jitcache import refresh\n"
        "    refresh(__import__('sys').modules[__name__], [__file__, loops.__file__])\n"
    )

    def g(refresh):
        env = {**__import__("os").environ, "REFRESH": refresh, "PYTHONPATH": str(tmp_path)}
        env.pop("NUMBA_CACHE_DIR", None)
        code = "from toy import step; print(step.g(1.0))"
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
        assert run.returncode == 0, run.stderr
        return float(run.stdout)

    assert g("1") == 3.0
    (pkg / "loops.py").write_text(
        "from numba import njit\n@njit(cache=True)\ndef f(x):\n    return x * 5.0\n"
    )
    assert g("0") == 3.0  # numba's own check: the stale cached g
    assert g("1") == 6.0  # refreshed: g compiled again on the new f
    assert g("1") == 6.0  # and cached again
