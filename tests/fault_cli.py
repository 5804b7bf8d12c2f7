"""Run ``actlab.cli`` with a fault planted in its writes to records.jsonl (used by test_faults).

    python tests/fault_cli.py MODE LINES [FILE] -- CLI ARGS

Every write that reaches records.jsonl (through ``open`` or ``os.write``, whichever the store
uses) is counted in lines. When the write that completes line LINES arrives, only the bytes
up to and including that line are written, then:

- ``kill``: this process dies by SIGKILL (a kill between two records of a group);
- ``enospc``: the write raises OSError(ENOSPC) (a full disk);
- ``pids``: the PIDs of this process's children go to FILE, then SIGKILL (orphaned workers);
- ``pause``: FILE.ready is created and the write waits until FILE exists, then goes on.
"""

import builtins
import errno
import io
import os
import signal
import sys
import time

MODE, LIMIT = sys.argv[1], int(sys.argv[2])
FILE = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] != "--" else None
ARGV = sys.argv[sys.argv.index("--") + 1 :]
written = 0
_real_write = os.write
_real_open = builtins.open


def children() -> list[int]:
    me, out = os.getpid(), []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with _real_open(f"/proc/{name}/stat", "rb") as fh:
                    fields = fh.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == me:
                out.append(int(name))
    return out


def through(data: bytes, write) -> int:
    """Write ``data`` with ``write``, planting the fault when line LIMIT completes."""
    global written
    lines = data.count(b"\n")
    if written >= LIMIT or written + lines < LIMIT:
        written += lines
        return write(data)
    cut = 0
    for _ in range(LIMIT - written):
        cut = data.index(b"\n", cut) + 1
    done = write(data[:cut])
    written = LIMIT
    if MODE == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if MODE == "enospc":
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    if MODE == "pids":
        with _real_open(FILE, "w") as fh:
            fh.write(" ".join(map(str, children())))
        os.kill(os.getpid(), signal.SIGKILL)
    if MODE == "pause":
        _real_open(FILE + ".ready", "w").close()
        while not os.path.exists(FILE):
            time.sleep(0.05)
    rest = data[cut:]
    return done + (write(rest) if rest else 0)


def is_records_fd(fd: int) -> bool:
    try:
        return os.readlink(f"/proc/self/fd/{fd}").endswith("records.jsonl")
    except OSError:
        return False


def fault_write(fd, data):
    if is_records_fd(fd):
        return through(bytes(data), lambda b: _real_write(fd, b))
    return _real_write(fd, data)


class FaultFile(io.RawIOBase):
    """What ``open(records.jsonl, "a")`` returns: text or bytes, every write planted."""

    def __init__(self, fh, text):
        self.fh, self.text = fh, text

    def write(self, data):
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        through(raw, lambda b: self.fh.write(b) or len(b))
        return len(data)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def fileno(self):
        return self.fh.fileno()

    def flush(self):
        self.fh.flush()

    def close(self):
        self.fh.close()

    def writable(self):
        return True


def fault_open(file, mode="r", *args, **kwargs):
    if str(file).endswith("records.jsonl") and any(c in mode for c in "aw"):
        raw = _real_open(
            file, mode.replace("t", "") + ("b" if "b" not in mode else ""), buffering=0
        )
        return FaultFile(raw, "b" not in mode)
    return _real_open(file, mode, *args, **kwargs)


os.write = fault_write
builtins.open = fault_open

if __name__ == "__main__":
    from actlab.cli import main

    sys.exit(main(ARGV))
