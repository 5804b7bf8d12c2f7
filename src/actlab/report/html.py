"""The run's page: one self-contained report.html (figures embedded as base64 PNG, inline CSS,
no script, no network), rendered only from the files stored in the run directory."""

from __future__ import annotations

import base64
import contextlib
import json
import math
import time
from html import escape
from pathlib import Path

from ..activations import get_activation
from . import texts
from .load import Run, load_run

FIGURES = "figures"
SECONDS_KEY = "seconds"  # in draw_figures' result: {figure: seconds it took to draw}
EARLY_SECONDS_KEY = "seconds_during_training"  # the same for those drawn beside the training
# Hook for actlab.claims.zigzag: a 2-D weight-path figure written to figures/weight_path.png (or
# passed as ``weight_path_figure``) is embedded in the zig-zag section.
WEIGHT_PATH_STEM = "weight_path"

CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;
max-width:1200px;margin:0 auto;padding:1em 1.5em 4em;background:#fff}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #ddd}
nav a{margin-right:1em}figure{margin:1em 0}figure img{max-width:100%;height:auto;
border:1px solid #eee}figcaption{font-size:.85em;color:#666}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0}
th,td{padding:.3em .6em;border-bottom:1px solid #e4e4e4;text-align:right}td{white-space:nowrap}
th:first-child,td:first-child,th.l,td.l{text-align:left}th{background:#f6f6f6}
.note{color:#555;background:#f8f8f0;border-left:3px solid #cc9;padding:.4em .8em}
tr.top td{font-weight:bold}.answer{font-size:1.08em;background:#f3f8f3;
border-left:4px solid #6a6;padding:.5em 1em}.answer p{margin:.3em 0}
pre{background:#f6f6f6;padding:.8em;overflow:auto;font-size:.85em}.muted{color:#777}
"""


def _fmt(x, spec=".3f") -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "&ndash;"
    return format(x, spec) if isinstance(x, (int, float)) else escape(str(x))


def _figure(png: Path, caption: str = "") -> str:
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    svg = png.with_suffix(".svg")
    link = f' <a href="{escape(FIGURES + "/" + svg.name)}">SVG</a>' if svg.exists() else ""
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{escape(caption or png.stem)}">'
        f"<figcaption>{escape(caption)}{link}</figcaption></figure>"
    )


def _section(anchor: str, title: str, text: str, body: str = "") -> str:
    return f'<section id="{anchor}"><h2>{escape(title)}</h2><p>{text}</p>{body}</section>'


def results_table(run: Run) -> str:
    """The table.json rows as stored (sorted by mean within each block); every row marked best
    or tied with the best is bold; unstable groups are flagged in their own column."""
    from ..experiments.compare import flat_cell, legend, mark_cell

    rows = run.rows
    if not rows:
        return '<p class="note">No table.json in this run directory.</p>'
    extra = [f for f in run.variants if f in rows[0]]
    probes = "last_hidden_saturation" in rows[0]
    marked = any("mark" in r for r in rows)
    ci = " (95% CI)" if "test_acc_ci_low" in rows[0] else ""
    head = ["activation", "init", *extra, f"test accuracy{ci}"]
    head += ["vs best"] if marked else []
    head += [
        "unstable",
        "final train loss",
        f"epochs to {_fmt(rows[0].get('target_train_acc'), '.0%')} train acc",
    ]
    if probes:
        head += ["flat units (last hidden)", "dead (last hidden)", "|dW first|/|dW last|"]
    head += ["seconds"]
    left = 2 + len(extra)
    lines = [
        '<div style="overflow-x:auto"><table class=results><tr>'
        + "".join(f"<th{' class=l' if k < left else ''}>{h}</th>" for k, h in enumerate(head))
        + "</tr>"
    ]
    for r in rows:
        init = escape(str(r.get("init")))
        if r.get("init_resolved") not in (None, r.get("init")):
            init += f' <span class="muted">({escape(str(r["init_resolved"]))})</span>'
        acc = f"{_fmt(r.get('test_acc_mean'))} &plusmn; {_fmt(r.get('test_acc_std'))}"
        if "test_acc_ci_low" in r:
            acc += (
                f' <span class="muted">[{_fmt(r["test_acc_ci_low"])}, '
                f"{_fmt(r.get('test_acc_ci_high'))}]</span>"
            )
        reach = (
            "never"
            if not r.get("n_reached_target")
            else _fmt(r.get("epochs_to_target_mean"), ".1f")
            + (
                ""
                if r.get("n_reached_target") == r.get("n_ok")
                else f' <span class="muted">({r["n_reached_target"]}/{r.get("n_seeds")} seeds)</span>'
            )
        )
        cells = [escape(str(r.get("activation"))), init] + [escape(str(r.get(f))) for f in extra]
        cells += [acc] + ([escape(mark_cell(r))] if marked else [])
        cells += [
            escape(r.get("unstable") or "-")
            if "unstable" in r
            else f"{r.get('n_diverged', 0)}/{r.get('n_seeds', '?')} diverged"
        ]
        cells += [_fmt(r.get("train_loss_mean"), ".3g"), reach]
        if probes:
            cells += [
                escape(flat_cell(r)),
                _fmt(r.get("last_hidden_dead"), ".1%"),
                _fmt(r.get("grad_ratio"), ".3g"),
            ]
        cells += [_fmt(r.get("seconds"), ".1f")]
        top = r.get("mark") in ("best", "tied")
        lines.append(
            f"<tr{' class=top' if top else ''}>"
            + "".join(f"<td{' class=l' if k < left else ''}>{c}</td>" for k, c in enumerate(cells))
            + "</tr>"
        )
    notes = "".join(f'<p class="muted">{escape(line)}</p>' for line in legend(rows))
    return "\n".join(lines) + "</table></div>" + notes


def _gallery_names(run: Run) -> tuple[list[str], list[str]]:
    """The activations the gallery draws, and notes on those it cannot."""
    names, notes = [], []
    for spec in dict.fromkeys(r.get("activation_spec", r["activation"]) for r in run.records):
        try:
            get_activation(spec)
            names.append(spec)
        except ValueError:
            notes.append(f"{spec}: not a registered activation in this session, not drawn")
    if any(get_activation(n).pieces > 1 for n in names):
        notes.append(
            "maxout is drawn as the 1-D max(z, 0.5z); in a network its f' is a 0/1 "
            "mask choosing the winning piece, so it never saturates"
        )
    return names, notes


def _boundaries(run: Run, figdir: Path) -> tuple[Path | None, list[str]]:
    """The decision-boundary figure (or None) and notes; drawn in a worker of draw_parallel."""
    from ..datasets import load_dataset

    cache, notes = {}, []

    def data_for(record):
        name = (
            record.get("dataset")
            or run.config.get("dataset")
            or run.config.get("datasets", [""])[0]
        )
        options = record.get("data_options", run.config.get("data_options", {})) or {}
        key = json.dumps([name, options], sort_keys=True, default=str)
        if key not in cache:
            # the points drawn: as the runner loads them (a float64 run's in float32: a figure)
            cache[key] = load_dataset(name, **{"seed": 0, **options})
        return cache[key]

    from .boundary import plot_decision_boundaries

    try:
        out = plot_decision_boundaries(run.records, data_for, figdir / "boundaries")
    except (ValueError, OSError) as exc:  # the data set file moved or changed
        notes.append(f"the data set could not be reloaded to draw the boundaries: {exc}")
        return None, notes
    return (out[0] if out else None), notes


def _timed(fn, *args):
    """(fn(*args), its seconds): what each figure costs, for the benchmark's profile line."""
    start = time.perf_counter()
    return fn(*args), time.perf_counter() - start


def _png(result):
    """The PNG path of a plot function's result ((png, svg) or None)."""
    return result[0] if result else None


def _notes(notes: list[str]) -> str:
    return "".join(f'<p class="note">{escape(n)}</p>' for n in notes)


def draw_figures(run: Run, figdir: Path, done: dict | None = None) -> dict:
    """Every figure of the page, drawn at once (draw_parallel): {name: plot result or None}.

    The slowest first (the heat maps and the curves have a panel per layer or per init);
    ``result[SECONDS_KEY]``: the seconds each figure drawn here took.
    ``done``: results of figures already drawn for this run: the gallery, which ``actlab
    compare`` draws while the groups train, as ``{"gallery": result, "gallery_names": names}``
    (kept if these are the names this run's gallery shows, else drawn again)."""
    from .common import draw_parallel  # matplotlib: imported where figures are drawn
    from .cost import plot_cost
    from .curves import plot_training_curves
    from .gallery import plot_activation_gallery
    from .heatmaps import plot_layer_heatmaps
    from .zigzag import plot_zigzag

    names, _ = _gallery_names(run)
    done = dict(done or {})
    if done.get("gallery_names") != names:
        done.pop("gallery", None)
    tasks = {
        "heatmaps": (plot_layer_heatmaps, (run.records, figdir / "layer_heatmaps")),
        "curves": (plot_training_curves, (run.records, figdir / "training_curves")),
        "zigzag": (plot_zigzag, (run.records, figdir / "zigzag")),
        "gallery": (plot_activation_gallery, (names, figdir / "activations")) if names else None,
        "boundaries": (_boundaries, (run, figdir)),
        "cost": (plot_cost, (run.cost, figdir / "cost")) if run.cost else None,
    }
    todo = {k: v for k, v in tasks.items() if v is not None and k not in done}
    timed = draw_parallel([(_timed, (fn, *args)) for fn, args in todo.values()])
    drawn = {k: result for k, (result, _) in zip(todo, timed)}
    out = {k: drawn[k] if k in drawn else done.get(k) for k in tasks}
    out[SECONDS_KEY] = {k: seconds for k, (_, seconds) in zip(todo, timed)}
    return out


def write_report(
    run_dir, weight_path_figure=None, svg: bool | None = None, drawn: dict | None = None
) -> Path:
    """Render every figure and ``report.html`` in ``run_dir`` from its stored files.

    Figures are PNG (embedded in the page); ``svg=True`` writes an SVG beside each as well
    (linked under the figure). None: whatever ``report.common.svg_figures`` says.
    ``drawn``: the figures as :func:`draw_figures` returned them for this run, drawn elsewhere
    (``actlab compare``'s figure process): only the page is written here."""
    run = load_run(run_dir)
    figdir = run.path / FIGURES
    if drawn is None:
        from .common import svg_figures

        with svg_figures(svg) if svg is not None else contextlib.nullcontext():
            drawn = draw_figures(run, figdir)
    sections = []
    failed = {
        (str(r.get("init")), str(r.get("activation"))): str(r.get("error", "?"))
        for r in run.records
        if r.get("status") == "failed"
    }
    notes = [f"{act} (init {init}) failed: {error}" for (init, act), error in failed.items()]
    sections.append(_section("results", "Results", texts.TABLE, results_table(run) + _notes(notes)))
    _, notes = _gallery_names(run)
    gallery = _png(drawn["gallery"])
    body = _figure(gallery, "activations and their derivatives") if gallery else ""
    sections.append(
        _section("activations", "The activation functions", texts.GALLERY, body + _notes(notes))
    )
    sections.append(
        _section(
            "curves",
            "Training curves",
            texts.CURVES,
            _figure(_png(drawn["curves"]), "train loss and test accuracy per epoch"),
        )
    )
    heat, zig = drawn["heatmaps"], drawn["zigzag"]
    if heat:
        sections.append(
            _section(
                "inside",
                "Inside the network: saturation, gradients, activations",
                texts.HEATMAPS,
                _figure(heat[0], "per-layer probes"),
            )
        )
    else:
        sections.append(_section("inside", "Inside the network", texts.NO_PROBES))
    weight_path = (
        Path(weight_path_figure) if weight_path_figure else figdir / f"{WEIGHT_PATH_STEM}.png"
    )
    if zig:
        extra = (
            f"<p>{texts.WEIGHT_PATH}</p>" + _figure(weight_path, "weight path")
            if weight_path.is_file()
            else ""
        )
        sections.append(
            _section(
                "zigzag",
                "Zig-zag: one sign for every weight",
                texts.ZIGZAG,
                _figure(zig[0], "sign coherence and flips per Dense layer") + extra,
            )
        )
    boundary, notes = drawn["boundaries"]
    if boundary or notes:
        body = _figure(boundary, "decision boundaries") if boundary else ""
        sections.append(
            _section("boundaries", "Decision boundaries", texts.BOUNDARY, body + _notes(notes))
        )
    cost = drawn["cost"]
    sections.append(
        _section(
            "cost",
            "Cost per activation",
            texts.COST if cost else texts.NO_COST,
            _figure(cost[0], "time per element") if cost else "",
        )
    )
    config = json.dumps(run.meta, indent=2, default=str)
    sections.append(
        _section(
            "config",
            "Configuration",
            "The run's config.json as stored.",
            f"<pre>{escape(config)}</pre>",
        )
    )
    page = _page(run, sections, answer(run))
    from ..experiments.store import write_atomic  # a failed write leaves no part behind

    return write_atomic(run.path / "report.html", page)


def answer(run: Run) -> list[str]:
    """The same sentences ``actlab compare`` prints above its tables, from this run's table."""
    from ..experiments.conclusion import conclusion

    if run.rows:
        return conclusion(run.rows, run.records)
    return conclusion(run.records) if run.records else []


def _page(run: Run, sections: list[str], sentences: list[str] = ()) -> str:
    c = run.config
    acts = ", ".join(dict.fromkeys(r.get("activation_spec", r["activation"]) for r in run.records))
    inits = ", ".join(dict.fromkeys(str(r["init"]) for r in run.records))
    datasets = ", ".join(
        dict.fromkeys(str(r.get("dataset", c.get("dataset", "?"))) for r in run.records)
    )
    seeds = len({r.get("seed") for r in run.records})
    summary = (
        f"{escape(acts)} on <b>{escape(datasets)}</b>; init {escape(inits)}; "
        f"{seeds} seed{'s' if seeds != 1 else ''}, {len(run.records)} trained networks; "
        f"created {escape(str(run.meta.get('created', '?')))}"
    )
    nav = "".join(
        f'<a href="#{a}">{t}</a>'
        for a, t in (
            ("results", "results"),
            ("activations", "activations"),
            ("curves", "curves"),
            ("inside", "inside"),
            ("zigzag", "zig-zag"),
            ("boundaries", "boundaries"),
            ("cost", "cost"),
            ("config", "config"),
        )
        if f'id="{a}"' in "".join(sections)
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>actlab report: {escape(run.path.name)}</title><style>{CSS}</style></head>"
        f'<body><h1>actlab report</h1><p class="muted">{escape(str(run.path))}</p>'
        + (
            '<div class="answer" id="answer"><b>The answer, from this run\'s data</b>'
            + "".join(f"<p>{escape(x)}</p>" for x in sentences)
            + "</div>"
            if sentences
            else ""
        )
        + f"<p>{summary}</p><p>{texts.INTRO}</p><nav>{nav}</nav>"
        + "\n".join(sections)
        + "</body></html>\n"
    )
