"""Run a whole spec: plan it, skip groups already stored, execute the rest, store as they
finish, summarise. ``actlab run`` and ``actlab compare`` both come here."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from ..errors import DataError, ParameterError
from .compare import annotate
from .executors import connect, execute
from .plan import Group, expand, n_groups
from .runner import (
    WEIGHTS_KEY,
    check_arch,
    check_data,
    check_size,
    data_key,
    data_source,
    fingerprint,
)
from .spec import Spec
from .stats import chance_level, summarize_group
from .store import QUARANTINE, RunStore, StoreError


@dataclass
class RunResult:
    spec: Spec
    rows: list[dict]
    records: list[dict]
    run_dir: str | None
    seconds: float
    n_resumed: int  # groups found finished in the run directory
    n_run: int  # groups trained now
    n_quarantined: int = 0  # groups found incomplete or corrupt, moved aside and trained again


MAX_TRAININGS = 2000  # networks a run may train without yes=True (--yes)


def check_total(spec: Spec, yes: bool = False) -> None:
    """Refuse more than MAX_TRAININGS networks without ``yes``, counted from the axes' lengths
    of the validated ``spec`` before the grid is expanded (plan.n_groups)."""
    groups = n_groups(spec)
    n = groups * len(spec.seeds)
    if n > MAX_TRAININGS and not yes:
        raise ParameterError(
            "size",
            f"{groups} groups x {len(spec.seeds)} seeds = {n} trainings",
            f"at most {MAX_TRAININGS} without --yes (check the plan with actlab plan first)",
        )


def check_run(spec: Spec, yes: bool = False, groups: list[Group] | None = None) -> dict:
    """Every check a run makes before it writes anything: the grid, its size (before it is
    expanded), the data (bad files, NaN/inf, regression), each architecture and whether it
    fits in memory. Returns the data fingerprints {data key: sha256}."""
    if groups is None:  # else expand has validated the spec
        spec.validate()
    check_total(spec, yes)
    groups = expand(spec) if groups is None else groups
    prints: dict[str, str] = {}
    checked = set()
    for g in groups:
        key = data_source(g)  # as the group loads it: in at least its training dtype
        data = check_data(*key)  # bad paths, NaN or inf: refused before any writing
        if data_key(*key) not in prints:  # hashed once per data set, not once per group
            prints[data_key(*key)] = fingerprint(data)
        if (key, g.dtype) not in checked:
            checked.add((key, g.dtype))
            check_cast(data, g.dtype, data_key(*key))
        shape = (key, g.arch, tuple(g.hidden), g.activation, len(g.seeds), g.dtype)
        if shape not in checked:
            checked.add(shape)
            if g.arch:
                check_arch(g.arch, g.dataset, data, g.activation)
            check_size(g, data)
    return prints


def check_cast(data, dtype: str, key: str) -> None:
    """The data as the networks will see it, cast to the training dtype: a value finite in
    the data's dtype that overflows there (1e300 loaded as float64 for a float32 network)
    is refused here, before any writing; else every group failed in Trainer.fit, exit 0."""
    from ..network import check_samples

    for name, X in (("X_train", data.X_train), ("X_test", data.X_test)):
        try:
            check_samples(X, (data.n_features,), dtype, name)
        except DataError as exc:
            raise DataError(
                f"{key}: {exc}; the networks train in {dtype} (--dtype): rescale it or train "
                "in float64"
            ) from None


def run_spec(
    spec: Spec,
    out=None,
    progress: str = "auto",
    workers=None,
    scheduler=None,
    yes: bool = False,
    after=None,
    ready=None,
) -> RunResult:
    """Validate and plan ``spec``; train every group not already in ``out``; write the tables.

    progress: "bar" (tqdm), "lines" (one line per finished group), "none", or "auto" (a bar on
    a terminal, lines otherwise). yes: allow more than MAX_TRAININGS networks. after: called
    with the result while the run directory is still locked (the CLI draws the report there).
    ready: called with no argument once every check has passed, before the first group trains
    (the CLI prints the run's first line there: a refused run prints its one error line only).
    Nothing is written before every check has passed (data, size, scheduler, --out).
    """
    spec.validate()
    check_total(spec, yes)  # a grid of 10^6 groups is refused before it is expanded
    groups = expand(spec)
    prints = check_run(spec, yes, groups)
    address = scheduler or spec.scheduler
    client = connect(address) if address is not None else None
    try:
        store = RunStore.open(out, spec.to_dict(), prints) if out is not None else None
        try:
            if ready is not None:
                ready()
            return _run(spec, groups, store, progress, workers, client, after, prints)
        finally:
            if store is not None:
                store.close()
    finally:
        if client is not None and client is not address:
            client.close()


def _run(spec, groups, store, progress, workers, client, after, prints=None) -> RunResult:
    scan = store.resume({g.id: g.seeds for g in groups}) if store is not None else None
    done = set(scan.groups) if scan is not None else set()
    chance = {
        key: chance_level(check_data(*key).y_test)  # guessing the most frequent class
        for key in dict.fromkeys(data_source(g) for g in groups)
    }
    todo = [g for g in groups if g.id not in done]
    reporter = _Progress(progress, len(groups), len(groups) - len(todo), spec.epochs)
    if scan is not None and scan.bad:
        labels = {g.id: g.label() for g in groups}
        named = [labels.get(gid, gid) for gid in scan.bad_groups]
        reporter.say(
            f"records: {len(scan.bad)} line(s) of incomplete or corrupt groups moved to "
            f"{QUARANTINE}; training again: {'; '.join(named) or 'no group named'}"
        )
    start = time.perf_counter()
    collected: dict[str, list[dict]] = {}

    def on_done(group, records):
        if store is not None:
            store_group(store, group.id, records)
        elif records:
            records[0].pop(WEIGHTS_KEY, None)
        collected[group.id] = records
        reporter.group_done(group, records)

    try:
        execute(
            todo,
            on_done,
            workers=workers or spec.workers,
            client=client,
            on_epoch=reporter.epoch_hook(),
            prints=prints,
        )
    finally:
        reporter.close()
    by_group = dict(scan.groups) if scan is not None else {}
    by_group.update(collected)
    records, rows = [], []
    for g in groups:
        recs = by_group.get(g.id, [])
        records.extend(recs)
        if recs:
            rows.append(
                summarize_group(
                    recs,
                    spec.target_acc,
                    spec.target_loss,
                    chance=chance[data_source(g)],
                )
            )
    rows = annotate(rows, records)  # sorted by mean, marked against the best stable group
    result = RunResult(
        spec,
        rows,
        records,
        str(store.path) if store else None,
        time.perf_counter() - start,
        len(groups) - len(todo),
        len(todo),
        len(scan.bad_groups) if scan is not None else 0,
    )
    if store is not None:
        store.write_csv("table.csv", rows)
        store.write_json("table.json", {"rows": rows, "seconds": result.seconds})
        store.write_csv("history.csv", history_rows(records))
        if after is not None:
            try:
                after(result)
            except OSError as exc:  # a full disk while drawing the report
                where = f"{exc.filename}: " if exc.filename else ""
                raise StoreError(
                    f"out: cannot write the report in {store.path} ({where}"
                    f"{exc.strerror or exc}); the records and tables are kept: make room and "
                    f"run actlab report {store.path}"
                ) from None
    return result


def store_group(store: RunStore, group_id: str, records: list[dict]) -> None:
    """A finished group's weights (taken out of its first record), then its records."""
    weights = records[0].pop(WEIGHTS_KEY, None) if records else None
    if weights is not None:  # before the records: a group with records has its weights
        store.write_weights(group_id, weights)
    store.append_group(records)


def history_rows(records: list[dict]) -> list[dict]:
    """Long-format per-epoch history: one row per (group, seed, epoch)."""
    rows = []
    for rec in records:
        for e in range(len(rec.get("train_loss", []))):
            rows.append(
                {
                    "group_id": rec["group_id"],
                    "activation": rec["activation"],
                    "init": rec["init"],
                    "dataset": rec["dataset"],
                    "seed": rec["seed"],
                    "epoch": e + 1,
                    **{m: rec[m][e] for m in ("train_loss", "train_acc", "test_loss", "test_acc")},
                }
            )
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

            self.bar = tqdm(
                total=n_groups * epochs,
                initial=n_done * epochs,
                unit="epoch",
                desc="groups",
                dynamic_ncols=True,
                file=sys.stderr,
            )
        if n_done and mode != "none":
            self.say(f"resuming: {n_done} of {n_groups} groups already in the run directory")

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
        accs = [
            r["test_acc"][-1] for r in ok if r.get("test_acc") and r["test_acc"][-1] is not None
        ]
        status = f"test acc {sum(accs) / len(accs):.3f}" if accs else "no finished seed"
        bad = len(records) - len(ok)
        if bad:
            status += f", {bad} {'failed' if records[0]['status'] == 'failed' else 'diverged'}"
        seconds = records[0].get("group_seconds", 0)
        line = f"[{self.k}/{self.n_groups}] {group.label()}: {status} ({seconds:.1f} s)"
        if self.bar is not None:
            done_epochs = self.k * self.epochs
            self.bar.update(max(0, done_epochs - self.bar.n))
            self.bar.set_postfix_str(f"{self.k}/{self.n_groups} groups")
            self.bar.write(line)
        else:
            self.say(line)

    def say(self, line):
        if self.bar is not None:
            self.bar.write(line)
        else:
            print(line, flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()
