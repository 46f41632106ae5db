"""Augmented covariances: exact agreement with MOABB + pyRiemann, shrinkage, errors, API.

scikit-learn's ``check_estimator`` runs in tests/test_common.py.
"""

import warnings

import numpy as np
import pytest
from moabb.pipelines.features import AugmentedDataset
from pyriemann.estimation import Covariances
from sklearn.covariance import ledoit_wolf, oas

from neuropipe.features.augmented import (
    AugmentedCovariances,
    augmented_covariances,
    n_embedded_samples,
)


@pytest.fixture
def epochs():
    """Correlated, offset, microvolt-scale epochs: 6 epochs x 4 channels x 150 samples."""
    rng = np.random.default_rng(42)
    noise = rng.standard_normal((6, 4, 150))
    mixed = np.einsum("ij,njt->nit", rng.standard_normal((4, 4)), noise)
    return 20.0 * np.cumsum(mixed, axis=-1) / 10 + 50.0


def _hankel_embedding(x, order, lag):
    n_kept = x.shape[-1] - (order - 1) * lag
    return np.vstack([x[:, k * lag : k * lag + n_kept] for k in range(order)])


def _assert_close(got, ref):
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-10 * np.abs(ref).max())


@pytest.mark.parametrize("estimator", ["cov", "scm", "oas", "lwf"])
@pytest.mark.parametrize(("order", "lag"), [(1, 1), (1, 7), (2, 1), (3, 4), (5, 3), (4, 30)])
def test_reproduces_moabb_augmented_dataset_and_pyriemann(epochs, order, lag, estimator):
    ref = Covariances(estimator).transform(AugmentedDataset(order, lag).transform(epochs))
    got = augmented_covariances(epochs, order, lag, estimator)
    assert got.shape == ref.shape == (6, 4 * order, 4 * order)
    _assert_close(got, ref)


def test_reproduces_moabb_on_long_lags_and_direct_path(epochs):
    # 2 * lag >= kept samples: every block row is summed directly, not updated
    ref = Covariances("cov").transform(AugmentedDataset(3, 40).transform(epochs))
    _assert_close(augmented_covariances(epochs, 3, 40), ref)


@pytest.mark.parametrize(("order", "lag"), [(1, 1), (2, 5), (4, 3), (3, 60)])
def test_hankel_matches_explicit_delay_embedding(epochs, order, lag):
    got = augmented_covariances(epochs, order, lag, embedding="hankel")
    for x, cov in zip(epochs, got):
        _assert_close(cov, np.cov(_hankel_embedding(x, order, lag)))


@pytest.mark.parametrize(("name", "shrunk"), [("oas", oas), ("lwf", ledoit_wolf)])
def test_shrinkage_matches_sklearn_on_hankel_embedding(epochs, name, shrunk):
    got = augmented_covariances(epochs, 4, 2, name, embedding="hankel")
    for x, cov in zip(epochs, got):
        _assert_close(cov, shrunk(_hankel_embedding(x, 4, 2).T)[0])


def test_block_zero_is_the_lagged_cross_covariance(epochs):
    cov = augmented_covariances(epochs, 3, 5, embedding="hankel")[0]
    x = epochs[0]
    n_kept = x.shape[-1] - 10
    a, b = x[:, :n_kept], x[:, 10 : 10 + n_kept]
    expected = (a - a.mean(1, keepdims=True)) @ (b - b.mean(1, keepdims=True)).T / (n_kept - 1)
    _assert_close(cov[:4, 8:12], expected)
    _assert_close(cov[8:12, :4], expected.T)


def test_output_is_spd_with_enough_samples(epochs):
    eigvals = np.linalg.eigvalsh(augmented_covariances(epochs, 5, 3))
    assert eigvals.min() > 0


def test_samples_kept_reproduce_moabb_trimming_quirk():
    # the reference note's toy case: T=10, p=3, tau=2 keeps x[0:4], x[2:6], x[4:8]
    assert (
        n_embedded_samples(10, 3, 2)
        == AugmentedDataset(3, 2).transform(np.zeros((1, 1, 10))).shape[-1]
        == 4
    )
    assert n_embedded_samples(10, 3, 2, "hankel") == 6
    assert n_embedded_samples(10, 1, 5) == n_embedded_samples(10, 1, 5, "hankel") == 10


@pytest.mark.parametrize(("param", "value"), [("order", 0), ("lag", 0), ("order", -2)])
def test_order_or_lag_below_one_is_rejected(epochs, param, value):
    kwargs = {"order": 2, "lag": 2, param: value}
    with pytest.raises(ValueError, match=f"'{param}' must be an integer >= 1"):
        augmented_covariances(epochs, **kwargs)


def test_non_integer_order_is_rejected(epochs):
    with pytest.raises(TypeError, match="'order' must be an integer"):
        augmented_covariances(epochs, order=2.5, lag=1)


@pytest.mark.parametrize("embedding", ["moabb", "hankel"])
def test_span_leaving_no_samples_is_rejected(epochs, embedding):
    with pytest.raises(ValueError, match="span too many samples.*smaller order or lag"):
        augmented_covariances(epochs, order=11, lag=15, embedding=embedding)


def test_singular_span_warns_and_names_shrinkage(epochs):
    # 150 - 10 * 14 = 10 samples kept for 40 augmented channels
    with pytest.warns(UserWarning, match=r"singular.*shrinkage estimator \(estimator='oas'"):
        singular = augmented_covariances(epochs, order=10, lag=14, on_singular="warn")
    assert np.linalg.matrix_rank(singular[0]) < 40
    with pytest.warns(UserWarning, match=r"singular.*OAS shrinkage estimates are returned"):
        fallback = augmented_covariances(epochs, order=10, lag=14)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        shrunk = augmented_covariances(epochs, order=10, lag=14, estimator="oas")
    _assert_close(fallback, shrunk)
    assert np.linalg.eigvalsh(shrunk).min() > 0
    with pytest.raises(ValueError, match="singular.*estimator='oas' or 'lwf'"):
        augmented_covariances(epochs, order=10, lag=14, on_singular="raise")


