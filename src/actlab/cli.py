"""The ``actlab`` command.

Bad input prints one line (``actlab: error: <parameter>: got <value>; allowed: ...``) and exits
with code 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import sys
import time

from .errors import ActlabError, ParameterError, parse_number

DEBUG_HELP = "show the full traceback on errors"
SVG_HELP = "write every figure as SVG too, beside the PNG (slower; the page embeds the PNGs)"


class _Parser(argparse.ArgumentParser):
    """argparse's own errors (a missing value, a bad choice) in one line as well: they printed
    the whole usage block (12 lines) above it; --help shows that."""

    def error(self, message):
        if "expected one argument" in message:  # --seeds -1,2 reads -1,2 as a flag
            flag = message.split(":")[0].removeprefix("argument ").split("/")[0]
            message += f" (a value that starts with '-' goes after '=': {flag}=VALUE)"
        self.exit(2, f"{self.prog}: error: {message}; see {self.prog} --help\n")


def _version() -> str:
    from . import __version__

    return __version__


def _seeds(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        raise ParameterError(
            "--seeds", text, "a count N (seeds 0..N-1) or a comma list of integers"
        ) from None
    if len(values) == 1:
        if values[0] <= 0:
            raise ParameterError("--seeds", text, "a positive count N, or a comma list of integers")
        return list(range(values[0]))
    return values


_number = parse_number  # the CLI's numbers: one line naming the flag when bad


def _data_options(args) -> dict:
    options = {}
    for item in args.data_option or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ParameterError("--data-option", item, "KEY=VALUE, e.g. n_samples=1000")
        options[key.strip()] = _literal(value.strip())
    if args.path is not None:
        options["path"] = args.path
    if args.label is not None:
        options["label"] = args.label
    return options


def _literal(text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def _spec_from_flags(args, base):
    """The compare preset (or a spec file) with the flags the user gave applied on top."""
    from .experiments.axes import text_order
    from .experiments.spec import Spec

    data = base.to_dict()
    given = lambda value, parse: None if value is None else parse(value)
    flags = {k: v for axis in text_order() for k, v in axis.from_flags(args).items()}
    flags |= {
        "momentum": given(args.momentum, lambda v: _number("--momentum", v, positive=False)),
        "l2": given(args.l2, lambda v: _number("--l2", v, positive=False)),
        "weight_decay": given(
            args.weight_decay, lambda v: _number("--weight-decay", v, positive=False)
        ),
        "schedule": args.schedule,
        "epochs": given(args.epochs, lambda v: _number("--epochs", v, int)),
        "batch_size": given(args.batch_size, lambda v: _number("--batch-size", v, int)),
        "seeds": given(args.seeds, _seeds),
        "target_acc": given(args.target_acc, lambda v: _number("--target-acc", v)),
        "dtype": args.dtype,
        "workers": given(args.workers, lambda v: _number("--workers", v, int)),
        "scheduler": args.scheduler,
    }
    data.update({k: v for k, v in flags.items() if v is not None})
    options = _data_options(args)
    if options:
        data["data_options"] = {**data["data_options"], **options}
    if args.no_probes:
        data["probes"] = False
    if args.compiled is not None:
        data["compiled"] = args.compiled
    return Spec.from_dict(data).validate()


def run_line(spec, kind: str) -> str:
    """The run's first line: the activations, the data set, network and init, the seeds, then
    how they train (each grid axis's values, compact: a grid of 10^6 is not printed whole)."""
    from .experiments.axes import text_order

    trains = [a for a in text_order() if a.to and a.to[0] == "trainer"]
    parts = [a.summarize(spec) for a in text_order() if a not in trains]
    parts += [f", {len(spec.seeds)} seeds", *(a.summarize(spec) for a in trains)]
    from .experiments.plan import compiled_note

    text = "".join(parts).removeprefix(", ")
    return f"actlab {kind}: {text}, {spec.epochs} epochs{compiled_note(spec)}"


def _run_and_print(spec, args, kind) -> int:
    from .experiments.compare import format_table
    from .experiments.store import default_run_dir
    from .experiments.sweep import run_spec

    out = args.out if args.out else default_run_dir(kind)
    progress = "none" if args.quiet else "auto"
    start = time.perf_counter()
    from .report.background import FigureProcess

    # figures drawn beside the training, in a forked process (this one never imports matplotlib)
    figures = FigureProcess.start(spec.activations, weight_path=spec.probes, svg=args.svg)
    # the statistics after the training need scipy.stats (0.4 s to import): imported now, while
    # the figure process keeps the other core busy, not after the training, when nothing else runs
    import scipy.stats  # noqa: F401

    seconds = {}  # where the time went (ACTLAB_TIMINGS)

    def header():  # once every check has passed: a refused run prints its error line only
        if not args.quiet:
            print(run_line(spec, kind), flush=True)

    def finish(result):  # while the run directory is still locked
        from pathlib import Path

        from .experiments.store import write_atomic
        from .report.html import FIGURES, write_report

        seconds.update(until_report=time.perf_counter() - start, training=result.seconds)
        run_dir = Path(result.run_dir)
        if spec.probes:
            _measure_cost(run_dir, spec)
        seconds["cost"] = time.perf_counter() - start - seconds["until_report"]
        drawn = figures.draw(run_dir) if figures is not None else None
        if drawn is None and spec.probes:  # no figure process, or it failed: draw here
            _weight_path_figure(run_dir, args.svg)
        seconds["figures_wait"] = (
            time.perf_counter() - start - sum(seconds[k] for k in ("until_report", "cost"))
        )
        write_report(run_dir, svg=args.svg, drawn=drawn)
        # loss_curves.png is the page's training-curves figure (it was drawn twice): a copy
        curves = (run_dir / FIGURES / "training_curves.png").read_bytes()
        write_atomic(run_dir / "loss_curves.png", curves)  # whole or not at all
        seconds["report"] = time.perf_counter() - start - seconds["until_report"]
        seconds["figures"] = (drawn or {}).get("seconds", {})
        seconds["figures_during_training"] = (drawn or {}).get("seconds_during_training", {})

    try:
        result = run_spec(
            spec, out=out, progress=progress, yes=args.yes, after=finish, ready=header
        )
    finally:
        if figures is not None:
            figures.close()
    print()
    print_conclusion(result.rows)
    print(format_table(result.rows, result.records))
    seconds["in_all"] = time.perf_counter() - start
    print(
        f"results: {result.run_dir}  (table.csv, table.json, history.csv, records.jsonl, "
        f"loss_curves.png, report.html); training {result.seconds:.1f} s, "
        f"in all {seconds['in_all']:.1f} s"
    )
    _write_timings(seconds)
    return 0


def _write_timings(seconds: dict) -> None:
    """With ACTLAB_TIMINGS=FILE, the run's phases in seconds as JSON there (the benchmark's
    profile of `actlab compare`): until_report (checks, training, tables), training, cost,
    figures_wait (for the figure process after that), report (cost, figures and page), in_all,
    and each figure's drawing time (figures; figures_during_training, drawn beside it)."""
    import os

    path = os.environ.get("ACTLAB_TIMINGS")
    if path:
        import json

        with open(path, "w", encoding="utf-8") as f:
            json.dump(seconds, f, indent=1)


def print_conclusion(rows) -> None:
    """The plain answer, computed from the table, above the table."""
    import textwrap

    from .experiments.conclusion import conclusion

    for paragraph in conclusion(rows):
        print(textwrap.fill(paragraph, 100))
        print()


def _measure_cost(run_dir, spec) -> None:
    """What the report shows beyond the run itself: each activation's cost per element on this
    machine (cost.json; well under a second), measured once the training is over."""
    import json
    from pathlib import Path

    from .cost import activation_cost
    from .experiments.store import write_atomic

    rows = activation_cost(list(dict.fromkeys(spec.activations)), sizes=(100_000,), repeats=3)
    write_atomic(Path(run_dir, "cost.json"), json.dumps({"rows": rows}, indent=1) + "\n")


def _weight_path_figure(run_dir, svg: bool) -> None:
    """The seed's zig-zag picture, two weights of one unit moving under sigmoid-fed vs
    tanh-fed updates (figures/weight_path.png), when no figure process drew it."""
    from pathlib import Path

    from .claims.zigzag import weight_path_figure
    from .report.common import svg_figures
    from .report.html import WEIGHT_PATH_STEM

    figures = Path(run_dir, "figures")
    figures.mkdir(exist_ok=True)
    with svg_figures(svg):
        weight_path_figure(figures / WEIGHT_PATH_STEM, quick=True)


def cmd_explain(args) -> int:
    """One claim in depth; without a topic, the list of topics."""
    from .claims import describe_claims, format_result, get, run_claim
    from .report.common import svg_figures

    if args.topic is None:
        print("topics (actlab explain TOPIC; actlab reproduce --all runs them all):")
        for name, source, _claim in describe_claims():
            aliases = get(name).ALIASES
            print(f"  {name}{' (' + ', '.join(aliases) + ')' if aliases else ''}  [{source}]")
        return 0
    get(args.topic)  # an unknown topic: one line, exit 2, before any work
    with svg_figures(args.svg):
        result = run_claim(args.topic, args.out or "explain", quick=args.quick)
    for line in format_result(result):
        print(line)
    print("figures: " + ", ".join(str(p) for p in result.figures))
    return 0


def cmd_reproduce(args) -> int:
    from .claims import available, format_table, get, run_claims

    if args.all == bool(args.names):
        print(
            "actlab: error: name claims or give --all (one of: " + ", ".join(available()) + ")",
            file=sys.stderr,
        )
        return 2
    names = available() if args.all else [get(n).NAME for n in args.names]
    workers = _number("--workers", args.workers, int) if args.workers else 2
    out = args.out or "reproduce"
    start = time.perf_counter()
    from .report.common import svg_figures

    with svg_figures(args.svg):
        results = run_claims(names, out, quick=args.quick, workers=workers)
    print(format_table(results))
    print(
        f"{len(results)} claim(s) in {time.perf_counter() - start:.1f} s on {workers} "
        f"worker(s){' (quick mode: for tests, not for conclusions)' if args.quick else ''}; "
        f"page: {out}/reproduce.html"
    )
    return 0


def cmd_compare(args) -> int:
    from .experiments.spec import preset

    return _run_and_print(_spec_from_flags(args, preset("compare")), args, "compare")


def cmd_run(args) -> int:
    from .experiments.spec import Spec, preset

    if (args.spec is None) == (args.preset is None):
        raise ParameterError("spec", args.spec, "a TOML spec file or --preset NAME (one of them)")
    base = Spec.from_toml(args.spec) if args.spec else preset(args.preset)
    return _run_and_print(_spec_from_flags(args, base), args, base.name)


def cmd_plan(args) -> int:
    from .experiments.plan import describe_plan, expand
    from .experiments.spec import Spec, preset
    from .experiments.sweep import check_run, check_total

    if args.spec is not None and args.preset is not None:
        raise ParameterError("spec", args.spec, "a TOML spec file or --preset NAME, not both")
    # neither: the compare preset, so `actlab plan` takes compare's flags as the README says
    base = Spec.from_toml(args.spec) if args.spec else preset(args.preset or "compare")
    spec = _spec_from_flags(args, base)
    for line in describe_plan(spec):  # counted from the axes: the grid is not expanded yet
        print(line, flush=True)
    check_total(spec, args.yes)  # a grid of 10^6 groups is refused before it is expanded
    groups = expand(spec)
    check_run(spec, args.yes, groups)  # data, architectures, memory: as run checks them
    if not args.no_calibrate:
        from .experiments.estimate import estimate_seconds

        est = estimate_seconds(spec, groups)
        low, high = est.epoch_spread
        print(
            f"estimated training time: {_duration(est.total_seconds, digits=1)} on {est.workers} "
            f"worker(s) ({est.calibrated} group shape(s) timed for up to {est.timed_epochs} epochs "
            f"with probes{'' if spec.probes else ' off'}"
            f"{', every worker busy' if est.workers > 1 else ''}: {est.work_seconds:.1f} CPU s "
            f"of training at {est.share:.2f} of a core per worker, as this machine gives now; "
            f"a group takes {est.group_seconds:.1f} s on average, start-up and storing "
            f"{est.fixed_seconds:.1f} s; timed epochs {low:.2f}-{high:.2f}x the per-epoch CPU "
            "time)"
        )
    return 0


def _duration(seconds: float, digits: int = 0) -> str:
    if seconds < 120:
        return f"{seconds:.{digits}f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min ({seconds:.0f} s)"
    return f"{seconds / 3600:.1f} h ({seconds:.0f} s)"


def cmd_report(args) -> int:
    from .experiments.store import RunStore
    from .report.html import write_report

    print(f"report: {write_report(args.run_dir, svg=args.svg)}")
    scan = RunStore(args.run_dir).scan()  # the page draws complete groups only: say so
    if scan.bad:
        print(
            f"left out of the figures: {len(scan.bad)} line(s) of records.jsonl from "
            f"{len(scan.bad_groups) or 'unnamed'} incomplete or corrupt group(s); run the "
            "same actlab run or compare command again to train them again"
        )
    return 0


def cmd_show(args) -> int:
    from pathlib import Path

    from .activations import available_activations
    from .report.gallery import plot_activation_gallery

    out = Path(args.out or ".")
    if out.suffix.lower() in (".png", ".svg") or (out.exists() and not out.is_dir()):
        raise ParameterError("--out", args.out, "a folder (activations.png and .svg go in it)")
    from .report.common import svg_figures

    with svg_figures(args.svg):
        paths = plot_activation_gallery(args.names or available_activations(), out / "activations")
    print("wrote " + ", ".join(str(p) for p in paths if p))
    return 0


def cmd_playground(args) -> int:
    from .playground.server import serve

    port = _number("--port", args.port, int, positive=False)
    if not 0 < port < 65536:
        raise ParameterError("--port", args.port, "a port number from 1 to 65535")
    try:
        serve(host=args.host, port=port, open_browser=not args.no_browser, out_root=args.out)
    except KeyboardInterrupt:
        pass
    return 0


def _playground_parser(sub) -> None:
    play = sub.add_parser(
        "playground",
        help="a live page: activations train side by side",
        description="Start a local web server and open a page where the "
        "activations you pick train side by side on the real engine: decision "
        "boundaries, loss bands over seeds, every neuron, saturation and "
        "gradient bars, the zig-zag weight path. Ctrl-C stops it.",
    )
    play.add_argument("--port", default="8765", help="port to listen on (default: 8765)")
    play.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default: 127.0.0.1, this machine only)",
    )
    play.add_argument("--no-browser", action="store_true", help="do not open a browser")
    play.add_argument(
        "--out",
        default="runs",
        help="folder where 'save this run' writes run directories (default: runs)",
    )
    play.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)
    play.set_defaults(func=cmd_playground)


