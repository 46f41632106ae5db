"""Readers of binned neural features and kinematics for continuous decoding.

Everything returned follows the decoding convention: ``X`` of shape
``(n_bins, n_features)`` and ``y`` of shape ``(n_bins, n_states)``, rows in time order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

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
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
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
    for name, arr in (("Features", X), ("States", y)):
        n_bad = int(np.sum(~np.isfinite(arr)))
        if n_bad:
            raise ValueError(
                f"{name}{where} contain {n_bad} NaN or infinite value(s); drop or "
                f"interpolate those bins first."
            )
    return X, y


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

    Examples
    --------
    >>> from neuropipe.datasets.eeg import bundled_path
    >>> folder = bundled_path("flint2012")
    >>> X, y = read_decoding_csv(folder / "x.csv", folder / "z.csv")
    >>> X.shape, y.shape
    ((7792, 10), (7792, 2))
    """
    X = np.loadtxt(Path(features_fname), delimiter=delimiter, ndmin=2)
    y = np.loadtxt(Path(states_fname), delimiter=delimiter, ndmin=2)
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

    Examples
    --------
    >>> from neuropipe.datasets.eeg import bundled_path
    >>> fname = bundled_path("stevenson2011") / "m1_stevenson_2011.mat"
    >>> X, y = read_decoding_mat(fname, state_rows=[0, 1])
    >>> X.shape, y.shape
    ((15536, 171), (15536, 2))
    """
    from scipy.io import loadmat

    content = loadmat(Path(fname))
    for key in (features, states):
        if key not in content:
            found = sorted(k for k in content if not k.startswith("__"))
            raise KeyError(f"Variable {key!r} not found in {fname}; it holds {found}.")
    X = np.moveaxis(np.atleast_2d(content[features]), time_axis, 0)
    y = np.moveaxis(np.atleast_2d(content[states]), time_axis, 0)
    if state_rows is not None:
        y = y[:, list(state_rows)]
    return check_decoding_arrays(X, y, source=str(fname))
