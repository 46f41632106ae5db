"""Decoding metrics: nRMSE, mean absolute angle error, R^2 and correlation.

nRMSE and MAAE follow the DKF paper (Burkhart et al. 2020, section 4.5); R^2 and the
Pearson correlation follow KordingLab's Neural_Decoding (``get_R2``, ``get_rho``).
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import r2_score

from .._docs import fill_doc

__all__ = ["nrmse", "maae", "r2", "correlation"]


def _check_pair(y_true, y_pred):
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must have the same shape (n_bins, n_states), got "
            f"{y_true.shape} and {y_pred.shape}."
        )
    if y_true.ndim == 1:
        y_true, y_pred = y_true[:, None], y_pred[:, None]
    if y_true.ndim != 2 or y_true.shape[0] < 2:
        raise ValueError(
            f"y_true must have shape (n_bins, n_states) with at least 2 bins, got {y_true.shape}."
        )
    if not (np.all(np.isfinite(y_true)) and np.all(np.isfinite(y_pred))):
        raise ValueError("y_true and y_pred must not contain NaN or infinite values.")
    return y_true, y_pred


@fill_doc
def nrmse(y_true, y_pred, per_state=False):
    """Root-mean-square error normalised by the root-mean-square of ``y_true``.

    Predicting zero gives 1. Pooled over every state (the paper's definition) unless
    ``per_state``.

    Parameters
    ----------
    %(y_true_y_pred)s
    per_state : bool
        Return one value per state instead of the pooled value.

    Returns
    -------
    score : float | ndarray, shape (n_states,)

    Examples
    --------
    >>> nrmse([[1.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [0.0, 0.0]])
    1.0
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    axis = 0 if per_state else None
    score = np.sqrt(np.mean((y_pred - y_true) ** 2, axis=axis) / np.mean(y_true**2, axis=axis))
    return score if per_state else float(score)


def maae(y_true, y_pred):
    """Mean absolute angle error between true and decoded 2-D vectors, in radians.

    Each error is wrapped to ``[0, pi]``; chance (random directions) is ``pi / 2``.
    A zero vector has angle 0 (``arctan2(0, 0)``), as in the reference code.

    Parameters
    ----------
    y_true, y_pred : array-like, shape (n_bins, 2)
        True and decoded vectors (e.g. x/y velocity).

    Returns
    -------
    score : float

    Examples
    --------
    >>> import numpy as np
    >>> float(np.round(maae([[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [0.0, -1.0]]), 4))
    2.3562
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    if y_true.shape[1] != 2:
        raise ValueError(
            f"maae needs 2-D vectors, shape (n_bins, 2), got {y_true.shape[1]} state(s); "
            f"pass the two velocity columns, e.g. y[:, :2]."
        )
    diff = np.arctan2(y_pred[:, 1], y_pred[:, 0]) - np.arctan2(y_true[:, 1], y_true[:, 0])
    return float(np.mean(np.abs((diff + np.pi) % (2 * np.pi) - np.pi)))


@fill_doc
def r2(y_true, y_pred, per_state=False):
    """Coefficient of determination, per state or averaged over states.

    scikit-learn's :func:`~sklearn.metrics.r2_score` with ``force_finite=False``: a
    constant state gives ``-inf`` (or NaN when predicted exactly), not a finite stand-in.

    Parameters
    ----------
    %(y_true_y_pred)s
    per_state : bool
        Return one value per state instead of their mean.

    Returns
    -------
    score : float | ndarray, shape (n_states,)

    Examples
    --------
    >>> r2([[1.0], [2.0], [3.0]], [[1.0], [2.0], [4.0]])
    0.5
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    score = r2_score(y_true, y_pred, multioutput="raw_values", force_finite=False)
    return score if per_state else float(np.mean(score))


@fill_doc
def correlation(y_true, y_pred, per_state=False):
    """Pearson correlation between true and decoded states.

    Parameters
    ----------
    %(y_true_y_pred)s
    per_state : bool
        Return one value per state instead of their mean.

    Returns
    -------
    rho : float | ndarray, shape (n_states,)

    Examples
    --------
    >>> correlation([1.0, 2.0, 3.0], [2.0, 4.0, 6.0])
    1.0
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    t = y_true - y_true.mean(axis=0)
    p = y_pred - y_pred.mean(axis=0)
    rho = np.sum(t * p, axis=0) / np.sqrt(np.sum(t**2, axis=0) * np.sum(p**2, axis=0))
    return rho if per_state else float(np.mean(rho))
