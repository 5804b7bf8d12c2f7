"""``actlab.compare(...)`` and ``actlab.load(run_dir)``: a comparison as a Python object.

The same engine as ``actlab compare`` (the multi-seed lockstep runner, the run directory, the
statistics and the report figures), handed back as a :class:`Comparison` for a notebook::

    r = actlab.compare(activations=["relu", "tanh", "sigmoid"], seeds=5)
    r                      # in Jupyter: the conclusion, the table and the curves
    r.table                # one row per group: mean test accuracy, 95% interval, significance
    r.history, r.probes    # tidy per-epoch frames: group, seed, epoch, layer, metric, value
    r.curves()             # matplotlib Figures (also gallery, heatmaps, boundaries, zigzag)
    r.network("relu", seed=0)   # the trained network of one group and seed
    both = actlab.load([run_a, run_b])   # two runs side by side

Every number comes from the run directory's files (config.json, records.jsonl, table.json,
weights/); nothing is recomputed but the per-run significance marks when the table lacks them.
"""

from __future__ import annotations

import base64
import io
import json
import math
import shutil
import tempfile
import weakref
from html import escape
from pathlib import Path

from .errors import ParameterError
from .experiments import axes
from .experiments.compare import mark_cell
from .experiments.stats import summarize_group
from .experiments.store import RunStore

# fields that, when they differ between groups, name a group beyond its activation: the grid
# axes' (axes.py: dataset, hidden, arch, init, optimizer, lr) and the group's settings
_VARIANTS = (
    "run",
    *(k for a in axes.AXES if a.role != "compared" for k, _ in a.group_fields()),
    "momentum",
    "batch_size",
    "epochs",
    "dtype",
)
_CURVES = (
    "train_loss",
    "train_acc",
    "test_loss",
    "test_acc",
    "val_loss",
    "val_acc",
    "epoch_seconds",
)
# first columns of .table, in this order (the rest follow as stored)
_LEAD = (
    "group",
    "run",
    *(k for a in axes.label_order() for k, _ in a.group_fields()),  # activation, init, dataset, ...
    "test_acc_mean",
    "test_acc_ci_low",
    "test_acc_ci_high",
    "position",
    "mark",
    "diff_vs_best",
    "p_vs_best",
    "unstable",
    "n_seeds",
    "n_ok",
    "n_diverged",
    "n_failed",
)


# --------------------------------------------------------------------------- running


def _as_list(value):
    if value is None:
        return None
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return list(value)


def _spec(
    activations,
    dataset,
    hidden,
    arch,
    init,
    optimizer,
    lr,
    momentum,
    epochs,
    batch_size,
    seeds,
    target_acc,
    dtype,
    data_options,
    probes,
    workers,
    scheduler,
):
    from .experiments.spec import preset

    given = {
        "activations": _as_list(activations),
        "datasets": None if dataset is None else _as_list(dataset),
        "hidden": None if hidden is None else _hidden(hidden),
        "archs": None if arch is None else _as_list([arch] if isinstance(arch, str) else arch),
        "inits": _as_list(init),
        "optimizers": _as_list(optimizer),
        "lrs": None if lr is None else (list(lr) if isinstance(lr, (list, tuple)) else [lr]),
        "momentum": momentum,
        "epochs": epochs,
        "batch_size": batch_size,
        "seeds": list(seeds) if isinstance(seeds, (list, tuple, range)) else seeds,
        "target_acc": target_acc,
        "dtype": dtype,
        "data_options": data_options,
        "probes": probes,
        "workers": workers,
        "scheduler": scheduler,
    }
    return preset("compare", **{k: v for k, v in given.items() if v is not None}).validate()


def _hidden(value):
    """``[100, 100]``, ``(64,)``, ``"100,100"``, ``[]`` (no hidden layer) or a list of those."""
    if isinstance(value, str):
        text = value.strip().lower()
        return [[]] if text in ("", "none") else [[int(p) for p in text.split(",")]]
    value = list(value)
    if value and all(isinstance(v, (list, tuple)) for v in value):
        return [list(v) for v in value]
    return [value]


