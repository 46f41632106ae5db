"""Common spatial patterns: MNE's CSP filters without an SVD of the data at every fit.

:class:`mne.decoding.CSP` (default ``rank=None``) estimates the rank of the training epochs
at every ``fit`` from the singular values of all of them side by side (a ``64 x 17,000``
SVD for 36 EEGMMIDB epochs: about 70 % of a CSP fit), then computes each class's
covariance through its covariance machinery (scaling, projection on the rank subspace,
scikit-learn's ``EmpiricalCovariance``). When the data have full rank (the rule for
band-passed EEG) all of that reduces to one ``X X^T / (n - 1)`` per class and one
generalised eigendecomposition.

:class:`CSP` computes exactly that. It decides full rank from the eigenvalues of the
epochs' second-moment matrix, which it needs anyway, and only where the answer cannot
differ from MNE's SVD estimate (smallest over largest eigenvalue above ``1e-8``, that is a
smallest singular value above ``1e-4`` of the largest, ten orders of magnitude above MNE's
threshold of ``n_channels * eps``); otherwise (rank-deficient data, e.g. after an average
reference) and for more than two classes (MNE's approximate joint diagonalisation) it fits
:class:`mne.decoding.CSP` itself. Filters, patterns and features equal MNE's up to rounding
(``tests/features/test_spatial.py``: relative differences below ``1e-10`` on EEGMMIDB).
"""

from __future__ import annotations

import numpy as np
from scipy import linalg
from sklearn.base import BaseEstimator, TransformerMixin

from neuropipe._docs import public_module
from neuropipe._epochs import EpochsMixin
from neuropipe._validation import check_labels, check_option

__all__ = ["CSP"]

#: Smallest over largest eigenvalue of the epochs' second-moment matrix above which the data
#: have full rank for MNE's estimate (singular values above ``n_channels * eps`` of the
#: largest) whatever the rounding of either computation.
FULL_RANK_RATIO = 1e-8


