"""The report: figures as PNG + SVG, one self-contained HTML page, and the report/show commands."""

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import matplotlib.image as mpimg
import numpy as np
import pytest

from actlab.cli import main
from actlab.report.common import svg_figures
from actlab.report.gallery import plot_activation_gallery
from actlab.report.html import write_report

TINY = ["--epochs", "2", "--seeds", "2", "--hidden", "16", "--quiet"]


class Page(HTMLParser):
    """Counts figures and sections and collects every src/href."""

    def __init__(self):
        super().__init__()
        self.tags, self.urls, self.scripts = [], [], 0

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.urls += [v or "" for k, v in attrs if k in ("src", "href")]
        self.scripts += tag == "script"


def parse(path):
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def check_png(path, min_bytes=5000):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > min_bytes, path
    image = mpimg.imread(path)
    assert image.ndim == 3 and np.ptp(image[..., :3]) > 0.2, f"{path} looks uniform"


def check_svg(path):
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "run"
    assert (
        main(["compare", "--activations", "sigmoid,relu", "--out", str(out), "--svg", *TINY]) == 0
    )
    return out


@pytest.fixture(scope="module")
def moons_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "moons"
    assert (
        main(
            [
                "compare",
                "--dataset",
                "moons",
                "--activations",
                "tanh,relu,maxout",
                "--init",
                "auto",
                "--out",
                str(out),
                *TINY,
            ]
        )
        == 0
    )
    return out


def test_compare_writes_a_self_contained_page(digits_run):
    page_path = digits_run / "report.html"
    page = parse(page_path)
    n_figures = page.tags.count("figure")
    # gallery, curves, heat maps, zig-zag, the weight path and the cost (no boundary: digits)
    assert n_figures == 6
    assert page.tags.count("img") + page.tags.count("svg") == n_figures
    assert page.scripts == 0 and "link" not in page.tags
    assert not [u for u in page.urls if "http" in u or u.startswith("//")]
    text = page_path.read_text()
    assert "No cost.json" not in text and "<table class=results>" in text
    for stem in (
        "activations",
        "training_curves",
        "layer_heatmaps",
        "zigzag",
        "weight_path",
        "cost",
    ):
        check_png(digits_run / "figures" / f"{stem}.png")
        check_svg(digits_run / "figures" / f"{stem}.svg")


def test_cost_section_from_cost_json(digits_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(digits_run, run)
    rows = [
        {
            "activation": a,
            "size": s,
            "fwd_ns_per_element": k,
            "fwd_bwd_ns_per_element": 2 * k,
            "fwd_bwd_ratio_to_relu": k,
            "fwd_bwd_ratio_to_copy": 3 * k,
        }
        for s in (1000, 10000)
        for k, a in enumerate(["copy", "relu", "sigmoid"], 1)
    ]
    (run / "cost.json").write_text(json.dumps({"rows": rows}))
    page = parse(write_report(run))
    assert page.tags.count("img") == page.tags.count("figure") == 6
    (run / "cost.json").unlink()
    page = parse(write_report(run))
    assert page.tags.count("img") == page.tags.count("figure") == 5
    assert "No cost.json" in (run / "report.html").read_text()
    check_png(run / "figures" / "cost.png")


def test_user_supplied_names_are_escaped(digits_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(digits_run, run)
    evil = "<script>alert(1)</script>"
    lines = (run / "records.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    for r in records[:2]:
        r["activation"] = evil
    (run / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    table = json.loads((run / "table.json").read_text())
    table["rows"][0]["activation"] = evil
    (run / "table.json").write_text(json.dumps(table))
    path = write_report(run)
    text = path.read_text()
    assert evil not in text and "&lt;script&gt;" in text
    assert parse(path).scripts == 0


def test_decision_boundaries_for_moons(moons_run):
    page = parse(moons_run / "report.html")
    assert page.tags.count("img") == page.tags.count("figure") == 7
    check_png(moons_run / "figures" / "boundaries.png")
    assert not (moons_run / "figures" / "boundaries.svg").exists()  # no --svg given
    assert "maxout is drawn as the 1-D max(z, 0.5z)" in (moons_run / "report.html").read_text()


def test_report_command_regenerates_the_page(digits_run, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(digits_run, run)
    (run / "report.html").unlink()
    shutil.rmtree(run / "figures")
    assert main(["report", str(run)]) == 0
    assert "report.html" in capsys.readouterr().out
    assert parse(run / "report.html").tags.count("img") == 5  # the weight path went with figures/


@pytest.mark.parametrize(
    "make, missing",
    [
        (lambda p: None, "no such directory"),
        (lambda p: p.mkdir(), "missing: config.json, records.jsonl"),
        (lambda p: (p.mkdir(), (p / "config.json").write_text("{}")), "missing: records.jsonl"),
    ],
)
def test_bad_run_dir_one_line_exit_2(tmp_path, make, missing):
    bad = tmp_path / "notarun"
    make(bad)
    proc = subprocess.run(
        [sys.executable, "-m", "actlab.cli", "report", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and missing in lines[0]


def test_show_activations_writes_the_gallery(tmp_path, capsys):
    # --out is a folder, as for every other command (it was a file stem)
    assert main(["show", "activations", "relu", "tanh", "--out", str(tmp_path / "g")]) == 0
    assert str(tmp_path / "g" / "activations.png") in capsys.readouterr().out
    check_png(tmp_path / "g" / "activations.png")
    assert not (tmp_path / "g" / "activations.svg").exists()  # SVG only when asked for
    assert main(["show", "activations", "relu", "--out", str(tmp_path / "g"), "--svg"]) == 0
    assert "activations.svg" in capsys.readouterr().out
    check_svg(tmp_path / "g" / "activations.svg")
    assert main(["show", "activations", "rleu", "--out", str(tmp_path / "x")]) == 2
    assert not (tmp_path / "x").exists()
    assert main(["show", "activations", "relu", "--out", str(tmp_path / "y.png")]) == 2
    assert "--out: got" in capsys.readouterr().err and not (tmp_path / "y.png").exists()


def test_gallery_of_every_activation(tmp_path):
    from actlab.activations import available_activations

    with svg_figures():
        png, svg = plot_activation_gallery(available_activations(), tmp_path / "all")
    check_png(png, min_bytes=50_000)
    check_svg(svg)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium not installed")
def test_page_loads_in_headless_chromium_without_console_errors(digits_run, tmp_path):
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        "--dump-dom",
    ]
    proc = subprocess.run(
        ["chromium", *flags, (digits_run / "report.html").as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "actlab report" in proc.stdout
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line]
    assert not console, console
    assert "net::ERR" not in proc.stderr
