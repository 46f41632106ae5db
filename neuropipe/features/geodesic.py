"""Fisher geodesic filtering in the tangent space (the filter of pyRiemann's FGDA / FgMDM).

pyRiemann's ``FGDA`` (Barachant et al. 2010) projects SPD matrices to the tangent space at
their Riemannian mean, fits scikit-learn's shrinkage LDA there
(``LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")``), keeps only the
discriminant directions (``W = A.T pinv(A A.T) A`` for the LDA coefficients ``A``) and maps
the filtered vectors back to the manifold. On 64 channels the tangent space has 2,080
dimensions and scikit-learn solves the ``2080 x 2080`` shrunk covariance system with a
dense least-squares solver (``scipy.linalg.lstsq``): several seconds per fit, about 85% of
FgMDM's time, although the matrix is a diagonal plus a rank ``n_samples - n_classes`` term.

:func:`shrinkage_lda_coef` computes the same coefficients (the same class means, priors,
standardisation and Ledoit-Wolf shrinkage, from scikit-learn's public functions) and solves
the system with the Woodbury identity instead, in ``O(n_samples^2 n_features)``:
thousands of times fewer operations, equal to the least-squares solution up to rounding
(relative differences near 1e-12 on EEGMMIDB; ``tests/features/test_geodesic.py``).

:class:`FisherGeodesicFilter` is the filter as a pipeline step after a
:class:`pyriemann.tangentspace.TangentSpace`, so that the tangent space (a Riemannian mean
of the training matrices) is a step of its own, which a pipeline with the same prefix
(TS+LR, TS+SVM) shares through ``Pipeline(memory=...)``. It returns the filtered matrices
*at the identity*, ``expm(unupper(t W))``: pyRiemann's FGDA returns the same matrices
congruent by the square root of the reference point, ``C^1/2 expm(unupper(t W)) C^1/2``, and
affine-invariant classifiers (:class:`pyriemann.classification.MDM` with the Riemannian
metric: its distances and means commute with any congruence) give the same predictions
on both, so ``make_pipeline(TangentSpace(), FisherGeodesicFilter(), MDM())`` is pyRiemann's
``FgMDM()``.
"""

from __future__ import annotations

import numpy as np
from pyriemann.geometry.base import expm
from pyriemann.geometry.tangentspace import unupper
from scipy import linalg
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.covariance import ledoit_wolf_shrinkage
from sklearn.preprocessing import StandardScaler
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from neuropipe._docs import public_module

__all__ = ["FisherGeodesicFilter", "shrinkage_lda_coef"]


def _class_terms(X):
    """One class's share of scikit-learn's ``_cov(X, "auto")``: the shrunk covariance is
    ``(1 - a) * Xc.T @ Xc / n + a * mu * diag(scale**2)`` with ``Xc`` the centred class
    data; returns ``Xc * sqrt((1 - a) / n)`` and the diagonal ``a * mu * scale**2``."""
    n_samples = X.shape[0]
    scaler = StandardScaler().fit(X)
    Z = scaler.transform(X)
    Z = Z - Z.mean(axis=0)  # LedoitWolf centres its input again
    shrinkage = ledoit_wolf_shrinkage(Z, assume_centered=True)
    mu = np.sum(Z**2) / n_samples / X.shape[1]  # trace of the empirical covariance / d
    low_rank = (Z * scaler.scale_) * np.sqrt((1.0 - shrinkage) / n_samples)
    return low_rank, shrinkage * mu * scaler.scale_**2


