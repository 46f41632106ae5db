"""Spike-history features: each bin's features plus those of neighbouring bins.

The Wiener filter is a linear regression on these lagged features (KordingLab's
``get_spikes_with_history``, here without the 3-D intermediate and keeping every row).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import (
    check_array_input,
    check_matrix,
    check_output_size,
    check_positive_int,
)

__all__ = ["lag_features", "SpikeHistory"]


def _offsets(bins_before, bins_after, include_current):
    return [k for k in range(-bins_before, bins_after + 1) if k != 0 or include_current]


def lag_features(X, bins_before, bins_after=0, include_current=True, fill_value=0.0):
    """Stack each bin's features with those of the previous / next bins.

    Parameters
    ----------
    X : ndarray, shape (n_bins, n_features)
        Binned features (e.g. spike counts), rows in time order.
    bins_before : int
        Number of past bins (causal history).
    bins_after : int
        Number of future bins (0 for a causal decoder).
    include_current : bool
        Include the bin itself.
    fill_value : float
        Value of the lags that fall before the first or after the last bin.

    Returns
    -------
    X_lagged : ndarray, shape (n_bins, n_features * n_lags)
        Blocks of ``n_features`` columns, oldest lag first (``t - bins_before``, ...,
        ``t + bins_after``). The first ``bins_before`` and last ``bins_after`` rows
        contain ``fill_value``; drop them for an exact history.

    Examples
    --------
    >>> import numpy as np
    >>> lag_features(np.array([[1.0], [2.0], [3.0]]), bins_before=1)
    array([[0., 1.],
           [1., 2.],
           [2., 3.]])
    """
    X = check_matrix(X, "X")
    check_positive_int("bins_before", bins_before, minimum=0)
    check_positive_int("bins_after", bins_after, minimum=0)
    n = X.shape[0]
    offsets = list(_offsets(bins_before, bins_after, include_current))
    check_output_size(  # the blocks and the stacked output
        (2, n, X.shape[1] * len(offsets)),
        f"the lagged features of {n} bins x {X.shape[1]} features x {len(offsets)} lags",
        "use fewer bins_before / bins_after, fewer features (e.g. PCA first), or transform "
        "the bins in chunks",
    )
    blocks = []
    for k in offsets:
        block = np.full_like(X, fill_value)
        if k < 0:
            block[-k:] = X[: max(n + k, 0)]
        else:
            block[: max(n - k, 0)] = X[k:]
        blocks.append(block)
    if not blocks:
        raise ValueError(
            "No lags selected: use bins_before > 0, bins_after > 0 or include_current."
        )
    return np.hstack(blocks)


class SpikeHistory(TransformerMixin, BaseEstimator):
    """Transformer adding spike history (lagged bins) to each bin's features.

    Parameters
    ----------
    bins_before : int
        Number of past bins.
    bins_after : int
        Number of future bins (0 for a causal decoder).
    include_current : bool
        Include the bin itself.
    fill_value : float
        Value of lags outside the sequence.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Input feature names, if ``X`` had them.

    Notes
    -----
    The output of a row depends on its neighbours, so transforming a subset of the rows
    differs from subsetting the transformed rows: pass whole, time-ordered sequences.

    Examples
    --------
    >>> import numpy as np
    >>> hist = SpikeHistory(bins_before=2).fit(np.zeros((5, 3)))
    >>> hist.transform(np.ones((5, 3))).shape
    (5, 9)
    >>> hist.get_feature_names_out()[:4].tolist()
    ['x0_t-2', 'x1_t-2', 'x2_t-2', 'x0_t-1']
    """

    def __init__(self, bins_before=1, bins_after=0, include_current=True, fill_value=0.0):
        self.bins_before = bins_before
        self.bins_after = bins_after
        self.include_current = include_current
        self.fill_value = fill_value

    def fit(self, X, y=None):
        """Check the parameters and record the number of features.

        Parameters
        ----------
        X : array-like, shape (n_bins, n_features)
        y : None
            Ignored.

        Returns
        -------
        self : SpikeHistory
        """
        validate_data(self, check_array_input(X), dtype=np.float64)
        check_positive_int("bins_before", self.bins_before, minimum=0)
        check_positive_int("bins_after", self.bins_after, minimum=0)
        if not _offsets(self.bins_before, self.bins_after, self.include_current):
            raise ValueError(
                "No lags selected: use bins_before > 0, bins_after > 0 or include_current=True."
            )
        return self

    def transform(self, X):
        """Lagged features.

        Parameters
        ----------
        X : array-like, shape (n_bins, n_features)
            Rows in time order.

        Returns
        -------
        X_lagged : ndarray, shape (n_bins, n_features * n_lags)
        """
        check_is_fitted(self)
        X = validate_data(self, check_array_input(X), reset=False, dtype=np.float64)
        return lag_features(
            X, self.bins_before, self.bins_after, self.include_current, self.fill_value
        )

    def get_feature_names_out(self, input_features=None):
        """Names ``<feature>_t-<k>``, ``<feature>_t`` and ``<feature>_t+<k>``.

        Parameters
        ----------
        input_features : array-like of str | None
            Input names; defaults to ``feature_names_in_`` or ``x0, x1, ...``.

        Returns
        -------
        names : ndarray of str, shape (n_features * n_lags,)
        """
        check_is_fitted(self)
        if input_features is None:
            input_features = getattr(
                self, "feature_names_in_", [f"x{i}" for i in range(self.n_features_in_)]
            )
        suffix = {0: "_t"}
        names = [
            f"{name}{suffix.get(k, f'_t{k:+d}')}"
            for k in _offsets(self.bins_before, self.bins_after, self.include_current)
            for name in input_features
        ]
        return np.asarray(names, dtype=object)
