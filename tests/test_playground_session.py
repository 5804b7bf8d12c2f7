"""The playground's session without a browser: start, step, pause, change, reset, export."""

import base64
import subprocess
import sys

import numpy as np
import pytest

import actlab
from actlab.errors import ParameterError
from actlab.experiments.results import load as load_rows
from actlab.playground import Session, Setup
from actlab.training import Trainer

SMALL = "data=moons&n=120&hidden=6,6&seeds=2&batch=16&opt=sgd&lr=0.1&act=sigmoid&act=tanh&act=relu"


def _bytes(text):
    return np.frombuffer(base64.b64decode(text), dtype=np.uint8)


def test_start_step_pause_and_the_loss_goes_down():
    s = Session(SMALL)
    assert not s.running and s.epoch == 0
    s.start()
    assert s.running
    assert s.step(3) == 3
    s.step()  # the setup's epochs per frame (1)
    s.pause()
    assert not s.running and s.epoch == 4
    s.step(26)
    frame = s.frame()
    assert [lane["activation"] for lane in frame["lanes"]] == ["sigmoid", "tanh", "relu"]
    for lane in frame["lanes"]:
        curve = lane["curves"]["train_loss"]
        assert len(curve["mean"]) == 30 and curve["epochs"][-1] == 30
        assert curve["mean"][-1] < curve["mean"][0]
        assert all(lo <= m <= hi for lo, m, hi in zip(curve["lo"], curve["mean"], curve["hi"]))


def test_a_lane_replica_is_the_single_network_of_its_seed():
    """Stepping one epoch at a time with probes gives the numbers of one plain fit."""
    s = Session(SMALL)
    s.step(5)
    d = s.data
    net = actlab.Network(2, [6, 6], 2, activation="tanh", seeds=(1,))
    hist = Trainer("sgd", lr=0.1, epochs=5, batch_size=16).fit(
        net, d.X_train, d.y_train, X_test=d.X_test, y_test=d.y_test
    )
    lane = s.lanes[1]
    np.testing.assert_array_equal(lane.curve("train_loss")[1], hist["train_loss"][0])
    np.testing.assert_array_equal(lane.net.dense[0].params["W"][1], net.dense[0].params["W"][0])


def test_frame_draws_boundaries_neurons_bars_and_the_weight_path():
    s = Session(SMALL)
    s.step(10)
    f = s.frame()
    size = f["boundary_size"]
    boundaries = [_bytes(lane["boundary"]) for lane in f["lanes"]]
    assert all(b.size == size * size for b in boundaries)
    assert all(b.std() > 10 for b in boundaries)  # both classes appear on the plane
    assert np.abs(boundaries[0].astype(int) - boundaries[2]).mean() > 1  # sigmoid vs relu
    for lane in f["lanes"]:
        assert [len(layer) for layer in lane["neurons"]] == [6, 6]
        assert _bytes(lane["neurons"][0][0]["img"]).size == f["neuron_size"] ** 2
        assert all(0 <= v <= 1 for v in lane["layers"]["saturation"] + lane["layers"]["dead"])
        assert len(lane["layers"]["grad_W_norm"]) == 3 and lane["layers"]["grad_W_norm"][0] > 0
        path = lane["path"]
        assert path["layer"] == 2 and len(path["points"]) == 1 + 10 * 4  # 60 rows / 16: 4 steps
        assert path["points"][0] != path["points"][-1]
    relu = s.lanes[2]
    np.testing.assert_array_equal(
        f["lanes"][2]["layers"]["saturation"], relu.probes.series["saturation"][-1].mean(axis=0)
    )
    assert s.data_payload()["train"][0][2] in (0, 1)


def test_mean_or_seed0_boundary():
    s = Session(SMALL + "&view=seed0")
    s.step(5)
    seed0 = _bytes(s.frame()["lanes"][0]["boundary"])
    s.change("view=mean")
    assert s.epoch == 5  # a view setting does not retrain
    mean = _bytes(s.frame()["lanes"][0]["boundary"])
    assert not np.array_equal(seed0, mean)


def test_change_lr_keeps_training_other_changes_rebuild():
    s = Session(SMALL)
    s.step(3)
    s.change({"lr": "0.05"})
    assert s.epoch == 3 and s.lanes[0].trainer.optimizer.lr == 0.05
    plain = Session(SMALL)
    plain.step(3)
    s.change("l2=1")  # L2 applies from the next step on: the weights shrink against plain
    plain.change({"lr": "0.05"})
    s.step(3)
    plain.step(3)
    assert s.epoch == 6 and s.lanes[0].trainer.l2 == 1.0
    for a, b in zip(s.lanes, plain.lanes):
        shrunk, plain_w = a.net.dense[0].params["W"], b.net.dense[0].params["W"]
        assert np.linalg.norm(shrunk) < np.linalg.norm(plain_w)
    s.change("hidden=4,4&act=relu;tanh&act=elu:0.5")
    assert s.epoch == 0
    assert [a.name for a in s.lanes[0].net.activations] == ["relu", "tanh"]
    assert s.lanes[0].net.sizes == [2, 4, 4, 2]
    assert s.lanes[1].net.activations[0].config == {"alpha": 0.5}


