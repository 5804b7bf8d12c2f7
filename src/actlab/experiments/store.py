"""A run directory: the configuration, one JSON line per trained replica, and the tables.

Records that cannot lie:

- a group is stored completely or not at all: its records go to disk in one ``write`` and are
  fsynced before the run goes on; every line carries ``group_size`` (the seeds of its group)
  and ``check`` (a SHA-256 prefix of the line without it). A group counts as finished only when
  all its seeds are there, each line intact, none twice.
- on reopening, lines that fail (a cut line, garbage, invalid UTF-8, a group with missing or
  doubled seeds) are moved to ``records.quarantine`` and their groups are trained again.
- one writer: an OS lock (``flock``) on ``.lock`` held for the whole run; a second process is
  refused with the holder's PID.
- derived files (tables, config, report) are written to a temporary file and renamed, so a
  reader sees the old file or the new one, never half of one; leftovers are removed on open.

Nothing here is pickled: JSON lines and CSV only. ``write_run`` is the public way to store
records made elsewhere (a notebook, the playground) as a run directory.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import json
import os
import platform
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from ..errors import ActlabError, ParameterError
from .axes import AXES

RECORDS = "records.jsonl"
WEIGHTS = "weights"  # one .npz per group: its final network, every seed
FIGURES = "figures"  # the report's figures (report.html.FIGURES, the same name)
QUARANTINE = "records.quarantine"
CONFIG = "config.json"
LOCK = ".lock"
TMP_PREFIX = ".tmp-"  # atomic writes go through .tmp-NAME-XXXX, removed when a run reopens
OUR_FILES = {LOCK}  # files a run directory may hold before its config.json exists


class StoreError(ActlabError):
    """The run directory cannot be used or written (full disk, read-only, held by a process)."""


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    from .._version import __version__

    try:  # read from its metadata: importing scikit-learn took a second of every run's start
        sklearn = version("scikit-learn")
    except PackageNotFoundError:
        sklearn = None
    return {
        "actlab": __version__,
        "numpy": np.__version__,
        "sklearn": sklearn,
        "python": platform.python_version(),
    }


def default_run_dir(kind: str, root: str | os.PathLike = "runs") -> Path:
    """runs/KIND-YYYYmmdd-HHMMSS, with a suffix if that name is taken."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base = Path(root) / f"{kind}-{stamp}"
    path, k = base, 1
    while path.exists():
        k += 1
        path = base.with_name(f"{base.name}-{k}")
    return path


# --------------------------------------------------------------------------- lines


def encode_record(rec: dict, group_size: int) -> bytes:
    """One record as a JSON line with its group size and a checksum of the line."""
    body = json.dumps({**rec, "group_size": group_size}, default=_plain)
    return (body[:-1] + f', "check": "{_digest(body)}"}}\n').encode("utf-8")


def decode_record(line: bytes) -> dict | None:
    """The record of one line, or None if the line is not an intact record.

    A line without ``check`` (written before checksums existed) is accepted as it parses."""
    try:
        rec = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(rec, dict) or "group_id" not in rec or "seed" not in rec:
        return None
    check = rec.pop("check", None)
    if check is not None and check != _digest(json.dumps(rec)):
        return None
    return rec


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class Scan:
    """What records.jsonl holds: complete groups (in file order) and the lines that are not."""

    groups: dict[str, list[dict]] = field(default_factory=dict)
    good: list[bytes] = field(default_factory=list)  # the lines of complete groups
    bad: list[bytes] = field(default_factory=list)  # everything else, as found
    bad_groups: list[str] = field(default_factory=list)  # group ids named by bad lines

    @property
    def records(self) -> list[dict]:
        return [r for recs in self.groups.values() for r in recs]


