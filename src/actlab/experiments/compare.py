"""The comparison table: per block of groups that differ only in activation, the accuracy with
its confidence interval, a ranking with ties from paired tests on the same seeds, and the
instruments' summaries.

``actlab compare`` with no flags is the seed's exercise: the ``compare`` preset (sigmoid, tanh
and ReLU on digits, two hidden layers of 100, a good init and the seed's prototype U(-1, 1),
5 seeds each).
"""

from __future__ import annotations

import math

from .stats import compare_groups, last_finite

BLOCK_KEYS = ("dataset", "hidden", "optimizer", "lr", "init")


def blocks(rows: list[dict]) -> dict[tuple, list[dict]]:
    """Rows grouped by everything but the activation, in first-seen order."""
    out: dict[tuple, list[dict]] = {}
    for row in rows:
        out.setdefault(tuple(row.get(k) for k in BLOCK_KEYS), []).append(row)
    return out


def rank_block(rows: list[dict], records: list[dict], alpha=0.05) -> dict:
    """Paired comparisons of the block's activations on their common seeds (final test acc)."""
    ids = {r["group_id"] for r in rows}
    samples: dict[str, dict[int, float]] = {r["activation"]: {} for r in rows}
    for rec in records:
        if rec.get("group_id") in ids and rec["status"] == "ok":
            samples[rec["activation"]][rec["seed"]] = last_finite(rec["test_acc"])
    # an activation with fewer than 2 finished seeds cannot be tested: it gets no rank
    return compare_groups({k: v for k, v in samples.items() if len(v) >= 2}, alpha=alpha)


def format_table(rows: list[dict], records: list[dict] | None = None, alpha=0.05) -> str:
    """The printed comparison: one table per block (data set, architecture, optimizer, init)."""
    lines = []
    many = len({r.get("dataset") for r in rows}) > 1 or len({r.get("hidden") for r in rows}) > 1 \
        or len({(r.get("optimizer"), r.get("lr")) for r in rows}) > 1
    for group in blocks(rows).values():
        resolved = sorted({r["init_resolved"] for r in group})
        init = group[0]["init"]
        title = f"init = {init}" + (f" ({', '.join(resolved)})" if resolved != [init] else "")
        if many:
            title = (f"{group[0]['dataset']}, network {group[0]['hidden'] or 'linear'}, "
                     f"{group[0]['optimizer']} lr {group[0]['lr']}, " + title)
        lines.append(title)
        ranks = {}
        if records is not None and len(group) > 1:
            ranking = rank_block(group, records, alpha)["ranking"]
            ranks = {r["name"]: r["rank"] for r in ranking}
        target = group[0]["target_train_acc"]
        header = ["activation", "test accuracy [95% CI]"]
        if ranks:
            header.append("rank")
        header += ["final train loss", f"epochs to {target:.0%} train acc"]
        probes = any("last_hidden_saturation" in r for r in group)
        if probes:
            header += ["saturation (last hidden)", "|dW first|/|dW last|"]
        header.append("seconds")
        body = []
        for r in group:
            n = r["n_seeds"]
            acc = (f"{_num3(r['test_acc_mean'])} "
                   f"[{_num3(r['test_acc_ci_low'])}, {_num3(r['test_acc_ci_high'])}]")
            if r["n_diverged"] or r.get("n_failed"):
                acc += f" ({r['n_diverged']} diverged, {r.get('n_failed', 0)} failed of {n})"
            cells = [r["activation"], acc]
            if ranks:
                rank = ranks.get(r["activation"])
                tied = sum(v == rank for v in ranks.values()) > 1
                cells.append("n/a" if rank is None else f"{rank}{'=' if tied else ''}")
            reach = ("never" if r["n_reached_target"] == 0 else
                     f"{r['epochs_to_target_mean']:.1f}" +
                     ("" if r["n_reached_target"] == r["n_ok"] else
                      f" ({r['n_reached_target']}/{n} seeds)"))
            cells += [_num(r["train_loss_mean"]), reach]
            if probes:
                cells += [_pct(r.get("last_hidden_saturation")), _num(r.get("grad_ratio"))]
            cells.append(f"{r['seconds']:.1f}")
            body.append(cells)
        widths = [max(len(str(x)) for x in col) for col in zip(header, *body)]
        lines.append(_row(header, widths))
        lines.append(_row(["-" * w for w in widths], widths))
        lines.extend(_row(b, widths) for b in body)
        lines.append("")
    if records is not None and any(len(g) > 1 for g in blocks(rows).values()):
        lines.append(f"rank: 1 + the number of activations significantly better (paired t-test on "
                     f"the same seeds, Holm-corrected, alpha {alpha}); '=' marks a tie: those "
                     f"differences are not significant.")
        lines.append("seconds: wall time of the group, all seeds trained together.")
    return "\n".join(lines).rstrip() + "\n"


def _pct(x) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{x:.1%}"


def _num(x) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{x:.3g}"


def _num3(x) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{x:.3f}"


def _row(cells, widths) -> str:
    return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()
