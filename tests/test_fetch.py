"""MNIST-style data fetched on first use: the real download code against a server on 127.0.0.1.

The server serves small IDX .gz files this test writes; the published SHA-256 table is swapped
for the hashes of those files (the code path is the one a user runs). No test needs the
internet.
"""

import functools
import gzip
import hashlib
import http.server
import os
import socket
import subprocess
import sys
import threading

import numpy as np
import pytest

from actlab.datasets import fetch as fetch_module
from actlab.datasets import load_dataset
from actlab.errors import DataError


def _idx(magic, arr):
    arr = np.asarray(arr, dtype=np.uint8)
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in arr.shape)
    return header + arr.tobytes()


def _write_files(folder, seed=0, n_train=30, n_test=10):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {
        "train-images-idx3-ubyte.gz": (2051, rng.integers(0, 256, (n_train, 28, 28))),
        "train-labels-idx1-ubyte.gz": (2049, np.arange(n_train) % 10),
        "t10k-images-idx3-ubyte.gz": (2051, rng.integers(0, 256, (n_test, 28, 28))),
        "t10k-labels-idx1-ubyte.gz": (2049, np.arange(n_test) % 10),
    }
    hashes = {}
    for name, (magic, arr) in arrays.items():
        data = gzip.compress(_idx(magic, arr))
        (folder / name).write_bytes(data)
        hashes[name] = hashlib.sha256(data).hexdigest()
    return arrays, hashes


class _Server:
    """http.server on 127.0.0.1 in a thread, counting the GET requests it answers."""

    def __init__(self, root):
        self.requests = []
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                outer.requests.append(self.path)

        handler = functools.partial(Handler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """A local mirror serving mnist files, the cache in tmp_path, the hash table swapped."""
    root = tmp_path / "www"
    arrays, hashes = _write_files(root / "mnist")
    server = _Server(root)
    monkeypatch.setenv("ACTLAB_DATA_URL", server.url)
    monkeypatch.setenv("ACTLAB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setitem(
        fetch_module.SOURCES, "mnist", fetch_module.Source("http://unused.invalid/", hashes)
    )
    yield server, arrays, hashes, tmp_path / "cache" / "mnist"
    server.close()


def test_first_use_downloads_once_verified_then_works_offline(mirror, capfd):
    server, arrays, hashes, cached = mirror
    d = load_dataset("mnist", standardize=False)
    assert sorted(server.requests) == sorted(f"/mnist/{name}" for name in hashes)
    assert "100%" in capfd.readouterr().err  # the progress bar ran to the end
    assert d.X_train.shape == (30, 784) and d.X_test.shape == (10, 784)
    want = arrays["train-images-idx3-ubyte.gz"][1].reshape(30, -1) / 255.0
    assert sorted(map(tuple, np.round(d.X_train * 255).astype(int))) == sorted(
        map(tuple, np.round(want * 255).astype(int))
    )
    for name, sha in hashes.items():
        assert hashlib.sha256((cached / name).read_bytes()).hexdigest() == sha
    assert d.options["path"] is None  # what the user asked for: the fetched copy

    server.requests.clear()
    again = load_dataset("mnist", standardize=False)
    assert server.requests == []  # second use: cache only
    np.testing.assert_array_equal(again.X_train, d.X_train)

    server.close()  # offline now: the verified cache still serves
    offline = load_dataset("mnist", standardize=False, n_train=10)
    assert offline.X_train.shape == (10, 784)


def test_corrupted_download_is_refused_and_not_cached(mirror):
    *_, cached = mirror
    www = cached.parent.parent / "www" / "mnist"
    path = www / "t10k-images-idx3-ubyte.gz"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF  # one flipped byte: still a file, no longer the published one
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte.gz does not have its published"):
        load_dataset("mnist")
    assert not (cached / "t10k-images-idx3-ubyte.gz").exists()
    # nothing half-written left behind: only the two files fetched (and verified) before it
    leftovers = sorted(p.name for p in cached.iterdir())
    assert leftovers == ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]


def test_corrupted_cache_file_is_downloaded_again(mirror):
    server, _, hashes, cached = mirror
    load_dataset("mnist")
    (cached / "train-labels-idx1-ubyte.gz").write_bytes(b"damaged on disk")
    server.requests.clear()
    load_dataset("mnist")
    assert server.requests == ["/mnist/train-labels-idx1-ubyte.gz"]
    got = hashlib.sha256((cached / "train-labels-idx1-ubyte.gz").read_bytes()).hexdigest()
    assert got == hashes["train-labels-idx1-ubyte.gz"]


def test_missing_file_on_server_is_one_line(mirror):
    *_, cached = mirror
    os.remove(cached.parent.parent / "www" / "mnist" / "train-labels-idx1-ubyte.gz")
    with pytest.raises(
        DataError, match=r"cannot download .*train-labels-idx1-ubyte.gz \(HTTPError"
    ):
        load_dataset("mnist")


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_offline_cli_prints_one_line_and_exits_2(tmp_path):
    env = {
        **os.environ,
        "ACTLAB_DATA_URL": f"http://127.0.0.1:{_closed_port()}",
        "ACTLAB_CACHE_DIR": str(tmp_path / "cache"),
    }
    out = tmp_path / "run"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "actlab.cli",
            "compare",
            "--dataset",
            "mnist",
            "--epochs",
            "1",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("actlab: error: mnist: cannot download http://127.0.0.1:")
    assert "ConnectionError" in lines[0] and "--path" in lines[0]
    assert not out.exists()


def test_path_still_works_with_no_network(tmp_path, monkeypatch):
    monkeypatch.setenv("ACTLAB_DATA_URL", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("ACTLAB_CACHE_DIR", str(tmp_path / "cache"))
    _write_files(tmp_path / "mine", seed=3)
    d = load_dataset("fashion-mnist", path=tmp_path / "mine", n_train=20)
    assert d.X_train.shape == (20, 784)
    assert not (tmp_path / "cache").exists()  # nothing fetched, nothing cached


def test_published_table_and_mirror_url(monkeypatch):
    for name in ("mnist", "fashion-mnist", "kmnist"):
        table = fetch_module.SOURCES[name].sha256
        assert sorted(table) == sorted(
            f"{p}-{k}-idx{d}-ubyte.gz"
            for p in ("train", "t10k")
            for k, d in (("images", 3), ("labels", 1))
        )
        assert all(len(v) == 64 and int(v, 16) >= 0 for v in table.values())
    monkeypatch.delenv("ACTLAB_DATA_URL", raising=False)
    assert fetch_module.base_url("mnist").startswith("https://")
    monkeypatch.setenv("ACTLAB_DATA_URL", "http://127.0.0.1:9/m/")
    assert fetch_module.base_url("kmnist") == "http://127.0.0.1:9/m/kmnist/"
