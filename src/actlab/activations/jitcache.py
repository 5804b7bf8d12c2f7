"""numba's disk cache, keyed on every source file a compiled function is built from.

numba drops a cached function when the file that defines it changes (its time stamp and size),
not when a function it calls from another file changes (a limitation numba's documentation on
caching states; test_compiled shows it on a toy package). So an edit to vecmath.py
alone would leave jitloops' loops, and an edit to jitloops.py the compiled step
(actlab.compiled.mlp_step), running their old code from the cache, and the tests passing on it.
``refresh(module, sources)`` hashes the sources (SHA-1 of their bytes); where the digest differs
from the one written beside the module's cache the last time, it removes the cache files of each
of the module's compiled functions, so they compile again, and writes the new digest. About a
millisecond; once per process and module.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

_DONE: set[str] = set()


def cache_dir(module) -> Path | None:
    """Where numba keeps ``module``'s cached functions (beside it in __pycache__, or under
    NUMBA_CACHE_DIR), from any of its cached functions; None if it has none."""
    from numba.core.dispatcher import Dispatcher

    for value in vars(module).values():
        cache = getattr(value, "_cache", None) if isinstance(value, Dispatcher) else None
        path = getattr(cache, "cache_path", None)  # None without cache=True (a NullCache)
        if path is not None:
            return Path(path)
    return None


def digest(sources) -> str:
    """SHA-1 over the bytes of ``sources`` (paths), in the order given."""
    h = hashlib.sha1()
    for path in sources:
        h.update(Path(path).read_bytes())
    return h.hexdigest()


def refresh(module, sources) -> bool:
    """Drop the disk cache of ``module``'s compiled functions if ``sources`` (the module's own
    file and every file its compiled code comes from) changed since it was filled; True if it
    did. numba names a function's files ``<module file stem>.<function>-<line>.pyXY.nbi`` (the
    index) and ``....nbc`` (the code): every such file of the module is removed, so each
    function compiles again. A cache directory that cannot be written is left to numba."""
    if module.__name__ in _DONE:
        return False
    _DONE.add(module.__name__)
    where = cache_dir(module)
    if where is None:
        return False
    new = digest(sources)
    stamp = where / f"{module.__name__}.sources.sha1"
    try:
        old = stamp.read_text()
    except OSError:
        old = None
    if old == new:
        return False
    stem = Path(module.__file__).stem
    try:
        for path in [*where.glob(f"{stem}.*.nbi"), *where.glob(f"{stem}.*.nbc")]:
            path.unlink(missing_ok=True)
        where.mkdir(parents=True, exist_ok=True)
        part = stamp.with_name(f"{stamp.name}.{os.getpid()}.part")
        part.write_text(new)
        os.replace(part, stamp)
    except OSError:
        pass
    return old is not None