def compare(
    activations=None,
    dataset=None,
    *,
    hidden=None,
    arch=None,
    init=None,
    optimizer=None,
    lr=None,
    momentum=None,
    epochs=None,
    batch_size=None,
    seeds=None,
    target_acc=None,
    dtype=None,
    data_options=None,
    probes=None,
    workers=None,
    scheduler=None,
    out=None,
    progress="auto",
) -> Comparison:
    """Train the same network with each activation (and init), several seeds in lockstep.

    The parameters are ``actlab compare``'s flags; anything left None takes the compare
    preset's value (sigmoid, tanh, relu on digits; hidden 100,100; init auto and prototype;
    sgd lr 0.03 momentum 0.9; batch 32; 30 epochs; 5 seeds). ``activations``, ``init`` and
    ``dataset`` take a list or a comma string; ``seeds`` a count or a list; ``hidden`` a list of
    sizes (``[]``: none); ``arch`` a layer string with ``act`` for the activation compared.
    ``out``: the run directory (an existing one of the same spec resumes); None trains into a
    temporary directory removed when the Comparison is garbage collected. ``progress``:
    "auto", "bar", "lines" or "none". Bad values raise a one-line ParameterError before any
    training or writing.
    """
    from .experiments.sweep import run_spec

    spec = _spec(
        activations,
        dataset,
        hidden,
        arch,
        init,
        optimizer,
        lr,
        momentum,
        epochs,
        batch_size,
        seeds,
        target_acc,
        dtype,
        data_options,
        probes,
        workers,
        scheduler,
    )
    if workers is None and scheduler is None and _needs_this_process(spec.activations):
        spec.workers = 1
    temporary = out is None
    path = Path(tempfile.mkdtemp(prefix="actlab-compare-")) if temporary else Path(out)
    try:
        run_spec(spec, out=path, progress=progress)
    except BaseException:
        if temporary:
            shutil.rmtree(path, ignore_errors=True)
        raise
    result = Comparison.load(path)
    if temporary:
        result.temporary = True
        weakref.finalize(result, shutil.rmtree, str(path), True)
    return result


def _needs_this_process(activations, start_method=None) -> bool:
    """True when an activation exists only in this session (register_activation, or a class
    defined in the notebook) and worker processes would not inherit it: they do under "fork"
    (Linux up to Python 3.13), not under "spawn" (macOS, Windows) or "forkserver" (3.14)."""
    import multiprocessing

    from .activations import get_activation

    method = start_method or multiprocessing.get_start_method(allow_none=False)
    if method == "fork":
        return False
    modules = {type(get_activation(a)).__module__ for a in activations}
    return any(m == "actlab.activations.custom" or not m.startswith("actlab.") for m in modules)


def load(run_dirs) -> Comparison:
    """A :class:`Comparison` of one run directory, or of several side by side (a list)."""
    return Comparison.load(run_dirs)


# --------------------------------------------------------------------------- the object


