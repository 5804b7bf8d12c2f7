"""Faults found by the audit of issue 11 (a new user's reproduction of every case), each made
to happen: a port that accepts but is no Dask scheduler, data that overflows only in the
training dtype, a full disk while the report's figures are written, a kill during a weights
write, and the file modes of atomically written files."""

import socket
import subprocess
import sys
import threading
from pathlib import Path

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


def compare_against_server(tmp_path, on_connection):
    """``actlab compare --scheduler`` pointed at a server on 127.0.0.1 that hands every
    connection it accepts to ``on_connection(conn)``: (the finished process, its --out, the
    connections accepted; each closed by then)."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    accepted = []
    stop = threading.Event()

    def serve():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn = server.accept()[0]
            except TimeoutError:
                continue
            accepted.append(conn)
            on_connection(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    out = tmp_path / "run"
    try:
        proc = run_cli(
            "compare", "--epochs", "1", "--scheduler", f"tcp://127.0.0.1:{port}", "--out", out
        )
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        server.close()
    return proc, out, accepted


def test_a_port_that_accepts_but_is_no_scheduler_is_refused_in_one_line(tmp_path):
    """A web server's port (it accepts and waits for a request): Dask's connect waited for a
    handshake for good (more than 10 minutes), whatever its timeout said."""
    pytest.importorskip("distributed")
    # accept every connection and say nothing, as an HTTP server does
    proc, out, accepted = compare_against_server(tmp_path, lambda conn: None)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert "sent no Dask handshake within 5 s" in proc.stderr
    assert accepted  # the server was reached
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


DIGITS = {**SPEC, "datasets": ["digits"], "hidden": [[8]]}
PNG_END = b"IEND\xaeB`\x82"


def _records(out):
    from actlab.experiments.store import RunStore

    return sorted(
        (r["group_id"], r["seed"], r["status"], r["train_loss"], r["test_acc"])
        for r in RunStore(out).records()
    )


def test_full_disk_while_drawing_the_report_leaves_no_cut_figure(tmp_path):
    """RLIMIT_FSIZE (every write past LIMIT bytes fails, as on a full disk) below the size of
    any figure and above the records, weights and tables: the figures were written in place
    (0-byte and cut PNGs stayed in figures/, loss_curves.png was cut) and the error line named
    no file. Now every figure is whole or absent and the line names the file and what to do."""
    import resource

    spec = tmp_path / "spec.toml"
    spec.write_text(
        'activations = ["relu", "tanh"]\ninits = ["auto"]\ndatasets = ["digits"]\n'
        "hidden = [[8]]\nepochs = 2\nseeds = 2\nprobes = false\n"
    )
    out = tmp_path / "run"
    limit = 20_000

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = run_cli("run", spec, "--out", out, "--workers", "1", "--quiet", preexec_fn=small_files)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert f"out: cannot write the report in {out} ({out}/" in proc.stderr
    assert (
        f"File too large); the records and tables are kept: make room and run actlab report {out}"
        in proc.stderr
    )
    largest = max(p.stat().st_size for p in out.rglob("*") if p.suffix != ".png")
    assert largest < limit  # the records, weights and tables fitted
    cut = [p.name for p in out.rglob("*.png") if not p.read_bytes().endswith(PNG_END)]
    assert cut == []
    assert [p.name for p in out.rglob("*") if "tmp" in p.name] == []
    reference = tmp_path / "reference"
    assert run_cli("run", spec, "--out", reference, "--workers", "1", "--quiet").returncode == 0
    assert _records(out) == _records(reference)
    assert run_cli("report", out).returncode == 0  # as the line says, once there is room
    assert (out / "report.html").exists()


KILL_IN_WEIGHTS = """
import os, signal, sys
from actlab.experiments import Spec, run_spec
from actlab.experiments import store
real, calls = os.fsync, []
def fsync(fd):  # config, weights 1, records 1, then weights 2: written, not yet renamed
    calls.append(fd)
    if len(calls) == 4:
        os.kill(os.getpid(), signal.SIGKILL)
    real(fd)
store.os.fsync = fsync
run_spec(Spec.from_dict({spec!r}), out=sys.argv[1], progress="none", workers=1)
"""


def test_a_kill_while_writing_weights_leaves_no_temp_file_after_resume(tmp_path):
    """A kill between writing a group's weights to their temporary file and renaming it left
    weights/.tmp-GROUP.npz-XXXX for good: resume cleaned the run directory's top level only."""
    out = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-c", KILL_IN_WEIGHTS.format(spec=DIGITS), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == -9, proc.stderr
    assert len(list((out / "weights").glob(".tmp-*"))) == 1  # the fault happened
    run_spec(Spec.from_dict(DIGITS), out=out, progress="none", workers=1)
    assert [p.name for p in out.rglob("*") if p.name.startswith(".tmp-")] == []
    assert len(list((out / "weights").glob("*.npz"))) == 2
    reference = tmp_path / "reference"
    run_spec(Spec.from_dict(DIGITS), out=reference, progress="none", workers=1)
    assert _records(out) == _records(reference)


