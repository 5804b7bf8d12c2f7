"""The ``actlab`` command.

Bad input prints one line (``actlab: error: <parameter>: got <value>; allowed: ...``) and exits
with code 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import sys
import time

from .errors import ActlabError, ParameterError

DEBUG_HELP = "show the full traceback on errors"


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _hidden(text: str) -> list[int]:
    if text.strip().lower() in ("", "none"):
        return []
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise ParameterError("--hidden", text, "comma-separated positive integers, e.g. 100,100") from None
    if any(s <= 0 for s in sizes):
        raise ParameterError("--hidden", text, "comma-separated positive integers, e.g. 100,100")
    return sizes


def _seeds(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        raise ParameterError("--seeds", text, "a count N (seeds 0..N-1) or a comma list of integers") from None
    if len(values) == 1:
        if values[0] <= 0:
            raise ParameterError("--seeds", text, "a positive count N, or a comma list of integers")
        return list(range(values[0]))
    return values


def _number(name: str, text: str, kind=float, positive=True):
    try:
        value = kind(text)
    except ValueError:
        raise ParameterError(name, text, f"a {'positive ' if positive else ''}"
                             f"{'integer' if kind is int else 'number'}") from None
    if positive and not value > 0:
        raise ParameterError(name, text, f"a positive {'integer' if kind is int else 'number'}")
    return value


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


def cmd_compare(args) -> int:
    from .experiments.compare import CompareConfig, format_table, run_compare
    from .experiments.store import default_run_dir

    momentum = _number("--momentum", args.momentum, positive=False)
    config = CompareConfig(
        activations=_split(args.activations), dataset=args.dataset,
        data_options=_data_options(args), hidden=_hidden(args.hidden), inits=_split(args.init),
        optimizer=args.optimizer, lr=_number("--lr", args.lr), momentum=momentum,
        epochs=_number("--epochs", args.epochs, int), batch_size=_number("--batch-size", args.batch_size, int),
        seeds=_seeds(args.seeds), target_acc=_number("--target-acc", args.target_acc),
        dtype=args.dtype, probes=not args.no_probes,
    ).validate()
    out = args.out if args.out else default_run_dir("compare")
    say = (lambda line: None) if args.quiet else (lambda line: print(line, flush=True))
    say(f"actlab compare: {', '.join(config.activations)} on {config.dataset}, hidden "
        f"{','.join(map(str, config.hidden)) or 'none'}, init {', '.join(config.inits)}, "
        f"{len(config.seeds)} seeds, {config.optimizer} lr {config.lr}, {config.epochs} epochs")
    start = time.perf_counter()
    result = run_compare(config, out=out, progress=say)
    from .report.curves import plot_loss_curves

    plot_loss_curves(result.records, f"{result.run_dir}/loss_curves.png")
    from .report.html import write_report

    write_report(result.run_dir)
    print()
    print(format_table(result.rows))
    print(f"results: {result.run_dir}  (table.csv, table.json, history.csv, records.jsonl, "
          f"loss_curves.png, report.html); {time.perf_counter() - start:.1f} s")
    return 0


def cmd_report(args) -> int:
    from .report.html import write_report

    print(f"report: {write_report(args.run_dir)}")
    return 0


def cmd_show(args) -> int:
    from pathlib import Path

    from .activations import available_activations
    from .report.gallery import plot_activation_gallery

    out = Path(args.out)
    stem = out.with_suffix("") if out.suffix.lower() in (".png", ".svg") else out
    paths = plot_activation_gallery(args.names or available_activations(), stem)
    print("wrote " + ", ".join(map(str, paths)))
    return 0


def _report_parsers(sub) -> None:
    rep = sub.add_parser("report", help="render a run directory's report.html again",
                         description="Draw every figure and report.html from the files stored "
                         "in RUN_DIR (config.json, records.jsonl, table.json, cost.json).")
    rep.add_argument("run_dir", metavar="RUN_DIR")
    rep.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)
    rep.set_defaults(func=cmd_report)
    show = sub.add_parser("show", help="draw the activation gallery (f, f', flat regions)")
    show.add_argument("what", choices=["activations"])
    show.add_argument("names", nargs="*", metavar="NAME",
                      help="activation specs (default: every registered activation)")
    show.add_argument("--out", default="activations",
                      help="path stem; writes STEM.png and STEM.svg (default: ./activations)")
    show.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)
    show.set_defaults(func=cmd_show)


def cmd_list(args) -> int:
    from .activations import available_activations, describe, get_activation
    from .datasets import available_datasets
    from .initializers import describe_initializers, resolve_init
    from .optimizers import available_optimizers

    print("activations (name  auto-init  formula  [source])")
    for name in available_activations():
        info = describe(name)
        auto = resolve_init("auto", get_activation(name))
        print(f"  {name:<11} {auto:<15} {info['formula']}   [{info['reference']}]")
    print("\ninitializers")
    for name, text in describe_initializers():
        print(f"  {name:<15} {text}")
    print("  auto resolves to: relu family -> he_normal; selu -> lecun_normal; "
          "tanh, sigmoid and others -> xavier_uniform with the activation's gain")
    print("\ndata sets")
    for name, text in available_datasets().items():
        print(f"  {name:<14} {text}")
    print("\noptimizers: " + ", ".join(available_optimizers()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="actlab", description="A laboratory for activation functions.")
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", required=True)

    cmp_ = sub.add_parser("compare", help="train several activations side by side, many seeds",
                          description="Train the same network with each activation and init, "
                          "several seeds each, and print a comparison table.")
    cmp_.add_argument("--activations", default="sigmoid,tanh,relu",
                      help="comma list of activation names, with a parameter as in leaky_relu:0.1 "
                      "(default: sigmoid,tanh,relu)")
    cmp_.add_argument("--dataset", default="digits", help="data set name (default: digits)")
    cmp_.add_argument("--path", help="file or directory for mnist, fashion-mnist and csv")
    cmp_.add_argument("--label", help="label column of a csv data set")
    cmp_.add_argument("--data-option", action="append", metavar="KEY=VALUE",
                      help="a data set option, e.g. n_samples=1000 (repeatable)")
    cmp_.add_argument("--hidden", default="100,100", help="hidden layer sizes (default: 100,100)")
    cmp_.add_argument("--init", default="auto,prototype",
                      help="comma list of initializers (default: auto,prototype)")
    cmp_.add_argument("--optimizer", default="sgd", help="gd, sgd, nesterov or adam (default: sgd)")
    cmp_.add_argument("--lr", default="0.03", help="learning rate (default: 0.03)")
    cmp_.add_argument("--momentum", default="0.9", help="momentum for sgd/nesterov (default: 0.9)")
    cmp_.add_argument("--epochs", default="30", help="epochs (default: 30)")
    cmp_.add_argument("--batch-size", default="32", help="minibatch size (default: 32)")
    cmp_.add_argument("--seeds", default="5", help="number of seeds, or a comma list (default: 5)")
    cmp_.add_argument("--target-acc", default="0.95",
                      help="train accuracy whose first epoch is reported (default: 0.95)")
    cmp_.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    cmp_.add_argument("--no-probes", action="store_true",
                      help="do not record the instruments (saturation, gradients, zig-zag)")
    cmp_.add_argument("--out", help="run directory to create (default: runs/compare-TIMESTAMP)")
    cmp_.add_argument("--quiet", action="store_true", help="print only the table")
    cmp_.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)
    cmp_.set_defaults(func=cmd_compare)

    _report_parsers(sub)
    lst = sub.add_parser("list", help="the activations, initializers and data sets")
    lst.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)
    lst.set_defaults(func=cmd_list)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
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
    except KeyboardInterrupt:
        print("actlab: interrupted; finished groups are in the run directory", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