class Comparison:
    """The results of one or more runs: tables, tidy frames, figures, the trained networks."""

    def __init__(
        self, paths: list[Path], configs: list[dict], records: list[dict], rows: list[dict]
    ):
        self.paths = paths
        self.configs = configs
        self.records = records  # one dict per replica (records.jsonl), with "run" and "group"
        self.rows = rows  # one dict per group (table.json), with "run" and "group"
        self.temporary = False

    # --- loading --------------------------------------------------------------------------
    @classmethod
    def load(cls, run_dirs) -> Comparison:
        from .report.load import load_run

        many = isinstance(run_dirs, (list, tuple))
        paths = [Path(p) for p in (run_dirs if many else [run_dirs])]
        if not paths:
            raise ParameterError("run_dirs", run_dirs, "a run directory or a non-empty list")
        names = _run_names(paths)
        configs, records, rows = [], [], []
        for path, name in zip(paths, names):
            run = load_run(path)  # one-line ParameterError for a missing or broken directory
            configs.append(run.config)
            recs = [{**r, "run": name} for r in RunStore(path).records() if "group_id" in r]
            records.extend(recs)
            rows.extend({**r, "run": name} for r in _table_rows(path, run, recs))
        labels = _group_labels(records)
        for item in (*records, *rows):
            item["group"] = labels[(item["run"], item["group_id"])]
        return cls(paths, configs, records, rows)

    # --- tables -----------------------------------------------------------------------------
    @property
    def table(self):
        """One row per group: mean final test accuracy with its 95% interval, the significance
        against the best of its block, stability flags, the probes' summaries, seconds."""
        import pandas as pd

        frame = pd.DataFrame(self.rows)
        if len(self.paths) == 1 and "run" in frame:
            frame = frame.drop(columns="run")
        lead = [c for c in _LEAD if c in frame.columns]
        return frame[lead + [c for c in frame.columns if c not in lead]]

    @property
    def history(self):
        """Tidy per-epoch curves: group, run, activation, init, seed, epoch, layer (None: the
        whole network), metric (train_loss, train_acc, test_loss, test_acc, epoch_seconds),
        value."""
        import pandas as pd

        rows = []
        for rec in self.records:
            key = _keys(rec)
            for metric in _CURVES:
                for e, value in enumerate(rec.get(metric) or []):
                    rows.append(
                        {
                            **key,
                            "epoch": e + 1,
                            "layer": None,
                            "metric": metric,
                            "value": _float(value),
                        }
                    )
        return self._frame(pd, rows)

    @property
    def probes(self):
        """Tidy probe series: group, run, activation, init, seed, epoch (0 = before training),
        layer (1 = first hidden layer or first weighted layer; None for whole-network values),
        metric (saturation, dead, act_mean, grad_W_norm, coherence, flip_fraction, ...),
        value."""
        import pandas as pd

        rows = []
        for rec in self.records:
            probes = rec.get("probes") or {}
            epochs = probes.get("epochs") or []
            key = _keys(rec)
            for metric, series in probes.items():
                if metric in ("epochs", "eps", "params") or not isinstance(series, list):
                    continue
                # flip_fraction is measured between two probe times: it belongs to the later
                times = epochs[len(epochs) - len(series) :]
                for epoch, values in zip(times, series):
                    layers = values if isinstance(values, list) else [values]
                    for i, value in enumerate(layers):
                        rows.append(
                            {
                                **key,
                                "epoch": epoch,
                                "layer": i + 1 if isinstance(values, list) else None,
                                "metric": metric,
                                "value": _float(value),
                            }
                        )
        return self._frame(pd, rows)

    def _frame(self, pd, rows):
        frame = pd.DataFrame(rows)
        if "layer" in frame:
            frame["layer"] = frame["layer"].astype("Int64")
        if len(self.paths) == 1 and "run" in frame:
            frame = frame.drop(columns="run")
        return frame

    # --- the sentences ------------------------------------------------------------------------
    @property
    def conclusion(self) -> str:
        """The plain answer the CLI prints above its table (experiments.conclusion: the most
        accurate activation per block or a tie, the unstable ones, the fastest to the target,
        and the probe that separates the weakest from the best), a paragraph per block; with
        several runs, each run's paragraphs prefixed by its name."""
        from .experiments.conclusion import conclusion

        runs = list(dict.fromkeys(r["run"] for r in self.rows))
        parts = []
        for run in runs:
            rows = [r for r in self.rows if r["run"] == run]
            records = [r for r in self.records if r["run"] == run]
            text = "\n\n".join(conclusion(rows, records))
            parts.append(f"{run}: {text}" if len(runs) > 1 else text)
        return "\n\n".join(parts)

    # --- figures --------------------------------------------------------------------------------
    def _labelled(self) -> list[dict]:
        """Records whose "activation" is the group label, so the report's figures draw one line
        per group (and two runs side by side do not merge); the spec stays in activation_spec."""
        return [
            {**r, "activation": r["group"], "activation_spec": r["activation"]}
            for r in self.records
        ]

    def curves(self):
        """Train loss and test accuracy per epoch: mean over seeds, band, each seed (Figure)."""
        from .report.curves import plot_training_curves

        return plot_training_curves(self._labelled(), None)

    def gallery(self, names=None):
        """The activations compared (or ``names``), their derivatives and flat regions."""
        from .report.gallery import plot_activation_gallery

        names = names or list(dict.fromkeys(r["activation"] for r in self.records))
        return plot_activation_gallery(names, None)

    def heatmaps(self):
        """Per layer and epoch: saturation, dead units, gradient norms (None without probes)."""
        from .report.heatmaps import plot_layer_heatmaps

        return plot_layer_heatmaps(self._labelled(), None)

    def zigzag(self):
        """Sign coherence of the weight updates and sign flips per Dense layer (None without
        probes)."""
        from .report.zigzag import plot_zigzag

        return plot_zigzag(self._labelled(), None)

    def boundaries(self):
        """Decision boundaries of the first seed of each group (2-D data sets; else None)."""
        from .datasets import load_dataset
        from .report.boundary import plot_decision_boundaries

        cache = {}

        def data_for(rec):
            key = json.dumps([rec["dataset"], rec.get("data_options") or {}], sort_keys=True)
            if key not in cache:
                cache[key] = load_dataset(
                    rec["dataset"], **{"seed": 0, **(rec.get("data_options") or {})}
                )
            return cache[key]

        return plot_decision_boundaries(self._labelled(), data_for, None)

    def report(self, path=None) -> Path:
        """Write the self-contained HTML report; returns its path.

        One run: ``report.html`` in the run directory, copied to ``path`` if given. Several
        runs: ``path`` is a folder that receives one page per run (RUN-NAME.html).
        """
        from .report.html import write_report

        if len(self.paths) == 1:
            page = write_report(self.paths[0])
            if path is None:
                return page
            target = Path(path)
            if target.is_dir():
                target = target / "report.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(page, target)
            return target
        if path is None:
            raise ParameterError("path", path, "a folder for the pages of several runs")
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        for run_path, name in zip(self.paths, _run_names(self.paths)):
            shutil.copyfile(write_report(run_path), folder / f"{name}.html")
        return folder

    # --- networks -------------------------------------------------------------------------------
    def groups(self) -> list[str]:
        """The group labels, in table order."""
        return list(dict.fromkeys(r["group"] for r in self.rows))

    def network(self, group: str, seed: int | None = None):
        """The trained network of ``group`` (a label from :meth:`groups`, or an activation name
        when only one group has it) for ``seed`` (default: the group's first seed)."""
        from .saving import load_network, select_replica

        recs = [r for r in self.records if r["group"] == group]
        if not recs:
            recs = [r for r in self.records if r["activation"] == group]
            if len({r["group"] for r in recs}) > 1:
                raise ParameterError(
                    "group",
                    group,
                    "one of " + ", ".join(self.groups()),
                    "several groups use this activation; name one",
                )
        if not recs:
            raise ParameterError("group", group, "one of " + ", ".join(self.groups()))
        seeds = sorted({r["seed"] for r in recs})
        seed = seeds[0] if seed is None else seed
        if seed not in seeds:
            raise ParameterError("seed", seed, "one of " + ", ".join(map(str, seeds)))
        run = self.paths[_run_names(self.paths).index(recs[0]["run"])]
        file = RunStore(run).weights_path(recs[0]["group_id"])
        if not file.is_file():
            raise ParameterError(
                "group",
                group,
                "a group whose run kept its weights",
                f"{file} is missing (a run made before actlab kept weights)",
            )
        net, _ = load_network(file)
        return select_replica(net, net.seeds.index(seed))

    # --- display --------------------------------------------------------------------------------
    def __repr__(self) -> str:
        from .experiments.compare import format_table

        runs = ", ".join(str(p) for p in self.paths)
        return f"{self.conclusion}\n\n{format_table(self.rows, self.records)}\n(runs: {runs})"

    def _repr_html_(self) -> str:
        fig = self.curves()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=80)
        image = base64.b64encode(buffer.getvalue()).decode("ascii")
        paragraphs = "".join(f"<p><b>{escape(p)}</b></p>" for p in self.conclusion.split("\n\n"))
        return (
            f"<div>{paragraphs}{_html_table(self.rows)}"
            f'<img src="data:image/png;base64,{image}" alt="training curves" '
            f'style="max-width:100%"><p style="color:#777">runs: '
            f"{escape(', '.join(str(p) for p in self.paths))}</p></div>"
        )


