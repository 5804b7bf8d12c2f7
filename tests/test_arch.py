"""The architecture grammar's one kind -> class table, and the network's one build path."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import numpy as np
import pytest

import actlab
from actlab import layers
from actlab.arch import LAYER_KINDS, infer_shapes, mlp_specs, parse_arch, spatial_axes
from actlab.errors import ParameterError
from actlab.network import Network

SRC = Path(actlab.__file__).parent


def test_every_layer_class_has_exactly_one_kind_in_the_table():
    classes = [
        c
        for _, c in inspect.getmembers(layers, inspect.isclass)
        if hasattr(c, "forward") and hasattr(c, "kind")
    ]
    assert sorted(c.kind for c in classes) == sorted(LAYER_KINDS)
    for cls in classes:
        assert LAYER_KINDS[cls.kind] is cls


def _kind_dispatches(tree, kinds):
    """Lines where a layer kind string is compared, tested with startswith, or used as a key."""
    hits = []
    for node in ast.walk(tree):
        strings = []
        if isinstance(node, ast.Compare):
            for part in (node.left, *node.comparators):
                if isinstance(part, (ast.Tuple, ast.List, ast.Set)):
                    strings += part.elts
                else:
                    strings.append(part)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "startswith":
            for arg in node.args:
                strings += arg.elts if isinstance(arg, ast.Tuple) else [arg]
        elif isinstance(node, ast.Dict):
            strings += [k for k in node.keys if k is not None]
        hits += [
            node.lineno
            for s in strings
            if isinstance(s, ast.Constant) and isinstance(s.value, str) and s.value.lower() in kinds
        ]
    return sorted(set(hits))


def test_no_module_dispatches_on_layer_kind_strings():
    """The kind of a layer is looked up in arch.LAYER_KINDS, never matched as a string.

    report/ is left out: its heatmap panels have a "dense" kind of their own (a row label).
    """
    kinds = set(LAYER_KINDS)
    found = {}
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("report/"):
            continue
        lines = _kind_dispatches(ast.parse(path.read_text()), kinds)
        if lines:
            found[rel] = lines
    assert found == {}


def test_the_scan_finds_a_string_dispatch():
    """The scan above is not vacuous: the forms the old code used are caught."""
    code = (
        'if kind == "dense": pass\n'
        'x = first.startswith(("conv2d", "maxpool2d"))\n'
        'table = {"maxpool1d": 1}\n'
        'y = kind in ("conv1d", "conv2d", "dense")\n'
    )
    assert _kind_dispatches(ast.parse(code), set(LAYER_KINDS)) == [1, 2, 3, 4]


@pytest.mark.parametrize(
    "arch, axes",
    [
        ("conv2d:3x3,relu,flatten", 2),
        ("avgpool1d:2", 1),
        ("maxpool2d:2", 2),
        ("dense:5", 0),
        ("relu,dense:3", 0),
        ("flatten,dense:3", 0),
        ("conv1d:2x3", 1),
    ],
)
def test_spatial_axes_of_the_first_layer(arch, axes):
    assert spatial_axes(parse_arch(arch)[0]) == axes


def test_an_mlp_is_an_architecture():
    """hidden=[...] builds exactly what the same layers written as an arch string build."""
    kw = {"n_outputs": 3, "activation": "tanh", "seeds": [4, 5], "init": "xavier_normal"}
    mlp = Network(6, [5, 4], **kw)
    arch = Network(6, arch="dense:5,act,dense:4,act", **kw)
    np.testing.assert_array_equal(mlp.flat_params, arch.flat_params)
    x = np.random.default_rng(0).normal(size=(7, 6)).astype(np.float32)
    np.testing.assert_array_equal(mlp.forward(x), arch.forward(x))
    assert [type(a) for a in mlp.layers] == [type(a) for a in arch.layers]
    assert mlp.sizes == [6, 5, 4, 3] and repr(mlp).startswith("Network(6-5-4-3,")


def test_mlp_specs_with_one_activation_per_layer():
    specs = mlp_specs([8, 4], ["maxout:2", "relu"])
    assert [s["kind"] for s in specs] == ["dense", "activation", "dense", "activation"]
    assert infer_shapes([*specs, {"kind": "dense", "units": 2}], (5,)) == [
        (16,),
        (8,),
        (4,),
        (4,),
        (2,),
    ]
    with pytest.raises(ParameterError, match="one activation or a list of 2"):
        mlp_specs([8, 4], ["relu"])


def test_layers_expose_the_input_they_saw():
    net = Network(
        40,
        n_outputs=3,
        arch="conv1d:2x3,relu,maxpool1d:2,flatten,dense:4,relu",
        input_shape=(40, 1),
        seeds=[0],
    )
    x = np.random.default_rng(1).normal(size=(5, 40)).astype(np.float32)
    net.forward(x)
    conv, pool, flat, dense1, dense2 = [layer for layer in net.layers if hasattr(layer, "input")]
    assert conv.input.shape == (1, 5, 40, 1)
    assert pool.input.shape == (1, 5, 38, 2) and flat.input.shape == (1, 5, 19, 2)
    assert dense1.input.shape == (1, 5, 38) and dense2.input.shape == (1, 5, 4)
    assert net.dense == [conv, dense1, dense2]