def _with_singular_epochs(epochs):
    bad = epochs.copy()
    bad[1, 3] = bad[1, 0]  # duplicated channel
    bad[4, 2] = 7.0  # flat channel
    return bad


def test_singular_matrices_fall_back_to_oas_with_a_warning(epochs):
    bad = _with_singular_epochs(epochs)
    with pytest.warns(UserWarning, match=r"2 of 6 .*singular \(epochs 1, 4: a flat or dup"):
        got = augmented_covariances(bad, order=2, lag=3)
    assert np.linalg.eigvalsh(got).min() > 0
    _assert_close(got[[1, 4]], augmented_covariances(bad[[1, 4]], 2, 3, "oas"))
    _assert_close(got[[0, 2, 3, 5]], augmented_covariances(epochs[[0, 2, 3, 5]], 2, 3))
    with pytest.warns(UserWarning, match="singular"):
        kept = augmented_covariances(bad, order=2, lag=3, on_singular="warn")
    assert np.linalg.eigvalsh(kept[[1, 4]]).min(axis=1).max() < 1e-8 * kept[[1, 4]].max()
    with pytest.raises(ValueError, match="epochs 1, 4: a flat or duplicated channel"):
        AugmentedCovariances(2, 3, on_singular="raise").fit_transform(bad)


def test_ignore_skips_the_numerical_check_and_returns_moabbs_matrices(epochs):
    bad = _with_singular_epochs(epochs)
    ref = Covariances("cov").transform(AugmentedDataset(2, 3).transform(bad))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no check, so no warning for epochs 1 and 4
        got = augmented_covariances(bad, order=2, lag=3, on_singular="ignore")
    _assert_close(got, ref)
    assert np.linalg.eigvalsh(got[[1, 4]]).min(axis=1).max() < 1e-8 * got[[1, 4]].max()
    with pytest.warns(UserWarning, match="singular"):  # the structural warning stays
        augmented_covariances(epochs, order=10, lag=14, on_singular="ignore")
    flat = epochs.copy()
    flat[2] = 3.0
    with pytest.raises(ValueError, match="flat"):
        AugmentedCovariances(2, 3, on_singular="ignore").fit_transform(flat)


def test_singularity_check_leaves_the_matrices_untouched(epochs):
    from neuropipe.features.augmented import _not_positive_definite

    bad = _with_singular_epochs(epochs)
    covs = augmented_covariances(bad, order=2, lag=3, on_singular="ignore")
    before = covs.copy()
    flat, singular = _not_positive_definite(covs)
    np.testing.assert_array_equal(covs, before)
    assert flat.size == 0 and singular.tolist() == [1, 4]
    # a matrix whose correlation matrix is SPD only by a rounding-level margin is singular
    x = np.random.default_rng(0).standard_normal((3, 400))
    near = np.cov(np.vstack([x, x[0] + 1e-9 * x[1]]))[None]
    assert _not_positive_definite(near)[1].tolist() == [0]
    assert _not_positive_definite(np.cov(x)[None] * 1e-20)[1].size == 0


@pytest.mark.parametrize("estimator", ["cov", "scm", "oas", "lwf"])
def test_flat_epoch_is_rejected_for_every_estimator(epochs, estimator):
    bad = epochs.copy()
    bad[2] = 3.0
    with pytest.raises(ValueError, match=r"Epoch\(s\) 2 are flat.*Drop these epochs"):
        augmented_covariances(bad, 2, 3, estimator)


def test_bad_on_singular_is_named(epochs):
    with pytest.raises(
        ValueError, match="'on_singular' parameter.*'shrink', 'warn', 'raise' and 'ignore'"
    ):
        augmented_covariances(epochs, 2, 1, on_singular="skip")


def test_invalid_estimator_and_embedding_are_named(epochs):
    with pytest.raises(ValueError, match="'estimator' parameter.*'cov', 'scm', 'oas' and 'lwf'"):
        augmented_covariances(epochs, 2, 1, estimator="corr")
    with pytest.raises(ValueError, match="'embedding' parameter.*'moabb' and 'hankel'"):
        augmented_covariances(epochs, 2, 1, embedding="takens")


def test_estimator_matches_function_and_checks_channels(epochs):
    est = AugmentedCovariances(order=3, lag=2, estimator="lwf").fit(epochs)
    _assert_close(est.transform(epochs), augmented_covariances(epochs, 3, 2, "lwf"))
    assert est.n_channels_ == 4 and est.n_kept_ == 144
    with pytest.raises(ValueError, match="X has 3 channels but AugmentedCovariances was fitted on 4"):
        est.transform(epochs[:, :3])


def test_estimator_validates_in_fit_not_init(epochs):
    est = AugmentedCovariances(order=0)
    with pytest.raises(ValueError, match="'order'"):
        est.fit(epochs)


def test_reproduces_moabb_on_64_channel_eegmmidb_at_p10_tau10():
    from neuropipe.datasets import load_dataset

    X = load_dataset("eegmmidb-leftright", subjects=[1]).X[:8]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 640 augmented channels, 221 samples: singular
        got = augmented_covariances(X, 10, 10, on_singular="warn")
    ref = Covariances("cov").transform(AugmentedDataset(10, 10).transform(X))
    _assert_close(got, ref)
