"""Tests for neuropipe.features.connectome: nilearn's tangent, fitted on training folds only."""

import numpy as np
import pytest
from nilearn.connectome import ConnectivityMeasure, sym_matrix_to_vec
from scipy.linalg import logm

import neuropipe.features.connectome as connectome
from neuropipe.features._subject_cache import clear_subject_cache
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


def test_cache_gives_the_same_numbers(monkeypatch):
    X = _subjects(seed=4)
    clear_subject_cache()
    cached = TangentConnectome().fit(X[:5]).transform(X)
    again = TangentConnectome().fit(X[:5]).transform(X)
    monkeypatch.setenv("NEUROPIPE_CACHE_MB", "0")
    fresh = TangentConnectome().fit(X[:5]).transform(X)
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
