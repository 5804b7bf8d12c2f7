"""Saved networks: one ``.npz`` file holding every array and a JSON description; never pickle.

The file is an ordinary NumPy ``.npz``. Its entry ``description`` is a JSON string (format,
versions, the constructor arguments: input and output sizes, hidden sizes or the architecture
string, each activation's name and parameters, output head, init, seeds, dtype), and every other
entry is one learnable array under the name ``Network.parameters()`` gives it (``dense0.W``,
``conv1.b``, ``act0.alpha``, ...), replica axis first. Loading reads it with
``np.load(allow_pickle=False)``, rebuilds the network from the description and copies the arrays
in, checking every name, shape and dtype: a file can hold only numbers and text, so loading it
runs no code. Custom activations must be registered (``register_activation``) before loading a
network that uses them, since their formulas are code and are not stored.

The random streams are not stored: a loaded network predicts exactly like the saved one, and
training it further draws minibatch orders from the start of each seed's stream.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np

from .errors import DataError, ParameterError

FORMAT = "actlab-network"
FORMAT_VERSION = 1
_DESCRIPTION = "description"
_NPZ_ERRORS = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile)


def _output_name(head) -> str:
    from .losses import _LOSSES

    for name, cls in _LOSSES.items():
        if type(head) is cls:
            return name
    raise ParameterError("output", head, "a head of " + ", ".join(_LOSSES))  # pragma: no cover


def _activation_entry(act) -> dict:
    return {"name": act.name, "config": dict(act.config)}


def _template(net):
    """For an ``arch`` network: the activation the token ``act`` stood for (None if unused)."""
    from .arch import parse_arch

    acts = iter(net.activations)
    for spec in parse_arch(net.arch):
        if spec["kind"] == "act":
            return _activation_entry(next(acts))
        if spec["kind"] == "activation":
            next(acts)
    return None


def describe_network(net) -> dict:
    """The JSON-ready description ``save_network`` stores (everything but the arrays)."""
    from ._version import __version__

    mlp = len(net.layers) == 2 * len(net.activations) + 1 == 2 * len(net.dense) - 1
    if net.arch is None and not mlp:
        raise ParameterError(
            "network", net, "a network built from hidden sizes or an arch string (not a list)"
        )
    description = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "actlab_version": __version__,
        "n_inputs": int(net.sizes[0]),
        "n_outputs": int(net.sizes[-1]),
        "output": _output_name(net.head),
        "init": net.init,
        "seeds": list(net.seeds),
        "dtype": net.dtype.name,
        "input_shape": list(net.input_shape),
        "arch": net.arch,
    }
    if net.arch is None:
        description["hidden"] = [int(h) for h in net.sizes[1:-1]]
        description["activations"] = [_activation_entry(a) for a in net.activations]
    else:
        description["act"] = _template(net)
    description["parameters"] = {
        name: {"shape": list(array.shape), "dtype": array.dtype.name}
        for name, array, _ in net.parameters()
    }
    return description


def save_network(net, path, extra: dict | None = None) -> Path:
    """Write ``net`` to ``path`` (``.npz`` appended if missing); returns the path written.

    ``extra``: JSON-able metadata stored beside the description (e.g. an estimator's classes),
    returned by ``load_network``. The file is written to a temporary name and renamed, so a
    reader never sees half a file.
    """
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    return write_bytes(network_bytes(net, extra), path)


def network_bytes(net, extra: dict | None = None) -> bytes:
    """The bytes of the ``.npz`` file ``save_network`` writes (to ship from a worker process)."""
    description = describe_network(net)
    if extra is not None:
        description["extra"] = extra
    arrays = {name: np.ascontiguousarray(array) for name, array, _ in net.parameters()}
    text = json.dumps(description, indent=1, allow_nan=False)
    buffer = io.BytesIO()
    np.savez(buffer, **{_DESCRIPTION: np.array(text)}, **arrays)
    return buffer.getvalue()


def write_bytes(data: bytes, path) -> Path:
    """Write ``data`` to a temporary name beside ``path`` and rename: never half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def read_description(path) -> dict:
    """The JSON description of a saved network, without building it."""
    description, _ = _read(Path(path), arrays=False)
    return description


def _read(path: Path, arrays: bool):
    try:
        with np.load(path, allow_pickle=False) as z:
            if _DESCRIPTION not in z.files:
                raise DataError(f"{path}: not an actlab network (no {_DESCRIPTION!r} entry)")
            raw = z[_DESCRIPTION]
            if raw.dtype.kind != "U" or raw.ndim != 0:
                raise DataError(f"{path}: {_DESCRIPTION!r} must be one JSON string")
            values = {k: np.array(z[k]) for k in z.files if k != _DESCRIPTION} if arrays else {}
    except DataError:
        raise
    except _NPZ_ERRORS as exc:
        raise DataError(f"{path}: not a readable .npz without pickled objects ({exc})") from None
    try:
        description = json.loads(str(raw))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: the description is not valid JSON ({exc})") from None
    if not isinstance(description, dict) or description.get("format") != FORMAT:
        raise DataError(f"{path}: not an actlab network (format is not {FORMAT!r})")
    if description.get("format_version") != FORMAT_VERSION:
        raise DataError(
            f"{path}: network format version {description.get('format_version')!r}; this "
            f"actlab reads version {FORMAT_VERSION}"
        )
    return description, values


def _build(description: dict, path: Path):
    from .activations import get_activation
    from .network import Network

    try:
        keys = ("n_inputs", "n_outputs", "output", "init", "seeds", "dtype", "input_shape")
        common = {key: description[key] for key in keys}
        if description["arch"] is None:
            acts = [get_activation(a["name"], **a["config"]) for a in description["activations"]]
            return Network(hidden=description["hidden"], activation=acts, **common)
        act = description["act"]
        template = "relu" if act is None else get_activation(act["name"], **act["config"])
        return Network(arch=description["arch"], activation=template, **common)
    except KeyError as exc:
        raise DataError(f"{path}: the description lacks {exc.args[0]!r}") from None
    except ParameterError as exc:
        raise DataError(f"{path}: cannot rebuild the network: {exc}") from None


def load_network(path):
    """``(network, extra)`` from a file written by ``save_network`` (see the module docstring)."""
    path = Path(path)
    if not path.exists() and path.suffix != ".npz" and path.with_name(path.name + ".npz").exists():
        path = path.with_name(path.name + ".npz")
    if not path.is_file():
        raise DataError(f"{path}: no such network file")
    description, values = _read(path, arrays=True)
    net = _build(description, path)
    params = {name: array for name, array, _ in net.parameters()}
    missing = sorted(set(params) - set(values))
    unknown = sorted(set(values) - set(params))
    if missing or unknown:
        raise DataError(
            f"{path}: arrays do not match the described network (missing: "
            f"{', '.join(missing) or 'none'}; unexpected: {', '.join(unknown) or 'none'})"
        )
    for name, target in params.items():
        value = values[name]
        if value.shape != target.shape or value.dtype != target.dtype:
            raise DataError(
                f"{path}: {name} has shape {value.shape} {value.dtype}; the network needs "
                f"{target.shape} {target.dtype}"
            )
        target[...] = value  # in place: the arrays are views of the fused parameter block
    return net, description.get("extra")


def select_replica(net, index: int):
    """A new single-replica network holding replica ``index`` of ``net`` (same seed and values)."""
    from .network import Network  # noqa: F401 - documents the type returned

    if not 0 <= index < net.n_replicas:
        raise ParameterError("replica", index, f"0..{net.n_replicas - 1}")
    description = describe_network(net)
    description["seeds"] = [net.seeds[index]]
    one = _build(description, Path("<memory>"))
    for (_, target, _), (_, source, _) in zip(one.parameters(), net.parameters()):
        target[...] = source[index : index + 1]
    return one
