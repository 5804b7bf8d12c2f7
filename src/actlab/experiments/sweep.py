"""Run a whole spec: plan it, skip groups already stored, execute the rest, store as they
finish, summarise. ``actlab run`` and ``actlab compare`` both come here."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from .compare import annotate
from .plan import expand
from .runner import WEIGHTS_KEY, check_arch, check_data, execute
from .spec import Spec
from .stats import chance_level, summarize_group
from .store import RunStore


@dataclass
class RunResult:
    spec: Spec
    rows: list[dict]
    records: list[dict]
    run_dir: str | None
    seconds: float
    n_resumed: int  # groups found finished in the run directory
    n_run: int  # groups trained now


def run_spec(spec: Spec, out=None, progress: str = "auto", workers=None, scheduler=None) -> RunResult:
    """Validate and plan ``spec``; train every group not already in ``out``; write the tables.

    progress: "bar" (tqdm), "lines" (one line per finished group), "none", or "auto" (a bar on
    a terminal, lines otherwise).
    """
    groups = expand(spec)
    chance = {}  # per data set: the accuracy of guessing its most frequent test class
    for dataset, options, arch, act in dict.fromkeys(
            (g.dataset, g.data_options, g.arch, g.activation) for g in groups):
        data = check_data(dataset, options)  # bad paths, NaN or inf: refused before any writing
        chance[dataset, options] = chance_level(data.y_test)
        if arch:
            check_arch(arch, dataset, data, act)
    store = RunStore.open(out, spec.to_dict()) if out is not None else None
    done = store.done_groups() if store is not None else set()
    todo = [g for g in groups if g.id not in done]
    reporter = _Progress(progress, len(groups), len(groups) - len(todo), spec.epochs)
    start = time.perf_counter()
    collected: dict[str, list[dict]] = {}

    def on_done(group, records):
        weights = records[0].pop(WEIGHTS_KEY, None) if records else None
        if store is not None:
            if weights is not None:  # before the records: a group with records has its weights
                store.write_weights(group.id, weights)
            store.append_records(records)
        collected[group.id] = records
        reporter.group_done(group, records)

    try:
        execute(todo, on_done, workers=workers or spec.workers,
                scheduler=scheduler or spec.scheduler, on_epoch=reporter.epoch_hook())
    finally:
        reporter.close()
    by_group: dict[str, list[dict]] = {}
    for rec in (store.records() if store is not None else
                [r for recs in collected.values() for r in recs]):
        by_group.setdefault(rec["group_id"], []).append(rec)
    records, rows = [], []
    for g in groups:
        recs = by_group.get(g.id, [])
        records.extend(recs)
        if recs:
            rows.append(summarize_group(recs, spec.target_acc, spec.target_loss,
                                        chance=chance[g.dataset, g.data_options]))
    rows = annotate(rows, records)  # sorted by mean, marked against the best stable group
    result = RunResult(spec, rows, records, str(store.path) if store else None,
                       time.perf_counter() - start, len(groups) - len(todo), len(todo))
    if store is not None:
        store.write_csv("table.csv", rows)
        store.write_json("table.json", {"rows": rows, "seconds": result.seconds})
        store.write_csv("history.csv", history_rows(records))
    return result


def history_rows(records: list[dict]) -> list[dict]:
    """Long-format per-epoch history: one row per (group, seed, epoch)."""
    rows = []
    for rec in records:
        for e in range(len(rec.get("train_loss", []))):
            rows.append({"group_id": rec["group_id"], "activation": rec["activation"],
                         "init": rec["init"], "dataset": rec["dataset"], "seed": rec["seed"],
                         "epoch": e + 1,
                         **{m: rec[m][e] for m in ("train_loss", "train_acc", "test_loss",
                                                   "test_acc")}})
    return rows


class _Progress:
    """A tqdm bar over epochs of all groups on a terminal; plain lines otherwise."""

    def __init__(self, mode, n_groups, n_done, epochs):
        if mode == "auto":
            mode = "bar" if sys.stderr.isatty() else "lines"
        self.mode, self.n_groups, self.k, self.epochs = mode, n_groups, n_done, epochs
        self.bar = None
        if mode == "bar":
            from tqdm import tqdm

            self.bar = tqdm(total=n_groups * epochs, initial=n_done * epochs, unit="epoch",
                            desc="groups", dynamic_ncols=True, file=sys.stderr)
        if n_done and mode != "none":
            self._say(f"resuming: {n_done} of {n_groups} groups already in the run directory")

    def epoch_hook(self):
        if self.bar is None:
            return None
        bar = self.bar

        class Hook:
            def on_epoch_end(self, trainer, net, epoch, history):
                bar.update(1)
        return Hook()

    def group_done(self, group, records):
        self.k += 1
        if self.mode == "none":
            return
        ok = [r for r in records if r["status"] == "ok"]
        accs = [r["test_acc"][-1] for r in ok if r.get("test_acc") and r["test_acc"][-1] is not None]
        status = (f"test acc {sum(accs) / len(accs):.3f}" if accs else "no finished seed")
        bad = len(records) - len(ok)
        if bad:
            status += f", {bad} {'failed' if records[0]['status'] == 'failed' else 'diverged'}"
        line = f"[{self.k}/{self.n_groups}] {group.label()}: {status} ({records[0].get('group_seconds', 0):.1f} s)"
        if self.bar is not None:
            done_epochs = self.k * self.epochs
            self.bar.update(max(0, done_epochs - self.bar.n))
            self.bar.set_postfix_str(f"{self.k}/{self.n_groups} groups")
            self.bar.write(line)
        else:
            self._say(line)

    def _say(self, line):
        if self.bar is not None:
            self.bar.write(line)
        else:
            print(line, flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()
