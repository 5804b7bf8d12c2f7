"""The plain answer: a few sentences, computed from a run's table, that answer the seed's
exercise ("which of sigmoid, tanh and ReLU is more accurate, and why") for whatever the run
compared. ``actlab compare`` / ``run`` print them above the tables and report.html opens
with them.

    from actlab.experiments.conclusion import conclusion
    for sentence in conclusion(rows):   # table.json's rows, or the run's records
        print(sentence)

Every sentence comes from numbers in the rows: the marks of the ranking (best / tied /
below / unstable, see :func:`actlab.experiments.stats.rank_against_best`), the epochs to the
train-accuracy target, and the probes (flat units in the last hidden layer, the ratio of the
first layer's |dL/dW| to the last's). Nothing here states a result in advance.
"""

from __future__ import annotations

import math

from .axes import varies
from .compare import annotate, block_title, blocks

# a probe "shows a reason" for a gap when it differs at least this much between the groups
FLAT_GAP = 0.15  # share of flat (saturated / inactive) units, absolute
GRAD_FACTOR = 1.5  # ratio of |dW first| / |dW last|, multiplicative


def conclusion(data, records=None) -> list[str]:
    """Sentences answering which activation is most accurate per block (init, data set, ...),
    which converges faster, and the measured reason where the probes show one.

    data: table rows (dicts, as table.json holds them, with or without the ranking's marks)
    or the run's records (then summarised here, without a chance level). ``records`` lets
    unmarked rows be ranked.
    """
    rows = list(data)
    if rows and "test_acc" in rows[0]:  # records, not rows
        records, rows = rows, _rows_from_records(rows)
    if rows and "mark" not in rows[0] and records is not None:
        rows = annotate(rows, records)
    all_blocks = list(blocks(rows).values())
    many = varies(rows)
    out = []
    for group in all_blocks:
        group = sorted(group, key=lambda r: r.get("position", 0))
        sentences = [s for s in _block(group) if s]
        out.append(f"With {block_title(group, many)}: " + " ".join(sentences))
    if len(all_blocks) > 1:
        out += _across(all_blocks, many)
    return out


def _across(all_blocks, many) -> list[str]:
    """One sentence when the best of one block is significantly below (or unstable) in
    another: then the answer depends on the setting."""
    marks = [{r["activation"]: r.get("mark") for r in g} for g in all_blocks]
    bests = [next((a for a, m in mk.items() if m == "best"), None) for mk in marks]
    differ = any(b and mk.get(b) in ("below", "unstable") for b in bests for mk in marks)
    if not differ:
        return []

    def best_in(b, g):
        tied = [r["activation"] for r in g if r.get("mark") == "tied"]
        return f"{b} is best with {block_title(g, many)}" + (
            f" (tied with {', '.join(tied)})" if tied else ""
        )

    return [
        "So the answer depends on the setting: "
        + "; ".join(best_in(b, g) for b, g in zip(bests, all_blocks) if b)
        + "."
    ]


def _block(group: list[dict]) -> list[str]:
    if len(group) == 1:
        r = group[0]
        lo, hi = r.get("test_acc_ci_low"), r.get("test_acc_ci_high")
        ci = f" [95% CI {lo:.3f}, {hi:.3f}]" if _finite(lo) and _finite(hi) else ""
        only = (
            f"only {r['activation']} was trained: test accuracy {_acc(r)}{ci} over "
            f"{r.get('n_ok', r.get('n_seeds'))} seeds."
        )
        return [only, _unstable_single(r), _speed(group)]
    return [_accuracy(group), _unstable(group), _speed(group), _reason(group)]


def _accuracy(group: list[dict]) -> str:
    best = next((r for r in group if r.get("mark") == "best"), None)
    if best is None:
        return "no activation finished two seeds, so none can be called most accurate."
    n = best.get("n_ok", best.get("n_seeds"))
    tied = [r for r in group if r.get("mark") == "tied"]
    below = [r for r in group if r.get("mark") == "below"]
    text = (
        f"{best['activation']} is the most accurate ({_acc(best)} mean test accuracy over "
        f"{n} seeds)"
    )
    if tied and not below and len(tied) == len(group) - 1:
        return (
            f"{_names([best, *tied])} tie on accuracy: {best['activation']} has the highest "
            f"mean ({_acc(best)} over {n} seeds) but the others are not significantly "
            f"different ({_diffs(tied)})."
        )
    if tied:
        text += (
            f"; {_names(tied)} {'is' if len(tied) == 1 else 'are'} not significantly "
            f"different ({_diffs(tied)})"
        )
    if below:
        text += f"; {_names(below)} {'is' if len(below) == 1 else 'are'} lower ({_diffs(below)})"
    return text + "."


def _unstable_single(r: dict) -> str:
    return f"It is unstable: {r['unstable']}." if r.get("unstable") else ""


def _unstable(group: list[dict]) -> str:
    bad = [r for r in group if r.get("mark") == "unstable"]
    if not bad:
        return ""
    parts = [f"{r['activation']}: {r.get('unstable')}, mean {_acc(r)}" for r in bad]
    return (
        f"{_names(bad)} {'is' if len(bad) == 1 else 'are'} not ranked, because a seed "
        f"diverged or collapsed to near chance ({'; '.join(parts)})."
    )


