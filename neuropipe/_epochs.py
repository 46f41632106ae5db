"""The shell of every estimator that takes epochs ``(n_epochs, n_channels, n_times)``.

:class:`EpochsMixin` holds what each of them did on its own: the checks of the epochs
given to ``fit`` and to ``transform`` / ``predict`` (rank, emptiness, NaN, magnitude,
``mne.Epochs`` in volts), the sampling rate taken from the data (``mne.Epochs`` or a
:class:`~neuropipe._validation.RecordingArray`, see
:func:`~neuropipe.preprocessing.with_recording_info`), the channel count recorded at
``fit`` (``n_channels_``, and ``n_features_in_`` under scikit-learn's name) and checked
later, and the scikit-learn tag ``three_d_array``. A new epoch estimator subclasses it and
writes only its maths.

``two_d_array`` stays True: scikit-learn's ``check_estimator`` skips every check of an
estimator that declares it False, and those that feed 2-D data are listed as expected
failures in ``tests/test_common.py``.
"""

from __future__ import annotations

from sklearn.utils.validation import check_is_fitted

from ._validation import as_epochs_array, check_epochs, check_n_channels, data_sfreq

__all__ = ["EpochsMixin"]


class EpochsMixin:
    """Mixin of the estimators that take epochs; put it before ``BaseEstimator``.

    Attributes
    ----------
    _epochs_ndim : int
        Rank of the epochs: 3, or 4 for filter-bank epochs ``(n, C, T, n_bands)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator, TransformerMixin
    >>> class Mean(EpochsMixin, TransformerMixin, BaseEstimator):
    ...     def __init__(self, sfreq=None):
    ...         self.sfreq = sfreq
    ...     def fit(self, X, y=None):
    ...         self._fit_epochs(X)
    ...         return self
    ...     def transform(self, X):
    ...         return self._check_epochs(X).mean(axis=-1)
    >>> X = np.zeros((4, 2, 10))
    >>> step = Mean(sfreq=100.0).fit(X)
    >>> step.sfreq_, step.n_channels_, step.n_features_in_
    (100.0, 2, 2)
    >>> step.transform(np.zeros((4, 3, 10)))
    Traceback (most recent call last):
    ...
    ValueError: X has 3 channels but Mean was fitted on 2; pick the same channels as at fit time.
    >>> step.__sklearn_tags__().input_tags.three_d_array
    True
    """

    _epochs_ndim = 3

    def _fit_epochs(self, X, *, rate=None):
        """Check the epochs given to ``fit``; record ``sfreq_``, ``n_channels_``,
        ``n_features_in_``.

        Parameters
        ----------
        X : array-like | mne.Epochs
            The epochs.
        rate : bool | None
            Whether the estimator needs the sampling rate (``sfreq_`` from
            :func:`~neuropipe._validation.data_sfreq`); None: if it has an ``sfreq``
            parameter.

        Returns
        -------
        X : ndarray of float64
            The checked epochs (microvolts).
        """
        if rate is None:
            rate = "sfreq" in self.get_params(deep=False)
        sfreq = None
        if rate:
            sfreq = self.sfreq_ = data_sfreq(self.sfreq, X, type(self).__name__)
        X = check_epochs(as_epochs_array(X, sfreq=sfreq), ndim=self._epochs_ndim)
        self.n_channels_ = self.n_features_in_ = X.shape[1]
        return X

    def _check_epochs(self, X):
        """Check the epochs given to ``transform`` / ``predict`` against those of ``fit``
        (fitted, rank, rate of ``mne.Epochs``, channel count); return them as float64."""
        check_is_fitted(self)
        X = as_epochs_array(X, sfreq=getattr(self, "sfreq_", None))
        return check_n_channels(self, check_epochs(X, ndim=self._epochs_ndim))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags
