"""Formula activations: a whitelist parser (never eval), SymPy derivatives, stable NumPy forms."""

import subprocess
import sys

import numpy as np
import pytest

import actlab
from actlab.activations import get_activation
from actlab.activations.formula import compile_formula, parse, stable_form
from actlab.errors import ParameterError
from actlab.experiments.results import load as load_rows


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os')",
        "__import__('os').system('true')",
        "z.real",
        "lambda z: z",
        "os",
        "x + 1",
        "getattr(z, 'x')",
        "[z]",
        "z if z else 1",
        "z < 1",
        "open('f')",
        "eval('z')",
        "True * z",
        "'z'",
        "sigmoid(z, 2)",
        "tanh(z=1)",
        "2 ** 3 ** 4 ** 5",
        "z * 1e9",
        "",
        "z @ z",
        "{z}",
        "(z).__class__",
    ],
)
def test_parser_refuses_what_is_not_on_the_whitelist(text):
    with pytest.raises(ParameterError, match="^formula: got"):
        parse(text)


def test_refusing_never_runs_the_text(tmp_path):
    marker = tmp_path / "ran"
    with pytest.raises(ParameterError):
        get_activation(f"formula:__import__('pathlib').Path({str(marker)!r}).touch()")
    assert not marker.exists()


@pytest.mark.parametrize(
    "text, reference",
    [
        ("z * sigmoid(1.702 * z)", lambda z: z / (1 + np.exp(-1.702 * z))),
        ("log(1 + exp(z)) * tanh(z)", lambda z: np.log1p(np.exp(z)) * np.tanh(z)),
        ("z^2 / (1 + abs(z))", lambda z: z * z / (1 + np.abs(z))),
        ("erf(z) + 0.1 * sin(pi * z)", None),
    ],
)
def test_derivative_equals_finite_differences(text, reference):
    act = get_activation("formula:" + text)
    z = np.linspace(-5.0, 5.0, 401) + 0.0123  # off the kink of abs at 0
    h = 1e-6
    numeric = (act(z + h) - act(z - h)) / (2 * h)
    np.testing.assert_allclose(act.derivative(z), numeric, rtol=1e-5, atol=1e-7)
    if reference is not None:
        np.testing.assert_allclose(act(z), reference(z), rtol=1e-12, atol=1e-12)


def test_stable_forms_replace_overflowing_exponentials():
    expr = stable_form(parse("log(1 + exp(z)) * tanh(z)"))
    assert "softplus" in str(expr) and "exp" not in str(expr)
    expr = stable_form(parse("z / (1 + exp(-z))"))
    assert "sigmoid" in str(expr) and "exp" not in str(expr)
    act = get_activation("formula:log(1 + exp(z)) * tanh(z)")
    for dtype in (np.float32, np.float64):
        z = np.array([-1e4, -100.0, 0.0, 100.0, 1e4], dtype=dtype)
        with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow is fine
            out, slope = act(z), act.derivative(z)
        assert out.dtype == dtype and slope.dtype == dtype
        np.testing.assert_allclose(out[-2:], z[-2:], rtol=1e-6)
        np.testing.assert_allclose(slope[[0, 2, -1]], [0.0, np.log(2.0), 1.0], atol=1e-6)


@pytest.mark.parametrize(
    "text, why",
    [
        ("exp(z)", "inf at z="),
        ("log(z)", "nan at z="),
        ("1 / z", "inf at z=0"),
        ("sqrt(z)", "nan at z="),
        ("z / z", "does not depend on z"),
    ],
)
def test_formulas_that_overflow_or_are_undefined_are_refused(text, why):
    with pytest.raises(ParameterError, match=why):
        get_activation("formula:" + text)


def test_a_formula_is_an_activation_everywhere(tmp_path):
    act = get_activation("formula: z * sigmoid(1.702*z) ")
    assert act.name == "formula:z*sigmoid(1.702*z)"
    assert act.family == "relu"  # ~0 on the left, ~z on the right: He init under auto
    net = actlab.Network(2, [5], 2, activation="formula:z*tanh(z)", seeds=(0, 1))
    assert net.activations[0].name == "formula:z*tanh(z)"
    cls = actlab.register_activation("test_gelu_sigmoid", "z * sigmoid(1.702 * z)")
    try:
        got = get_activation("test_gelu_sigmoid")
        z = np.array([-1.0, 0.5, 2.0])
        np.testing.assert_allclose(got(z), act(z))
        assert cls.formula == "f(z) = z * sigmoid(1.702 * z)"
    finally:
        actlab.activations.unregister_activation("test_gelu_sigmoid")
    with pytest.raises(ParameterError, match="derivative"):
        actlab.register_activation("test_bad", "z", lambda z: z)


def test_cli_runs_a_formula_activation(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "actlab.cli",
            "compare",
            "--activations",
            "relu,formula:z * sigmoid(1.702 * z)",
            "--dataset",
            "moons",
            "--hidden",
            "8",
            "--epochs",
            "2",
            "--seeds",
            "2",
            "--init",
            "auto",
            "--no-probes",
            "--quiet",
            "--out",
            str(out),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    rows = load_rows(out)
    assert sorted(set(rows["activation"])) == ["formula:z * sigmoid(1.702 * z)", "relu"]
    assert rows["final_test_acc"].notna().all()
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "actlab.cli",
            "compare",
            "--activations",
            "formula:os.system(1)",
            "--out",
            str(tmp_path / "bad"),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "formula: got" in bad.stderr
    assert not (tmp_path / "bad").exists()


def test_compile_caches_and_checks_once():
    first = compile_formula("z * tanh(z)")
    assert compile_formula("z * tanh(z)") is first


def test_a_toml_spec_takes_a_formula(tmp_path):
    from actlab.experiments.spec import Spec

    path = tmp_path / "spec.toml"
    path.write_text(
        'activations = ["relu", "formula:log(1 + exp(z)) * tanh(z)"]\ndatasets = ["moons"]\n'
    )
    spec = Spec.from_toml(path)
    assert spec.activations[1] == "formula:log(1 + exp(z)) * tanh(z)"
    path.write_text('activations = ["formula:exp(z)"]\n')
    with pytest.raises(ParameterError, match="formula: got 'exp\\(z\\)'.*inf at z="):
        Spec.from_toml(path).validate()
