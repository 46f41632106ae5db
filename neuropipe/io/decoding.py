"""Readers of binned neural features and kinematics for continuous decoding.

Everything returned follows the decoding convention: ``X`` of shape
``(n_bins, n_features)`` and ``y`` of shape ``(n_bins, n_states)``, rows in time order.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np

from .._validation import DataFileError
from ._mat5 import check_mat5

__all__ = ["check_decoding_arrays", "read_decoding_csv", "read_decoding_mat"]


def check_decoding_arrays(X, y, *, source=""):
    """Check binned features and states: 2-D, same number of bins, finite values.

    Parameters
    ----------
    X : array-like, shape (n_bins, n_features)
        Binned neural features.
    y : array-like, shape (n_bins, n_states)
        States (kinematics) of the same bins.
    source : str
        Where the arrays come from, quoted in error messages.

    Returns
    -------
    X : ndarray of float64, shape (n_bins, n_features)
    y : ndarray of float64, shape (n_bins, n_states)

    Examples
    --------
    >>> import numpy as np
    >>> X, y = check_decoding_arrays(np.zeros((4, 3)), np.zeros(4))
    >>> X.shape, y.shape
    ((4, 3), (4, 1))
    """
    where = f" in {source}" if source else ""
    X = _as_numeric(X, "Features", where)
    y = _as_numeric(y, "States", where)
    if y.ndim == 1:
        y = y[:, None]
    if X.ndim != 2 or y.ndim != 2:
        raise ValueError(
            f"Features{where} must be 2-D (n_bins, n_features) and states 2-D (n_bins, "
            f"n_states), got shapes {X.shape} and {y.shape}."
        )
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"Features and states{where} have different numbers of bins: {X.shape[0]} and "
            f"{y.shape[0]}; bin both with the same edges (transpose if bins are columns)."
        )
    if X.shape[0] == 0 or X.shape[1] == 0 or y.shape[1] == 0:
        raise ValueError(
            f"Features and states{where} are empty (shapes {X.shape} and {y.shape}); "
            f"give at least one bin, one feature and one state."
        )
    for name, arr in (("Features", X), ("States", y)):
        n_bad = int(np.sum(~np.isfinite(arr)))
        if n_bad:
            raise ValueError(
                f"{name}{where} contain {n_bad} NaN or infinite value(s); drop or "
                f"interpolate those bins first."
            )
    return X, y


def _as_numeric(arr, name, where):
    """Convert to float64, refusing text, objects and complex values (which would lose data)."""
    try:
        arr = np.asarray(arr)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(f"{name}{where} must form a rectangular numeric array: {exc}") from exc
    if arr.dtype.kind not in "biuf":
        raise ValueError(
            f"{name}{where} must be real numbers, got an array of dtype {arr.dtype} (text, "
            f"structs, cells or complex values); store them as a numeric matrix."
        )
    return arr.astype(np.float64, copy=False)


def _check_file(fname, what):
    """Return ``fname`` as a Path: FileNotFoundError if missing, DataFileError if a folder."""
    path = Path(fname)
    if not path.exists():
        raise FileNotFoundError(f"{what} file not found: {str(path)!r}. Check the path.")
    if path.is_dir():
        raise DataFileError(f"{str(path)!r} is a directory, not a {what} file.")
    return path


def _read_table(fname, delimiter):
    """Read a headerless numeric text table with np.loadtxt, with errors naming the file."""
    path = _check_file(fname, "text table")
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "loadtxt: input contained no data")
            table = np.loadtxt(path, delimiter=delimiter, ndmin=2)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataFileError(
            f"Could not parse {str(path)!r} as a numeric table ({delimiter!r}-separated, no "
            f"header, one row per bin): {exc}"
        ) from exc
    if table.size == 0:
        raise DataFileError(f"{str(path)!r} holds no numbers: it is empty.")
    return table


def read_decoding_csv(features_fname, states_fname, *, delimiter=","):
    """Read features and states from two headerless text tables, one row per bin.

    Parameters
    ----------
    features_fname : str | Path
        Table of shape (n_bins, n_features).
    states_fname : str | Path
        Table of shape (n_bins, n_states).
    delimiter : str
        Column separator.

    Returns
    -------
    X : ndarray, shape (n_bins, n_features)
    y : ndarray, shape (n_bins, n_states)

    Raises
    ------
    FileNotFoundError
        If a file does not exist.
    DataFileError
        If a file is a folder, empty, or not a numeric table.
    ValueError
        If the tables have different numbers of rows or hold NaN or infinite values.

    Examples
    --------
    >>> from neuropipe.datasets.eeg import bundled_path
    >>> folder = bundled_path("flint2012")
    >>> X, y = read_decoding_csv(folder / "x.csv", folder / "z.csv")
    >>> X.shape, y.shape
    ((7792, 10), (7792, 2))
    """
    X = _read_table(features_fname, delimiter)
    y = _read_table(states_fname, delimiter)
    return check_decoding_arrays(X, y, source=f"{features_fname} / {states_fname}")


def read_decoding_mat(fname, *, features="spikes", states="handVel", state_rows=None, time_axis=1):
    """Read binned features and states from a MATLAB (v5) file.

    Parameters
    ----------
    fname : str | Path
        The ``.mat`` file.
    features : str
        Variable with the binned features (e.g. spike counts).
    states : str
        Variable with the kinematics.
    state_rows : list of int | None
        Rows (components along the non-time axis) of ``states`` to keep, e.g. ``[0, 1]``
        to drop an all-zero z velocity. ``None`` keeps all.
    time_axis : int
        Axis of the bins in both variables (1 for MATLAB's ``n_units x n_bins``).

    Returns
    -------
    X : ndarray, shape (n_bins, n_features)
    y : ndarray, shape (n_bins, n_states)

    Raises
    ------
    FileNotFoundError
        If ``fname`` does not exist.
    DataFileError
        If the file is not a readable MATLAB file, lacks a variable, or ``state_rows`` or
        ``time_axis`` do not fit its variables.

    Examples
    --------
    >>> from neuropipe.datasets.eeg import bundled_path
    >>> fname = bundled_path("stevenson2011") / "m1_stevenson_2011.mat"
    >>> X, y = read_decoding_mat(fname, state_rows=[0, 1])
    >>> X.shape, y.shape
    ((15536, 171), (15536, 2))
    """
    from scipy.io import loadmat

    path = _check_file(fname, "MATLAB")
    raw = path.read_bytes()
    try:
        names = check_mat5(raw, {features, states})  # corrupt codes crash scipy: check first
        content = loadmat(io.BytesIO(raw), variable_names=[features, states])
    except Exception as exc:  # scipy raises MatReadError, ValueError, OSError, ...
        raise DataFileError(
            f"Could not read {str(path)!r} as a MATLAB (v4 to v7.2) file: "
            f"{type(exc).__name__}: {exc}. It is truncated, corrupt or another format (read "
            f"v7.3 files with h5py)."
        ) from exc
    found = sorted(k for k in (content if names is None else names) if k and k[:2] != "__")
    variables = []
    for key in (features, states):
        if key not in content:
            raise DataFileError(f"Variable {key!r} not found in {str(path)!r}; it holds {found}.")
        if isinstance(content[key], str):  # scipy's "Read error: ..." for a corrupt variable
            raise DataFileError(f"Variable {key!r} of {str(path)!r} is corrupt: {content[key]}")
        value = _as_numeric(content[key], f"Variable {key!r}", f" of {str(path)!r}")
        value = np.atleast_2d(value)
        if (
            not isinstance(time_axis, (int, np.integer))
            or not -value.ndim <= time_axis < value.ndim
        ):
            raise DataFileError(
                f"time_axis={time_axis} does not exist in variable {key!r} of {str(path)!r}, "
                f"of shape {value.shape}; pass the axis of the bins."
            )
        variables.append(np.moveaxis(value, time_axis, 0))
    X, y = variables
    if state_rows is not None:
        rows, n_rows = list(state_rows), y.shape[1]
        valid = [isinstance(r, (int, np.integer)) and -n_rows <= r < n_rows for r in rows]
        if not rows or not all(valid):
            raise DataFileError(
                f"state_rows={rows} does not fit variable {states!r} of {str(path)!r}, which "
                f"has {n_rows} row(s) of states: give integer rows in [0, {n_rows})."
            )
        y = y[:, rows]
    return check_decoding_arrays(X, y, source=str(path))
