"""Feature ensembles for motor imagery: filter-bank tangent space and stacked families.

:class:`FilterBankTangentSpace` maps band-passed epochs to the concatenated tangent-space
vectors of their covariances in several sub-bands (each band's reference point is the
Riemannian mean of that band's training covariances). Feature selection and the classifier
that follow it are chosen by cross-validation inside the training trials in the pipeline
files that use it (``pipelines/fbts_lr.py``).

:func:`make_stacking` stacks classifiers of different feature families (tangent space,
augmented covariances, log band power) with a logistic regression fitted on their inner
cross-validated decision values (:class:`sklearn.ensemble.StackingClassifier`), so the
weights of the families are learned on training trials only.
"""

from __future__ import annotations

import numpy as np
from pyriemann.estimation import Covariances
from pyriemann.tangentspace import TangentSpace
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.ensemble import StackingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.validation import check_is_fitted

from ._docs import fill_doc
from ._epochs import EpochsMixin
from ._validation import (
    check_option,
)
from .preprocessing import FilterBank

__all__ = ["FilterBankTangentSpace", "MI_BANDS", "make_stacking"]

#: Six 4 Hz sub-bands spanning MOABB's default motor-imagery band (8-32 Hz).
MI_BANDS = ((8.0, 12.0), (12.0, 16.0), (16.0, 20.0), (20.0, 24.0), (24.0, 28.0), (28.0, 32.0))


@fill_doc
class FilterBankTangentSpace(EpochsMixin, TransformerMixin, BaseEstimator):
    """Tangent-space vectors of sub-band covariances, concatenated over the bands.

    Each epoch is band-passed in every band of ``bands`` (zero-phase Butterworth within the
    epoch, :class:`~neuropipe.preprocessing.FilterBank`); per band, the covariances
    (:class:`pyriemann.estimation.Covariances`) are projected to the tangent space at the
    mean of that band's training covariances (:class:`pyriemann.tangentspace.TangentSpace`).
    Nothing depends on the labels, so selection and classification that follow can be
    tuned by an inner cross-validation on the training trials.

    Parameters
    ----------
    %(sfreq)s
    bands : sequence of (float, float)
        Sub-bands in Hz; default :data:`MI_BANDS` (4 Hz bands over 8-32 Hz).
    estimator : str
        Covariance estimator of :class:`pyriemann.estimation.Covariances`; ``"oas"``
        (shrinkage) keeps 64-channel covariances well conditioned.
    metric : {"riemann", "logeuclid"}
        Mean (reference point) of each band's tangent space.
    order : int
        Butterworth order of the sub-band filters.

    Attributes
    ----------
    filter_bank_ : FilterBank
        The fitted filter bank.
    tangent_spaces_ : list of TangentSpace
        One fitted tangent space per band.
    %(epochs_attributes)s

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((10, 3, 480))
    >>> fbts = FilterBankTangentSpace(160.0, bands=[(8, 12), (12, 30)]).fit(X)
    >>> fbts.transform(X).shape
    (10, 12)
    >>> fbts.get_feature_names_out()[:2].tolist()
    ['8-12Hz_ts0', '8-12Hz_ts1']
    """

    def __init__(self, sfreq=None, bands=MI_BANDS, estimator="oas", metric="riemann", order=4):
        self.sfreq = sfreq
        self.bands = bands
        self.estimator = estimator
        self.metric = metric
        self.order = order

    def _band_covariances(self, X):
        """Per band, the covariances of the checked epochs ``X``."""
        banded = self.filter_bank_.transform(X)
        covariances = Covariances(estimator=self.estimator)
        return [covariances.transform(banded[..., b]) for b in range(banded.shape[-1])]

    def fit(self, X, y=None):
        """Fit the filter bank and one tangent space per band.

        Parameters
        ----------
        %(X_epochs)s
        %(y_ignored)s

        Returns
        -------
        self : FilterBankTangentSpace
        """
        check_option("metric", self.metric, ["riemann", "logeuclid"])
        X = self._fit_epochs(X)
        self.filter_bank_ = FilterBank(self.sfreq_, [tuple(b) for b in self.bands], self.order)
        self.filter_bank_.fit(X)
        self.tangent_spaces_ = [
            TangentSpace(metric=self.metric).fit(covs) for covs in self._band_covariances(X)
        ]
        return self

    def transform(self, X):
        """Concatenated tangent-space vectors of the sub-band covariances.

        Parameters
        ----------
        %(X_epochs_fitted)s

        Returns
        -------
        features : ndarray, shape (n_epochs, n_bands * n_channels * (n_channels + 1) / 2)
        """
        X = self._check_epochs(X)
        parts = [
            ts.transform(covs)
            for ts, covs in zip(self.tangent_spaces_, self._band_covariances(X), strict=True)
        ]
        return np.concatenate(parts, axis=1)

    def get_feature_names_out(self, input_features=None):
        """Names ``'<low>-<high>Hz_ts<i>'`` of the output features.

        Returns
        -------
        names : ndarray of str, shape (n_features_out,)
        """
        check_is_fitted(self)
        n = self.n_channels_ * (self.n_channels_ + 1) // 2
        return np.array(
            [f"{lo:g}-{hi:g}Hz_ts{i}" for lo, hi in self.bands for i in range(n)], dtype=object
        )


def make_stacking(estimators, *, cv=5, C=1.0, random_state=42):
    """A stacked ensemble whose family weights are learned on inner cross-validation.

    Each base classifier's decision values on held-out inner folds of the training trials
    feed a logistic regression (:class:`sklearn.ensemble.StackingClassifier`); the base
    classifiers are then refitted on all training trials.

    Parameters
    ----------
    estimators : list of (str, estimator)
        Base classifiers, each a full pipeline from epochs.
    cv : int
        Inner stratified folds (shuffled with ``random_state``).
    C : float
        Inverse L2 penalty of the final logistic regression.
    random_state : int | None
        Seed of the inner fold shuffling.

    Returns
    -------
    stacking : StackingClassifier

    Examples
    --------
    >>> from pyriemann.estimation import Covariances
    >>> from pyriemann.tangentspace import TangentSpace
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> ts = make_pipeline(Covariances("oas"), TangentSpace(), LogisticRegression())
    >>> type(make_stacking([("ts", ts)])).__name__
    'StackingClassifier'
    """
    return StackingClassifier(
        estimators,
        final_estimator=LogisticRegression(C=C),
        cv=StratifiedKFold(cv, shuffle=True, random_state=random_state),
        stack_method="auto",
    )
