"""Faults made to happen: a write that dies between two records of a group, a cut, garbage and
invalid UTF-8 in records.jsonl, two writers, a full disk, unwritable and read-only output
directories, data that changes between a kill and its resume, a first group where every seed
diverges, a killed parent with live pool workers, schedulers unreachable, empty or lost.

Each fault run is finished by running the same command again, and its records must equal an
uninterrupted run's: nothing finished lost, nothing trained twice.
"""

import csv
import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from actlab.cli import main
from actlab.experiments import Spec, run_spec
from actlab.experiments import store as store_mod
from actlab.experiments.store import QUARANTINE, RunStore

HERE = Path(__file__).parent
SPEC = (
    'activations = ["relu", "tanh", "elu"]\ninits = ["auto"]\ndatasets = ["moons"]\n'
    "hidden = [[8]]\nepochs = 2\nseeds = 2\nprobes = false\n"
)
METRICS = ("status", "train_loss", "train_acc", "test_loss", "test_acc")


def canon(records):
    """What a record says about training (timings aside), keyed by (group, seed)."""
    return sorted(
        (r["group_id"], r["seed"], *(json.dumps(r.get(m)) for m in METRICS)) for r in records
    )


def run_cli(*args, fault=None, **kw):
    cmd = [
        sys.executable,
        *([str(HERE / "fault_cli.py"), *fault, "--"] if fault else ["-m", "actlab.cli"]),
        *map(str, args),
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False, **kw)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted run every faulted run must end up equal to."""
    base = tmp_path_factory.mktemp("ref")
    (base / "spec.toml").write_text(SPEC)
    proc = run_cli("run", base / "spec.toml", "--out", base / "run", "--workers", "1", "--quiet")
    assert proc.returncode == 0, proc.stderr
    return canon(RunStore(base / "run").records())


@pytest.fixture
def spec_file(tmp_path):
    path = tmp_path / "spec.toml"
    path.write_text(SPEC)
    return path


def lines_of(path) -> list[bytes]:
    return Path(path).read_bytes().splitlines(keepends=True)


def finish_and_compare(spec_file, out, reference, kept: list[bytes]):
    """Run the same command again: it exits 0, keeps the complete groups it found byte for
    byte, and ends with records equal to the uninterrupted run, each (group, seed) once."""
    proc = run_cli("run", spec_file, "--out", out, "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    final = (out / "records.jsonl").read_bytes()
    assert final.startswith(b"".join(kept))
    records = RunStore(out).records()
    assert len(records) == len(final.splitlines()) == 6
    assert len({(r["group_id"], r["seed"]) for r in records}) == 6
    assert canon(records) == reference
    return proc


def test_write_dying_between_two_records_of_a_group_retrains_that_group(
    spec_file, tmp_path, reference
):
    out = tmp_path / "run"
    proc = run_cli("run", spec_file, "--out", out, "--workers", "1", "--quiet", fault=["kill", "3"])
    assert proc.returncode == -signal.SIGKILL
    lines = lines_of(out / "records.jsonl")
    assert len(lines) == 3  # group 1 complete, group 2 has one of its two seeds
    done = finish_and_compare(spec_file, out, reference, kept=lines[:2])
    assert "resuming: 1 of 3 groups" in done.stdout
    assert (
        f"records: 1 line(s) of incomplete or corrupt groups moved to {QUARANTINE}" in done.stdout
    )
    assert (out / QUARANTINE).read_bytes() == lines[2]


def test_records_cut_after_a_complete_line(spec_file, tmp_path, reference):
    out = tmp_path / "run"
    assert run_cli("run", spec_file, "--out", out, "--workers", "1").returncode == 0
    lines = lines_of(out / "records.jsonl")
    (out / "records.jsonl").write_bytes(b"".join(lines[:5]))  # group 3 lost one seed
    done = finish_and_compare(spec_file, out, reference, kept=lines[:4])
    assert "resuming: 2 of 3 groups" in done.stdout and "training again: elu" in done.stdout


def test_garbage_and_non_utf8_middle_lines(spec_file, tmp_path, reference):
    out = tmp_path / "run"
    assert run_cli("run", spec_file, "--out", out, "--workers", "1").returncode == 0
    lines = lines_of(out / "records.jsonl")
    damaged = [
        lines[0],
        b"#garbage}{\n",
        lines[1],
        lines[2],
        b'\xff\xfe{"seed": 1}\n',
        lines[4],
        lines[5],
    ]  # group 2 lost a seed to invalid UTF-8
    (out / "records.jsonl").write_bytes(b"".join(damaged))
    report = run_cli("report", out)  # readers skip what is not a complete group
    assert report.returncode == 0, report.stderr
    done = finish_and_compare(spec_file, out, reference, kept=[lines[0], lines[1], *lines[4:]])
    assert "resuming: 2 of 3 groups" in done.stdout
    assert b"#garbage}{" in (out / QUARANTINE).read_bytes()


def test_a_flipped_digit_fails_the_line_check(spec_file, tmp_path, reference):
    out = tmp_path / "run"
    assert run_cli("run", spec_file, "--out", out, "--workers", "1").returncode == 0
    lines = lines_of(out / "records.jsonl")
    rec = json.loads(lines[1])
    text = lines[1].decode()
    at = text.index('"train_loss": [') + len('"train_loss": [')
    digit = next(i for i in range(at, len(text)) if text[i] in "123456789")
    flipped = text[:digit] + str(int(text[digit]) % 9 + 1) + text[digit + 1 :]
    assert json.loads(flipped)["train_loss"] != rec["train_loss"]
    (out / "records.jsonl").write_bytes(lines[0] + flipped.encode() + b"".join(lines[2:]))
    finish_and_compare(spec_file, out, reference, kept=lines[2:])


def test_two_processes_on_one_directory(spec_file, tmp_path, reference):
    out, flag = tmp_path / "run", tmp_path / "go"
    first = subprocess.Popen(
        [
            sys.executable,
            str(HERE / "fault_cli.py"),
            "pause",
            "1",
            str(flag),
            "--",
            "run",
            str(spec_file),
            "--out",
            str(out),
            "--workers",
            "1",
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while (
            not Path(str(flag) + ".ready").exists()
            and first.poll() is None
            and time.monotonic() < deadline
        ):
            time.sleep(0.05)
        assert first.poll() is None, first.communicate()
        second = run_cli("run", spec_file, "--out", out, "--workers", "1")
        assert second.returncode == 2
        assert second.stderr.strip() == (
            f"actlab: error: out: {out} is being written by another "
            f"actlab process (PID {first.pid}); wait for it to "
            "finish or choose another --out"
        )
    finally:
        flag.touch()
        first.communicate(timeout=120)
    assert first.returncode == 0
    records = RunStore(out).records()
    assert len(lines_of(out / "records.jsonl")) == 6 and canon(records) == reference


def test_full_disk_while_storing_a_group(spec_file, tmp_path, reference):
    out = tmp_path / "run"
    proc = run_cli(
        "run", spec_file, "--out", out, "--workers", "1", "--quiet", fault=["enospc", "3"]
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        (
            f"actlab: error: out: cannot write to {out} (No space left on device); every group "
            "finished before is kept: make room and run the same command again to resume"
        )
    ]
    lines = lines_of(out / "records.jsonl")
    assert len(lines) == 2  # the half-written group was cut back off
    finish_and_compare(spec_file, out, reference, kept=lines)


def test_full_disk_while_writing_a_table_leaves_no_part_behind(tmp_path, monkeypatch):
    spec = Spec.from_dict({**json_spec(), "activations": ["relu"]})
    out = tmp_path / "run"
    run_spec(spec, out=out, progress="none", workers=1)
    history = (out / "history.csv").read_bytes()
    real = store_mod._write_all

    def full(fd, data):
        if "history.csv" in os.readlink(f"/proc/self/fd/{fd}"):
            real(fd, data[:100])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd, data)

    monkeypatch.setattr(store_mod, "_write_all", full)
    with pytest.raises(store_mod.StoreError, match=r"cannot write history.csv .*No space left"):
        run_spec(spec, out=out, progress="none", workers=1)
    assert (out / "history.csv").read_bytes() == history  # the old file, whole
    assert not [p.name for p in out.iterdir() if "tmp" in p.name]


def json_spec():
    return {
        "activations": ["relu", "tanh", "elu"],
        "inits": ["auto"],
        "datasets": ["moons"],
        "hidden": [[8]],
        "epochs": 2,
        "seeds": [0, 1],
        "probes": False,
    }


def test_leftovers_of_an_interrupted_write_are_removed(tmp_path):
    spec = Spec.from_dict({**json_spec(), "activations": ["relu"]})
    out = tmp_path / "run"
    run_spec(spec, out=out, progress="none", workers=1)
    (out / "report.html.tmp").write_text("<html")
    (out / ".tmp-table.csv-abcd").write_text("activ")
    run_spec(spec, out=out, progress="none", workers=1)
    assert not (out / "report.html.tmp").exists() and not (out / ".tmp-table.csv-abcd").exists()


@pytest.mark.parametrize(
    "patch, message",
    [
        ("access", "a directory this user may write"),
        ("erofs", "a writable directory .*Read-only file system"),
        ("eacces", "a writable directory .*Permission denied"),
    ],
)
def test_unwritable_and_read_only_output_directory(tmp_path, monkeypatch, capsys, patch, message):
    parent = tmp_path / "mnt"
    parent.mkdir()
    if patch == "access":
        monkeypatch.setattr(store_mod.os, "access", lambda path, mode: False)
    else:
        code = errno.EROFS if patch == "erofs" else errno.EACCES

        def refuse(*args, **kwargs):
            raise OSError(code, os.strerror(code))

        monkeypatch.setattr(store_mod.tempfile, "mkstemp", refuse)
    assert main(["compare", "--epochs", "1", "--out", str(parent / "run")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"actlab: error: out: got '{parent / 'run'}'")
    assert __import__("re").search(message, err[0]), err[0]
    assert list(parent.iterdir()) == []


def test_out_under_a_file_and_out_a_file(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    under = run_cli("compare", "--epochs", "1", "--out", blocker / "run")
    assert under.returncode == 2 and "is a file, so nothing can be created under it" in under.stderr
    at = run_cli("compare", "--epochs", "1", "--out", blocker)
    assert at.returncode == 2 and "allowed: a directory (this path is a file)" in at.stderr
    assert len(at.stderr.strip().splitlines()) == 1 and blocker.read_text() == "x"


def test_corrupt_config_is_named(spec_file, tmp_path):
    out = tmp_path / "run"
    assert run_cli("run", spec_file, "--out", out, "--workers", "1", "--quiet").returncode == 0
    (out / "config.json").write_text('{"config": {"name": ')
    before = (out / "records.jsonl").read_bytes()
    proc = run_cli("run", spec_file, "--out", out, "--workers", "1")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "its config.json is corrupt" in proc.stderr and "holds another run" not in proc.stderr
    assert (out / "records.jsonl").read_bytes() == before


def test_changed_data_is_refused_on_resume(tmp_path):
    data = tmp_path / "d.csv"
    rows = [f"{x:.2f},{(x * 7) % 3:.2f},{int(x * 10) % 2}" for x in [i / 40 for i in range(80)]]
    data.write_text("a,b,y\n" + "\n".join(rows) + "\n")
    spec = tmp_path / "spec.toml"
    spec.write_text(
        SPEC.replace('datasets = ["moons"]', 'datasets = ["csv"]')
        + f'[data]\npath = "{data}"\nlabel = "y"\n'
    )
    out, ref = tmp_path / "run", tmp_path / "ref"
    assert run_cli("run", spec, "--out", ref, "--workers", "1").returncode == 0
    killed = run_cli("run", spec, "--out", out, "--workers", "1", fault=["kill", "2"])
    assert killed.returncode == -signal.SIGKILL
    kept = (out / "records.jsonl").read_bytes()
    original = data.read_text()
    data.write_text(original.replace("0.50,", "0.55,", 1))
    proc = run_cli("run", spec, "--out", out, "--workers", "1")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "changed: fingerprint" in proc.stderr and "use a new --out" in proc.stderr
    assert (out / "records.jsonl").read_bytes() == kept
    data.write_text(original)
    assert run_cli("run", spec, "--out", out, "--workers", "1").returncode == 0
    assert canon(RunStore(out).records()) == canon(RunStore(ref).records())
    assert (out / "records.jsonl").read_bytes().startswith(kept)


def test_all_diverged_first_group_still_gives_tables(tmp_path):
    out = tmp_path / "run"
    proc = run_cli(
        "compare",
        "--seeds",
        "2",
        "--activations",
        "relu,tanh,sigmoid",
        "--init",
        "auto",
        "--workers",
        "1",
        "--lr",
        "1e6",
        "--epochs",
        "3",
        "--hidden",
        "32",
        "--no-probes",
        "--out",
        out,
    )
    assert proc.returncode == 0, proc.stderr
    with open(out / "table.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    table = json.loads((out / "table.json").read_text())["rows"]
    assert len(rows) == 3 and any(r["n_diverged"] == 2 for r in table)
    assert set(rows[0]) == set().union(*table)  # every field of every row has a column
    assert (out / "report.html").exists()


def test_csv_columns_are_the_union_of_all_rows(tmp_path):
    store = RunStore(tmp_path)
    store.write_csv(
        "t.csv",
        [
            {"activation": "relu", "n_ok": 0},
            {"activation": "tanh", "n_ok": 2, "test_acc_mean": 0.9},
        ],
    )
    with open(tmp_path / "t.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows == [
        {"activation": "relu", "n_ok": "0", "test_acc_mean": ""},
        {"activation": "tanh", "n_ok": "2", "test_acc_mean": "0.9"},
    ]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


@pytest.mark.parametrize("sig", ["kill", "term"])
def test_pool_workers_exit_with_their_parent(tmp_path, sig):
    spec = tmp_path / "spec.toml"
    spec.write_text(
        SPEC.replace('"relu", "tanh", "elu"', '"relu", "tanh", "elu", "swish", "selu", "sigmoid"')
        .replace("epochs = 2", "epochs = 30")
        .replace('"moons"', '"digits"')
        .replace("[[8]]", "[[64, 64]]")
    )
    pids, out = tmp_path / "pids", tmp_path / "run"
    if sig == "kill":  # the parent dies by SIGKILL right after storing its first group
        proc = run_cli(
            "run", spec, "--out", out, "--workers", "2", "--quiet", fault=["pids", "2", pids]
        )
        assert proc.returncode == -signal.SIGKILL
        workers = [int(p) for p in pids.read_text().split()]
    else:  # SIGTERM while the pool works
        flag = tmp_path / "go"
        parent = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "fault_cli.py"),
                "pause",
                "2",
                str(flag),
                "--",
                "run",
                str(spec),
                "--out",
                str(out),
                "--workers",
                "2",
                "--quiet",
            ],
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 120
        while not Path(str(flag) + ".ready").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        workers = [
            int(p.name)
            for p in Path("/proc").iterdir()
            if p.name.isdigit() and _ppid(p.name) == parent.pid
        ]
        parent.send_signal(signal.SIGTERM)
        flag.touch()
        err = parent.communicate(timeout=60)[1]
        assert parent.returncode == 130 and "interrupted" in err, err
    assert len(workers) == 3  # the 2 pool workers and the figure process (report/background.py)
    deadline = time.monotonic() + 60
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(map(_alive, workers)), "pool workers outlived their parent"
    assert len(RunStore(out).records()) == 2  # the group stored before the kill


def _ppid(pid: str) -> int:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return int(fh.read().rsplit(b")", 1)[1].split()[1])
    except OSError:
        return -1


@pytest.mark.parametrize(
    "address, message",
    [
        ("tcp://127.0.0.1:1", "a Dask scheduler that answers"),
        ("tcp://127.0.0.1:99999", "an address like tcp://HOST:PORT"),
    ],
)
def test_unreachable_scheduler_is_one_line_and_writes_nothing(tmp_path, address, message):
    out = tmp_path / "run"
    proc = run_cli("compare", "--epochs", "1", "--scheduler", address, "--out", out)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert message in proc.stderr and not out.exists()


def test_scheduler_without_workers_and_lost_mid_run(tmp_path, monkeypatch, reference):
    distributed = pytest.importorskip("distributed")
    from actlab.experiments import executors

    spec = Spec.from_dict(json_spec())
    out = tmp_path / "run"
    monkeypatch.setattr(executors, "WORKERS_SECONDS", 1.0)
    with (
        distributed.LocalCluster(
            n_workers=0, processes=True, host="127.0.0.1", dashboard_address=None
        ) as empty,
        pytest.raises(ValueError, match=r"with at least one worker \(none joined within 1 s"),
    ):
        run_spec(spec, out=out, progress="none", scheduler=empty.scheduler_address)
    assert not out.exists()

    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    real = RunStore.append_group

    def then_lose_the_scheduler(self, records):
        real(self, records)
        cluster.close()

    monkeypatch.setattr(RunStore, "append_group", then_lose_the_scheduler)
    try:
        with pytest.raises(
            ValueError, match="scheduler: lost .* every group finished before is stored"
        ):
            run_spec(spec, out=out, progress="none", scheduler=cluster.scheduler_address)
    finally:
        cluster.close()
    monkeypatch.setattr(RunStore, "append_group", real)
    kept = (out / "records.jsonl").read_bytes()
    assert len(kept.splitlines()) >= 2
    done = run_spec(spec, out=out, progress="none", workers=1)
    assert (out / "records.jsonl").read_bytes().startswith(kept)
    assert canon(done.records) == reference


def _idx(path, magic, dims, payload=b""):
    import struct

    path.write_bytes(struct.pack(">I", magic) + struct.pack(f">{len(dims)}I", *dims) + payload)


def test_more_bad_input_is_one_line_exit_2_nothing_written(tmp_path):
    idx = tmp_path / "idx"
    idx.mkdir()
    for split in ("train", "t10k"):
        _idx(idx / f"{split}-images-idx3-ubyte", 2051, (0, 28, 28))
        _idx(idx / f"{split}-labels-idx1-ubyte", 2049, (0,))
    two = tmp_path / "two.csv"
    two.write_text("a,b,y\n1,2,0\n3,4,1\n")
    cases = [
        (["compare", "--dataset", "mnist", "--path", idx], "train images: the file holds 0 images"),
        (
            ["compare", "--dataset", "csv", "--path", two, "--label", "y"],
            "read as regression: its labels take 2 distinct values in 2 rows",
        ),
        (
            ["compare", "--seeds=-1,2"],
            "seeds: got [-1, 2]; allowed: a count N > 0 or a list of distinct integers >= 0",
        ),
        (
            ["plan", "--preset", "compare", "--hidden", "100000000", "--no-calibrate"],
            "hidden: got [100000000]; allowed: a network whose weights fit in memory",
        ),
        (
            ["run", "--preset", "sweep", "--seeds", "1000"],
            "size: got '20 groups x 1000 seeds = 20000 trainings'; allowed: at most 2000",
        ),
    ]
    for args, message in cases:
        out = tmp_path / "run"
        proc = run_cli(*args, "--epochs", "1", *(["--out", out] if args[0] != "plan" else []))
        assert proc.returncode == 2, (args, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1 and message in proc.stderr, proc.stderr
        assert not out.exists()


def test_plan_prints_a_large_grid_compactly_and_asks_for_yes(capsys):
    assert main(["plan", "--preset", "sweep", "--seeds", "100000", "--no-calibrate"]) == 2
    out, err = capsys.readouterr()
    seeds = next(line for line in out.splitlines() if line.strip().startswith("seeds"))
    assert seeds.split() == ["seeds", "100000", "0,", "1,", "2,", "3,", "...,", "99998,", "99999"]
    assert "20 groups x 100000 seeds = 2000000 trainings" in out
    assert err.strip().endswith(
        "allowed: at most 2000 without --yes (check the plan with actlab plan first)"
    )
    assert max(map(len, out.splitlines())) < 200


def test_makespan_packs_groups_onto_workers():
    from actlab.experiments.estimate import makespan

    assert makespan([3, 3, 2, 2, 2], 2) == 7  # 3+2+2 | 3+2
    assert makespan([5, 1, 1], 3) == 5 and makespan([1, 1, 1, 1], 1) == 4


def test_report_names_the_corrupt_lines_it_leaves_out(tmp_path, capsys):
    """The page draws complete groups only; `actlab report` says how many lines it left out."""
    out = tmp_path / "run"
    run_spec(Spec.from_dict(json_spec()), out=out, progress="none", workers=1)
    assert main(["report", str(out)]) == 0
    assert "left out" not in capsys.readouterr().out
    lines = (out / "records.jsonl").read_bytes().split(b"\n")
    lines[2] = lines[2][:40] + b"\xff garbage"  # a middle line: the second group's first seed
    (out / "records.jsonl").write_bytes(b"\n".join(lines))
    assert main(["report", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "left out of the figures: 2 line(s) of records.jsonl from 1 incomplete" in printed


def test_a_page_too_big_for_the_disk_leaves_no_part_behind(tmp_path):
    """RLIMIT_FSIZE makes every write past LIMIT bytes fail (EFBIG), as a full disk would: the
    limit sits between the largest figure and the page, so only report.html cannot be written."""
    import resource

    out = tmp_path / "run"
    run_spec(Spec.from_dict(json_spec()), out=out, progress="none", workers=1)
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_bytes()
    largest = max(p.stat().st_size for p in out.rglob("*") if p.name != "report.html")
    assert largest < len(page)
    limit = (largest + len(page)) // 2

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = subprocess.run(
        [sys.executable, "-m", "actlab.cli", "report", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=small_files,
    )
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "File too large" in proc.stderr
    assert (out / "report.html").read_bytes() == page  # the old page, whole
    assert not [p.name for p in out.iterdir() if "tmp" in p.name]
