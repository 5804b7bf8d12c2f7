"""The figure pipeline: one save function (PNG, SVG only when asked), figures drawn in parallel
by forked workers with the same bytes as drawn in turn."""

from __future__ import annotations

import os
import sys

import pytest

from actlab.cli import main
from actlab.report import common
from actlab.report.common import draw_parallel, save, svg_figures
from actlab.report.html import write_report

TINY = ["--epochs", "2", "--seeds", "2", "--hidden", "16", "--quiet"]


def _pid_and_square(x):
    return os.getpid(), x * x


def _fails(x):
    raise ValueError(f"task {x} failed")


def test_draw_parallel_keeps_order_and_uses_other_processes(monkeypatch):
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)  # another test may import it
    # earlier tests leave daemon threads behind (Dask's offload thread, tqdm's monitor), with
    # which draw_parallel rightly draws in turn; this test is about the forked workers
    monkeypatch.setattr(common, "_other_threads_alive", lambda: False)
    tasks = [(_pid_and_square, (k,)) for k in range(6)]
    serial = draw_parallel(tasks, workers=1)
    parallel = draw_parallel(tasks, workers=2)
    assert [sq for _, sq in serial] == [sq for _, sq in parallel] == [k * k for k in range(6)]
    assert {pid for pid, _ in serial} == {os.getpid()}
    if "fork" in __import__("multiprocessing").get_all_start_methods():
        assert os.getpid() not in {pid for pid, _ in parallel}
    assert common._TASKS == []  # nothing left behind for the next call


def test_draw_parallel_draws_in_turn_inside_jupyter(monkeypatch):
    """Forking a Jupyter kernel (threads, sockets) is not safe: in a kernel, no workers."""
    monkeypatch.setattr(common, "_inside_jupyter_kernel", lambda: True)
    results = draw_parallel([(_pid_and_square, (k,)) for k in range(3)], workers=2)
    assert {pid for pid, _ in results} == {os.getpid()}


def test_draw_parallel_draws_in_turn_while_another_thread_is_alive(monkeypatch):
    """A fork copies only the calling thread: with a second thread alive, no workers."""
    import threading

    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    tasks = [(_pid_and_square, (k,)) for k in range(4)]
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        results = {}
        caller = threading.Thread(target=lambda: results.update(r=draw_parallel(tasks, workers=2)))
        caller.start()
        caller.join(60)
    finally:
        release.set()
        other.join()
    assert [sq for _, sq in results["r"]] == [0, 1, 4, 9]
    assert {pid for pid, _ in results["r"]} == {os.getpid()}


def test_only_threads_marked_fork_safe_let_draw_parallel_fork(monkeypatch):
    import threading

    me = threading.current_thread()
    watcher, other = threading.Thread(target=print), threading.Thread(target=print)
    watcher.fork_safe = True  # as executors.die_with_parent marks its parent watcher
    monkeypatch.setattr(common.threading, "enumerate", lambda: [me, watcher])
    assert not common._other_threads_alive()
    monkeypatch.setattr(common.threading, "enumerate", lambda: [me, watcher, other])
    assert common._other_threads_alive()


def test_draw_parallel_raises_a_task_error(monkeypatch):
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    with pytest.raises(ValueError, match="task 1 failed"):
        draw_parallel([(_pid_and_square, (0,)), (_fails, (1,))], workers=2)


def test_save_writes_svg_only_when_asked(tmp_path):
    plt = common.plt
    fig = plt.figure()
    png, svg = save(fig, tmp_path / "a")
    assert png.is_file() and svg is None and not (tmp_path / "a.svg").exists()
    with svg_figures():
        png, svg = save(plt.figure(), tmp_path / "b")
    assert svg == tmp_path / "b.svg" and svg.is_file()
    png, svg = save(plt.figure(), tmp_path / "c", svg=True)
    assert svg.is_file()
    assert not common._SVG["on"]  # the block restored the default


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("render") / "run"
    assert main(["compare", "--activations", "tanh,relu", "--out", str(out), *TINY]) == 0
    return out


def test_compare_writes_png_only_by_default(run_dir):
    figures = sorted(p.name for p in (run_dir / "figures").iterdir())
    assert figures and all(name.endswith(".png") for name in figures)
    assert "SVG</a>" not in (run_dir / "report.html").read_text()


def test_figures_drawn_in_parallel_are_the_bytes_drawn_in_turn(run_dir, monkeypatch):
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)  # else both are drawn in turn
    monkeypatch.setattr(common, "_other_threads_alive", lambda: False)  # likewise (see above)

    def render(workers):
        monkeypatch.setenv("ACTLAB_FIGURE_WORKERS", str(workers))
        write_report(run_dir)
        return {p.name: p.read_bytes() for p in (run_dir / "figures").glob("*.png")}

    serial, parallel = render(1), render(2)
    assert serial.keys() == parallel.keys() and len(serial) >= 4
    assert serial == parallel


def test_report_svg_flag_writes_and_links_svg(run_dir):
    write_report(run_dir, svg=True)
    svgs = sorted(p.stem for p in (run_dir / "figures").glob("*.svg"))
    pngs = sorted(p.stem for p in (run_dir / "figures").glob("*.png"))
    assert {"activations", "training_curves", "layer_heatmaps"} <= set(svgs) <= set(pngs)
    assert (run_dir / "report.html").read_text().count("SVG</a>") == len(svgs)


def test_figure_process_stopped_before_any_run_leaves_nothing(tmp_path, monkeypatch):
    import tempfile

    from actlab.report.background import FigureProcess

    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # its scratch folder goes here
    fp = FigureProcess.start(["tanh"], weight_path=True, svg=False)
    fp.close()
    assert not fp._proc.is_alive() and fp._proc.exitcode == 0
    assert list(tmp_path.iterdir()) == []


def test_figure_process_failure_is_none_and_compare_draws_instead(tmp_path, monkeypatch):
    """A figure process that fails hands back None; compare then draws every figure itself,
    and the page is the same as when the figure process drew them."""
    from actlab.report import background, html

    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    fp = background.FigureProcess.start(["tanh"], weight_path=False, svg=False)
    assert fp.draw(tmp_path / "no-such-run") is None  # load_run raised in the child
    fp.close()
    assert not fp._proc.is_alive()

    parent, real, here = os.getpid(), html.draw_figures, []

    def fails_in_the_child(*args, **kwargs):
        if os.getpid() != parent:
            raise RuntimeError("figure process broken")
        here.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(html, "draw_figures", fails_in_the_child)
    out = tmp_path / "run"
    assert main(["compare", "--activations", "tanh,relu", "--out", str(out), *TINY]) == 0
    assert here == [out / "figures"]  # drawn in this process, once
    names = sorted(p.name for p in (out / "figures").iterdir())
    assert "weight_path.png" in names and "layer_heatmaps.png" in names
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") == len(names)