def test_reset_gives_the_same_numbers_again():
    s = Session(SMALL)
    s.step(4)
    first = s.frame()
    s.reset()
    assert s.epoch == 0
    s.step(4)
    again = s.frame()
    assert first["lanes"] == again["lanes"]


@pytest.mark.parametrize(
    "query, message",
    [
        ("lr=0", "lr: got 0.0; allowed: a number in (0, 10]"),
        ("hidden=10000", "hidden: got '10000'; allowed: widths from 1 to 32"),
        ("hidden=8,8,8,8,8,8,8", "hidden: got '8,8,8,8,8,8,8'"),
        ("act=nosuch", "act: got 'nosuch'"),
        ("act=formula:__import__('os')", "act: got \"formula:__import__('os')\""),
        ("act=relu;tanh;elu", "act: got 'relu;tanh;elu'; allowed: one activation, or 2"),
        ("data=mnist", "data: got 'mnist'"),
        ("seeds=0", "seeds: got 0"),
        ("batch=x", "batch: got 'x'; allowed: an integer"),
        ("l2=-1", "l2: got -1.0; allowed: a number in [0, 10]"),
        ("evil=1", "setting: got 'evil'"),
        ("init=nosuch", "init: got 'nosuch'"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(query, message):
    s = Session(SMALL)
    s.step(2)
    before, lanes, weights = s.setup, list(s.lanes), s.lanes[0].net.flat_params.copy()
    with pytest.raises(ParameterError) as info:
        s.change(query)
    assert str(info.value).startswith(message) and "\n" not in str(info.value)
    assert s.setup is before and s.lanes == lanes and s.epoch == 2
    np.testing.assert_array_equal(s.lanes[0].net.flat_params, weights)


def test_the_url_reproduces_the_setup():
    setup = Setup.from_query(SMALL + "&act=formula:z*tanh(z)&view=seed0")
    assert Setup.from_query(setup.to_query()) == setup
    assert setup.activations[-1] == "formula:z*tanh(z)"
    a, b = Session(setup.to_query()), Session(setup.to_query())
    a.step(2)
    b.step(2)
    assert a.frame() == b.frame()


def test_export_is_a_run_directory_for_report_and_load(tmp_path):
    s = Session(SMALL)
    with pytest.raises(ParameterError, match="export: got 'epoch 0'"):
        s.export(tmp_path / "early")
    assert not (tmp_path / "early").exists()
    s.step(6)
    out = s.export(tmp_path / "run")
    rows = load_rows(out)
    assert len(rows) == 6 and set(rows["activation"]) == {"sigmoid", "tanh", "relu"}
    tanh = rows[(rows.activation == "tanh") & (rows.seed == 1)].iloc[0]
    assert tanh["final_train_loss"] == pytest.approx(s.lanes[1].curve("train_loss")[1, -1])
    assert (out / "report.html").is_file()
    comparison = actlab.load(out)
    assert sorted(comparison.table["activation"]) == ["relu", "sigmoid", "tanh"]
    net = comparison.network("tanh", seed=1)  # the trained network itself, reloaded
    np.testing.assert_array_equal(
        net.dense[0].params["W"][0], s.lanes[1].net.dense[0].params["W"][1]
    )
    proc = subprocess.run(
        [sys.executable, "-m", "actlab.cli", "report", str(out)],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    with pytest.raises(ParameterError, match="^out: got"):
        s.export(out)  # never overwrites a run


def test_per_layer_activations_and_formulas_export(tmp_path):
    s = Session("data=xor&n=80&hidden=4,4&seeds=1&act=relu;tanh&act=formula:z*sigmoid(z)")
    s.step(2)
    out = s.export(tmp_path / "run")
    assert list(load_rows(out)["activation"]) == ["relu;tanh", "formula:z*sigmoid(z)"]
    net = actlab.load(out).network("formula:z*sigmoid(z)")
    assert net.activations[0].name == "formula:z*sigmoid(z)"


def test_follow_another_unit_and_bad_choices():
    s = Session(SMALL)
    s.step(2)
    s.change("follow=1.3")  # the first weight layer's third unit: weights from x1 and x2
    lane = s.lanes[0]
    W = lane.net.dense[0].params["W"]
    assert s.epoch == 2
    assert lane.path[0] == (round(float(W[0, 0, 2]), 5), round(float(W[0, 1, 2]), 5))
    s.step(1)
    path = s.frame()["lanes"][0]["path"]
    assert (path["layer"], path["unit"], len(path["points"])) == (1, 3, 1 + 4)
    for bad in ("follow=4.1", "follow=1.7", "follow=x", "follow=0.1"):
        with pytest.raises(ParameterError, match="^follow: got"):
            s.change(bad)
    assert s.setup.follow == "1.3"
    s.change("hidden=3")  # a new network: the followed unit goes back to the default
    assert s.setup.follow == "" and s.lanes[0].path_layer == 1
