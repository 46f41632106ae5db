import pickle

import numpy as np
import pytest
from pyriemann.estimation import Covariances
from pyriemann.tangentspace import TangentSpace
from sklearn.base import clone
from sklearn.utils.estimator_checks import check_estimator

from neuropipe.ensemble import MI_BANDS, FilterBankTangentSpace
from neuropipe.preprocessing import BandPass


def _epochs(n=12, n_channels=3, n_times=480, seed=0):
    return np.random.default_rng(seed).standard_normal((n, n_channels, n_times))


def test_one_band_equals_bandpass_covariance_tangent_space():
    X = _epochs()
    fbts = FilterBankTangentSpace(160.0, bands=[(8, 12)]).fit(X)
    filtered = BandPass(160.0, 8, 12).fit_transform(X)
    covs = Covariances("oas").transform(filtered)
    np.testing.assert_allclose(
        fbts.transform(X), TangentSpace(metric="riemann").fit(covs).transform(covs), atol=1e-10
    )


def test_bands_concatenate_in_order_with_names():
    X = _epochs()
    fbts = FilterBankTangentSpace(160.0).fit(X)
    out = fbts.transform(X)
    assert out.shape == (12, len(MI_BANDS) * 6)
    names = fbts.get_feature_names_out()
    assert names[0] == "8-12Hz_ts0" and names[-1] == "28-32Hz_ts5" and len(names) == out.shape[1]
    # a 10 Hz rhythm added to channel 0 moves the 8-12 Hz features, not the 20-24 Hz ones
    t = np.arange(480) / 160.0
    Y = X.copy()
    Y[:, 0] += 5 * np.sin(2 * np.pi * 10 * t)
    change = np.abs(fbts.transform(Y) - out).reshape(12, len(MI_BANDS), 6).mean(axis=(0, 2))
    assert change[0] > 10 * change[3]


def test_channel_mismatch_and_bad_metric():
    fbts = FilterBankTangentSpace(160.0).fit(_epochs())
    with pytest.raises(ValueError, match="X has 4 channels but FilterBankTangentSpace was fitted on"):
        fbts.transform(_epochs(n_channels=4))
    with pytest.raises(ValueError, match="Invalid value for the 'metric' parameter"):
        FilterBankTangentSpace(160.0, metric="euclid").fit(_epochs())


# sklearn's checks that feed 2-D feature matrices (or sparse ones, or probe sklearn's 2-D
# wording); FilterBankTangentSpace takes 3-D epochs and refuses them for their rank, as the
# transformers of neuropipe.preprocessing do (tests/test_preprocessing.py lists the same).
NEEDS_3D_EPOCHS = {
    "check_complex_data",
    "check_dict_unchanged",
    "check_dont_overwrite_parameters",
    "check_dtype_object",
    "check_estimator_sparse_array",
    "check_estimator_sparse_matrix",
    "check_estimator_sparse_tag",
    "check_estimators_dtypes",
    "check_estimators_empty_data_messages",
    "check_estimators_fit_returns_self",
    "check_estimators_nan_inf",
    "check_estimators_overwrite_params",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_fit2d_1feature",
    "check_fit2d_1sample",
    "check_fit2d_predict1d",
    "check_fit_check_is_fitted",
    "check_fit_idempotent",
    "check_fit_score_takes_y",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_n_features_in",
    "check_n_features_in_after_fitting",
    "check_pipeline_consistency",
    "check_positive_only_tag_during_fit",
    "check_readonly_memmap_input",
    "check_transformer_data_not_an_array",
    "check_transformer_general",
    "check_transformer_preserve_dtypes",
}


def test_check_estimator_fails_only_on_2d_input():
    results = check_estimator(
        FilterBankTangentSpace(160.0),
        expected_failed_checks={name: "2-D input" for name in NEEDS_3D_EPOCHS},
        on_fail=None,
        on_skip=None,
    )
    unexpected = {r["check_name"]: r["exception"] for r in results if r["status"] == "failed"}
    assert not unexpected
    # the 3-D contract those checks would test: cloning, refitting, order, pickling
    X = _epochs(n=8)
    fbts = FilterBankTangentSpace(160.0, bands=[(8, 12), (12, 30)])
    params = fbts.get_params()
    out = fbts.fit(X).transform(X)
    assert fbts.get_params() == params
    order = np.random.default_rng(1).permutation(8)
    np.testing.assert_allclose(fbts.transform(X[order]), out[order], atol=1e-10)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(fbts)).transform(X), out)
    np.testing.assert_allclose(clone(fbts).fit(X[:4]).fit(X).transform(X), out)
