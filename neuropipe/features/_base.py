"""The shared base of the per-channel feature transformers of epochs (``PSD``,
``BandPower``, ``Connectivity``): the epoch shell of :mod:`neuropipe._epochs` plus the
channel names of the features and one output axis computed at ``fit``.
"""

from __future__ import annotations

from sklearn.base import BaseEstimator, TransformerMixin

from neuropipe._docs import fill_doc
from neuropipe._epochs import EpochsMixin

__all__ = ["EpochFeatures", "channel_names"]


def channel_names(ch_names, n_channels):
    """``ch_names`` as str, checked against the channel count; ``ch0``, ``ch1``... if None.

    Examples
    --------
    >>> channel_names(None, 2)
    ['ch0', 'ch1']
    """
    if ch_names is None:
        return [f"ch{i}" for i in range(n_channels)]
    ch_names = [str(c) for c in ch_names]
    if len(ch_names) != n_channels:
        raise ValueError(
            f"'ch_names' has {len(ch_names)} names but X has {n_channels} channels; pass "
            f"one name per channel (e.g. epochs.ch_names)."
        )
    return ch_names


class EpochFeatures(EpochsMixin, TransformerMixin, BaseEstimator):
    """Shared shell: validate the epochs in fit, remember channels, check them later.

    Subclasses set what ``transform`` needs from the validated epochs in ``_fit(X)``
    (given the first epoch only) and check their input with ``_check_epochs``.
    """

    @fill_doc
    def fit(self, X, y=None):
        """Check the parameters against the epochs; store the channels and the output axis.

        The output axis is ``freqs_`` (the frequencies) or ``bands_`` (the resolved bands),
        computed on the first epoch.

        Parameters
        ----------
        %(X_epochs)s
        %(y_ignored)s

        Returns
        -------
        self : object
            The fitted transformer.
        """
        X = self._fit_epochs(X, rate=True)
        self.ch_names_ = channel_names(self.ch_names, X.shape[1])
        self._fit(X[:1])
        return self

    def _output(self, features):
        """``(n_epochs, n_channels, k)`` features, flattened channel-major if ``flatten``."""
        if self.flatten:
            return features.reshape(features.shape[0], -1)
        return features
