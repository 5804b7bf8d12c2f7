"""Any numeric CSV file with a named label column."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from actlab.errors import DataError, ParameterError

from .base import (
    _REQUIRED,
    _check_bool,
    _check_dtype,
    _check_path,
    _check_seed,
    _check_task,
    _check_test_size,
)
from .splits import _encode_labels, _parses_as_float, _split_and_finish

# --------------------------------------------------------------------------- CSV


def _load_csv(*, path, label, task, delimiter, seed, test_size, standardize, dtype):
    p = _check_path("csv", path)
    if label is _REQUIRED or label is None:
        raise ParameterError(
            "label", None, "the name of the label column in the CSV header (required)"
        )
    if not isinstance(label, str) or not label.strip():
        raise ParameterError("label", label, "a column name (a non-empty string)")
    label = label.strip()
    task = _check_task(task)
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ParameterError("delimiter", delimiter, "a single character such as ',' or ';'")
    seed, test_size = _check_seed(seed), _check_test_size(test_size)
    standardize, dt = _check_bool("standardize", standardize), _check_dtype(dtype)
    if not p.exists():
        raise DataError(
            f"csv: path {str(p)!r} does not exist; expected a CSV file with a header row"
        )
    if not p.is_file():
        raise DataError(f"csv: path {str(p)!r} is not a file")

    X, raw_labels, names, line_of_row = _read_csv(p, label, delimiter)
    try:
        y, task, classes = _encode_labels(raw_labels, task, f"{p}: column {label!r}")
    except DataError:
        # name the line of the offending label, not only its row index
        if task == "regression":
            row = next(i for i, v in enumerate(raw_labels) if not _parses_as_float(v))
            raise DataError(
                f"{p}: line {line_of_row[row]}, column {label!r}: label {str(raw_labels[row])!r} is not "
                "a number (task='regression' needs numeric labels)"
            ) from None
        raise
    return _split_and_finish(
        p.stem,
        X,
        y,
        task=task,
        classes=classes,
        test_size=test_size,
        seed=seed,
        standardize=standardize,
        dtype=dt,
        feature_names=names,
        description=f"CSV file {p.name}: {X.shape[0]} rows, {X.shape[1]} features, label {label!r} ({task})",
        source=str(p),
        options={
            "path": str(p),
            "label": label,
            "task": task,
            "delimiter": delimiter,
            "seed": seed,
            "test_size": test_size,
            "standardize": standardize,
            "dtype": dt.name,
        },
    )


def _read_csv(p: Path, label: str, delimiter: str):
    """Parse a numeric CSV; every bad cell raises DataError with file, line, column, value."""
    try:
        fh = open(p, newline="", encoding="utf-8-sig")  # noqa: SIM115 - closed by `with` below
    except OSError as exc:
        raise DataError(f"{p}: cannot open ({exc.strerror or exc})") from None
    with fh:
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            header = next(reader, None)
            while header is not None and not any(cell.strip() for cell in header):
                header = next(reader, None)
            if header is None:
                raise DataError(
                    f"{p}: empty file; expected a header row of column names, then data rows"
                )
            header = [h.strip() for h in header]
            dupes = sorted({h for h in header if header.count(h) > 1})
            if dupes:
                raise DataError(f"{p}: line {reader.line_num}: duplicate column name(s) {dupes}")
            if label not in header:
                raise DataError(
                    f"{p}: no column {label!r} for the label; columns found: {', '.join(header)}"
                )
            li = header.index(label)
            names = [h for i, h in enumerate(header) if i != li]
            if not names:
                raise DataError(
                    f"{p}: only the label column {label!r}; need at least one feature column"
                )
            rows, labels, lines = [], [], []
            for cells in reader:
                if not any(cell.strip() for cell in cells):
                    continue  # blank line
                line = reader.line_num
                if len(cells) != len(header):
                    raise DataError(
                        f"{p}: line {line}: {len(cells)} cells, but the header has {len(header)} columns"
                    )
                row = []
                for i, cell in enumerate(cells):
                    if i == li:
                        continue
                    text = cell.strip()
                    try:
                        value = float(text)
                    except ValueError:
                        what = "an empty cell" if not text else f"value {text!r} is not a number"
                        raise DataError(f"{p}: line {line}, column {header[i]!r}: {what}") from None
                    if not math.isfinite(value):
                        raise DataError(
                            f"{p}: line {line}, column {header[i]!r}: value {text!r} is not finite "
                            "(NaN or inf are refused)"
                        )
                    row.append(value)
                text = cells[li].strip()
                if not text:
                    raise DataError(f"{p}: line {line}, column {label!r}: empty label")
                if _parses_as_float(text) and not math.isfinite(float(text)):
                    raise DataError(
                        f"{p}: line {line}, column {label!r}: label {text!r} is not finite "
                        "(NaN or inf are refused)"
                    )
                rows.append(row)
                labels.append(text)
                lines.append(line)
        except csv.Error as exc:
            raise DataError(f"{p}: line {reader.line_num}: malformed CSV ({exc})") from None
        except UnicodeDecodeError as exc:
            raise DataError(f"{p}: not UTF-8 text ({exc.reason})") from None
    if not rows:
        raise DataError(f"{p}: header only, no data rows")
    raw = np.array(labels)
    if all(_parses_as_float(v) for v in labels):
        raw = raw.astype(np.float64)
    return np.array(rows, dtype=np.float64), raw, names, lines