def _speed(group: list[dict]) -> str:
    target = group[0].get("target_train_acc")
    if not isinstance(target, (int, float)):
        return ""
    reached = [
        r for r in group if r.get("n_reached_target") and _finite(r.get("epochs_to_target_mean"))
    ]
    never = [r for r in group if not r.get("n_reached_target")]
    if not reached:
        return f"no activation reached {target:.0%} train accuracy within the run."
    reached.sort(key=lambda r: r["epochs_to_target_mean"])
    fast = reached[0]["epochs_to_target_mean"]
    first = [r for r in reached if r["epochs_to_target_mean"] <= fast + 1e-9]
    rest = reached[len(first) :]
    text = (
        f"{_names(first)} {'reaches' if len(first) == 1 else 'reach'} {target:.0%} train "
        f"accuracy fastest ({fast:.1f} epochs on average{_partial(first)})"
    )
    if rest:
        text += "; " + ", ".join(
            f"{r['activation']} needs {r['epochs_to_target_mean']:.1f}"
            f" ({r['epochs_to_target_mean'] / fast:.1f}x as many{_partial([r])})"
            for r in rest
        )
    if never:
        text += f"; {_names(never)} never {'reaches' if len(never) == 1 else 'reach'} it"
    return text + "."


def _reason(group: list[dict]) -> str:
    """The probe that separates the best group from the weakest one, if any does."""
    best = next((r for r in group if r.get("mark") == "best"), None)
    if best is None or "grad_ratio" not in best:
        return ""
    # the weakest: an unstable group or the lowest significantly-below one
    weak = sorted(
        (
            r
            for r in group
            if r.get("mark") in ("below", "unstable") and _finite(r.get("last_hidden_saturation"))
        ),
        key=lambda r: (r.get("mark") != "unstable", _val(r.get("test_acc_mean"))),
    )
    # the slowest to the target, when it needs at least GRAD_FACTOR times the fastest's epochs
    reach = {
        id(r): (
            r["epochs_to_target_mean"]
            if r.get("n_reached_target") and _finite(r.get("epochs_to_target_mean"))
            else math.inf
        )
        for r in group
    }
    fastest = min(group, key=lambda r: reach[id(r)])
    slowest = max(group, key=lambda r: reach[id(r)])
    candidates = [(weak[0], "less accurate", best)] if weak else []
    if reach[id(slowest)] >= GRAD_FACTOR * reach[id(fastest)] and slowest is not fastest:
        candidates.append((slowest, "slower", fastest))
    found = []
    for other, what, ref in candidates:
        if any(other is f[0] for f in found):
            continue
        why = _why(other, ref)
        found.append((other, what, ref, why))
    if not found:
        return ""
    return " ".join(
        f"Why {o['activation']} is {w} than {ref['activation']}: {y}."
        if y
        else f"The probes show no clear reason why {o['activation']} is {w} than "
        f"{ref['activation']} (flat units and the gradient ratio are similar)."
        for o, w, ref, y in found
    )


def _why(other: dict, best: dict) -> str:
    reasons = []
    f_o, f_b = other.get("last_hidden_saturation"), best.get("last_hidden_saturation")
    if _finite(f_o) and _finite(f_b) and f_o - f_b >= FLAT_GAP:
        reasons.append(
            f"{f_o:.0%} of its last hidden layer's units are "
            f"{other.get('flat_kind', 'flat')} (flat f'), vs {f_b:.0%} "
            f"{best.get('flat_kind', 'flat')} for {best['activation']}"
        )
    g_o, g_b = other.get("grad_ratio"), best.get("grad_ratio")
    if _finite(g_o) and _finite(g_b) and g_o > 0 and g_b > 0 and g_b / g_o >= GRAD_FACTOR:
        reasons.append(
            f"its first layer's gradient is {g_o:.2f}x its last layer's, vs "
            f"{g_b:.2f}x for {best['activation']} (the gradient fades on the way back)"
        )
    return "; ".join(reasons)


def _rows_from_records(records: list[dict]) -> list[dict]:
    from .stats import summarize_group

    by: dict = {}
    for rec in records:
        by.setdefault(rec.get("group_id"), []).append(rec)
    return annotate([summarize_group(g, 0.95) for g in by.values()], records)


def _acc(r: dict) -> str:
    x = r.get("test_acc_mean")
    return f"{x:.3f}" if _finite(x) else "n/a"


def _diffs(rows: list[dict]) -> str:
    parts = []
    for r in rows:
        d, p = r.get("diff_vs_best"), r.get("p_vs_best")
        parts.append(
            f"{r['activation']} {_acc(r)}"
            + (f", {d:+.3f}" if _finite(d) else "")
            + (f", p {p:.2g}" if _finite(p) else "")
        )
    return "; ".join(parts)


def _names(rows: list[dict]) -> str:
    names = [str(r["activation"]) for r in rows]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _partial(rows: list[dict]) -> str:
    r = rows[0]
    if len(rows) == 1 and r.get("n_reached_target") != r.get("n_ok"):
        return f", {r.get('n_reached_target')}/{r.get('n_seeds')} seeds reached it"
    return ""


def _finite(x) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)


def _val(x, default=-math.inf) -> float:
    return x if _finite(x) else default
