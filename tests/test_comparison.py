"""actlab.compare() and actlab.load(): the comparison as a Python object (tables, tidy frames,
figures, networks, inline HTML), computed from the run directory's files."""

import gc
import json
from html import escape

import numpy as np
import pytest
from matplotlib.figure import Figure

import actlab
from actlab.errors import ParameterError


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp") / "run"
    r = actlab.compare(
        activations=["relu", "tanh", "sigmoid"],
        dataset="moons",
        hidden=[8],
        init="auto",
        seeds=3,
        epochs=4,
        workers=1,
        out=out,
        progress="none",
    )
    return r, out


def test_table_is_the_stored_table_with_significance(run):
    r, out = run
    table = r.table
    assert sorted(table["group"]) == ["relu", "sigmoid", "tanh"]
    assert list(table["test_acc_mean"]) == sorted(table["test_acc_mean"], reverse=True)
    stored = {row["group_id"]: row for row in json.loads((out / "table.json").read_text())["rows"]}
    for _, row in table.iterrows():
        assert row["test_acc_mean"] == pytest.approx(stored[row["group_id"]]["test_acc_mean"])
        assert row["test_acc_ci_low"] <= row["test_acc_mean"] <= row["test_acc_ci_high"]
        assert row["mark"] == stored[row["group_id"]]["mark"]
        assert row["mark"] in ("best", "tied", "below", "unstable", "n/a")
    assert (table["mark"] == "best").sum() == 1
    # the mean is the mean of the seeds' final test accuracy in the tidy history
    h = r.history
    last = h[(h.metric == "test_acc") & (h.epoch == 4)]
    for group, values in last.groupby("group")["value"]:
        assert table.set_index("group").loc[group, "test_acc_mean"] == pytest.approx(values.mean())


def test_history_and_probes_are_tidy(run):
    r, _ = run
    h = r.history
    assert list(h.columns) == [
        "group",
        "activation",
        "init",
        "seed",
        "epoch",
        "layer",
        "metric",
        "value",
    ]
    assert len(h[h.metric == "train_loss"]) == 3 * 3 * 4
    assert h.layer.isna().all()
    p = r.probes
    assert {"saturation", "dead", "grad_W_norm", "coherence", "flip_fraction"} <= set(p.metric)
    sat = p[(p.metric == "saturation") & (p.group == "tanh")]
    assert set(sat.epoch) == {0, 1, 2, 3, 4} and set(sat.layer) == {1}
    assert sat.value.between(0, 1).all()
    # two Dense layers: per-layer weight gradients have layers 1 and 2
    assert set(p[p.metric == "grad_W_norm"].layer) == {1, 2}
    assert set(p[p.metric == "flip_fraction"].epoch) == {1, 2, 3, 4}  # between probe times
    rec = next(x for x in r.records if x["group"] == "relu" and x["seed"] == 2)
    got = p[(p.group == "relu") & (p.seed == 2) & (p.metric == "dead") & (p.epoch == 3)]
    assert got.value.item() == pytest.approx(rec["probes"]["dead"][3][0])


def test_conclusion_is_what_the_cli_prints(run, capsys):
    """The same sentences as `actlab compare` above its table, from the stored table."""
    from actlab.cli import print_conclusion

    r, out = run
    print_conclusion(json.loads((out / "table.json").read_text())["rows"])
    printed = capsys.readouterr().out
    assert " ".join(printed.split()) == " ".join(r.conclusion.split())
    best = r.table.iloc[0]
    assert best["mark"] == "best"
    assert (
        f"{best['activation']} is the most accurate ({best['test_acc_mean']:.3f} mean"
        in r.conclusion
        or f"{best['activation']} has the highest mean ({best['test_acc_mean']:.3f}" in r.conclusion
    )


def test_figures_are_matplotlib_figures(run):
    r, out = run
    for fig in (r.curves(), r.gallery(), r.heatmaps(), r.zigzag(), r.boundaries()):
        assert isinstance(fig, Figure)
        assert len(fig.axes) >= 1
    assert not (out / "figures").exists()  # drawing in the notebook writes no files
    legend = [t.get_text() for t in r.curves().legends[0].get_texts()]
    assert legend == ["relu", "tanh", "sigmoid"]


def test_network_of_a_group_and_seed_reproduces_its_record(run):
    r, _ = run
    data = actlab.load_dataset("moons")
    for rec in r.records:
        net = r.network(rec["group"], seed=rec["seed"])
        assert net.n_replicas == 1 and net.seeds == [rec["seed"]]
        acc = np.mean(net.logits(data.X_test)[0].argmax(axis=1) == data.y_test)
        assert acc == pytest.approx(rec["test_acc"][-1], abs=1e-12)
    with pytest.raises(ParameterError, match="group: got 'elu'; allowed: one of relu, tanh"):
        r.network("elu")
    with pytest.raises(ParameterError, match="seed: got 7; allowed: one of 0, 1, 2"):
        r.network("relu", seed=7)


def test_inline_html_and_text(run):
    r, _ = run
    html = r._repr_html_()
    assert escape(r.conclusion.split("\n\n")[0]) in html
    assert html.count("<tr>") == 1 + 3 and "data:image/png;base64," in html
    assert "vs best" in repr(r) and r.conclusion in repr(r)