def _report_parsers(sub) -> None:
    rep = sub.add_parser(
        "report",
        help="render a run directory's report.html again",
        description="Draw every figure and report.html from the files stored "
        "in RUN_DIR (config.json, records.jsonl, table.json, cost.json).",
    )
    rep.add_argument("run_dir", metavar="RUN_DIR")
    rep.add_argument("--svg", action="store_true", help=SVG_HELP)
    rep.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)
    rep.set_defaults(func=cmd_report)
    show = sub.add_parser("show", help="draw the activation gallery (f, f', flat regions)")
    show.add_argument("what", choices=["activations"])
    show.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help="activation specs (default: every registered activation)",
    )
    show.add_argument(
        "--out",
        help="output folder for activations.png (and activations.svg "
        "with --svg; default: the current folder)",
    )
    show.add_argument("--svg", action="store_true", help="write activations.svg as well")
    show.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)
    show.set_defaults(func=cmd_show)


def cmd_list(args) -> int:
    from .activations import available_activations, describe, get_activation
    from .datasets import available_datasets
    from .initializers import describe_initializers, resolve_init
    from .optimizers import available_optimizers

    print("activations (name  auto-init  formula  [source]  (also: the aliases it answers to))")
    for name in available_activations():
        info = describe(name)
        auto = resolve_init("auto", get_activation(name))
        also = f"  (also: {', '.join(info['aliases'])})" if info["aliases"] else ""
        print(f"  {name:<11} {auto:<15} {info['formula']}   [{info['reference']}]{also}")
    print("\ninitializers")
    for name, text in describe_initializers():
        print(f"  {name:<15} {text}")
    print(
        "  auto resolves to: relu family -> he_normal; selu -> lecun_normal; "
        "tanh, sigmoid and others -> xavier_uniform with the activation's gain"
    )
    print("\ndata sets")
    for name, text in available_datasets().items():
        print(f"  {name:<14} {text}")
    print("\noptimizers: " + ", ".join(available_optimizers()))
    return 0


