"""Tests for actlab.datasets: shapes, determinism, standardization, caches, files, errors."""

from __future__ import annotations

import gzip
import random
import struct

import numpy as np
import pytest

from actlab import datasets as ds_mod
from actlab.datasets import (
    Dataset,
    available_datasets,
    cache_dir,
    check_finite_2d,
    from_arrays,
    load_dataset,
    read_idx,
)
from actlab.errors import DataError, ParameterError, UnknownNameError

TOYS = ["moons", "circles", "xor", "spiral", "gaussians"]


# --------------------------------------------------------------------------- digits


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


def test_digits_shapes_and_classes(digits):
    assert isinstance(digits, Dataset)
    assert digits.X_train.shape == (1347, 64)
    assert digits.X_test.shape == (450, 64)
    assert digits.n_features == 64 and digits.n_classes == 10
    assert digits.task == "classification"
    assert list(digits.classes) == list(range(10))
    assert set(np.unique(digits.y_train)) == set(range(10))
    assert digits.y_train.dtype == np.int64


def test_digits_read_from_sklearns_file_are_load_digits_without_importing_sklearn(monkeypatch):
    """The bundled file read directly is what sklearn.datasets.load_digits returns, and loading
    digits in a fresh process imports no scikit-learn (a second of `actlab compare`'s start);
    a scikit-learn without the file falls back to load_digits."""
    import subprocess
    import sys

    from sklearn.datasets import load_digits

    from actlab.datasets import digits as digits_mod

    X, y = digits_mod.digits_arrays()
    bunch = load_digits()
    assert np.array_equal(X, bunch.data) and np.array_equal(y, bunch.target)
    assert X.dtype == bunch.data.dtype and y.dtype.kind == bunch.target.dtype.kind
    code = (
        "import sys; from actlab.datasets import load_dataset; d = load_dataset('digits');"
        "print(d.X_train.shape, 'sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["(1347,", "64)", "False"]
    monkeypatch.setattr(digits_mod, "digits_file", lambda: None)
    X2, y2 = digits_mod.digits_arrays()
    assert np.array_equal(X2, X) and np.array_equal(y2, y)


def test_digits_split_is_stratified(digits):
    y_all = np.concatenate([digits.y_train, digits.y_test])
    counts = np.bincount(y_all, minlength=10)
    test_counts = np.bincount(digits.y_test, minlength=10)
    proportional = counts * len(digits.y_test) / len(y_all)
    assert np.all(np.abs(test_counts - proportional) <= 1)


def test_unpacks_like_a_tuple(digits):
    X_tr, y_tr, X_te, y_te = load_dataset("digits")
    for got, want in zip((X_tr, y_tr, X_te, y_te), digits):
        assert np.array_equal(got, want)


def test_float32_default_and_float64_on_request(digits):
    assert digits.X_train.dtype == np.float32 and digits.X_test.dtype == np.float32
    d64 = load_dataset("digits", dtype="float64")
    assert d64.X_train.dtype == np.float64
    np.testing.assert_allclose(d64.X_train, digits.X_train, rtol=1e-5, atol=1e-5)


def test_same_seed_same_arrays_other_seed_other_split():
    a, b, c = (
        load_dataset("digits", seed=3),
        load_dataset("digits", seed=3),
        load_dataset("digits", seed=4),
    )
    for x, y in zip(a, b):
        assert np.array_equal(x, y)
    assert not np.array_equal(a.y_train, c.y_train)


def test_standardization_fitted_on_train_only(digits):
    X_tr = digits.X_train.astype(np.float64)
    X_te = digits.X_test.astype(np.float64)
    scaler = digits.standardization
    varying = scaler.std != 1.0  # constant pixels keep std 1 and stay 0
    np.testing.assert_allclose(X_tr.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(X_tr.std(axis=0)[varying], 1.0, atol=1e-4)
    assert np.abs(X_te.mean(axis=0)).max() > 1e-3  # test split is not re-centred
    raw = load_dataset("digits", standardize=False)
    assert raw.standardization is None
    assert raw.X_train.max() == 16.0
    np.testing.assert_allclose(scaler.mean, raw.X_train.mean(axis=0), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(scaler.transform(raw.X_test), digits.X_test, rtol=1e-5, atol=1e-5)


def test_constant_feature_gets_std_one():
    X = np.c_[np.arange(40.0), np.full(40, 7.0)]
    y = np.tile([0, 1], 20)
    d = from_arrays(X, y)
    assert d.standardization.std[1] == 1.0
    assert np.all(d.X_train[:, 1] == 0.0)


# --------------------------------------------------------------------------- mnist1d


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ACTLAB_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _fake_make_dataset(calls):
    """A fast stand-in for mnist1d's generator that, like it, reseeds the global RNGs."""

    def make_dataset(args):
        calls.append((args.num_samples, args.seed))
        random.seed(args.seed)
        np.random.seed(args.seed)
        n = args.num_samples
        split = int(n * args.train_split)
        x = np.random.standard_normal((n, 40))
        y = np.tile(np.arange(10), n // 10)
        return {"x": x[:split], "y": y[:split], "x_test": x[split:], "y_test": y[split:]}

    return make_dataset


def test_mnist1d_real_generator_shapes_cache_and_global_rng(cache, monkeypatch):
    import mnist1d.data

    np.random.seed(123)
    random.seed(123)
    np_before, py_before = np.random.get_state(), random.getstate()
    d = load_dataset("mnist1d")
    np_after = np.random.get_state()
    assert np_before[0] == np_after[0] and np.array_equal(np_before[1], np_after[1])
    assert np_before[2:] == np_after[2:]
    assert random.getstate() == py_before
    assert d.X_train.shape == (4000, 40) and d.X_test.shape == (1000, 40)
    assert d.n_classes == 10 and set(np.unique(d.y_train)) == set(range(10))
    files = list(cache.glob("mnist1d_n5000_seed42_*.npz"))
    assert len(files) == 1

    def boom(args):
        raise AssertionError("make_dataset called although the cache exists")

    monkeypatch.setattr(mnist1d.data, "make_dataset", boom)
    again = load_dataset("mnist1d")
    for x, y in zip(d, again):
        assert np.array_equal(x, y)
    assert not list(cache.glob("*.tmp"))


def test_mnist1d_cache_name_depends_on_args_and_seed_does_not_change_data(cache, monkeypatch):
    import mnist1d.data

    calls = []
    monkeypatch.setattr(mnist1d.data, "make_dataset", _fake_make_dataset(calls))
    a = load_dataset("mnist1d", n_samples=100, data_seed=1)
    b = load_dataset("mnist1d", n_samples=100, data_seed=1, seed=9)
    load_dataset("mnist1d", n_samples=100, data_seed=2)
    assert calls == [(100, 1), (100, 2)]
    assert a.X_train.shape == (80, 40) and a.X_test.shape == (20, 40)
    assert np.array_equal(a.X_train, b.X_train)
    assert len(list(cache.glob("mnist1d_n100_seed1_*.npz"))) == 1
    assert len(list(cache.glob("mnist1d_n100_seed2_*.npz"))) == 1


def test_mnist1d_corrupt_cache_is_regenerated(cache, monkeypatch):
    import mnist1d.data

    calls = []
    monkeypatch.setattr(mnist1d.data, "make_dataset", _fake_make_dataset(calls))
    first = load_dataset("mnist1d", n_samples=100)
    (path,) = cache.glob("mnist1d_n100_*.npz")
    path.write_bytes(b"this is not a zip file")
    second = load_dataset("mnist1d", n_samples=100)
    assert len(calls) == 2
    assert np.array_equal(first.X_train, second.X_train)
    with np.load(path, allow_pickle=False) as z:  # rewritten and readable again
        assert z["x"].shape == (80, 40)


def test_mnist1d_subsample_and_fixed_split(cache, monkeypatch):
    import mnist1d.data

    monkeypatch.setattr(mnist1d.data, "make_dataset", _fake_make_dataset([]))
    d = load_dataset("mnist1d", n_samples=100, n_train=30, n_test=10)
    assert d.X_train.shape == (30, 40) and d.X_test.shape == (10, 40)
    with pytest.raises(ParameterError, match="test_size"):
        load_dataset("mnist1d", test_size=0.5)
    with pytest.raises(ParameterError, match="n_samples"):
        load_dataset("mnist1d", n_samples=105)
    with pytest.raises(ParameterError, match="n_train"):
        load_dataset("mnist1d", n_samples=100, n_train=81)


def test_cache_dir_order(monkeypatch, tmp_path):
    monkeypatch.setenv("ACTLAB_CACHE_DIR", str(tmp_path / "a"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert cache_dir() == tmp_path / "a"
    monkeypatch.delenv("ACTLAB_CACHE_DIR")
    assert cache_dir() == tmp_path / "x" / "actlab"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "actlab"


# --------------------------------------------------------------------------- toy sets


@pytest.mark.parametrize("name", TOYS)
def test_toy_sets_are_2d_balanced_and_deterministic(name):
    a = load_dataset(name, seed=1)
    b = load_dataset(name, seed=1)
    c = load_dataset(name, seed=2)
    assert a.n_features == 2 and a.X_train.shape == (375, 2) and a.X_test.shape == (125, 2)
    assert a.n_classes == 2 and a.feature_names == ("x1", "x2")
    counts = np.bincount(np.concatenate([a.y_train, a.y_test]))
    assert counts.tolist() == [250, 250]
    for x, y in zip(a, b):
        assert np.array_equal(x, y)
    assert not np.array_equal(a.X_train, c.X_train)


@pytest.mark.parametrize("name", ["spiral", "gaussians"])
def test_toy_sets_with_more_classes(name):
    d = load_dataset(name, n_classes=3, n_samples=300)
    counts = np.bincount(np.concatenate([d.y_train, d.y_test]))
    assert d.n_classes == 3 and counts.tolist() == [100, 100, 100]


def test_xor_labels_follow_sign_of_product_without_noise():
    d = load_dataset("xor", noise=0.0, standardize=False)
    X = np.concatenate([d.X_train, d.X_test])
    y = np.concatenate([d.y_train, d.y_test])
    assert list(d.classes) == [-1, 1]
    assert np.array_equal(d.classes[y], np.sign(X[:, 0] * X[:, 1]).astype(int))
    assert np.abs(X).max() <= 1.0


def test_toy_generation_leaves_global_rng_alone():
    state = np.random.get_state()
    load_dataset("moons")
    assert np.array_equal(state[1], np.random.get_state()[1])


@pytest.mark.parametrize(
    "options, parameter",
    [
        ({"n_samples": 0}, "n_samples"),
        ({"n_samples": 10.5}, "n_samples"),
        ({"noise": -0.1}, "noise"),
        ({"test_size": 0.0}, "test_size"),
        ({"test_size": 1.5}, "test_size"),
        ({"seed": -1}, "seed"),
        ({"dtype": "int8"}, "dtype"),
        ({"standardize": "yes"}, "standardize"),
    ],
)
def test_bad_option_values(options, parameter):
    with pytest.raises(ParameterError, match=rf"^{parameter}: got"):
        load_dataset("moons", **options)


# --------------------------------------------------------------------------- MNIST files


def _idx_bytes(magic: int, arr: np.ndarray) -> bytes:
    header = struct.pack(">I", magic) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return header + arr.astype(np.uint8).tobytes()


def _write_mnist_dir(directory, rng, compress, n_train=20, n_test=10):
    directory.mkdir(parents=True, exist_ok=True)
    arrays = {
        "train-images-idx3-ubyte": (2051, rng.integers(0, 256, (n_train, 28, 28))),
        "train-labels-idx1-ubyte": (2049, np.arange(n_train) % 10),
        "t10k-images-idx3-ubyte": (2051, rng.integers(0, 256, (n_test, 28, 28))),
        "t10k-labels-idx1-ubyte": (2049, np.arange(n_test) % 10),
    }
    for fname, (magic, arr) in arrays.items():
        data = _idx_bytes(magic, arr)
        if compress:
            (directory / (fname + ".gz")).write_bytes(gzip.compress(data))
        else:
            (directory / fname).write_bytes(data)
    return {k: v[1] for k, v in arrays.items()}


@pytest.mark.parametrize("compress", [False, True])
def test_idx_round_trip(tmp_path, compress):
    rng = np.random.default_rng(0)
    truth = _write_mnist_dir(tmp_path / "mnist", rng, compress)
    d = load_dataset("mnist", path=tmp_path / "mnist", standardize=False)
    assert d.X_train.shape == (20, 784) and d.X_test.shape == (10, 784)
    assert d.n_classes == 10
    # order is shuffled by seed: match rows through the labels of the unshuffled original
    images = truth["train-images-idx3-ubyte"].reshape(20, -1) / 255.0
    labels = truth["train-labels-idx1-ubyte"]
    got = {tuple(np.round(row * 255).astype(int)): lab for row, lab in zip(d.X_train, d.y_train)}
    want = {tuple(np.round(row * 255).astype(int)): lab for row, lab in zip(images, labels)}
    assert got == want
    assert 0.0 <= d.X_train.min() and d.X_train.max() <= 1.0
    raw = read_idx(next((tmp_path / "mnist").glob("train-images*")), 2051)
    assert np.array_equal(raw, truth["train-images-idx3-ubyte"])


def test_fashion_mnist_standardized_and_subsampled(tmp_path):
    _write_mnist_dir(tmp_path / "f", np.random.default_rng(1), compress=True)
    d = load_dataset("fashion-mnist", path=str(tmp_path / "f"), n_train=10, n_test=5, seed=2)
    assert d.X_train.shape == (10, 784) and d.X_test.shape == (5, 784)
    assert np.bincount(d.y_train, minlength=10).tolist() == [1] * 10
    np.testing.assert_allclose(d.X_train.mean(axis=0), 0.0, atol=1e-5)


def test_mnist_npz(tmp_path):
    rng = np.random.default_rng(2)
    x_train = rng.integers(0, 256, (12, 28, 28)).astype(np.uint8)
    x_test = rng.integers(0, 256, (6, 28, 28)).astype(np.uint8)
    y_train, y_test = np.arange(12) % 3, np.arange(6) % 3
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    d = load_dataset("mnist", path=path, standardize=False)
    assert d.X_train.shape == (12, 784) and d.n_classes == 3
    assert sorted(map(tuple, np.round(d.X_test * 255).astype(int))) == sorted(
        map(tuple, x_test.reshape(6, -1).astype(int))
    )
    np.savez(tmp_path / "bad.npz", x_train=x_train, y_train=y_train)
    with pytest.raises(DataError, match="x_test"):
        load_dataset("mnist", path=tmp_path / "bad.npz")


def test_idx_bad_magic_and_truncation(tmp_path):
    rng = np.random.default_rng(3)
    _write_mnist_dir(tmp_path / "m", rng, compress=False)
    labels = tmp_path / "m" / "train-labels-idx1-ubyte"
    labels.write_bytes(_idx_bytes(2051, np.arange(20)))  # images magic on a labels file
    with pytest.raises(DataError, match="train-labels-idx1-ubyte.*magic number 2051"):
        load_dataset("mnist", path=tmp_path / "m")
    labels.write_bytes(_idx_bytes(2049, np.arange(20))[:-3])
    with pytest.raises(DataError, match="train-labels-idx1-ubyte.*truncated"):
        load_dataset("mnist", path=tmp_path / "m")
    gz = tmp_path / "x.gz"
    gz.write_bytes(gzip.compress(_idx_bytes(2049, np.arange(5)))[:-6])
    with pytest.raises(DataError, match="x.gz"):
        read_idx(gz, 2049)


def test_mnist_missing_path_and_files(tmp_path, monkeypatch):
    # no path: fetched on first use; with no server (conftest's closed port) one clear error
    monkeypatch.setenv("ACTLAB_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(DataError, match="^mnist: cannot download .* give path= "):
        load_dataset("mnist")
    missing = tmp_path / "nowhere"
    with pytest.raises(DataError, match="nowhere.*t10k-images-idx3-ubyte"):
        load_dataset("mnist", path=missing)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="empty.*train-images-idx3-ubyte"):
        load_dataset("fashion-mnist", path=tmp_path / "empty")
    with pytest.raises(ParameterError, match="test_size"):
        load_dataset("mnist", path=tmp_path / "empty", test_size=0.2)


# --------------------------------------------------------------------------- CSV


def _write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def _iris_like(n_per=8, labels=("setosa", "versicolor", "virginica")):
    lines = ["sepal,petal,species"]
    for i in range(n_per):
        for k, lab in enumerate(labels):
            lines.append(f"{k + 0.1 * i},{2 * k - 0.05 * i},{lab}")
    return "\n".join(lines) + "\n"


def test_csv_string_labels(tmp_path):
    path = _write(tmp_path, _iris_like())
    d = load_dataset("csv", path=path, label="species", seed=0)
    assert d.task == "classification" and d.n_classes == 3
    assert list(d.classes) == ["setosa", "versicolor", "virginica"]
    assert d.feature_names == ("sepal", "petal")
    assert d.X_train.shape == (18, 2) and d.X_test.shape == (6, 2)
    assert np.bincount(d.y_test).tolist() == [2, 2, 2]
    raw = load_dataset("csv", path=path, label="species", standardize=False)
    # rows keep their label: feature 'sepal' integer part is the class index
    assert np.array_equal(np.floor(raw.X_train[:, 0] + 1e-6).astype(int), raw.y_train)


def test_csv_numeric_labels_and_regression(tmp_path):
    path = _write(tmp_path, _iris_like(labels=("3", "7", "9")))
    d = load_dataset("csv", path=path, label="species")
    assert d.task == "classification" and list(d.classes) == [3, 7, 9]
    assert d.classes.dtype.kind == "i"
    rows = ["a,b,target"] + [f"{i},{i % 3},{0.5 * i + 1.25}" for i in range(30)]
    reg = _write(tmp_path, "\n".join(rows) + "\n", "reg.csv")
    r = load_dataset("csv", path=reg, label="target", standardize=False)
    assert r.task == "regression" and r.n_classes is None and r.classes is None
    assert r.y_train.dtype == np.float32
    np.testing.assert_allclose(r.y_train, 0.5 * r.X_train[:, 0] + 1.25)
    forced = load_dataset("csv", path=path, label="species", task="regression")
    assert forced.task == "regression"


@pytest.mark.parametrize(
    "cell, pattern",
    [
        ("nan", r"line 4, column 'b': value 'nan' is not finite"),
        ("inf", r"line 4, column 'b': value 'inf' is not finite"),
        ("-Infinity", r"line 4, column 'b': value '-Infinity' is not finite"),
        ("abc", r"line 4, column 'b': value 'abc' is not a number"),
        ("", r"line 4, column 'b': an empty cell"),
    ],
)
def test_csv_bad_cells_name_file_line_column_value(tmp_path, cell, pattern):
    path = _write(tmp_path, f"a,b,y\n1,2,x\n3,4,z\n5,{cell},x\n6,7,z\n")
    with pytest.raises(DataError, match="data.csv: " + pattern):
        load_dataset("csv", path=path, label="y")


def test_csv_missing_label_column_lists_columns(tmp_path):
    path = _write(tmp_path, "a,b,y\n1,2,x\n")
    with pytest.raises(DataError, match="no column 'species'.*columns found: a, b, y"):
        load_dataset("csv", path=path, label="species")
    with pytest.raises(ParameterError, match="^label: got None"):
        load_dataset("csv", path=path)


def test_csv_empty_and_header_only_and_ragged(tmp_path):
    with pytest.raises(DataError, match="empty.csv: empty file"):
        load_dataset("csv", path=_write(tmp_path, "", "empty.csv"), label="y")
    with pytest.raises(DataError, match="head.csv: header only"):
        load_dataset("csv", path=_write(tmp_path, "a,y\n", "head.csv"), label="y")
    with pytest.raises(DataError, match="rag.csv: line 3: 2 cells"):
        load_dataset("csv", path=_write(tmp_path, "a,b,y\n1,2,x\n1,x\n", "rag.csv"), label="y")
    with pytest.raises(DataError, match="does not exist"):
        load_dataset("csv", path=tmp_path / "nope.csv", label="y")


def test_csv_regression_with_text_label_names_line(tmp_path):
    path = _write(tmp_path, "a,y\n1,2.5\n2,3.5\n3,oops\n4,1\n")
    with pytest.raises(DataError, match="line 4, column 'y': label 'oops'"):
        load_dataset("csv", path=path, label="y", task="regression")


# --------------------------------------------------------------------------- arrays


def test_from_arrays_validates():
    X = np.random.default_rng(0).standard_normal((40, 3))
    y = np.repeat(["a", "b"], 20)
    d = from_arrays(X, y, name="mine", seed=5)
    assert d.name == "mine" and list(d.classes) == ["a", "b"] and d.X_train.shape == (30, 3)
    with pytest.raises(DataError, match="2-D"):
        from_arrays(X[:, 0], y)
    with pytest.raises(DataError, match="39 rows"):
        from_arrays(X[:39], y)
    Xbad = X.copy()
    Xbad[7, 2] = np.inf
    with pytest.raises(DataError, match="row 7, column 2"):
        from_arrays(Xbad, y)
    given = from_arrays(X[:30], y[:30], X_test=X[30:], y_test=y[30:], standardize=False)
    assert np.array_equal(given.X_test, X[30:].astype(np.float32))


def test_check_finite_2d():
    out = check_finite_2d([[1, 2], [3, 4]], "X")
    assert out.dtype == np.float64 and out.shape == (2, 2)
    with pytest.raises(DataError, match=r"^Z: 1 non-finite.*row 1, column 0: nan"):
        check_finite_2d(np.array([[1.0, 2.0], [np.nan, 1.0]]), "Z")
    with pytest.raises(DataError, match="could not convert"):
        check_finite_2d([["a", "b"]], "X")


# --------------------------------------------------------------------------- registry


def test_registry_names_and_descriptions():
    names = available_datasets()
    for name in ["digits", "mnist1d", "mnist", "fashion-mnist", "csv", *TOYS]:
        assert name in names and names[name] and "\n" not in names[name]
    assert ds_mod.DEFAULT_DATASET == "digits"


def test_unknown_dataset_suggests_closest():
    with pytest.raises(UnknownNameError, match="did you mean 'digits'"):
        load_dataset("digit")


def test_unknown_option_lists_allowed_options():
    with pytest.raises(ParameterError, match="^nosie: got 0.3.*noise, seed.*did you mean 'noise'"):
        load_dataset("moons", nosie=0.3)
    with pytest.raises(ParameterError, match="an option of data set 'digits'"):
        load_dataset("digits", n_classes=3)


def test_csv_nan_label_refused(tmp_path):
    path = _write(tmp_path, "a,y\n1,2.5\n2,nan\n3,1\n")
    with pytest.raises(DataError, match="line 3, column 'y': label 'nan' is not finite"):
        load_dataset("csv", path=path, label="y")