def test_report_writes_the_page_and_copies_it(run, tmp_path):
    r, out = run
    page = r.report(tmp_path / "mine.html")
    assert page == tmp_path / "mine.html"
    text = page.read_text()
    assert text.startswith("<!DOCTYPE html>") and "sigmoid" in text
    assert (out / "report.html").read_text() == text


def test_load_the_same_object_and_two_runs_side_by_side(run, tmp_path):
    r, out = run
    again = actlab.load(out)
    assert isinstance(again, actlab.Comparison)
    assert again.table["test_acc_mean"].tolist() == r.table["test_acc_mean"].tolist()
    assert again.conclusion == r.conclusion
    other = actlab.compare(
        activations="relu,elu",
        dataset="moons",
        hidden=[8],
        init="auto",
        seeds=2,
        epochs=4,
        workers=1,
        out=tmp_path / "other",
        progress="none",
    )
    both = actlab.load([out, tmp_path / "other"])
    assert sorted(both.table["run"].unique()) == ["other", "run"]
    assert len(both.table) == 5
    groups = list(both.table["group"])
    assert "relu [run=run]" in groups and "relu [run=other]" in groups and "elu" in groups
    assert both.conclusion.startswith("run: With ") and "\n\nother: With " in both.conclusion
    assert both.conclusion.split("\n\nother: ")[1] == actlab.load(tmp_path / "other").conclusion
    assert set(both.history["run"]) == {"run", "other"}
    net = both.network("relu [run=other]", seed=1)
    assert (
        net.seeds == [1]
        and other.network("relu", seed=1).logits(np.zeros((1, 2), np.float32)).tolist()
        == net.logits(np.zeros((1, 2), np.float32)).tolist()
    )
    with pytest.raises(ParameterError, match="several groups use this activation"):
        both.network("relu")
    fig = both.curves()  # five groups: small multiples, one panel per group, titled with it
    titles = {ax.get_title().rsplit(": ", 1)[0] for ax in fig.axes if ax.get_title()}
    assert titles == set(groups)


def test_temporary_run_is_removed_with_the_object():
    r = actlab.compare(
        activations="relu",
        dataset="xor",
        hidden=[4],
        init="auto",
        seeds=2,
        epochs=1,
        workers=1,
        probes=False,
        progress="none",
    )
    path = r.paths[0]
    assert (path / "records.jsonl").exists() and r.temporary
    del r
    gc.collect()
    assert not path.exists()


def test_bad_values_raise_before_anything_is_written(tmp_path):
    with pytest.raises(ParameterError, match="did you mean 'relu'"):
        actlab.compare(activations=["rleu"], out=tmp_path / "x")
    with pytest.raises(ParameterError, match="epochs"):
        actlab.compare(epochs=0, out=tmp_path / "y")
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
    with pytest.raises(ParameterError, match="RUN_DIR"):
        actlab.load(tmp_path / "nothing")


def test_session_activations_train_in_this_process_unless_workers_fork():
    from actlab.activations import unregister_activation
    from actlab.comparison import _needs_this_process

    actlab.register_activation(
        "cubic_soft",
        lambda z: z / (1 + z * z) ** 0.5,
        lambda z: (1 + z * z) ** -1.5,
        overwrite=True,
    )
    try:
        assert _needs_this_process(["relu", "cubic_soft"], "spawn")
        assert _needs_this_process(["cubic_soft"], "forkserver")
        assert not _needs_this_process(["relu", "cubic_soft"], "fork")  # children inherit it
        assert not _needs_this_process(["relu", "swish:2"], "spawn")  # built-ins import anywhere
    finally:
        unregister_activation("cubic_soft")


def test_inline_html_renders_in_chromium(run, tmp_path):
    """What a notebook cell shows, in headless Chromium: the conclusion, a table with a row per
    group and the curves image decoded (not a broken image)."""
    import os
    from pathlib import Path

    chromium = "/usr/bin/chromium"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is None or not Path(chromium).exists():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI needs playwright and /usr/bin/chromium")
        pytest.skip("no playwright or chromium")
    r, _ = run
    page_file = tmp_path / "cell.html"
    page_file.write_text(f"<!DOCTYPE html><html><body>{r._repr_html_()}</body></html>")
    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=chromium,
            headless=True,
            args=args,
            viewport={"width": 1100, "height": 900},
        )
        try:
            page = context.new_page()
            page.goto(page_file.as_uri())
            assert page.locator("b").first.inner_text() == r.conclusion.split("\n\n")[0]
            assert page.locator("tr").count() == 1 + 3
            cells = page.locator("tr").nth(1).locator("td").all_inner_texts()
            best = r.table.iloc[0]
            assert cells[0] == best["group"] and cells[1] == f"{best['test_acc_mean']:.3f}"
            assert cells[3] == "best"
            width = page.evaluate("document.querySelector('img').naturalWidth")
            assert width > 200  # the PNG decoded (a broken image has width 0)
            page.screenshot(path=str(tmp_path / "cell.png"), full_page=True)
        finally:
            context.close()
    assert (tmp_path / "cell.png").stat().st_size > 10_000