def _data_flags(p) -> None:
    p.add_argument(
        "--path",
        help="file or directory for csv, or for mnist, fashion-mnist and "
        "kmnist (which are otherwise fetched once into the cache)",
    )
    p.add_argument("--label", help="label column of a csv data set")
    p.add_argument(
        "--data-option",
        action="append",
        metavar="KEY=VALUE",
        help="a data set option, e.g. n_samples=1000 (repeatable)",
    )


def _grid_flags(p) -> None:
    """Flags shared by compare, run and plan; each overrides the spec or preset it is given."""
    from .experiments.axes import text_order

    for axis in text_order():  # --activations, --dataset, --hidden, --arch, --init, ... (axes.py)
        axis.add_flags(p)
        if axis.key == "dataset":  # the data set's options follow its flag in --help
            _data_flags(p)
    p.add_argument("--momentum", help="momentum for sgd/nesterov (default: 0.9)")
    p.add_argument("--l2", help="L2 on the weights, scikit-learn's alpha (default: 0)")
    p.add_argument("--weight-decay", help="decoupled weight decay, W *= 1 - lr*wd (default: 0)")
    p.add_argument(
        "--schedule",
        help="learning rate schedule: constant, invscaling or adaptive (default: constant)",
    )
    p.add_argument("--epochs", help="epochs (default: 30)")
    p.add_argument("--batch-size", help="minibatch size (default: 32)")
    p.add_argument("--seeds", help="number of seeds, or a comma list (default: 5)")
    p.add_argument(
        "--target-acc", help="train accuracy whose first epoch is reported (default: 0.95)"
    )
    p.add_argument("--dtype", choices=["float32", "float64"])
    p.add_argument(
        "--no-probes",
        action="store_true",
        help="do not record the instruments (saturation, gradients, zig-zag)",
    )
    p.add_argument(
        "--compiled",
        action=argparse.BooleanOptionalAction,
        help="train with the compiled step (numba; 2-3x faster a step on small dense models; "
        "numbers differ from the default step in the last bits; compiled once per machine); "
        "--no-compiled overrides a spec file's compiled = true",
    )
    p.add_argument("--workers", help="worker processes (default: one per core)")
    p.add_argument("--scheduler", help="a Dask scheduler address, tcp://HOST:PORT")
    p.add_argument(
        "--out",
        help="run directory (default: runs/NAME-TIMESTAMP); an existing one "
        "of the same spec resumes",
    )
    p.add_argument("--quiet", action="store_true", help="print only the table")
    p.add_argument("--svg", action="store_true", help=SVG_HELP)
    p.add_argument("--yes", action="store_true", help="allow a plan of more than 2000 trainings")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)


