"""The low-level API refuses what the CLI refuses, in one line: Trainer.fit and Network check
their inputs (NaN, values that overflow the training dtype, wrong lengths and feature counts,
labels outside the classes), and data sets are checked after the cast to the training dtype."""

import numpy as np
import pytest

from actlab import Network, Trainer
from actlab.cli import main
from actlab.datasets import from_arrays

RNG = np.random.default_rng(0)
X = RNG.normal(size=(30, 4))
Y = np.arange(30) % 3


def planted(value, at=(4, 2)):
    bad = X.copy()
    bad[at] = value
    return bad


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        (
            (planted(np.nan), Y),
            {},
            "X: 1 non-finite value(s) (NaN or inf are refused); first at row 4, column 2: nan",
        ),
        (
            (planted(1e300), Y),
            {},
            "X: 1 non-finite value(s) (NaN or inf are refused; 1e+300 overflows "
            "float32); first at row 4, column 2: 1e+300",
        ),
        ((X, Y[:29]), {}, "y: has 29 labels but X has 30 rows; they must match"),
        (
            (X[:, :3], Y),
            {},
            "X: expected rows of 4 features (input shape (4,)); got shape (30, 3), "
            "3 features per row",
        ),
        (
            (X, Y + 1),
            {},
            "y: expected class indices 0..2, one per row; got shape (30,), values [1, 2, 3]",
        ),
        ((X, Y), {"X_test": planted(np.inf), "y_test": Y}, "X_test: 1 non-finite value(s)"),
        ((X, Y), {"X_test": X}, "y_test: got None; allowed: X_test and y_test given together"),
    ],
)
def test_fit_refuses_bad_inputs_in_one_line(args, kwargs, message):
    net = Network(4, [8], 3, seeds=(0, 1))
    before = [p.copy() for _, p, _ in net.parameters()]
    with pytest.raises(ValueError) as info:
        Trainer(epochs=1).fit(net, *args, **kwargs)
    assert str(info.value).startswith(message) and "\n" not in str(info.value)
    assert all(np.array_equal(a, p) for a, (_, p, _) in zip(before, net.parameters()))


def test_good_inputs_still_train_and_network_checks_predict():
    net = Network(4, [8], 3, seeds=(0,))
    hist = Trainer(epochs=3, batch_size=10).fit(net, X, Y, X_test=X, y_test=Y)
    assert np.isfinite(hist["train_loss"]).all() and hist["test_acc"][0, -1] > 0.3
    with pytest.raises(ValueError, match=r"X: expected rows of 4 features"):
        net.predict_output(X[:, :2])
    with pytest.raises(ValueError, match=r"X: 1 non-finite value"):
        net.predict_output(planted(-np.inf))


def test_float64_network_takes_what_float32_cannot():
    net = Network(4, [8], 3, seeds=(0,), dtype=np.float64)
    with pytest.raises(ValueError, match="overflows"):
        Network(4, [8], 3, seeds=(0,)).check_input(planted(1e300))
    assert net.check_input(planted(1e300))[4, 2] == 1e300


def test_data_is_checked_after_the_cast_to_the_training_dtype(tmp_path, capsys):
    Xb = np.vstack([X, X])
    Xb[7, 1] = 1e300  # finite in float64, inf in float32
    with pytest.raises(ValueError, match=r"overflow float32 .*first at row \d+, column 1"):
        from_arrays(Xb, np.r_[Y, Y], standardize=False)
    assert np.isfinite(
        from_arrays(Xb, np.r_[Y, Y], standardize=False, dtype="float64").X_train
    ).all()
    path = tmp_path / "big.csv"
    path.write_text(
        "a,b,y\n"
        + "".join(
            f"{a},{'1e300' if i == 3 else b},{i % 2}\n"
            for i, (a, b) in enumerate(X[:, :2].round(3))
        )
    )
    code = main(
        [
            "compare",
            "--dataset",
            "csv",
            "--path",
            str(path),
            "--label",
            "y",
            "--epochs",
            "1",
            "--quiet",
            "--out",
            str(tmp_path / "run"),
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "overflow float32" in err[0], err
    assert not (tmp_path / "run").exists()
