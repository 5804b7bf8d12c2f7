"""A run directory: the configuration, one JSON line per finished replica, and the tables.

Records are appended as each group finishes and flushed to disk at once, so a run that is
killed keeps every group it finished. Nothing here is pickled: JSON lines and CSV only.
"""

from __future__ import annotations

import csv
import json
import os
import platform
from datetime import datetime
from pathlib import Path

import numpy as np

from ..errors import ParameterError

RECORDS = "records.jsonl"
WEIGHTS = "weights"  # one .npz per group: its final network, every seed


def versions() -> dict:
    import sklearn

    from .._version import __version__

    return {"actlab": __version__, "numpy": np.__version__, "sklearn": sklearn.__version__,
            "python": platform.python_version()}


def default_run_dir(kind: str, root: str | os.PathLike = "runs") -> Path:
    """runs/KIND-YYYYmmdd-HHMMSS, with a suffix if that name is taken."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base = Path(root) / f"{kind}-{stamp}"
    path, k = base, 1
    while path.exists():
        k += 1
        path = base.with_name(f"{base.name}-{k}")
    return path


class RunStore:
    """The files of one run. ``create`` refuses a directory that already holds files."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    @classmethod
    def check_new(cls, path) -> Path:
        path = Path(path)
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise ParameterError("out", str(path), "a new or empty directory (this one holds "
                                 "files of an earlier run, which actlab never overwrites)")
        return path

    @classmethod
    def open(cls, path, config: dict) -> RunStore:
        """Create a run directory, or reopen one made for the same ``config`` (to resume).

        A half-written last record (a run killed mid-write) is cut off before appending.
        """
        path = Path(path)
        meta = path / "config.json"
        if path.is_dir() and meta.exists():
            try:
                stored = json.loads(meta.read_text(encoding="utf-8")).get("config")
            except json.JSONDecodeError:
                stored = None
            if _comparable(stored) != _comparable(config):
                raise ParameterError("out", str(path), "a new directory, or the run directory of "
                                     "this same spec to resume it (this one holds another run)")
            store = cls(path)
            store.repair()
            return store
        return cls.create(path, config)

    def repair(self) -> int:
        """Cut a partial last line off records.jsonl; returns the bytes removed."""
        path = self.path / RECORDS
        if not path.exists():
            return 0
        data = path.read_bytes()
        keep = data.rfind(b"\n") + 1
        if keep < len(data):
            with open(path, "r+b") as fh:
                fh.truncate(keep)
            return len(data) - keep
        return 0

    def done_groups(self) -> set[str]:
        return {rec["group_id"] for rec in self.records() if "group_id" in rec}

    @classmethod
    def create(cls, path, config: dict) -> RunStore:
        path = cls.check_new(path)
        path.mkdir(parents=True, exist_ok=True)
        store = cls(path)
        store.write_json("config.json", {"config": config, "versions": versions(),
                                         "created": datetime.now().isoformat(timespec="seconds")})
        return store

    def write_json(self, name: str, obj) -> Path:
        target = self.path / name
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_text(json.dumps(obj, indent=2, default=_plain) + "\n")
        os.replace(tmp, target)
        return target

    def write_weights(self, group_id: str, data: bytes) -> Path:
        """A group's final network (all its seeds) as weights/GROUP_ID.npz (actlab.saving)."""
        from ..saving import write_bytes

        return write_bytes(data, self.weights_path(group_id))

    def weights_path(self, group_id: str) -> Path:
        return self.path / WEIGHTS / f"{group_id}.npz"

    def append_records(self, records: list[dict]) -> None:
        """Append one JSON line per record and flush to disk before returning."""
        with open(self.path / RECORDS, "a", encoding="utf-8") as fh:
            fh.writelines(json.dumps(rec, default=_plain) + "\n" for rec in records)
            fh.flush()
            os.fsync(fh.fileno())

    def records(self) -> list[dict]:
        """Every complete record (a half-written last line is skipped)."""
        out = []
        path = self.path / RECORDS
        if not path.exists():
            return out
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return out

    def write_csv(self, name: str, rows: list[dict]) -> Path:
        target = self.path / name
        with open(target, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else [])
            writer.writeheader()
            writer.writerows(rows)
        return target


def _comparable(config):
    """A spec without the fields that do not change results (where and how it runs)."""
    if not isinstance(config, dict):
        return config
    return {k: v for k, v in config.items() if k not in ("workers", "scheduler")}


def _plain(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
