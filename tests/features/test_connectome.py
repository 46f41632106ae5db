"""Tests for neuropipe.features.connectome: nilearn's tangent, fitted on training folds only."""

import numpy as np
import pytest
from nilearn.connectome import ConnectivityMeasure, sym_matrix_to_vec
from scipy.linalg import logm

import neuropipe.features.connectome as connectome
from neuropipe.features._subject_cache import clear_subject_cache, subject_cache
from neuropipe.features.connectome import (
    TangentConnectome,
    subject_covariances,
    tangent_reference,
    tangent_vectors,
)


def _subjects(n=8, n_rois=6, seed=0):
    rng = np.random.default_rng(seed)
    mixing = rng.standard_normal((n_rois, n_rois))
    return [rng.standard_normal((60 + 5 * i, n_rois)) @ mixing for i in range(n)]


def test_geometric_reference_equals_nilearn_tangent():
    X = _subjects()
    ref = ConnectivityMeasure(kind="tangent", vectorize=True).fit(X[:5])
    got = TangentConnectome(reference="geometric", standardize=False).fit(X[:5])
    np.testing.assert_allclose(got.reference_, ref.mean_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(got.transform(X[5:]), ref.transform(X[5:]), atol=1e-8)


def test_logeuclid_reference_and_vectors_by_hand():
    X = _subjects(seed=1)
    C = subject_covariances(X)
    M = tangent_reference(C[:5], "logeuclid")
    by_hand = np.mean([np.real(logm(c)) for c in C[:5]], axis=0)
    np.testing.assert_allclose(np.real(logm(M)), by_hand, atol=1e-10)
    w, v = np.linalg.eigh(M)
    W = v @ np.diag(w**-0.5) @ v.T
    expected = sym_matrix_to_vec(np.array([np.real(logm(W @ c @ W)) for c in C]))
    np.testing.assert_allclose(tangent_vectors(C, M), expected, atol=1e-10)
    # metric='logeuclid': logm(C) - mean of the training logm(C)
    T = TangentConnectome(metric="logeuclid").fit(X[:5]).transform(X)
    logs = np.array([np.real(logm(c)) for c in C])
    np.testing.assert_allclose(T, sym_matrix_to_vec(logs - logs[:5].mean(axis=0)), atol=1e-10)


@pytest.mark.parametrize(
    "metric, reference",
    [("riemann", "logeuclid"), ("riemann", "geometric"), ("logeuclid", "logeuclid")],
)
def test_reference_is_fitted_on_training_subjects_only(monkeypatch, metric, reference):
    X = _subjects(n=10, seed=2)
    seen = []
    original = connectome.tangent_reference

    def spy(C, *args, **kwargs):
        seen.append(len(C))
        return original(C, *args, **kwargs)

    monkeypatch.setattr(connectome, "tangent_reference", spy)
    model = TangentConnectome(metric=metric, reference=reference).fit(X[:6])
    assert seen == ([6] if reference == "geometric" else [])
    fitted = model.reference_.copy()
    model.transform(X[6:])
    model.transform(X)
    np.testing.assert_array_equal(model.reference_, fitted)  # transform learns nothing
    alone = TangentConnectome(metric=metric, reference=reference).fit(X[:6])
    np.testing.assert_allclose(alone.reference_, fitted)
    other = TangentConnectome(metric=metric, reference=reference).fit(X[4:])
    assert not np.allclose(other.reference_, fitted)  # it does depend on the training subjects


def test_zero_roi_is_isolated_and_standardize_removes_scale():
    X = _subjects(seed=3)
    X[2] = X[2].copy()
    X[2][:, 4] = 0.0
    C = subject_covariances(X)
    np.testing.assert_array_equal(C[2, 4], np.eye(6)[4])
    assert np.all(np.linalg.eigvalsh(C) > 0)
    scaled = [x * 1000.0 for x in X]
    np.testing.assert_allclose(subject_covariances(scaled), C, atol=1e-10)
    T = TangentConnectome().fit(X).transform(X)
    assert np.isfinite(T).all() and T.shape == (8, 21)


def test_cache_gives_the_same_numbers():
    X = _subjects(seed=4)
    clear_subject_cache()
    with subject_cache():
        cached = TangentConnectome().fit(X[:5]).transform(X)
        again = TangentConnectome().fit(X[:5]).transform(X)
    fresh = TangentConnectome().fit(X[:5]).transform(X)  # off outside the block
    np.testing.assert_array_equal(cached, again)
    np.testing.assert_allclose(cached, fresh, atol=1e-12)


def test_bad_input_and_feature_names():
    X = _subjects()
    with pytest.raises(
        ValueError, match="Allowed values are 'geometric', 'logeuclid' and 'euclid'"
    ):
        TangentConnectome(reference="mean").fit(X)
    with pytest.raises(ValueError, match="'cov_estimator' parameter"):
        TangentConnectome(cov_estimator="graphical-lasso").fit(X)
    model = TangentConnectome().fit(X)
    with pytest.raises(ValueError, match="X has 5 ROIs but TangentConnectome was fitted on 6"):
        model.transform([x[:, :5] for x in X])
    names = model.get_feature_names_out()
    assert len(names) == 21 and names[0] == "roi0-roi0" and names[1] == "roi1-roi0"


def test_zero_rois_impute_treats_a_zero_roi_as_missing_and_fits_on_training_subjects():
    X = _subjects(seed=5)
    clean = TangentConnectome(metric="logeuclid").fit(X).transform(X)
    imputed = TangentConnectome(metric="logeuclid", zero_rois="impute").fit(X)
    np.testing.assert_allclose(imputed.transform(X), clean, atol=1e-12)  # nothing missing
    X[2] = X[2].copy()
    X[2][:, 4] = 0.0
    logs = np.array([logm(c).real for c in subject_covariances(X)])
    model = TangentConnectome(metric="logeuclid", zero_rois="impute").fit(X)
    expected = logs.mean(axis=0)
    others = np.delete(np.arange(8), 2)
    expected[4, :] = logs[others, 4, :].mean(axis=0)  # ROI 4: the 7 subjects observing it
    expected[:, 4] = logs[others, :, 4].mean(axis=0)
    np.testing.assert_allclose(model.log_reference_, expected, atol=1e-10)
    T = model.transform(X)
    matrix = logs[2] - expected
    matrix[4, :] = matrix[:, 4] = 0.0  # the missing entries take the training mean
    np.testing.assert_allclose(T[2], sym_matrix_to_vec(matrix), atol=1e-10)
    np.testing.assert_allclose(T[0], sym_matrix_to_vec(logs[0] - expected), atol=1e-10)
    # identity rows instead: subject 2's ROI-4 entries sit at -mean, far from the group
    identity = TangentConnectome(metric="logeuclid").fit(X).transform(X)
    assert np.abs(identity[2]).max() > np.abs(T[2]).max()
    # the reference comes from the training subjects only: a test subject's zero ROI
    # changes nothing learnt
    fitted = TangentConnectome(metric="logeuclid", zero_rois="impute").fit(X[3:])
    before = fitted.log_reference_.copy()
    fitted.transform(X)
    np.testing.assert_array_equal(fitted.log_reference_, before)
    np.testing.assert_allclose(
        before,
        np.array([logm(c).real for c in subject_covariances(X[3:])]).mean(axis=0),
        atol=1e-10,
    )
    with pytest.raises(ValueError, match="zero_rois='impute' needs metric='logeuclid'"):
        TangentConnectome(metric="riemann", zero_rois="impute").fit(X)
    with pytest.raises(ValueError, match="'zero_rois' parameter"):
        TangentConnectome(metric="logeuclid", zero_rois="drop").fit(X)