def test_run_files_get_the_usual_file_mode(tmp_path):
    """Files written through a temporary file (mkstemp: mode 0600) kept that mode: table.csv,
    history.csv, config.json, report.html and the weights were unreadable to anyone else
    while records.jsonl was 0644."""
    import os

    from actlab.cli import main

    old = os.umask(0o022)
    try:
        out = tmp_path / "run"
        run_spec(Spec.from_dict(DIGITS), out=out, progress="none", workers=1)
        assert main(["report", str(out)]) == 0
    finally:
        os.umask(old)
    files = [p for p in out.rglob("*") if p.is_file() and p.name != ".lock"]
    modes = {str(p.relative_to(out)): oct(p.stat().st_mode & 0o777) for p in files}
    assert {"config.json", "table.csv", "history.csv", "report.html"} <= set(modes)
    assert any(name.startswith("weights/") for name in modes)
    assert any(name.startswith("figures/") for name in modes)
    assert set(modes.values()) == {"0o644"}, modes


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["run", "--preset", "compare", "--seeds", "-1,2"],
            "actlab run: error: argument --seeds: expected one argument (a value that starts "
            "with '-' goes after '=': --seeds=VALUE); see actlab run --help",
        ),
        (
            ["compare", "--dtype", "float16"],
            "actlab compare: error: argument --dtype: invalid choice: 'float16' (choose from "
            "'float32', 'float64'); see actlab compare --help",
        ),
    ],
)
def test_argparse_errors_are_one_line(tmp_path, args, message):
    """argparse printed its 12-line usage block above its error (--seeds -1,2 as a new user
    types it, a dtype it does not know)."""
    proc = run_cli(*args, "--out", tmp_path / "run", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == message + "\n"
    assert list(tmp_path.iterdir()) == []


def test_a_port_that_answers_garbage_is_named_as_no_scheduler(tmp_path):
    """A server that answers at once with bytes that are not Dask's (a web server's error
    page): Dask read them as a frame length of exabytes and the line said 'none did within
    5 s: MemoryError', though it failed at once and something did answer."""
    pytest.importorskip("distributed")

    def answer(conn):
        try:
            conn.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\n" * 8)
        except OSError:
            pass
        conn.close()

    proc, out, _ = compare_against_server(tmp_path, answer)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "something answered there, but not as a Dask scheduler" in proc.stderr
    assert not out.exists()


DRAWING = """
import time
from actlab.report.common import draw_parallel
draw_parallel([(time.sleep, (30,)), (time.sleep, (30,))], workers=2)
"""


def _children(pid: int) -> list[int]:
    out = []
    for name in Path("/proc").iterdir():
        if name.name.isdigit():
            try:
                fields = (name / "stat").read_bytes().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(name.name))
    return out


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_figure_workers_die_with_the_process_that_draws():
    """SIGKILL of a run while its figures were drawn left the drawing pool's workers alive:
    they drew on, then printed two BrokenPipeError tracebacks into the terminal."""
    import os
    import signal
    import time

    proc = subprocess.Popen(
        [sys.executable, "-c", DRAWING], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    workers = _children(proc.pid)
    assert len(workers) == 2
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 5
    alive = workers
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [w for w in workers if Path(f"/proc/{w}").exists() and _state(w) != "Z"]
    for w in alive:  # clean up before failing
        os.kill(w, signal.SIGKILL)
    assert alive == []


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0].decode()
    except OSError:
        return "gone"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--out", "{tmp}/afile/run"], "afile is a file, so nothing can be created under it"),
        (["--seeds", "1001", "--out", "{tmp}/run"], "size: got '4 groups x 1001 seeds"),
    ],
)
def test_a_refused_run_prints_its_error_line_only(tmp_path, args, message):
    """The run's first line ("actlab compare: relu, tanh on digits, ...") came on stdout
    before the checks, then the error on stderr: two lines where the README promises one."""
    (tmp_path / "afile").write_text("")
    args = [a.format(tmp=tmp_path) for a in args]
    proc = run_cli("compare", "--activations", "relu,tanh", "--epochs", "1", *args)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1 and message in proc.stderr, proc.stderr
    assert not (tmp_path / "run").exists()


