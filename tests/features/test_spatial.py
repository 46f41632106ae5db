"""neuropipe's CSP: MNE's CSP filters and features (rank estimate without an SVD), MNE itself
for rank-deficient data and more than two classes, clear errors."""

import numpy as np
import pytest
from mne.decoding import CSP as MNECSP
from sklearn.model_selection import StratifiedKFold

from neuropipe.datasets import get_dataset
from neuropipe.features.spatial import CSP


@pytest.fixture(scope="module")
def s001():
    data = get_dataset("eegmmidb-leftright").load(subjects=[1])
    return np.asarray(data.X), np.asarray(data.y)


def _assert_same_csp(ours, theirs, X_test):
    """Same filters up to each filter's sign (the features square them), same features."""
    sign = np.sign(np.sum(ours.filters_ * theirs.filters_, axis=1))[:, None]
    scale = np.abs(theirs.filters_).max()
    np.testing.assert_allclose(ours.filters_ * sign, theirs.filters_, rtol=0, atol=1e-10 * scale)
    np.testing.assert_allclose(ours.evals_, theirs.evals_, rtol=0, atol=1e-12)
    # log powers, of order 1: absolute differences (a relative one is large near log 1 = 0)
    np.testing.assert_allclose(ours.transform(X_test), theirs.transform(X_test), rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.mean_, theirs.mean_, rtol=1e-10)


@pytest.mark.parametrize("component_order", ["mutual_info", "alternate"])
def test_same_filters_and_features_as_mne_on_eegmmidb(s001, component_order):
    X, y = s001
    for train, test in list(StratifiedKFold(5, shuffle=True, random_state=42).split(X, y))[:2]:
        kwargs = dict(n_components=8, component_order=component_order)
        ours = CSP(**kwargs).fit(X[train], y[train])
        theirs = MNECSP(**kwargs).fit(X[train], y[train])
        assert ours.filters_.shape == (64, 64)
        _assert_same_csp(ours, theirs, X[test])


def test_standardised_power_and_trace_normalisation_as_mne(s001):
    X, y = s001
    kwargs = dict(n_components=4, log=False, norm_trace=True)
    ours, theirs = CSP(**kwargs).fit(X[:36], y[:36]), MNECSP(**kwargs).fit(X[:36], y[:36])
    _assert_same_csp(ours, theirs, X[36:])


def test_rank_deficient_data_and_three_classes_are_fitted_by_mne(s001):
    X, y = s001
    X = X[:, :16] - X[:, :16].mean(axis=1, keepdims=True)  # average reference: rank 15
    ours, theirs = CSP(n_components=4).fit(X, y), MNECSP(n_components=4).fit(X, y)
    np.testing.assert_array_equal(ours.filters_, theirs.filters_)
    np.testing.assert_array_equal(ours.transform(X), theirs.transform(X))
    y3 = np.arange(len(y)) % 3
    ours, theirs = CSP(n_components=4).fit(X, y3), MNECSP(n_components=4).fit(X, y3)
    np.testing.assert_array_equal(ours.transform(X), theirs.transform(X))


def test_clear_errors():
    X, y = np.random.default_rng(0).normal(size=(10, 4, 50)), np.repeat([0, 1], 5)
    with pytest.raises(ValueError, match="'n_components' must be between 1 and the number"):
        CSP(n_components=5).fit(X, y)
    with pytest.raises(ValueError, match="component_order"):
        CSP(component_order="size").fit(X, y)
    with pytest.raises(ValueError, match="at least two classes"):
        CSP().fit(X, np.zeros(10))
    with pytest.raises(ValueError, match="3-D array"):
        CSP().fit(X[0], y)
    fitted = CSP(n_components=2).fit(X, y)
    with pytest.raises(ValueError, match="X has 3 channels but CSP was fitted on 4"):
        fitted.transform(X[:, :3])