def build_parser(topics: bool = True) -> argparse.ArgumentParser:
    """The argument parser. ``topics=False`` leaves the explain topics out of ``explain``'s
    description: listing them imports every topic module (networks, matplotlib), which
    ``actlab --help`` or ``actlab list`` should not pay for (start-up under 0.5 s)."""
    parser = _Parser(prog="actlab", description="A laboratory for activation functions.")
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    parser.add_argument("--version", action="version", version=f"actlab {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    cmp_ = sub.add_parser(
        "compare",
        help="train several activations side by side, many seeds",
        description="Train the same network with each activation and init, "
        "several seeds each, and print a comparison table (the compare preset: "
        "sigmoid,tanh,relu on digits, hidden 100,100, init auto,prototype, "
        "sgd lr 0.03 momentum 0.9, batch 32, 30 epochs, 5 seeds).",
    )
    _grid_flags(cmp_)
    cmp_.set_defaults(func=cmd_compare)

    run = sub.add_parser(
        "run",
        help="run an experiment spec (TOML) or a preset; resumes a run dir",
        description="Run every group of a spec. Running it again on the same "
        "--out directory resumes: finished groups are kept, not recomputed.",
    )
    run.add_argument("spec", nargs="?", help="a TOML spec file")
    run.add_argument(
        "--preset",
        help="compare, prototype (the seed's sigmoid, U(-1,1), full-batch GD), "
        "sweep (10 activations x 2 inits x 10 seeds), mnist1d, mnist1d-cnn or digits-cnn",
    )
    _grid_flags(run)
    run.set_defaults(func=cmd_run)

    plan = sub.add_parser("plan", help="print a spec's groups and an estimated time")
    plan.add_argument("spec", nargs="?", help="a TOML spec file")
    plan.add_argument("--preset", help="a preset name instead of a file")
    plan.add_argument("--no-calibrate", action="store_true", help="skip the timing estimate")
    _grid_flags(plan)
    plan.set_defaults(func=cmd_plan)

    _report_parsers(sub)
    _playground_parser(sub)
    description = (
        "Run a small experiment that measures one claim and print what it found, "
        "the verdict and the rule behind it. Without a topic, list the topics."
    )
    if topics:
        from .claims import available

        description += " Topics: " + ", ".join(available()) + "."
    exp = sub.add_parser(
        "explain",
        help="measure one claim of the seed in depth, with a figure",
        description=description,
    )
    exp.add_argument("topic", nargs="?", help="a claim name (no name: list them)")
    exp.add_argument("--out", help="folder for the figure (default: ./explain)")
    exp.add_argument("--quick", action="store_true", help="a few seconds instead of a minute")
    exp.add_argument("--svg", action="store_true", help=SVG_HELP)
    exp.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)
    exp.set_defaults(func=cmd_explain)

    rep_ = sub.add_parser(
        "reproduce",
        help="check every claim at small scale, with verdicts",
        description="Run the claims (the same code as actlab explain); print "
        "claim | source | published | measured | verdict and write a "
        "self-contained HTML page.",
    )
    rep_.add_argument("names", nargs="*", help="claims to run (see --all)")
    rep_.add_argument("--all", action="store_true", help="run every claim")
    rep_.add_argument("--out", help="output folder (default: ./reproduce)")
    rep_.add_argument("--workers", help="claims run side by side (default: 2)")
    rep_.add_argument("--quick", action="store_true", help="seconds instead of minutes (tests)")
    rep_.add_argument("--svg", action="store_true", help=SVG_HELP)
    rep_.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)
    rep_.set_defaults(func=cmd_reproduce)

    lst = sub.add_parser("list", help="the activations, initializers and data sets")
    lst.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)
    lst.set_defaults(func=cmd_list)
    return parser


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(topics="explain" in argv)  # only explain shows (and imports) them
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ActlabError as exc:
        if args.debug:
            raise
        print(f"actlab: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into head and the like
        sys.stderr.close()
        return 0
    except OSError as exc:  # a disk that fills or a directory that vanishes mid-run
        if args.debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print(
            f"actlab: error: cannot write: {where}{exc.strerror or exc}; finished groups are "
            "kept in the run directory",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print("actlab: interrupted; finished groups are in the run directory", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