def scan_records(data: bytes, expected: dict[str, tuple] | None = None) -> Scan:
    """Sort the lines of records.jsonl into complete groups and bad lines.

    A group is complete when its records carry distinct seeds, as many as ``group_size`` says
    (and, given ``expected`` {group id: seeds}, exactly those seeds). A group in which a
    seed appears twice (two writers, a replayed write) is not complete: all its lines go."""
    lines = data.split(b"\n")
    tail = lines.pop()  # b"" when the file ends with a newline, else a cut line
    scan = Scan()
    members: dict[str, list[tuple[bytes, dict]]] = {}
    order: list[str] = []
    for line in lines:
        rec = decode_record(line)
        if rec is None:
            scan.bad.append(line)
            continue
        gid = str(rec["group_id"])
        if gid not in members:
            members[gid] = []
            order.append(gid)
        members[gid].append((line, rec))
    if tail:
        scan.bad.append(tail)
    for gid in order:
        items = members[gid]
        seeds = [rec["seed"] for _, rec in items]
        size = items[0][1].get("group_size", len(items))
        want = expected.get(gid) if expected is not None else None
        complete = (
            len(set(map(repr, seeds))) == len(seeds) == size
            and all(rec.get("group_size", size) == size for _, rec in items)
            and (want is None or sorted(seeds) == sorted(want))
        )
        if complete:
            scan.groups[gid] = [rec for _, rec in items]
            scan.good.extend(line for line, _ in items)
        else:
            scan.bad.extend(line for line, _ in items)
            scan.bad_groups.append(gid)
    for line in scan.bad:  # ids of groups whose lines are garbage but still name the group
        rec = _loose_group_id(line)
        if rec and rec not in scan.bad_groups:
            scan.bad_groups.append(rec)
    return scan


def _loose_group_id(line: bytes) -> str | None:
    text = line.decode("utf-8", errors="replace")
    key = '"group_id": "'
    at = text.find(key)
    if at < 0:
        return None
    end = text.find('"', at + len(key))
    return text[at + len(key) : end] if end > 0 else None


# --------------------------------------------------------------------------- files


def write_atomic(target: str | os.PathLike, data: bytes | str) -> Path:
    """Write ``data`` to ``target`` through a temporary file in the same directory, fsync it,
    and rename it over ``target``: readers see the old file or the new one, never a part."""
    target = Path(target)
    if isinstance(data, str):
        data = data.encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{target.name}-", dir=target.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp's 0600 would hide the results from others
        _write_all(fd, data)
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, target)
    except BaseException as exc:
        if fd >= 0:
            os.close(fd)
        with _suppress_oserror():
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.filename is None:  # os.write names no file
            raise OSError(exc.errno, exc.strerror, str(target)) from None
        raise
    return target


