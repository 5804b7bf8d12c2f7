"""Shared plumbing for the figures: the Agg backend, the one save function (PNG, and SVG when
asked for), drawing several figures at once, groups and colors."""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
import sys
import threading
import warnings
from pathlib import Path

import matplotlib
import numpy as np


def _inside_jupyter_kernel() -> bool:
    """True in a running Jupyter kernel (not merely when ipykernel was imported somewhere)."""
    kernelapp = sys.modules.get("ipykernel.kernelapp")
    return kernelapp is not None and kernelapp.IPKernelApp.initialized()


if not _inside_jupyter_kernel():  # in Jupyter keep the inline backend: figures show in cells
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after the backend is chosen)

# the same figure gives the same SVG bytes; text stays text (smaller, searchable)
SVG_RC = {"svg.hashsalt": "actlab", "svg.fonttype": "none"}

DPI = 100
# zlib level of the PNGs: 1 writes them about a third faster than the default 6 for files about
# a tenth larger (they are base64 in the page either way)
PNG_COMPRESS = 1

# Whether ``save`` also writes SVG. Off by default: an SVG took longer to write than the PNG of
# the same figure, and the page embeds the PNG. ``actlab ... --svg`` turns it on (svg_figures).
_SVG = {"on": os.environ.get("ACTLAB_SVG", "") == "1"}


@contextlib.contextmanager
def svg_figures(on: bool = True):
    """Within this block ``save`` writes ``stem.svg`` beside every ``stem.png`` (or not)."""
    before = _SVG["on"]
    _SVG["on"] = bool(on)
    try:
        yield
    finally:
        _SVG["on"] = before


def save(
    fig, stem: str | Path | None, svg: bool | None = None, *, dpi: int = DPI, tight: bool = False
):
    """Write ``stem.png`` (and ``stem.svg`` if ``svg``, by default when svg_figures is on),
    close the figure; return (png path, svg path or None). Every figure of actlab goes through
    here: no timestamps in the files, SVG text kept as text; ``tight`` crops to the drawing.

    ``stem=None``: write nothing and return the Figure itself (detached from pyplot, so a
    notebook shows it once, as the value of the cell): how actlab.Comparison draws.
    """
    if stem is None:
        plt.close(fig)
        return fig
    from ..experiments.store import write_atomic  # a full disk leaves no part of a figure

    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    png = stem.with_name(stem.name + ".png")
    crop = {"bbox_inches": "tight"} if tight else {}
    buf = io.BytesIO()
    fig.savefig(
        buf,
        format="png",
        dpi=dpi,
        metadata={"Software": None},
        pil_kwargs={"compress_level": PNG_COMPRESS},
        **crop,
    )
    write_atomic(png, buf.getvalue())
    svg_path = None
    if _SVG["on"] if svg is None else svg:
        svg_path = stem.with_name(stem.name + ".svg")
        buf = io.BytesIO()
        with plt.rc_context(SVG_RC):
            fig.savefig(buf, format="svg", metadata={"Date": None}, **crop)
        write_atomic(svg_path, buf.getvalue())
    plt.close(fig)
    return png, svg_path


def margins(fig, left=0.8, right=0.2, top=0.4, bottom=0.6, wgap=0.6, hgap=0.6):
    """Place the figure's grid of axes with fixed margins and gaps, in inches.

    Instead of tight_layout or a layout engine: each of them draws the figure once more to
    measure every tick label before the real draw (half of a figure's time). The figures of
    actlab have predictable labels, so their room is given here once."""
    width, height = fig.get_size_inches()
    grid = fig.axes[0].get_subplotspec().get_gridspec()
    rows, cols = grid.get_geometry()
    ax_w = (width - left - right - (cols - 1) * wgap) / cols
    ax_h = (height - top - bottom - (rows - 1) * hgap) / rows
    fig.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        top=1 - top / height,
        bottom=bottom / height,
        wspace=wgap / ax_w,
        hspace=hgap / ax_h,
    )


def plain_log_ticks(ax) -> None:
    """Label a log-scale y axis in plain text (1e-03, 0.1, 10), not the default mathtext (10 to
    the power -3, parsed and laid out as a formula); minor ticks (2, 3, ... 9 times a power of
    ten, each a tick object to build and draw) only when the data span two decades or less,
    labelled when they span one or less.
    Call after plotting: it reads the axis limits."""
    from matplotlib.ticker import LogFormatter, NullLocator

    axis = ax.yaxis
    lo, hi = ax.get_ylim()
    span = hi / lo if lo > 0 else np.inf  # more than 10: a power of ten lies inside
    axis.set_major_formatter(LogFormatter(labelOnlyBase=bool(span > 10)))
    if span > 100:
        axis.set_minor_locator(NullLocator())
    else:
        axis.set_minor_formatter(LogFormatter(labelOnlyBase=bool(span > 10)))