# --------------------------------------------------------------------------- helpers


def _run_names(paths: list[Path]) -> list[str]:
    names = [p.resolve().name for p in paths]
    return [f"{n}-{i + 1}" if names.count(n) > 1 else n for i, n in enumerate(names)]


def _table_rows(path: Path, run, records: list[dict]) -> list[dict]:
    """table.json's rows (what the CLI printed), marked against the best of each block."""
    rows = [dict(r) for r in run.rows if "group_id" in r]
    if not rows:  # a run killed before its table was written: summarize the records
        by_group: dict[str, list[dict]] = {}
        for rec in records:
            by_group.setdefault(rec["group_id"], []).append(rec)
        target = run.config.get("target_acc", 0.95)
        rows = [
            summarize_group(recs, target, run.config.get("target_loss"))
            for recs in by_group.values()
        ]
        for row, gid in zip(rows, by_group):
            row["group_id"] = gid
    return _significance(rows, records)


def _significance(rows: list[dict], records: list[dict]) -> list[dict]:
    """The rows marked against the best stable group of their block (experiments.compare:
    best / tied / below / unstable, paired tests on the common seeds, Holm), as the CLI
    prints them; table.json already holds the marks, older runs get them computed here."""
    from .experiments.compare import annotate

    if not rows or all("mark" in r for r in rows):
        return rows
    return annotate(rows, records)


