"""Ranks that cannot mislead: sorted by mean, marked against the best *stable* group (paired
tests on common seeds, Holm), unstable groups (a seed diverged or collapsed to chance) flagged
and never marked best or tied. Planted records where the old rule (1 + the number of groups
significantly better) seated a collapsed, noisy group first."""

from __future__ import annotations

import json
import math

import pytest

from actlab.experiments.compare import annotate, format_table
from actlab.experiments.stats import (
    chance_level,
    collapse_threshold,
    compare_groups,
    rank_against_best,
    summarize_group,
)

CHANCE = 0.102  # digits' most frequent test class


def _records(activation, accs, init="prototype", status=None):
    status = status or ["ok"] * len(accs)
    return [
        {
            "group_id": f"{activation}-{init}",
            "activation": activation,
            "init": init,
            "dataset": "digits",
            "hidden": [100, 100],
            "optimizer": "sgd",
            "lr": 0.03,
            "seed": s,
            "status": st,
            "test_acc": [a * 0.9, a] if st == "ok" else [0.5, None],
            "train_loss": [1.0, 0.1],
            "train_acc": [0.5, 0.99],
            "epoch_seconds": [0.1, 0.1],
            "group_seconds": 1.0,
        }
        for s, (a, st) in enumerate(zip(accs, status))
    ]


# the default job's prototype block: relu's seed 0 collapsed to chance (0.100)
PLANTED = {
    "sigmoid": [0.949, 0.951, 0.969, 0.958, 0.949],
    "tanh": [0.913, 0.904, 0.887, 0.902, 0.907],
    "relu": [0.100, 0.933, 0.938, 0.878, 0.929],
}


def _table(planted, chance=CHANCE):
    records = [r for act, accs in planted.items() for r in _records(act, accs)]
    rows = [
        summarize_group([r for r in records if r["activation"] == a], 0.95, chance=chance)
        for a in planted
    ]
    return annotate(rows, records), records


def _old_rule(samples):
    """The rule this replaced: rank = 1 + the number of groups significantly better."""
    pairs = compare_groups(samples)["pairs"]
    better = dict.fromkeys(samples, 0)
    for p in pairs:
        if p["significant"]:
            better[p["b"] if p["mean_diff"] > 0 else p["a"]] += 1
    return {n: 1 + k for n, k in better.items()}


def test_old_rule_seated_the_collapsed_group_first_and_the_new_one_does_not():
    samples = {a: dict(enumerate(v)) for a, v in PLANTED.items()}
    old = _old_rule(samples)
    assert old["relu"] == 1 and old["tanh"] == 2  # what the issue saw: relu 1= above tanh 2
    rows, _ = _table(PLANTED)
    by = {r["activation"]: r for r in rows}
    assert [r["activation"] for r in rows] == ["sigmoid", "tanh", "relu"]  # by mean
    assert by["relu"]["n_collapsed"] == 1 and by["relu"]["unstable"] == "1/5 collapsed"
    assert by["relu"]["mark"] == "unstable"
    assert by["sigmoid"]["mark"] == "best"
    assert by["tanh"]["mark"] == "below" and by["tanh"]["p_vs_best"] < 0.05
    assert by["tanh"]["diff_vs_best"] == pytest.approx(
        sum(b - a for a, b in zip(PLANTED["sigmoid"], PLANTED["tanh"])) / 5
    )


def test_a_collapsed_group_with_the_highest_mean_is_not_best():
    planted = {
        "relu": [0.15, 0.99, 0.99, 0.99, 0.99],  # mean 0.822, one seed at chance
        "tanh": [0.80, 0.81, 0.80, 0.82, 0.80],
    }  # mean 0.806, stable
    samples = {a: dict(enumerate(v)) for a, v in planted.items()}
    ranking = rank_against_best(samples, unstable={"relu"})
    assert [r["name"] for r in ranking] == ["relu", "tanh"]  # sorted by mean
    assert {r["name"]: r["mark"] for r in ranking} == {"relu": "unstable", "tanh": "best"}
    rows, _ = _table(planted)
    assert {r["activation"]: r["mark"] for r in rows} == {"relu": "unstable", "tanh": "best"}


