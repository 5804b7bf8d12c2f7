"""Saved networks: arrays in one .npz with a JSON description; identical predictions after reload."""

import json
import zipfile

import numpy as np
import pytest

from actlab import Network, Trainer, load_dataset, register_activation
from actlab.activations import unregister_activation
from actlab.errors import DataError
from actlab.saving import load_network, read_description, save_network, select_replica


def _trained(dtype, **kwargs):
    data = load_dataset("digits", dtype=dtype)
    net = Network(64, n_outputs=10, seeds=(0, 1), dtype=dtype, **kwargs)
    Trainer("adam", lr=0.01, epochs=2, batch_size=64).fit(net, data.X_train, data.y_train)
    return net, data


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "kwargs",
    [
        {"hidden": [16, 12], "activation": ["prelu", "swish"]},
        {"hidden": [8], "activation": "leaky_relu:0.2", "output": "softmax", "init": "prototype"},
        {
            "arch": "conv2d:4x3:p1,act,maxpool2d:2,flatten,dense:10",
            "activation": "swish:1.5",
            "input_shape": (8, 8, 1),
        },
        {
            "arch": "conv2d:3x3,prelu,flatten,dense:12,act,dense:10",
            "activation": "selu",
            "input_shape": (8, 8, 1),
        },
    ],
    ids=["mlp-prelu-swish", "mlp-leaky", "conv-swish", "conv-prelu"],
)
def test_reload_predicts_identically(tmp_path, dtype, kwargs):
    net, data = _trained(dtype, **kwargs)
    path = net.save(tmp_path / "net")
    assert path.name == "net.npz"
    back = Network.load(path)
    assert back.dtype == np.dtype(dtype) and back.seeds == [0, 1]
    for (n1, p1, _), (n2, p2, _) in zip(net.parameters(), back.parameters()):
        assert n1 == n2 and p1.dtype == p2.dtype
        np.testing.assert_array_equal(p1, p2)
    np.testing.assert_array_equal(net.logits(data.X_test), back.logits(data.X_test))
    assert repr(back) == repr(net)


def test_learned_prelu_and_trainable_swish_are_stored(tmp_path):
    net, _ = _trained("float64", hidden=[10, 10], activation=["prelu:0.25", "swish"])
    trained = {name: p.copy() for name, p, _ in net.parameters() if name.startswith("act")}
    assert "act0.alpha" in trained and trained["act0.alpha"].ravel()[0] != 0.25
    save_network(net, tmp_path / "n.npz")
    description = read_description(tmp_path / "n.npz")
    assert description["activations"][0] == {
        "name": "prelu",
        "config": {"init": 0.25, "per_unit": False},
    }
    assert description["parameters"]["act0.alpha"]["dtype"] == "float64"
    back, _ = load_network(tmp_path / "n.npz")
    np.testing.assert_array_equal(back.activations[0].params["alpha"], trained["act0.alpha"])


def test_trainable_swish_beta_round_trip(tmp_path):
    from actlab.activations import get_activation

    net, data = _trained(
        "float32", hidden=[12], activation=[get_activation("swish", trainable=True)]
    )
    beta = net.activations[0].params["beta"].copy()
    assert not np.allclose(beta, 1.0)  # it learned
    back = Network.load(net.save(tmp_path / "s.npz"))
    np.testing.assert_array_equal(back.activations[0].params["beta"], beta)
    np.testing.assert_array_equal(back.logits(data.X_test), net.logits(data.X_test))


def test_file_is_plain_npz_without_pickle_and_json_description(tmp_path):
    net, _ = _trained("float32", hidden=[6], activation="tanh")
    path = net.save(tmp_path / "plain.npz")
    with zipfile.ZipFile(path) as zf:
        names = sorted(zf.namelist())
    assert names == sorted(
        ["description.npy", "dense0.W.npy", "dense0.b.npy", "dense1.W.npy", "dense1.b.npy"]
    )
    with np.load(path, allow_pickle=False) as z:  # readable with pickle refused
        description = json.loads(str(z["description"]))
        assert z["dense0.W"].shape == (2, 64, 6)
    assert description["format"] == "actlab-network" and description["format_version"] == 1
    assert description["hidden"] == [6] and description["dtype"] == "float32"