@public_module("neuropipe.features")
class CSP(EpochsMixin, TransformerMixin, BaseEstimator):
    """Common spatial patterns with MNE's defaults, log band power features.

    The filters of :class:`mne.decoding.CSP` (``reg=None``, ``cov_est="concat"``,
    ``restr_type="restricting"``, ``rank=None``, ``transform_into="average_power"``) for
    two classes: the generalised eigenvectors of ``(C0, C0 + C1)``, each class covariance
    ``C = X X^T / (n - 1)`` over its epochs side by side (not centred), ordered by
    ``component_order``. Rank-deficient data and more than two classes are fitted by
    :class:`mne.decoding.CSP` itself (see the module docstring).

    Parameters
    ----------
    n_components : int, default=4
        Number of filters (features) kept, the first ones in ``component_order``.
    log : bool | None, default=None
        ``None`` or True: features are the log of each filter's mean power; False: the
        mean power standardised by the training epochs' mean and standard deviation.
    norm_trace : bool, default=False
        Divide each class covariance by its trace.
    component_order : {"mutual_info", "alternate"}, default="mutual_info"
        As MNE: by decreasing ``|eigenvalue - 0.5|``, or largest, smallest, second
        largest...

    Attributes
    ----------
    filters_ : ndarray, shape (n_channels, n_channels)
        The spatial filters, one per row, in ``component_order``.
    patterns_ : ndarray, shape (n_channels, n_channels)
        The patterns (pseudo-inverse of the filters), one per row.
    evals_ : ndarray, shape (n_channels,) or None
        The generalised eigenvalues in the same order (None when MNE's joint
        diagonalisation fitted more than two classes).
    mean_, std_ : ndarray, shape (n_components,)
        Mean and standard deviation of the training epochs' mean power per filter.
    classes_ : ndarray
        The class labels.
    n_channels_, n_features_in_ : int
        Number of channels seen in ``fit``.

    See Also
    --------
    mne.decoding.CSP : The reference implementation (same filters).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(20, 4, 200))
    >>> y = np.repeat([0, 1], 10)
    >>> X[y == 1, 0] *= 3  # class 1 has more power on channel 0
    >>> csp = CSP(n_components=2).fit(X, y)
    >>> csp.transform(X).shape
    (20, 2)
    >>> int(np.argmax(np.abs(csp.patterns_[0])))
    0
    """

    def __init__(self, n_components=4, log=None, norm_trace=False, component_order="mutual_info"):
        self.n_components = n_components
        self.log = log
        self.norm_trace = norm_trace
        self.component_order = component_order

    def fit(self, X, y):
        """Estimate the filters on epochs.

        Parameters
        ----------
        X : array-like, shape (n_epochs, n_channels, n_times)
            Epochs.
        y : array-like, shape (n_epochs,)
            Class of each epoch.

        Returns
        -------
        self : CSP
            The fitted transformer.
        """
        check_option("component_order", self.component_order, ["mutual_info", "alternate"])
        if self.log not in (None, True, False):
            raise ValueError(f"'log' must be None, True or False, got {self.log!r}.")
        X = self._fit_epochs(X, rate=False)
        y = check_labels(y, X.shape[0])
        n_channels = X.shape[1]
        if not 1 <= self.n_components <= n_channels:
            raise ValueError(
                f"'n_components' must be between 1 and the number of channels "
                f"({n_channels}), got {self.n_components!r}."
            )
        self.classes_ = np.unique(y)
        covs = self._class_covariances(X, y) if len(self.classes_) == 2 else None
        if covs is None:  # rank-deficient data or more than two classes: MNE itself
            self._fit_mne(X, y)
        else:
            evals, evecs = linalg.eigh(covs[0], covs[0] + covs[1])
            order = _component_order(evals, self.component_order)
            self.evals_, evecs = evals[order], evecs[:, order]
            self.filters_ = evecs.T
            self.patterns_ = linalg.pinv(evecs)
        power = self._power(X)
        self.mean_, self.std_ = power.mean(axis=0), power.std(axis=0)
        return self

    def _class_covariances(self, X, y):
        """Each class's ``X X^T / (n - 1)`` (epochs side by side), or None when the data
        may not have full rank for MNE's estimate."""
        n_channels = X.shape[1]
        seconds = []
        for label in self.classes_:
            side_by_side = X[y == label].transpose(1, 0, 2).reshape(n_channels, -1)
            seconds.append((side_by_side @ side_by_side.T, side_by_side.shape[1]))
        eigenvalues = linalg.eigvalsh(seconds[0][0] + seconds[1][0])
        if not eigenvalues[0] > FULL_RANK_RATIO * eigenvalues[-1]:
            return None
        covs = []
        for second, n_samples in seconds:
            cov = second / max(n_samples - 1, 1)
            if self.norm_trace:
                cov /= np.trace(cov)
            covs.append(cov)
        return covs

    def _fit_mne(self, X, y):
        from mne.decoding import CSP as MNECSP

        csp = MNECSP(
            n_components=self.n_components,
            log=self.log,
            norm_trace=self.norm_trace,
            component_order=self.component_order,
        ).fit(X, y)
        self.filters_, self.patterns_ = csp.filters_, csp.patterns_
        self.evals_ = csp.evals_

    def _power(self, X):
        """Mean power of each kept filter's output, per epoch."""
        return ((self.filters_[: self.n_components] @ X) ** 2).mean(axis=2)

    def transform(self, X):
        """Log mean power (or standardised mean power) of each filter's output.

        Parameters
        ----------
        X : array-like, shape (n_epochs, n_channels, n_times)
            Epochs with the channels of ``fit``.

        Returns
        -------
        features : ndarray, shape (n_epochs, n_components)
        """
        X = self._check_epochs(X)
        power = self._power(X)
        if self.log is None or self.log:
            return np.log(power)
        return (power - self.mean_) / self.std_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags


def _component_order(evals, order):
    """MNE's ordering of two-class CSP components (``mne.decoding._mod_ged._csp_mod``)."""
    if order == "mutual_info":
        return np.argsort(np.abs(evals - 0.5))[::-1]
    ascending = np.argsort(evals)
    ix = np.empty_like(ascending)
    ix[1::2] = ascending[: len(ascending) // 2]
    ix[0::2] = ascending[len(ascending) // 2 :][::-1]
    return ix