def test_the_mark_follows_the_data_when_the_seed_recovers():
    recovered = {**PLANTED, "relu": [0.955, 0.933, 0.938, 0.878, 0.929]}
    rows, _ = _table(recovered)
    by = {r["activation"]: r for r in rows}
    assert by["relu"]["unstable"] == "" and by["relu"]["mark"] in ("tied", "below")
    assert by["relu"]["position"] == 2  # 0.927 sits between sigmoid 0.955 and tanh 0.903


def test_ties_and_a_planted_difference_under_holm():
    base = [0.90, 0.91, 0.89, 0.92, 0.90, 0.91]
    samples = {
        "a": {s: v + 0.03 + 0.001 * (s % 2) for s, v in enumerate(base)},
        "b": {s: v + 0.03 + 0.002 * (-1) ** s for s, v in enumerate(base)},
        "c": {s: v + 0.0005 * (s % 2) for s, v in enumerate(base)},
    }
    marks = {r["name"]: r["mark"] for r in rank_against_best(samples)}
    assert marks == {"a": "best", "b": "tied", "c": "below"}


def test_diverged_seed_makes_a_group_unstable_and_one_seed_is_untested():
    recs = _records("elu", [0.97, 0.97, 0.98], status=["ok", "diverged", "ok"])
    row = summarize_group(recs, 0.95, chance=CHANCE)
    assert row["unstable"] == "1/3 diverged" and row["n_collapsed"] == 0
    ranking = rank_against_best({"x": {0: 0.9, 1: 0.91}, "y": {0: 0.99}})
    assert {r["name"]: r["mark"] for r in ranking} == {"y": "n/a", "x": "best"}


def test_identical_groups_tie():
    same = dict.fromkeys(range(4), 0.9)
    marks = {r["name"]: r["mark"] for r in rank_against_best({"a": same, "b": dict(same)})}
    assert sorted(marks.values()) == ["best", "tied"]


def test_chance_and_collapse_threshold():
    assert chance_level([0, 1, 1, 2]) == 0.5
    assert math.isnan(chance_level([]))
    assert collapse_threshold(0.1) == pytest.approx(0.19)
    row = summarize_group(_records("relu", [0.18, 0.2, 0.9]), 0.95, chance=0.1)
    assert row["n_collapsed"] == 1  # 0.18 < 0.19 <= 0.2
    assert summarize_group(_records("relu", [0.18, 0.2, 0.9]), 0.95)["n_collapsed"] == 0


def test_printed_table_shows_marks_and_the_unstable_column():
    rows, _ = _table(PLANTED)
    text = format_table(rows)
    lines = [ln for ln in text.splitlines() if ln.startswith(("sigmoid", "tanh", "relu"))]
    assert [ln.split()[0] for ln in lines] == ["sigmoid", "tanh", "relu"]
    assert " best " in lines[0] and "below (p" in lines[1]
    assert "unstable" in lines[2] and "1/5 collapsed" in lines[2]
    assert "0.102" in text  # the chance level is in the legend


def test_report_table_bolds_every_tied_best_row(tmp_path):
    from actlab.report.html import results_table
    from actlab.report.load import Run

    planted = {
        "relu": [0.96, 0.97, 0.96, 0.97, 0.96],
        "tanh": [0.965, 0.96, 0.97, 0.96, 0.965],
        "sigmoid": [0.90, 0.91, 0.90, 0.905, 0.90],
    }
    rows, records = _table(planted)
    rows = json.loads(json.dumps(rows))  # as table.json stores them
    html = results_table(Run(tmp_path, {}, {}, records, rows, None))
    top = [line for line in html.splitlines() if line.startswith("<tr class=top>")]
    assert len(top) == 2 and all(("relu" in t) != ("tanh" in t) for t in top)
    assert "sigmoid" not in "".join(top) and "below (p" in html