def _group_labels(records: list[dict]) -> dict[tuple, str]:
    """(run, group_id) -> the activation, plus the fields that tell its groups apart."""
    by_group = {(r["run"], r["group_id"]): r for r in records}
    varying = [
        f
        for f in _VARIANTS
        if len({json.dumps(r.get(f), sort_keys=True, default=str) for r in by_group.values()}) > 1
    ]
    labels = {}
    for key, rec in by_group.items():
        same = [r for k, r in by_group.items() if r["activation"] == rec["activation"]]
        extra = [
            f"{f}={_short(rec.get(f))}"
            for f in varying
            if len({json.dumps(r.get(f), default=str) for r in same}) > 1
        ]
        labels[key] = rec["activation"] + (f" [{', '.join(extra)}]" if extra else "")
    return labels


def _short(value) -> str:
    if isinstance(value, list):
        return "-".join(map(str, value)) or "none"
    return str(value)


def _keys(rec: dict) -> dict:
    return {
        "group": rec["group"],
        "run": rec["run"],
        "activation": rec["activation"],
        "init": rec.get("init"),
        "seed": rec.get("seed"),
    }


def _float(value) -> float:
    return float("nan") if value is None else float(value)


def _fmt(x, spec=".3f") -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return format(x, spec) if isinstance(x, (int, float)) else str(x)


def _html_table(rows: list[dict]) -> str:
    show_run = len({r["run"] for r in rows}) > 1
    head = (
        ["group"]
        + (["run"] if show_run else [])
        + [
            "test accuracy",
            "95% CI",
            "vs best",
            "unstable",
            "seeds ok",
            "final train loss",
            "seconds",
        ]
    )
    body = []
    for r in rows:
        cells = (
            [r["group"]]
            + ([r["run"]] if show_run else [])
            + [
                _fmt(r.get("test_acc_mean")),
                f"[{_fmt(r.get('test_acc_ci_low'))}, {_fmt(r.get('test_acc_ci_high'))}]",
                mark_cell(r),
                r.get("unstable") or "-",
                f"{r.get('n_ok', '?')}/{r.get('n_seeds', '?')}",
                _fmt(r.get("train_loss_mean"), ".3g"),
                _fmt(r.get("seconds"), ".1f"),
            ]
        )
        body.append("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in cells) + "</tr>")
    header = "<tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"
    return f"<table>{header}{''.join(body)}</table>"


__all__ = ["Comparison", "compare", "load"]