def test_a_run_that_passes_the_checks_prints_its_first_line(tmp_path, capsys):
    from actlab.cli import main

    assert main(["compare", "--epochs", "1", "--quiet", "--out", str(tmp_path / "q")]) == 0
    assert not capsys.readouterr().out.startswith("actlab compare:")  # --quiet: no first line
    out = tmp_path / "run"
    flags = ["--activations", "relu", "--init", "auto", "--hidden", "4", "--seeds", "1"]
    assert main(["compare", *flags, "--epochs", "1", "--out", str(out)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert (
        first
        == "actlab compare: relu on digits, network 4, init auto, 1 seeds, sgd lr 0.03, 1 epochs"
    )


def _million_lrs(tmp_path):
    lrs = ", ".join(f"{0.001 * (1 + i / 10**6):.9f}" for i in range(10**6))
    spec = tmp_path / "big.toml"
    grid = f'activations = ["relu"]\ninits = ["auto"]\nlr = [{lrs}]\nseeds = 1\n'
    spec.write_text(f'name = "big"\n[grid]\n{grid}')
    return spec


def test_a_grid_of_a_million_groups_is_refused_without_expanding_it(tmp_path, capsys, monkeypatch):
    """10^6 learning rates: plan and run expanded all 10^6 groups (8.5 s, 480 MB) before the
    size check refused them. Counted from the axes' lengths now: expand is never called."""
    import actlab.cli
    from actlab.experiments import plan, sweep

    spec = _million_lrs(tmp_path)

    def no_expand(spec):
        raise AssertionError("the grid was expanded")

    monkeypatch.setattr(plan, "expand", no_expand)
    monkeypatch.setattr(sweep, "expand", no_expand)
    message = (
        "actlab: error: size: got '1000000 groups x 1 seeds = 1000000 trainings'; allowed: "
        "at most 2000 without --yes (check the plan with actlab plan first)\n"
    )
    assert actlab.cli.main(["plan", str(spec), "--no-calibrate"]) == 2
    out, err = capsys.readouterr()
    assert err == message
    lines = out.splitlines()
    assert lines[0] == "spec 'big': 1000000 groups x 1 seeds = 1000000 trainings of 30 epochs"
    lrs = next(line for line in lines if line.strip().startswith("lrs"))
    assert lrs.split() == [
        *("lrs", "1000000", "0.001,", "0.001000001,", "0.001000002,", "0.001000003,", "...,"),
        *("0.001999998,", "0.001999999"),
    ]
    assert max(map(len, lines)) < 200
    out_dir = tmp_path / "run"
    assert actlab.cli.main(["run", str(spec), "--out", str(out_dir)]) == 2
    assert capsys.readouterr() == ("", message) and not out_dir.exists()


def test_a_float64_run_trains_on_its_data_in_float64(tmp_path, monkeypatch):
    """--dtype float64 loaded the data in the loaders' default float32: the float64 networks
    trained on 0.1234567890123 rounded to 0.12345679104328156. The data now loads in the
    training dtype (its fingerprint is of that data); a float32 run loads as before."""
    import json

    import numpy as np

    from actlab.datasets import load_dataset
    from actlab.experiments.runner import data_key, fingerprint
    from actlab.training import Trainer

    rows = [f"{0.1234567890123 + i * 1e-7!r},{i % 7 / 3!r},{i % 2}" for i in range(40)]
    path = tmp_path / "fine.csv"
    path.write_text("a,b,label\n" + "\n".join(rows) + "\n")
    source = np.array([[float(v) for v in r.split(",")[:2]] for r in rows])
    assert not np.array_equal(source, source.astype(np.float32))  # float32 would round it
    seen = []
    fit = Trainer.fit

    def spy(self, net, X, y, X_test=None, y_test=None, **kw):
        seen.append((net.dtype, X, X_test))
        return fit(self, net, X, y, X_test=X_test, y_test=y_test, **kw)

    monkeypatch.setattr(Trainer, "fit", spy)
    options = {"path": str(path), "label": "label", "standardize": False}
    base = {**SPEC, "activations": ["relu"], "datasets": ["csv"], "data_options": options}
    for dtype in ("float64", "float32"):
        seen.clear()
        spec = Spec.from_dict({**base, "dtype": dtype})
        out = tmp_path / dtype
        run_spec(spec, out=out, progress="none", workers=1)
        ((net_dtype, X, X_test),) = seen
        assert net_dtype == X.dtype == X_test.dtype == np.dtype(dtype)
        loaded = np.sort(np.vstack([X, X_test]), axis=0)
        assert np.array_equal(loaded, np.sort(source.astype(dtype), axis=0))
        as_loaded = load_dataset("csv", **options, dtype=dtype)
        key = data_key("csv", tuple(sorted(options.items())))  # a float32 run's key as before
        if dtype == "float64":
            key = data_key("csv", tuple(sorted({**options, "dtype": "float64"}.items())))
        stored = json.loads((out / "config.json").read_text())["data"]
        assert stored == {key: fingerprint(as_loaded)}


def test_a_run_directory_of_float32_rounded_data_does_not_resume_as_float64(tmp_path):
    """A float64 run directory made before the fix holds its data fingerprint under the
    float32 load's key: resuming it now would mix groups trained on rounded data with groups
    trained on the exact values; refused in one line."""
    import json

    from actlab.errors import ParameterError

    spec = Spec.from_dict({**DIGITS, "activations": ["relu"], "seeds": [0], "dtype": "float64"})
    out = tmp_path / "run"
    run_spec(spec, out=out, progress="none", workers=1)
    config = json.loads((out / "config.json").read_text())
    (fp,) = config["data"].values()
    config["data"] = {"digits": fp}  # as the old code stored it
    (out / "config.json").write_text(json.dumps(config))
    with pytest.raises(ParameterError, match=r"it loaded digits; now digits \(dtype=float64\)"):
        run_spec(spec, out=out, progress="none", workers=1)