def shrinkage_lda_coef(X, y):
    """Coefficients of ``LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")``.

    Same class means, priors (class frequencies), per-class standardisation and
    Ledoit-Wolf shrinkage as scikit-learn; the pooled shrunk covariance, a diagonal ``D``
    plus ``U.T @ U`` with one row of ``U`` per sample, is solved with the Woodbury identity
    ``(D + U.T U)^-1 = D^-1 - D^-1 U.T (I + U D^-1 U.T)^-1 U D^-1``. When the diagonal is
    not positive (no shrinkage, e.g. a class with one sample) scikit-learn's dense
    least-squares solve is used instead.

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_features)
    y : ndarray, shape (n_samples,)
        At least two classes.

    Returns
    -------
    coef : ndarray, shape (1, n_features) for two classes, else (n_classes, n_features)
        As ``LinearDiscriminantAnalysis(...).fit(X, y).coef_``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.discriminant_analysis import LinearDiscriminantAnalysis as LDA
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(30, 200)), np.repeat([0, 1], 15)
    >>> lda = LDA(solver="lsqr", shrinkage="auto").fit(X, y)
    >>> np.allclose(shrinkage_lda_coef(X, y), lda.coef_, rtol=1e-9, atol=0)
    True
    """
    X = np.asarray(X, dtype=np.float64)
    classes, y = np.unique(y, return_inverse=True)
    if classes.size < 2:
        raise ValueError(
            f"shrinkage_lda_coef needs at least two classes, got {classes.size}; pass the "
            "labels of every class in the training data"
        )
    counts = np.bincount(y)
    priors = counts / float(len(y))
    means = np.zeros((classes.size, X.shape[1]))
    np.add.at(means, y, X)
    means /= counts[:, None]
    rows, diagonal = [], np.zeros(X.shape[1])
    for k in range(classes.size):
        low_rank, diag = _class_terms(X[y == k])
        rows.append(low_rank * np.sqrt(priors[k]))
        diagonal += priors[k] * diag
    U = np.vstack(rows)
    if np.all(diagonal > 0) and np.all(np.isfinite(diagonal)):
        B = means.T / diagonal[:, None]  # D^-1 b
        UD = U / diagonal  # U D^-1
        inner = np.eye(len(U)) + UD @ U.T
        coef = (B - UD.T @ linalg.solve(inner, U @ B, assume_a="pos")).T
    else:
        covariance = U.T @ U + np.diag(diagonal)
        coef = linalg.lstsq(covariance, means.T)[0].T
    if classes.size == 2:
        coef = (coef[1] - coef[0])[None, :]
    return coef


@public_module("neuropipe.features")
class FisherGeodesicFilter(TransformerMixin, BaseEstimator):
    """Fisher geodesic filter on tangent vectors: pyRiemann's FGDA after a TangentSpace.

    Fits the shrinkage LDA of pyRiemann's ``FGDA`` (:func:`shrinkage_lda_coef`, the same
    coefficients computed faster) on tangent-space vectors, projects them on the
    discriminant subspace and returns the filtered SPD matrices at the identity,
    ``expm(unupper(t @ W))``. After ``TangentSpace(metric="riemann")`` these are
    pyRiemann's ``FGDA`` outputs congruent by ``C_ref^-1/2`` (``C_ref`` the tangent space's
    reference point), which affine-invariant steps (``MDM(metric="riemann")``) cannot tell
    apart: ``make_pipeline(TangentSpace(), FisherGeodesicFilter(), MDM())`` predicts as
    ``FgMDM()``.

    Attributes
    ----------
    classes_ : ndarray, shape (n_classes,)
    coef_ : ndarray, shape (n_directions, n_features)
        The LDA's coefficients ``A`` (one row for two classes).
    projector_ : ndarray, shape (n_directions, n_features)
        ``pinv(A A.T) A``: the filter ``A.T pinv(A A.T) A`` of pyRiemann's FGDA is
        ``coef_.T @ projector_``, applied as ``(t @ coef_.T) @ projector_`` without forming
        the ``n_features x n_features`` matrix.
    n_features_in_ : int
        Tangent-space dimension, ``n_channels * (n_channels + 1) / 2``.

    Examples
    --------
    >>> import numpy as np
    >>> from pyriemann.classification import FgMDM, MDM
    >>> from pyriemann.estimation import Covariances
    >>> from pyriemann.tangentspace import TangentSpace
    >>> from sklearn.pipeline import make_pipeline
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 4, 200))
    >>> X[:20, 0] *= 2
    >>> y = np.repeat([0, 1], 20)
    >>> C = Covariances().fit_transform(X)
    >>> ours = make_pipeline(TangentSpace(), FisherGeodesicFilter(), MDM()).fit(C, y)
    >>> theirs = FgMDM().fit(C, y)
    >>> np.allclose(ours.predict_proba(C), theirs.predict_proba(C), rtol=0, atol=1e-9)
    True
    """

    def fit(self, X, y):
        """Fit the shrinkage LDA on tangent vectors ``X`` and labels ``y``."""
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self._n_channels(X.shape[1])
        self.classes_ = np.unique(y)
        if self.classes_.size < 2:
            raise ValueError(
                f"FisherGeodesicFilter needs at least two classes in y, got {self.classes_}"
            )
        self.coef_ = shrinkage_lda_coef(X, y)
        self.projector_ = np.linalg.pinv(self.coef_ @ self.coef_.T) @ self.coef_
        return self

    def transform(self, X):
        """Filtered SPD matrices at the identity, shape ``(n_samples, c, c)``."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return expm(unupper((X @ self.coef_.T) @ self.projector_))

    @staticmethod
    def _n_channels(n_features):
        n = int(round((np.sqrt(1 + 8 * n_features) - 1) / 2))
        if n * (n + 1) // 2 != n_features:
            raise ValueError(
                f"FisherGeodesicFilter takes tangent-space vectors, whose length is "
                f"n * (n + 1) / 2 for n channels; got {n_features} features. Put a "
                "pyriemann TangentSpace step before it"
            )
        return n
