"""Transformers on epoch arrays: channel picking, band-pass, filter bank, band stacking."""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, sosfiltfilt
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._validation import check_ch_names, check_epochs, check_freq_range, check_positive_int

__all__ = ["PickChannels", "BandPass", "FilterBank", "StackBands"]


class PickChannels(TransformerMixin, BaseEstimator):
    """Keep a subset of channels of ``(n_epochs, n_channels, n_times)`` epochs by name.

    Parameters
    ----------
    ch_names : list of str
        Names of the channels of the input, in order.
    picks : list of str
        Channels to keep, in the output order.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(2 * 3 * 4, dtype=float).reshape(2, 3, 4)
    >>> PickChannels(["C3", "Cz", "C4"], ["C4", "C3"]).fit_transform(X)[0, :, 0]
    array([8., 0.])
    """

    def __init__(self, ch_names, picks):
        self.ch_names = ch_names
        self.picks = picks

    def fit(self, X, y=None):
        X = check_epochs(X)
        if X.shape[1] != len(self.ch_names):
            raise ValueError(
                f"X has {X.shape[1]} channels but 'ch_names' lists {len(self.ch_names)}."
            )
        unknown = [c for c in self.picks if c not in self.ch_names]
        if unknown:
            raise ValueError(f"Unknown channels {unknown}; 'ch_names' has {list(self.ch_names)}.")
        self.indices_ = np.array([list(self.ch_names).index(c) for c in self.picks])
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = check_epochs(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} channels, but PickChannels was fitted on "
                f"{self.n_features_in_}."
            )
        return X[:, self.indices_]

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        if input_features is not None:
            check_ch_names(self.ch_names, input_features)
        return np.asarray(self.picks, dtype=object)


def _bandpass_sos(sfreq, l_freq, h_freq, order):
    l_freq, h_freq = check_freq_range(l_freq, h_freq, sfreq)
    nyquist = sfreq / 2.0
    if l_freq > 0 and h_freq < nyquist:
        return butter(order, [l_freq, h_freq], btype="bandpass", fs=sfreq, output="sos")
    if l_freq > 0:
        return butter(order, l_freq, btype="highpass", fs=sfreq, output="sos")
    return butter(order, h_freq, btype="lowpass", fs=sfreq, output="sos")


class BandPass(TransformerMixin, BaseEstimator):
    """Zero-phase Butterworth band-pass of each epoch (filtering within the epoch).

    Prefer band-passing the continuous recording (``neuropipe.io.read_epochs(l_freq=...,
    h_freq=...)``), which has no edge effects; use this step when only epochs exist.

    Parameters
    ----------
    sfreq : float
        Sampling rate in Hz.
    l_freq, h_freq : float
        Band edges in Hz (``l_freq=0`` for a low-pass, ``h_freq=sfreq/2`` for a high-pass).
    order : int
        Butterworth order (applied forward and backward).
    """

    def __init__(self, sfreq, l_freq=8.0, h_freq=30.0, order=4):
        self.sfreq = sfreq
        self.l_freq = l_freq
        self.h_freq = h_freq
        self.order = order

    def fit(self, X, y=None):
        check_positive_int("order", self.order)
        self.sos_ = _bandpass_sos(self.sfreq, self.l_freq, self.h_freq, self.order)
        X = check_epochs(X, min_times=3 * (2 * len(self.sos_) + 1))
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = check_epochs(X, min_times=3 * (2 * len(self.sos_) + 1))
        return sosfiltfilt(self.sos_, X, axis=-1)


class FilterBank(TransformerMixin, BaseEstimator):
    """Band-pass epochs in several bands: ``(n, C, T)`` -> ``(n, C, T, n_bands)``.

    Parameters
    ----------
    sfreq : float
        Sampling rate in Hz.
    bands : list of (float, float)
        Band edges in Hz.
    order : int
        Butterworth order.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((2, 3, 256))
    >>> FilterBank(128.0, [(8, 12), (12, 30)]).fit_transform(X).shape
    (2, 3, 256, 2)
    """

    def __init__(self, sfreq, bands=((8.0, 12.0), (12.0, 30.0)), order=4):
        self.sfreq = sfreq
        self.bands = bands
        self.order = order

    def fit(self, X, y=None):
        if len(self.bands) == 0:
            raise ValueError("'bands' is empty; give at least one (low, high) band.")
        self.filters_ = [
            BandPass(self.sfreq, low, high, self.order).fit(X, y) for low, high in self.bands
        ]
        self.n_features_in_ = self.filters_[0].n_features_in_
        return self

    def transform(self, X):
        check_is_fitted(self)
        return np.stack([f.transform(X) for f in self.filters_], axis=-1)


class StackBands(TransformerMixin, BaseEstimator):
    """Stack filter-bank bands as extra channels: ``(n, C, T, B)`` -> ``(n, B*C, T)``.

    The extended signal of Kalunga et al. (2016) whose covariance couples the bands,
    as MOABB's ``ExtendedSSVEPSignal`` (band-major channel order).

    Examples
    --------
    >>> import numpy as np
    >>> StackBands().fit_transform(np.zeros((5, 8, 100, 3))).shape
    (5, 24, 100)
    """

    def fit(self, X, y=None):
        X = check_epochs(X, ndim=4)
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = check_epochs(X, ndim=4)
        n_epochs, n_channels, n_times, n_bands = X.shape
        return X.transpose(0, 3, 1, 2).reshape(n_epochs, n_bands * n_channels, n_times)
