"""The comparison table: per block of groups that differ only in activation, the accuracy with
its confidence interval, sorted by the mean and marked against the best stable group (paired
tests on the same seeds, Holm), a column that flags unstable groups, and the instruments'
summaries.

``actlab compare`` with no flags is the seed's exercise: the ``compare`` preset (sigmoid, tanh
and ReLU on digits, two hidden layers of 100, a good init and the seed's prototype U(-1, 1),
5 seeds each).
"""

from __future__ import annotations

import math
import textwrap

from . import axes
from .stats import COLLAPSE_FRACTION, MARK_MEANINGS, last_finite, rank_against_best

BLOCK_KEYS = axes.block_keys()  # every grid axis but the activation: dataset, hidden, ..., init
# what annotate() adds to each row (table.csv, table.json, the HTML table and actlab.load)
RANK_FIELDS = ("position", "mark", "diff_vs_best", "p_vs_best")


def blocks(rows: list[dict]) -> dict[tuple, list[dict]]:
    """Rows grouped by everything but the activation, in first-seen order."""
    out: dict[tuple, list[dict]] = {}
    for row in rows:
        out.setdefault(tuple(row.get(k) for k in BLOCK_KEYS), []).append(row)
    return out


def rank_block(rows: list[dict], records: list[dict], alpha=0.05) -> list[dict]:
    """:func:`rank_against_best` of the block's activations on their final test accuracy."""
    ids = {r["group_id"] for r in rows}
    samples: dict[str, dict[int, float]] = {r["activation"]: {} for r in rows}
    for rec in records:
        if rec.get("group_id") in ids and rec["status"] == "ok":
            acc = last_finite(rec["test_acc"])
            if math.isfinite(acc):
                samples[rec["activation"]][rec["seed"]] = acc
    unstable = {r["activation"] for r in rows if r.get("unstable")}
    return rank_against_best(samples, unstable=unstable, alpha=alpha)


def annotate(rows: list[dict], records: list[dict], alpha=0.05) -> list[dict]:
    """The rows again, each block sorted by mean test accuracy (highest first) and each row
    with the RANK_FIELDS of :func:`rank_block` (copies; blocks keep their first-seen order)."""
    out = []
    for group in blocks(rows).values():
        ranking = {r["name"]: r for r in rank_block(group, records, alpha)}
        by_name = {r["activation"]: r for r in group}
        for name, rank in ranking.items():
            out.append({**by_name[name], **{k: rank[k] for k in RANK_FIELDS}, "alpha": alpha})
    return out


def mark_cell(row: dict) -> str:
    """The glanceable mark: 'best', 'tied (p 0.41)', 'below (p 0.003)', 'unstable', 'n/a'."""
    mark = row.get("mark", "n/a")
    p = row.get("p_vs_best")
    if mark in ("tied", "below") and p is not None and math.isfinite(p):
        return f"{mark} (p {p:.2g})"
    return mark


def flat_cell(row: dict) -> str:
    """'56.5% inactive' (ReLU family: the flat half) or '10.7% saturated' (sigmoid, tanh)."""
    x = row.get("last_hidden_saturation")
    if x is None or not math.isfinite(x):
        return "n/a"
    return f"{x:.1%} {row.get('flat_kind', 'flat')}"


def format_table(rows: list[dict], records: list[dict] | None = None, alpha=0.05) -> str:
    """The printed comparison: one table per block (every grid axis but the activation),
    rows sorted by mean test accuracy. Rows without marks are annotated from ``records``."""
    if records is not None and rows and "mark" not in rows[0]:
        rows = annotate(rows, records, alpha)
    lines = []
    many = axes.varies(rows)
    marked = any("mark" in r for r in rows)
    for group in blocks(rows).values():
        lines.append(block_title(group, many))
        target = group[0]["target_train_acc"]
        header = ["activation", "test accuracy [95% CI]"]
        if marked:
            header.append("vs best")
        header += ["unstable", "final train loss", f"epochs to {target:.0%} train acc"]
        probes = any("last_hidden_saturation" in r for r in group)
        if probes:
            header += ["flat units (last hidden)", "|dW first|/|dW last|"]
        header.append("seconds")
        body = []
        for r in group:
            n = r["n_seeds"]
            acc = (
                f"{_num3(r['test_acc_mean'])} "
                f"[{_num3(r['test_acc_ci_low'])}, {_num3(r['test_acc_ci_high'])}]"
            )
            if r.get("n_failed"):
                acc += f" ({r['n_failed']} of {n} failed)"
            cells = [r["activation"], acc]
            if marked:
                cells.append(mark_cell(r))
            cells.append(r.get("unstable") or "-")
            reach = (
                "never"
                if r["n_reached_target"] == 0
                else f"{r['epochs_to_target_mean']:.1f}"
                + (
                    ""
                    if r["n_reached_target"] == r["n_ok"]
                    else f" ({r['n_reached_target']}/{n} seeds)"
                )
            )
            cells += [_num(r["train_loss_mean"]), reach]
            if probes:
                cells += [flat_cell(r), _num(r.get("grad_ratio"))]
            cells.append(f"{r['seconds']:.1f}")
            body.append(cells)
        widths = [max(len(str(x)) for x in col) for col in zip(header, *body)]
        lines.append(_row(header, widths))
        lines.append(_row(["-" * w for w in widths], widths))
        lines.extend(_row(b, widths) for b in body)
        lines.append("")
    lines.extend(line for text in legend(rows, alpha) for line in textwrap.wrap(text, 100))
    return "\n".join(lines).rstrip() + "\n"


def block_title(group: list[dict], many: bool) -> str:
    """``init = auto (he_normal)``; with ``many`` (the run spans several settings) the
    settings first: ``digits, network 100-100, sgd lr 0.03, init = auto (he_normal)``."""
    return axes.title(group, many)


def legend(rows: list[dict], alpha=0.05) -> list[str]:
    """The lines under the tables: what the marks, 'unstable' and 'flat units' mean."""
    out = []
    if any("mark" in r for r in rows):
        out.append(
            "rows sorted by mean test accuracy. vs best: "
            + "; ".join(f"{k}: {v}" for k, v in MARK_MEANINGS.items())
            + f" (paired t-test on the common seeds, Holm-corrected, alpha {alpha})."
        )
    chances = sorted(
        {
            round(r["chance_acc"], 3)
            for r in rows
            if isinstance(r.get("chance_acc"), float) and math.isfinite(r["chance_acc"])
        }
    )
    if chances:
        out.append(
            f"unstable: a seed diverged, or collapsed: its final test accuracy got less "
            f"than {COLLAPSE_FRACTION:.0%} of the way from chance (the most frequent "
            f"test class: {', '.join(f'{c:.3f}' for c in chances)}) to 1."
        )
    if any("last_hidden_saturation" in r for r in rows):
        out.append(
            "flat units: share of the last hidden layer's (sample, unit) pairs where "
            "|f'(z)| < 1% of its peak; 'saturated' for sigmoid/tanh (both tails), "
            "'inactive' for the ReLU family (its flat negative half)."
        )
    out.append("seconds: wall time of the group, all seeds trained together.")
    return out


def _num(x) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{x:.3g}"


def _num3(x) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{x:.3f}"


def _row(cells, widths) -> str:
    return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()
