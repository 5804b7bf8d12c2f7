"""Statistics across seeds: summaries with confidence intervals, paired comparisons between
activations on the same seeds (paired t, Wilcoxon signed-rank, Holm correction, effect size),
a ranking against the best stable group, the stability of a group (diverged or collapsed
seeds), and metrics beyond accuracy (epochs and seconds to a target, area under the loss
curve, best epoch)."""

from __future__ import annotations

import itertools
import math

import numpy as np

from .axes import row_cells

# ----------------------------------------------------------------------------- per curve


def epochs_to_reach(curve, target: float, higher_is_better: bool = True):
    """The first epoch (1-based) at which ``curve`` reaches ``target``, or None."""
    values = np.array([np.nan if v is None else v for v in curve], dtype=float)
    with np.errstate(invalid="ignore"):
        hit = values >= target if higher_is_better else values <= target
    idx = np.flatnonzero(hit & np.isfinite(values))
    return int(idx[0]) + 1 if idx.size else None


def seconds_to_reach(curve, epoch_seconds, target, higher_is_better=True):
    """Wall seconds of training (the group's, all seeds in lockstep) until ``target``."""
    e = epochs_to_reach(curve, target, higher_is_better)
    return None if e is None else float(np.sum(epoch_seconds[:e]))


def area_under_curve(curve) -> float:
    """Mean of the per-epoch values (trapezoid rule over epochs, divided by their span)."""
    v = np.array([np.nan if x is None else x for x in curve], dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return math.nan
    if v.size == 1:
        return float(v[0])
    return float(np.trapezoid(v) / (v.size - 1))


def best_epoch(curve):
    v = np.array([np.nan if x is None else x for x in curve], dtype=float)
    return None if not np.isfinite(v).any() else int(np.nanargmax(v)) + 1


def last_finite(curve):
    """The last finite value of a per-epoch list (None and NaN are skipped)."""
    for x in reversed(list(curve)):
        if x is not None and math.isfinite(x):
            return float(x)
    return math.nan


# ----------------------------------------------------------------------------- across seeds


def mean_std(values):
    """Mean and sample standard deviation (ddof=1; 0 for one value) of the finite values."""
    v = _finite(values)
    if v.size == 0:
        return math.nan, math.nan
    return float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else 0.0


def describe(values, confidence=0.95, method="t", n_boot=10_000, seed=0) -> dict:
    """Mean, std, median and a confidence interval for the mean of the finite values.

    method "t": mean +- t_{(1+c)/2, n-1} * std / sqrt(n); "bootstrap": percentile interval of
    ``n_boot`` resampled means (Generator(seed)).
    """
    from scipy import stats

    v = _finite(values)
    out = {
        "n": int(v.size),
        "mean": math.nan,
        "std": math.nan,
        "median": math.nan,
        "ci_low": math.nan,
        "ci_high": math.nan,
    }
    if v.size == 0:
        return out
    out.update(
        mean=float(v.mean()),
        median=float(np.median(v)),
        std=float(v.std(ddof=1)) if v.size > 1 else 0.0,
    )
    if v.size < 2:
        return out
    if method == "t":
        half = stats.t.ppf((1 + confidence) / 2, v.size - 1) * out["std"] / math.sqrt(v.size)
        out.update(ci_low=out["mean"] - half, ci_high=out["mean"] + half)
    elif method == "bootstrap":
        rng = np.random.default_rng(seed)
        means = rng.choice(v, size=(n_boot, v.size), replace=True).mean(axis=1)
        lo, hi = np.quantile(means, [(1 - confidence) / 2, (1 + confidence) / 2])
        out.update(ci_low=float(lo), ci_high=float(hi))
    else:
        raise ValueError(f"method: got {method!r}; allowed: 't' or 'bootstrap'")
    return out


def holm(pvalues) -> list[float]:
    """Holm-Bonferroni adjusted p-values (step-down, monotone, capped at 1)."""
    p = np.asarray(pvalues, dtype=float)
    order = np.argsort(p)
    m = p.size
    adjusted = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adjusted[i] = running
    return adjusted.tolist()


def paired_comparison(a, b) -> dict:
    """Paired t-test and Wilcoxon signed-rank on matched samples a[i], b[i], and Cohen's d_z.

    d_z = mean(a - b) / std(a - b) (ddof=1). p-values are NaN where a test is undefined
    (fewer than 2 pairs, or all differences zero).
    """
    from scipy import stats

    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    d = a - b
    out = {
        "n": int(d.size),
        "mean_diff": float(d.mean()) if d.size else math.nan,
        "t_p": math.nan,
        "wilcoxon_p": math.nan,
        "effect_size": math.nan,
    }
    if d.size < 2 or np.all(d == 0):
        return out
    sd = d.std(ddof=1)
    out["effect_size"] = float(d.mean() / sd) if sd > 0 else math.copysign(math.inf, d.mean())
    out["t_p"] = float(stats.ttest_rel(a, b).pvalue) if sd > 0 else 0.0
    out["wilcoxon_p"] = float(stats.wilcoxon(a, b).pvalue)
    return out


def compare_groups(samples: dict[str, dict[int, float]], alpha=0.05, test="t", unstable=()) -> dict:
    """All pairwise comparisons of named groups on their common seeds (Holm-corrected), and the
    ranking of :func:`rank_against_best`.

    samples: name -> {seed: value} (higher is better). Returns {"pairs": [...], "ranking":
    [...]}.
    """
    names = list(samples)
    pairs = []
    for x, y in itertools.combinations(names, 2):
        seeds = sorted(set(samples[x]) & set(samples[y]))
        res = paired_comparison([samples[x][s] for s in seeds], [samples[y][s] for s in seeds])
        pairs.append({"a": x, "b": y, **res})
    key = "t_p" if test == "t" else "wilcoxon_p"
    raw = [p[key] if math.isfinite(p[key]) else 1.0 for p in pairs]
    for p, adj in zip(pairs, holm(raw) if raw else []):
        p["p_holm"] = adj
        p["significant"] = adj < alpha
    ranking = rank_against_best(samples, unstable=unstable, alpha=alpha, test=test)
    return {"pairs": pairs, "ranking": ranking, "test": test, "alpha": alpha}


# the marks of rank_against_best, and what each means (the printed legend uses these words)
BEST, TIED, BELOW, UNSTABLE, UNTESTED = "best", "tied", "below", "unstable", "n/a"
MARK_MEANINGS = {
    BEST: "the stable group with the highest mean",
    TIED: "not significantly different from the best",
    BELOW: "significantly below the best",
    UNSTABLE: "a seed diverged or collapsed: never marked best or tied",
    UNTESTED: "fewer than 2 finished seeds in common with the best: not tested",
}


def rank_against_best(
    samples: dict[str, dict[int, float]], unstable=(), alpha=0.05, test="t"
) -> list[dict]:
    """Groups sorted by their mean, each marked against the best one.

    Rule: the best is the stable group (not in ``unstable``, at least 2 finished seeds) with
    the highest mean; every other stable group is compared with it by a paired test on their
    common seeds, the p-values Holm-corrected over those comparisons, and marked "tied" (not
    significant at ``alpha``) or "below"; a group in ``unstable`` is marked "unstable" whatever
    its mean or interval, so a wide interval never earns a place. When no group is stable, the
    best is chosen among all of them by the same rule.

    samples: name -> {seed: value} (higher is better; finished seeds only). Returns one dict
    per group, highest mean first: name, mean, n, position (1 = highest mean), mark (best, tied,
    below, unstable, n/a), diff_vs_best (mean of the paired differences group - best, on the
    common seeds), p_vs_best (Holm-adjusted; NaN when not tested).
    """
    unstable = set(unstable)
    means = {n: mean_std(v.values())[0] for n, v in samples.items()}
    order = sorted(samples, key=lambda n: -_nan_low(means[n]))
    testable = [n for n in order if len(_finite(samples[n].values())) >= 2]
    candidates = [n for n in testable if n not in unstable] or testable
    best = candidates[0] if candidates else None
    key = "t_p" if test == "t" else "wilcoxon_p"
    compared = {}
    for n in candidates[1:]:
        seeds = sorted(set(samples[n]) & set(samples[best]))
        res = paired_comparison([samples[n][s] for s in seeds], [samples[best][s] for s in seeds])
        if res["n"] >= 2:
            # identical on every seed: the tests are undefined, the groups certainly tie
            res["p"] = res[key] if math.isfinite(res[key]) else 1.0
            compared[n] = res
    adjusted = dict(zip(compared, holm([r["p"] for r in compared.values()]))) if compared else {}
    rows = []
    for position, n in enumerate(order, 1):
        row = {
            "name": n,
            "mean": means[n],
            "n": len(_finite(samples[n].values())),
            "position": position,
            "mark": UNTESTED,
            "diff_vs_best": math.nan,
            "p_vs_best": math.nan,
        }
        if n == best:
            row["mark"] = BEST
        elif n in compared:
            row.update(
                diff_vs_best=compared[n]["mean_diff"],
                p_vs_best=adjusted[n],
                mark=TIED if adjusted[n] >= alpha else BELOW,
            )
        if n in unstable and n != best:
            row["mark"] = UNSTABLE
        rows.append(row)
    return rows


# ----------------------------------------------------------------------------- stability

# A seed "collapsed" when its final test accuracy got less than this fraction of the way from
# the data set's chance level (the share of its most frequent test class: what always
# guessing that class scores) to a perfect score.
COLLAPSE_FRACTION = 0.1


def chance_level(y) -> float:
    """The accuracy of always guessing the most frequent class of labels ``y``."""
    y = np.asarray(y).ravel()
    if y.size == 0:
        return math.nan
    return float(np.unique(y, return_counts=True)[1].max() / y.size)


def collapse_threshold(chance: float) -> float:
    """Final test accuracies below chance + COLLAPSE_FRACTION * (1 - chance) count as
    collapsed (digits, chance 0.102: below 0.192)."""
    return chance + COLLAPSE_FRACTION * (1.0 - chance)


def unstable_label(n_diverged: int, n_collapsed: int, n_seeds: int) -> str:
    """'1/5 diverged, 2/5 collapsed', or '' for a stable group."""
    parts = [
        f"{k}/{n_seeds} {word}"
        for k, word in ((n_diverged, "diverged"), (n_collapsed, "collapsed"))
        if k
    ]
    return ", ".join(parts)


# ----------------------------------------------------------------------------- one group


def summarize_group(records: list[dict], target_acc: float, target_loss=None, chance=None) -> dict:
    """One row of a results table from the records of one group (one per seed).

    chance: the data set's chance accuracy (:func:`chance_level` of its test labels); seeds
    that finished below :func:`collapse_threshold` of it count as collapsed, and a group with a
    collapsed or diverged seed is unstable. Without it no seed counts as collapsed.
    """
    ok = [r for r in records if r["status"] == "ok"]
    finals = [last_finite(r["test_acc"]) for r in ok]
    collapse_below = collapse_threshold(chance) if chance is not None else math.nan
    n_collapsed = sum(bool(a < collapse_below) for a in finals if math.isfinite(a))
    first = records[0]
    acc = describe(finals)
    loss_mean, loss_std = mean_std([last_finite(r["train_loss"]) for r in ok])
    reach = [epochs_to_reach(r["train_acc"], target_acc) for r in ok]
    reached = [e for e in reach if e is not None]
    secs = [seconds_to_reach(r["train_acc"], r["epoch_seconds"], target_acc) for r in ok]
    row = {
        "group_id": first.get("group_id"),
        **row_cells(first),  # activation, init, init_resolved, dataset, hidden, ... (axes.py)
        "test_acc_mean": acc["mean"],
        "test_acc_std": acc["std"],
        # an accuracy lies in [0, 1]: the t interval is clipped there (with few seeds and a
        # bimodal outcome it can reach past either end)
        "test_acc_ci_low": max(acc["ci_low"], 0.0) if acc["n"] > 1 else acc["ci_low"],
        "test_acc_ci_high": min(acc["ci_high"], 1.0) if acc["n"] > 1 else acc["ci_high"],
        "test_acc_median": acc["median"],
        "train_loss_mean": loss_mean,
        "train_loss_std": loss_std,
        "epochs_to_target_mean": mean_std(reached)[0],
        "n_reached_target": len(reached),
        "seconds_to_target_mean": mean_std([s for s in secs if s is not None])[0],
        "target_train_acc": target_acc,
        "loss_auc_mean": mean_std([area_under_curve(r["train_loss"]) for r in ok])[0],
        "best_epoch_mean": mean_std([best_epoch(r["test_acc"]) or math.nan for r in ok])[0],
        "seconds": first.get("group_seconds", math.nan),
        "n_seeds": len(records),
        "n_ok": len(ok),
        "n_diverged": sum(r["status"] == "diverged" for r in records),
        "n_failed": sum(r["status"] == "failed" for r in records),
        "chance_acc": math.nan if chance is None else float(chance),
        "collapse_below": collapse_below,
        "n_collapsed": n_collapsed,
    }
    row["unstable"] = unstable_label(row["n_diverged"], n_collapsed, len(records))
    if target_loss is not None:
        hits = [epochs_to_reach(r["train_loss"], target_loss, False) for r in ok]
        row["epochs_to_target_loss_mean"] = mean_std([h for h in hits if h is not None])[0]
        row["n_reached_target_loss"] = sum(h is not None for h in hits)
    if ok and isinstance(ok[0].get("probes"), dict):
        row.update(probe_summary(ok))
    return row


def probe_summary(records: list[dict]) -> dict:
    """Means over seeds, at the last probe: last hidden layer's saturation, dead fraction and
    mean activation, and the ratio of the first layer's |dL/dW| to the last layer's."""

    def final(key):
        vals = []
        for r in records:
            series = r["probes"].get(key) or []
            v = series[-1] if series else None
            if isinstance(v, list):
                v = v[-1] if v else None
            vals.append(math.nan if v is None else v)
        return mean_std(vals)[0]

    return {
        "last_hidden_saturation": final("saturation"),
        "last_hidden_dead": final("dead"),
        "last_hidden_act_mean": final("act_mean"),
        "grad_ratio": final("grad_ratio"),
        "flat_kind": flat_kind(records[0].get("activation")),
    }


def flat_kind(activation) -> str:
    """What the probes' "saturation" fraction counts for this activation: "saturated" when f'
    flattens on both sides (sigmoid, tanh: the unit is pinned at a bound), "inactive" when only
    on the negative side (the ReLU family: the unit outputs ~0 and passes no gradient), "flat"
    when the activation is unknown here or flattens in neither tail."""
    from ..activations import get_activation

    try:
        act = get_activation(str(activation))
        z = np.array([[[-30.0, 30.0]]])
        with np.errstate(all="ignore"):
            d = np.abs(np.asarray(act.derivative(z), dtype=float)).ravel()
            peak = np.abs(
                np.asarray(act.derivative(np.linspace(-30, 30, 601)[None, None]), dtype=float)
            ).max()
    except (ValueError, TypeError, AttributeError):
        return "flat"
    low, high = d[0] < 0.01 * peak, d[-1] < 0.01 * peak
    return "saturated" if low and high else "inactive" if low else "flat"


def _finite(values) -> np.ndarray:
    return np.array([x for x in values if x is not None and math.isfinite(x)], dtype=float)


def _nan_low(x):
    return -math.inf if x is None or math.isnan(x) else x
