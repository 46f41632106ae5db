"""Results tables on disk: atomic writes, and reading a table so that names stay names.

Every neuropipe table (``results.csv``, ``summary.csv``, ``failures.csv``, the task store's
``tasks/<key>.csv``) is written through :func:`write_csv_atomic` (a kill never leaves half a
file) and read through :func:`read_results` (pipeline names such as ``"NA"`` stay strings).
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from .._validation import error_naming_path
from ..evaluation.protocols import RESULT_COLUMNS

__all__ = [
    "TEXT_COLUMNS",
    "atomic_write_bytes",
    "check_results_table",
    "integer_subjects",
    "read_results",
    "write_csv_atomic",
]

#: Text columns of a results table: read as strings, so "NA" or "None" stay names.
TEXT_COLUMNS = ("session", "dataset", "pipeline", "evaluation", "scoring", "family", "state")

_NAN_TEXT = ["", "nan", "NaN"]


@contextmanager
def atomic_file(path: Path, suffix: str = ".tmp"):
    """Yield a temporary path beside ``path`` to write; on success it gets the usual file
    mode and is renamed over ``path``, on any error it is removed (an ``OSError`` names
    ``path``), so a kill never leaves half a file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        umask = os.umask(0)  # mkstemp makes the file private; give it the usual mode
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise error_naming_path(exc, path) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``."""
    with atomic_file(path) as tmp, os.fdopen(os.open(tmp, os.O_WRONLY), "wb") as handle:
        handle.write(data)


def write_csv_atomic(table: pd.DataFrame, path) -> Path:
    """Write ``table`` as CSV (no index) atomically: a kill never leaves half a file.

    Parameters
    ----------
    table : pandas.DataFrame
    path : str | Path

    Returns
    -------
    path : Path
    """
    path = Path(path)
    atomic_write_bytes(path, table.to_csv(index=False).encode())
    return path


def read_results(path) -> pd.DataFrame:
    """Read a results CSV so that names such as ``"NA"`` or ``"None"`` stay strings.

    Text columns (:data:`TEXT_COLUMNS`) are read as strings with no missing-value
    conversion; in the other columns only an empty cell or ``nan`` is missing. Any
    neuropipe table (``results.csv``, ``summary.csv``, ``failures.csv``...) reads this way.

    Parameters
    ----------
    path : str | Path
        A ``results.csv`` or task file.

    Returns
    -------
    table : pandas.DataFrame
    """
    header = pd.read_csv(path, nrows=0).columns
    table = pd.read_csv(
        path,
        keep_default_na=False,
        na_values={c: _NAN_TEXT for c in header if c not in TEXT_COLUMNS},
        dtype={c: str for c in TEXT_COLUMNS if c in header},
    )
    for column in ("family", "state"):  # optional columns: empty where a family has none
        if column in table:
            table[column] = table[column].replace("", np.nan)
    return integer_subjects(table)


def integer_subjects(table: pd.DataFrame) -> pd.DataFrame:
    """Subjects as integers (``Int64``, empty for fMRI rows) when EEG or decoding subjects
    share a table with fMRI folds, instead of floats; other tables are returned as they are.
    """
    subject = table.get("subject")
    if subject is not None and pd.api.types.is_float_dtype(subject):
        known = subject.dropna()
        if len(known) and (known == np.round(known)).all():
            table["subject"] = subject.astype("Int64")
    return table


def check_results_table(table: pd.DataFrame, source: str = "the results table", columns=None):
    """Raise ValueError unless ``table`` has the results columns, rows and numeric scores.

    Parameters
    ----------
    table : pandas.DataFrame
    source : str
        Named in the error.
    columns : list of str | None
        The columns required; default all of
        :data:`~neuropipe.evaluation.protocols.RESULT_COLUMNS`.
    """
    columns = RESULT_COLUMNS if columns is None else list(columns)
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(
            f"{source} lacks the columns {missing} (has {list(table.columns)[:8]}); it is "
            f"not a neuropipe results table"
        )
    if table.empty:
        raise ValueError(f"{source} has a header but no result rows")
    for column in ("score", "time", "samples", "subject", "chance", "chance_p95"):
        if column in columns and not pd.api.types.is_numeric_dtype(table[column]):
            raise ValueError(f"{source}: column {column!r} holds text where numbers belong")
