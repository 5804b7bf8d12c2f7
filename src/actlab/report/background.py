"""A run's figures drawn beside its training: ``actlab compare`` forks one process as the run
starts. While the groups train it imports matplotlib and draws what needs no result (the
activation gallery, the zig-zag weight path); when the tables are written it draws the rest of
the run's figures (draw_figures, its own forked workers) and hands their paths back. The
command's own process never imports matplotlib: it writes the page from those paths.

Any failure in the figure process (or no ``fork`` on this platform) is not an error of the
run: :meth:`FigureProcess.draw` returns None and the report draws its figures as it always
did (write_report).
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
import time
from pathlib import Path

WAIT_SECONDS = 600.0  # for the figures, after the tables are written
STOP_SECONDS = 30.0  # for the process to end by itself (then it is killed)


class FigureProcess:
    """The forked figure process of one run; ``close()`` always (it ends the process)."""

    def __init__(self, activations: list[str], weight_path: bool, svg: bool):
        ctx = multiprocessing.get_context("fork")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(
            target=_serve,
            args=(child, list(activations), weight_path, svg, os.getpid()),
            name="actlab-figures",
        )
        self._proc.start()
        child.close()
        self._asked = False

    @classmethod
    def start(cls, activations, weight_path: bool, svg: bool) -> FigureProcess | None:
        """A figure process, or None where processes cannot be forked."""
        if "fork" not in multiprocessing.get_all_start_methods():
            return None
        return cls(activations, weight_path, svg)

    def draw(self, run_dir) -> dict | None:
        """The figures of the run in ``run_dir`` (its tables written): draw_figures' result, the
        early figures moved into ``run_dir/figures``; None if the figure process failed."""
        self._asked = True
        try:
            self._conn.send(str(run_dir))
            if not self._conn.poll(WAIT_SECONDS):
                return None
            status, payload = self._conn.recv()
        except (OSError, EOFError):  # the process died
            return None
        return payload if status == "ok" else None

    def close(self) -> None:
        try:
            if not self._asked:
                self._conn.send(None)  # the run ended before its figures: stop
        except OSError:
            pass
        self._conn.close()
        self._proc.join(timeout=STOP_SECONDS)  # it ends once its early figures are drawn
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join()


def _serve(conn, activations, weight_path, svg, parent: int) -> None:
    from ..experiments.executors import die_with_parent

    die_with_parent(parent)
    try:
        from .common import svg_figures

        with svg_figures(svg):
            early = _draw_early(activations, weight_path)
        run_dir = conn.recv()
        if run_dir is None:
            return
        from .html import EARLY_SECONDS_KEY, FIGURES, draw_figures
        from .load import load_run

        run = load_run(run_dir)
        figdir = run.path / FIGURES
        figdir.mkdir(parents=True, exist_ok=True)
        from ..experiments.store import write_atomic

        for name, data in early["files"].items():  # the early figures into the run directory
            write_atomic(figdir / name, data)  # whole or not at all (a full disk)
        done = {}
        if early["gallery"] is not None:
            done = {
                "gallery": tuple(None if p is None else figdir / p.name for p in early["gallery"]),
                "gallery_names": early["gallery_names"],
            }
        with svg_figures(svg):
            drawn = draw_figures(run, figdir, done)
        drawn[EARLY_SECONDS_KEY] = early["seconds"]
        conn.send(("ok", drawn))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which draws instead
        try:
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
        except OSError:
            pass
    finally:
        conn.close()


def _draw_early(activations, weight_path: bool) -> dict:
    """The figures that need no training result, kept as bytes (``files``: {file name: bytes})
    until the run directory is known: drawn into a scratch folder removed at once, so a run
    killed meanwhile leaves nothing behind."""
    tmp = Path(tempfile.mkdtemp(prefix="actlab_figures_"))
    try:
        out = _draw_into(activations, weight_path, tmp)
        out["files"] = {p.name: p.read_bytes() for p in tmp.iterdir()}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _draw_into(activations, weight_path: bool, tmp: Path) -> dict:
    start = time.perf_counter()
    from ..activations import get_activation
    from .gallery import plot_activation_gallery  # matplotlib
    from .html import WEIGHT_PATH_STEM

    seconds = {"imports": time.perf_counter() - start}
    start = time.perf_counter()
    names = []
    for spec in dict.fromkeys(activations):
        try:
            get_activation(spec)
            names.append(spec)
        except ValueError:
            pass
    out = {"gallery": None, "gallery_names": names, "seconds": seconds}
    if names:
        out["gallery"] = plot_activation_gallery(names, tmp / "activations")
        out["seconds"]["gallery"] = time.perf_counter() - start
    if weight_path:
        from ..claims.zigzag import weight_path_figure

        start = time.perf_counter()
        weight_path_figure(tmp / WEIGHT_PATH_STEM, quick=True)
        out["seconds"]["weight_path"] = time.perf_counter() - start
    return out