def test_a_pickled_array_in_the_file_is_refused(tmp_path):
    net, _ = _trained("float32", hidden=[6], activation="tanh")
    path = net.save(tmp_path / "n.npz")
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["dense0.W"] = np.array([object()], dtype=object)  # an object array needs pickle
    np.savez(tmp_path / "evil.npz", **arrays, allow_pickle=True)
    with pytest.raises(DataError, match="evil.npz: not a readable .npz without pickled objects"):
        Network.load(tmp_path / "evil.npz")


def test_bad_files_are_one_line_errors(tmp_path):
    net, _ = _trained("float32", hidden=[6], activation="tanh")
    path = net.save(tmp_path / "n.npz")
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    wrong = dict(arrays, **{"dense0.W": arrays["dense0.W"][:, :10]})
    np.savez(tmp_path / "shape.npz", **wrong)
    with pytest.raises(DataError, match=r"dense0.W has shape \(2, 10, 6\)"):
        Network.load(tmp_path / "shape.npz")
    partial = {k: v for k, v in arrays.items() if k != "dense1.b"}
    np.savez(tmp_path / "missing.npz", **partial)
    with pytest.raises(DataError, match="missing: dense1.b"):
        Network.load(tmp_path / "missing.npz")
    newer = json.loads(str(arrays["description"]))
    newer["format_version"] = 99
    np.savez(tmp_path / "v99.npz", **dict(arrays, description=np.array(json.dumps(newer))))
    with pytest.raises(DataError, match="format version 99"):
        Network.load(tmp_path / "v99.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(DataError, match="junk.npz"):
        Network.load(tmp_path / "junk.npz")
    with pytest.raises(DataError, match="no such network file"):
        Network.load(tmp_path / "absent.npz")


def test_custom_activation_needs_registering_before_load(tmp_path):
    register_activation(
        "cube_root_soft",
        lambda z: z / (1 + np.abs(z)) ** 0.5,
        lambda z: (1 + 0.5 * np.abs(z)) / (1 + np.abs(z)) ** 1.5,
        overwrite=True,
    )
    try:
        net, data = _trained("float64", hidden=[7], activation="cube_root_soft")
        path = net.save(tmp_path / "c.npz")
        back = Network.load(path)
        np.testing.assert_array_equal(back.logits(data.X_test), net.logits(data.X_test))
    finally:
        unregister_activation("cube_root_soft")
    with pytest.raises(
        DataError, match="cannot rebuild the network: activation: got 'cube_root_soft'"
    ):
        Network.load(path)


def test_select_replica_keeps_one_seed(tmp_path):
    net, data = _trained("float32", hidden=[9], activation="relu")
    one = select_replica(net, 1)
    assert one.seeds == [1] and one.n_replicas == 1
    np.testing.assert_array_equal(one.logits(data.X_test)[0], net.logits(data.X_test)[1])


def test_run_directory_keeps_each_groups_final_network(tmp_path):
    """weights/GROUP.npz reproduces the final test accuracy the records hold, seed by seed."""
    from actlab.experiments.spec import Spec
    from actlab.experiments.sweep import run_spec

    spec = Spec(
        activations=["relu", "prelu"],
        inits=["auto"],
        datasets=["moons"],
        hidden=[[8]],
        epochs=3,
        seeds=[0, 1],
        workers=1,
        probes=False,
    ).validate()
    result = run_spec(spec, out=tmp_path / "run", progress="none")
    data = load_dataset("moons")
    files = sorted((tmp_path / "run" / "weights").glob("*.npz"))
    assert len(files) == 2
    for rec in result.records:
        assert "_weights_npz" not in rec  # bytes never reach records.jsonl
        net = Network.load(tmp_path / "run" / "weights" / f"{rec['group_id']}.npz")
        assert net.seeds == [0, 1] and net.activations[0].name == rec["activation"]
        r = net.seeds.index(rec["seed"])
        acc = float(np.mean(net.logits(data.X_test)[r].argmax(axis=1) == data.y_test))
        assert acc == pytest.approx(rec["test_acc"][-1], abs=1e-12)
