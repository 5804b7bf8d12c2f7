"""The shared argument checks (actlab.errors), and rules that must be written once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import actlab
from actlab.errors import (
    ParameterError,
    UnknownNameError,
    check_choice,
    check_flag,
    check_int,
    is_int,
    is_real,
)
from actlab.optimizers import GD, SGD, Adam, get_optimizer, takes_momentum


@pytest.mark.parametrize("value", [1, 7, np.int64(3), np.uint8(2)])
def test_check_int_accepts_positive_integers(value):
    out = check_int("epochs", value)
    assert out == int(value) and type(out) is int


@pytest.mark.parametrize("value", [0, -1, 2.0, "3", True, np.bool_(True), None, 1.5])
def test_check_int_refuses_the_rest_by_name(value):
    with pytest.raises(ParameterError, match=r"^epochs: got .*; allowed: a positive integer$"):
        check_int("epochs", value)


def test_check_int_minimum_and_what_the_user_typed():
    assert check_int("n_classes", 2, 2) == 2
    with pytest.raises(ParameterError, match=r"n_classes: got 1; allowed: an integer >= 2"):
        check_int("n_classes", 1, 2)
    with pytest.raises(ParameterError, match=r"--epochs: got '0'; allowed: a positive integer"):
        check_int("--epochs", 0, given="0")


def test_check_flag():
    assert check_flag("shuffle", True) is True and check_flag("shuffle", np.bool_(False)) is False
    for bad in (1, 0, "yes", None):
        with pytest.raises(ParameterError, match=r"shuffle: got .*; allowed: True or False"):
            check_flag("shuffle", bad)


def test_check_choice_suggests_the_closest():
    assert check_choice("optimizer", "adam", ["sgd", "adam"]) == "adam"
    with pytest.raises(UnknownNameError, match="did you mean 'adam'"):
        check_choice("optimizer", "adma", ["sgd", "adam"])


def test_is_int_and_is_real():
    assert is_int(3) and is_int(np.int32(3)) and not is_int(True) and not is_int(3.0)
    assert is_real(3) and is_real(2.5) and is_real(np.float32(1)) and not is_real(False)
    assert not is_real("1") and not is_real(1j)


def test_gd_and_adam_take_no_momentum_sgd_does():
    assert (SGD.takes_momentum, GD.takes_momentum, Adam.takes_momentum) == (True, False, False)
    assert get_optimizer("sgd", lr=0.1, momentum=0.5).momentum == 0.5
    assert get_optimizer("nesterov", lr=0.1, momentum=0.5).nesterov
    gd = get_optimizer("gd", lr=0.1, momentum=0.5, nesterov=True)
    assert isinstance(gd, GD) and gd.momentum == 0.0
    assert isinstance(get_optimizer("adam", lr=0.1, momentum=0.5), Adam)
    assert [takes_momentum(n) for n in ("sgd", "nesterov", "gd", "adam")] == [1, 1, 0, 0]
    with pytest.raises(UnknownNameError, match="did you mean 'adam'"):
        takes_momentum("adma")


def test_the_momentum_rule_is_written_once():
    """Callers pass momentum to every optimizer alike; only optimizers.py decides."""
    src = Path(actlab.__file__).parent
    hits = [
        p.relative_to(src).as_posix()
        for p in src.rglob("*.py")
        if '("gd", "adam")' in p.read_text() or '!= "gd"' in p.read_text()
    ]
    assert hits == []