_TASKS: list = []  # what draw_parallel's forked workers draw (inherited, never pickled)


def _draw_task(i: int):
    fn, args = _TASKS[i]
    return fn(*args)


def figure_workers() -> int:
    """Processes for drawing figures: ACTLAB_FIGURE_WORKERS, else one per core (at most 4)."""
    text = os.environ.get("ACTLAB_FIGURE_WORKERS", "")
    if text.strip().isdigit() and int(text) > 0:
        return int(text)
    return max(1, min(4, os.cpu_count() or 1))


def _other_threads_alive() -> bool:
    """True if a thread besides the caller runs, not counting those marked ``fork_safe``
    (actlab's own parent watcher: it only sleeps and reads its parent's PID)."""
    me = threading.current_thread()
    return any(t is not me and not getattr(t, "fork_safe", False) for t in threading.enumerate())


def draw_parallel(tasks: list[tuple], workers: int | None = None) -> list:
    """Call each ``(fn, args)`` of ``tasks`` and return the results in order, several at once.

    Drawing a figure is single-threaded Python (matplotlib), so the figures of a page are drawn
    in forked worker processes, one per core: a fork inherits matplotlib already imported and
    the tasks' data without copying or pickling them; only results (paths) come back. Put the
    slowest figure first. In turn without fork (Windows, macOS's default), with one worker,
    inside Jupyter, or whenever another thread is alive (the playground's server exports from a
    worker thread): a fork copies only the calling thread, so a lock another thread held at
    that moment (in matplotlib, logging, an allocator) stays held in the child for good and the
    pool waits forever.
    """
    workers = figure_workers() if workers is None else workers
    if (
        workers <= 1
        or len(tasks) < 2
        or _inside_jupyter_kernel()
        or _other_threads_alive()
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return [fn(*args) for fn, args in tasks]
    global _TASKS
    _TASKS = list(tasks)
    try:
        from ..experiments.executors import die_with_parent

        ctx = multiprocessing.get_context("fork")  # workers die with this process (a kill)
        with ctx.Pool(min(workers, len(tasks)), die_with_parent, (os.getpid(),)) as pool:
            return pool.map(_draw_task, range(len(tasks)), chunksize=1)
    finally:
        _TASKS = []


def plain(text) -> str:
    """A user-supplied name as matplotlib text: a "$" is a dollar sign, not math."""
    return str(text).replace("$", r"\$")


def init_title(records: list[dict], init) -> str:
    """``init = auto (he_normal, xavier_uniform)``: what ``auto`` resolved to in this run."""
    resolved = sorted({str(r.get("init_resolved", init)) for r in records if r["init"] == init})
    return plain(f"init = {init}" + (f"  ({', '.join(resolved)})" if resolved != [init] else ""))


def ordered(records: list[dict], key: str) -> list:
    """The distinct values of ``key`` in the order they first appear."""
    return list(dict.fromkeys(r[key] for r in records))


def group(records: list[dict], init, act) -> list[dict]:
    return [r for r in records if r["init"] == init and r["activation"] == act]


def color_map(names) -> dict:
    """One stable color per activation (the same in every figure of a page)."""
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    return {name: cycle[k % len(cycle)] for k, name in enumerate(names)}


def as_array(rows) -> np.ndarray:
    """Nested lists with None -> float array with NaN."""

    def clean(x):
        if isinstance(x, list):
            return [clean(v) for v in x]
        return np.nan if x is None else x

    return np.array(clean(rows), dtype=float)


def seed_stack(records: list[dict], getter) -> np.ndarray | None:
    """Stack ``getter(record)`` over seeds (ragged or missing entries are dropped)."""
    arrays = []
    for r in records:
        try:
            arrays.append(as_array(getter(r)))
        except (KeyError, TypeError, ValueError, IndexError):
            continue
    if not arrays:
        return None
    shape = arrays[0].shape
    arrays = [a for a in arrays if a.shape == shape]
    return np.stack(arrays)


def nanstd(a, axis=0):
    """Std ignoring NaN, quietly NaN where every value is NaN (conv layers have no coherence)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanstd(a, axis=axis)


def nanmean(a, axis=0):
    """Mean ignoring NaN, quietly NaN where every value is NaN."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(a, axis=axis)
