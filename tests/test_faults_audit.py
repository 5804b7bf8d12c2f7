"""Faults found by the audit of issue 11 (a new user's reproduction of every case), each made
to happen: a port that accepts but is no Dask scheduler, data that overflows only in the
training dtype, a full disk while the report's figures are written, a kill during a weights
write, and the file modes of atomically written files."""

import socket
import subprocess
import sys
import threading

import pytest

from actlab.experiments import Spec, run_spec

SPEC = {
    "activations": ["relu", "tanh"],
    "inits": ["auto"],
    "datasets": ["moons"],
    "hidden": [[8]],
    "epochs": 2,
    "seeds": [0, 1],
    "probes": False,
}


def run_cli(*args, timeout=120, **kw):
    cmd = [sys.executable, "-m", "actlab.cli", *map(str, args)]
    try:
        return subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, check=False, **kw
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"actlab {' '.join(map(str, args))} still running after {timeout} s")


def test_a_port_that_accepts_but_is_no_scheduler_is_refused_in_one_line(tmp_path):
    """A web server's port (it accepts and waits for a request): Dask's connect waited for a
    handshake for good (more than 10 minutes), whatever its timeout said."""
    pytest.importorskip("distributed")
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    held = []
    stop = threading.Event()

    def accept():  # accept every connection and say nothing, as an HTTP server does
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    out = tmp_path / "run"
    try:
        proc = run_cli(
            "compare", "--epochs", "1", "--scheduler", f"tcp://127.0.0.1:{port}", "--out", out
        )
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert "sent no Dask handshake within 5 s" in proc.stderr
    assert held  # the server was reached
    assert not out.exists()


def test_data_that_overflows_only_in_the_training_dtype_is_refused_before_writing(tmp_path):
    """A CSV loaded as float64 (data option dtype) holds 1e300, finite there; the networks
    train in float32, where it is inf. The run refused nothing: every group failed in
    Trainer.fit and the run exited 0 with a table of failed groups."""
    from actlab.errors import DataError

    rows = [f"{i % 7},{(i * 3) % 5},{i % 2}" for i in range(40)]
    rows[5] = "1e300,1,1"
    path = tmp_path / "big.csv"
    path.write_text("a,b,label\n" + "\n".join(rows) + "\n")
    options = {"path": str(path), "label": "label", "dtype": "float64", "standardize": False}
    spec = Spec.from_dict({**SPEC, "datasets": ["csv"], "data_options": options})
    out = tmp_path / "run"
    with pytest.raises(DataError, match=r"1e\+300 overflows float32.*train in float32"):
        run_spec(spec, out=out, progress="none", workers=1)
    assert not out.exists()
    float64 = Spec.from_dict({**SPEC, "datasets": ["csv"], "data_options": options})
    float64.dtype = "float64"  # the same data trains in float64
    result = run_spec(float64, out=out, progress="none", workers=1)
    assert {r["status"] for r in result.records} == {"ok"} and len(result.records) == 4