def _umask() -> int:
    """This process's umask (os.umask can only be read by setting it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


class _suppress_oserror:
    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        return kind is not None and issubclass(kind, OSError)


def check_out_dir(path) -> Path:
    """Refuse, before anything is written, an --out that cannot become a run directory: a file,
    a path under a file, or a place this process may not write. Returns the path."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ParameterError("out", str(path), "a directory (this path is a file)")
    existing = path
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        raise ParameterError(
            "out",
            str(path),
            f"a directory path ({existing} is a file, so nothing can be created under it)",
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ParameterError(
            "out", str(path), f"a directory this user may write ({existing} is not writable)"
        )
    try:  # what access() cannot see: a read-only mount, a full disk, a root-proof ACL
        fd, probe = tempfile.mkstemp(prefix=TMP_PREFIX + "probe-", dir=existing)
        try:
            os.write(fd, b"x")
        finally:
            os.close(fd)
            os.unlink(probe)
    except OSError as exc:
        raise ParameterError(
            "out", str(path), f"a writable directory ({existing}: {exc.strerror or exc})"
        ) from None
    return path


# --------------------------------------------------------------------------- the store


class RunStore:
    """The files of one run. ``open`` creates or reopens (to resume) a run directory and holds
    its lock until ``close``; ``RunStore(path)`` alone only reads."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._lock_fd: int | None = None
        self.quarantined: Scan | None = None  # what ``resume`` moved aside, if anything

    # ---- opening

    @classmethod
    def check_new(cls, path) -> Path:
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise ParameterError("out", str(path), "a directory (this path is a file)")
        if path.exists() and any(
            p.name not in OUR_FILES and not p.name.startswith(TMP_PREFIX) for p in path.iterdir()
        ):
            raise ParameterError(
                "out",
                str(path),
                "a new or empty directory (this one holds "
                "files of an earlier run, which actlab never overwrites)",
            )
        return path

    @classmethod
    def open(cls, path, config: dict, data: dict | None = None) -> RunStore:
        """Create a run directory, or reopen one made for the same ``config`` and ``data``
        fingerprints (to resume), and lock it. Every refusal is one line, before writing."""
        path = check_out_dir(path)
        if (path / CONFIG).exists():
            stored = cls.read_config(path)
            if _comparable(stored.get("config")) != _comparable(config):
                raise ParameterError(
                    "out",
                    str(path),
                    "a new directory, or the run directory of "
                    "this same spec to resume it (this one holds another run)",
                )
        else:
            cls.check_new(path)
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ParameterError(
                "out", str(path), f"a directory that can be created ({exc.strerror or exc})"
            ) from None
        store = cls(path)
        store.lock()
        try:
            store.clean_leftovers()
            if (path / CONFIG).exists():
                stored = cls.read_config(path)  # again, under the lock
                if _comparable(stored.get("config")) != _comparable(config):
                    raise ParameterError(
                        "out",
                        str(path),
                        "the run directory of this same spec "
                        "(another process just started a different run in it)",
                    )
                check_same_data(path, stored.get("data"), data)
            else:
                store.write_json(
                    CONFIG,
                    {
                        "config": config,
                        "data": data or {},
                        "versions": versions(),
                        "created": datetime.now().isoformat(timespec="seconds"),
                    },
                )
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def create(cls, path, config: dict, data: dict | None = None) -> RunStore:
        cls.check_new(path)
        return cls.open(path, config, data)

    @staticmethod
    def read_config(path) -> dict:
        meta = Path(path) / CONFIG
        try:
            stored = json.loads(meta.read_bytes().decode("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ParameterError(
                "out",
                str(path),
                "a new directory, or a run directory with a "
                f"readable config.json (its config.json is corrupt: {exc}; "
                "this is not a run actlab can resume)",
            ) from None
        if not isinstance(stored, dict) or not isinstance(stored.get("config"), dict):
            raise ParameterError(
                "out",
                str(path),
                "a new directory, or a run directory with a "
                "readable config.json (its config.json has no 'config' table)",
            )
        return stored

    def lock(self) -> None:
        """Take the directory's lock for this process, or refuse naming the holder's PID."""
        import fcntl

        fd = os.open(self.path / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(fd, 64, 0).decode("ascii", errors="replace").strip() or "unknown"
            os.close(fd)
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
            raise StoreError(
                f"out: {self.path} is being written by another actlab process "
                f"(PID {holder}); wait for it to finish or choose another --out"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._lock_fd = fd
        _HELD_LOCKS.add(fd)

    def close(self) -> None:
        """Release the lock (the lock file stays; it holds the last writer's PID)."""
        if self._lock_fd is not None:
            _HELD_LOCKS.discard(self._lock_fd)
            os.close(self._lock_fd)
            self._lock_fd = None

    def __del__(self):  # a store dropped without close() (a caller's export) frees its lock
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def clean_leftovers(self) -> list[str]:
        """Remove the temporary files of writes that were interrupted, here and in the
        folders written through write_atomic (weights/, figures/)."""
        removed = []
        for p in self.path.iterdir():
            if p.name.startswith(TMP_PREFIX) or p.name.endswith(".tmp"):
                with _suppress_oserror():
                    p.unlink()
                    removed.append(p.name)
        for folder in (self.path / WEIGHTS, self.path / FIGURES):
            for p in folder.glob(TMP_PREFIX + "*") if folder.is_dir() else ():
                with _suppress_oserror():
                    p.unlink()
                    removed.append(f"{folder.name}/{p.name}")
        return removed

    # ---- records

    def scan(self, expected: dict[str, tuple] | None = None) -> Scan:
        path = self.path / RECORDS
        return scan_records(path.read_bytes() if path.exists() else b"", expected)

    def resume(self, expected: dict[str, tuple] | None = None) -> Scan:
        """Keep the complete groups; move every other line to records.quarantine (appended,
        as found) and rewrite records.jsonl with the complete groups only. Returns the scan
        (``bad`` and ``bad_groups`` say what was moved)."""
        scan = self.scan(expected)
        if scan.bad:
            with open(self.path / QUARANTINE, "ab") as fh:
                fh.write(b"".join(line + b"\n" for line in scan.bad))
                fh.flush()
                os.fsync(fh.fileno())
            write_atomic(self.path / RECORDS, b"".join(line + b"\n" for line in scan.good))
            self.quarantined = scan
        return scan

    def done_groups(self) -> set[str]:
        return set(self.scan().groups)

    def append_group(self, records: list[dict]) -> None:
        """Store one group's records in one write, fsynced before returning. If the write
        fails (a full disk), the file is cut back to where it was, and StoreError says so."""
        data = b"".join(encode_record(rec, len(records)) for rec in records)
        path = self.path / RECORDS
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.fstat(fd).st_size
            try:
                _write_all(fd, data)
                os.fsync(fd)
            except OSError as exc:
                with _suppress_oserror():
                    os.ftruncate(fd, size)
                raise StoreError(
                    f"out: cannot write to {self.path} ({exc.strerror or exc}); "
                    "every group finished before is kept: make room and run the "
                    "same command again to resume"
                ) from None
        finally:
            os.close(fd)

    append_records = append_group

    def write_weights(self, group_id: str, data: bytes) -> Path:
        """A group's final network (all its seeds) as weights/GROUP_ID.npz (actlab.saving),
        written before the group's records, so a group with records has its weights."""
        (self.path / WEIGHTS).mkdir(exist_ok=True)
        return self._derived(f"{WEIGHTS}/{group_id}.npz", data)

    def weights_path(self, group_id: str) -> Path:
        return self.path / WEIGHTS / f"{group_id}.npz"

    def records(self) -> list[dict]:
        """The records of every complete group, in the order they were stored."""
        return self.scan().records

    # ---- derived files

    def write_json(self, name: str, obj) -> Path:
        return self._derived(name, json.dumps(obj, indent=2, default=_plain) + "\n")

    def write_csv(self, name: str, rows: list[dict]) -> Path:
        """A CSV whose columns are every field of any row, in first-seen order."""
        names = list(dict.fromkeys(k for row in rows for k in row))
        buf = io.StringIO(newline="")
        writer = csv.DictWriter(buf, fieldnames=names, restval="")
        writer.writeheader()
        writer.writerows(rows)
        return self._derived(name, buf.getvalue())

    def write_text(self, name: str, text: str) -> Path:
        return self._derived(name, text)

    def _derived(self, name: str, text: str | bytes) -> Path:
        try:
            return write_atomic(self.path / name, text)
        except OSError as exc:
            raise StoreError(
                f"out: cannot write {name} in {self.path} ({exc.strerror or exc}); "
                "the records are kept: make room and run the same command again"
            ) from None


_HELD_LOCKS: set[int] = set()


def release_inherited_locks() -> None:
    """In a forked worker: close the lock descriptors copied from the parent, so a worker that
    outlives its parent cannot keep the run directory locked."""
    for fd in list(_HELD_LOCKS):
        with _suppress_oserror():
            os.close(fd)
    _HELD_LOCKS.clear()


def check_same_data(path, stored: dict | None, now: dict | None) -> None:
    """Refuse to resume on data whose fingerprint differs from the one the run started with."""
    if not stored or not now:
        return
    if set(stored) != set(now):  # loaded otherwise: a float64 run's data was float32 before
        raise ParameterError(
            "out",
            str(path),
            "a resume on the data the run started with (it loaded "
            f"{', '.join(sorted(stored))}; now {', '.join(sorted(now))}); use a new --out",
        )
    for key, fp in now.items():
        if key in stored and stored[key] != fp:
            raise ParameterError(
                "out",
                str(path),
                "a resume on the data the run started with "
                f"({key} changed: fingerprint {stored[key][:12]} then, "
                f"{fp[:12]} now); use a new --out for the new data",
            )


def write_run(path, config: dict, records: list[dict], rows: list[dict] | None = None) -> Path:
    """Store ``records`` (each with a ``group_id`` and a ``seed``) as a new run directory that
    ``actlab report`` and ``actlab.load`` read: config.json, records.jsonl (one write per
    group), table.csv/table.json when ``rows`` are given."""
    with RunStore.create(path, config) as store:
        groups: dict[str, list[dict]] = {}
        for rec in records:
            groups.setdefault(str(rec["group_id"]), []).append(rec)
        for recs in groups.values():
            store.append_group(recs)
        if rows is not None:
            store.write_csv("table.csv", rows)
            store.write_json("table.json", {"rows": rows})
    return Path(path)


def _comparable(config):
    """A spec without the fields that do not change results (where and how it runs), nor
    grid axes at the one value every run had before they were added (axes.py, implicit)."""
    if not isinstance(config, dict):
        return config
    implicit = {k: v for axis in AXES for k, v in axis.implicit_spec().items()}
    return {
        k: v
        for k, v in config.items()
        if k not in ("workers", "scheduler") and not (k in implicit and v == implicit[k])
    }


def _plain(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
